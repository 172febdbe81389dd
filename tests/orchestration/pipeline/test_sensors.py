"""The incoming-files sensor: one run per state of the folder that brings unloaded content."""

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.pipeline import sensors
from orchestration.defs.pipeline.sensors import incoming_files_sensor, incoming_fingerprint
from orchestration.ingestion import ingest_entity
from orchestration.settings import get_settings
from orchestration.warehouse import Warehouse

from ..duckdb_lock import writer_in_another_process as duckdb_writer

PRODUCTS = "sku,name,category,supplier_id,unit_cost,unit_price\nA,Apple,fruit,S1,0.5,1.0\n"
SALES = "date,sku,quantity\n2024-01-01,A,1\n2024-01-02,A,3\n"


def _evaluate(cursor: str | None) -> dg.SensorResult:
    # No Dagster instance: the sensor never reads one, and making one costs ~2 s a tick.
    return incoming_files_sensor(dg.build_sensor_context(cursor=cursor))


def _skip_reason(result: dg.SensorResult) -> str:
    assert result.skip_reason is not None
    return result.skip_reason.skip_message or ""


@pytest.fixture
def incoming(stockcast_home: Path) -> Path:
    """The temporary home's incoming folder, created (the warehouse is not)."""
    path = stockcast_home / "incoming"
    path.mkdir()
    return path


def _ingest(incoming: Path) -> Path:
    """Products and sales in the incoming folder, ingested for real, as `stockcast run` does."""
    (incoming / "products.csv").write_text(PRODUCTS)
    (incoming / "sales_2024.csv").write_text(SALES)
    settings = get_settings()
    warehouse = Warehouse.from_settings(settings)
    for entity in ("products", "sales"):
        (result,) = ingest_entity(warehouse, settings, entity).files
        assert not result.skipped
    return incoming


@pytest.fixture
def loaded(incoming: Path) -> Path:
    """The incoming folder with products and sales loaded into the DuckDB warehouse."""
    return _ingest(incoming)


@pytest.fixture
def writer_in_another_process(loaded: Path) -> Iterator[None]:
    """Another process holds the DuckDB warehouse open read-write, as a running refresh does."""
    with duckdb_writer(get_settings().duckdb_path):
        yield


@pytest.mark.unit
def test_sensor_requests_one_run_per_new_state_of_incoming(incoming: Path) -> None:
    assert not _evaluate(None).run_requests

    (incoming / "sales_2024.csv").write_text("date,sku,quantity\n2024-01-01,A,1\n")
    (incoming / "notes.txt").write_text("not a raw file")
    first = _evaluate(None)
    assert len(first.run_requests) == 1
    cursor = first.cursor
    assert cursor is not None and json.loads(cursor) == incoming_fingerprint()

    unchanged = _evaluate(cursor)
    assert not unchanged.run_requests
    assert _skip_reason(unchanged) == "incoming folder unchanged"

    (incoming / "sales_2025.csv").write_text("date,sku,quantity\n2025-01-01,A,2\n")
    changed = _evaluate(cursor)
    assert len(changed.run_requests) == 1
    assert changed.cursor != cursor
    state = hashlib.sha256(changed.cursor.encode()).hexdigest()
    assert changed.run_requests[0].run_key == state
    assert changed.run_requests[0].tags == {"stockcast/trigger": "incoming"}


@pytest.mark.unit
def test_files_outside_the_contract_do_not_trigger(incoming: Path) -> None:
    (incoming / "readme.md").write_text("hello")
    assert not _evaluate(None).run_requests


@pytest.mark.integration
@pytest.mark.parametrize(
    "cursor", [None, hashlib.sha256(b"old").hexdigest()], ids=["no cursor", "old hash cursor"]
)
def test_first_tick_after_a_run_skips_files_already_loaded(
    loaded: Path, cursor: str | None
) -> None:
    first = _evaluate(cursor)
    assert not first.run_requests
    assert _skip_reason(first) == "2 changed file(s) already loaded"
    assert first.cursor is not None and json.loads(first.cursor) == incoming_fingerprint()
    assert _skip_reason(_evaluate(first.cursor)) == "incoming folder unchanged"


@pytest.mark.integration
@pytest.mark.postgres
def test_postgres_ledger_is_read_too(
    incoming: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STOCKCAST_WAREHOUSE_URL", postgres_url)
    _ingest(incoming)
    first = _evaluate(None)
    assert _skip_reason(first) == "2 changed file(s) already loaded"
    (incoming / "sales_2025.csv").write_text("date,sku,quantity\n2025-01-01,A,2\n")
    assert len(_evaluate(first.cursor).run_requests) == 1


@pytest.mark.integration
def test_new_file_or_changed_content_requests_a_run(loaded: Path) -> None:
    cursor = _evaluate(None).cursor

    (loaded / "sales_2025.csv").write_text("date,sku,quantity\n2025-01-01,A,2\n")
    new_file = _evaluate(cursor)
    assert len(new_file.run_requests) == 1

    (loaded / "sales_2025.csv").unlink()
    (loaded / "sales_2024.csv").write_text(SALES + "2024-01-03,A,5\n")
    edited = _evaluate(cursor)
    assert len(edited.run_requests) == 1
    assert edited.run_requests[0].run_key != new_file.run_requests[0].run_key


@pytest.mark.integration
def test_touched_file_with_loaded_content_is_the_only_one_hashed_and_runs_nothing(
    loaded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cursor = _evaluate(None).cursor
    sales = loaded / "sales_2024.csv"
    stat = sales.stat()
    os.utime(sales, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))

    hashed: list[str] = []
    real_sha256 = sensors.file_sha256

    def counting_sha256(path: Path) -> str:
        hashed.append(path.name)
        return real_sha256(path)

    monkeypatch.setattr(sensors, "file_sha256", counting_sha256)
    touched = _evaluate(cursor)
    assert not touched.run_requests
    assert _skip_reason(touched) == "1 changed file(s) already loaded"
    assert touched.cursor != cursor
    assert hashed == ["sales_2024.csv"]

    hashed.clear()
    assert _skip_reason(_evaluate(touched.cursor)) == "incoming folder unchanged"
    assert hashed == []


@pytest.mark.integration
def test_removed_file_runs_nothing(loaded: Path) -> None:
    cursor = _evaluate(None).cursor
    (loaded / "sales_2024.csv").unlink()
    removed = _evaluate(cursor)
    assert not removed.run_requests
    assert removed.cursor is not None and "sales_2024.csv" not in json.loads(removed.cursor)


@pytest.mark.integration
@pytest.mark.usefixtures("writer_in_another_process")
def test_warehouse_locked_by_a_writer_falls_back_to_a_run(
    loaded: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    result = _evaluate(None)
    assert len(result.run_requests) == 1
    assert result.cursor is not None and json.loads(result.cursor) == incoming_fingerprint()
    assert "could not read the ledger (IOException" in capfd.readouterr().err  # context.log


@pytest.mark.integration
def test_warehouse_held_read_write_in_this_process_falls_back_to_a_run(loaded: Path) -> None:
    with duckdb.connect(str(get_settings().duckdb_path)):
        assert len(_evaluate(None).run_requests) == 1


@pytest.mark.unit
@pytest.mark.parametrize("warehouse", ["missing", "no ledger", "postgres unreachable"])
def test_unreadable_warehouse_falls_back_to_a_run(
    incoming: Path, monkeypatch: pytest.MonkeyPatch, warehouse: str
) -> None:
    settings = get_settings()
    if warehouse == "no ledger":
        settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
        duckdb.connect(str(settings.duckdb_path)).close()
    if warehouse == "postgres unreachable":
        monkeypatch.setenv("STOCKCAST_WAREHOUSE_URL", "postgresql://u:p@127.0.0.1:9/stockcast")
    (incoming / "sales_2024.csv").write_text(SALES)

    result = _evaluate(None)
    assert len(result.run_requests) == 1
    assert settings.duckdb_path.exists() == (warehouse == "no ledger")  # never created
