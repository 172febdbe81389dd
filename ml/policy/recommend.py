"""Reorder recommendations for every SKU: frames in, one frame out.

Joins the pure formulas of :mod:`ml.policy.safety_stock` and :mod:`ml.policy.ordering` into
one row per SKU, choosing each SKU's method and service level from a :class:`PolicyConfig`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ml.policy.config import PolicyConfig
from ml.policy.lead_time import DEFAULT_LEAD_TIME_CV, DEFAULT_LEAD_TIME_DAYS
from ml.policy.ordering import (
    economic_order_quantity,
    inventory_position,
    order_up_to_level,
    reorder_point,
    stockout_day_index,
    suggested_order_quantity,
)
from ml.policy.safety_stock import (
    forecast_lead_time_demand,
    gamma_expected_shortage,
    safety_stock_fixed,
    safety_stock_service_level,
)

_QUANTILE_COLUMN = re.compile(r"^p(\d{1,2}(?:\.\d+)?)$")
REQUIRED_ITEM_COLUMNS = ("sku", "avg_daily_demand", "demand_std", "lead_time_mean", "on_hand")
_OPTIONAL_DEFAULTS: dict[str, object] = {
    "lead_time_std": 0.0,
    "on_order": 0.0,
    "backordered": 0.0,
    "category": None,
    "abc_class": None,
    "supplier_id": None,
    "unit_cost": np.nan,
    "unit_price": np.nan,
    "min_order_qty": 0.0,
    "pack_size": 1.0,
    "order_cost": np.nan,
    "backorder_risk": np.nan,
}


def quantile_columns(frame: pd.DataFrame) -> dict[str, float]:
    """Forecast quantile columns (``p10``, ``p50``, ``p99``...) mapped to their levels.

    Another naming is passed explicitly as ``quantile_levels`` to :func:`forecast_cube`.
    """
    found = {
        c: float(m.group(1)) / 100 for c in frame.columns if (m := _QUANTILE_COLUMN.match(str(c)))
    }
    return dict(sorted(found.items(), key=lambda kv: kv[1]))


def forecast_cube(
    forecasts: pd.DataFrame,
    skus: pd.Series,
    as_of: pd.Timestamp | None = None,
    quantile_levels: Mapping[str, float] | None = None,
) -> tuple[np.ndarray, pd.DatetimeIndex, list[float]]:
    """Long forecast rows (sku, date, p10..p99) as an array (n_sku, n_days, n_levels).

    Rows are aligned to ``skus``; days are every date after ``as_of`` present in the frame.
    Missing cells are NaN, so a SKU with a gap can be recognised and given another method.
    """
    cols = dict(quantile_levels) if quantile_levels else quantile_columns(forecasts)
    if not cols:
        raise ValueError("forecasts need quantile columns named like p10, p50, p90")
    fc = forecasts[["sku", "date", *cols]].copy()
    fc["date"] = pd.to_datetime(fc["date"])
    if as_of is not None:
        fc = fc[fc["date"] > pd.Timestamp(as_of)]
    dates = pd.DatetimeIndex(np.sort(fc["date"].unique()))
    sku_pos = pd.Index(skus.astype(str)).get_indexer(fc["sku"].astype(str))
    day_pos = dates.get_indexer(fc["date"])
    keep = sku_pos >= 0
    cube = np.full((len(skus), len(dates), len(cols)), np.nan)
    cube[sku_pos[keep], day_pos[keep]] = fc.loc[keep, list(cols)].to_numpy(dtype=float)
    return cube, dates, list(cols.values())


def _with_defaults(items: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in REQUIRED_ITEM_COLUMNS if c not in items]
    if missing:
        raise ValueError(f"items lack required column(s) {missing}")
    out = items.reset_index(drop=True).copy()
    for col, default in _OPTIONAL_DEFAULTS.items():
        if col not in out:
            out[col] = default
    out["sku"] = out["sku"].astype(str)
    return out


def build_recommendations(
    items: pd.DataFrame,
    config: PolicyConfig | None = None,
    forecasts: pd.DataFrame | None = None,
    as_of: pd.Timestamp | str | None = None,
    horizon_days: int = 90,
    quantile_levels: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One reorder recommendation per SKU.

    Per SKU: method and service level from ``config``; protection interval L + R; expected
    demand over it and its variance; safety stock; reorder point s = E[D_{L+R}] + SS;
    order-up-to S = s + EOQ (EOQ only when ``config.use_eoq``); inventory position
    IP = on_hand + on_order - backordered; suggested quantity round(S - IP) if IP <= s
    (MOQ then whole packs); projected stockout date from the expected-demand path (the
    forecasts' ``mean`` column, else p50); expected shortage over
    L + R if nothing is ordered, E[(D - IP)^+] under a gamma fit, and that shortage times the
    unit price as expected lost revenue.

    SKUs set to ``forecast`` without a complete forecast fall back to ``service_level``
    (``method`` says which ran). A missing lead time falls back to
    ``DEFAULT_LEAD_TIME_DAYS`` (as :func:`ml.policy.lead_time.lead_time_stats` does). Stockout
    dates use the daily expected demand: the ``mean`` column when the forecasts have one
    (a median path never runs out for a SKU that sells on fewer than half its days), else
    the level nearest 0.5; SKUs without a forecast use their average daily demand over
    ``horizon_days``.

    Args:
        items: One row per SKU; needs sku, avg_daily_demand, demand_std, lead_time_mean,
            on_hand; optional lead_time_std, on_order, backordered, category, abc_class,
            supplier_id, unit_cost, unit_price, min_order_qty, pack_size, order_cost,
            backorder_risk.
        config: Policy choices; defaults to :class:`PolicyConfig()`.
        forecasts: Optional long frame sku, date, p10..p99 (and optionally ``mean``, the
            expected daily demand) starting after ``as_of``.
        as_of: Decision date (inventory is the end-of-day position of this date).
        horizon_days: Horizon of the flat projection for SKUs without a forecast.
        quantile_levels: Forecast column -> level, when columns are not named ``pNN``.
    """
    config = config or PolicyConfig()
    it = _with_defaults(items)
    n = len(it)
    as_of_ts = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.today().normalize()
    review = int(config.review_period_days)
    d = np.maximum(it["avg_daily_demand"].astype(float).fillna(0.0).to_numpy(), 0.0)
    sd = it["demand_std"].astype(float).fillna(0.0).to_numpy()
    # A SKU with no lead time at all gets the same last-resort figures as lead_time_stats.
    no_lt = it["lead_time_mean"].isna().to_numpy()
    lt = it["lead_time_mean"].astype(float).fillna(DEFAULT_LEAD_TIME_DAYS).to_numpy()
    lt_sd = it["lead_time_std"].astype(float).fillna(0.0).to_numpy()
    lt_sd = np.where(no_lt, DEFAULT_LEAD_TIME_DAYS * DEFAULT_LEAD_TIME_CV, lt_sd)
    level = config.service_level_for(it["sku"], it["abc_class"])
    method = config.method_for(it["sku"], it["category"]).to_numpy(dtype=object)

    cube = None
    dates = pd.date_range(as_of_ts + pd.Timedelta(days=1), periods=horizon_days, freq="D")
    has_fc = np.zeros(n, dtype=bool)
    if forecasts is not None and len(forecasts):
        cube, fc_dates, fc_levels = forecast_cube(forecasts, it["sku"], as_of_ts, quantile_levels)
        if len(fc_dates):
            dates = fc_dates
            has_fc = ~np.isnan(cube).any(axis=(1, 2))
        else:
            cube = None
    method = np.where((method == "forecast") & ~has_fc, "service_level", method)

    protection = lt + review
    mean_lr = d * protection
    var_lr = protection * sd**2 + d**2 * lt_sd**2
    safety = safety_stock_service_level(level, d, sd, lt, lt_sd, review)
    fixed = method == "fixed_factor"
    safety = np.where(fixed, safety_stock_fixed(d, lt, config.safety_factor), safety)
    fc_rows = np.flatnonzero(method == "forecast")
    if fc_rows.size:
        res = forecast_lead_time_demand(
            cube[fc_rows],
            fc_levels,
            level[fc_rows],
            lt[fc_rows],
            lt_sd[fc_rows],
            review,
            config.forecast_error_correlation,
        )
        mean_lr[fc_rows] = res.mean
        var_lr[fc_rows] = res.var
        safety[fc_rows] = res.safety_stock

    unit_cost = it["unit_cost"].astype(float).to_numpy()
    price = it["unit_price"].astype(float).fillna(it["unit_cost"].astype(float)).to_numpy()
    eoq = economic_order_quantity(
        d * 365.0, it["order_cost"].astype(float).to_numpy(), config.holding_cost_rate * unit_cost
    )
    rop = reorder_point(mean_lr, safety)
    s_level = order_up_to_level(rop, eoq if config.use_eoq else 0.0)
    ip = inventory_position(it["on_hand"], it["on_order"], it["backordered"])
    qty = suggested_order_quantity(
        ip,
        rop,
        s_level,
        it["min_order_qty"].astype(float).to_numpy(),
        it["pack_size"].astype(float).to_numpy(),
    )

    if cube is not None:
        expected = cube[:, :, int(np.argmin(np.abs(np.asarray(fc_levels) - 0.5)))]
        if "mean" in forecasts:  # rows written before the column existed keep the median
            mean = forecast_cube(forecasts, it["sku"], as_of_ts, {"mean": 0.5})[0][:, :, 0]
            expected = np.where(np.isnan(mean), expected, mean)
        path = np.where(has_fc[:, None], np.nan_to_num(expected), d[:, None])
    else:
        path = np.repeat(d[:, None], len(dates), axis=1)
    day = stockout_day_index(ip, path)
    stockout = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    hit = day >= 0
    stockout[hit] = dates[day[hit]].to_numpy()
    shortage = gamma_expected_shortage(mean_lr, var_lr, ip)

    with np.errstate(divide="ignore", invalid="ignore"):
        cover = np.where(d > 0, np.maximum(ip, 0) / d, np.inf)
    return pd.DataFrame(
        {
            "sku": it["sku"],
            "supplier_id": it["supplier_id"],
            "category": it["category"],
            "abc_class": it["abc_class"],
            "as_of": as_of_ts,
            "method": method.astype(str),
            "service_level": level,
            "avg_daily_demand": d,
            "lead_time_mean": lt,
            "lead_time_std": lt_sd,
            "review_period_days": review,
            "protection_demand_mean": mean_lr,
            "protection_demand_std": np.sqrt(var_lr),
            "safety_stock": safety,
            "reorder_point": rop,
            "eoq": eoq,
            "order_up_to": s_level,
            "on_hand": it["on_hand"].astype(float),
            "on_order": it["on_order"].astype(float).fillna(0.0),
            "backordered": it["backordered"].astype(float).fillna(0.0),
            "inventory_position": ip,
            "days_of_cover": cover,
            "suggested_order_qty": qty,
            "unit_cost": unit_cost,
            "unit_price": price,
            "order_value": qty * np.nan_to_num(unit_cost),
            "projected_stockout_date": stockout,
            "expected_shortage": shortage,
            "expected_lost_revenue": shortage * np.nan_to_num(price),
            "backorder_risk": it["backorder_risk"].astype(float),
        }
    )
