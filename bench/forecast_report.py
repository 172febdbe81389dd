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
SPLIT_JSON = {
    "store-item": REPO / "bench" / "results" / "forecast_split_store_item.json",
    "generated": REPO / "bench" / "results" / "forecast_split_generated.json",
}
REFERENCE = {"mase": 0.73, "wape": 0.139}  # global LightGBM, shared/data README
MIN_GAIN = 0.15
BAND = (0.70, 0.90)
METRICS = ("mase", "wape", "coverage_80")


def evaluate_generated(
    skus: int, days: int, seed: int, holdout_days: int | None = None
) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Generate raw files and run the forecast-eval path on the sales file.

    ``holdout_days`` defaults to the horizon; ``bench/forecast_split.py`` passes 20%.
    """
    from ml.datagen import generate
    from orchestration.commands.forecast_eval import evaluate_sales_file

    with tempfile.TemporaryDirectory(prefix="forecast-report-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        os.environ["STOCKCAST_HOME"] = str(home)  # no stockcast.yaml: production defaults
        os.environ.pop("STOCKCAST_CONFIG", None)
        generate(Path(tmp) / "incoming", n_skus=skus, n_days=days, seed=seed)
        sales = next((Path(tmp) / "incoming").glob("sales*"))
        result = evaluate_sales_file(sales, holdout_days=holdout_days)
    return result.report, result.scored, result.frame


def plot_examples(scored: pd.DataFrame, frame: pd.DataFrame, path: Path, title: str) -> None:
    """One SKU per demand class: last 10 weeks, the holdout actuals, p50, mean, p10-p90."""
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
        if "mean" in sc:
            ax.plot(
                sc["target_date"], sc["mean"], color="tab:orange", lw=1.2, ls="--", label="mean"
            )
        ax.set_title(f"{row.sku} ({row.demand_class}, model {sc['model'].iloc[0]})", fontsize=9)
        ax.tick_params(labelsize=8)
    axes[0, 0].legend(fontsize=7, ncol=5, loc="upper left")
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


def _bracket_holds(m: dict, level: float, lo_key: str, hi_key: str, tol: float = 0.02) -> bool:
    """Whether ``level`` lies in ``[m[lo_key], m[hi_key]]`` (give or take ``tol``)."""
    lo, hi = m.get(lo_key), m.get(hi_key)
    return lo is not None and hi is not None and lo - tol <= level <= hi + tol


def _coverage_cell(cls: str, m: dict) -> str:
    cov = _f(m.get("coverage_80"))
    if cls in ("all_zero", "short_history") or _in_band(m.get("coverage_80")):
        return cov
    if _bracket_holds(m, 0.80, "coverage_80_strict", "coverage_80", tol=0.0):
        return f"{cov} (ties; see below)"
    return f"**{cov}** (outside {BAND[0]:.2f}-{BAND[1]:.2f})"


def _class_table(report: dict) -> list[str]:
    lines = [
        "| class | SKUs | MASE | WAPE | 80% coverage | strictly inside | below p10 | above p90 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for cls, m in report["stockcast_by_class"].items():
        lines.append(
            f"| {cls} | {m['n_series']} | {_f(m['mase'])} | {_f(m['wape'])} | "
            f"{_coverage_cell(cls, m)} | {_f(m.get('coverage_80_strict'))} | "
            f"{_f(m.get('below_p10'))} | {_f(m.get('above_p90'))} |"
        )
    return lines


QUANTILES = (("p10", 0.10), ("p50", 0.50), ("p90", 0.90), ("p95", 0.95), ("p99", 0.99))


def _quantile_table(report: dict) -> list[str]:
    """Per class and quantile: share of actuals below / at or below it (level in bold
    when outside that bracket by more than 0.02)."""
    head = " | ".join(f"{c} ({t:.2f})" for c, t in QUANTILES)
    lines = [f"| class | {head} |", "|---" * (len(QUANTILES) + 1) + "|"]
    rows = [("all", report["stockcast"]), *report["stockcast_by_class"].items()]
    for cls, m in rows:
        if cls in ("all_zero", "short_history") or m.get(f"below_{QUANTILES[0][0]}") is None:
            continue
        cells = []
        for col, level in QUANTILES:
            cell = f"{_f(m.get(f'below_{col}'))} - {_f(m.get(f'at_or_below_{col}'))}"
            if not _bracket_holds(m, level, f"below_{col}", f"at_or_below_{col}"):
                cell = f"**{cell}**"
            cells.append(cell)
        lines.append(f"| {cls} | " + " | ".join(cells) + " |")
    return lines


def _calibration_misses(reports: dict[str, dict]) -> list[str] | None:
    """``dataset class pNN`` wherever the level is outside its tie-aware bracket (``None``
    when the reports predate the bracket metrics)."""
    if any("at_or_below_p90" not in rep["stockcast"] for rep in reports.values()):
        return None
    return [
        f"{name} {cls} {col}"
        for name, rep in reports.items()
        for cls, m in [("all", rep["stockcast"]), *rep["stockcast_by_class"].items()]
        if cls not in ("all_zero", "short_history") and m.get("below_p10") is not None
        for col, level in QUANTILES
        if m.get(f"at_or_below_{col}") is not None
        and not _bracket_holds(m, level, f"below_{col}", f"at_or_below_{col}")
    ]


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


def _per_sku_line(report: dict) -> str:
    """Per-SKU summary sentence (``per_sku_summary`` of ``evaluate``), if measured."""
    p = report.get("per_sku_summary")
    if not p or p.get("share_beating_naive_mase") is None:
        return "Per-SKU figures: not in this JSON (re-run the report)."
    return (
        f"Per SKU: stockcast's MASE is below seasonal naive's for "
        f"**{p['share_beating_naive_mase']:.1%}** of the {p['n_series_with_mase']} SKUs with a "
        f"defined MASE (median {_f(p['median_mase'])} vs {_f(p['median_naive_mase'])}); "
        "`forecast-eval --per-sku-out` writes every SKU's metrics."
    )


def _p50_note(report: dict) -> str:
    """Share of actuals below p50, overall and per forecastable class."""
    rows = [("all", report["stockcast"]), *report["stockcast_by_class"].items()]
    parts = [
        f"{cls} {_f(m.get('below_p50'))}"
        for cls, m in rows
        if cls not in ("all_zero", "short_history") and m.get("below_p50") is not None
    ]
    return "share below p50: " + ", ".join(parts) if parts else "not measured in this JSON"


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


def load_splits() -> dict[str, dict]:
    """The 80/20 reports ``bench/forecast_split.py`` left, by dataset."""
    return {k: json.loads(p.read_text()) for k, p in SPLIT_JSON.items() if p.exists()}


def _split_lines(splits: dict[str, dict]) -> list[str]:
    head = [
        "## The seed's split: first 80% of the days for training, last 20% scored",
        "",
    ]
    if not splits:
        return [*head, "Not run yet: `bench/forecast_split.py --dataset generated|store-item`.", ""]
    lines = [
        *head,
        "`bench/forecast_split.py --dataset generated|store-item` (wall times in the table,",
        "the two run side by side) -> `bench/results/forecast_split_*.json`; it is",
        "`forecast-eval --holdout-days N` with N = 20% of the days. A 28-day forecaster is",
        "not asked for 219 or 365 days",
        "ahead: the last 20% is tiled by origins 28 days apart (the last block shorter), and",
        "each origin runs the whole production `fit_forecast` (classification, backtest,",
        "selection, calibration) on the days before it only, as the daily refresh would have",
        "on that date. The first origin sees exactly the first 80%. MASE is scaled by the",
        "history before the first origin for every block.",
        "",
        "| dataset | days scored | origins | stockcast MASE | seasonal naive MASE | better by "
        "| WAPE (naive) | 80% coverage | strictly inside | wall |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, rep in splits.items():
        s, n = rep["stockcast"], rep["seasonal_naive"]
        gain = 1 - s["mase"] / n["mase"]
        wall = rep["wall_seconds"]["total"] if isinstance(rep["wall_seconds"], dict) else 0
        lines.append(
            f"| {name} | {rep['holdout_days']} | {rep['n_origins']} | **{_f(s['mase'])}** | "
            f"{_f(n['mase'])} | {gain:.1%} | {_f(s['wape'])} ({_f(n['wape'])}) | "
            f"{_f(s.get('coverage_80'))} | {_f(s.get('coverage_80_strict'))} | "
            f"{wall / 60:.0f} min |"
        )
    lines.append("")
    for name, rep in splits.items():
        by_origin = [o["stockcast"]["mase"] for o in rep["origins"]]
        naive_origin = [o["seasonal_naive"]["mase"] for o in rep["origins"]]
        wins = sum(a < b for a, b in zip(by_origin, naive_origin, strict=True))
        cov = [o["stockcast"].get("coverage_80") for o in rep["origins"]]
        cov = [c for c in cov if c is not None]
        lines += [
            f"**{name}** ({rep.get('dataset', '')}; origins "
            f"{rep['origins'][0]['forecast_date']} .. {rep['origins'][-1]['forecast_date']}): "
            "stockcast beats seasonal naive at "
            f"{wins} of {len(by_origin)} origins; MASE per origin {min(by_origin):.3f} .. "
            f"{max(by_origin):.3f}, 80% coverage per origin {min(cov):.3f} .. {max(cov):.3f}.",
            "",
            *_class_table(rep),
            "",
            "Each quantile, *below - at or below* (as in the calibration section above):",
            "",
            *_quantile_table(rep),
            "",
        ]
    return lines


def _eval_scale_lines() -> list[str]:
    """``bench/forecast_eval_bench.py`` results (every ``forecast_eval*.json``), by size."""
    by_size: dict[int, tuple[dict, float | None, str]] = {}
    paths = (REPO / "bench" / "results").glob("forecast_eval*.json")
    for path in sorted(paths, key=lambda p: p.stat().st_mtime):  # the newest run of a size wins
        data = json.loads(path.read_text())
        load = data["machine"].get("load_average_at_start", [None])[0]
        by_size.update({c["series"]: (c, load, path.name) for c in data["cases"]})
    rows = list(by_size.values())
    if not rows:
        return ["Not measured yet: `bench/forecast_eval_bench.py`."]
    lines = [
        "`stockcast forecast-eval` itself, on a sales file of the raw contract",
        "(`bench/forecast_eval_bench.py`, part of `make bench`): the CLI in a child process,",
        "peak RSS by `wait4`; every day of every series is a row (the worst case for",
        "ingestion). The issue asks that it handle tens of thousands of series.",
        "",
        "| series | file rows | CLI wall | ingest + daily frame | fit_forecast | peak RSS | "
        "MASE (naive) | SKUs beating naive | load at start | file |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c, load, name in sorted(rows, key=lambda r: r[0]["series"]):
        share = c.get("per_sku_summary", {}).get("share_beating_naive_mase")
        lines.append(
            f"| {c['series']:,} | {c['file_rows']:,} | {c['cli_wall_seconds']:.0f} s | "
            f"{c['wall_seconds']['ingest_and_frame']:.0f} s | "
            f"{c['fit_forecast_seconds']:.0f} s | {c['peak_rss_mib']:,.0f} MiB | "
            f"{_f(c['stockcast']['mase'])} ({_f(c['seasonal_naive']['mase'])}) | "
            f"{'n/a' if share is None else f'{share:.1%}'} | "
            f"{'n/a' if load is None else f'{load:.1f}'} | `{name}` |"
        )
    return lines


def render_markdown(out: dict, scale: dict | None, splits: dict[str, dict] | None = None) -> str:
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
    splits = splits or {}
    misses = _calibration_misses({"store-item": si, "generated": gen})
    split_misses = _calibration_misses(splits) if splits else None
    split_bits = [
        f"{name} MASE {_f(r['stockcast']['mase'])} vs seasonal naive "
        f"{_f(r['seasonal_naive']['mase'])} "
        f"({1 - r['stockcast']['mase'] / r['seasonal_naive']['mase']:.1%} better), "
        f"80% coverage {_f(r['stockcast'].get('coverage_80'))}"
        for name, r in splits.items()
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
        "   # ~3 min on 2 idle cores",
        "nice -n 10 .venv/bin/python bench/forecast_report.py --markdown-only"
        "      # re-render after make bench",
        "nice -n 10 .venv/bin/python bench/forecast_split.py --dataset generated"
        "    # 80/20 split, ~15 min",
        "nice -n 10 .venv/bin/python bench/forecast_split.py --dataset store-item"
        "   # 80/20 split, ~20 min",
        "```",
        "",
        "Both datasets are scored the same way: the last 28 days are held out, the production",
        "pipeline (`ml.forecasting.fit_forecast` with the default `ForecastConfig`:",
        "classification, rolling-origin backtest, selection, conformal calibration, final fit)",
        "sees only the days before, and its p50 is compared with the held-out actuals. The",
        "baseline is seasonal naive (repeat the last week). MASE is each series' MAE over its",
        "in-sample seasonal-naive(7) MAE, averaged across series; WAPE is",
        "`sum|y - p50| / sum|y|`; coverage is the share of held-out days inside p10..p90",
        "(target 0.80, accepted 0.70-0.90); *below p10* and *above p90* are the two ways out;",
        "*strictly inside* counts a day equal to p10 or p90 as outside (see calibration below).",
        "The seed's own split (first 80% of the days for training, last 20% scored) follows.",
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
        "- Tie-aware calibration (share of actuals below / at or below each of p10, p50, p90,"
        " p95, p99, per class), on the single 28-day windows: "
        + (
            "not measured in these JSON files; re-run the report."
            if misses is None
            else "every quantile's level lies in its bracket (within 0.02) on both datasets."
            if not misses
            else "level outside its bracket (by more than 0.02): "
            + ", ".join(misses)
            + (
                " (p50 is the point forecast, a mean: see the calibration section)."
                if any(m.endswith("p50") for m in misses)
                else "."
            )
        ),
        "- 80/20 split: " + ("; ".join(split_bits) + "." if split_bits else "not run yet."),
        "- Tie-aware calibration over the 80/20 split's origins: "
        + (
            "not measured."
            if split_misses is None
            else "every quantile's level lies in its bracket (within 0.02)."
            if not split_misses
            else "level outside its bracket (by more than 0.02): " + ", ".join(split_misses) + "."
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
        _per_sku_line(si),
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
        _per_sku_line(gen),
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
        "Demand comes in whole units, and a sparse SKU's p10 is 0 on days when it sells 0. A",
        "correct `t` quantile of a discrete distribution satisfies `P(y < q) <= t <= P(y <= q)`",
        "(strict inequality only when the quantile sits on an atom), so calibration is checked",
        "as a bracket: the share of held-out actuals strictly below each quantile and the",
        "share at or below it. For smooth demand the two nearly coincide; for p10-p90 it",
        "gives `strictly inside <= 0.80 <= coverage`. Each cell is *below - at or below*",
        "(bold where the level falls outside by more than 0.02):",
        "",
        "Generated data:",
        "",
        *_quantile_table(gen),
        "",
        "Store-item:",
        "",
        *_quantile_table(si),
        "",
        "For zero-inflated demand p10 is 0 (most days are zeros), so no day can fall below",
        "the interval and its coverage is 1 minus the share above p90. Each quantile is",
        "calibrated on its own, which is what the reorder policy reads from p90, p95 and p99,",
        "so these classes land near 0.90 rather than 0.80, and above it when integer demand",
        "puts the conformal p90 on an atom (a day equal to p90 counts as covered). Here:",
        f"{_sparse_note(gen)}; the brackets above show that each of their quantiles is",
        "where a correct quantile of integer demand would be. Bringing the inclusive coverage",
        "to 0.80 would mean publishing a p90 that is really a p80, or lifting p10 above zero",
        "for SKUs whose most likely demand is zero, the failure fixed here: an experiment with",
        "tie-broken (mid-distribution) base quantiles reached about 0.80 on both classes but",
        "doubled the p10 pinball loss of intermittent SKUs.",
        "",
        "p50 is calibrated like the other quantiles: the conformal median of the selected",
        "model's scaled backtest residuals (`forecast.median_from_residuals`, default true).",
        "The model's point forecast is a mean, and for right-skewed demand the mean lies",
        "above the median; it is published beside the quantiles as `mean` (expected demand:",
        "what sums over days, and what the policy's projected stockout date reads). Here",
        f"{_p50_note(gen)}. Measured on 2026-11-26 on these generated data (28-day holdout,",
        "`stockcast forecast-eval` with and without `forecast: {median_from_residuals:",
        "false}`), p50 as the mean point forecast had 54.8% of actuals below it (erratic",
        "66.7%) and MASE 0.793; as the conformal median, 29.1% below and 62.3% at or below",
        "(integer ties; erratic 51.9%) and MASE 0.687. The median's bias is negative on",
        "sparse classes (their median is 0): read `mean` for volumes.",
        "",
        "Caveats:",
        "- A sales file alone carries no inventory, so `forecast-eval` cannot flag stockout",
        "  days: on the generated data, days the simulator stocked out are scored as true zero",
        "  demand (in the warehouse path, `fct_daily_sales.is_stockout` censors them).",
        "- WAPE above 1 on intermittent and lumpy SKUs is expected: the median of a sparse",
        "  series is near zero on most days.",
        "- The 28-day tables above are one window per dataset; the 80/20 split below scores "
        + (
            ", ".join(f"{r['n_origins']} successive origins on {n}" for n, r in splits.items())
            if splits
            else "successive origins"
        )
        + ".",
        "",
        "![example forecasts](img/forecast_examples_generated.png)",
        "",
        "![stockcast by demand class](img/forecast_by_class_generated.png)",
        "",
        "![MASE, WAPE and coverage](img/forecast_metrics.png)",
        "",
        *_split_lines(splits),
        DAGSTER_SECTION,
        "## Scale (`bench/forecast_bench.py` -> `bench/results/forecasting.json`)",
        "",
        "`fit_forecast` with the production `ForecastConfig()` on the library's synthetic mix",
        "(70% smooth, 20% intermittent, 10% lumpy, stockouts, price, promo), one process per",
        "size. Target: 10,000 SKUs in under 10 minutes and 8 GiB on 2 cores.",
        "",
        *_scale_lines(scale),
        "",
        *_eval_scale_lines(),
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
        (REPORTS / "forecasting.md").write_text(render_markdown(out, scale, load_splits()))
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
    (REPORTS / "forecasting.md").write_text(render_markdown(out, scale, load_splits()))
    s, n = generated["stockcast"], generated["seasonal_naive"]
    print(
        f"{label}: MASE {s['mase']:.3f} vs naive {n['mase']:.3f} ({gain:.1%} better), "
        f"WAPE {s['wape']:.3f} vs {n['wape']:.3f}, coverage80 {s['coverage_80']:.3f}, "
        f"wall {generated['wall_seconds']['total']}s"
    )


if __name__ == "__main__":
    main()
