"""The machine a run came from, and the Markdown table of its figures."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from typing import Any


def machine() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": _memory_gib(),
        "python": platform.python_version(),
        "git": _version(["git", "--version"]).removeprefix("git version "),
        "pre_commit": _package_version("pre-commit"),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average_start": _load(),
    }


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def finish(machine_info: dict[str, Any]) -> None:
    machine_info["load_average_end"] = _load()


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            kib = int(handle.readline().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return round(kib / (1 << 20), 1)


def _version(args: list[str]) -> str:
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    return proc.stdout.strip() or "unknown"


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


# -- the table ----------------------------------------------------------------------------------

Row = tuple[str, str, str, str]  # figure, what, median, compared with


def rows(figures: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    if "commits" in figures:
        out += _commit_rows(figures["commits"])
    if "ingest" in figures:
        out += _ingest_rows(figures["ingest"])
    if "rebase" in figures:
        out += _rebase_rows(figures["rebase"])
    if "history" in figures:
        out += _history_rows(figures["history"])
    if "memory" in figures:
        out += _memory_rows(figures["memory"])
    if "render" in figures:
        out += _render_rows(figures["render"])
    if "reconcile" in figures:
        out += _reconcile_rows(figures["reconcile"])
    return out


def markdown(table: list[Row]) -> str:
    lines = ["| # | measurement | median | compared with (same run) |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in table]
    return "\n".join(lines) + "\n"


def _ms(stats: dict[str, Any]) -> str:
    value = stats["median_ms"]
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms"


def _commit_rows(fig: dict[str, Any]) -> list[Row]:
    from benchmarks.commits import PREK_VARIANTS, VARIANTS

    ms, r = fig["ms_per_commit"], fig["ratios"]
    base = ms["empty_python"]["median_ms"]
    compared = {
        "native": f"{r['native/empty_python (c/b)']}× b",
        "native_live": (
            f"{r['native_live/import_floor (d/i)']}× i; {r['native_live/empty_python (d/b)']}× b"
        ),
        "native_live_cold": (
            f"{r['native_live_cold/import_floor (j/i)']}× i; d is"
            f" {r['native_live/native_live_cold (d/j)']}× j"
        ),
        "precommit": (
            f"{r['precommit/precommit_noop (e/f)']}× f; {r['precommit/empty_python (e/b)']}× b"
        ),
        "prek": f"{r.get('prek/prek_noop (g/h)')}× h",
        "precommit_live": f"{r['precommit_live/precommit_noop (k/f)']}× f",
        "prek_live": f"{r.get('prek_live/prek_noop (l/h)')}× h",
    }
    out: list[Row] = []
    for name, label in {**VARIANTS, **PREK_VARIANTS}.items():
        if name not in ms:
            continue
        default = f"{ms[name]['median_ms'] / base:.2f}× b" if name != "empty_python" else "—"
        out.append(
            (
                "1" + label[0],
                f"`git commit`: {label[3:]}",
                _ms(ms[name]),
                compared.get(name, default),
            )
        )
    return out


def _ingest_rows(fig: dict[str, Any]) -> list[Row]:
    append = f"+{fig['append_mb']} MB"
    return [
        (
            "2",
            f"incremental ingest, {append} to one live session, {fig['set_mb']} MB set"
            f" ({fig['files']} logs; {fig['incremental_mb_read']} MB read)",
            _ms(fig["incremental_ms"]),
            f"{fig['incremental_full_vs_tenth']}× the same on a {fig['tenth_set_mb']} MB set"
            f" ({fig['tenth_files']} logs): {_ms(fig['incremental_tenth_ms'])}",
        ),
        (
            "3",
            f"back-fill: first ingest of the {fig['set_mb']} MB set",
            f"{fig['backfill_mb_s']} MB/s ({_ms(fig['backfill_ms'])})",
            f"{fig['backfill_vs_json_loads']}× a `json.loads` loop ({fig['json_loads_mb_s']} MB/s);"
            f" {fig['backfill_vs_orjson_loads']}× an `orjson.loads` loop"
            f" ({fig['orjson_loads_mb_s']} MB/s)",
        ),
    ]


def _rebase_rows(fig: dict[str, Any]) -> list[Row]:
    fast, rebase, pc = fig["fast_path"], fig["rebase"], fig["rebase_precommit"]
    picks = rebase["picks"]
    return [
        (
            "4a",
            "`ai-journal hook post-commit` during a rebase (fast path)",
            _ms(fast["ms"]["ai_journal"]),
            f"{fast['ai_journal/empty_python']}× an empty Python hook"
            f" ({_ms(fast['ms']['empty_python'])})",
        ),
        (
            "4a'",
            "the native shim's post-commit during a rebase (the same line, written in sh)",
            _ms(fast["ms"]["native_shim"]),
            f"{fast['native_shim/empty_python']}× an empty Python hook",
        ),
        (
            "4b",
            f"{picks}-commit `git rebase --force-rebase`, ai-journal native hooks",
            _ms(rebase["ms"]["ai_journal_native"]),
            f"{rebase['ai_journal_native/empty_python_hooks']}× empty Python hooks"
            f" ({_ms(rebase['ms']['empty_python_hooks'])}); no hooks:"
            f" {_ms(rebase['ms']['no_hooks'])}",
        ),
        (
            "4c",
            f"{pc['picks']}-commit `git rebase --force-rebase`, ai-journal through pre-commit",
            _ms(pc["ms"]["ai_journal_precommit"]),
            f"{pc['ai_journal_precommit/empty_python_hooks']}× empty Python hooks"
            f" ({_ms(pc['ms']['empty_python_hooks'])})",
        ),
    ]


def _history_rows(fig: dict[str, Any]) -> list[Row]:
    ms, r, n = fig["ms_per_commit"], fig["ratios"], fig["commits"]
    return [
        (
            f"5{letter}",
            f"`git commit`, ai-journal native, {what}, {n['large']:,}-commit history",
            _ms(ms[f"{kind}_large"]),
            f"{r[f'{kind}: large/small']}× the same on {n['small']:,} commits"
            f" ({_ms(ms[f'{kind}_small'])})",
        )
        for letter, kind, what in (("a", "fast", "stage skipped"), ("b", "full", "full stage"))
    ]


def _memory_rows(fig: dict[str, Any]) -> list[Row]:
    return [
        (
            "6",
            f"back-fill peak RSS: first ingest of a {fig['set_mb']:,} MB set ({fig['files']} logs,"
            f" largest {fig['largest_log_mb']} MB; {fig['backfill_mb_s']} MB/s)",
            f"{fig['peak_rss_mb']} MB",
            f"the same interpreter with the same imports: {fig['import_floor_rss_mb']} MB",
        )
    ]


def _render_rows(fig: dict[str, Any]) -> list[Row]:
    ms = fig["ms"]
    return [
        (
            "7",
            f"`ai-journal render --all`: {fig['journals']} journals, {fig['days']} days of agent"
            f" work, {fig['commits']:,} commits",
            _ms(ms["render_all"]),
            f"{fig['render_all/git_log_stat']}× `git log --stat` over the same range"
            f" ({_ms(ms['git_log_stat'])})",
        ),
        (
            "7b",
            "`ai-journal render --all-days`, nothing changed: answered from its last run's stamp",
            _ms(ms["render_all_days"]),
            f"{fig['render_all_days/git_log_stat']}× `git log --stat`",
        ),
        (
            "7d",
            "`ai-journal render --all-days`, nothing changed, stamp off: each day's inputs"
            " digested, no day rendered",
            _ms(ms["render_all_days_digests"]),
            f"{fig['render_all_days_digests/git_log_stat']}× `git log --stat`; importing the"
            f" renderer's modules alone: {_ms(ms['import_floor'])},"
            f" {fig['import_floor/git_log_stat']}×",
        ),
        (
            "7c",
            "`ai-journal render --all-days` after a template override changed: every day rendered",
            _ms(ms["render_all_days_templates"]),
            f"{fig['render_all_days_templates/git_log_stat']}× `git log --stat`",
        ),
    ]


def _reconcile_rows(fig: dict[str, Any]) -> list[Row]:
    ms = fig["ms"]
    return [
        (
            "8",
            f"`ai-journal reconcile --yes` after a {fig['commits']:,}-commit"
            f" `git rebase --force-rebase --root` ({fig['journals']} journals remapped)",
            _ms(ms["reconcile"]),
            f"{fig['reconcile/rebase']}× the rebase, native hooks ({_ms(ms['rebase'])})",
        )
    ]
