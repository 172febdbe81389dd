"""Fixtures for ingestion tests: a temporary home, its warehouse, small raw files."""

from __future__ import annotations

import gzip
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from orchestration.settings import Settings, get_settings
from orchestration.warehouse import Warehouse


def write_file(path: Path, text: str) -> Path:
    """Write ``text`` (dedented lines) to ``path``; gzip when the name ends in .gz."""
    body = "\n".join(line.strip() for line in text.strip().splitlines()) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        with gzip.open(path, "wt") as fh:
            fh.write(body)
    else:
        path.write_text(body)
    return path


@pytest.fixture
def settings(stockcast_home: Path) -> Settings:
    """Settings of an empty temporary home (DuckDB warehouse), folders created."""
    s = get_settings()
    s.ensure_dirs()
    return s


@pytest.fixture
def incoming(settings: Settings) -> Path:
    """The incoming folder of the temporary home."""
    return settings.incoming_dir


@pytest.fixture(scope="session")
def pg_session_url(postgres_server_url: str) -> Iterator[str]:
    """One fresh database for this test session on the test server; dropped at the end."""
    import psycopg

    name = f"stockcast_ingest_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    yield urlparse(postgres_server_url)._replace(path=f"/{name}").geturl()
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_settings(
    request: pytest.FixtureRequest, stockcast_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Settings of a temporary home on DuckDB, or on the session's PostgreSQL database
    with an empty raw schema."""
    if request.param == "postgres":
        url = request.getfixturevalue("pg_session_url")
        monkeypatch.setenv("STOCKCAST_WAREHOUSE_URL", url)
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("drop schema if exists raw cascade")
    s = get_settings()
    s.ensure_dirs()
    return s


@pytest.fixture
def warehouse(backend_settings: Settings) -> Warehouse:
    """The warehouse of :func:`backend_settings`, raw schema created."""
    wh = Warehouse.from_settings(backend_settings)
    wh.ensure_raw_schema()
    return wh
