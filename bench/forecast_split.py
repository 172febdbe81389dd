"""The seed's time split: first 80% of the days for training, last 20% for validation.

    nice -n 10 .venv/bin/python bench/forecast_split.py --dataset generated   # ~15 min
    nice -n 10 .venv/bin/python bench/forecast_split.py --dataset store-item  # ~20 min

A 28-day forecaster cannot forecast 20% of three or five years from one origin, so the
last 20% of the days is tiled by successive origins 28 days apart (``holdout_origins``),
each a full production ``fit_forecast`` (classification, backtest, selection,
calibration) on the days before it only, as the daily refresh would have done on those
dates. This is ``stockcast forecast-eval --holdout-days N`` with N = 20% of the days.

- ``generated``: ``ml.datagen.generate`` 300 SKUs x 1,095 days (seed 42), its sales file
  through ``forecast-eval``'s path (scratch warehouse, ingestion, daily frame).
- ``store-item``: the real sample of ``../shared/data`` (500 store-item series,
  2013-2017), mapped as in ``bench/forecast_store_item.py``.

Writes ``bench/results/forecast_split_<dataset>.json`` (``forecast_report.py`` renders
it); ``--scored PATH`` also keeps the scored holdout rows as parquet, and ``--rescore
PATH`` recomputes the interval metrics (``ml.forecasting.metrics.interval_metrics``) of
an existing JSON from such a file, after that function gained a metric, without an hour
of re-fitting.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import sys
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RESULTS = REPO / "bench" / "results"
SHARE = 0.20
HORIZON = 28


def _holdout_days(n_days: int) -> int:
    return round(SHARE * n_days)


def run_generated(skus: int, days: int, seed: int) -> tuple[dict, pd.DataFrame]:
    from bench.forecast_report import evaluate_generated

    report, scored, _ = evaluate_generated(skus, days, seed, holdout_days=_holdout_days(days))
    report["dataset"] = f"ml.datagen.generate, {skus} SKUs x {days} days, seed {seed}"
    return report, scored


def run_store_item() -> tuple[dict, pd.DataFrame]:
    from bench.forecast_store_item import load_store_item
    from ml.forecasting import ForecastConfig, evaluate_detailed
    from orchestration.commands.forecast_eval import json_safe

    frame = load_store_item()
    n_days = int(frame["date"].nunique())
    t = time.perf_counter()
    result = evaluate_detailed(
        frame, HORIZON, _holdout_days(n_days), ForecastConfig(horizon=HORIZON)
    )
    report = dict(result.metrics)
    report["dataset"] = (
        f"store-item sample, {frame['sku'].nunique()} series x {n_days} days "
        f"({frame['date'].min().date()} .. {frame['date'].max().date()})"
    )
    report["wall_seconds"] = {"total": round(time.perf_counter() - t, 2)}
    report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return json_safe(report), result.scored


def rescore(report: dict, scored: pd.DataFrame) -> dict:
    """Overwrite the interval metrics of ``report`` (overall, per class, per origin)."""
    from ml.forecasting.metrics import interval_metrics

    qcols = {q: f"p{round(q * 100)}" for q in (0.1, 0.5, 0.9, 0.95, 0.99)}
    qcols = {q: c for q, c in qcols.items() if c in scored.columns}

    def metrics(rows: pd.DataFrame) -> dict:
        return {k: round(v, 6) for k, v in interval_metrics(rows, qcols).items()}

    report["stockcast"].update(metrics(scored))
    for cls, rows in scored.groupby("demand_class"):
        report["stockcast_by_class"][str(cls)].update(metrics(rows))
    dates = scored["forecast_date"].astype(str).str[:10]
    for origin in report["origins"]:
        origin["stockcast"].update(metrics(scored[dates == origin["forecast_date"]]))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", required=True, choices=["generated", "store-item"])
    parser.add_argument("--skus", type=int, default=300)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scored", type=Path, default=None, help="parquet of scored rows")
    parser.add_argument("--rescore", type=Path, default=None, help="parquet from --scored")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    out = RESULTS / f"forecast_split_{args.dataset.replace('-', '_')}.json"
    if args.rescore is not None:
        report = rescore(json.loads(out.read_text()), pd.read_parquet(args.rescore))
        out.write_text(json.dumps(report, indent=2, default=str) + "\n")
        print(f"interval metrics recomputed from {args.rescore} -> {out}")
        return
    if args.dataset == "generated":
        report, scored = run_generated(args.skus, args.days, args.seed)
    else:
        report, scored = run_store_item()
    report["split"] = f"first {1 - SHARE:.0%} of days for training, last {SHARE:.0%} scored"
    out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    if args.scored is not None:
        scored.to_parquet(args.scored, index=False)
    s, n = report["stockcast"], report["seasonal_naive"]
    print(
        f"{args.dataset}: {report['holdout_days']} days from {report['n_origins']} origins; "
        f"MASE {s['mase']:.3f} vs naive {n['mase']:.3f}, WAPE {s['wape']:.3f}, "
        f"coverage80 {s['coverage_80']:.3f} -> {out}"
    )


if __name__ == "__main__":
    main()
