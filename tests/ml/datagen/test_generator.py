"""The sample data generator: file contract, determinism and the world it simulates.

One dataset (160 SKUs x 2 years) is generated per module and shared; the
determinism tests generate their own tiny ones.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ml.datagen import (
    ADI_CUTOFF,
    CONTRACT,
    CV2_CUTOFF,
    DEMAND_CLASSES,
    FILE_NAMES,
    TRUTH,
    generate,
)
from ml.datagen import writer as writer_module

pytestmark = pytest.mark.unit

N_SKUS, N_DAYS, SEED = 160, 730, 11


@dataclass
class Dataset:
    root: Path
    progress: list[tuple[int, int]]
    rows: dict[str, int]
    products: pd.DataFrame
    suppliers: pd.DataFrame
    sales: pd.DataFrame
    inventory: pd.DataFrame
    pos: pd.DataFrame
    profiles: pd.DataFrame
    truth: pd.DataFrame


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    root = tmp_path_factory.mktemp("datagen")
    calls: list[tuple[int, int]] = []
    summary = generate(
        root,
        n_skus=N_SKUS,
        n_days=N_DAYS,
        seed=SEED,
        chunk_skus=64,
        progress=lambda done, total: calls.append((done, total)),
    )
    dates = ["date"]
    return Dataset(
        root=root,
        progress=calls,
        rows=summary.rows,
        products=pd.read_csv(root / "products.csv"),
        suppliers=pd.read_csv(root / "suppliers.csv"),
        sales=pd.read_csv(root / "sales.csv.gz", parse_dates=dates),
        inventory=pd.read_csv(root / "inventory.csv.gz", parse_dates=dates),
        pos=pd.read_csv(
            root / "purchase_orders.csv.gz",
            parse_dates=["order_date", "expected_date", "received_date"],
        ),
        profiles=pd.read_csv(
            root / "truth" / "sku_profiles.csv", parse_dates=["intro_date", "discontinue_date"]
        ),
        truth=pd.read_csv(root / "truth" / "demand.csv.gz", parse_dates=dates),
    )


def _header(path: Path) -> list[str]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt") as fh:
        return fh.readline().rstrip("\n").split(",")


# -- contract ------------------------------------------------------------------------------


def test_every_file_has_the_contract_columns_in_order(data: Dataset) -> None:
    for key, name in FILE_NAMES.items():
        expected = CONTRACT.get(key) or TRUTH[key]
        assert _header(data.root / name) == expected, name
    assert not list(data.root.glob(".*partial")), "partial files must be renamed or removed"


def test_summary_and_progress_report_what_was_written(data: Dataset) -> None:
    assert data.rows["products"] == N_SKUS == len(data.products)
    assert data.rows["sales"] == len(data.sales)
    assert data.rows["inventory"] == len(data.inventory) == len(data.truth)
    assert data.rows["purchase_orders"] == len(data.pos)
    assert data.progress[-1] == (N_SKUS, N_SKUS)
    assert [done for done, _ in data.progress] == [64, 128, 160]


def test_master_data_is_complete_and_consistent(data: Dataset) -> None:
    products, suppliers = data.products, data.suppliers
    assert products["sku"].is_unique and suppliers["supplier_id"].is_unique
    assert len(suppliers) == max(3, round(0.05 * N_SKUS))
    assert set(products["supplier_id"]) <= set(suppliers["supplier_id"])
    assert products["category"].nunique() == 8
    assert (products["unit_cost"] < products["unit_price"]).all()
    assert (products["pack_size"] >= 1).all()
    # Shelf life is null for non-perishables and positive otherwise.
    shelf = products["shelf_life_days"]
    assert shelf.isna().any() and (shelf.dropna() > 0).all()
    # Price bands differ by category.
    medians = products.groupby("category")["unit_price"].median()
    assert medians["electronics"] > 5 * medians["grocery"]
    assert (suppliers["lead_time_days"] > 0).all() and (suppliers["min_order_qty"] >= 1).all()


def test_daily_files_have_iso_dates_unique_keys_and_nulls_where_expected(data: Dataset) -> None:
    with gzip.open(data.root / "sales.csv.gz", "rt") as fh:
        fh.readline()
        first = fh.readline().split(",")
    assert len(first[0]) == 10 and date.fromisoformat(first[0])
    assert first[-1] == "\n", "location is written as an empty field"
    sales, inventory = data.sales, data.inventory
    assert sales["location"].isna().all()
    assert set(sales["promo"].unique()) <= {0, 1}
    assert (sales["quantity"] > 0).all(), "zero-sale days are omitted, as ERP exports do"
    assert not sales.duplicated(["date", "sku"]).any()
    assert not inventory.duplicated(["date", "sku"]).any()
    assert (sales.loc[sales["promo"] == 1, "discount"] > 0).all()
    assert (sales.loc[sales["promo"] == 0, "discount"] == 0).all()
    assert data.pos["po_id"].is_unique


# -- determinism ---------------------------------------------------------------------------


def _files(root: Path) -> dict[str, bytes]:
    return {name: (root / name).read_bytes() for name in FILE_NAMES.values()}


def test_same_seed_writes_the_same_bytes_whatever_the_chunk_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small compressor blocks so that the fixed-block path is exercised on small files.
    monkeypatch.setattr(writer_module, "BLOCK_BYTES", 4096)
    generate(tmp_path / "a", n_skus=30, n_days=200, seed=5, chunk_skus=30)
    generate(tmp_path / "b", n_skus=30, n_days=200, seed=5, chunk_skus=30)
    generate(tmp_path / "c", n_skus=30, n_days=200, seed=5, chunk_skus=7)
    a, b, c = (_files(tmp_path / x) for x in "abc")
    assert a == b
    assert a == c
    assert len(a["sales.csv.gz"]) > 4 * 4096


def test_another_seed_writes_another_world(tmp_path: Path) -> None:
    generate(tmp_path / "a", n_skus=20, n_days=150, seed=1)
    generate(tmp_path / "b", n_skus=20, n_days=150, seed=2)
    assert _files(tmp_path / "a")["sales.csv.gz"] != _files(tmp_path / "b")["sales.csv.gz"]


def test_a_sku_does_not_depend_on_how_many_skus_follow_it(tmp_path: Path) -> None:
    # The supplier base grows with the SKU count, so compare demand, not purchase orders.
    generate(tmp_path / "a", n_skus=10, n_days=150, seed=9)
    generate(tmp_path / "b", n_skus=25, n_days=150, seed=9)
    small = pd.read_csv(tmp_path / "a" / "truth" / "demand.csv.gz")
    large = pd.read_csv(tmp_path / "b" / "truth" / "demand.csv.gz")
    large = large[large["sku"].isin(small["sku"])].reset_index(drop=True)
    pd.testing.assert_series_equal(small["demand"], large["demand"])


# -- demand --------------------------------------------------------------------------------


def _measured(truth: pd.DataFrame) -> pd.DataFrame:
    """Syntetos-Boylan ADI and CV^2 of each SKU's true demand over its life."""
    nonzero = truth[truth["demand"] > 0].groupby("sku")["demand"]
    days = truth.groupby("sku").size()
    out = pd.DataFrame(
        {"adi": days / nonzero.size(), "cv2": (nonzero.std(ddof=0) / nonzero.mean()) ** 2}
    )
    return out.dropna()


def test_demand_classes_land_in_their_syntetos_boylan_quadrant(data: Dataset) -> None:
    measured = _measured(data.truth).join(data.profiles.set_index("sku")["demand_class"])
    intermittent = measured["adi"] >= ADI_CUTOFF
    variable = measured["cv2"] >= CV2_CUTOFF
    quadrant = np.select(
        [~intermittent & ~variable, ~intermittent & variable, intermittent & ~variable],
        ["smooth", "erratic", "intermittent"],
        "lumpy",
    )
    hit = (quadrant == measured["demand_class"]).groupby(measured["demand_class"]).mean()
    assert set(hit.index) == set(DEMAND_CLASSES)
    assert (hit >= 0.8).all(), hit.to_dict()
    shares = data.profiles["demand_class"].value_counts(normalize=True)
    assert 0.25 < shares["smooth"] < 0.55 and shares["lumpy"] > 0.05


def test_weekly_seasonality_and_promotions_show_in_sales(data: Dataset) -> None:
    sales = data.sales.join(data.profiles.set_index("sku")["demand_class"], on="sku")
    smooth = sales[sales["demand_class"] == "smooth"]
    by_day = smooth.groupby(smooth["date"].dt.dayofweek)["quantity"].sum()
    assert by_day[5] > 1.2 * by_day[1], "Saturday sells more than Tuesday"
    per_sku = smooth.groupby(["sku", "promo"])["quantity"].mean().unstack().dropna()
    assert (per_sku[1] > per_sku[0]).mean() > 0.7, "promotions lift most SKUs' sales"


def test_prices_change_over_time(data: Dataset) -> None:
    regular = data.sales[data.sales["promo"] == 0]
    n_prices = regular.groupby("sku")["unit_price"].nunique()
    assert (n_prices >= 2).mean() > 0.5


# -- life cycle ----------------------------------------------------------------------------


def test_new_and_discontinued_products_sell_only_within_their_life(data: Dataset) -> None:
    profiles = data.profiles.set_index("sku")
    start = pd.Timestamp("2023-01-01")
    assert (profiles["intro_date"] > start).any(), "some products are introduced mid-history"
    assert profiles["discontinue_date"].notna().any(), "some products are discontinued"
    for frame in (data.sales, data.inventory, data.truth):
        life = frame.join(profiles[["intro_date", "discontinue_date"]], on="sku")
        ended = life["discontinue_date"].notna() & (life["date"] >= life["discontinue_date"])
        assert not (life["date"] < life["intro_date"]).any()
        assert not ended.any()
    first_sale = data.sales.groupby("sku")["date"].min()
    new = profiles.index[profiles["intro_date"] > start]
    assert (
        first_sale.reindex(new).dropna()
        >= profiles.loc[new, "intro_date"].reindex(first_sale.reindex(new).dropna().index)
    ).all()


def test_inventory_has_one_row_per_sku_per_active_day(data: Dataset) -> None:
    profiles = data.profiles.set_index("sku")
    end = profiles["discontinue_date"].fillna(
        pd.Timestamp("2023-01-01") + pd.Timedelta(days=N_DAYS)
    )
    expected = (end - profiles["intro_date"]).dt.days
    assert data.inventory.groupby("sku").size().reindex(expected.index).equals(expected)


# -- stock and censoring -------------------------------------------------------------------


def test_stockouts_censor_sales_and_unmet_demand_is_the_backorder(data: Dataset) -> None:
    truth = data.truth.merge(data.inventory, on=["date", "sku"], validate="one_to_one")
    assert (truth["sold"] <= truth["demand"]).all()
    assert (truth["unmet"] == truth["demand"] - truth["sold"]).all()
    assert (truth["unmet"] == truth["backordered_qty"]).all()
    short = truth["unmet"] > 0
    assert short.any()
    assert (truth.loc[short, "on_hand"] == 0).all(), "demand goes unmet only when stock ran out"
    assert (truth[["on_hand", "on_order", "in_transit"]] >= 0).all().all()
    assert (truth["in_transit"] <= truth["on_order"]).all()
    # Sales are exactly the days something was sold, with the sold quantity.
    sold = truth.loc[truth["sold"] > 0, ["date", "sku", "sold"]]
    merged = sold.merge(data.sales, on=["date", "sku"], how="outer", validate="one_to_one")
    assert (merged["sold"] == merged["quantity"]).all()


def test_some_but_not_all_skus_stock_out(data: Dataset) -> None:
    stocked_out = data.truth.groupby("sku")["unmet"].sum() > 0
    assert 0.2 < stocked_out.mean() < 0.95
    fill = data.profiles["fill_rate"]
    assert fill.median() > 0.85, "the planner is imperfect, not absent"


def test_stock_on_hand_balances_with_receipts_and_sales(data: Dataset) -> None:
    pos = data.pos.dropna(subset=["received_date"])
    receipts = pos.groupby(["sku", "received_date"])["received_quantity"].sum()
    receipts.index = receipts.index.set_names(["sku", "date"])
    inv = data.inventory.merge(data.truth, on=["date", "sku"]).sort_values(["sku", "date"])
    inv = inv.join(receipts, on=["sku", "date"])
    inv["received_quantity"] = inv["received_quantity"].fillna(0)
    previous = inv.groupby("sku")["on_hand"].shift()
    check = inv[previous.notna()]
    expected = previous[previous.notna()] + check["received_quantity"] - check["sold"]
    assert (check["on_hand"] == expected).all()


def test_on_order_is_the_open_purchase_order_quantity(data: Dataset) -> None:
    pos = data.pos
    inv = data.inventory.sample(n=2000, random_state=0)
    joined = inv.merge(pos, on="sku")
    is_open = (joined["order_date"] <= joined["date"]) & (
        joined["received_date"].isna() | (joined["received_date"] > joined["date"])
    )
    open_qty = joined["quantity"].where(is_open, 0).groupby([joined["date"], joined["sku"]]).sum()
    got = inv.set_index(["date", "sku"])["on_order"]
    assert (open_qty.reindex(got.index, fill_value=0) == got).all()


# -- suppliers and purchase orders ---------------------------------------------------------


def test_lead_times_vary_and_some_orders_arrive_late_or_short(data: Dataset) -> None:
    received = data.pos.dropna(subset=["received_date"])
    lead = (received["received_date"] - received["order_date"]).dt.days
    assert (lead >= 1).all()
    assert (lead.groupby(received["supplier_id"]).std() > 0).mean() > 0.8
    late = received["received_date"] > received["expected_date"]
    assert 0.05 < late.mean() < 0.6
    partial = received["received_quantity"] < received["quantity"]
    assert 0.01 < partial.mean() < 0.3
    assert (received["received_quantity"] <= received["quantity"]).all()
    expected_lead = (received["expected_date"] - received["order_date"]).dt.days
    quoted = received["supplier_id"].map(data.suppliers.set_index("supplier_id")["lead_time_days"])
    assert (expected_lead == quoted).all(), "expected_date is the supplier's quoted lead time"


def test_order_quantities_honour_pack_size_and_minimum_order(data: Dataset) -> None:
    pos = data.pos.join(data.products.set_index("sku")[["pack_size"]], on="sku")
    pos = pos.join(data.suppliers.set_index("supplier_id")["min_order_qty"], on="supplier_id")
    assert (pos["quantity"] % pos["pack_size"] == 0).all()
    assert (pos["quantity"] >= pos["min_order_qty"]).all()
    assert (
        pos["supplier_id"] == pos["sku"].map(data.products.set_index("sku")["supplier_id"])
    ).all()


def test_orders_still_open_at_the_end_have_no_receipt(data: Dataset) -> None:
    open_ = data.pos["received_date"].isna()
    assert open_.any()
    assert data.pos.loc[open_, "received_quantity"].isna().all()
    assert data.pos.loc[~open_, "received_quantity"].notna().all()
    assert (data.pos["received_date"].dropna() <= data.truth["date"].max()).all()


def test_rejects_nonsense_sizes(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, n_skus=0)
