"""Day-by-day inventory simulation of a chunk of SKUs under an imperfect (s, S) planner.

Vectorised across the SKUs of a chunk and stepping one day at a time, because
today's stock depends on yesterday's orders. Each day, per SKU:

1. morning: purchase orders due today arrive (``on_hand`` up, ``on_order`` and
   ``in_transit`` down); a partially delivered order is closed, its shortfall cancelled;
2. the day's true demand meets the shelf: ``sold = min(demand, on_hand)``; the rest
   is ``unmet`` and lost (a lost-sales model: nobody comes back for it);
3. the planner updates an exponentially weighted average of *sales* (so stockouts
   bias it low, unless this planner knows to skip stockout days);
4. on the SKU's weekly review day the planner compares the inventory position
   ``on_hand + on_order`` with ``s = d (L + R) + z sigma sqrt(L + R)`` and, below it,
   orders up to ``S = s + d * cover``, rounded up to the pack size and at least the
   supplier's minimum order quantity.

The planner is imperfect on purpose: a biased demand estimate, a safety factor ``z``
that is often too small, and the supplier's *quoted* lead time ``L``, blind to its
variability, late deliveries and partial deliveries. So some SKUs stock out and some
never do. Every state is a pure function of the SKU's own draws: the chunk a SKU
lands in changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.datagen.catalog import Suppliers
from ml.datagen.demand import Sku

REVIEW_DAYS = 7
"""Review period R: each SKU is reviewed once a week on its own weekday."""

ON_TIME_SHIFT = 0.8
"""Normal deliveries scatter around the quoted lead time shifted early by this many std:
suppliers quote with some slack, so without a late event most orders come on time."""

EWMA_SPAN = 28
"""Span (days) of the planner's exponentially weighted average of daily sales."""


@dataclass
class SimResult:
    """Daily states (shape ``(n_skus, n_days)``) and the purchase orders of a chunk."""

    sold: np.ndarray
    unmet: np.ndarray
    on_hand: np.ndarray
    on_order: np.ndarray
    in_transit: np.ndarray
    po_sku: np.ndarray
    po_order_day: np.ndarray
    po_quantity: np.ndarray
    po_expected_day: np.ndarray
    po_arrival_day: np.ndarray
    po_received: np.ndarray


def simulate(skus: list[Sku], suppliers: Suppliers, n_days: int) -> SimResult:
    """Run the inventory simulation for a chunk of SKUs.

    Args:
        skus: The chunk's SKUs (their demand paths and planner habits).
        suppliers: The supplier base (lead times, MOQ, reliability).
        n_days: Days of history.

    Returns:
        Daily sold / unmet / on-hand / on-order / in-transit per SKU and every purchase
        order placed (``po_sku`` is the position in ``skus``; an arrival day
        ``>= n_days`` means still open at the end of the history).
    """
    n = len(skus)
    demand = np.stack([s.demand for s in skus])
    sup = np.array([s.supplier for s in skus])
    lead = suppliers.lead_time_days[sup].astype(np.int64)
    lead_std = suppliers.lead_time_std_days[sup]
    late_p = suppliers.late_prob[sup]
    partial_p = suppliers.partial_prob[sup]
    transit_share = suppliers.transit_share[sup]
    pack = np.array([s.pack_size for s in skus], dtype=np.int64)
    moq = np.ceil(suppliers.min_order_qty[sup] / pack).astype(np.int64) * pack
    intro = np.array([s.intro for s in skus])
    end = np.array([s.end for s in skus])
    bias = np.array([s.bias for s in skus])
    z = np.array([s.safety_z for s in skus])
    cover = np.array([s.cover_days for s in skus])
    offset = np.array([s.review_offset for s in skus])
    aware = np.array([s.censor_aware for s in skus])
    last_order_day = np.where(end < n_days, end - lead - REVIEW_DAYS, n_days)
    lt_noise = np.stack([s.lt_noise for s in skus])
    late_u = np.stack([s.late_u for s in skus])
    late_extra = np.stack([s.late_extra for s in skus])
    partial_u = np.stack([s.partial_u for s in skus])
    partial_frac = np.stack([s.partial_frac for s in skus])

    # The planner starts from an estimate of the first four weeks of its life.
    rows = np.arange(n)
    first = np.stack([demand[i, intro[i] : intro[i] + EWMA_SPAN].mean() for i in rows])
    est = first.astype(float)
    var = np.maximum(est, 0.25)
    horizon = lead + REVIEW_DAYS
    s0 = bias * est * horizon + z * bias * np.sqrt(var * horizon)
    opening = np.ceil(s0 + bias * est * cover).astype(np.int64)
    alpha = 2.0 / (EWMA_SPAN + 1)

    # Future events land in calendars; column n_days collects everything beyond the end.
    recv_cal = np.zeros((n, n_days + 1), dtype=np.int64)
    close_cal = np.zeros((n, n_days + 1), dtype=np.int64)
    ship_cal = np.zeros((n, n_days + 1), dtype=np.int64)

    on_hand = np.zeros(n, dtype=np.int64)
    on_order = np.zeros(n, dtype=np.int64)
    in_transit = np.zeros(n, dtype=np.int64)
    out = {
        k: np.zeros((n, n_days), dtype=np.int32)
        for k in ("sold", "unmet", "on_hand", "on_order", "in_transit")
    }
    po: dict[str, list[np.ndarray]] = {
        k: [] for k in ("sku", "order_day", "quantity", "expected_day", "arrival_day", "received")
    }

    for d in range(n_days):
        recv = recv_cal[:, d]
        on_hand += recv
        on_order -= close_cal[:, d]
        in_transit += ship_cal[:, d] - recv
        opening_today = intro == d
        on_hand[opening_today] = opening[opening_today]

        today = demand[:, d]
        sold = np.minimum(today, on_hand)
        on_hand -= sold
        unmet = today - sold

        active = (d >= intro) & (d < end)
        learn = active & ~(aware & (unmet > 0))
        diff = sold - est
        est = np.where(learn, est + alpha * diff, est)
        var = np.where(learn, (1.0 - alpha) * (var + alpha * diff * diff), var)

        k, rem = np.divmod(d - offset, REVIEW_DAYS)
        review = active & (rem == 0) & (d < last_order_day)
        if review.any():
            i = np.flatnonzero(review)
            d_hat = bias[i] * est[i]
            sigma = bias[i] * np.sqrt(var[i])
            h = horizon[i]
            s_level = d_hat * h + z[i] * sigma * np.sqrt(h)
            position = on_hand[i] + on_order[i]
            order = position <= s_level
            i = i[order]
            if i.size:
                kk = k[i]
                up_to = s_level[order] + d_hat[order] * cover[i]
                need = np.maximum(up_to - position[order], 1.0)
                qty = np.maximum(np.ceil(need / pack[i]).astype(np.int64) * pack[i], moq[i])
                scatter = np.rint((lt_noise[i, kk] - ON_TIME_SHIFT) * lead_std[i])
                actual = np.maximum(np.maximum(1, np.rint(0.6 * lead[i])), lead[i] + scatter)
                actual = actual + np.where(late_u[i, kk] < late_p[i], late_extra[i, kk], 0.0)
                actual = actual.astype(np.int64)
                short = partial_u[i, kk] < partial_p[i]
                received = np.where(
                    short, np.maximum(1, np.floor(qty * partial_frac[i, kk])), qty
                ).astype(np.int64)
                arrival = d + actual
                transit = np.rint(actual * transit_share[i]).astype(np.int64)
                ship = np.maximum(d + 1, arrival - transit)
                np.add.at(recv_cal, (i, np.minimum(arrival, n_days)), received)
                np.add.at(close_cal, (i, np.minimum(arrival, n_days)), qty)
                np.add.at(ship_cal, (i, np.minimum(ship, n_days)), received)
                on_order[i] += qty
                po["sku"].append(i)
                po["order_day"].append(np.full(i.size, d))
                po["quantity"].append(qty)
                po["expected_day"].append(d + lead[i])
                po["arrival_day"].append(arrival)
                po["received"].append(received)

        out["sold"][:, d] = sold
        out["unmet"][:, d] = unmet
        out["on_hand"][:, d] = on_hand
        out["on_order"][:, d] = on_order
        out["in_transit"][:, d] = in_transit

    def cat(key: str) -> np.ndarray:
        return np.concatenate(po[key]) if po[key] else np.zeros(0, dtype=np.int64)

    return SimResult(
        sold=out["sold"],
        unmet=out["unmet"],
        on_hand=out["on_hand"],
        on_order=out["on_order"],
        in_transit=out["in_transit"],
        po_sku=cat("sku"),
        po_order_day=cat("order_day"),
        po_quantity=cat("quantity"),
        po_expected_day=cat("expected_day"),
        po_arrival_day=cat("arrival_day"),
        po_received=cat("received"),
    )
