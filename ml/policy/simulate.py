"""Policy simulator: replay a held-out period day by day and score each inventory policy.

Vectorised across SKUs, looping over days only, so 10,000 SKUs x 90 days takes seconds.

Day t runs in this order: (1) orders due on day t arrive at the start of the day; (2) the
day's real demand is served from stock, unmet demand is lost (lost sales, the retail case);
(3) on review days (every R days, every day when R = 0) the policy sees only what it would
have known at the end of day t (demand up to and including t, forecasts issued for days up to
t + 1) and returns a reorder point s and order-up-to level S per SKU; SKUs with inventory
position IP <= s order round(S - IP) (MOQ, packs). An order placed on day t arrives at the
start of day t + L, with L drawn per SKU and order day from the SKU's lead-time distribution
(gamma with its mean and std, rounded to whole days, at least 1; fixed when std = 0). Lead
times are drawn once per seed before the replay, so every policy meets the same delays
(common random numbers make policy differences sharper than the noise).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ml.policy.ordering import round_order_quantity
from ml.policy.safety_stock import (
    lead_time_demand_from_moments,
    lead_time_pmf,
    moments_from_quantiles,
    safety_stock_fixed,
    safety_stock_service_level,
)

SUMMARY_COLUMNS = [
    "policy",
    "segment",
    "skus",
    "fill_rate",
    "cycle_service_level",
    "stockout_days",
    "stockout_day_share",
    "avg_inventory_value",
    "orders",
    "demand",
    "served",
    "lost",
]


@dataclass
class SimulationContext:
    """What a policy may look at: demand history up to the decision day and the SKU facts.

    ``demand`` holds history then the replayed period; a policy deciding at the end of day t
    may read columns ``[: offset + t + 1]`` only, which :meth:`window` enforces.
    """

    demand: np.ndarray
    offset: int
    lead_time_mean: np.ndarray
    lead_time_std: np.ndarray
    review_period_days: int
    _csum: np.ndarray = field(init=False, repr=False)
    _csum2: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        zeros = np.zeros((self.demand.shape[0], 1))
        self._csum = np.concatenate([zeros, np.cumsum(self.demand, axis=1)], axis=1)
        self._csum2 = np.concatenate([zeros, np.cumsum(self.demand**2, axis=1)], axis=1)

    def window(self, day: int, length: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean and std of daily demand over the ``length`` days ending with ``day``."""
        end = self.offset + day + 1
        start = max(end - length, 0)
        count = max(end - start, 1)
        total = self._csum[:, end] - self._csum[:, start]
        total2 = self._csum2[:, end] - self._csum2[:, start]
        mean = total / count
        var = np.maximum(total2 / count - mean**2, 0.0) * (count / max(count - 1, 1))
        return mean, np.sqrt(var)


class Policy(Protocol):
    """An inventory policy as the simulator sees it."""

    name: str

    def levels(self, day: int, ctx: SimulationContext) -> tuple[np.ndarray, np.ndarray]:
        """Reorder point s and order-up-to level S per SKU at the end of ``day``."""
        ...


@dataclass
class FixedFactorPolicy:
    """s = S = d (L + R) + d L k, with d the mean of the last ``window`` days."""

    safety_factor: float
    window: int = 28
    name: str = "fixed_factor"

    def levels(self, day: int, ctx: SimulationContext) -> tuple[np.ndarray, np.ndarray]:
        """Reorder point and order-up-to level from rolling history."""
        d, _ = ctx.window(day, self.window)
        lt = ctx.lead_time_mean
        s = d * (lt + ctx.review_period_days) + safety_stock_fixed(d, lt, self.safety_factor)
        return s, s


@dataclass
class ServiceLevelPolicy:
    """s = S = d (L + R) + z sqrt((L + R) sigma_d^2 + d^2 sigma_L^2) from rolling history."""

    service_level: float | np.ndarray
    window: int = 28
    name: str = "service_level"

    def levels(self, day: int, ctx: SimulationContext) -> tuple[np.ndarray, np.ndarray]:
        """Reorder point and order-up-to level from rolling history."""
        d, sd = ctx.window(day, self.window)
        lt, r = ctx.lead_time_mean, ctx.review_period_days
        s = d * (lt + r) + safety_stock_service_level(
            self.service_level, d, sd, lt, ctx.lead_time_std, r
        )
        return s, s


@dataclass
class ForecastIssue:
    """Forecast quantiles issued for days ``start_day .. start_day + H - 1`` of the replay.

    It is usable by a decision at the end of day t when ``start_day <= t + 1`` (it was made
    with data up to ``start_day - 1 <= t``). ``quantiles`` has shape (n_sku, H, n_levels).
    """

    start_day: int
    quantiles: np.ndarray


@dataclass
class ForecastPolicy:
    """s = S = the CSL quantile of demand over L + R from the latest usable forecast.

    Uses :func:`ml.policy.safety_stock.lead_time_demand_from_moments` on the part of the
    latest issue that starts at day t + 1; before the first usable issue it falls back to
    :class:`ServiceLevelPolicy` on rolling history.
    """

    service_level: float | np.ndarray
    issues: Sequence[ForecastIssue]
    quantile_levels: Sequence[float]
    error_correlation: float = 0.0
    window: int = 28
    name: str = "forecast"
    _moments: dict[int, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, init=False, repr=False
    )
    _lead_times: dict[int, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, init=False, repr=False
    )

    def levels(self, day: int, ctx: SimulationContext) -> tuple[np.ndarray, np.ndarray]:
        """Reorder point and order-up-to level from the latest usable forecast."""
        usable = [i for i, issue in enumerate(self.issues) if issue.start_day <= day + 1]
        if not usable:
            s, _ = ServiceLevelPolicy(self.service_level, self.window).levels(day, ctx)
            return s, s
        latest = max(usable, key=lambda i: self.issues[i].start_day)
        if latest not in self._moments:
            m = moments_from_quantiles(self.issues[latest].quantiles, self.quantile_levels)
            self._moments[latest] = (m.mean, m.var)
        mean, var = self._moments[latest]
        skip = day + 1 - self.issues[latest].start_day
        if skip >= mean.shape[1]:  # forecast exhausted: keep its last day
            skip = mean.shape[1] - 1
        if id(ctx) not in self._lead_times:  # lead-time facts are fixed within one replay
            self._lead_times = {id(ctx): lead_time_pmf(ctx.lead_time_mean, ctx.lead_time_std)}
        res = lead_time_demand_from_moments(
            mean[:, skip:],
            var[:, skip:],
            self.service_level,
            ctx.lead_time_mean,
            ctx.lead_time_std,
            ctx.review_period_days,
            self.error_correlation,
            self._lead_times[id(ctx)],
        )
        return res.quantile, res.quantile


def draw_lead_times(
    lead_time_mean: ArrayLike, lead_time_std: ArrayLike, days: int, seed: int
) -> np.ndarray:
    """Lead time in whole days (>= 1) per SKU and order day, shape (n_sku, days)."""
    m = np.asarray(lead_time_mean, dtype=float)
    s = np.broadcast_to(np.asarray(lead_time_std, dtype=float), m.shape)
    rng = np.random.default_rng(seed)
    random = (s > 0) & (m > 0)
    shape = np.where(random, (m / np.where(random, s, 1.0)) ** 2, 1.0)
    scale = np.where(random, s**2 / np.where(m > 0, m, 1.0), 1.0)
    draws = rng.gamma(shape[:, None], scale[:, None], size=(m.size, days))
    lead = np.where(random[:, None], draws, m[:, None])
    return np.maximum(np.rint(lead), 1).astype(int)


def classify_demand(history: ArrayLike, adi_cut: float = 1.32, cv2_cut: float = 0.49) -> np.ndarray:
    """Syntetos-Boylan demand class per SKU: smooth, erratic, intermittent or lumpy.

    ADI = days / days with demand; CV^2 = squared coefficient of variation of the non-zero
    demands. ADI < 1.32 and CV^2 < 0.49: smooth; ADI < 1.32: erratic; CV^2 < 0.49:
    intermittent; else lumpy. SKUs that never sold are ``no_demand``.
    """
    h = np.asarray(history, dtype=float)
    nz = h > 0
    count = nz.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        adi = h.shape[1] / count
        mean = np.where(count > 0, (h * nz).sum(axis=1) / count, np.nan)
        var = np.where(count > 0, ((h - mean[:, None]) ** 2 * nz).sum(axis=1) / count, np.nan)
        cv2 = var / mean**2
    out = np.select(
        [count == 0, (adi < adi_cut) & (cv2 < cv2_cut), adi < adi_cut, cv2 < cv2_cut],
        ["no_demand", "smooth", "erratic", "intermittent"],
        "lumpy",
    )
    return out.astype(object)


def simulate_policy(
    policy: Policy,
    demand: ArrayLike,
    lead_time_mean: ArrayLike,
    lead_time_std: ArrayLike = 0.0,
    *,
    unit_cost: ArrayLike = 1.0,
    review_period_days: int = 7,
    history: ArrayLike | None = None,
    initial_on_hand: ArrayLike | None = None,
    min_order_qty: ArrayLike = 0.0,
    pack_size: ArrayLike = 1.0,
    demand_class: ArrayLike | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Replay ``demand`` (n_sku x n_days) under ``policy`` and summarise the outcome.

    Metrics, overall (``segment = "all"``) and per ``demand_class`` value:

    * ``fill_rate``: served / demanded units.
    * ``cycle_service_level``: share of (SKU, review cycle) pairs with demand in which no
      demand went unmet (cycles are blocks of R days, or single days when R = 0).
    * ``stockout_days``: SKU-days with unmet demand (``stockout_day_share`` of all SKU-days).
    * ``avg_inventory_value``: mean over days of end-of-day stock x unit cost, summed over
      the segment's SKUs.
    * ``orders``: purchase orders placed.

    Args:
        policy: Decides s and S per SKU on review days.
        demand: Real demand of the replayed period, shape (n_sku, n_days).
        lead_time_mean: Mean lead time per SKU (days).
        lead_time_std: Lead-time std per SKU (days); 0 makes lead times fixed.
        unit_cost: Cost per unit per SKU (for inventory value).
        review_period_days: R; orders are decided on days 0, R, 2R, ... (every day if 0).
        history: Demand before the period (n_sku, n_hist), visible to the policy.
        initial_on_hand: Stock at the start; defaults to the policy's S at the end of history.
        min_order_qty: MOQ per SKU.
        pack_size: Pack size per SKU.
        demand_class: Segment label per SKU (e.g. from :func:`classify_demand`).
        seed: Seed of the lead-time draws.
    """
    dem = np.asarray(demand, dtype=float)
    n, days = dem.shape
    hist = np.zeros((n, 0)) if history is None else np.asarray(history, dtype=float)
    lt_mean = np.broadcast_to(np.asarray(lead_time_mean, dtype=float), (n,)).copy()
    lt_std = np.broadcast_to(np.asarray(lead_time_std, dtype=float), (n,)).copy()
    review = int(review_period_days)
    ctx = SimulationContext(
        np.concatenate([hist, dem], axis=1), hist.shape[1], lt_mean, lt_std, review
    )
    cost = np.broadcast_to(np.asarray(unit_cost, dtype=float), (n,))
    moq = np.broadcast_to(np.asarray(min_order_qty, dtype=float), (n,))
    pack = np.broadcast_to(np.asarray(pack_size, dtype=float), (n,))
    lead = draw_lead_times(lt_mean, lt_std, days, seed)

    if initial_on_hand is None:
        on_hand = np.maximum(policy.levels(-1, ctx)[1], 0.0)
    else:
        on_hand = np.broadcast_to(np.asarray(initial_on_hand, dtype=float), (n,)).copy()
    on_order = np.zeros(n)
    arrivals = np.zeros((n, days + int(lead.max(initial=1)) + 1))
    served = np.zeros(n)
    stockout_days = np.zeros(n)
    inventory_value = np.zeros(n)
    orders = np.zeros(n)
    cycle = max(review, 1)
    n_cycles = -(-days // cycle)
    cycle_short = np.zeros((n, n_cycles), dtype=bool)
    cycle_demand = np.zeros((n, n_cycles), dtype=bool)
    rows = np.arange(n)

    for t in range(days):
        arriving = arrivals[:, t]
        on_hand += arriving
        on_order -= arriving
        sold = np.minimum(on_hand, dem[:, t])
        on_hand -= sold
        served += sold
        short = dem[:, t] - sold > 1e-9
        stockout_days += short
        cycle_short[:, t // cycle] |= short
        cycle_demand[:, t // cycle] |= dem[:, t] > 0
        inventory_value += on_hand * cost
        if review == 0 or t % review == 0:
            s, big_s = policy.levels(t, ctx)
            position = on_hand + on_order
            raw = np.where(position <= s, np.maximum(big_s - position, 0.0), 0.0)
            qty = round_order_quantity(raw, moq, pack)
            place = qty > 0
            if place.any():
                arrivals[rows[place], t + lead[place, t]] += qty[place]
                on_order += qty
                orders += place

    labels = (
        np.full(n, "all", dtype=object)
        if demand_class is None
        else np.asarray(demand_class, dtype=object)
    )
    segments = [("all", np.ones(n, dtype=bool))]
    if demand_class is not None:
        segments += [(str(c), labels == c) for c in sorted(set(labels.tolist()), key=str)]
    total = dem.sum(axis=1)
    out = []
    for name, mask in segments:
        demanded = total[mask].sum()
        cycles = cycle_demand[mask].sum()
        out.append(
            {
                "policy": policy.name,
                "segment": name,
                "skus": int(mask.sum()),
                "fill_rate": served[mask].sum() / demanded if demanded > 0 else np.nan,
                "cycle_service_level": 1.0 - (cycle_short[mask] & cycle_demand[mask]).sum() / cycles
                if cycles > 0
                else np.nan,
                "stockout_days": int(stockout_days[mask].sum()),
                "stockout_day_share": stockout_days[mask].sum() / max(mask.sum() * days, 1),
                "avg_inventory_value": inventory_value[mask].sum() / days,
                "orders": int(orders[mask].sum()),
                "demand": demanded,
                "served": served[mask].sum(),
                "lost": demanded - served[mask].sum(),
            }
        )
    return pd.DataFrame(out, columns=SUMMARY_COLUMNS)


def sweep(
    make_policy: Callable[[float], Policy],
    values: Sequence[float],
    demand: ArrayLike,
    lead_time_mean: ArrayLike,
    lead_time_std: ArrayLike = 0.0,
    **kwargs: object,
) -> pd.DataFrame:
    """Trade-off curve: simulate one policy per parameter value (service level or factor).

    Every run uses the same lead-time draws (same ``seed``), so the curve moves with the
    parameter, not with the noise. Returns the overall summary row of each run with a
    ``value`` column, ordered by value: plot ``avg_inventory_value`` against ``fill_rate``.
    """
    rows = []
    for value in sorted(values):
        summary = simulate_policy(
            make_policy(value), demand, lead_time_mean, lead_time_std, **kwargs
        )  # type: ignore[arg-type]
        rows.append(summary[summary["segment"] == "all"].assign(value=value))
    return pd.concat(rows, ignore_index=True)[["value", *SUMMARY_COLUMNS]]
