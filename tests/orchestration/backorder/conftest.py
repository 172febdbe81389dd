"""A small generated warehouse (ingestion + dbt through `stockcast run`), built once and
copied per test, with a fast training config so the backorder assets run in seconds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

STOCKCAST = str(Path(sys.executable).parent / "stockcast")
WAREHOUSE_GROUPS = "group:raw or group:staging or group:intermediate or group:marts"
FAST_CONFIG = """\
backorder:
  strategies: [none, under]
  search_iter: 2
  cv_folds: 2
  compare_rows: 20000
  search_rows: 5000
  importance_rows: 2000
  importance_repeats: 1
"""


@pytest.fixture(scope="session")
def backorder_built_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 SKUs x 400 generated days through ingestion and dbt (backorders do occur)."""
    from ml.datagen import generate

    home = tmp_path_factory.mktemp("backorder_home")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("STOCKCAST_WAREHOUSE_URL", "STOCKCAST_CONFIG")
    }
    env.update(STOCKCAST_HOME=str(home), DAGSTER_HOME=str(home / "dagster"))
    generate(home / "incoming", n_skus=40, n_days=400, seed=5)
    proc = subprocess.run(
        [STOCKCAST, "run", "--select", WAREHOUSE_GROUPS],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return home


@pytest.fixture
def backorder_home(
    backorder_built_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A private copy of the built warehouse, an empty incoming folder, the fast config."""
    home = tmp_path / "home"
    (home / "incoming").mkdir(parents=True)
    shutil.copy(backorder_built_home / "warehouse.duckdb", home / "warehouse.duckdb")
    (home / "stockcast.yaml").write_text(FAST_CONFIG)
    monkeypatch.setenv("STOCKCAST_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.delenv("STOCKCAST_WAREHOUSE_URL", raising=False)
    monkeypatch.delenv("STOCKCAST_CONFIG", raising=False)
    return home
