"""Console-script entry point. `ai-journal hook …` is dispatched without importing the CLI stack
(click, rich), because hooks run on every git operation; so is the secrets check the pre-commit
framework runs after the stage, when the stage left nothing to check (`journal.stage_stamp`), and
`render --all-days` when nothing changed since its last run (`journal.render_stamp`).
Past those fast paths, the pre-commit stage and that check go to the repository's warm server when
one listens (`journal.resident`). `hook --profile <stage>` (or AI_JOURNAL_PROFILE=1) times the hook
in its own process (`journal.profile`)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["hook"]:
        if "--profile" in args[1:3] or os.environ.get("AI_JOURNAL_PROFILE") == "1":
            return _profiled(args[1:])
        return _hook(args[1:])
    if args == ["check", "--secrets", "--staged"]:
        from journal import stage_stamp

        if stage_stamp.nothing_staged():  # the stage left nothing of ours to check
            return 0
        status = _resident(args)
        if status is not None:
            return status
    if args == ["render", "--all-days"]:
        from journal import render_stamp

        if render_stamp.unchanged():  # what the full run would say, having rendered nothing
            print("journals are up to date")
            return 0
    _load_site()
    from journal.cli import main as cli_main

    return cli_main(args)


def _hook(args: list[str]) -> int:
    from journal import fastpath

    if fastpath.record(args[0] if args else "", args[1:]):
        return 0
    if args[:1] == ["pre-commit"]:
        from journal import stage_stamp

        if stage_stamp.skip():
            return 0
        status = _resident(["hook", *args])
        if status is not None:
            return status
    _load_site()
    from journal.hook import main as hook_main

    return hook_main(args)


def _resident(args: list[str]) -> int | None:
    """The command's status from the repository's warm server (`journal.resident`), or None."""
    from journal import resident

    return resident.run(args)


def _profiled(args: list[str]) -> int:
    """`ai-journal hook --profile <stage>`: the hook, then where its time went, on stderr."""
    from journal import profile

    timer = profile.Profile()
    timer.install()
    _, rest = profile.wanted(args)
    try:
        return _hook(rest)
    finally:
        print(timer.report(f"hook {' '.join(rest[:1])}"), file=sys.stderr)


def _load_site() -> None:
    """The native shim starts Python with -S (the fast paths need no site-packages); what
    follows them imports third-party packages, so `site` runs now."""
    if sys.flags.no_site and "site" not in sys.modules:
        import site

        site.main()


if __name__ == "__main__":
    raise SystemExit(main())
