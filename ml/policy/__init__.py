"""Inventory policy: safety stock, reorder points, purchase suggestions, alerts, simulation.

Pure typed functions on numpy and pandas (plus scipy for distributions): no Dagster, Dash or
database imports, so a notebook can use every piece alone.
"""

from ml.policy.alerts import (
    ALERT_COLUMNS,
    ALERT_TYPES,
    acknowledge,
    alert_conditions,
    empty_alerts,
    make_alert_id,
    resolve,
    update_alerts,
)
from ml.policy.config import DEFAULT_SERVICE_LEVELS, METHODS, PolicyConfig
from ml.policy.demand import abc_classes, demand_stats
from ml.policy.lead_time import effective_lead_times, lead_time_stats
from ml.policy.notifications import (
    OUTBOX_COLUMNS,
    empty_outbox,
    pending_notifications,
    plan_notifications,
    record_attempts,
)
from ml.policy.ordering import (
    economic_order_quantity,
    inventory_position,
    order_up_to_level,
    projected_stockout_date,
    reorder_point,
    round_order_quantity,
    suggested_order_quantity,
)
from ml.policy.recommend import build_recommendations, forecast_cube
from ml.policy.replay_forecaster import FORECAST_LEVELS, RollingQuantileForecaster
from ml.policy.safety_stock import (
    forecast_lead_time_demand,
    moments_from_quantiles,
    safety_stock_fixed,
    safety_stock_forecast,
    safety_stock_sample_paths,
    safety_stock_service_level,
    z_value,
)
from ml.policy.simulate import (
    FixedFactorPolicy,
    ForecastIssue,
    ForecastPolicy,
    ServiceLevelPolicy,
    classify_demand,
    simulate_policy,
    sweep,
)
from ml.policy.suggestions import rank_purchase_suggestions, supplier_summary

__all__ = [
    "FORECAST_LEVELS",
    "RollingQuantileForecaster",
    "ALERT_COLUMNS",
    "ALERT_TYPES",
    "DEFAULT_SERVICE_LEVELS",
    "METHODS",
    "OUTBOX_COLUMNS",
    "FixedFactorPolicy",
    "ForecastIssue",
    "ForecastPolicy",
    "PolicyConfig",
    "ServiceLevelPolicy",
    "abc_classes",
    "acknowledge",
    "alert_conditions",
    "build_recommendations",
    "classify_demand",
    "demand_stats",
    "economic_order_quantity",
    "effective_lead_times",
    "empty_alerts",
    "empty_outbox",
    "forecast_cube",
    "forecast_lead_time_demand",
    "inventory_position",
    "lead_time_stats",
    "make_alert_id",
    "moments_from_quantiles",
    "order_up_to_level",
    "pending_notifications",
    "plan_notifications",
    "projected_stockout_date",
    "rank_purchase_suggestions",
    "record_attempts",
    "reorder_point",
    "resolve",
    "round_order_quantity",
    "safety_stock_fixed",
    "safety_stock_forecast",
    "safety_stock_sample_paths",
    "safety_stock_service_level",
    "simulate_policy",
    "suggested_order_quantity",
    "supplier_summary",
    "sweep",
    "update_alerts",
    "z_value",
]
