"""Secrets and home paths out of every string that reaches a tracked file.

A secret becomes `[REDACTED:<kind>]`; for assignments, headers and URLs only the secret part is
replaced, so `DB_PASSWORD=[REDACTED:secret_assignment]` still says which variable was set. Kinds
(stable: the commit gate and its allowlist key on them), in the order they win when matches overlap:

    private_key        a PEM block `-----BEGIN … PRIVATE KEY-----` … `-----END …-----` (any key type;
                       an unterminated block is redacted through its base64 body)
    jwt                three base64url segments, the first starting `eyJ`
    anthropic_key      `sk-ant-…`
    openai_key         `sk-…`, `sk-proj-…`, `sk-svcacct-…`, `sk-admin-…` (20+ characters with a digit)
    github_token       `ghp_ gho_ ghu_ ghs_ ghr_` tokens and fine-grained `github_pat_…`
    gitlab_token       `glpat-`, `gldt-`, `glrt-`, `glptt-`, `gloas-`, `glcbt-`, … tokens
    slack_token        `xoxb- xoxa- xoxp- xoxo- xoxs- xoxr-` and app-level `xapp-` tokens
    slack_webhook      `https://hooks.slack.com/services/…` (the whole URL)
    stripe_key         `sk_live_ sk_test_ rk_live_ rk_test_` keys and `whsec_` signing secrets
    aws_access_key_id  `AKIA…`, `ASIA…` (and `ABIA`, `ACCA`) key ids
    aws_secret_key     the value of `aws_secret_access_key = …` style assignments
    google_api_key     `AIza…`
    url_password       the password of `scheme://user:password@host` (scheme, user and host kept)
    auth_header        the credential of `Authorization:`, `X-Api-Key:`, `Private-Token:`, … headers
    bearer_token       `Bearer <token>` outside a header (16+ token characters with a digit)
    secret_assignment  the value of `KEY=value`, `KEY: value`, `export KEY=value`, `"key": "value"`,
                       `--key value` where KEY names a secret: it contains SECRET, TOKEN, PASSWORD,
                       PASSWD, PWD, API_KEY/APIKEY, PRIVATE_KEY, ACCESS_KEY, CREDENTIAL(S) or AUTH as a
                       word part (case-insensitive; `MAX_TOKENS`, `GIT_AUTHOR_NAME`, `PWD`, `OLDPWD`
                       are not secrets)
    custom             a match of one of the configured `redact.patterns`

Values that are visibly not secrets are kept, so `.env.example` files and shell snippets stay
readable: empty values, references (`$VAR`, `${VAR}`, `${{ secrets.X }}`, `os.environ[…]`,
`process.env.X`), templates (`<password>`, `{password}`, `%(password)s`), filler (`***`, `xxxx`, `...`,
`your_api_key_here`), `changeme`, booleans and null-likes, and existing `[REDACTED:…]` markers.
Git SHAs, UUIDs and base64 without a known prefix are never matched by themselves.

Home paths (`$HOME` as given and symlink-resolved, `/home/<user>`, `/Users/<user>`, `/root`,
`C:\\Users\\<user>`) become `~`; `findings` reports them as kind `home_path`.
Redaction is idempotent: `redact(redact(t)) == redact(t)`.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from typing import TYPE_CHECKING, NamedTuple

from journal.paths import home_pattern

if TYPE_CHECKING:
    from journal.config import Config

MARKER = re.compile(r"\[REDACTED:[a-z_]+\]")
_TOKEN = r"[A-Za-z0-9_-]"
_START = r"(?<![A-Za-z0-9_-])"  # a token starts here, not inside a longer word
_KEY_WORD = (
    r"(?:secret|token|passw(?:or)?d|(?<![a-z])pwd|api[_-]?key|private[_-]?key|access[_-]?key"
    r"|credentials?|(?<![a-z])auth)(?![a-z])"
)
_KEY = rf"(?P<key>[A-Za-z0-9_.-]*?{_KEY_WORD}[A-Za-z0-9_.-]*)"
_NOT_SECRET_KEYS = frozenset({"pwd", "oldpwd"})
_PLACEHOLDER_WORDS = frozenset(
    {"changeme", "change-me", "change_me", "null", "none", "nil", "true", "false", "undefined"}
)
_PLACEHOLDER = re.compile(
    r"""\$[{(A-Za-z_]|<.*>$|\{.*\}$|%\(.*\)s$|%s$|[*xX.…_-]+$|your[_-]|\[REDACTED"""
    r"""|(?:os\.environ|os\.getenv|process\.env|env\.|secrets\.)""",
    re.IGNORECASE,
)


class Finding(NamedTuple):
    kind: str
    start: int
    end: int
    fingerprint: str  # sha256[:12] of the matched secret: what an allowlist names


class _Rule(NamedTuple):
    kind: str
    source: str  # compiled on first use: importing this module must stay cheap for the hooks
    hints: tuple[str, ...]  # lowercase substrings one of which a match must contain (fast skip)

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compiled(self.source)

    def secret_span(self, match: re.Match[str]) -> tuple[int, int]:
        """The replaced part: group `v` when the rule has one (the value, not its label)."""
        return match.span("v" if "v" in self.pattern.groupindex else 0)


@functools.cache
def _compiled(source: str) -> re.Pattern[str]:
    return re.compile(source)


def _rule(kind: str, pattern: str, *hints: str) -> _Rule:
    return _Rule(kind, pattern, hints)


_HEADER = r"(?:proxy-)?authorization|x-api-key|api-key|x-auth-token|private-token|x-access-token"
_HEADER += r"|x-goog-api-key|ocp-apim-subscription-key"
_GL = ("pat", "dt", "rt", "rtr", "ptt", "oas", "cbt", "ffct", "soat", "ft", "imt", "agent", "wt")
_KEY_HINTS = ("secret", "token", "passw", "pwd", "key", "credential", "auth")
_ASSIGNED = "secret_assignment"
_Q = "[\"']"  # a quote

BUILTIN_RULES: tuple[_Rule, ...] = (
    _rule(
        "private_key",
        r"(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:.*?-----END [A-Z0-9 ]*PRIVATE "
        r"KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s\\,:.-]*)",
        "private key",
    ),
    _rule("jwt", rf"{_START}eyJ{_TOKEN}{{8,}}\.{_TOKEN}{{8,}}\.{_TOKEN}{{8,}}", "eyj"),
    _rule("anthropic_key", rf"{_START}sk-ant-{_TOKEN}{{20,}}", "sk-ant-"),
    _rule(
        "openai_key", rf"{_START}sk-(?:proj-|svcacct-|admin-)?(?=[\w-]*\d){_TOKEN}{{20,}}", "sk-"
    ),
    _rule(
        "github_token",
        r"(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_\w{22,})",
        *("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    ),
    _rule(
        "gitlab_token",
        rf"{_START}gl(?:{'|'.join(_GL)})-{_TOKEN}{{20,}}(?:\.{_TOKEN}+)*",
        *(f"gl{prefix}-" for prefix in _GL),
    ),
    _rule(
        "slack_token",
        rf"{_START}(?:xox[abposr]-[A-Za-z0-9-]{{10,}}|xapp-\d-[A-Za-z0-9-]{{10,}})",
        *("xox", "xapp-"),
    ),
    _rule(
        "slack_webhook",
        r"https?://hooks\.slack\.com/(?:services|workflows|triggers)/[\w/-]+",
        "hooks.slack.com",
    ),
    _rule(
        "stripe_key",
        rf"{_START}(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{{10,}}|whsec_\w{{16,}})",
        *("_live_", "_test_", "whsec_"),
    ),
    _rule(
        "aws_access_key_id",
        r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])",
        *("akia", "asia", "abia", "acca"),
    ),
    _rule(
        "aws_secret_key",
        rf"(?i)aws_?secret(?:_?access)?_?key{_Q}?\s*[:=]\s*{_Q}?(?P<v>[A-Za-z0-9/+=]{{40}})(?![\w/+=])",
        "secret",
    ),
    _rule("google_api_key", rf"{_START}AIza{_TOKEN}{{35}}", "aiza"),
    _rule("url_password", r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:@/]*:(?P<v>[^\s@/]+)@", "://"),
    _rule(
        "auth_header",
        rf"(?i)(?<![\w/-])(?:{_HEADER}){_Q}?\s*:\s*{_Q}?(?:(?:bearer|basic|token|digest|bot|apikey)\s+)?"
        r"(?P<v>(?=[^\s\"'\\]*(?:\d|[^\s\"'\\](?-i:[A-Z])|[+/=_.-]))[^\s\"'\\]{8,})",
        *("authorization", "api-key", "-token", "subscription-key"),
    ),
    _rule("bearer_token", r"(?i)\bbearer\s+(?P<v>(?=[\w.~+/=-]*\d)[\w.~+/=-]{16,})", "bearer"),
    # KEY=value with no spaces (shell, .env, flags): the value up to a shell separator.
    _rule(
        _ASSIGNED,
        rf"(?i)(?<![A-Za-z0-9_.-]){_KEY}={_Q}?(?P<v>(?<={_Q})[^\"'\n]+|[^\s\"'`;&|<>()]+)",
        *_KEY_HINTS,
    ),
    # "key": "value", key = 'value', apiKey: "value": a quoted value after spaces or a colon.
    _rule(
        _ASSIGNED,
        rf"(?i)(?<![A-Za-z0-9_.-]){_Q}?{_KEY}{_Q}?[ \t]*[:=][ \t]*(?P<q>{_Q})(?P<v>[^\"'\n]+)(?P=q)",
        *_KEY_HINTS,
    ),
    # KEY: value / KEY = value alone on its line (YAML, ini, .env with spaces).
    _rule(
        _ASSIGNED,
        rf"(?im)^[ \t]*(?:-[ \t]+)?(?:export[ \t]+)?{_KEY}[ \t]*[:=][ \t]*"
        r"(?P<v>[^\s\"'()\[\]{}]+)[ \t]*\r?$",
        *_KEY_HINTS,
    ),
    # --password hunter2, --api-key=abc: a command-line flag that names a secret.
    _rule(
        _ASSIGNED,
        rf"(?i)(?<![\w-])--?{_KEY}(?:=|[ \t]+)(?P<v>[^\s\"'`;&|<>()-][^\s\"'`;&|<>()]*)",
        *_KEY_HINTS,
    ),
)


def _is_placeholder(kind: str, key: str | None, value: str) -> bool:
    if kind not in ("secret_assignment", "auth_header", "url_password"):
        return False
    if key is not None and key.lower() in _NOT_SECRET_KEYS:
        return True
    value = value.strip()
    return not value or value.lower() in _PLACEHOLDER_WORDS or _PLACEHOLDER.match(value) is not None


class Redactor:
    """Compiled once, applied to every string of every fragment and journal."""

    def __init__(self, extra_patterns: tuple[str, ...] = (), home: str | None = None) -> None:
        custom = tuple(_Rule("custom", p, ()) for p in extra_patterns)
        self.rules: tuple[_Rule, ...] = BUILTIN_RULES + custom
        # A rule runs only when one of its hints occurs: most strings skip every rule.
        self._enabled_by = {
            hint: {i for i, rule in enumerate(self.rules) if hint in rule.hints}
            for hint in sorted({hint for rule in self.rules for hint in rule.hints})
        }
        self._unhinted = {i for i, rule in enumerate(self.rules) if not rule.hints}
        self._home = home_pattern(os.environ.get("HOME", "") if home is None else home)

    @classmethod
    def from_config(cls, config: Config) -> Redactor:
        from journal.errors import JournalError

        for pattern in config.redact_patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                message = f"redact.patterns: {pattern!r} is not a valid regex ({exc}); fix it"
                raise JournalError(message) from exc
        return cls(config.redact_patterns)

    def secrets(self, text: str) -> list[Finding]:
        """Non-overlapping secret spans of `text`; overlapping matches merge under the first rule's kind."""
        markers = [m.span() for m in MARKER.finditer(text)] if "[REDACTED:" in text else []
        lowered = text.lower()
        active = set(self._unhinted)
        for hint, rules in self._enabled_by.items():
            if hint in lowered:
                active |= rules
        spans: list[tuple[int, int, int]] = []  # start, end, rule index (priority)
        for index in sorted(active):
            rule = self.rules[index]
            for match in rule.pattern.finditer(text):
                start, end = rule.secret_span(match)
                if start == end or _inside_any(start, end, markers):
                    continue
                if _is_placeholder(rule.kind, match.groupdict().get("key"), text[start:end]):
                    continue
                spans.append((start, end, index))
        return [
            Finding(self.rules[index].kind, start, end, fingerprint(text[start:end]))
            for start, end, index in _merge(spans)
        ]

    def findings(self, text: str) -> list[Finding]:
        """Every secret and home path left in `text` (what the commit gate refuses)."""
        homes = [
            Finding("home_path", m.start(), m.end(), fingerprint(m.group()))
            for m in self._home.finditer(text)
        ]
        return sorted(self.secrets(text) + homes, key=lambda f: (f.start, f.end))

    def redact(self, text: str) -> str:
        # Usually one pass. A replacement can change what precedes the next token (secrets glued
        # together), so repeat until nothing matches; every pass turns text into markers, so it ends.
        while True:
            found = self.secrets(text)
            if found:
                text = _replace(text, found)
                continue
            homed = self._home.sub("~", text)
            if homed == text:
                return text
            text = homed


def _inside_any(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < s_end and s_start < end for s_start, s_end in spans)


def _merge(spans: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    merged: list[tuple[int, int, int]] = []
    for start, end, index in sorted(spans):
        if merged and start < merged[-1][1]:
            last_start, last_end, last_index = merged[-1]
            merged[-1] = (last_start, max(end, last_end), min(index, last_index))
        else:
            merged.append((start, end, index))
    return merged


def _replace(text: str, found: list[Finding]) -> str:
    parts: list[str] = []
    position = 0
    for finding in found:
        parts += [text[position : finding.start], f"[REDACTED:{finding.kind}]"]
        position = finding.end
    parts.append(text[position:])
    return "".join(parts)


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:12]
