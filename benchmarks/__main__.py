"""`python -m benchmarks [--size tiny|small|large] [--out FILE]`: run every figure, write the results
JSON and print the Markdown table."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import commits, history, ingest, memory, rebase, reconcile, render, report
from benchmarks.sandbox import CHECKOUT, DEFAULT_CACHE, SIZES, Sandbox, Size, sandbox

FIGURES: dict[str, Callable[[Sandbox, Size], dict[str, Any]]] = {
    "commits": commits.run_figure,
    "rebase": rebase.run_figure,
    "ingest": ingest.run,
    "history": history.run_figure,
    "memory": memory.run_figure,
    "render": render.run_figure,
    "reconcile": reconcile.run_figure,
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--out", type=Path, default=CHECKOUT / "benchmarks" / "results.json")
    parser.add_argument(
        "--cache",
        type=Path,
        default=DEFAULT_CACHE,
        help="persistent cache: pre-commit's hook environments and the hook repositories",
    )
    parser.add_argument(
        "--only", default=",".join(FIGURES), help=f"comma-separated subset of {','.join(FIGURES)}"
    )
    parser.add_argument("--keep", action="store_true", help="keep the sandbox for inspection")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(FIGURES))
    if unknown:
        print(f"unknown figure(s): {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
        return 2
    size = SIZES[args.size]
    results: dict[str, Any] = {"size": size._asdict(), "machine": report.machine(), "figures": {}}
    with sandbox(args.cache, keep=args.keep) as box:
        for name in chosen:
            print(f"[{name}] running ({size.name})…", file=sys.stderr, flush=True)
            start = time.perf_counter()
            results["figures"][name] = FIGURES[name](box, size)
            took = time.perf_counter() - start
            print(f"[{name}] done in {took:.1f} s", file=sys.stderr, flush=True)
    report.finish(results["machine"])
    table = report.rows(results["figures"])
    results["table"] = [list(row) for row in table]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(_header(results))
    print(report.markdown(table))
    print(f"results: {args.out}", file=sys.stderr)
    return 0


def _header(results: dict[str, Any]) -> str:
    m = results["machine"]
    return (
        f"size {results['size']['name']}; {m['nproc']} cores, {m['cpu']}, {m['memory_gib']} GiB;"
        f" Python {m['python']}, git {m['git']}, pre-commit {m['pre_commit']}; {m['date']};"
        f" load average {m['load_average_start'][0]} → {m['load_average_end'][0]}\n"
    )


if __name__ == "__main__":
    raise SystemExit(main())
