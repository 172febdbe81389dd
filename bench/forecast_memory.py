"""Where fit_forecast's peak memory is: resident memory per pipeline stage.

    nice -n 10 .venv/bin/python bench/forecast_memory.py [--skus 2000] [--all-models]

A thread samples the process's resident set (``/proc/self/status``, Linux) every 50 ms
while the stages of ``ml.forecasting`` are wrapped to record when they start and end;
the table shows each stage's resident memory at start, end and its peak. By default only
the cheap candidates run (seasonal naive, TSB, global LightGBM), since the expensive
local models run on a fixed sample and add time, not memory. Resident memory includes
what the allocator keeps after a free, so read the peaks, not the differences.
"""

from __future__ import annotations

import argparse
import functools
import resource
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from forecast_store_item import synthetic_frame  # noqa: E402

import ml.forecasting.backtest as backtest  # noqa: E402
import ml.forecasting.features as features  # noqa: E402
import ml.forecasting.pipeline as pipeline  # noqa: E402
from ml.forecasting import ForecastConfig, fit_forecast  # noqa: E402

STAGES = (
    "validate_frame",
    "censor_and_impute",
    "classify_demand",
    "run_backtest",
    "build_global_data",
    "backtest_global",
    "backtest_seasonal_naive",
    "backtest_local",
    "attach_actuals",
    "select_models",
    "fit_calibration",
    "_final_forecasts",
    "apply_calibration",
)


def rss_mib() -> float:
    """Current resident set size in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--all-models", action="store_true")
    args = parser.parse_args()

    samples: list[tuple[float, float]] = []
    events: list[tuple[str, float, float, float, float]] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append((time.perf_counter(), rss_mib()))
            time.sleep(0.05)

    def wrap(module: object, name: str) -> None:
        func = getattr(module, name)

        @functools.wraps(func)
        def timed(*a, **k):
            t0, r0 = time.perf_counter(), rss_mib()
            try:
                return func(*a, **k)
            finally:
                events.append((name, t0, time.perf_counter(), r0, rss_mib()))

        setattr(module, name, timed)

    for module in (pipeline, backtest, features):
        for name in STAGES:
            func = getattr(module, name, None)
            if func is not None and getattr(func, "__module__", "").startswith("ml."):
                wrap(module, name)

    frame = synthetic_frame(args.skus, args.days)
    print(f"{args.skus} SKUs x {args.days} days; after building the frame {rss_mib():.0f} MiB")
    config = (
        ForecastConfig()
        if args.all_models
        else ForecastConfig(models=("seasonal_naive_7", "naive_mean", "tsb", "lightgbm_global"))
    )
    threading.Thread(target=sample, daemon=True).start()
    started = time.perf_counter()
    fit_forecast(frame, config)
    done.set()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"fit_forecast {time.perf_counter() - started:.1f} s wall, "
        f"{time.process_time():.1f} s process CPU, peak RSS {peak:.0f} MiB"
    )
    print(f"{'stage':26s} {'seconds':>8s} {'start':>7s} {'end':>7s} {'peak':>7s}  (MiB)")
    for name, t0, t1, r0, r1 in sorted(events, key=lambda e: e[1]):
        inside = [r for t, r in samples if t0 <= t <= t1] or [r1]
        print(f"{name:26s} {t1 - t0:8.1f} {r0:7.0f} {r1:7.0f} {max(inside):7.0f}")


if __name__ == "__main__":
    main()
