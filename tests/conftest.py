"""Fixtures shared by the whole suite: a temporary STOCKCAST_HOME and PostgreSQL databases.

PostgreSQL comes from ``STOCKCAST_TEST_POSTGRES_URL`` (``make test`` / ``.ci/run`` start a
server and set it). Without it the postgres tests skip on a laptop but FAIL under
``CI=true``, so CI can never go green by quietly not testing PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def _require(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: this test must run, not skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """URL of a PostgreSQL server where the tests may create databases."""
    url = os.environ.get("STOCKCAST_TEST_POSTGRES_URL")
    if not url:
        _require("STOCKCAST_TEST_POSTGRES_URL is not set (run `make test` to start a server)")
    return url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty database on the test server; dropped afterwards."""
    import psycopg

    name = f"stockcast_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    parsed = urlparse(postgres_server_url)
    url = parsed._replace(path=f"/{name}").geturl()
    yield url
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def stockcast_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty STOCKCAST_HOME (DuckDB warehouse inside it) for one test."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("STOCKCAST_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.delenv("STOCKCAST_WAREHOUSE_URL", raising=False)
    monkeypatch.delenv("STOCKCAST_CONFIG", raising=False)
    return home


@pytest.fixture(scope="session")
def store_item_sales_path() -> Path:
    """The real store-item daily sales sample (read-only, never copied into the repo)."""
    path = SHARED_DATA / "store_item_demand" / "train.csv.gz"
    if not path.exists():
        _require(f"real sample data not found at {path}")
    return path


@pytest.fixture(scope="session")
def backorder_sample_path() -> Path:
    """The real public backorder sample (read-only)."""
    path = SHARED_DATA / "backorder" / "train_sample.csv.gz"
    if not path.exists():
        _require(f"real sample data not found at {path}")
    return path
