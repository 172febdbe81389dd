"""The registry of suites, by name: one module per suite."""

from __future__ import annotations

from expectations.suites import (
    demand_forecasts,
    fct_daily_sales,
    raw_inventory,
    raw_products,
    raw_purchase_orders,
    raw_sales,
    raw_suppliers,
)
from expectations.suites._common import SuiteDefinition, Target

SUITES: dict[str, SuiteDefinition] = {
    module.DEFINITION.name: module.DEFINITION
    for module in (
        raw_products,
        raw_suppliers,
        raw_sales,
        raw_inventory,
        raw_purchase_orders,
        fct_daily_sales,
        demand_forecasts,
    )
}
"""Suite name (the table's dotted name, e.g. ``raw.sales``) -> definition."""

__all__ = ["SUITES", "SuiteDefinition", "Target"]
