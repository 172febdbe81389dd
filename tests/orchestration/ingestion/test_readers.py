import json
from pathlib import Path

import pandas as pd
import pytest

from orchestration.ingestion.contract import contract_for
from orchestration.ingestion.readers import (
    IngestionError,
    MappingPlan,
    MissingColumnError,
    UnreadableFileError,
    read_chunks,
)
from orchestration.settings import SourceMapping
from tests.orchestration.ingestion.conftest import write_file

pytestmark = pytest.mark.unit

SALES = contract_for("sales")


def _plan(path: Path, mapping: SourceMapping | None = None) -> MappingPlan:
    first = next(read_chunks(path))
    mapping = mapping or SourceMapping(entity="sales", pattern="*")
    return MappingPlan.build(path, list(first.frame.columns), SALES, mapping)


def test_malformed_csv_names_the_file_and_line(tmp_path: Path) -> None:
    path = write_file(
        tmp_path / "sales_bad.csv",
        """
        date,sku,quantity
        2024-01-01,A,1
        2024-01-02,A,2,surplus,fields
    """,
    )
    with pytest.raises(UnreadableFileError, match=r"sales_bad\.csv: malformed CSV.*line 3"):
        list(read_chunks(path))


def test_empty_and_corrupt_files_raise_clear_errors(tmp_path: Path) -> None:
    empty = tmp_path / "sales_empty.csv"
    empty.write_text("")
    with pytest.raises(UnreadableFileError, match=r"sales_empty\.csv: the file is empty"):
        list(read_chunks(empty))
    corrupt = tmp_path / "sales_corrupt.csv.gz"
    corrupt.write_bytes(b"this is not gzip")
    with pytest.raises(UnreadableFileError, match=r"sales_corrupt\.csv\.gz: cannot read"):
        list(read_chunks(corrupt))
    fake_xlsx = tmp_path / "sales.xlsx"
    fake_xlsx.write_text("date,sku\n")
    with pytest.raises(UnreadableFileError, match=r"sales\.xlsx: not a readable XLSX"):
        list(read_chunks(fake_xlsx))


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    path = write_file(
        tmp_path / "sales_1.csv",
        """
        date,sku,qty
        2024-01-01,A,1
    """,
    )
    with pytest.raises(MissingColumnError, match=r"sales_1\.csv: required column 'quantity'") as e:
        _plan(path)
    assert e.value.column == "quantity"
    assert e.value.file.endswith("sales_1.csv")


def test_missing_mapped_source_column_names_it(tmp_path: Path) -> None:
    path = write_file(
        tmp_path / "train.csv",
        """
        date,store,sales
        2024-01-01,1,3
    """,
    )
    mapping = SourceMapping(
        "sales", "train*.csv", columns={"sku": "S{store:02d}-I{item:02d}", "quantity": "sales"}
    )
    with pytest.raises(MissingColumnError, match=r"train\.csv: column 'item'.*sku") as e:
        _plan(path, mapping)
    assert e.value.column == "item"


def test_mapping_to_an_unknown_contract_column_is_rejected(tmp_path: Path) -> None:
    path = write_file(tmp_path / "s.csv", "date,sku,quantity\n2024-01-01,A,1")
    bad = SourceMapping("sales", "s.csv", columns={"qty": "quantity"})
    with pytest.raises(IngestionError, match=r"unknown contract column\(s\) \['qty'\]"):
        _plan(path, bad)


def test_template_mapping_is_formatted_per_row(tmp_path: Path) -> None:
    path = write_file(
        tmp_path / "train.csv",
        """
        date,store,item,sales
        2024-01-01,1,7,13
        2024-01-01,10,7,4
        2024-01-02,1,7.0,5
        2024-01-02,x,7,5
    """,
    )
    mapping = SourceMapping(
        "sales",
        "train*",
        columns={"sku": "S{store:02d}-I{item:02d}", "quantity": "sales"},
        constants={"location": "Berlin"},
    )
    chunk = next(read_chunks(path))
    plan = MappingPlan.build(path, list(chunk.frame.columns), SALES, mapping)
    frame, errors = plan.apply(chunk.frame)
    assert frame["sku"].tolist() == ["S01-I07", "S10-I07", "S01-I07", ""]
    assert frame["quantity"].tolist() == ["13", "4", "5", "5"]
    assert set(frame["location"]) == {"Berlin"}
    failed, inputs = errors["sku"]
    assert failed.tolist() == [False, False, False, True]
    assert "store='x'" in inputs[3]


def test_semicolon_gzip_and_bom_are_read(tmp_path: Path) -> None:
    path = tmp_path / "sales_eu.csv.gz"
    import gzip

    with gzip.open(path, "wt", encoding="utf-8-sig") as fh:
        fh.write("date;sku;quantity\n2024-01-01;Ä-1;2\n")
    chunk = next(read_chunks(path))
    assert list(chunk.frame.columns) == ["date", "sku", "quantity"]
    assert chunk.frame.iloc[0].tolist() == ["2024-01-01", "Ä-1", "2"]


def test_chunks_are_bounded_and_numbered_from_one(tmp_path: Path) -> None:
    lines = "\n".join(f"2024-01-{d:02d},A,{d}" for d in range(1, 11))
    path = write_file(tmp_path / "sales.csv", "date,sku,quantity\n" + lines)
    chunks = list(read_chunks(path, chunk_rows=4))
    assert [len(c.frame) for c in chunks] == [4, 4, 2]
    assert [c.first_row for c in chunks] == [1, 5, 9]
    assert chunks[2].source_rows.tolist() == [9, 10]


def test_xlsx_sheet_is_read_and_missing_sheet_is_named(tmp_path: Path) -> None:
    path = tmp_path / "erp_export.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(writer, sheet_name="Info", index=False)
        pd.DataFrame(
            {
                "Datum": pd.to_datetime(["2024-03-01", "2024-03-02"]),
                "Artikel": ["A-1", "A-2"],
                "Menge": [3, 4.5],
            }
        ).to_excel(writer, sheet_name="Sales", index=False)
    chunk = next(read_chunks(path, sheet="Sales"))
    mapping = SourceMapping(
        "sales",
        "erp*.xlsx",
        sheet="Sales",
        columns={"date": "Datum", "sku": "Artikel", "quantity": "Menge"},
    )
    plan = MappingPlan.build(path, list(chunk.frame.columns), SALES, mapping)
    frame, _ = plan.apply(chunk.frame)
    assert frame["sku"].tolist() == ["A-1", "A-2"]
    assert frame["date"].str[:10].tolist() == ["2024-03-01", "2024-03-02"]
    assert [float(q) for q in frame["quantity"]] == [3.0, 4.5]
    with pytest.raises(UnreadableFileError, match=r"erp_export\.xlsx: sheet 'Verkauf' not found"):
        list(read_chunks(path, sheet="Verkauf"))
    assert json.dumps(chunk.frame.iloc[0].to_dict())  # every cell is text


def test_extra_field_on_the_first_data_line_is_an_error_not_a_shift(tmp_path: Path) -> None:
    """pandas took the first column as the index when the first data line had one field
    more than the header: every value moved one column left and the dates were lost."""
    path = write_file(
        tmp_path / "sales_extra.csv",
        """
        date,sku,quantity
        2024-01-01,A,1,x
        2024-01-02,A,2,y
    """,
    )
    with pytest.raises(UnreadableFileError, match=r"sales_extra\.csv: malformed CSV.*line 2 "):
        list(read_chunks(path))


def test_trailing_delimiter_on_every_data_line_keeps_the_columns(tmp_path: Path) -> None:
    path = write_file(
        tmp_path / "sales_trailing.csv",
        """
        date,sku,quantity
        2024-01-01,A,1,
        2024-01-02,A,2,
    """,
    )
    (chunk,) = read_chunks(path)
    assert list(chunk.frame.columns) == ["date", "sku", "quantity"]
    assert chunk.frame.values.tolist() == [["2024-01-01", "A", "1"], ["2024-01-02", "A", "2"]]
