"""Tool output parsing (three exit-code formats, failures, excerpts) and the apply_patch grammar."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journal.sources import exec_output, patch
from journal.sources.model import FileChange


@pytest.mark.parametrize(
    ("raw", "code", "text", "status"),
    [
        (
            json.dumps(
                {"output": "3 passed\n", "metadata": {"exit_code": 0, "duration_seconds": 1}}
            ),
            0,
            "3 passed\n",
            "ok",
        ),
        (
            json.dumps({"output": "boom\n", "metadata": {"exit_code": 2, "duration_seconds": 0.1}}),
            2,
            "boom\n",
            "failed",
        ),
        (
            "Exit code: 1\nWall time: 0.4 seconds\nOutput:\nno tests ran\n",
            1,
            "no tests ran\n",
            "failed",
        ),
        (
            "Exit code: 0\nWall time: 1 seconds\nTotal output lines: 2\nOutput:\na\nb\n",
            0,
            "a\nb\n",
            "ok",
        ),
        (
            "Chunk ID: 4f2a1c\nWall time: 0.6123 seconds\nProcess exited with code 1\nOutput:\n",
            1,
            "",
            "failed",
        ),
        (
            "Wall time: 0.6 seconds\nProcess exited with code -9\nOriginal token count: 5\nOutput:\nx",
            -9,
            "x",
            "failed",
        ),
        (
            "command timed out after 10000 milliseconds\nExit code: 124\nOutput:\n",
            124,
            "",
            "timeout",
        ),
        ("execution error: Io(No such file)", None, "execution error: Io(No such file)", "error"),
        ("failed to parse function arguments: EOF", None, None, "error"),
        ("Plan updated", None, "Plan updated", "ok"),
    ],
)
def test_exit_codes_in_every_format(
    raw: str, code: int | None, text: str | None, status: str
) -> None:
    result = exec_output.parse(raw)
    assert (result.exit_code, result.status) == (code, status)
    if text is not None:
        assert result.text == text


def test_a_running_process_has_no_exit_code_yet() -> None:
    raw = "Chunk ID: 1\nWall time: 10.0 seconds\nProcess running with session ID 7\nOutput:\nwait\n"
    result = exec_output.parse(raw)
    assert result == exec_output.ExecResult(None, "wait\n", "running", "7")


def test_output_shapes() -> None:
    assert exec_output.output_text("plain") == ("plain", False)
    items = [{"type": "input_text", "text": "a"}, {"type": "input_image", "image_url": "x"}]
    assert exec_output.output_text(items) == ("a", False)
    assert exec_output.output_text({"content": "denied", "success": False}) == ("denied", True)


def test_excerpt_keeps_the_commit_line_at_the_head_and_the_end() -> None:
    lines = ["[main 1a2b3c4] Add health endpoint", " 2 files changed"] + [
        f"line {i}" for i in range(500)
    ]
    text = "\n".join(lines)
    cut = exec_output.excerpt(text)
    assert cut.startswith("[main 1a2b3c4] Add health endpoint\n 2 files changed\n")
    assert cut.endswith("line 499")
    assert "characters omitted" in cut
    assert len(cut) < exec_output.HEAD_CHARS + exec_output.TAIL_CHARS + 100
    assert exec_output.excerpt("short\ntext") == "short\ntext"


@given(st.text(alphabet="ab\n", max_size=6000))
def test_excerpt_is_bounded_and_keeps_both_ends(text: str) -> None:
    cut = exec_output.excerpt(text)
    assert len(cut) <= exec_output.HEAD_CHARS + exec_output.TAIL_CHARS + 60
    head = "\n".join(text[: exec_output.HEAD_CHARS].split("\n")[: exec_output.HEAD_LINES])
    assert cut.startswith(head)
    if cut != text:
        tail = "\n".join(text[-exec_output.TAIL_CHARS :].split("\n")[-exec_output.TAIL_LINES :])
        assert cut.endswith(tail)


PATCH = """*** Begin Patch
*** Add File: docs/new.md
+# New
*** Update File: src/app.py
*** Move to: src/main.py
@@ def index():
-    return "ok"
+    return "OK"
*** Delete File: old.txt
*** Update File: README.md
@@
-a
+b
*** End of File
*** End Patch
"""


def test_patch_grammar() -> None:
    assert patch.parse_patch(PATCH) == [
        FileChange("docs/new.md", "add"),
        FileChange("src/app.py", "move", move_to="src/main.py"),
        FileChange("old.txt", "delete"),
        FileChange("README.md", "update"),
    ]


def test_patch_without_end_marker_and_with_crlf() -> None:
    text = "*** Begin Patch\r\n*** Update File: a.py\r\n@@\r\n-x\r\n+y\r\n"
    assert patch.parse_patch(text) == [FileChange("a.py", "update")]


def test_patch_carriers() -> None:
    assert patch.patch_from_argv(["apply_patch", PATCH]) == PATCH
    script = f"cd sub && apply_patch <<'EOF'\n{PATCH}EOF\n"
    assert patch.patch_from_script(script) == PATCH
    assert patch.patch_from_argv(["bash", "-lc", script]) == PATCH
    assert patch.patch_from_script("echo '*** Begin Patch'") is None
    assert patch.patch_from_input(json.dumps({"input": PATCH})) == PATCH
    assert patch.patch_from_input(PATCH) == PATCH
    assert patch.patch_from_input('{"other": 1}') is None


def test_shell_join_unwraps_login_shells() -> None:
    assert patch.shell_join(["bash", "-lc", "pytest -q"]) == "pytest -q"
    assert patch.shell_join(["/bin/zsh", "-c", "ls"]) == "ls"
    assert patch.shell_join(["git", "commit", "-m", "two words"]) == "git commit -m 'two words'"
