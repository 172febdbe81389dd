"""Purchase suggestions: which orders matter most, grouped by supplier, within a budget."""

from __future__ import annotations

import numpy as np
import pandas as pd


def rank_purchase_suggestions(
    recommendations: pd.DataFrame, budget: float | None = None
) -> pd.DataFrame:
    """Order lines ranked by the revenue they protect, optionally cut to a budget.

    Only SKUs with ``suggested_order_qty > 0`` are suggested. ``rank`` orders them by
    ``expected_lost_revenue`` (expected shortage over lead time + review period if nothing is
    ordered, times unit price), largest first, ties broken by SKU so reruns agree.

    With a ``budget`` (same currency as ``order_value``) lines are chosen greedily by lost
    revenue per unit of money spent (``expected_lost_revenue / order_value``), skipping any
    line that no longer fits and carrying on with cheaper ones: the classic greedy answer to
    this knapsack, optimal when order values are small against the budget. Lines without a
    cost are free and always fit. ``selected`` marks the chosen lines.

    Returns:
        The suggested lines with ``rank``, ``revenue_per_cost``, ``selected``,
        ``cumulative_value`` (of selected lines, in selection order) and ``supplier_rank``
        (rank within the supplier), sorted by rank.
    """
    lines = recommendations[recommendations["suggested_order_qty"] > 0].copy()
    lines["order_value"] = lines["order_value"].astype(float).fillna(0.0)
    lost = lines["expected_lost_revenue"].astype(float).fillna(0.0)
    lines["expected_lost_revenue"] = lost
    with np.errstate(divide="ignore", invalid="ignore"):
        lines["revenue_per_cost"] = np.where(
            lines["order_value"] > 0,
            lost / lines["order_value"].where(lines["order_value"] > 0, 1.0),
            np.inf,
        )
    lines = lines.sort_values(["expected_lost_revenue", "sku"], ascending=[False, True])
    lines["rank"] = np.arange(1, len(lines) + 1)
    lines["selected"] = True
    lines["cumulative_value"] = np.nan
    if budget is not None:
        order = lines.sort_values(
            ["revenue_per_cost", "expected_lost_revenue", "sku"], ascending=[False, False, True]
        )
        values = order["order_value"].to_numpy()
        chosen = np.zeros(len(order), dtype=bool)
        cumulative = np.full(len(order), np.nan)
        spent = 0.0
        for i, value in enumerate(values):
            if spent + value <= budget + 1e-9:
                spent += value
                chosen[i] = True
                cumulative[i] = spent
        lines.loc[order.index, "selected"] = chosen
        lines.loc[order.index, "cumulative_value"] = cumulative
    else:
        lines["cumulative_value"] = lines["order_value"].cumsum()
    lines["supplier_rank"] = (
        lines.groupby(lines["supplier_id"].fillna("(none)"), sort=False)["rank"]
        .rank(method="first")
        .astype(int)
    )
    return lines.reset_index(drop=True)


def supplier_summary(suggestions: pd.DataFrame) -> pd.DataFrame:
    """Selected suggestion lines grouped by supplier: one purchase order draft per supplier.

    Sorted by the revenue each supplier's order protects, largest first.
    """
    chosen = suggestions[suggestions["selected"]] if "selected" in suggestions else suggestions
    grouped = chosen.assign(supplier_id=chosen["supplier_id"].fillna("(none)")).groupby(
        "supplier_id", sort=False
    )
    out = grouped.agg(
        lines=("sku", "size"),
        total_qty=("suggested_order_qty", "sum"),
        total_value=("order_value", "sum"),
        expected_lost_revenue=("expected_lost_revenue", "sum"),
        earliest_stockout=("projected_stockout_date", "min"),
    ).reset_index()
    return out.sort_values(
        ["expected_lost_revenue", "supplier_id"], ascending=[False, True]
    ).reset_index(drop=True)
