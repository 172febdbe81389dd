"""``stockcast backorder-eval``: train the production backorder pipeline, test on another file.

Both files are in the public backorder schema (``sku, national_inv, ..., went_on_backorder``)
and are read by :func:`ml.backorder.load_backorder_csv` (``-99`` placeholders, float-
written integers, blank lead times and the ``(N rows)`` footer handled; bad rows are
counted and left out, never silently coerced). The training knobs are the ``backorder:``
section of ``stockcast.yaml``, so this measures what the ``backorder_model`` asset would
train. Without ``--test`` a stratified holdout of ``--train`` is the test set.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click

from orchestration.settings import ConfigError, get_settings


@click.command("backorder-eval")
@click.option(
    "--train",
    "train_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Labelled training file (.csv or .csv.gz, public backorder schema).",
)
@click.option(
    "--test",
    "test_path",
    default=None,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Labelled test file [default: a stratified holdout of --train].",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the full JSON report (with ROC/PR curve points) here.",
)
@click.option(
    "--test-share",
    type=click.FloatRange(0.05, 0.5),
    default=0.2,
    show_default=True,
    help="Holdout share when --test is omitted.",
)
@click.option(
    "--strategies",
    default=None,
    help="Comma-separated imbalance strategies to compare [default: config].",
)
@click.option(
    "--search-iter",
    type=click.IntRange(min=0),
    default=None,
    help="Random-search candidates [default: config].",
)
@click.option("--seed", type=int, default=None, help="Seed [default: config].")
def backorder_eval(
    train_path: Path,
    test_path: Path | None,
    out: Path | None,
    test_share: float,
    strategies: str | None,
    search_iter: int | None,
    seed: int | None,
) -> None:
    """Train on --train, evaluate on --test; print the metrics as JSON, time and peak memory.

    Every metric of the report: ROC-AUC, PR-AUC, precision / recall / F1 and the confusion
    matrix at the threshold chosen on validation data, the unbalanced baseline, the
    strategy comparison, the search, permutation importances, timings and peak RSS.
    """
    from dataclasses import replace

    from ml.backorder import evaluate, load_backorder_csv, split_holdout
    from orchestration.defs.backorder.training import TrainingSettings

    started = time.perf_counter()
    try:
        training = TrainingSettings.from_section(get_settings().section("backorder"))
    except (ConfigError, ValueError, TypeError) as error:
        raise click.ClickException(str(error)) from error
    config = training.config
    if strategies:
        config = replace(config, strategies=tuple(s.strip() for s in strategies.split(",")))
    if search_iter is not None:
        config = replace(config, search_iter=search_iter)
    if seed is not None:
        config = replace(config, seed=seed)

    try:
        train_loaded = load_backorder_csv(train_path)
        test_loaded = load_backorder_csv(test_path) if test_path else None
    except ValueError as error:  # BackorderSchemaError names the missing columns
        raise click.ClickException(str(error)) from error
    if test_loaded is None:
        train, test = split_holdout(train_loaded.frame, test_share, seed=config.seed)
    else:
        train, test = train_loaded.frame, test_loaded.frame
    for name, frame in (("train", train), ("test", test)):
        if frame["went_on_backorder"].sum() == 0:
            raise click.ClickException(f"the {name} rows hold no backorder ('Yes') at all")
    load_seconds = time.perf_counter() - started

    report = evaluate(train, test, config)
    report["files"] = {
        "train": str(train_path),
        "test": str(test_path) if test_path else None,
        "split": "separate test file" if test_path else f"stratified holdout {test_share}",
        "train_rows_quarantined": _bad_rows(train_loaded),
        "test_rows_quarantined": _bad_rows(test_loaded) if test_loaded else 0,
    }
    report["timings"]["load_seconds"] = round(load_seconds, 2)
    report["timings"]["total_seconds"] = round(time.perf_counter() - started, 2)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2, default=str))
    click.echo(json.dumps(_without_curves(report), indent=2, default=str))
    t, b = report["test"], report["baseline"]
    click.echo(
        f"ROC-AUC {t['roc_auc']:.4f}  PR-AUC {t['pr_auc']:.4f} (baseline {b['pr_auc']:.4f})  "
        f"F1 {t['f1']:.3f} @ {t['threshold']:.3f}  wall {report['timings']['total_seconds']}s  "
        f"peak RSS {report['memory']['peak_rss_mib']} MiB",
        err=True,
    )


def _bad_rows(loaded: Any) -> int:
    quarantine = loaded.quarantine
    return int(quarantine["row_number"].nunique()) if len(quarantine) else 0


def _without_curves(report: dict[str, Any]) -> dict[str, Any]:
    """The printed report: every number, but not the thousands of curve points."""
    return {k: v for k, v in report.items() if k != "curves"}
