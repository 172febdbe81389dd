"""Where backorder model artifacts live, and how callers find the latest one.

One folder, ``$STOCKCAST_HOME/artifacts/backorder/``, holds ``model-<version>.joblib``
(written by :func:`ml.backorder.save_model`) and ``model-<version>.json`` (its report).
The version is the UTC training time ``YYYYMMDDTHHMMSSZ``, so names sort by age and
the table ``ml.backorder_risk`` can say which model scored it. No Dagster import here:
the dashboard and the API use this module directly::

    latest = load_latest_backorder_model(get_settings())
    if latest:
        result = predict_one(latest.model, {"national_inv": 3, ...})
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ml.backorder import BackorderModel, load_model, save_model
from orchestration.settings import Settings

SUBDIR = "backorder"
PREFIX = "model-"


@dataclass(frozen=True)
class StoredModel:
    """A loaded artifact with its version (shown to planners) and path."""

    model: BackorderModel
    version: str
    path: Path


def model_dir(settings: Settings) -> Path:
    """The folder of backorder artifacts under the settings' artifacts_dir."""
    return settings.artifacts_dir / SUBDIR


def new_version(now: datetime | None = None) -> str:
    """A sortable version stamp from the UTC time (seconds resolution)."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def save_backorder_model(
    settings: Settings, model: BackorderModel, report: dict[str, Any], version: str
) -> Path:
    """Write the artifact and its JSON report; return the artifact path."""
    folder = model_dir(settings)
    path = save_model(model, folder / f"{PREFIX}{version}.joblib")
    (folder / f"{PREFIX}{version}.json").write_text(json.dumps(report, indent=2, default=str))
    return path


def latest_model_path(settings: Settings) -> Path | None:
    """The newest ``model-*.joblib`` (None before the first training run)."""
    folder = model_dir(settings)
    if not folder.is_dir():
        return None
    paths = sorted(folder.glob(f"{PREFIX}*.joblib"))
    return paths[-1] if paths else None


def load_latest_backorder_model(settings: Settings) -> StoredModel | None:
    """The newest backorder model, or None if none was trained yet.

    Callers (dashboard form, API, the ``backorder_risk`` asset) pass the result to
    :func:`ml.backorder.predict_one` / :func:`ml.backorder.score_frame`.
    """
    path = latest_model_path(settings)
    if path is None:
        return None
    version = path.stem.removeprefix(PREFIX)
    return StoredModel(model=load_model(path), version=version, path=path)


def load_latest_report(settings: Settings) -> dict[str, Any] | None:
    """The JSON report written beside the newest artifact (None if absent)."""
    path = latest_model_path(settings)
    if path is None or not path.with_suffix(".json").exists():
        return None
    return json.loads(path.with_suffix(".json").read_text())
