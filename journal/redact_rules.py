"""The secret rules behind `journal.redact`: what each kind matches, and which values are not secrets.

Kinds (stable: the commit gate and its allowlist key on them), in the order they win when matches
overlap:

    private_key        a PEM block `-----BEGIN … PRIVATE KEY-----` … `-----END …-----` (any key type,
                       PGP blocks too; an unterminated block is redacted through its base64 body)
    jwt                three base64url segments, the first starting `eyJ`
    anthropic_key      `sk-ant-…`
    openai_key         `sk-…`, `sk-proj-…`, `sk-svcacct-…`, `sk-admin-…` (20+ characters with a digit)
    github_token       `ghp_ gho_ ghu_ ghs_ ghr_` tokens and fine-grained `github_pat_…`
    gitlab_token       `glpat-`, `gldt-`, `glrt-`, `glptt-`, `gloas-`, `glcbt-`, … tokens
    slack_token        `xoxb- xoxa- xoxp- xoxo- xoxs- xoxr-` and app-level `xapp-` tokens
    slack_webhook      `https://hooks.slack.com/services/…` (the whole URL)
    discord_webhook    `https://discord.com/api/webhooks/<id>/<token>` (the whole URL)
    teams_webhook      `https://<tenant>.webhook.office.com/…` and `outlook.office.com/webhook/…`
    stripe_key         `sk_live_ sk_test_ rk_live_ rk_test_` keys and `whsec_` signing secrets
    aws_access_key_id  `AKIA…`, `ASIA…` (and `ABIA`, `ACCA`) key ids
    aws_secret_key     the value of `aws_secret_access_key = …` style assignments
    google_api_key     `AIza…`
    google_oauth_secret  `GOCSPX-…` OAuth client secrets
    azure_key          the value of `AccountKey=` / `SharedAccessKey=` in connection strings
    url_signature      the value of `sig=`, `signature=`, `X-Amz-Signature=` in a URL's query
    twilio_key         `SK` + 32 hex (API key sids)
    sendgrid_key       `SG.<22>.<43>`
    npm_token          `npm_…`
    pypi_token         `pypi-AgEIcHlwaS5vcmc…` (PyPI upload tokens)
    huggingface_token  `hf_…` (30+ letters and digits, both cases)
    service_token      other prefixed tokens: Shopify `shpat_`, DigitalOcean `dop_v1_`, Atlassian
                       `ATATT3`, Postman `PMAK-`, Grafana `glsa_`/`glc_`, age `AGE-SECRET-KEY-1`,
                       Doppler `dp.st.`, Linear `lin_api_`, Vault `hvs.`, Databricks `dapi`,
                       Telegram bot tokens, Mailgun `key-`
    url_password       the password of `scheme://user:password@host` (scheme, user and host kept)
    cli_password       `curl -u user:password`, `sshpass -p password`, `mysql -ppassword`, and the
                       password of a `.netrc` `machine … login … password …` line
    auth_header        the credential of `Authorization:`, `X-Api-Key:`, `Private-Token:`, … headers
    bearer_token       `Bearer <token>` outside a header (16+ token characters with a digit)
    secret_assignment  the value of `KEY=value`, `KEY: value`, `export KEY=value`, `"key": "value"`,
                       `--key value` where KEY names a secret: it contains SECRET, TOKEN, PASSWORD,
                       PASSWD, PWD, API_KEY/APIKEY, PRIVATE_KEY, ACCESS_KEY, CREDENTIAL(S) or AUTH as a
                       word part (case-insensitive; `MAX_TOKENS`, `GIT_AUTHOR_NAME`, `PWD`, `OLDPWD`
                       are not secrets, nor is a key whose last word says what the value is about:
                       `TOKEN_LIMIT`, `PASSWORD_MIN_LENGTH`, `SECRET_FILE`, `TOKEN_URL`, …)
    high_entropy       a random-looking value (20+ characters mixing cases and digits, not hex) assigned
                       to a key naming key material: `*_KEY`, salt, seed, signing, hmac, cookie,
                       cipher, encryption, nonce, signature
    custom             a match of one of the configured `redact.patterns`

Values that are visibly not secrets are kept, so `.env.example` files and shell snippets stay
readable: empty values, references (`$VAR`, `${VAR}`, `${{ secrets.X }}`, `os.environ[…]`,
`process.env.X`), templates (`<password>`, `{password}`, `%(password)s`), filler (`***`, `xxxx`, `...`,
`your_api_key_here`), `changeme`, booleans and null-likes, and existing `[REDACTED:…]` markers.
Git SHAs, UUIDs, hashes and base64 without a known prefix are never matched by themselves.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from typing import NamedTuple


class Rule(NamedTuple):
    kind: str
    source: str  # compiled on first use: importing this module must stay cheap for the hooks
    hints: tuple[str, ...]  # lowercase substrings one of which a match must contain (fast skip)

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compiled(self.source)

    def secret_span(self, match: re.Match[str]) -> tuple[int, int]:
        """The replaced part: the value group (`v`, `v2`, …) that matched when the rule has one (the
        value, not its label), else the whole match."""
        for name in self.pattern.groupindex:
            if name.startswith("v") and match.group(name) is not None:
                return match.span(name)
        return match.span()


@functools.cache
def _compiled(source: str) -> re.Pattern[str]:
    return re.compile(source)


def _rule(kind: str, pattern: str, *hints: str) -> Rule:
    return Rule(kind, pattern, hints)


_TOKEN = r"[A-Za-z0-9_-]"
_START = r"(?<![A-Za-z0-9_-])"  # a token starts here, not inside a longer word
_END = r"(?![A-Za-z0-9])"
_KEY_WORD = (
    r"(?:secret|token|passw(?:or)?d|(?<![a-z])pwd|api[_-]?key|private[_-]?key|access[_-]?key"
    r"|credentials?|(?<![a-z])auth)(?![a-z])"
)
_KEY = rf"(?P<key>[A-Za-z0-9_.-]*?{_KEY_WORD}[A-Za-z0-9_.-]*)"
_MATERIAL_WORD = r"(?:key|salt|seed|signing|hmac|cookie|cipher|encryption|nonce|signature)"
_MATERIAL = rf"(?P<key>[A-Za-z0-9_.-]*?{_MATERIAL_WORD}(?![a-z])[A-Za-z0-9_.-]*)"
_HEADER = r"(?:proxy-)?authorization|x-api-key|api-key|x-auth-token|private-token|x-access-token"
_HEADER += r"|x-goog-api-key|ocp-apim-subscription-key"
_GL = ("pat", "dt", "rt", "rtr", "ptt", "oas", "cbt", "ffct", "soat", "ft", "imt", "agent", "wt")
_KEY_HINTS = ("secret", "token", "passw", "pwd", "key", "credential", "auth")
_ASSIGNED = "secret_assignment"
_Q = "[\"']"  # a quote
_SERVICES = (
    r"shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}",
    r"do[por]_v1_[a-f0-9]{64}",
    r"ATATT3[A-Za-z0-9_=-]{60,}",
    r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}",
    r"glsa_[A-Za-z0-9]{32}_[a-f0-9]{8}",
    r"glc_[A-Za-z0-9+/]{32,}={0,2}",
    r"AGE-SECRET-KEY-1[0-9A-Z]{58}",
    r"dp\.(?:st|pt|ct|sa|scim|audit)\.[A-Za-z0-9_-]{40,}",
    r"lin_api_[A-Za-z0-9]{40}",
    r"hvs\.[A-Za-z0-9_-]{24,}",
    r"dapi[0-9a-f]{32}",
    r"\d{8,10}:AA[A-Za-z0-9_-]{33}",
    r"key-[0-9a-f]{32}",
)
_SERVICE_HINTS: tuple[str, ...] = ("shp", "_v1_", "atatt3", "pmak-", "glsa_", "glc_", "dp.")
_SERVICE_HINTS += ("age-secret-key-", "lin_api_", "hvs.", "dapi", ":aa", "key-")

BUILTIN_RULES: tuple[Rule, ...] = (
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
        "discord_webhook",
        r"https?://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api/webhooks/\d+/[\w-]+",
        "discord",
    ),
    _rule(
        "teams_webhook",
        r"https://(?:[\w-]+\.webhook\.office\.com/|outlook\.office(?:365)?\.com/webhook/)"
        r"[^\s\"'<>`]+",
        *("webhook.office", "outlook.office"),
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
    _rule("google_oauth_secret", rf"{_START}GOCSPX-{_TOKEN}{{28}}", "gocspx-"),
    _rule(
        "azure_key",
        r"(?i)(?<![A-Za-z0-9])(?:account|shared_?access)_?key\s*=\s*(?P<v>[A-Za-z0-9+/]{40,}={0,2})",
        *("accountkey", "account_key", "sharedaccesskey", "shared_access_key"),
    ),
    _rule(
        "url_signature",
        r"(?i)[?&](?:sig|signature|x-amz-signature|x-goog-signature)=(?P<v>[A-Za-z0-9%+/=_.-]{16,})",
        *("sig=", "signature="),
    ),
    _rule("twilio_key", r"(?<![A-Za-z0-9])SK[0-9a-f]{32}(?![0-9a-f])", "sk"),
    _rule("sendgrid_key", r"(?<![\w.])SG\.[\w-]{22}\.[\w-]{43}", "sg."),
    _rule("npm_token", rf"{_START}npm_[A-Za-z0-9]{{36}}{_END}", "npm_"),
    _rule("pypi_token", rf"{_START}pypi-AgEIcHlwaS5vcmc{_TOKEN}{{20,}}", "pypi-agei"),
    _rule(
        "huggingface_token",
        rf"{_START}hf_(?=[A-Za-z0-9]*[A-Z])(?=[A-Za-z0-9]*[a-z])[A-Za-z0-9]{{30,}}{_END}",
        "hf_",
    ),
    _rule("service_token", rf"{_START}(?:{'|'.join(_SERVICES)}){_END}", *_SERVICE_HINTS),
    _rule("url_password", r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:@/]*:(?P<v>[^\s@/]+)@", "://"),
    _rule(
        "cli_password",
        r"(?:(?<![\w-])(?:-u|--user)[ \t=]+[\"']?[^\s:\"'@/]+:(?P<v>[^\s\"'@]+)"
        r"|\bsshpass[ \t]+-p[ \t]*[\"']?(?P<v2>[^\s\"']+)"
        r"|\b(?:mysql|mysqldump|mysqladmin|mariadb)\b[^\n|;&]*?[ \t]-p(?P<v3>[^\s\"'-][^\s\"']*)"
        r"|\bmachine[ \t]+\S+[ \t]+login[ \t]+\S+[ \t]+password[ \t]+(?P<v4>\S+))",
        *("-u", "--user", "sshpass", "mysql", "mariadb", "machine"),
    ),
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
    # KEY: value / KEY = value alone on its line (YAML, ini, .env with spaces; a diff's +/- too).
    _rule(
        _ASSIGNED,
        rf"(?im)^[+-]?[ \t]*(?:-[ \t]+)?(?:export[ \t]+)?{_KEY}[ \t]*[:=][ \t]*"
        r"(?P<v>[^\s\"'()\[\]{}]+)[ \t]*\r?$",
        *_KEY_HINTS,
    ),
    # --password hunter2, --api-key=abc: a command-line flag that names a secret.
    _rule(
        _ASSIGNED,
        rf"(?i)(?<![\w-])--?{_KEY}(?:=|[ \t]+)(?P<v>[^\s\"'`;&|<>()-][^\s\"'`;&|<>()]*)",
        *_KEY_HINTS,
    ),
    # SIGNING_KEY = "…", cookie_salt: '…': random-looking values assigned to key material.
    _rule(
        "high_entropy",
        rf"(?i)(?<![A-Za-z0-9_.-]){_Q}?{_MATERIAL}{_Q}?[ \t]*[:=][ \t]*{_Q}?"
        r"(?P<v>[A-Za-z0-9+/_=.-]{20,})(?![A-Za-z0-9+/_=.-])",
        *("key", "salt", "seed", "signing", "hmac", "cookie", "cipher", "encryption", "nonce"),
    ),
)

# -- values that are not secrets ----------------------------------------------------------------

_VALUE_KINDS = frozenset(
    {"secret_assignment", "auth_header", "url_password", "cli_password", "high_entropy"}
)
_NOT_SECRET_KEYS = frozenset({"pwd", "oldpwd"})
# A key whose last word is one of these names a setting about the secret, not the secret itself.
_ABOUT_WORDS = frozenset(
    {"limit", "limits", "ttl", "expiry", "expires", "expiration", "timeout", "length", "len"}
    | {"count", "size", "min", "max", "file", "path", "dir", "url", "uri", "endpoint", "name"}
    | {"type", "header", "format", "mode", "enabled", "required", "id", "ref", "env", "var"}
)
_PLACEHOLDER_WORDS = frozenset(
    {"changeme", "change-me", "change_me", "null", "none", "nil", "true", "false", "undefined"}
)
_PLACEHOLDER = re.compile(
    r"""\$[{(A-Za-z_]|<.*>$|\{.*\}$|%\(.*\)s$|%s$|[*xX.…_-]+$|your[_-]|\[REDACTED|\.{1,2}/|~/"""
    r"""|(?:os\.environ|os\.getenv|process\.env|env\.|secrets\.)""",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_RUNS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_ENTROPY_MIN_BITS = 3.6  # per character; random base62 of 20+ characters is above 4
_WORDY_RUN = 4.0  # mean run length of letters-then-digits above which text reads as words


def rejects(kind: str, key: str | None, value: str) -> bool:
    """True when a match of a valued rule is visibly not a secret (a placeholder, a setting)."""
    if kind not in _VALUE_KINDS:
        return False
    if key is not None and _names_no_secret(key, kind):
        return True
    value = value.strip()
    if (
        not value.strip("\\")
        or value.lower() in _PLACEHOLDER_WORDS
        or _PLACEHOLDER.match(value) is not None
    ):
        return True
    return kind == "high_entropy" and not random_looking(value)


def _names_no_secret(key: str, kind: str) -> bool:
    words = [word.lower() for word in _WORDS.findall(key)]
    if kind == "high_entropy" and {"public", "publishable"} & set(words):
        return True
    return key.lower() in _NOT_SECRET_KEYS or (bool(words) and words[-1] in _ABOUT_WORDS)


def random_looking(value: str) -> bool:
    """Mixes upper case, lower case and digits, is not hex, and has the entropy of random text."""
    body = value.rstrip("=")
    if re.fullmatch(r"[0-9a-fA-F-]+", body):
        return False  # hashes, SHAs and UUIDs
    classes = [any(test(ch) for ch in body) for test in (str.isupper, str.islower, str.isdigit)]
    runs = _RUNS.findall(body)
    wordy = sum(map(len, runs)) / max(len(runs), 1) >= _WORDY_RUN  # CamelCaseWords2024
    return all(classes) and not wordy and shannon_bits(body) >= _ENTROPY_MIN_BITS


def shannon_bits(text: str) -> float:
    if not text:
        return 0.0
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())
