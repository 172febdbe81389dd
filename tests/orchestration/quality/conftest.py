"""Fixtures of the quality tests: a warehouse loaded once with clean history, copied per test."""

import shutil
from pathlib import Path

import pytest

from tests.orchestration.quality.quality_pipeline import Pipeline, run_base


@pytest.fixture(scope="session")
def loaded_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB home after one clean run on the base history (built once per session)."""
    home = tmp_path_factory.mktemp("quality_base") / "home"
    home.mkdir()
    mp = pytest.MonkeyPatch()
    mp.setenv("STOCKCAST_HOME", str(home))
    mp.setenv("DAGSTER_HOME", str(home / "dagster"))
    mp.delenv("STOCKCAST_WAREHOUSE_URL", raising=False)
    mp.delenv("STOCKCAST_CONFIG", raising=False)
    try:
        run_base(home)
    finally:
        mp.undo()
    return home


@pytest.fixture
def pipeline(loaded_home: Path, stockcast_home: Path) -> Pipeline:
    """A private copy of the loaded home (DuckDB file included), STOCKCAST_HOME set to it."""
    shutil.rmtree(stockcast_home)
    shutil.copytree(loaded_home, stockcast_home, ignore=shutil.ignore_patterns("dagster"))
    return Pipeline(stockcast_home)
