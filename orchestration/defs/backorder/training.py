"""Assemble backorder training data from the warehouse and external files, train, report.

Kept out of the asset bodies (which stay thin) and free of Dagster, so the same steps run
in a test or a notebook. ML itself is :mod:`ml.backorder`'s; this module only decides
*which rows* it sees:

* Warehouse rows come from ``fct_backorder_features`` where the label window is complete
  (``is_labelled``); unlabelled snapshots are only ever scored.
* External labelled history (``backorder_history*.csv[.gz]`` in the incoming folder, in
  the public schema) is read with :func:`ml.backorder.load_backorder_csv`; its bad rows go
  to ``raw.quarantine`` (once per file content, as ingestion does) and are not trained on.
* The report is measured on a **time** split of the warehouse rows: the last
  ``holdout_share`` of snapshot dates is the test set, everything before (plus any external
  rows, which have no date) trains. Weekly snapshots of one SKU are strongly correlated,
  so a random split would score the model on near-copies of its training rows.
* The production model is then refitted on every labelled row (``refit``), so the
  newest weeks are not wasted; its report is the time-split one.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ml.backorder import (
    PUBLIC_COLUMNS,
    TARGET,
    BackorderConfig,
    BackorderModel,
    evaluate_with_model,
    fit_backorder_model,
    load_backorder_csv,
    parse_backorder_frame,
    split_holdout,
)
from orchestration.settings import Settings
from orchestration.warehouse import Warehouse

HISTORY_PATTERNS = ("backorder_history*.csv", "backorder_history*.csv.gz")
QUARANTINE_ENTITY = "backorder_history"
SNAPSHOT = "snapshot_date"


@dataclass(frozen=True)
class TrainingSettings:
    """The ``backorder:`` section of ``stockcast.yaml``.

    Attributes:
        config: :class:`ml.backorder.BackorderConfig` built from the keys it knows
            (``strategies``, ``search_iter``, ``goal``, ``min_recall``, ``seed``, ...).
        min_positives: Fewer labelled backorders than this and no model is trained: with
            a handful of positives neither the validation threshold nor the report means
            anything (default 30).
        holdout_share: Share of the latest labelled snapshot dates held out for the report.
        refit: Refit the production model on all labelled rows after the report.
    """

    config: BackorderConfig = field(default_factory=BackorderConfig)
    min_positives: int = 30
    holdout_share: float = 0.2
    refit: bool = True

    @classmethod
    def from_section(cls, section: dict[str, Any]) -> TrainingSettings:
        """Parse the config section; unknown keys are an error naming them."""
        known = {f.name for f in fields(BackorderConfig)}
        own = {"min_positives", "holdout_share", "refit"}
        unknown = sorted(set(section) - known - own)
        if unknown:
            raise ValueError(f"backorder: unknown key(s) {unknown}; known: {sorted(known | own)}")
        values = {k: v for k, v in section.items() if k in known}
        if "strategies" in values:
            values["strategies"] = tuple(values["strategies"])
        return cls(
            config=BackorderConfig(**values),
            min_positives=int(section.get("min_positives", cls.min_positives)),
            holdout_share=float(section.get("holdout_share", cls.holdout_share)),
            refit=bool(section.get("refit", cls.refit)),
        )


@dataclass
class ExternalHistory:
    """Clean rows of every external history file, and what was rejected."""

    frame: pd.DataFrame
    files: list[dict[str, Any]] = field(default_factory=list)

    @property
    def problems(self) -> int:
        """Quarantined problems across files (one per bad value)."""
        return sum(f["problems"] for f in self.files)


@dataclass
class TrainOutcome:
    """What :func:`train_backorder_model` produced; ``model`` is None when skipped."""

    model: BackorderModel | None
    report: dict[str, Any]
    skipped_reason: str | None = None


def history_files(settings: Settings) -> list[Path]:
    """External labelled history files in the incoming folder, sorted by name."""
    found = {p for pattern in HISTORY_PATTERNS for p in settings.incoming_dir.glob(pattern)}
    return sorted(found)


def quarantine_frame(problems: pd.DataFrame, source_file: str, sha256: str) -> pd.DataFrame:
    """The loader's problems in ``raw.quarantine``'s columns (as ingestion writes them)."""
    record = [
        json.dumps({"sku": None if pd.isna(s) else str(s), "row": int(r)})
        for s, r in zip(problems["sku"], problems["row_number"], strict=True)
    ]
    return pd.DataFrame(
        {
            "entity": QUARANTINE_ENTITY,
            "source_file": source_file,
            # The loader counts data rows from 1, as raw lineage does (header excluded).
            "source_row": problems["row_number"].astype("int64"),
            "column_name": problems["column"].astype(object),
            "value": problems["value"].astype(object),
            "reason": problems["reason"].astype(object),
            "record": record,
            "file_sha256": sha256,
        }
    )


def load_external_history(settings: Settings, warehouse: Warehouse) -> ExternalHistory:
    """Read every ``backorder_history*`` file; quarantine its bad rows once per content.

    The files are training data, re-read at every training run; their content hash goes
    into ``raw.loaded_files`` (entity ``backorder_history``) the first time, so a file's
    bad rows are quarantined once, not once per run.
    """
    frames: list[pd.DataFrame] = []
    files: list[dict[str, Any]] = []
    for path in history_files(settings):
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        loaded = load_backorder_csv(path)
        problems = loaded.quarantine
        bad_rows = int(problems["row_number"].nunique()) if len(problems) else 0
        seen = warehouse.file_loaded(sha)
        if not seen:
            warehouse.ensure_raw_schema()
            with warehouse.session():
                warehouse.insert_quarantine(quarantine_frame(problems, path.name, sha))
                warehouse.record_file(
                    sha, QUARANTINE_ENTITY, path.name, loaded.rows_read,
                    len(loaded.frame), bad_rows,
                )  # fmt: skip
        frames.append(loaded.frame.assign(_source=path.name))
        files.append(
            {
                "file": path.name,
                "rows": len(loaded.frame),
                "positives": int(loaded.frame[TARGET].sum()) if len(loaded.frame) else 0,
                "rows_quarantined": bad_rows,
                "problems": len(problems),
                "already_seen": seen,
            }
        )
    frame = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=[*PUBLIC_COLUMNS, "_source"])
    )
    return ExternalHistory(frame=frame, files=files)


def mart_rows(mart: pd.DataFrame, *, labelled: bool) -> pd.DataFrame:
    """Typed model rows from ``fct_backorder_features`` (via the public-schema parser).

    Args:
        mart: Rows of the mart (any extra columns are kept aside).
        labelled: Keep only complete-label rows and parse the label; else drop the label.

    Returns:
        Clean public-schema rows with ``snapshot_date`` alongside. The mart is built to
        the schema, so the parser rejecting a row is a bug: it raises.
    """
    if labelled:
        mart = mart[mart[TARGET].notna()]
    columns = list(PUBLIC_COLUMNS if labelled else PUBLIC_COLUMNS[:-1])
    raw = mart[columns].reset_index(drop=True)
    raw.index = pd.RangeIndex(1, len(raw) + 1)
    parsed = parse_backorder_frame(raw, source="fct_backorder_features", require_target=labelled)
    if len(parsed.quarantine):
        raise ValueError(
            "fct_backorder_features holds rows the backorder schema rejects: "
            + parsed.quarantine.head(5).to_string(index=False)
        )
    frame = parsed.frame.copy()
    frame[SNAPSHOT] = pd.to_datetime(mart[SNAPSHOT].to_numpy())
    return frame.reset_index(drop=True)


def time_split(frame: pd.DataFrame, share: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split dated rows: the latest ``share`` of snapshot dates is the test part."""
    dates = sorted(frame[SNAPSHOT].unique())
    n_test = max(1, round(len(dates) * share))
    cutoff = dates[-n_test]
    return frame[frame[SNAPSHOT] < cutoff], frame[frame[SNAPSHOT] >= cutoff]


def train_backorder_model(
    warehouse_rows: pd.DataFrame, external: pd.DataFrame, training: TrainingSettings
) -> TrainOutcome:
    """Train and report on warehouse (dated) and external (undated) labelled rows.

    Returns a skipped outcome, not an error, when there are too few positives to learn
    from: on a young warehouse or small demo data "no model yet" is a normal state,
    and the rest of the pipeline (policies read ``ml.backorder_risk`` only if present)
    must not fail over it.
    """
    started = time.perf_counter()
    cols = list(PUBLIC_COLUMNS)

    def stack(*frames: pd.DataFrame) -> pd.DataFrame:
        parts = [f[cols] for f in frames if len(f)]
        return pd.concat(parts, ignore_index=True) if parts else warehouse_rows[cols]

    all_rows = stack(warehouse_rows, external)
    positives = int(all_rows[TARGET].sum()) if len(all_rows) else 0
    summary = {
        "warehouse_rows": len(warehouse_rows),
        "warehouse_positives": int(warehouse_rows[TARGET].sum()) if len(warehouse_rows) else 0,
        "external_rows": len(external),
        "external_positives": int(external[TARGET].sum()) if len(external) else 0,
    }
    if positives < training.min_positives:
        reason = (
            f"only {positives} labelled backorders (need backorder.min_positives = "
            f"{training.min_positives}); no model trained"
        )
        return TrainOutcome(None, {"sources": summary}, skipped_reason=reason)

    if len(warehouse_rows) and warehouse_rows[TARGET].sum() > 0:
        train_w, test = time_split(warehouse_rows, training.holdout_share)
        train = stack(train_w, external)
        split = {
            "kind": "time",
            "test_from": str(test[SNAPSHOT].min().date()),
            "test_to": str(test[SNAPSHOT].max().date()),
        }
        if test[TARGET].sum() == 0 or train[TARGET].sum() < 2:
            train, test = split_holdout(all_rows, training.holdout_share, training.config.seed)
            split = {"kind": "stratified random (time split had no positives on one side)"}
    else:
        train, test = split_holdout(all_rows, training.holdout_share, training.config.seed)
        split = {"kind": "stratified random (external rows have no dates)"}

    report, model = evaluate_with_model(train[cols], test[cols], training.config)
    report["split"] = split
    report["sources"] = summary
    if training.refit:
        # Same strategy and hyperparameters as the evaluated model: the report describes
        # the production model, and the comparison and search are not paid twice.
        refit_config = replace(
            training.config, strategy=model.strategy, params=dict(model.params), importance_rows=0
        )
        model = fit_backorder_model(all_rows, refit_config).model
        report["production_model"] = {
            "refit_on_all_rows": len(all_rows),
            "positives": positives,
            "strategy": model.strategy,
            "params": model.params,
        }
    report["timings"]["asset_seconds"] = round(time.perf_counter() - started, 2)
    return TrainOutcome(model, report)
