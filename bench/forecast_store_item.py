"""Evaluate stockcast forecasting on the real store-item sample (last 28 days held out).

    nice -n 10 .venv/bin/python bench/forecast_store_item.py [--series 500] [--out FILE]
    nice -n 10 .venv/bin/python bench/forecast_store_item.py --synthetic 1000 --days 1095

``--synthetic N`` instead times the production run (selection + fit + forecast) on N
generated SKUs (70% smooth seasonal, 20% intermittent, 10% lumpy; stockouts, price and
promo columns) for the scale target.

Prints the metrics JSON (stockcast and seasonal naive), wall time and peak RSS, and writes
it to bench/results/forecast_store_item.json unless --out says otherwise.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ml.forecasting import ForecastConfig, evaluate, fit_forecast  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "store_item_demand" / "train.csv.gz"


def load_store_item(path: Path = DATA, series: int | None = None) -> pd.DataFrame:
    """Map the Kaggle file onto the forecasting contract: sku = store-item pair."""
    raw = pd.read_csv(path, parse_dates=["date"])
    raw["sku"] = (
        "S" + raw["store"].astype(str).str.zfill(2) + "-I" + raw["item"].astype(str).str.zfill(2)
    )
    frame = raw.rename(columns={"sales": "quantity"})[["sku", "date", "quantity"]]
    if series is not None:
        keep = sorted(frame["sku"].unique())[:series]
        frame = frame[frame["sku"].isin(keep)]
    return frame.reset_index(drop=True)


def synthetic_frame(n: int, days: int, seed: int = 0) -> pd.DataFrame:
    """N SKUs x days of mixed demand patterns with stockouts, price and promo."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2022-01-01", periods=days, freq="D")
    dow = np.array([0.8, 0.9, 1.0, 1.0, 1.1, 1.4, 0.8])[dates.dayofweek]
    year = 1 + 0.2 * np.sin(2 * np.pi * dates.dayofyear.to_numpy() / 365.25)
    kind = rng.choice(["smooth", "intermittent", "lumpy"], size=n, p=[0.7, 0.2, 0.1])
    level = rng.lognormal(2.0, 1.0, n)
    promo = rng.random((n, days)) < 0.05
    lam = level[:, None] * dow[None, :] * year[None, :] * np.where(promo, 1.5, 1.0)
    qty = rng.poisson(lam).astype(float)
    sparse = kind != "smooth"
    occur = rng.random((n, days)) < 0.2
    size = np.where(
        kind[:, None] == "lumpy", rng.geometric(0.1, (n, days)), 1 + rng.poisson(2, (n, days))
    )
    qty[sparse] = (occur * size)[sparse]
    stockout = np.zeros((n, days), dtype=bool)
    for i in rng.choice(n, size=n // 10, replace=False):
        start = rng.integers(0, days - 30)
        stockout[i, start : start + rng.integers(5, 30)] = True
    qty[stockout] = 0
    return pd.DataFrame(
        {
            "sku": np.repeat([f"SKU{i:05d}" for i in range(n)], days),
            "date": np.tile(dates, n),
            "quantity": qty.ravel(),
            "is_stockout": stockout.ravel(),
            "unit_price": np.repeat(rng.uniform(1, 50, n), days)
            * np.where(promo, 0.8, 1.0).ravel(),
            "is_promo": promo.ravel(),
        }
    )


def run_synthetic(n: int, days: int) -> dict:
    """Time the production run (no holdout) on N synthetic SKUs."""
    frame = synthetic_frame(n, days)
    t = time.perf_counter()
    run = fit_forecast(frame, ForecastConfig())
    return {
        "n_series": n,
        "days": days,
        "wall_seconds": round(time.perf_counter() - t, 2),
        "timings": run.timings,
        "selected_models": run.metrics["selected_models"],
        "demand_classes": run.metrics["demand_classes"],
        "backtest_wape_by_model": run.metrics["backtest_wape_by_model"],
        "forecast_rows": len(run.forecasts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=None)
    parser.add_argument("--horizon", type=int, default=28)
    parser.add_argument("--selection", default="sku", choices=["sku", "class"])
    parser.add_argument("--models", default=None, help="comma-separated registry names")
    parser.add_argument("--synthetic", type=int, default=None, help="time N synthetic SKUs")
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument(
        "--out", default=str(REPO / "bench" / "results" / "forecast_store_item.json")
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.synthetic:
        metrics = run_synthetic(args.synthetic, args.days)
        usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        metrics["peak_rss_mib"] = round(usage / 1024, 1)
        metrics["cpu_seconds"] = round(time.process_time(), 2)
        print(json.dumps(metrics, indent=2, default=str))
        return
    frame = load_store_item(series=args.series)
    config = ForecastConfig(
        horizon=args.horizon,
        selection_mode=args.selection,
        models=tuple(args.models.split(",")) if args.models else None,
    )
    t = time.perf_counter()
    metrics = evaluate(frame, horizon=args.horizon, config=config)
    metrics["wall_seconds"] = round(time.perf_counter() - t, 2)
    metrics["cpu_seconds"] = round(time.process_time(), 2)
    metrics["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    metrics["n_series"] = int(frame["sku"].nunique())
    text = json.dumps(metrics, indent=2, default=str)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
