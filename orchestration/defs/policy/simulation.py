"""Policy replay on the warehouse's own history: the core behind the asset and the CLI.

Both the ``policy_simulation`` asset and ``stockcast policy-sim`` call
:func:`load_simulation_frames` (warehouse reads), :func:`prepare_simulation` (frames to
arrays) and :func:`run_policy_simulation` (``ml.policy.simulate_policy`` and ``sweep`` for
three policies), so the JSON a planner gets from the command is the table the asset writes.

The forecast-distribution policy needs forecasts that were *issued during* the held-out
period, each from the data before its issue date. The production forecaster is a separate,
heavier asset; replaying it every week of the period is its own backtest's job. Here the
default is :class:`ml.policy.RollingQuantileForecaster`, a deliberately simple, documented stand-in:
day-of-week means of the last 8 weeks plus empirical quantiles of that window's residuals.
Any callable with the same signature (``observed (n, t) -> quantiles (n, H, k)``) can be
passed instead, e.g. a wrapper around the production model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ml.policy import (
    FORECAST_LEVELS,
    FixedFactorPolicy,
    ForecastIssue,
    ForecastPolicy,
    RollingQuantileForecaster,
    ServiceLevelPolicy,
    classify_demand,
    lead_time_stats,
    simulate_policy,
    sweep,
)
from orchestration.warehouse import Warehouse

Relation = tuple[str, str]
Forecaster = Callable[[np.ndarray, int], np.ndarray]
"""``forecaster(observed, horizon)``: observed demand (n_sku, t) up to the day before the
issue -> quantiles (n_sku, horizon, n_levels) for the next ``horizon`` days."""

SWEEP_SERVICE_LEVELS: tuple[float, ...] = (0.8, 0.85, 0.9, 0.95, 0.97, 0.98, 0.99)
SWEEP_SAFETY_FACTORS: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
METRICS = ("fill_rate", "cycle_service_level", "stockout_days", "avg_inventory_value", "orders")


@dataclass
class SimulationSetup:
    """Arrays for :func:`ml.policy.simulate_policy`, aligned by SKU.

    Attributes:
        skus: SKU per row.
        dates: Days of the held-out period.
        history: Demand before the period (n_sku, n_hist).
        demand: Demand of the period (n_sku, n_days).
        lead_time_mean: Mean lead time per SKU, learned from orders placed before the period.
        lead_time_std: Its standard deviation.
        unit_cost: Cost per unit (inventory value).
        min_order_qty: Supplier MOQ per SKU.
        pack_size: Pack size per SKU.
        demand_class: Syntetos-Boylan class from the history.
        notes: What was left out and why.
    """

    skus: np.ndarray
    dates: pd.DatetimeIndex
    history: np.ndarray
    demand: np.ndarray
    lead_time_mean: np.ndarray
    lead_time_std: np.ndarray
    unit_cost: np.ndarray
    min_order_qty: np.ndarray
    pack_size: np.ndarray
    demand_class: np.ndarray
    notes: list[str] = field(default_factory=list)


@dataclass
class SimulationReport:
    """Outcome of one replay: summary rows per policy and segment, and the trade-off sweep."""

    summary: pd.DataFrame
    tradeoff: pd.DataFrame
    info: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (what ``stockcast policy-sim`` prints)."""
        policies: dict[str, Any] = {}
        for name, rows in self.summary.groupby("policy", sort=False):
            by_seg = {r["segment"]: _metrics(r) for _, r in rows.iterrows()}
            policies[str(name)] = {
                "overall": by_seg.pop("all"),
                "by_demand_class": by_seg,
            }
        return {
            **self.info,
            "policies": policies,
            "tradeoff": [_clean(r) for r in self.tradeoff.to_dict(orient="records")],
        }


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if not np.isfinite(value) else round(float(value), 6)
    return value


def _metrics(row: pd.Series) -> dict[str, Any]:
    return _clean({"skus": int(row["skus"]), **{m: row[m] for m in METRICS}})


def load_simulation_frames(
    wh: Warehouse, marts: Mapping[str, Relation], holdout_days: int, history_days: int
) -> dict[str, pd.DataFrame]:
    """Read the sales of the history and the held-out period, products, suppliers, orders."""
    sales_rel = marts["fct_daily_sales"]
    last = wh.max_value(*sales_rel, "date")
    if last is None:
        raise ValueError(f"{'.'.join(sales_rel)} is empty: run ingestion and dbt first")
    since = (pd.Timestamp(last) - pd.Timedelta(days=holdout_days + history_days - 1)).date()
    return {
        "sales": wh.read_since(*sales_rel, "date", since, columns=["sku", "date", "quantity"]),
        "products": wh.read_table(*marts["dim_products"]),
        "suppliers": wh.read_table(*marts["dim_suppliers"]),
        "purchase_orders": wh.read_table(*marts["fct_purchase_orders"]),
    }


def prepare_simulation(
    sales: pd.DataFrame,
    products: pd.DataFrame,
    suppliers: pd.DataFrame,
    purchase_orders: pd.DataFrame,
    holdout_days: int = 90,
    history_days: int = 182,
    min_receipts: int = 5,
) -> SimulationSetup:
    """Split daily demand into history and the held-out period, and gather SKU facts.

    The held-out period is the last ``holdout_days`` days with sales; the history the
    ``history_days`` before it. Only SKUs selling since before the history starts are
    replayed (a SKU launched mid-window would look like zero demand before its launch).
    Lead times are learned only from purchase orders placed before the period, so no policy
    knows how suppliers behaved during it.

    Demand is the sold quantity of ``fct_daily_sales``: on stockout days it understates true
    demand, for every policy alike.
    """
    s = sales[["sku", "date", "quantity"]].copy()
    s["date"] = pd.to_datetime(s["date"]).dt.normalize()
    s["sku"] = s["sku"].astype(str)
    end = s["date"].max()
    start = end - pd.Timedelta(days=holdout_days - 1)
    hist_start = start - pd.Timedelta(days=history_days)
    calendar = pd.date_range(hist_start, end, freq="D")
    first = s.groupby("sku")["date"].min()
    eligible = sorted(first.index[first <= hist_start])
    notes = []
    if len(eligible) < len(first):
        notes.append(
            f"{len(first) - len(eligible)} SKU(s) left out: no sales before "
            f"{hist_start.date()} (launched inside the history window)"
        )
    wide = (
        s[s["sku"].isin(eligible) & (s["date"] >= hist_start)]
        .pivot_table(index="sku", columns="date", values="quantity", aggfunc="sum")
        .reindex(index=eligible, columns=calendar)
        .fillna(0.0)
    )
    values = np.maximum(wide.to_numpy(dtype=float), 0.0)
    history, demand = values[:, :history_days], values[:, history_days:]

    prod = products.astype({"sku": str}).set_index("sku").reindex(eligible)
    prod["supplier_id"] = prod["supplier_id"].astype(str)
    supp = suppliers.astype({"supplier_id": str})
    po = purchase_orders[pd.to_datetime(purchase_orders["order_date"]) < start]
    pairs = pd.DataFrame({"sku": eligible, "supplier_id": prod["supplier_id"].to_numpy()})
    lead = lead_time_stats(po, pairs=pairs, suppliers=supp, min_receipts=min_receipts)
    lead = lead.set_index("sku").reindex(eligible)
    moq = prod["supplier_id"].map(supp.set_index("supplier_id")["min_order_qty"]).astype(float)
    cost = prod["unit_cost"].astype(float)
    if cost.isna().any():
        notes.append(f"{int(cost.isna().sum())} SKU(s) without unit cost valued at the median")
        cost = cost.fillna(cost.median() if cost.notna().any() else 1.0)
    return SimulationSetup(
        skus=np.asarray(eligible, dtype=object),
        dates=calendar[history_days:],
        history=history,
        demand=demand,
        lead_time_mean=lead["lead_time_mean"].to_numpy(dtype=float),
        lead_time_std=lead["lead_time_std"].to_numpy(dtype=float),
        unit_cost=cost.to_numpy(dtype=float),
        min_order_qty=moq.fillna(0.0).to_numpy(dtype=float),
        pack_size=prod["pack_size"].astype(float).fillna(1.0).clip(lower=1.0).to_numpy(),
        demand_class=classify_demand(history),
        notes=notes,
    )


def forecast_issues(
    setup: SimulationSetup, forecaster: Forecaster, review_period_days: int, horizon: int = 35
) -> list[ForecastIssue]:
    """Forecasts issued on day 0 and the day after every review day, each from past data only.

    The issue starting on day ``t + 1`` is built from demand up to and including day ``t``
    (the day the order decision is taken), so no policy sees demand it could not have seen.
    """
    full = np.concatenate([setup.history, setup.demand], axis=1)
    offset = setup.history.shape[1]
    days = setup.demand.shape[1]
    starts = sorted({0} | {t + 1 for t in range(0, days, max(review_period_days, 1))})
    return [
        ForecastIssue(start, forecaster(full[:, : offset + start], horizon))
        for start in starts
        if start < days
    ]


def _equal_inventory(tradeoff: pd.DataFrame, policy: str, target: pd.Series) -> dict[str, Any]:
    """Fill rate of ``policy``'s curve at the inventory of ``target``, interpolated."""
    curve = tradeoff[tradeoff["policy"] == policy].sort_values("avg_inventory_value")
    x, y = curve["avg_inventory_value"].to_numpy(), curve["fill_rate"].to_numpy()
    inv = float(target["avg_inventory_value"])
    inside = bool(len(x) and x[0] <= inv <= x[-1])
    other = float(np.interp(inv, x, y)) if inside else None
    return {
        "avg_inventory_value": inv,
        "forecast_fill_rate": float(target["fill_rate"]),
        f"{policy}_fill_rate_at_same_inventory": other,
        "difference_points": None if other is None else 100 * (target["fill_rate"] - other),
        "within_curve": inside,
    }


def run_policy_simulation(
    setup: SimulationSetup,
    service_level: float = 0.95,
    safety_factor: float = 0.5,
    review_period_days: int = 7,
    forecaster: Forecaster | None = None,
    forecaster_name: str | None = None,
    sweep_levels: Sequence[float] = SWEEP_SERVICE_LEVELS,
    sweep_factors: Sequence[float] = SWEEP_SAFETY_FACTORS,
    seed: int = 0,
) -> SimulationReport:
    """Replay the held-out period under the three policies and sweep their parameters.

    Policies: ``fixed_factor`` (``safety_factor``), ``service_level`` and ``forecast`` (both at
    ``service_level``), all with review period R and lost sales; lead times drawn from each
    SKU's learned distribution with the same ``seed`` for every policy and sweep point.

    Returns:
        Summary rows (policy x segment, segment ``all`` plus each demand class), the trade-off
        rows (policy, parameter, value, metrics) and run facts in ``info``.
    """
    forecaster = forecaster or RollingQuantileForecaster()
    levels = tuple(getattr(forecaster, "levels", FORECAST_LEVELS))
    issues = forecast_issues(setup, forecaster, review_period_days)
    common: dict[str, Any] = {
        "history": setup.history,
        "review_period_days": review_period_days,
        "unit_cost": setup.unit_cost,
        "min_order_qty": setup.min_order_qty,
        "pack_size": setup.pack_size,
        "seed": seed,
    }
    args = (setup.demand, setup.lead_time_mean, setup.lead_time_std)
    policies = [
        FixedFactorPolicy(safety_factor),
        ServiceLevelPolicy(service_level),
        ForecastPolicy(service_level, issues, levels),
    ]
    summary = pd.concat(
        [simulate_policy(p, *args, demand_class=setup.demand_class, **common) for p in policies],
        ignore_index=True,
    )
    curves = [
        sweep(FixedFactorPolicy, sweep_factors, *args, **common).assign(parameter="safety_factor"),
        sweep(ServiceLevelPolicy, sweep_levels, *args, **common).assign(parameter="service_level"),
        sweep(lambda v: ForecastPolicy(v, issues, levels), sweep_levels, *args, **common).assign(
            parameter="service_level"
        ),
    ]
    tradeoff = pd.concat(curves, ignore_index=True)[
        ["policy", "parameter", "value", *METRICS, "stockout_day_share", "demand", "lost"]
    ]
    forecast_row = summary[(summary["policy"] == "forecast") & (summary["segment"] == "all")]
    info = {
        "target_service_level": service_level,
        "safety_factor": safety_factor,
        "review_period_days": review_period_days,
        "period_start": str(setup.dates[0].date()),
        "period_end": str(setup.dates[-1].date()),
        "history_days": int(setup.history.shape[1]),
        "skus": len(setup.skus),
        "seed": seed,
        "forecaster": forecaster_name or type(forecaster).__name__,
        "forecast_issues": len(issues),
        "equal_inventory_vs_fixed_factor": _clean(
            _equal_inventory(tradeoff, "fixed_factor", forecast_row.iloc[0])
        ),
        "notes": setup.notes,
    }
    return SimulationReport(summary=summary, tradeoff=tradeoff, info=info)
