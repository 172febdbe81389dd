"""Time run_suite("raw.sales") on large synthetic frames (not collected by pytest).

Usage: nice -n 10 .venv/bin/python tests/expectations/bench_run_suite.py 1e6 5e6

Prints one line per size: frame memory, run_suite wall time (every expectation of
raw.sales, aggregates included), and the aggregates alone on the unprojected frame.
Shared 2-core machine: read the numbers as upper bounds.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import gx_frames  # noqa: E402

from expectations import SuiteParams, run_suite  # noqa: E402
from expectations.aggregates import daily_category_volume, sales_calendar  # noqa: E402


def main(sizes: list[int]) -> None:
    for n in sizes:
        started = time.perf_counter()
        frame, products = gx_frames.big_sales(n)
        made = time.perf_counter() - started
        params = SuiteParams(
            today=gx_frames.TODAY, products=products, previous_count=n, run_id="bench"
        )
        started = time.perf_counter()
        daily_category_volume(frame, params)
        sales_calendar(frame, params)
        aggregates = time.perf_counter() - started
        started = time.perf_counter()
        result = run_suite("raw.sales", frame, params)
        total = time.perf_counter() - started
        mem = frame.memory_usage(deep=True).sum() / 1e9
        print(
            f"rows={n:>10,} frame={mem:.2f}GB generate={made:.1f}s run_suite={total:.1f}s "
            f"(aggregates alone {aggregates:.1f}s) passed_critical={result.passed_critical} "
            f"success={result.success} expectations={len(result.outcomes)}"
        )
        for outcome in result.failures + result.warnings:
            print("   ", outcome.message)
        del frame


if __name__ == "__main__":
    main([int(float(a)) for a in sys.argv[1:]] or [1_000_000])
