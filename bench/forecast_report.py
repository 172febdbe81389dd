"""Regenerate the forecasting report (docs/reports/forecasting.md, its JSON and figures).

    nice -n 10 .venv/bin/python bench/forecast_report.py [--skus 300] [--days 1095]
        [--rerun-store-item] [--markdown-only]

1. Generated data: ``ml.datagen.generate`` writes N SKUs x D days of raw files; the sales
   file goes through exactly what ``stockcast forecast-eval`` does (scratch warehouse,
   ingestion, daily frame, production selection and forecasting, last 28 days held out).
2. Real store-item sample: the figures of ``bench/results/forecast_store_item.json``
   (``bench/forecast_store_item.py``, 500 series, last 28 days held out), re-measured
   first with ``--rerun-store-item`` (about 3 minutes on 2 idle cores).
3. Scale: ``bench/results/forecasting.json`` as ``bench/forecast_bench.py`` (``make
   bench``) left it.

Writes ``docs/reports/forecasting.json``, ``docs/reports/img/forecast_*.png`` and
``docs/reports/forecasting.md``. ``--markdown-only`` re-renders the markdown from the
JSON files without re-running anything (e.g. after ``make bench``).
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
SCALE_JSON = REPO / "bench" / "results" / "forecasting.json"
REFERENCE = {"mase": 0.73, "wape": 0.139}  # global LightGBM, shared/data README
MIN_GAIN = 0.15
BAND = (0.70, 0.90)
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


def _f(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _in_band(value: float | None) -> bool:
    return value is not None and BAND[0] <= value <= BAND[1]


def _class_table(report: dict) -> list[str]:
    lines = [
        "| class | SKUs | MASE | WAPE | 80% coverage | below p10 | above p90 |",
        "|---|---|---|---|---|---|---|",
    ]
    for cls, m in report["stockcast_by_class"].items():
        cov = _f(m.get("coverage_80"))
        if cls not in ("all_zero", "short_history") and not _in_band(m.get("coverage_80")):
            cov = f"**{cov}** (outside {BAND[0]:.2f}-{BAND[1]:.2f})"
        lines.append(
            f"| {cls} | {m['n_series']} | {_f(m['mase'])} | {_f(m['wape'])} | {cov} | "
            f"{_f(m.get('below_p10'))} | {_f(m.get('above_p90'))} |"
        )
    return lines


def _sparse_note(report: dict) -> str:
    """Coverage and share above p90 of the classes calibrated on empirical quantiles."""
    by = report["stockcast_by_class"]
    parts = [
        f"{cls} {_f(by[cls].get('coverage_80'))} with {_f(by[cls].get('below_p10'))} below "
        f"p10 and {_f(by[cls].get('above_p90'))} above p90"
        for cls in ("intermittent", "lumpy")
        if cls in by
    ]
    return "; ".join(parts) if parts else "no intermittent or lumpy SKUs"


def _models(report: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in report["selected_models"].items())


def _scale_lines(scale: dict | None) -> list[str]:
    if not scale:
        return ["`bench/results/forecasting.json` not found: run `make bench`."]
    lines = [
        f"Machine: {scale['machine']['cpus']} CPUs, Python {scale['machine']['python']}.",
        "",
        "| SKUs x days | fit_forecast | peak RSS | largest parts | within target |",
        "|---|---|---|---|---|",
    ]
    for c in scale["cases"]:
        parts = sorted(
            ((k, v) for k, v in c["timings"].items() if k != "total"), key=lambda kv: -kv[1]
        )[:4]
        largest = ", ".join(f"{k} {v:.0f} s" for k, v in parts)
        lines.append(
            f"| {c['skus']:,} x {c['days']:,} | {c['fit_forecast_seconds']:.0f} s | "
            f"{c['peak_rss_mib']:,.0f} MiB | {largest} | "
            f"{'yes' if c['within_target'] else 'no'} |"
        )
    return lines


def render_markdown(out: dict, scale: dict | None) -> str:
    """The report from ``forecasting.json`` (and the scale bench): every number computed."""
    gen, si = out["generated"], out["store_item"]
    label = out.get("generated_label", "generated data")
    gain = out["generated_mase_gain_vs_naive"]
    s_si, n_si = si["stockcast"], si["seasonal_naive"]
    s_g, n_g = gen["stockcast"], gen["seasonal_naive"]
    si_ok = s_si["mase"] <= REFERENCE["mase"] and s_si["wape"] <= REFERENCE["wape"]
    outside = [
        f"{name} {cls} ({_f(m.get('coverage_80'))})"
        for name, rep in (("store-item", si), ("generated", gen))
        for cls, m in rep["stockcast_by_class"].items()
        if cls not in ("all_zero", "short_history") and not _in_band(m.get("coverage_80"))
    ]
    lines = [
        "# Demand forecasting: evaluation",
        "",
        "Generated by `bench/forecast_report.py` from `docs/reports/forecasting.json`,",
        "`bench/results/forecast_store_item.json` and `bench/results/forecasting.json`;",
        "plots in `docs/reports/img/forecast_*.png`. Regenerate with",
        "",
        "```",
        "nice -n 10 .venv/bin/python bench/forecast_report.py --rerun-store-item"
        "   # ~8 min on 2 idle cores",
        "nice -n 10 .venv/bin/python bench/forecast_report.py --markdown-only"
        "      # re-render after make bench",
        "```",
        "",
        "Both datasets are scored the same way: the last 28 days are held out, the production",
        "pipeline (`ml.forecasting.fit_forecast` with the default `ForecastConfig`:",
        "classification, rolling-origin backtest, selection, conformal calibration, final fit)",
        "sees only the days before, and its p50 is compared with the held-out actuals. The",
        "baseline is seasonal naive (repeat the last week). MASE is each series' MAE over its",
        "in-sample seasonal-naive(7) MAE, averaged across series; WAPE is",
        "`sum|y - p50| / sum|y|`; coverage is the share of held-out days inside p10..p90",
        "(target 0.80, accepted 0.70-0.90); *below p10* and *above p90* are the two ways out.",
        "",
        "## Summary",
        "",
        f"- Generated data: MASE {_f(s_g['mase'])} vs seasonal naive {_f(n_g['mase'])}: "
        f"**{gain:.1%} better** (target at least {MIN_GAIN:.0%}: "
        f"{'met' if gain >= MIN_GAIN else 'not met'}).",
        f"- Store-item: MASE {_f(s_si['mase'])} / WAPE {_f(s_si['wape'])} vs the reference "
        f"global LightGBM {REFERENCE['mase']} / {REFERENCE['wape']} "
        f"({'at least as accurate' if si_ok else 'less accurate'}).",
        f"- 80% coverage overall: store-item {_f(s_si.get('coverage_80'))}, generated "
        f"{_f(s_g.get('coverage_80'))}; per class: "
        + (
            "every class within 0.70-0.90."
            if not outside
            else "outside 0.70-0.90: " + "; ".join(outside) + " (see below)."
        ),
        "",
        f"## Real store-item sample ({si['n_series']} series, "
        f"{si['training_window'][0]} .. last 28 days held out)",
        "",
        "From `bench/results/forecast_store_item.json` (`bench/forecast_store_item.py`).",
        "",
        "| | stockcast | seasonal naive | reference global LightGBM (data README) |",
        "|---|---|---|---|",
        f"| MASE | **{_f(s_si['mase'])}** | {_f(n_si['mase'])} | {REFERENCE['mase']} |",
        f"| WAPE | **{_f(s_si['wape'])}** | {_f(n_si['wape'])} | {REFERENCE['wape']} |",
        f"| 80% coverage | {_f(s_si.get('coverage_80'))} | - | - |",
        f"| bias | {_f(s_si['bias'])} | {_f(n_si['bias'])} | - |",
        "",
        *_class_table(si),
        "",
        f"Selected models: {_models(si)}. Wall time {si['wall_seconds']:.0f} s, peak RSS "
        f"{si['peak_rss_mib']:,.0f} MiB.",
        "",
        f"## Generated data ({label})",
        "",
        "Through `forecast-eval`'s path: the generated `sales.csv.gz` ingested into a scratch",
        "DuckDB warehouse, summed over locations and zero-filled per SKU from its first sale.",
        "",
        "| | stockcast | seasonal naive |",
        "|---|---|---|",
        f"| MASE | **{_f(s_g['mase'])}** | {_f(n_g['mase'])} |",
        f"| WAPE | **{_f(s_g['wape'])}** | {_f(n_g['wape'])} |",
        f"| RMSE | {_f(s_g['rmse'], 1)} | {_f(n_g['rmse'], 1)} |",
        f"| bias | {_f(s_g['bias'])} | {_f(n_g['bias'])} |",
        f"| 80% coverage | {_f(s_g.get('coverage_80'))} | - |",
        "",
        f"MASE is **{gain:.1%} better** than seasonal naive (target: at least {MIN_GAIN:.0%}).",
        "",
        *_class_table(gen),
        "",
        f"Selected models: {_models(gen)}. Wall time {gen['wall_seconds']['total']:.0f} s "
        f"(fit_forecast {gen['fit_forecast_seconds']:.0f} s), peak RSS "
        f"{gen['peak_rss_mib']:,.0f} MiB.",
        "",
        "## How the intervals are calibrated, and what coverage means for sparse demand",
        "",
        "Smooth and erratic SKUs: split-conformal quantiles of backtest residuals scaled by",
        "each SKU's seasonal-naive MAE, per demand class x horizon bucket. Intermittent and",
        "lumpy SKUs: each SKU's own empirical quantiles of its last 91 observed days, corrected",
        "by split-conformal quantiles of `(y - base quantile) / scale` from the same backtest",
        "(conformalized quantile regression; `ml/forecasting/conformal.py`). The pooled",
        "residuals used before put p10 above zero for SKUs whose forecast was high relative",
        "to their scale, and their zero days (70-80% of days) fell below the interval: the",
        "lumpy class covered 0.677 with 23% of days below p10.",
        "",
        "For zero-inflated demand p10 is 0 (most days are zeros), so no day can fall below",
        "the interval and its coverage is 1 minus the share above p90. Each quantile is",
        "calibrated on its own, which is what the reorder policy reads from p90, p95 and p99,",
        "so these classes land near 0.90 rather than 0.80, and above it when integer demand",
        "makes the conformal p90 err on the safe side (ties at the threshold are counted as",
        f"covered). Here: {_sparse_note(gen)}. Bringing them to 0.80 would mean publishing a",
        "p90 that is really a p80, or lifting p10 above zero for SKUs whose most likely demand",
        "is zero, the failure fixed here: an experiment with tie-broken (mid-distribution)",
        "base quantiles reached about 0.80 on both classes but doubled the p10 pinball loss",
        "of intermittent SKUs.",
        "",
        "Caveats:",
        "- A sales file alone carries no inventory, so `forecast-eval` cannot flag stockout",
        "  days: on the generated data, days the simulator stocked out are scored as true zero",
        "  demand (in the warehouse path, `fct_daily_sales.is_stockout` censors them).",
        "- WAPE above 1 on intermittent and lumpy SKUs is expected: the median of a sparse",
        "  series is near zero on most days.",
        "- One 28-day holdout window per dataset. `forecast-eval --holdout-days N` with N",
        "  above the horizon scores successive origins (one production run each) for a",
        "  longer look.",
        "",
        "![example forecasts](img/forecast_examples_generated.png)",
        "",
        "![stockcast by demand class](img/forecast_by_class_generated.png)",
        "",
        "![MASE, WAPE and coverage](img/forecast_metrics.png)",
        "",
        DAGSTER_SECTION,
        "## Scale (`bench/forecast_bench.py` -> `bench/results/forecasting.json`)",
        "",
        "`fit_forecast` with the production `ForecastConfig()` on the library's synthetic mix",
        "(70% smooth, 20% intermittent, 10% lumpy, stockouts, price, promo), one process per",
        "size. Target: 10,000 SKUs in under 10 minutes and 8 GiB on 2 cores.",
        "",
        *_scale_lines(scale),
        "",
    ]
    return "\n".join(lines)


DAGSTER_SECTION = """## In Dagster

`orchestration/defs/forecasting/`: `ml/demand_forecast_model`, `ml/demand_forecasts`,
`ml/forecast_backtest_metrics` (group `ml`), partitioned by SKU shard
(`shard_00` .. `shard_{N-1}`, `N = forecast.shards` in `stockcast.yaml`, default 4; a SKU's
shard is `crc32(sku) % N`). The model asset has no pool, so shards fit in parallel under
the multiprocess executor or a Kubernetes/Celery launcher; the two writers are in the
`warehouse` pool (limit 1 on DuckDB, unlimited on PostgreSQL, as `stockcast` writes the
instance's `dagster.yaml`). Each writer deletes the rows of every SKU that hashes to its
shard and appends the new ones in one transaction, so a re-run replaces a shard and a SKU
that left the catalogue loses its stale forecast. All three carry
`AutomationCondition.eager()`: with the automation daemon running, every shard is
re-forecast after the marts refresh. `stockcast run` runs the shards one after the other
in-process (`orchestration/runner.py`). The `forecast:` section of `stockcast.yaml` takes
any `ForecastConfig` field (`horizon`, `n_origins`, `models`, `empirical_window`, ...) plus
`shards`; a misspelt key fails the run. Note that `max_expensive_fits` applies per shard.
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--skus", type=int, default=300)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rerun-store-item", action="store_true")
    parser.add_argument("--markdown-only", action="store_true")
    args = parser.parse_args()
    scale = json.loads(SCALE_JSON.read_text()) if SCALE_JSON.exists() else None
    if args.markdown_only:
        out = json.loads((REPORTS / "forecasting.json").read_text())
        (REPORTS / "forecasting.md").write_text(render_markdown(out, scale))
        return
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
        "generated_label": f"`ml.datagen.generate`, {args.skus} SKUs x {args.days} days, "
        f"seed {args.seed}",
        "generated_mase_gain_vs_naive": round(gain, 4),
        "store_item": store_item,
    }
    (REPORTS / "forecasting.json").write_text(json.dumps(out, indent=2, default=str) + "\n")
    (REPORTS / "forecasting.md").write_text(render_markdown(out, scale))
    s, n = generated["stockcast"], generated["seasonal_naive"]
    print(
        f"{label}: MASE {s['mase']:.3f} vs naive {n['mase']:.3f} ({gain:.1%} better), "
        f"WAPE {s['wape']:.3f} vs {n['wape']:.3f}, coverage80 {s['coverage_80']:.3f}, "
        f"wall {generated['wall_seconds']['total']}s"
    )


if __name__ == "__main__":
    main()
