"""ai-journal's benchmark suite: `python -m benchmarks` (or `scripts/bench`).

Every figure is measured against a baseline taken in the same run, on data the suite generates
itself (seeded) in a temporary sandbox; see docs/benchmarks.md.
"""
