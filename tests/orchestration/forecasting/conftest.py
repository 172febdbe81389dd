"""A tiny generated dataset and a fast ``forecast:`` config for the forecasting assets."""

from __future__ import annotations

from pathlib import Path

import pytest

FAST_CONFIG = """\
forecast:
  horizon: 14
  n_origins: 2
  stride: 7
  expensive_sample_per_class: 2
  max_expensive_fits: 4
  models: [seasonal_naive_7, naive_mean, tsb, lightgbm_global, auto_ets]
"""
HORIZON = 14


@pytest.fixture(scope="session")
def forecast_incoming(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 SKUs x 200 generated days (raw contract files), generated once per session."""
    from ml.datagen import generate

    out = tmp_path_factory.mktemp("forecast_incoming")
    generate(out, n_skus=12, n_days=200, seed=7)
    return out


@pytest.fixture
def forecast_home(stockcast_home: Path, forecast_incoming: Path) -> Path:
    """An empty home with the generated files in its incoming folder and the fast config."""
    import shutil

    shutil.copytree(forecast_incoming, stockcast_home / "incoming")
    (stockcast_home / "stockcast.yaml").write_text(FAST_CONFIG)
    return stockcast_home
