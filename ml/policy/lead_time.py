"""Lead-time distribution per supplier and SKU from received purchase orders.

Promised lead times are what suppliers say; receipts are what they do. This module turns the
purchase-order history into a mean and standard deviation of the *effective* lead time per
(sku, supplier_id), with honest fallbacks when a pair has too little history.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Lead time used when neither history nor the supplier's stated figure exists.
DEFAULT_LEAD_TIME_DAYS = 14.0
#: Coefficient of variation assumed when a supplier states a mean but no std.
DEFAULT_LEAD_TIME_CV = 0.25

STATS_COLUMNS = [
    "sku",
    "supplier_id",
    "lead_time_mean",
    "lead_time_std",
    "lead_time_source",
    "n_receipts",
    "n_late",
    "n_partial",
    "late_share",
    "partial_share",
    "fill_share",
]


def effective_lead_times(purchase_orders: pd.DataFrame) -> pd.DataFrame:
    """One row per received purchase-order line with its effective lead time in days.

    effective = (received_date - order_date) + (1 - fill) * promised, where
    fill = min(received_quantity / quantity, 1). The missing share of a partial delivery is
    counted as arriving one promised lead time later (as if reordered), so a supplier who
    ships 60 % on time is not scored like one who ships everything on time.

    A line is *late* when received after ``expected_date`` (or order_date + promised lead
    time); *partial* when fill < 1. Lines not yet received are left out (no lead time yet).

    Args:
        purchase_orders: Columns sku, supplier_id, order_date, received_date, quantity,
            received_quantity and either ``promised_lead_time_days`` or ``expected_date``.
    """
    po = purchase_orders.copy()
    po["order_date"] = pd.to_datetime(po["order_date"])
    po["received_date"] = pd.to_datetime(po["received_date"])
    po = po[po["received_date"].notna()]
    realised = (po["received_date"] - po["order_date"]).dt.days.astype(float)
    if "promised_lead_time_days" in po:
        promised = po["promised_lead_time_days"].astype(float)
    else:
        promised = pd.Series(np.nan, index=po.index)
    if "expected_date" in po:
        from_expected = (pd.to_datetime(po["expected_date"]) - po["order_date"]).dt.days
        promised = promised.fillna(from_expected.astype(float))
    promised = promised.fillna(realised)
    qty = po["quantity"].astype(float)
    received = po.get("received_quantity", qty).astype(float).fillna(qty)
    fill = np.clip(np.where(qty > 0, received / qty.where(qty > 0, 1.0), 1.0), 0.0, 1.0)
    return pd.DataFrame(
        {
            "sku": po["sku"].astype(str).to_numpy(),
            "supplier_id": po["supplier_id"].astype(str).to_numpy(),
            "realised_days": realised.to_numpy(),
            "promised_days": promised.to_numpy(),
            "fill": fill,
            "effective_days": (realised + (1.0 - fill) * promised).to_numpy(),
            "late": (realised > promised).to_numpy(),
            "partial": fill < 1.0,
        }
    )


def _summarise(lines: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    g = lines.groupby(keys, sort=False)
    out = g.agg(
        lead_time_mean=("effective_days", "mean"),
        lead_time_std=("effective_days", "std"),
        n_receipts=("effective_days", "size"),
        n_late=("late", "sum"),
        n_partial=("partial", "sum"),
        fill_share=("fill", "mean"),
    ).reset_index()
    out["lead_time_std"] = out["lead_time_std"].fillna(0.0)
    return out


def lead_time_stats(
    purchase_orders: pd.DataFrame,
    pairs: pd.DataFrame | None = None,
    suppliers: pd.DataFrame | None = None,
    min_receipts: int = 5,
    default_lead_time_days: float = DEFAULT_LEAD_TIME_DAYS,
    default_cv: float = DEFAULT_LEAD_TIME_CV,
) -> pd.DataFrame:
    """Mean and std of effective lead time per (sku, supplier_id), with fallbacks.

    Fallback order, taken when a level has fewer than ``min_receipts`` received lines:
    ``sku_supplier`` (this SKU from this supplier) -> ``supplier`` (all SKUs of the supplier)
    -> ``stated`` (the supplier's ``lead_time_days`` / ``lead_time_std_days``, std defaulting
    to ``default_cv`` x mean) -> ``default`` (``default_lead_time_days``). The chosen level is
    in ``lead_time_source``; the counts of late and partial receipts always describe the pair
    itself, so a planner sees how much history stands behind the number.

    Args:
        purchase_orders: Purchase-order lines (see :func:`effective_lead_times`).
        pairs: The (sku, supplier_id) pairs to describe; defaults to those in the orders.
        suppliers: Optional supplier master with supplier_id, lead_time_days,
            lead_time_std_days.
        min_receipts: Received lines needed to trust a level.
        default_lead_time_days: Last-resort mean lead time.
        default_cv: Std as a share of the mean when only a stated mean exists.

    Returns:
        One row per pair with the columns of ``STATS_COLUMNS``.
    """
    lines = effective_lead_times(purchase_orders)
    if pairs is None:
        pairs = lines[["sku", "supplier_id"]].drop_duplicates()
    out = pairs[["sku", "supplier_id"]].astype(str).drop_duplicates().reset_index(drop=True)
    pair_stats = _summarise(lines, ["sku", "supplier_id"])
    supp_stats = (
        _summarise(lines, ["supplier_id"])
        .add_prefix("s_")
        .rename(columns={"s_supplier_id": "supplier_id"})
    )
    out = out.merge(pair_stats, on=["sku", "supplier_id"], how="left")
    out = out.merge(supp_stats, on="supplier_id", how="left")
    if suppliers is not None and len(suppliers):
        stated = suppliers[["supplier_id", "lead_time_days"]].copy()
        stated["supplier_id"] = stated["supplier_id"].astype(str)
        stated["stated_std"] = (
            suppliers["lead_time_std_days"].astype(float)
            if "lead_time_std_days" in suppliers
            else np.nan
        )
        stated = stated.drop_duplicates("supplier_id", keep="last")
        out = out.merge(
            stated.rename(columns={"lead_time_days": "stated_mean"}), on="supplier_id", how="left"
        )
    else:
        out["stated_mean"] = np.nan
        out["stated_std"] = np.nan

    n_pair = out["n_receipts"].fillna(0)
    n_supp = out["s_n_receipts"].fillna(0)
    use_pair = n_pair >= min_receipts
    use_supp = ~use_pair & (n_supp >= min_receipts)
    use_stated = ~use_pair & ~use_supp & out["stated_mean"].notna()
    stated_std = out["stated_std"].fillna(out["stated_mean"] * default_cv)
    out["lead_time_source"] = np.select(
        [use_pair, use_supp, use_stated], ["sku_supplier", "supplier", "stated"], "default"
    )
    out["lead_time_mean"] = np.select(
        [use_pair, use_supp, use_stated],
        [out["lead_time_mean"], out["s_lead_time_mean"], out["stated_mean"]],
        default_lead_time_days,
    )
    out["lead_time_std"] = np.select(
        [use_pair, use_supp, use_stated],
        [out["lead_time_std"], out["s_lead_time_std"], stated_std],
        default_lead_time_days * default_cv,
    )
    out["n_receipts"] = n_pair.astype(int)
    out["n_late"] = out["n_late"].fillna(0).astype(int)
    out["n_partial"] = out["n_partial"].fillna(0).astype(int)
    denom = out["n_receipts"].where(out["n_receipts"] > 0)
    out["late_share"] = out["n_late"] / denom
    out["partial_share"] = out["n_partial"] / denom
    return out[STATS_COLUMNS]
