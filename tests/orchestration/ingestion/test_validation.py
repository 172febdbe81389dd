import json

import numpy as np
import pandas as pd
import pytest

from orchestration.ingestion.contract import contract_for
from orchestration.ingestion.validation import validate

pytestmark = pytest.mark.unit

SALES = contract_for("sales")


def _run(rows: list[dict[str, str]], known: set[str] | None = None):
    source = pd.DataFrame(rows, dtype=object)
    frame = source.reindex(columns=SALES.names, fill_value="")
    return validate(
        SALES,
        frame,
        source=source,
        source_rows=np.arange(1, len(source) + 1),
        source_file="sales.csv",
        file_sha256="abc",
        known_skus=known,
    )


def _only(result, reason: str) -> dict:
    rows = result.quarantine[result.quarantine["reason"] == reason]
    assert len(rows) == 1, result.quarantine
    return rows.iloc[0].to_dict()


def test_clean_rows_are_typed() -> None:
    result = _run([{"date": "2024-01-31", "sku": " A ", "quantity": "2.5", "promo": "Yes"}])
    row = result.clean.iloc[0]
    assert row["date"] == pd.Timestamp("2024-01-31")
    assert row["sku"] == "A"
    assert row["location"] == ""
    assert row["quantity"] == 2.5
    assert bool(row["promo"]) is True
    assert row["_source_row"] == 1
    assert result.quarantine.empty


@pytest.mark.parametrize(
    ("row", "column", "reason", "value"),
    [
        (
            {"date": "31/01/2024", "sku": "A", "quantity": "1"},
            "date",
            "unparseable_date",
            "31/01/2024",
        ),
        (
            {"date": "2024-02-30", "sku": "A", "quantity": "1"},
            "date",
            "unparseable_date",
            "2024-02-30",
        ),
        ({"date": "2024-01-01", "sku": "A", "quantity": "-3"}, "quantity", "negative_value", "-3"),
        (
            {"date": "2024-01-01", "sku": "A", "quantity": "three"},
            "quantity",
            "non_numeric",
            "three",
        ),
        (
            {"date": "2024-01-01", "sku": "A", "quantity": "1", "discount": "inf"},
            "discount",
            "non_numeric",
            "inf",
        ),
        ({"date": "2024-01-01", "sku": "", "quantity": "1"}, "sku", "missing_value", ""),
        ({"date": "2024-01-01", "sku": "A", "quantity": ""}, "quantity", "missing_value", ""),
        (
            {"date": "2024-01-01", "sku": "A", "quantity": "1", "promo": "maybe"},
            "promo",
            "invalid_boolean",
            "maybe",
        ),
    ],
)
def test_each_bad_value_is_quarantined_with_row_column_and_record(
    row: dict[str, str], column: str, reason: str, value: str
) -> None:
    good = {"date": "2024-01-05", "sku": "B", "quantity": "1"}
    result = _run([good, row])
    q = _only(result, reason)
    assert q["source_row"] == 2
    assert q["column_name"] == column
    assert q["value"] == value
    assert q["source_file"] == "sales.csv"
    assert q["file_sha256"] == "abc"
    assert q["entity"] == "sales"
    assert json.loads(q["record"]) == row
    assert result.clean["sku"].tolist() == ["B"]


def test_unknown_sku_only_when_products_are_known() -> None:
    rows = [
        {"date": "2024-01-01", "sku": "A", "quantity": "1"},
        {"date": "2024-01-01", "sku": "Z", "quantity": "1"},
    ]
    assert _run(rows, known=set()).quarantine.empty
    q = _only(_run(rows, known={"A"}), "unknown_sku")
    assert (q["source_row"], q["column_name"], q["value"]) == (2, "sku", "Z")


def test_conflicting_duplicates_quarantine_every_row_of_the_key() -> None:
    rows = [
        {"date": "2024-01-01", "sku": "A", "quantity": "1"},
        {"date": "2024-01-01", "sku": "A", "quantity": "2"},
        {"date": "2024-01-01", "sku": "A", "quantity": "1"},
        {"date": "2024-01-02", "sku": "A", "quantity": "7"},
        {"date": "2024-01-02", "sku": "A", "quantity": "7"},
    ]
    result = _run(rows)
    conflicts = result.quarantine[result.quarantine["reason"] == "conflicting_duplicate_in_file"]
    assert conflicts["source_row"].tolist() == [1, 2, 3]
    assert set(conflicts["column_name"]) == {"date,sku,location"}
    assert set(conflicts["value"]) == {"2024-01-01|A|"}
    assert result.clean["_source_row"].tolist() == [4]
    assert result.duplicates == 1


def test_a_row_is_quarantined_once_for_its_first_problem() -> None:
    result = _run([{"date": "bad", "sku": "", "quantity": "-1"}])
    assert len(result.quarantine) == 1
    assert result.quarantine.iloc[0]["reason"] == "unparseable_date"
    assert result.rows_quarantined == 1
