"""Per-SKU demand statistics and ABC classes: the inputs the policy formulas need.

Kept beside the policy because their exact definitions (calendar-filled days, window,
revenue cut-offs) change the safety stock directly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def demand_stats(
    sales: pd.DataFrame,
    as_of: pd.Timestamp | str,
    window_days: int = 90,
    skus: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Mean and std of daily demand per SKU over the ``window_days`` ending on ``as_of``.

    Days without a sales row count as zero demand (a SKU that sold 10 units on one day of 90
    has a mean of 0.11/day, not 10/day); summing several locations of one day first. Both
    statistics divide by the window length, the std with the sample (n - 1) convention.

    Args:
        sales: Rows with sku, date, quantity (several rows per day are summed).
        as_of: Last day of the window (inclusive).
        window_days: Window length in days.
        skus: SKUs to report (those without sales get 0); defaults to the SKUs in ``sales``.

    Returns:
        One row per SKU: sku, avg_daily_demand, demand_std, demand_days (days with sales).
    """
    end = pd.Timestamp(as_of).normalize()
    start = end - pd.Timedelta(days=window_days - 1)
    s = sales[["sku", "date", "quantity"]].copy()
    s["date"] = pd.to_datetime(s["date"]).dt.normalize()
    s = s[(s["date"] >= start) & (s["date"] <= end)]
    s["sku"] = s["sku"].astype(str)
    daily = s.groupby(["sku", "date"], sort=False)["quantity"].sum().reset_index()
    agg = daily.groupby("sku").agg(
        total=("quantity", "sum"),
        total2=("quantity", lambda x: float(np.sum(x**2))),
        demand_days=("quantity", lambda x: int((x > 0).sum())),
    )
    index = pd.Index(
        sorted(set(daily["sku"])) if skus is None else [str(x) for x in skus], name="sku"
    )
    agg = agg.reindex(index).fillna(0.0)
    n = float(window_days)
    mean = agg["total"] / n
    var = np.maximum(agg["total2"] / n - mean**2, 0.0) * (n / max(n - 1, 1))
    return pd.DataFrame(
        {
            "sku": index,
            "avg_daily_demand": mean.to_numpy(),
            "demand_std": np.sqrt(var).to_numpy(),
            "demand_days": agg["demand_days"].astype(int).to_numpy(),
        }
    )


def abc_classes(value: pd.Series, cutoffs: tuple[float, float] = (0.8, 0.95)) -> pd.Series:
    """ABC class per item from its share of total value (e.g. yearly revenue).

    Items sorted by value, largest first: those making up the first 80 % of cumulative value
    are A, up to 95 % B, the rest C (an item is classed by the cumulative share *before*
    it, so the item that crosses 80 % is still A). Items with no value are C.
    """
    v = pd.Series(value, dtype=float).fillna(0.0)
    order = v.sort_values(ascending=False, kind="stable")
    total = order.sum()
    if total <= 0:
        return pd.Series("C", index=v.index)
    before = (order.cumsum() - order) / total
    classes = np.select([before < cutoffs[0], before < cutoffs[1]], ["A", "B"], "C")
    out = pd.Series(classes, index=order.index).where(order > 0, "C")
    return out.reindex(v.index)
