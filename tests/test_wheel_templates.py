"""The built wheel carries the templates, and an installed `journal` renders with them.

The wheel is built from a copy of the project (so the work tree stays untouched) and unpacked; a
subprocess whose `journal` package is the unpacked one renders the two-session golden journal.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.test_render import CASES, GOLDEN

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted(p.name for p in (ROOT / "templates").glob("*.j2"))

RENDER_SCRIPT = """
import json, sys
from pathlib import Path
import journal
from journal import render

toplevel, context_file = Path(sys.argv[1]), Path(sys.argv[2])
env = render.environment(toplevel)
print(json.dumps({
    "journal": journal.__file__,
    "template": env.get_template("journal.md.j2").filename,
    "builtins": render.builtin_templates(),
    "text": render.render_text(None, json.loads(context_file.read_text()), env),
}))
"""


def _project_copy(target: Path) -> Path:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
    names = {"pyproject.toml", "README.md", "LICENSE", *wheel["packages"], *wheel["force-include"]}
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    target.mkdir(parents=True)
    for name in sorted(names):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, target / name)
    return target


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    project = _project_copy(work / "project")
    # Offline when the build backend is already installed; otherwise `build` fetches it.
    isolation = [] if importlib.util.find_spec("hatchling") is None else ["--no-isolation"]
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", *isolation, "--outdir", str(work / "dist")],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (built,) = (work / "dist").glob("ai_journal-*.whl")
    return built


def test_wheel_ships_the_templates(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert {f"journal/templates/{name}" for name in TEMPLATES} <= names
        for name in TEMPLATES:
            shipped = archive.read(f"journal/templates/{name}")
            assert shipped == (ROOT / "templates" / name).read_bytes()
    assert not any(name.startswith(("templates/", "tests/", "testing/")) for name in names)


def test_installed_package_renders_with_its_own_templates(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    context_file = tmp_path / "context.json"
    context_file.write_text(json.dumps(CASES["two_sessions"]()))
    toplevel = tmp_path / "repo"  # no .ai-journal/templates: the built-ins must be used
    toplevel.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", RENDER_SCRIPT, str(toplevel), str(context_file)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert Path(result["journal"]) == site / "journal" / "__init__.py"
    assert Path(result["template"]) == site / "journal" / "templates" / "journal.md.j2"
    assert result["builtins"] == TEMPLATES
    assert result["text"] == (GOLDEN / "two_sessions.md").read_text(encoding="utf-8")
