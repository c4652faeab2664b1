"""Origin URL → links to a commit and to a diff on the hosting service's web pages.

Understood origins: scp-like ssh (`git@host:owner/repo.git`), `ssh://[user@]host[:port]/owner/repo.git`,
`git://`, and `http(s)://[user[:token]@]host[:port]/owner/repo(.git)`. User names, passwords and
tokens are never carried into a link; an ssh port is dropped (the web pages are served over https on
the default port), an http(s) port is kept.

Hosts: GitHub, GitLab (any depth of subgroups), Bitbucket Cloud, and Gitea/Forgejo (a host name that
contains "gitea", or codeberg.org). A self-hosted service with another name is recognised when
`web.kind` names its kind. Anything else gives `None`: the journal then shows plain SHAs.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import quote, urlsplit

KINDS = ("github", "gitlab", "bitbucket", "gitea")

# Hosts that serve ssh on port 443 under another name than their web pages.
_SSH_ALIASES = {
    "ssh.github.com": "github.com",
    "altssh.gitlab.com": "gitlab.com",
    "altssh.bitbucket.org": "bitbucket.org",
}
_SCP_LIKE = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?!//)(?P<path>.+)$")


class WebLinks(NamedTuple):
    kind: str  # one of KINDS
    base_url: str  # https://host[:port]/owner/repo, without credentials or ".git"

    def commit_url(self, sha: str) -> str:
        sha = quote(sha, safe="")
        if self.kind == "gitlab":
            return f"{self.base_url}/-/commit/{sha}"
        if self.kind == "bitbucket":
            return f"{self.base_url}/commits/{sha}"
        return f"{self.base_url}/commit/{sha}"

    def compare_url(self, base: str, head: str) -> str:
        base, head = quote(base, safe=""), quote(head, safe="")
        if self.kind == "gitlab":
            return f"{self.base_url}/-/compare/{base}...{head}"
        if self.kind == "bitbucket":
            # Bitbucket names the source first and the destination second, joined by a CR.
            return f"{self.base_url}/branches/compare/{head}%0D{base}#diff"
        return f"{self.base_url}/compare/{base}...{head}"


def web_links(origin_url: str | None, kind: str = "") -> WebLinks | None:
    """Links for `origin_url`, or None when the host is unknown or the URL is not a remote one.

    `kind` (from `web.kind`) forces the hosting software for a self-hosted name.
    """
    if not origin_url:
        return None
    parsed = _host_and_path(origin_url.strip())
    if parsed is None:
        return None
    scheme, host, path = parsed
    kind = kind or _guess_kind(host.split(":")[0])
    segments = [s for s in path.split("/") if s]
    if segments and segments[-1].endswith(".git"):
        segments[-1] = segments[-1][: -len(".git")]
    if kind not in KINDS or not _valid_path(kind, segments):
        return None
    path = "/".join(quote(segment, safe="-._~%@+") for segment in segments)
    return WebLinks(kind, f"{scheme}://{host}/{path}")


def _host_and_path(url: str) -> tuple[str, str, str] | None:
    """(web scheme, host[:port], path) of a remote URL; None for local paths and odd schemes."""
    if "://" not in url:
        match = _SCP_LIKE.match(url)
        if match is None or "/" in match["host"]:
            return None
        host = match["host"].lower()
        return "https", _SSH_ALIASES.get(host, host), match["path"]
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host or parts.scheme not in ("ssh", "git", "git+ssh", "ssh+git", "http", "https"):
        return None
    if parts.scheme in ("http", "https"):
        try:
            port = parts.port
        except ValueError:
            return None
        netloc = f"{host}:{port}" if port else host
        return parts.scheme, netloc, parts.path
    return "https", _SSH_ALIASES.get(host, host), parts.path


def _guess_kind(host: str) -> str:
    if host == "codeberg.org" or "gitea" in host or "forgejo" in host:
        return "gitea"
    for kind in ("github", "gitlab", "bitbucket"):
        if kind in host:
            return kind
    return ""


def _valid_path(kind: str, segments: list[str]) -> bool:
    if any(s in (".", "..") for s in segments):
        return False
    if kind == "gitlab":
        return len(segments) >= 2  # group/subgroup/…/project
    return len(segments) == 2  # owner/repo
