"""Console-script entry point. `ai-journal hook …` is dispatched without importing the CLI stack
(click, rich), because hooks run on every git operation."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["hook"]:
        from journal import fastpath

        if fastpath.record(args[1] if len(args) > 1 else "", args[2:]):
            return 0
        from journal.hook import main as hook_main

        return hook_main(args[1:])
    from journal.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
