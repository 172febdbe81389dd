from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.pipeline.sensors import incoming_files_sensor

pytestmark = pytest.mark.unit


def _evaluate(cursor: str | None) -> dg.SensorResult:
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, cursor=cursor)
        return incoming_files_sensor(context)


def test_sensor_requests_one_run_per_new_state_of_incoming(stockcast_home: Path) -> None:
    incoming = stockcast_home / "incoming"
    incoming.mkdir()
    assert not _evaluate(None).run_requests

    (incoming / "sales_2024.csv").write_text("date,sku,quantity\n2024-01-01,A,1\n")
    (incoming / "notes.txt").write_text("not a raw file")
    first = _evaluate(None)
    assert len(first.run_requests) == 1
    cursor = first.cursor

    unchanged = _evaluate(cursor)
    assert not unchanged.run_requests

    (incoming / "sales_2025.csv").write_text("date,sku,quantity\n2025-01-01,A,2\n")
    changed = _evaluate(cursor)
    assert len(changed.run_requests) == 1
    assert changed.cursor != cursor
    assert changed.run_requests[0].run_key == changed.cursor


def test_files_outside_the_contract_do_not_trigger(stockcast_home: Path) -> None:
    incoming = stockcast_home / "incoming"
    incoming.mkdir()
    (incoming / "readme.md").write_text("hello")
    assert not _evaluate(None).run_requests
