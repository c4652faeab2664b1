"""No secret planted anywhere in an agent's log reaches a tracked file: every kind of token, in a
prompt, a command, a command's output, a patch and a reply, through real commits and hooks."""

from __future__ import annotations

from datetime import timedelta

from journal import git, install
from testing.codex_home import CodexHome
from testing.git_repo import BASE_TIME, GitRepo
from tests.test_redact import TOKEN_SECRETS

EXTRA = {
    "url_password": ("postgres://app:Tr0ub4dor-and-3@db.internal/app", "Tr0ub4dor-and-3"),
    "secret_assignment": (
        "DATABASE_PASSWORD=correct-horse-battery-staple",
        "correct-horse-battery-staple",
    ),
    "auth_header": ("Authorization: Bearer abc123def456ghi789jkl012", "abc123def456ghi789jkl012"),
}


def test_every_planted_secret_stays_out_of_history(repo: GitRepo, codex_home: CodexHome) -> None:
    repo.commit("base", {"settings.py": "KEY = None\n"}, when=BASE_TIME)
    install.install_native(git.repo_paths(repo.path))
    planted = [s for secrets in TOKEN_SECRETS.values() for s in secrets]
    session = codex_home.session(repo.path, BASE_TIME + timedelta(minutes=2), commit=repo.head())
    for n, secret in enumerate(planted):
        session.prompt(f"Use {secret} for the client", cwd=str(repo.path))
        session.shell(
            f"curl -H 'X-Key: {secret}' https://api.example.com", output=f"echo {secret}\n"
        )
        session.apply_patch(
            f"*** Begin Patch\n*** Add File: conf/k{n}.py\n+KEY = '{secret}'\n*** End Patch\n"
        )
        session.reply(f"Stored {secret} in conf/k{n}.py.")
    for line, _value in EXTRA.values():
        session.prompt(f"Connect with\n{line}\n", cwd=str(repo.path))
        session.shell(f"psql '{line}'", exit_code=2, output=f"{line}\n")
    repo.commit("Work", {"notes.txt": "n\n"}, when=session.clock + timedelta(minutes=1))
    repo.commit("More", {"notes.txt": "m\n"}, when=session.clock + timedelta(minutes=2))

    history = repo.git("log", "-p", "--all", "--", ".ai-journal", "docs")
    assert ".ai-journal/sessions/" in history
    for secret in planted + [value for _line, value in EXTRA.values()]:
        for piece in secret.splitlines():
            if len(piece) >= 12:
                assert piece not in history
    for kind in (*TOKEN_SECRETS, *EXTRA):
        assert f"[REDACTED:{kind}]" in history
