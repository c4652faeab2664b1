"""The redaction corpus (tests/secrets_corpus.py) measured: every shape in every place an agent's log
holds text, every look-alike untouched, and the same secrets pushed through real commits."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest

from journal import git, install
from journal.config import Config
from journal.redact import Redactor
from testing.codex_home import CodexHome
from testing.git_repo import BASE_TIME, GitRepo
from tests.secrets_corpus import LOOK_ALIKES, SHAPES, Shape

MIN_SHAPES = 40
MIN_LOOK_ALIKES = 40


def _patch(text: str) -> str:
    added = "".join(f"+{line}\n" for line in text.splitlines())
    return f"*** Begin Patch\n*** Add File: conf/settings.env\n{added}*** End Patch\n"


# Where an agent's log holds text: how each place wraps what was said or run.
CONTEXTS = {
    "prompt": "Please wire this into the deploy script:\n{s}\nand tell me whether it works.",
    "command": "cat > .env <<'EOF'\n{s}\nEOF\n./deploy.sh --verbose",
    "output": 'Traceback (most recent call last):\n  File "deploy.py", line 7\nValueError: {s}\n',
    "reply": "Done: I put the value below into `.env`.\n\n{s}\n\nRun `make deploy` next.",
}
PLACES = [*CONTEXTS, "patch", "path"]


def _placed(shape: Shape, context: str) -> str | None:
    if context == "patch":
        return _patch(shape.text)
    if context == "path" and not shape.path_safe:
        return None
    if context == "path":
        return f"conf/{shape.text}.json"
    return CONTEXTS[context].format(s=shape.text)


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor.from_config(Config())


def test_the_corpus_is_big_and_varied_enough() -> None:
    assert len(SHAPES) >= MIN_SHAPES
    assert len({shape.name for shape in SHAPES}) == len(SHAPES)
    assert len({shape.kind for shape in SHAPES}) >= 25
    assert len(LOOK_ALIKES) >= MIN_LOOK_ALIKES
    assert sum(shape.path_safe for shape in SHAPES) >= 25


def test_recall_is_total_and_false_positives_none(redactor: Redactor) -> None:
    planted = missed = 0
    misses: list[str] = []
    for shape in SHAPES:
        for context in PLACES:
            text = _placed(shape, context)
            if text is None:
                continue
            planted += 1
            out = redactor.redact(text)
            if any(secret in out for secret in shape.secrets):
                missed += 1
                misses.append(f"{shape.name} in {context}")
    false_positives = [text for text in LOOK_ALIKES if _touched(redactor, text)]
    in_context = [
        f"{context}: {text[:40]}"
        for text in LOOK_ALIKES
        for context, template in CONTEXTS.items()
        if _touched(redactor, template.format(s=text))
    ]
    recall = (planted - missed) / planted
    print(
        f"\nredaction corpus: {len(SHAPES)} shapes, {planted} placements, recall {recall:.1%}"
        f" ({missed} missed); {len(LOOK_ALIKES)} look-alikes, {len(false_positives)} false"
        f" positives ({len(in_context)} in context)"
    )
    assert misses == []
    assert false_positives == []
    assert in_context == []


def _touched(redactor: Redactor, text: str) -> bool:
    return redactor.redact(text) != text or redactor.findings(text) != []


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.name)
def test_each_shape_becomes_its_kind(redactor: Redactor, shape: Shape) -> None:
    out = redactor.redact(shape.text)
    assert f"[REDACTED:{shape.kind}]" in out
    assert redactor.findings(out) == []
    assert redactor.redact(out) == out


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_each_look_alike_survives(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text) == text
    assert redactor.findings(text) == []


def test_labels_around_a_secret_are_kept(redactor: Redactor) -> None:
    by_name = {shape.name: shape for shape in SHAPES}
    out = redactor.redact(by_name["azure_connection_string"].text)
    assert out.startswith("DefaultEndpointsProtocol=https;AccountName=acmestore;AccountKey=")
    assert out.endswith("[REDACTED:azure_key];EndpointSuffix=core.windows.net")
    assert redactor.redact(by_name["netrc"].text).startswith("machine api.example.com login ada ")
    gcp = redactor.redact(by_name["gcp_service_account_json"].text)
    assert '"client_email": "deploy@acme-prod.iam.gserviceaccount.com"' in gcp


# -- end to end: the stage hook in a real repository ---------------------------------------------


def _tracked_text(repo: GitRepo) -> dict[str, str]:
    """Every tracked file as committed at HEAD, and as it is in the work tree."""
    files: dict[str, str] = {}
    for name in repo.git("ls-files", "-z").split("\0"):
        if not name:
            continue
        shown = subprocess.run(
            ["git", "show", f"HEAD:{name}"], cwd=repo.path, capture_output=True, check=True
        )
        files[f"HEAD:{name}"] = shown.stdout.decode("utf-8", "replace")
        files[name] = (repo.path / name).read_text(encoding="utf-8", errors="replace")
    return files


def test_no_planted_secret_reaches_a_tracked_file(repo: GitRepo, codex_home: CodexHome) -> None:
    repo.commit("base", {"deploy.sh": "#!/bin/sh\n"}, when=BASE_TIME)
    install.install_native(git.repo_paths(repo.path))
    session = codex_home.session(repo.path, BASE_TIME + timedelta(minutes=2), commit=repo.head())
    for n, shape in enumerate(SHAPES):
        session.prompt(CONTEXTS["prompt"].format(s=shape.text), cwd=str(repo.path))
        session.shell(
            CONTEXTS["command"].format(s=shape.text),
            exit_code=1,
            output=CONTEXTS["output"].format(s=shape.text),
        )
        path = f"conf/{shape.text}.json" if shape.path_safe else f"conf/file{n}.json"
        session.apply_patch(_patch(shape.text).replace("conf/settings.env", path))
        session.reply(CONTEXTS["reply"].format(s=shape.text), final=False)
    session.reply("All values are wired in.")
    repo.commit("Wire secrets", {"deploy.sh": "#!/bin/sh\nexit 0\n"}, when=session.clock)
    repo.commit("Follow-up", {"notes.txt": "n\n"}, when=session.clock + timedelta(minutes=1))

    files = _tracked_text(repo)
    assert any(name.startswith("HEAD:.ai-journal/sessions/") for name in files)
    assert any(name.startswith("HEAD:docs/ai-journal/") for name in files)
    history = repo.git("log", "-p", "--all")
    leaks = [
        f"{shape.name} in {name}"
        for shape in SHAPES
        for secret in shape.secrets
        for name, text in [*files.items(), ("history", history)]
        if secret in text
    ]
    assert leaks == []
    committed = "".join(files.values())
    path_kinds = {shape.kind for shape in SHAPES if shape.path_safe}
    for kind in {shape.kind for shape in SHAPES}:
        assert f"[REDACTED:{kind}]" in committed, kind
    for kind in path_kinds:  # file names went through redaction too
        assert f'"path": "conf/[REDACTED:{kind}]' in committed, kind
