"""Regenerate docs/reports/backorder.md and its figures: the classifier on real and generated data.

    nice -n 10 .venv/bin/python bench/backorder_report.py                # both parts
    nice -n 10 .venv/bin/python bench/backorder_report.py --skip-generated --skus 500

Part 1, the real public sample (``../shared/data/backorder/train_sample.csv.gz``): a
stratified 80/20 split by row (the public data has no dates), the production pipeline
(:func:`ml.backorder.evaluate`, default :class:`ml.backorder.BackorderConfig`) trained on
the 80% and scored once on the 20%, beside the plain unbalanced baseline.

Part 2, the generator's data through the warehouse: ``ml.datagen.generate`` writes
``--skus`` SKUs x ``--days`` days to a temporary home, ``stockcast run`` ingests it and
builds the dbt project (``fct_backorder_features`` included), and the rows the
``backorder_model`` asset would use are evaluated exactly as it does: the latest 20% of
labelled snapshot dates held out (a time split), everything earlier trains.

Writes ``docs/reports/backorder.md``, ``docs/reports/img/backorder_*.png`` and the raw
numbers to ``docs/reports/backorder_report.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ml.backorder import (  # noqa: E402
    BackorderConfig,
    evaluate,
    load_backorder_csv,
    split_holdout,
)
from orchestration.defs.backorder.training import (  # noqa: E402
    TrainingSettings,
    mart_rows,
    time_split,
)

OUT = REPO / "docs" / "reports"
IMG = OUT / "img"
SAMPLE = REPO.parent / "shared" / "data" / "backorder" / "train_sample.csv.gz"
STOCKCAST = str(Path(sys.executable).parent / "stockcast")
WAREHOUSE_GROUPS = "group:raw or group:staging or group:intermediate or group:marts"


def real_sample(path: Path, config: BackorderConfig) -> dict[str, Any]:
    """Evaluate on the public sample's stratified holdout."""
    loaded = load_backorder_csv(path)
    train, test = split_holdout(loaded.frame, 0.2, seed=config.seed)
    report = evaluate(train, test, config)
    report["source"] = {
        "file": path.name,
        "rows": len(loaded.frame),
        "split": "stratified random 80/20 by row (no dates in the public data)",
    }
    return report


def generated(
    skus: int, days: int, seed: int, config: BackorderConfig, keep: Path | None
) -> dict[str, Any]:
    """Generate, ingest, build the mart, then evaluate on a time split of its labelled rows."""
    from ml.datagen import generate

    home = keep or Path(tempfile.mkdtemp(prefix="stockcast-backorder-report-"))
    started = time.perf_counter()
    try:
        if not (home / "warehouse.duckdb").exists():
            generate(home / "incoming", n_skus=skus, n_days=days, seed=seed)
            env = {
                k: v
                for k, v in os.environ.items()
                if k not in ("STOCKCAST_WAREHOUSE_URL", "STOCKCAST_CONFIG")
            }
            env.update(STOCKCAST_HOME=str(home), DAGSTER_HOME=str(home / "dagster"))
            proc = subprocess.run(
                [STOCKCAST, "run", "--select", WAREHOUSE_GROUPS],
                env=env,
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                raise SystemExit((proc.stdout + proc.stderr)[-4000:])
        build_seconds = time.perf_counter() - started
        import duckdb

        with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
            mart = conn.sql("select * from marts.fct_backorder_features").df()
    finally:
        if keep is None:
            shutil.rmtree(home, ignore_errors=True)
    labelled = mart_rows(mart[mart["is_labelled"]], labelled=True)
    train, test = time_split(labelled, 0.2)
    cols = [c for c in labelled.columns if c != "snapshot_date"]
    report = evaluate(train[cols], test[cols], config)
    report["source"] = {
        "skus": skus,
        "days": days,
        "seed": seed,
        "mart_rows": len(mart),
        "labelled_rows": len(labelled),
        "unlabelled_rows": int((~mart["is_labelled"]).sum()),
        "positive_rate_labelled": float(labelled["went_on_backorder"].mean()),
        "split": f"time: test = snapshots {test['snapshot_date'].min().date()} .. "
        f"{test['snapshot_date'].max().date()}, train = earlier",
        "generate_ingest_dbt_seconds": round(build_seconds, 1),
    }
    return report


def plot(report: dict[str, Any], name: str, title: str) -> list[str]:
    """ROC and PR curves, model vs unbalanced baseline, as two PNGs; return their names."""
    IMG.mkdir(parents=True, exist_ok=True)
    model, base = report["curves"]["model"], report["curves"]["baseline"]
    t, b = report["test"], report["baseline"]
    files = []
    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.plot(model["roc"]["fpr"], model["roc"]["tpr"], label=f"model (AUC {t['roc_auc']:.3f})")
    ax.plot(
        base["roc"]["fpr"],
        base["roc"]["tpr"],
        "--",
        label=f"unbalanced baseline (AUC {b['roc_auc']:.3f})",
    )
    ax.plot([0, 1], [0, 1], ":", color="grey", lw=1)
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title=f"ROC: {title}")
    ax.legend(loc="lower right")
    fig.tight_layout()
    files.append(f"backorder_{name}_roc.png")
    fig.savefig(IMG / files[-1], dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 4.5))
    ax.plot(model["pr"]["recall"], model["pr"]["precision"], label=f"model (AP {t['pr_auc']:.3f})")
    ax.plot(
        base["pr"]["recall"],
        base["pr"]["precision"],
        "--",
        label=f"unbalanced baseline (AP {b['pr_auc']:.3f})",
    )
    ax.axhline(
        report["data"]["test_positive_rate"],
        ls=":",
        color="grey",
        lw=1,
        label=f"positive rate {report['data']['test_positive_rate']:.4f}",
    )
    ax.scatter(
        [t["recall"]],
        [t["precision"]],
        color="black",
        zorder=3,
        label=f"chosen threshold {t['threshold']:.3f}",
    )
    ax.set(
        xlabel="recall",
        ylabel="precision",
        title=f"Precision-recall: {title}",
        xlim=(0, 1),
        ylim=(0, 1.02),
    )
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    files.append(f"backorder_{name}_pr.png")
    fig.savefig(IMG / files[-1], dpi=110)
    plt.close(fig)
    return files


def section(report: dict[str, Any], files: list[str]) -> str:
    """The markdown of one evaluation: metrics vs baseline, confusion matrix, importances."""
    t, b = report["test"], report["baseline"]
    bt = b["at_validation_threshold"]
    cm = t["confusion_matrix"]
    rows = [
        "| | model | baseline @ 0.5 | baseline @ its validation threshold |",
        "|---|---|---|---|",
        f"| ROC-AUC | **{t['roc_auc']:.4f}** | {b['roc_auc']:.4f} | (same ranking) |",
        f"| PR-AUC (average precision) | **{t['pr_auc']:.4f}** | {b['pr_auc']:.4f} | (same) |",
        f"| threshold | {t['threshold']:.4f} | 0.5 | {bt['threshold']:.4f} |",
        f"| precision | {t['precision']:.3f} | {b['precision']:.3f} | {bt['precision']:.3f} |",
        f"| recall | {t['recall']:.3f} | {b['recall']:.3f} | {bt['recall']:.3f} |",
        f"| F1 | {t['f1']:.3f} | {b['f1']:.3f} | {bt['f1']:.3f} |",
    ]
    comparison = "\n".join(
        f"| {c['strategy']} | {c.get('validation_pr_auc', float('nan')):.4f} | "
        f"{c.get('validation_roc_auc', float('nan')):.4f} |"
        for c in report["comparison"]
        if "validation_pr_auc" in c
    )
    importance = "\n".join(
        f"| {r['feature']} | {r['importance_mean']:.4f} |" for r in report["feature_importance"][:8]
    )
    skipped = [c["strategy"] for c in report["comparison"] if "error" in c]
    skipped_note = (
        f" Not fitted (their sampling ratios are below this data's own positive ratio, "
        f"which imbalanced-learn rejects): {', '.join(skipped)}."
        if skipped
        else ""
    )
    gain = (
        f"Gain over the baseline on test: ROC-AUC {t['roc_auc'] - b['roc_auc']:+.4f}, "
        f"PR-AUC {t['pr_auc'] - b['pr_auc']:+.4f}; F1 at validation-chosen thresholds "
        f"{t['f1']:.3f} vs {bt['f1']:.3f}."
    )
    data, timings = report["data"], report["timings"]
    return f"""
Split: {report["source"]["split"]}. Train {data["train_rows"]:,} rows
(positive rate {data["train_positive_rate"]:.4f}), test {data["test_rows"]:,} rows
(positive rate {data["test_positive_rate"]:.4f}). Chosen strategy
**{report["model"]["strategy"]}**, calibration {report["model"]["calibration"]},
threshold goal {report["config"]["goal"]} chosen on validation data.

{chr(10).join(rows)}

{gain}

Confusion matrix on test at the chosen threshold: TN {cm["tn"]:,}, FP {cm["fp"]:,},
FN {cm["fn"]:,}, TP {cm["tp"]:,}.

![ROC](img/{files[0]}) ![PR](img/{files[1]})

Strategies compared on validation (fit on a subsample of the fit part):

| strategy | validation PR-AUC | validation ROC-AUC |
|---|---|---|
{comparison}
{skipped_note}

Permutation importance (drop in average precision on validation), top 8:

| feature | importance |
|---|---|
{importance}

Wall time {timings["wall_seconds"]} s (CPU {timings["cpu_seconds"]} s), peak RSS
{report["memory"]["peak_rss_mib"]} MiB, on a shared 2-core machine.
"""


def main(argv: list[str] | None = None) -> int:
    """Run both parts and write the report, figures and numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--keep-home",
        type=Path,
        default=None,
        help="build the generated warehouse here and keep it (reused if present)",
    )
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--skip-generated", action="store_true")
    args = parser.parse_args(argv)

    config = TrainingSettings().config
    numbers_path = OUT / "backorder_report.json"
    numbers: dict[str, Any] = {}
    if not args.skip_real:
        numbers["real"] = real_sample(args.sample, config)
        numbers["real"]["figures"] = plot(numbers["real"], "real", "public sample, 20% holdout")
        print(f"real: ROC-AUC {numbers['real']['test']['roc_auc']:.4f}", flush=True)
    if not args.skip_generated:
        numbers["generated"] = generated(args.skus, args.days, args.seed, config, args.keep_home)
        numbers["generated"]["figures"] = plot(
            numbers["generated"], "generated", "generated data, latest weeks"
        )
        print(f"generated: ROC-AUC {numbers['generated']['test']['roc_auc']:.4f}", flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    # Read what is there only now: a part run separately keeps the other part's numbers.
    stored = json.loads(numbers_path.read_text()) if numbers_path.exists() else {}
    numbers = {**stored, **numbers}
    numbers_path.write_text(json.dumps(numbers, indent=1, default=str))
    write_markdown(numbers)
    return 0


def write_markdown(numbers: dict[str, Any]) -> None:
    """docs/reports/backorder.md from the numbers (parts not run yet are marked so)."""
    parts = []
    if "real" in numbers:
        parts.append(
            "## Real public sample\n" + section(numbers["real"], numbers["real"]["figures"])
        )
    else:
        parts.append("## Real public sample\n\nNot run yet.\n")
    if "generated" in numbers:
        src = numbers["generated"]["source"]
        parts.append(
            "## Generated data through the warehouse\n\n"
            f"{src['skus']:,} SKUs x {src['days']:,} days (seed {src['seed']}) generated, "
            f"ingested and built by dbt in {src['generate_ingest_dbt_seconds']} s; "
            f"`fct_backorder_features` holds {src['mart_rows']:,} SKU-weeks, "
            f"{src['labelled_rows']:,} labelled (positive rate "
            f"{src['positive_rate_labelled']:.3f}), {src['unlabelled_rows']:,} in the last "
            "8 weeks with no label yet (scored, never trained on).\n"
            + section(numbers["generated"], numbers["generated"]["figures"])
        )
    else:
        parts.append("## Generated data through the warehouse\n\nNot run yet.\n")
    bench = REPO / "bench" / "results" / "backorder.json"
    if bench.exists():
        b = json.loads(bench.read_text())
        parts.append(
            "## Scale: 1.7 million rows (`bench/backorder_bench.py`)\n\n"
            f"Train {b['train_rows']:,} rows (the sample's train part replicated), test "
            f"{b['test_rows']:,}: wall {b['wall_seconds']} s, CPU {b['cpu_seconds']} s, peak RSS "
            f"{b['peak_rss_gib']} GiB on {b['machine']['cpus']} cores (load average at the end "
            f"{b['machine']['load_average_at_end'][1]:.1f}: the machine was shared). Target: "
            "under 600 s and 6 GiB. Metrics on replicated rows estimate nothing.\n"
        )
    (OUT / "backorder.md").write_text(HEADER + "\n".join(parts) + FOOTER)


HEADER = """# Backorder-risk classifier: evaluation

Generated by `bench/backorder_report.py` (numbers in `backorder_report.json`); do not edit
by hand. The model is `ml.backorder`'s production pipeline with the default
`BackorderConfig`: derived coverage features (stock against forecast and sales, net
position, minimum-bank gap, ...; `ml/backorder/features.py`) computed inside the
pipeline, imbalance strategies (imbalanced-learn samplers and ensembles, LightGBM plain
and with per-tree balanced bagging) compared on validation, a successive-halving search
over the winner's hyperparameters (class weight and the derived features included) with
stratified folds, sigmoid calibration on validation, the decision threshold chosen on
validation for best F1. Everything is chosen on the training part; the test rows are
scored once. The baseline is a plain `HistGradientBoostingClassifier` with defaults on
the same rows: no derived features, no resampling, no search, no calibration.

"""

FOOTER = """
## Reading these numbers

- The public sample has no dates, so its split is random by row; the warehouse has dates,
  so its report (and the `backorder_model` asset's) holds out the latest weeks. Weekly
  snapshots of one SKU are near-copies of each other: a random split there would flatter
  the model.
- On generated data backorders are far more common than in the public data (the
  generator's SKUs run out often), so PR-AUC values of the two parts are not comparable:
  compare each with its own positive rate and baseline. With about 30% positive
  SKU-weeks the data is not imbalanced and the signal is simple (stock against demand),
  so the plain baseline is already about as good as it gets there: no gain over it is
  expected, and none is claimed. The imbalance handling pays off on the real, rare-event
  data.
- The default LightGBM settings (600 trees, 127 leaves, learning rate 0.03) came from
  five-fold cross-validation on the *training* part of the public sample; the test part
  played no role in them, and the search still tunes around them on every training run.
- `deck_risk`, `oe_constraint`, `ppap_risk` and `stop_auto_buy` cannot be derived from
  our raw contract (see `fct_backorder_features.yml`); the last three are constant 'No'
  in warehouse rows and carry no information there.
- The warehouse label counts a SKU already on backorder at the snapshot as positive if it
  is still (or again) on backorder in the next 8 weeks; `local_bo_qty` sees the current
  backorder, which makes those rows easy. That is the label the issue asks for.
"""


if __name__ == "__main__":
    raise SystemExit(main())
