"""Frames the policy assets need, read through the warehouse and shaped for ``ml.policy``.

Reading (:func:`load_policy_inputs`) and shaping (:func:`assemble_items`) are split so that
the shaping, the only part with decisions in it, is a frames-in, frames-out function a test
or a notebook can call without a database. Every read goes through
:class:`orchestration.warehouse.Warehouse`; no SQL lives here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ml.policy import PolicyConfig, demand_stats, lead_time_stats
from orchestration.warehouse import Warehouse

DEMAND_WINDOW_DAYS = 90
"""Days of sales behind each SKU's mean and std of daily demand (the policy's own window)."""

STALE_SNAPSHOT_DAYS = 7
"""A snapshot older than this (before ``as_of``) is still used, but counted as stale."""

Relation = tuple[str, str]
"""(schema, table) of a warehouse relation."""

RISK_TABLE: Relation = ("ml", "backorder_risk")
FORECAST_TABLE: Relation = ("ml", "demand_forecasts")

NO_POSITION_COLUMNS = (
    "inventory_position",
    "days_of_cover",
    "suggested_order_qty",
    "order_value",
    "expected_shortage",
    "expected_lost_revenue",
)
"""Recommendation columns that mean nothing without a known stock level."""


@dataclass
class PolicyInputs:
    """Everything the recommendation step reads, as plain frames.

    Attributes:
        as_of: Decision date: the last day with sales (inventory is end-of-day of it).
        products: ``dim_products`` rows.
        suppliers: ``dim_suppliers`` rows.
        snapshots: Latest ``fct_inventory_snapshots`` row per SKU (empty for sales-only
            installs).
        purchase_orders: ``fct_purchase_orders`` rows.
        segments: ``fct_sku_segments`` rows (ABC class).
        sales: ``fct_daily_sales`` rows of the demand window.
        forecasts: Rows of the latest forecast run with ``date`` = target date, or None.
        forecast_date: The forecast run used, or None.
        backorder_risk: Latest backorder probability per SKU, or None without a classifier.
    """

    as_of: pd.Timestamp
    products: pd.DataFrame
    suppliers: pd.DataFrame
    snapshots: pd.DataFrame
    purchase_orders: pd.DataFrame
    segments: pd.DataFrame
    sales: pd.DataFrame
    forecasts: pd.DataFrame | None = None
    forecast_date: pd.Timestamp | None = None
    backorder_risk: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def _read_optional(wh: Warehouse, rel: Relation, **kwargs: Any) -> pd.DataFrame | None:
    return wh.read_table(*rel, **kwargs) if wh.table_exists(*rel) else None


def load_latest_forecasts(
    wh: Warehouse, rel: Relation = FORECAST_TABLE
) -> tuple[pd.DataFrame | None, pd.Timestamp | None]:
    """Rows of the latest ``forecast_date`` of the forecasts table, ``date`` = target date.

    One row per (sku, target date) is kept (the latest ``run_id`` when a run wrote several
    models), because the policy needs one distribution per day.
    """
    if not wh.table_exists(*rel):
        return None, None
    latest = wh.max_value(*rel, "forecast_date")
    if latest is None:
        return None, None
    fc = wh.read_table(*rel, where={"forecast_date": latest})
    fc = fc.rename(columns={"target_date": "date"})
    if "run_id" in fc:
        fc = fc.sort_values("run_id", ascending=False, kind="stable")
    fc = fc.drop_duplicates(["sku", "date"]).reset_index(drop=True)
    return fc, pd.Timestamp(latest)


def load_policy_inputs(
    wh: Warehouse,
    marts: Mapping[str, Relation],
    window_days: int = DEMAND_WINDOW_DAYS,
) -> PolicyInputs:
    """Read the marts, the latest forecasts and (if present) backorder risk.

    Args:
        wh: The warehouse.
        marts: dbt model name -> (schema, table), from the dbt asset keys.
        window_days: Days of sales to read for demand statistics.
    """
    sales_rel = marts["fct_daily_sales"]
    last = wh.max_value(*sales_rel, "date")
    if last is None:
        raise ValueError(f"{'.'.join(sales_rel)} is empty: run ingestion and dbt first")
    as_of = pd.Timestamp(last).normalize()
    since = (as_of - pd.Timedelta(days=window_days - 1)).date()
    snaps_rel = marts["fct_inventory_snapshots"]
    snapshots = (
        wh.read_latest_per_key(*snaps_rel, keys=["sku"], order_by="date")
        if wh.table_exists(*snaps_rel)
        else pd.DataFrame(columns=["sku", "date"])
    )
    forecasts, forecast_date = load_latest_forecasts(wh)
    risk = None
    if wh.table_exists(*RISK_TABLE):
        risk = wh.read_latest_per_key(
            *RISK_TABLE,
            keys=["sku"],
            order_by="snapshot_date",
            columns=["sku", "snapshot_date", "probability"],
        )
    return PolicyInputs(
        as_of=as_of,
        products=wh.read_table(*marts["dim_products"]),
        suppliers=wh.read_table(*marts["dim_suppliers"]),
        snapshots=snapshots,
        purchase_orders=wh.read_table(*marts["fct_purchase_orders"]),
        segments=wh.read_table(*marts["fct_sku_segments"], columns=["sku", "abc_class"]),
        sales=wh.read_since(*sales_rel, "date", since, columns=["sku", "date", "quantity"]),
        forecasts=forecasts,
        forecast_date=forecast_date,
        backorder_risk=risk,
    )


def _open_quantity(purchase_orders: pd.DataFrame) -> pd.Series:
    """Units ordered and not yet received per SKU (open lines only)."""
    po = purchase_orders
    if po.empty or "is_open" not in po:
        return pd.Series(dtype=float)
    open_lines = po[po["is_open"].fillna(False).astype(bool)]
    remaining = (
        open_lines["quantity"].astype(float)
        - open_lines["received_quantity"].astype(float).fillna(0.0)
    ).clip(lower=0.0)
    return remaining.groupby(open_lines["sku"].astype(str)).sum()


def assemble_items(inputs: PolicyInputs, config: PolicyConfig) -> pd.DataFrame:
    """One row per product with what :func:`ml.policy.build_recommendations` needs.

    * Demand: mean and std of daily demand over the window ending on ``as_of``.
    * Lead time: :func:`ml.policy.lead_time_stats` for each product's supplier, falling back
      to the supplier's stated terms from ``dim_suppliers`` (``lead_time_source`` says which).
    * Stock: the SKU's latest snapshot (on hand, backordered; on order from the snapshot,
      else the open purchase-order lines). SKUs without any snapshot keep ``on_hand`` NaN
      and ``inventory_source = "none"``: see :func:`finish_recommendations`.
    * MOQ and order cost from the supplier, pack size and prices from the product, ABC class
      from ``fct_sku_segments``, backorder probability from ``ml.backorder_risk`` if present.
    """
    products = inputs.products.copy()
    products["sku"] = products["sku"].astype(str)
    products["supplier_id"] = products["supplier_id"].astype(str)
    stats = demand_stats(
        inputs.sales, inputs.as_of, DEMAND_WINDOW_DAYS, skus=products["sku"].tolist()
    )
    items = products[
        ["sku", "category", "supplier_id", "unit_cost", "unit_price", "pack_size"]
    ].merge(stats, on="sku", how="left")

    suppliers = inputs.suppliers.copy()
    suppliers["supplier_id"] = suppliers["supplier_id"].astype(str)
    lead = lead_time_stats(
        inputs.purchase_orders,
        pairs=products[["sku", "supplier_id"]],
        suppliers=suppliers,
        min_receipts=config.min_receipts,
    )
    items = items.merge(
        lead[
            [
                "sku",
                "supplier_id",
                "lead_time_mean",
                "lead_time_std",
                "lead_time_source",
                "n_receipts",
                "late_share",
            ]
        ],
        on=["sku", "supplier_id"],
        how="left",
    )
    items = items.merge(
        suppliers[["supplier_id", "min_order_qty", "order_cost"]], on="supplier_id", how="left"
    )

    segments = inputs.segments[["sku", "abc_class"]].astype({"sku": str})
    items = items.merge(segments, on="sku", how="left")

    snaps = inputs.snapshots.copy()
    if len(snaps):
        snaps["sku"] = snaps["sku"].astype(str)
        snaps = snaps.rename(columns={"date": "snapshot_date", "backordered_qty": "backordered"})
        keep = [
            c for c in ("sku", "snapshot_date", "on_hand", "on_order", "backordered") if c in snaps
        ]
        items = items.merge(snaps[keep], on="sku", how="left")
    for col in ("snapshot_date", "on_hand", "on_order", "backordered"):
        if col not in items:
            items[col] = pd.NaT if col == "snapshot_date" else np.nan
    items["snapshot_date"] = pd.to_datetime(items["snapshot_date"])
    open_qty = items["sku"].map(_open_quantity(inputs.purchase_orders)).astype(float)
    items["on_order"] = items["on_order"].astype(float).fillna(open_qty).fillna(0.0)
    items["backordered"] = items["backordered"].astype(float).fillna(0.0)
    items["inventory_source"] = np.where(items["on_hand"].notna(), "snapshot", "none")

    if inputs.backorder_risk is not None and len(inputs.backorder_risk):
        risk = inputs.backorder_risk.astype({"sku": str}).set_index("sku")["probability"]
        items["backorder_risk"] = items["sku"].map(risk).astype(float)
    else:
        items["backorder_risk"] = np.nan
    return items.reset_index(drop=True)


def finish_recommendations(recs: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Add the provenance columns and blank what cannot be known without stock data.

    A SKU with no inventory snapshot (a sales-only install) still gets its safety stock,
    reorder point and order-up-to level, but no inventory position, order suggestion or
    stockout date: treating unknown stock as zero would order everything and raise an alert
    for every SKU.
    """
    extra = items.set_index("sku")[
        ["inventory_source", "snapshot_date", "lead_time_source", "n_receipts"]
    ]
    out = recs.join(extra, on="sku")
    # The contract's name for the lead time the levels were computed with.
    out.insert(out.columns.get_loc("lead_time_mean"), "lead_time_days", out["lead_time_mean"])
    none = (out["inventory_source"] == "none").to_numpy()
    if none.any():
        for col in NO_POSITION_COLUMNS:
            out.loc[none, col] = np.nan
        out.loc[none, "projected_stockout_date"] = pd.NaT
    out["n_receipts"] = out["n_receipts"].fillna(0).astype(int)
    return out
