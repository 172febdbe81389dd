"""The loader: public-schema quirks are normalised, bad rows are quarantined with reasons."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import pandas as pd
import pytest

from ml.backorder import BackorderSchemaError, load_backorder_csv, parse_backorder_frame
from ml.backorder.loader import PUBLIC_COLUMNS

pytestmark = pytest.mark.unit

HEADER = ",".join(PUBLIC_COLUMNS)
# sku, national_inv, lead_time, in_transit, f3, f6, f9, s1, s3, s6, s9, min_bank,
# potential_issue, pieces_past_due, perf6, perf12, local_bo, deck, oe, ppap, stop, rev, label
GOOD = [
    "1026827,0,,0,0,0,0,0,0,0,0,0,No,0,-99.0,-99.0,0,No,No,No,Yes,No,No",
    "1043384,2,9.0,0,0,0,0,0,0,0,0,0,No,0,0.99,0.99,0,No,No,No,Yes,No,No",
    "1043696,-3,8.0,0,10.0,20,30,1,3,6,9,2.0,Yes,0,0.5,0.6,1,Yes,No,Yes,No,No,Yes",
]


def write(path: Path, lines: list[str], footer: str | None = None) -> Path:
    text = "\n".join([HEADER, *lines, *([footer] if footer else [])]) + "\n"
    if path.suffix == ".gz":
        with gzip.open(path, "wt") as handle:
            handle.write(text)
    else:
        path.write_text(text)
    return path


def test_normalises_public_quirks(tmp_path: Path) -> None:
    result = load_backorder_csv(write(tmp_path / "bo.csv", GOOD))
    frame = result.frame
    assert len(frame) == 3 and result.quarantine.empty
    assert list(frame.index) == [1, 2, 3]  # source row numbers
    first, third = frame.loc[1], frame.loc[3]
    assert math.isnan(first["lead_time"])  # blank lead time -> unknown
    assert math.isnan(first["perf_6_month_avg"]) and math.isnan(first["perf_12_month_avg"])
    assert third["forecast_3_month"] == 10 and third["min_bank"] == 2  # "10.0" -> 10
    assert third["national_inv"] == -3  # owed stock may be negative
    assert third["potential_issue"] == 1 and third["went_on_backorder"] == 1
    assert first["stop_auto_buy"] == 1 and first["deck_risk"] == 0
    assert frame["sku"].tolist() == ["1026827", "1043384", "1043696"]


@pytest.mark.parametrize("name", ["bo.csv", "bo.csv.gz"])
def test_tolerates_trailing_footer_in_csv_and_gz(tmp_path: Path, name: str) -> None:
    result = load_backorder_csv(write(tmp_path / name, GOOD, footer="(3 rows)"))
    assert len(result.frame) == 3
    assert result.quarantine.empty
    assert result.footer == "(3 rows)"


def test_footer_across_chunk_boundary(tmp_path: Path) -> None:
    path = write(tmp_path / "bo.csv", GOOD + GOOD[:1], footer="(4 rows)")
    result = load_backorder_csv(path, chunk_rows=2)
    assert len(result.frame) == 4 and result.quarantine.empty
    assert list(result.frame.index) == [1, 2, 3, 4]


def test_footer_in_the_middle_is_not_tolerated(tmp_path: Path) -> None:
    path = write(tmp_path / "bo.csv", [GOOD[0], "(1 rows)" + "," * 22, GOOD[1]])
    result = load_backorder_csv(path)
    assert len(result.frame) == 2
    assert set(result.quarantine["row_number"]) == {2}
    assert result.footer is None


def test_bad_rows_are_quarantined_with_reasons(tmp_path: Path) -> None:
    bad = [
        GOOD[0],
        GOOD[1].replace("1043384,2,", "1043384,two,"),  # row 2: text in a number
        GOOD[2].replace(",Yes,0,0.5", ",Maybe,0,0.5"),  # row 3: invalid flag
        "," + GOOD[1].split(",", 1)[1],  # row 4: missing sku
        GOOD[1].replace(",9.0,0,", ",9.0,-5,"),  # row 5: negative in-transit quantity
        GOOD[1].replace("0.99,0.99", "1.5,0.99"),  # row 6: performance out of range
        GOOD[1].replace(",9.0,", ",-1,"),  # row 7: negative lead time
    ]
    result = load_backorder_csv(write(tmp_path / "bad.csv", bad))
    assert list(result.frame.index) == [1]
    q = result.quarantine.set_index("row_number")
    assert list(result.quarantine.columns) == [
        "source",
        "row_number",
        "sku",
        "column",
        "value",
        "reason",
    ]
    assert (result.quarantine["source"] == "bad.csv").all()
    expected = {
        2: ("national_inv", "two", "not a number"),
        3: ("potential_issue", "Maybe", "invalid flag (expected Yes/No)"),
        4: ("sku", "", "missing sku"),
        5: ("in_transit_qty", "-5", "negative quantity"),
        6: ("perf_6_month_avg", "1.5", "performance outside [0, 1]"),
        7: ("lead_time", "-1", "negative lead time"),
    }
    for row, (column, value, reason) in expected.items():
        got = q.loc[[row]]
        assert len(got) == 1, got
        assert (got["column"].item(), got["value"].item(), got["reason"].item()) == (
            column,
            value,
            reason,
        )
    assert q.loc[[2], "sku"].item() == "1043384"


def test_every_problem_of_a_row_is_listed(tmp_path: Path) -> None:
    line = GOOD[1].replace("1043384,2,", "1043384,x,").replace(",No,0,0.99", ",nope,0,0.99")
    result = load_backorder_csv(write(tmp_path / "bo.csv", [line]))
    assert result.frame.empty
    assert sorted(result.quarantine["column"]) == ["national_inv", "potential_issue"]


def test_missing_column_names_file_and_column(tmp_path: Path) -> None:
    path = tmp_path / "no_lead.csv"
    frame = pd.read_csv(write(tmp_path / "full.csv", GOOD))
    frame.drop(columns=["lead_time"]).to_csv(path, index=False)
    with pytest.raises(BackorderSchemaError, match=r"no_lead\.csv.*lead_time"):
        load_backorder_csv(path)


def test_target_optional_for_scoring_files(tmp_path: Path) -> None:
    path = tmp_path / "score.csv"
    pd.read_csv(write(tmp_path / "full.csv", GOOD)).drop(columns=["went_on_backorder"]).to_csv(
        path, index=False
    )
    with pytest.raises(BackorderSchemaError, match="went_on_backorder"):
        load_backorder_csv(path)
    result = load_backorder_csv(path, require_target=False)
    assert len(result.frame) == 3 and "went_on_backorder" not in result.frame


def test_parse_frame_accepts_already_typed_values() -> None:
    raw = pd.read_csv(pd.io.common.StringIO("\n".join([HEADER, *GOOD])))
    result = parse_backorder_frame(raw)
    assert len(result.frame) == 3 and result.quarantine.empty


def test_real_sample_head_with_footer(tmp_path: Path, backorder_sample_path: Path) -> None:
    with gzip.open(backorder_sample_path, "rt") as handle:
        lines = [next(handle).rstrip("\n") for _ in range(2001)]
    path = tmp_path / "real.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("\n".join([*lines, "(2000 rows)"]) + "\n")
    result = load_backorder_csv(path)
    assert len(result.frame) == 2000 and result.quarantine.empty
    assert result.frame["perf_6_month_avg"].min() >= 0  # -99 became missing
    assert result.frame["lead_time"].isna().any()
    assert set(result.frame["went_on_backorder"].unique()) <= {0, 1}


def test_duplicate_index_falls_back_to_positions() -> None:
    raw = pd.read_csv(pd.io.common.StringIO("\n".join([HEADER, *GOOD])), dtype=str)
    raw.index = [0, 0, 0]
    raw.loc[:, "deck_risk"] = ["No", "Perhaps", "No"]
    result = parse_backorder_frame(raw)
    assert list(result.frame.index) == [1, 3]
    assert result.quarantine["row_number"].tolist() == [2]
