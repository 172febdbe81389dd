"""Save and load forecasting runs with joblib, guarded by library versions.

An artifact carries the fitted global model, selection, calibration, forecasts, the
training window, the metrics and the versions of stockcast, darts, lightgbm,
statsforecast, pandas and numpy. A model pickled by another stockcast or darts version may
unpickle into something subtly different, so loading one fails loudly instead.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

import joblib

from ml.forecasting.pipeline import ForecastRun

FORMAT = 1
#: A mismatch of these versions makes an artifact unloadable.
STRICT = ("stockcast", "darts")
TRACKED = ("stockcast", "darts", "lightgbm", "statsforecast", "pandas", "numpy")


class ArtifactVersionError(RuntimeError):
    """The artifact was written by a different stockcast or darts version."""


def library_versions() -> dict[str, str]:
    """Installed versions of the libraries an artifact depends on."""
    out = {}
    for name in TRACKED:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def save_artifact(run: ForecastRun, path: str | Path) -> Path:
    """Write a run to ``path`` (joblib, compressed); returns the path.

    Args:
        run: output of :func:`ml.forecasting.pipeline.fit_forecast`.
        path: destination file, conventionally under ``$STOCKCAST_HOME/artifacts``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "versions": library_versions(),
        "training_window": tuple(str(d.date()) for d in run.training_window),
        "metrics": run.metrics,
        "run": run,
    }
    joblib.dump(payload, path, compress=3)
    return path


def load_artifact(path: str | Path, *, check_versions: bool = True) -> dict[str, Any]:
    """Load an artifact; raise :class:`ArtifactVersionError` on a version mismatch.

    Returns:
        ``{"format", "versions", "training_window", "metrics", "run"}``.
    """
    payload = joblib.load(Path(path))
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ArtifactVersionError(
            f"{path} is not a stockcast forecasting artifact (format {FORMAT})"
        )
    if check_versions:
        installed = library_versions()
        saved = payload.get("versions", {})
        diff = {k: (saved.get(k), installed[k]) for k in STRICT if saved.get(k) != installed[k]}
        if diff:
            detail = ", ".join(
                f"{k} {a} (artifact) != {b} (installed)" for k, (a, b) in diff.items()
            )
            raise ArtifactVersionError(
                f"cannot load forecasting artifact {path}: {detail}. Re-run the forecast "
                "with this installation, or load with the versions that wrote it."
            )
    return payload
