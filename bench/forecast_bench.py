"""Forecasting at scale: wall time and peak memory of the production run at N SKUs x 3 years.

    nice -n 10 .venv/bin/python bench/forecast_bench.py [--skus 1000,10000] [--days 1095]

Each size runs ``bench/forecast_store_item.py --synthetic N`` in its own process (mixed
smooth / intermittent / lumpy demand with stockouts, price and promotions, built in memory)
so that peak RSS (``wait4``) is that size's own. What is timed is ``fit_forecast`` with the
production ``ForecastConfig()``: classification, rolling-origin backtest, selection,
conformal calibration, final fit and forecast. Targets (issue 4): 10,000 SKUs in under 10
minutes and under 8 GiB on 2 cores. Writes ``bench/results/forecasting.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "forecasting.json"


def run_size(skus: int, days: int) -> dict:
    """One production run in a child process; its JSON plus wall time and peak RSS."""
    cmd = [
        sys.executable,
        str(REPO / "bench" / "forecast_store_item.py"),
        "--synthetic",
        str(skus),
        "--days",
        str(days),
    ]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{stderr[-4000:]}")
    child = json.loads(stdout[stdout.index("{") :])
    return {
        "skus": skus,
        "days": days,
        "process_wall_seconds": round(wall, 1),
        "fit_forecast_seconds": child["wall_seconds"],
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "timings": child["timings"],
        "selected_models": child["selected_models"],
        "demand_classes": child["demand_classes"],
        "within_target": child["wall_seconds"] < 600 and usage.ru_maxrss / 1024 < 8192,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--skus", default="1000,10000")
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    cases = [run_size(int(n), args.days) for n in args.skus.split(",")]
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "cases": cases,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    for c in cases:
        print(
            f"{c['skus']:>6} SKUs x {c['days']} days: fit_forecast {c['fit_forecast_seconds']}s, "
            f"peak RSS {c['peak_rss_mib']} MiB, dominated by "
            f"{max(c['timings'], key=lambda k: c['timings'][k] if k != 'total' else -1)}"
        )


if __name__ == "__main__":
    main()
