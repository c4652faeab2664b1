from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journal.web import WebLinks, web_links
from testing.git_repo import GitRepo

SHA = "3f9c2a1d5e6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d"
PARENT = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"


@pytest.mark.parametrize(
    ("origin", "base_url"),
    [
        ("git@github.com:acme/widgets.git", "https://github.com/acme/widgets"),
        ("git@github.com:acme/widgets", "https://github.com/acme/widgets"),
        ("ssh://git@github.com/acme/widgets.git", "https://github.com/acme/widgets"),
        ("ssh://git@ssh.github.com:443/acme/widgets.git", "https://github.com/acme/widgets"),
        ("https://github.com/acme/widgets.git", "https://github.com/acme/widgets"),
        ("https://github.com/acme/widgets/", "https://github.com/acme/widgets"),
        ("git://github.com/acme/widgets.git", "https://github.com/acme/widgets"),
        ("HTTPS://GitHub.com/acme/widgets.git", "https://github.com/acme/widgets"),
    ],
)
def test_github_origins(origin: str, base_url: str) -> None:
    links = web_links(origin)
    assert links == WebLinks("github", base_url)
    assert links.commit_url(SHA) == f"{base_url}/commit/{SHA}"
    assert links.compare_url(PARENT, SHA) == f"{base_url}/compare/{PARENT}...{SHA}"


@pytest.mark.parametrize(
    ("origin", "base_url"),
    [
        ("git@gitlab.com:acme/widgets.git", "https://gitlab.com/acme/widgets"),
        (
            "git@gitlab.com:acme/platform/tools/widgets.git",
            "https://gitlab.com/acme/platform/tools/widgets",
        ),
        (
            "ssh://git@gitlab.example.org:2222/acme/platform/widgets.git",
            "https://gitlab.example.org/acme/platform/widgets",
        ),
        (
            "https://gitlab.example.org:8443/acme/platform/widgets.git",
            "https://gitlab.example.org:8443/acme/platform/widgets",
        ),
    ],
)
def test_gitlab_origins_with_subgroups(origin: str, base_url: str) -> None:
    links = web_links(origin)
    assert links == WebLinks("gitlab", base_url)
    assert links.commit_url(SHA) == f"{base_url}/-/commit/{SHA}"
    assert links.compare_url(PARENT, SHA) == f"{base_url}/-/compare/{PARENT}...{SHA}"


@pytest.mark.parametrize(
    "origin",
    [
        "git@bitbucket.org:acme/widgets.git",
        "ssh://git@bitbucket.org/acme/widgets.git",
        "https://ada@bitbucket.org/acme/widgets.git",
    ],
)
def test_bitbucket_origins(origin: str) -> None:
    links = web_links(origin)
    assert links == WebLinks("bitbucket", "https://bitbucket.org/acme/widgets")
    assert links.commit_url(SHA) == f"https://bitbucket.org/acme/widgets/commits/{SHA}"
    assert (
        links.compare_url(PARENT, SHA)
        == f"https://bitbucket.org/acme/widgets/branches/compare/{SHA}%0D{PARENT}#diff"
    )


@pytest.mark.parametrize(
    ("origin", "base_url"),
    [
        ("git@codeberg.org:acme/widgets.git", "https://codeberg.org/acme/widgets"),
        ("https://codeberg.org/acme/widgets.git", "https://codeberg.org/acme/widgets"),
        (
            "ssh://git@gitea.example.org:2222/acme/widgets.git",
            "https://gitea.example.org/acme/widgets",
        ),
        ("https://try.gitea.io/acme/widgets", "https://try.gitea.io/acme/widgets"),
    ],
)
def test_gitea_origins(origin: str, base_url: str) -> None:
    links = web_links(origin)
    assert links == WebLinks("gitea", base_url)
    assert links.commit_url(SHA) == f"{base_url}/commit/{SHA}"
    assert links.compare_url(PARENT, SHA) == f"{base_url}/compare/{PARENT}...{SHA}"


@pytest.mark.parametrize("kind", ["github", "gitlab", "bitbucket", "gitea"])
def test_forced_kind_for_a_self_hosted_name(kind: str) -> None:
    origin = "git@code.example.com:acme/widgets.git"
    assert web_links(origin) is None
    assert web_links(origin, kind) == WebLinks(kind, "https://code.example.com/acme/widgets")


@pytest.mark.parametrize(
    "origin",
    [
        "https://x-access-token:ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/acme/widgets.git",
        "https://ada:s3cr3t-p%40ss@gitlab.com/acme/widgets.git",
        "https://oauth2:glpat-XXXXXXXXXXXXXXXXXXXX@gitlab.com:443/acme/widgets.git",
        "http://ada:hunter2@gitea.example.org/acme/widgets.git",
    ],
)
def test_credentials_never_reach_a_link(origin: str) -> None:
    links = web_links(origin)
    assert links is not None
    rendered = links.base_url + links.commit_url(SHA) + links.compare_url(PARENT, SHA)
    for secret in ("ghp_", "s3cr3t", "glpat", "hunter2", "ada", "oauth2", "x-access-token", "@"):
        assert secret not in rendered


@pytest.mark.parametrize(
    "origin",
    [
        None,
        "",
        "/srv/git/widgets.git",
        "../widgets",
        "file:///srv/git/widgets.git",
        "git@example.com:acme/widgets.git",
        "https://example.com/acme/widgets.git",
        "git@github.com:widgets.git",  # no owner
        "https://github.com/acme/widgets/tree/main",  # a page, not a repository
        "https://gitlab.com/widgets.git",
        "https://github.com:notaport/acme/widgets.git",
    ],
)
def test_unknown_or_local_origins_give_no_links(origin: str | None) -> None:
    assert web_links(origin) is None


def test_origin_of_a_real_repository(repo: GitRepo) -> None:
    repo.git("remote", "add", "origin", "git@gitlab.com:acme/platform/widgets.git")
    origin = repo.git("remote", "get-url", "origin").strip()
    links = web_links(origin)
    assert links is not None
    assert links.commit_url("abc") == "https://gitlab.com/acme/platform/widgets/-/commit/abc"


_segment = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=12
).filter(lambda s: s.strip(".") != "")
_secret = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=8, max_size=30
)  # disjoint from names


@given(owner=_segment, name=_segment, user=_secret, token=_secret)
def test_https_credentials_are_dropped_for_any_names(
    owner: str, name: str, user: str, token: str
) -> None:
    links = web_links(f"https://{user}:{token}@github.com/{owner}/{name}.git")
    assert links == WebLinks("github", f"https://github.com/{owner}/{name}")
    assert token not in links.commit_url(SHA)
