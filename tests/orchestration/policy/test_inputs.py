"""Shaping warehouse frames for ml.policy, without a database."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.policy import PolicyConfig, alert_conditions, build_recommendations
from orchestration.defs.policy.inputs import PolicyInputs, assemble_items, finish_recommendations

pytestmark = pytest.mark.unit

AS_OF = pd.Timestamp("2024-03-31")


def _inputs(with_snapshots: bool) -> PolicyInputs:
    dates = pd.date_range(end=AS_OF, periods=90)
    sales = pd.DataFrame(
        {
            "sku": np.repeat(["A", "B"], 90),
            "date": np.tile(dates, 2),
            "quantity": np.r_[np.full(90, 10.0), np.full(90, 2.0)],
        }
    )
    orders = pd.DataFrame(
        {
            "po_id": [f"P{i}" for i in range(7)],
            "sku": ["A"] * 6 + ["B"],
            "supplier_id": "S1",
            "order_date": pd.Timestamp("2024-01-01"),
            "received_date": [pd.Timestamp("2024-01-08")] * 6 + [pd.NaT],
            "quantity": 100.0,
            "received_quantity": [100.0] * 6 + [np.nan],
            "promised_lead_time_days": 7,
            "is_open": [False] * 6 + [True],
        }
    )
    snapshots = pd.DataFrame(
        {
            "sku": ["A"],
            "date": [AS_OF],
            "on_hand": [50.0],
            "on_order": [np.nan],
            "backordered_qty": [5.0],
        }
    )
    return PolicyInputs(
        as_of=AS_OF,
        products=pd.DataFrame(
            {
                "sku": ["A", "B"],
                "category": "x",
                "supplier_id": "S1",
                "unit_cost": 2.0,
                "unit_price": 3.0,
                "pack_size": 1.0,
            }
        ),
        suppliers=pd.DataFrame(
            {
                "supplier_id": ["S1"],
                "lead_time_days": [10.0],
                "lead_time_std_days": [2.0],
                "min_order_qty": [1.0],
                "order_cost": [20.0],
            }
        ),
        snapshots=snapshots if with_snapshots else snapshots.iloc[0:0],
        purchase_orders=orders,
        segments=pd.DataFrame({"sku": ["A", "B"], "abc_class": ["A", "C"]}),
        sales=sales,
    )


def test_items_take_stock_lead_time_and_open_orders() -> None:
    items = assemble_items(_inputs(True), PolicyConfig()).set_index("sku")
    assert items.loc["A", "avg_daily_demand"] == pytest.approx(10.0)
    assert items.loc["A", "lead_time_mean"] == pytest.approx(7.0)  # six receipts of 7 days
    assert items.loc["A", "lead_time_source"] == "sku_supplier"
    assert items.loc["B", "lead_time_source"] == "supplier"  # B has no receipt of its own
    # A's snapshot says nothing about on order: the open purchase-order line is not A's.
    assert items.loc["A", "on_order"] == 0.0 and items.loc["A", "backordered"] == 5.0
    assert items.loc["B", "on_order"] == 100.0  # B's open line counts as on order
    assert items.loc["B", "inventory_source"] == "none"


def test_sales_only_skus_get_levels_but_no_position_or_alerts() -> None:
    config = PolicyConfig()
    items = assemble_items(_inputs(False), config)
    recs = finish_recommendations(build_recommendations(items, config, as_of=AS_OF), items)
    assert (recs["inventory_source"] == "none").all()
    assert recs["reorder_point"].gt(0).all() and recs["lead_time_days"].notna().all()
    assert recs["inventory_position"].isna().all()
    assert recs["suggested_order_qty"].isna().all()
    assert recs["projected_stockout_date"].isna().all()
    assert alert_conditions(recs, config).empty
