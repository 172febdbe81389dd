"""Reorder point, order-up-to level, order quantities and projected stockout dates.

Pure, vectorised formulas: scalars or one array entry per SKU in, float arrays out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike


def inventory_position(
    on_hand: ArrayLike, on_order: ArrayLike, backordered: ArrayLike = 0.0
) -> np.ndarray:
    """Inventory position IP = on_hand + on_order - backordered.

    Orders are decided on IP, not on shelf stock, so that stock already on its way is not
    ordered twice and promised-but-unshipped customer orders are not counted as available.
    Missing values count as 0.
    """
    return (
        np.nan_to_num(np.asarray(on_hand, dtype=float))
        + np.nan_to_num(np.asarray(on_order, dtype=float))
        - np.nan_to_num(np.asarray(backordered, dtype=float))
    )


def reorder_point(protection_demand: ArrayLike, safety_stock: ArrayLike) -> np.ndarray:
    """Reorder point s = E[D over L + R] + SS.

    The protection interval is lead time L plus review period R (R = 0 under continuous
    review gives the classic d * L + SS): an order placed now is the last one that can arrive
    before the demand of the next L + R days.
    """
    return np.asarray(protection_demand, dtype=float) + np.asarray(safety_stock, dtype=float)


def economic_order_quantity(
    annual_demand: ArrayLike, order_cost: ArrayLike, holding_cost_per_unit_year: ArrayLike
) -> np.ndarray:
    """Economic order quantity EOQ = sqrt(2 D K / h).

    D is yearly demand in units, K the fixed cost of one order and h the cost of holding one
    unit for a year. Where any input is missing or h <= 0 the EOQ is 0 (no lot-size floor).

    Example: D = 1200, K = 50, h = 3 gives sqrt(2 * 1200 * 50 / 3) = sqrt(40000) = 200.
    """
    d = np.nan_to_num(np.asarray(annual_demand, dtype=float))
    k = np.nan_to_num(np.asarray(order_cost, dtype=float))
    h = np.nan_to_num(np.asarray(holding_cost_per_unit_year, dtype=float))
    ok = (h > 0) & (d > 0) & (k > 0)
    return np.where(ok, np.sqrt(2 * np.maximum(d, 0) * np.maximum(k, 0) / np.where(ok, h, 1)), 0.0)


def order_up_to_level(reorder_point_: ArrayLike, lot_size: ArrayLike = 0.0) -> np.ndarray:
    """Order-up-to level S = s + Q_lot.

    With Q_lot = 0 this is the (R, S) base-stock policy (order back up to s at every review);
    with Q_lot = EOQ it is the (s, S) policy that orders at least an economic lot.
    """
    return np.asarray(reorder_point_, dtype=float) + np.nan_to_num(
        np.asarray(lot_size, dtype=float)
    )


def round_order_quantity(
    quantity: ArrayLike, min_order_qty: ArrayLike = 0.0, pack_size: ArrayLike = 1.0
) -> np.ndarray:
    """Apply the supplier's minimum order quantity and pack size to a raw order quantity.

    q' = ceil(max(q, MOQ) / pack) * pack for q > 0, else 0. The MOQ is applied first and the
    result is rounded *up* to whole packs, so both constraints hold after rounding (a MOQ that
    is not a multiple of the pack becomes the next multiple). Missing MOQ means none; a
    missing or non-positive pack size means single units.

    Example: q = 37, MOQ = 50, pack = 12 -> max(37, 50) = 50 -> ceil(50 / 12) = 5 packs = 60.
    """
    q = np.nan_to_num(np.asarray(quantity, dtype=float))
    moq = np.nan_to_num(np.asarray(min_order_qty, dtype=float))
    pack = np.asarray(pack_size, dtype=float)
    pack = np.where(np.isnan(pack) | (pack <= 0), 1.0, pack)
    raised = np.maximum(q, moq)
    # A tiny tolerance keeps 24.000000001 / 12 from becoming 3 packs.
    packs = np.ceil(raised / pack - 1e-9)
    return np.where(q > 0, packs * pack, 0.0)


def suggested_order_quantity(
    position: ArrayLike,
    reorder_point_: ArrayLike,
    order_up_to: ArrayLike,
    min_order_qty: ArrayLike = 0.0,
    pack_size: ArrayLike = 1.0,
) -> np.ndarray:
    """Order quantity: round(S - IP) when IP <= s, else 0.

    ``round`` is :func:`round_order_quantity` (MOQ, then whole packs).
    """
    ip = np.asarray(position, dtype=float)
    raw = np.where(
        ip <= np.asarray(reorder_point_, dtype=float),
        np.maximum(np.asarray(order_up_to, dtype=float) - ip, 0.0),
        0.0,
    )
    return round_order_quantity(raw, min_order_qty, pack_size)


def stockout_day_index(position: ArrayLike, daily_demand: ArrayLike) -> np.ndarray:
    """Index of the first day whose cumulative demand exceeds the inventory position.

    Args:
        position: Inventory position per SKU, shape (n,).
        daily_demand: Expected (p50) daily demand per SKU and future day, shape (n, T).

    Returns:
        Day index 0..T-1 per SKU, or -1 when the position lasts the whole horizon.
    """
    path = np.nan_to_num(np.atleast_2d(np.asarray(daily_demand, dtype=float)))
    ip = np.asarray(position, dtype=float).reshape(-1, 1)
    out_of_stock = np.cumsum(path, axis=1) > ip
    first = out_of_stock.argmax(axis=1)
    return np.where(out_of_stock.any(axis=1), first, -1)


def projected_stockout_date(
    position: ArrayLike, daily_demand: ArrayLike, dates: Sequence | pd.DatetimeIndex
) -> list[pd.Timestamp | None]:
    """Projected stockout date: first date whose cumulative p50 demand exceeds the position.

    ``None`` when the position covers the whole forecast horizon (we cannot see further).
    ``dates`` labels the columns of ``daily_demand``.
    """
    idx = stockout_day_index(position, daily_demand)
    labels = pd.DatetimeIndex(dates)
    return [labels[i] if i >= 0 else None for i in idx]
