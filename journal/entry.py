"""Console-script entry point. `ai-journal hook …` is dispatched without importing the CLI stack
(click, rich), because hooks run on every git operation; so is the secrets check the pre-commit
framework runs after the stage, when the stage left nothing to check (`journal.stage_stamp`)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["hook"]:
        from journal import fastpath

        if fastpath.record(args[1] if len(args) > 1 else "", args[2:]):
            return 0
        if args[1:2] == ["pre-commit"]:
            from journal import stage_stamp

            if stage_stamp.skip():
                return 0
        _load_site()
        from journal.hook import main as hook_main

        return hook_main(args[1:])
    if args == ["check", "--secrets", "--staged"]:
        from journal import stage_stamp

        if stage_stamp.nothing_staged():  # the stage left nothing of ours to check
            return 0
    _load_site()
    from journal.cli import main as cli_main

    return cli_main(args)


def _load_site() -> None:
    """The native shim starts Python with -S (the fast paths need no site-packages); what
    follows them imports third-party packages, so `site` runs now."""
    if sys.flags.no_site and "site" not in sys.modules:
        import site

        site.main()


if __name__ == "__main__":
    raise SystemExit(main())
