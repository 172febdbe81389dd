"""Regenerate the forecasting report's figures and numbers (docs/reports/forecasting.md).

    nice -n 10 .venv/bin/python bench/forecast_report.py [--skus 300] [--days 1095]
        [--rerun-store-item]

1. Generated data: ``ml.datagen.generate`` writes N SKUs x D days of raw files; the sales
   file goes through exactly what ``stockcast forecast-eval`` does (scratch warehouse,
   ingestion, daily frame, production selection and forecasting, last 28 days held out).
2. Real store-item sample: the figures of ``bench/results/forecast_store_item.json``
   (``bench/forecast_store_item.py``, 500 series, last 28 days held out), re-measured
   first with ``--rerun-store-item`` (about 3 minutes on 2 cores).

Writes ``docs/reports/forecasting.json`` and ``docs/reports/img/forecast_*.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
REPORTS = REPO / "docs" / "reports"
IMG = REPORTS / "img"
STORE_ITEM_JSON = REPO / "bench" / "results" / "forecast_store_item.json"
METRICS = ("mase", "wape", "coverage_80")


def evaluate_generated(skus: int, days: int, seed: int) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Generate raw files and run the forecast-eval path on the sales file."""
    from ml.datagen import generate
    from orchestration.commands.forecast_eval import evaluate_sales_file

    with tempfile.TemporaryDirectory(prefix="forecast-report-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        os.environ["STOCKCAST_HOME"] = str(home)  # no stockcast.yaml: production defaults
        os.environ.pop("STOCKCAST_CONFIG", None)
        generate(Path(tmp) / "incoming", n_skus=skus, n_days=days, seed=seed)
        sales = next((Path(tmp) / "incoming").glob("sales*"))
        result = evaluate_sales_file(sales)
    return result.report, result.scored, result.frame


def plot_examples(scored: pd.DataFrame, frame: pd.DataFrame, path: Path, title: str) -> None:
    """One SKU per demand class: last 10 weeks, the holdout actuals, p50 and p10-p90."""
    picks = (
        scored.groupby(["demand_class", "sku"])["y"]
        .sum()
        .reset_index()
        .sort_values("y", ascending=False)
        .drop_duplicates("demand_class")
    )
    picks = picks.head(4)
    fig, axes = plt.subplots(len(picks), 1, figsize=(9, 2.4 * len(picks)), squeeze=False)
    for ax, row in zip(axes[:, 0], picks.itertuples(), strict=True):
        sc = scored[scored["sku"] == row.sku].sort_values("target_date")
        start = sc["target_date"].min() - pd.Timedelta(days=70)
        hist = frame[
            (frame["sku"] == row.sku)
            & (frame["date"] >= start)
            & (frame["date"] < sc["target_date"].min())
        ]
        ax.plot(hist["date"], hist["quantity"], color="0.4", lw=1, label="history")
        ax.plot(sc["target_date"], sc["y"], color="black", lw=1.2, label="actual (held out)")
        ax.fill_between(
            sc["target_date"], sc["p10"], sc["p90"], color="tab:blue", alpha=0.25, label="p10-p90"
        )
        ax.plot(sc["target_date"], sc["p50"], color="tab:blue", lw=1.5, label="p50")
        ax.set_title(f"{row.sku} ({row.demand_class}, model {sc['model'].iloc[0]})", fontsize=9)
        ax.tick_params(labelsize=8)
    axes[0, 0].legend(fontsize=7, ncol=4, loc="upper left")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_metrics(reports: dict[str, dict], path: Path) -> None:
    """MASE / WAPE vs seasonal naive per dataset, and per demand class; 80% coverage."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    names = list(reports)
    for ax, metric in zip(axes[:2], ("mase", "wape"), strict=True):
        sc = [reports[n]["stockcast"][metric] for n in names]
        nv = [reports[n]["seasonal_naive"][metric] for n in names]
        x = range(len(names))
        ax.bar([i - 0.2 for i in x], sc, 0.4, label="stockcast")
        ax.bar([i + 0.2 for i in x], nv, 0.4, label="seasonal naive (7)", color="0.6")
        ax.set_xticks(list(x), names, fontsize=8)
        ax.set_title(metric.upper(), fontsize=10)
        ax.legend(fontsize=7)
    ax = axes[2]
    labels, values = [], []
    for n in names:
        for cls, m in reports[n].get("stockcast_by_class", {}).items():
            labels.append(f"{n}\n{cls}")
            values.append(_val(m.get("coverage_80")))
    ax.bar(range(len(values)), values, color="tab:blue")
    ax.axhspan(0.70, 0.90, color="tab:green", alpha=0.15, label="target 0.70-0.90")
    ax.axhline(0.8, color="tab:green", lw=1)
    ax.set_xticks(range(len(labels)), labels, fontsize=6, rotation=45, ha="right")
    ax.set_ylim(0, 1)
    ax.set_title("80% interval coverage by demand class", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_class_mase(report: dict, path: Path, title: str) -> None:
    """MASE and WAPE of stockcast per demand class (number of SKUs in the label)."""
    by = report["stockcast_by_class"]
    classes = list(by)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    x = range(len(classes))
    ax.bar([i - 0.2 for i in x], [_val(by[c]["mase"]) for c in classes], 0.4, label="MASE")
    ax.bar([i + 0.2 for i in x], [_val(by[c]["wape"]) for c in classes], 0.4, label="WAPE")
    ax.axhline(
        report["seasonal_naive"]["mase"],
        color="0.5",
        ls="--",
        lw=1,
        label="seasonal naive MASE (all SKUs)",
    )
    ax.set_xticks(list(x), [f"{c}\n({by[c]['n_series']} SKUs)" for c in classes], fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _val(value: float | None) -> float:
    """A metric for a bar: undefined (``null`` in the JSON) draws as no bar."""
    return float("nan") if value is None else float(value)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--skus", type=int, default=300)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rerun-store-item", action="store_true")
    args = parser.parse_args()
    IMG.mkdir(parents=True, exist_ok=True)

    if args.rerun_store_item:
        subprocess.run(
            [sys.executable, str(REPO / "bench" / "forecast_store_item.py")],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    store_item = json.loads(STORE_ITEM_JSON.read_text())

    generated, scored, frame = evaluate_generated(args.skus, args.days, args.seed)
    label = f"generated {args.skus} SKUs x {args.days} days"
    plot_examples(
        scored, frame, IMG / "forecast_examples_generated.png", f"{label}: last 28 days held out"
    )
    plot_class_mase(
        generated, IMG / "forecast_by_class_generated.png", f"{label}: stockcast by demand class"
    )
    plot_metrics({"store-item": store_item, "generated": generated}, IMG / "forecast_metrics.png")

    gain = 1 - generated["stockcast"]["mase"] / generated["seasonal_naive"]["mase"]
    out = {
        "generated": generated,
        "generated_mase_gain_vs_naive": round(gain, 4),
        "store_item": store_item,
    }
    (REPORTS / "forecasting.json").write_text(json.dumps(out, indent=2, default=str) + "\n")
    s, n = generated["stockcast"], generated["seasonal_naive"]
    print(
        f"{label}: MASE {s['mase']:.3f} vs naive {n['mase']:.3f} ({gain:.1%} better), "
        f"WAPE {s['wape']:.3f} vs {n['wape']:.3f}, coverage80 {s['coverage_80']:.3f}, "
        f"wall {generated['wall_seconds']['total']}s"
    )


if __name__ == "__main__":
    main()
