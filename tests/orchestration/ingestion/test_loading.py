import json
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from orchestration.ingestion import MissingColumnError, UnreadableFileError, ingest_entity
from orchestration.ingestion.loading import ingest_file
from orchestration.settings import Settings, SourceMapping, get_settings
from orchestration.warehouse import Warehouse
from tests.orchestration.ingestion.conftest import write_file

PRODUCTS = """
    sku,name,category,supplier_id,unit_cost,unit_price
    A,Apple,fruit,S1,0.5,1.0
    B,Banana,fruit,S1,0.2,0.4
"""


def _quarantine(wh: Warehouse) -> pd.DataFrame:
    return wh.read_table("raw", "quarantine").sort_values(["source_file", "source_row"])


@pytest.mark.integration
def test_bad_rows_are_quarantined_and_good_rows_loaded(
    backend_settings: Settings, warehouse: Warehouse
) -> None:
    incoming = backend_settings.incoming_dir
    write_file(incoming / "products.csv", PRODUCTS)
    write_file(
        incoming / "sales_2024-01.csv",
        """
        date,sku,quantity,promo
        2024-01-01,A,3,true
        2024-01-01,B,-1,false
        2024-01-02,A,x,
        2024-13-02,A,4,
        2024-01-03,C,4,
        2024-01-04,A,1,
        2024-01-04,A,2,
        2024-01-05,B,5,
        2024-01-05,B,5,
        2024-01-06,,5,
    """,
    )
    ingest_entity(warehouse, backend_settings, "products")
    result = ingest_entity(warehouse, backend_settings, "sales")
    (f,) = result.files
    assert (f.rows_read, f.rows_loaded, f.duplicates, f.rows_quarantined) == (10, 2, 1, 7)

    q = _quarantine(warehouse)
    got = list(zip(q["source_row"], q["column_name"], q["value"], q["reason"], strict=True))
    assert got == [
        (2, "quantity", "-1", "negative_value"),
        (3, "quantity", "x", "non_numeric"),
        (4, "date", "2024-13-02", "unparseable_date"),
        (5, "sku", "C", "unknown_sku"),
        (6, "date,sku,location", "2024-01-04|A|", "conflicting_duplicate_in_file"),
        (7, "date,sku,location", "2024-01-04|A|", "conflicting_duplicate_in_file"),
        (10, "sku", "", "missing_value"),
    ]
    assert set(q["source_file"]) == {"sales_2024-01.csv"}
    assert set(q["entity"]) == {"sales"}
    assert q["file_sha256"].str.len().eq(64).all()
    assert json.loads(q.iloc[1]["record"]) == {
        "date": "2024-01-02",
        "sku": "A",
        "quantity": "x",
        "promo": "",
    }
    sales = warehouse.read_table("raw", "sales").sort_values("_source_row")
    assert sales["_source_row"].tolist() == [1, 8]
    assert sales["location"].tolist() == ["", ""]
    ledger = warehouse.read_table("raw", "loaded_files", where={"entity": "sales"})
    assert ledger[["rows_read", "rows_loaded", "rows_quarantined"]].iloc[0].tolist() == [10, 2, 7]


@pytest.mark.integration
def test_same_file_twice_adds_nothing(backend_settings: Settings, warehouse: Warehouse) -> None:
    incoming = backend_settings.incoming_dir
    write_file(incoming / "sales.csv", "date,sku,quantity\n2024-01-01,A,1\n2024-01-02,A,-2")
    first = ingest_entity(warehouse, backend_settings, "sales")
    shutil.copy(incoming / "sales.csv", incoming / "sales_copy.csv")  # same bytes, new name
    second = ingest_entity(warehouse, backend_settings, "sales")
    assert len(first.loaded) == 1
    assert [f.skipped for f in second.files] == [True, True]
    assert warehouse.row_count("raw", "sales") == 1
    assert warehouse.row_count("raw", "quarantine") == 1
    assert warehouse.row_count("raw", "loaded_files") == 1


@pytest.mark.integration
def test_second_sales_file_appends_only_new_days(
    backend_settings: Settings, warehouse: Warehouse
) -> None:
    incoming = backend_settings.incoming_dir
    write_file(
        incoming / "sales_1.csv.gz",
        """
        date,sku,quantity
        2024-01-01,A,1
        2024-01-02,A,2
    """,
    )
    ingest_entity(warehouse, backend_settings, "sales")
    # A cumulative re-export: the old days again (one of them corrected), plus a new day.
    write_file(
        incoming / "sales_2.csv.gz",
        """
        date,sku,quantity
        2024-01-01,A,1
        2024-01-02,A,20
        2024-01-03,A,3
    """,
    )
    result = ingest_entity(warehouse, backend_settings, "sales")
    (f,) = result.loaded
    assert (f.rows_read, f.rows_loaded, f.duplicates, f.rows_quarantined) == (3, 1, 1, 1)
    sales = warehouse.read_table("raw", "sales").sort_values("date")
    assert sales["quantity"].tolist() == [1.0, 2.0, 3.0]  # the loaded row wins
    assert sales["_source_file"].tolist() == ["sales_1.csv.gz"] * 2 + ["sales_2.csv.gz"]
    q = warehouse.read_table("raw", "quarantine").iloc[0]
    assert q["reason"] == "conflicts_with_loaded_row"
    assert (q["source_file"], q["source_row"]) == ("sales_2.csv.gz", 2)
    assert "already loaded from sales_1.csv.gz row 2" in q["value"]
    assert json.loads(q["record"])["quantity"] == "20"


@pytest.mark.integration
@pytest.mark.parametrize("one_transaction", [True, False], ids=["one_transaction", "per_chunk"])
def test_conflicting_key_across_chunks_of_one_file_quarantines_all_its_rows(
    backend_settings: Settings, warehouse: Warehouse, one_transaction: bool
) -> None:
    """Per-chunk commits (forecast-eval's scratch warehouse) load the same rows: a key
    contradicted in a later chunk is still quarantined everywhere."""
    path = write_file(
        backend_settings.incoming_dir / "sales.csv",
        """
        date,sku,quantity
        2024-01-01,A,1
        2024-01-02,A,2
        2024-01-03,A,3
        2024-01-01,A,9
        2024-01-02,A,2
        2024-01-01,A,1
    """,
    )
    f = ingest_file(warehouse, "sales", path, chunk_rows=2, one_transaction=one_transaction)
    assert (f.rows_read, f.rows_loaded, f.duplicates, f.rows_quarantined) == (6, 2, 1, 3)
    q = _quarantine(warehouse)
    assert q["source_row"].tolist() == [1, 4, 6]
    assert set(q["reason"]) == {"conflicting_duplicate_in_file"}
    assert sorted(warehouse.read_table("raw", "sales")["_source_row"]) == [2, 3]
    assert warehouse.file_loaded(f.sha256)


@pytest.mark.integration
def test_per_chunk_commits_keep_chunks_before_a_malformed_line_but_no_ledger_entry(
    backend_settings: Settings, warehouse: Warehouse
) -> None:
    incoming = backend_settings.incoming_dir
    good = "".join(f"2024-02-0{d},B,1\n" for d in (1, 2, 3))
    (incoming / "sales_b.csv").write_text("date,sku,quantity\n" + good + "2024-02-04,B,1,extra\n")
    with pytest.raises(UnreadableFileError, match=r"sales_b\.csv: malformed CSV"):
        ingest_file(
            warehouse, "sales", incoming / "sales_b.csv", chunk_rows=2, one_transaction=False
        )
    loaded = warehouse.read_table("raw", "sales", where={"sku": "B"})
    assert len(loaded) == 2  # the first chunk was committed before the bad line was read
    assert warehouse.row_count("raw", "loaded_files") == 0  # but the file is not recorded


@pytest.mark.integration
def test_unreadable_file_or_missing_column_raises_and_writes_nothing(
    backend_settings: Settings, warehouse: Warehouse
) -> None:
    incoming = backend_settings.incoming_dir
    write_file(incoming / "sales_a.csv", "date,sku,qty\n2024-01-01,A,1")
    with pytest.raises(MissingColumnError, match=r"sales_a\.csv: required column 'quantity'"):
        ingest_entity(warehouse, backend_settings, "sales")
    (incoming / "sales_a.csv").unlink()
    bad = "date,sku,quantity\n" + "2024-01-01,A,1\n" * 3 + "2024-01-02,A,1,extra\n"
    (incoming / "sales_b.csv").write_text(bad)
    with pytest.raises(UnreadableFileError, match=r"sales_b\.csv: malformed CSV.*line 5"):
        ingest_file(warehouse, "sales", incoming / "sales_b.csv", chunk_rows=2)
    assert warehouse.row_count("raw", "sales") == 0  # the first chunk was rolled back
    assert warehouse.row_count("raw", "loaded_files") == 0


@pytest.mark.integration
def test_xlsx_with_sheet_and_mapping(stockcast_home: Path) -> None:
    (stockcast_home / "stockcast.yaml").write_text(
        "sources:\n"
        "  - entity: sales\n"
        "    pattern: 'erp_export*.xlsx'\n"
        "    sheet: Sales\n"
        "    columns: {date: Datum, sku: Artikel, quantity: Menge}\n"
        "    constants: {location: Berlin}\n"
    )
    settings = get_settings()
    settings.ensure_dirs()
    with pd.ExcelWriter(settings.incoming_dir / "erp_export_2024.xlsx") as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="Cover", index=False)
        pd.DataFrame(
            {
                "Datum": pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-03"]),
                "Artikel": ["A-1", "A-1", "A-2"],
                "Menge": [3, -4, 2.5],
            }
        ).to_excel(writer, sheet_name="Sales", index=False)
    wh = Warehouse.from_settings(settings)
    result = ingest_entity(wh, settings, "sales")
    assert result.files[0].rows_loaded == 2
    sales = wh.read_table("raw", "sales").sort_values("date")
    assert sales["sku"].tolist() == ["A-1", "A-2"]
    assert sales["location"].tolist() == ["Berlin", "Berlin"]
    assert sales["quantity"].tolist() == [3.0, 2.5]
    q = wh.read_table("raw", "quarantine").iloc[0]
    assert (q["source_file"], q["source_row"], q["column_name"], q["reason"]) == (
        "erp_export_2024.xlsx",
        2,
        "quantity",
        "negative_value",
    )


@pytest.mark.integration
def test_missing_optional_files_give_a_warning_not_an_error(settings: Settings) -> None:
    wh = Warehouse.from_settings(settings)
    result = ingest_entity(wh, settings, "suppliers")
    assert result.files == []
    assert "no suppliers file" in result.warning
    assert "defaults" in result.warning


@pytest.mark.integration
@pytest.mark.slow
def test_real_store_item_file_through_the_mapping(
    backend_settings: Settings, store_item_sales_path: Path
) -> None:
    config = backend_settings.config_path
    config.write_text(
        "sources:\n"
        "  - entity: sales\n"
        "    pattern: 'train*.csv.gz'\n"
        "    columns: {sku: 'S{store:02d}-I{item:02d}', quantity: sales}\n"
    )
    settings = get_settings()
    (settings.incoming_dir / "train.csv.gz").symlink_to(store_item_sales_path)
    wh = Warehouse.from_settings(settings)
    started = time.perf_counter()
    result = ingest_entity(wh, settings, "sales")
    elapsed = time.perf_counter() - started
    (f,) = result.files
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (913_000, 913_000, 0)
    assert f.duplicates == 0
    assert wh.row_count("raw", "sales") == 913_000
    skus = wh.read_table("raw", "sales", ["sku"], where={"date": "2017-12-31"})["sku"]
    assert skus.nunique() == 500
    assert {"S01-I01", "S10-I50"} <= set(skus)
    print(f"store-item ingest on {wh.kind}: {elapsed:.1f}s")
    assert ingest_entity(wh, settings, "sales").files[0].skipped


@pytest.mark.integration
def test_mapping_override_applies_only_to_matching_files(settings: Settings) -> None:
    mapping = SourceMapping("sales", "pos_*.csv", columns={"quantity": "units"})
    path = write_file(settings.incoming_dir / "pos_1.csv", "date,sku,units\n2024-01-01,A,2")
    wh = Warehouse.from_settings(settings)
    wh.ensure_raw_schema()
    assert ingest_file(wh, "sales", path, mapping).rows_loaded == 1
    assert wh.read_table("raw", "sales")["quantity"].tolist() == [2.0]
