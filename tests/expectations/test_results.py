from __future__ import annotations

import json
from datetime import datetime

import pytest

from expectations import RECORD_COLUMNS, SuiteParams, run_suite
from tests.expectations import gx_frames

pytestmark = pytest.mark.unit


@pytest.fixture
def broken_result(sales, products):
    sales.loc[[3, 9], "quantity"] = [-5.0, -2.0]
    sales.loc[[4, 7], "discount"] = 15.0  # a percentage where a share belongs: a warning
    params = SuiteParams(today=gx_frames.TODAY, products=products, run_id="run-42")
    return run_suite("raw.sales", sales, params)


def test_records_have_the_documented_columns(broken_result):
    assert RECORD_COLUMNS == (
        "run_id",
        "asset",
        "suite",
        "expectation",
        "severity",
        "success",
        "unexpected_count",
        "unexpected_percent",
        "sample",
        "message",
        "checked_at",
    )
    records = broken_result.to_records()
    assert len(records) == len(broken_result.outcomes)
    for record in records:
        assert tuple(record) == RECORD_COLUMNS
        assert record["run_id"] == "run-42"
        assert record["asset"] == "raw.sales" and record["suite"] == "raw.sales"
        assert record["severity"] in ("critical", "warning")
        assert isinstance(record["checked_at"], datetime) and record["checked_at"].tzinfo
        assert len(json.loads(record["sample"])) <= 10
    frame = broken_result.to_frame()
    assert list(frame.columns) == list(RECORD_COLUMNS)
    assert frame["expectation"].is_unique


def test_failures_and_warnings_split_by_severity(broken_result):
    assert [o.name for o in broken_result.failures] == ["quantity_non_negative"]
    assert [o.name for o in broken_result.warnings] == ["discount_is_share"]
    assert not broken_result.passed_critical and not broken_result.success
    summary = broken_result.summary()
    assert summary["failed_critical"] == 1 and summary["failed_warning"] == 1
    assert len(summary["messages"]) == 2


def test_warnings_alone_do_not_block(sales, products):
    sales.loc[sales["date"] == sales["date"].max(), "discount"] = 20.0
    result = run_suite("raw.sales", sales, {"today": gx_frames.TODAY, "products": products})
    assert result.passed_critical and not result.success


def test_samples_are_capped_at_ten(sales):
    sales.loc[:50, "quantity"] = -1.0
    outcome = run_suite("raw.sales", sales, {"today": gx_frames.TODAY}).outcome(
        "quantity_non_negative"
    )
    assert outcome.unexpected_count == 51 and len(outcome.sample) == 10


def test_passing_outcomes_have_no_sample_and_say_passed(sales):
    result = run_suite("raw.sales", sales, {"today": gx_frames.TODAY})
    for outcome in result.outcomes:
        assert outcome.success and outcome.sample == ()
        assert ": passed" in outcome.message
