"""Stockout-censored demand: a stockout day's sale is a lower bound, not a true zero.

Method (applied before any model sees the data):

1. Mask: on ``is_stockout`` days the observed quantity is kept as ``quantity_observed`` and
   ``quantity`` becomes NaN (censored).
2. Impute from the seasonal profile: each censored day gets the mean of the non-censored
   values of the SAME SKU and SAME weekday within +-4 weeks; long stockout runs that
   leave no such neighbour get a linear interpolation of that weekday's level between the
   last value before and the first value after the run (or carry the level forward when
   the run reaches the end of history, i.e. the item is out of stock right now).
3. Exclude: the global LightGBM gets a sample weight of 0 on censored days, so they are
   never a training target (their imputed values still feed the lag features), and the
   backtest scores them as missing actuals.

Why: treating stockout zeros as demand teaches every model that demand collapsed and the
forecast (hence the reorder quantity) drops exactly when the shelf needs refilling.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NEIGHBOUR_WEEKS = 4


def censor_and_impute(frame: pd.DataFrame) -> pd.DataFrame:
    """Mask stockout days and impute them from the SKU's weekday profile.

    Args:
        frame: long rows ``sku, date, quantity`` and optional bool ``is_stockout``,
            sorted or not.

    Returns:
        A copy sorted by ``sku, date`` with ``quantity`` imputed (float), the original in
        ``quantity_observed`` and a bool ``is_censored`` column.
    """
    out = frame.sort_values(["sku", "date"]).reset_index(drop=True)
    out["quantity_observed"] = out["quantity"].astype(float)
    if "is_stockout" in out.columns:
        censored = out["is_stockout"].eq(True).to_numpy()
    else:
        censored = np.zeros(len(out), dtype=bool)
    out["is_censored"] = censored
    if not censored.any():
        out["quantity"] = out["quantity_observed"]
        return out
    masked = out["quantity_observed"].where(~out["is_censored"])
    dow = pd.to_datetime(out["date"]).dt.dayofweek
    # Only SKUs with a stockout need imputing; skipping the rest keeps 10,000 SKUs cheap.
    affected = out.loc[censored, "sku"].unique()
    in_affected = out["sku"].isin(affected).to_numpy()
    sub = masked[in_affected]
    sub_keys = [out.loc[in_affected, "sku"], dow[in_affected]]
    neighbour = sub.groupby(sub_keys, sort=False).transform(
        lambda s: s.rolling(2 * NEIGHBOUR_WEEKS + 1, center=True, min_periods=1).mean()
    )
    # Interpolate the weekday level across long runs (and carry it to the ends).
    neighbour = neighbour.groupby(sub_keys, sort=False).transform(
        lambda s: s.interpolate(limit_direction="both")
    )
    filled = pd.Series(np.nan, index=out.index)
    filled.loc[in_affected] = neighbour
    # A SKU censored on every day of a weekday: fall back to its overall mean, then 0.
    sku_mean = masked.groupby(out["sku"], sort=False).transform("mean")
    filled = filled.fillna(sku_mean).fillna(0.0)
    out["quantity"] = np.where(censored, filled.to_numpy(), out["quantity_observed"].to_numpy())
    return out
