"""Policy configuration: which safety-stock method and service level each SKU gets.

One small frozen dataclass so a planner's choices (global method, per-category and per-SKU
overrides, service level per ABC class) travel as one value from settings to every pure
function, and so two runs with equal configs give equal answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

import numpy as np
import pandas as pd

Method = Literal["fixed_factor", "service_level", "forecast"]
METHODS: tuple[str, ...] = ("fixed_factor", "service_level", "forecast")

#: Cycle service level per ABC class: A items are worth the extra stock, C items are not.
DEFAULT_SERVICE_LEVELS: dict[str, float] = {"A": 0.98, "B": 0.95, "C": 0.90}


def _check_method(method: str, where: str) -> None:
    if method not in METHODS:
        raise ValueError(f"{where}: unknown safety-stock method {method!r}; use one of {METHODS}")


def _check_level(level: float, where: str) -> None:
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"{where}: service level must lie strictly between 0 and 1, got {level}")


@dataclass(frozen=True)
class PolicyConfig:
    """Planner choices for the inventory policy, global with per-category and per-SKU overrides.

    Resolution order for the method is SKU override, then category override, then ``method``.
    Resolution order for the service level is SKU override, then the ABC class level, then
    ``default_service_level`` (for SKUs without a class).

    Attributes:
        method: Global safety-stock method: ``fixed_factor``, ``service_level`` or ``forecast``.
        category_methods: Method per product category.
        sku_methods: Method per SKU (wins over the category).
        service_levels: Cycle service level per ABC class.
        sku_service_levels: Service level per SKU (wins over the class).
        default_service_level: Level for SKUs whose class is missing or unknown.
        safety_factor: Multiplier of lead-time demand for the ``fixed_factor`` method.
        review_period_days: Days between two order decisions (R); 0 means continuous review.
        use_eoq: Order at least the economic order quantity when an order is due.
        holding_cost_rate: Yearly holding cost as a share of unit cost (for EOQ).
        min_receipts: Receipts needed before a SKU-supplier (then supplier) lead time is
            trusted rather than falling back to the next level.
        forecast_error_correlation: Correlation assumed between daily forecast errors when
            daily variances are summed (0 = independent days).
        excess_stock_days: Stock above order-up-to plus this many days of demand is excess.
        backorder_risk_threshold: Backorder probability from which an alert is raised.
    """

    method: Method = "service_level"
    category_methods: Mapping[str, Method] = field(default_factory=dict)
    sku_methods: Mapping[str, Method] = field(default_factory=dict)
    service_levels: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_SERVICE_LEVELS)
    )
    sku_service_levels: Mapping[str, float] = field(default_factory=dict)
    default_service_level: float = 0.95
    safety_factor: float = 0.5
    review_period_days: int = 7
    use_eoq: bool = False
    holding_cost_rate: float = 0.25
    min_receipts: int = 5
    forecast_error_correlation: float = 0.0
    excess_stock_days: float = 60.0
    backorder_risk_threshold: float = 0.5

    def __post_init__(self) -> None:
        _check_method(self.method, "method")
        for key, value in {**self.category_methods, **self.sku_methods}.items():
            _check_method(value, f"override {key!r}")
        for key, value in {**self.service_levels, **self.sku_service_levels}.items():
            _check_level(value, f"service level {key!r}")
        _check_level(self.default_service_level, "default_service_level")
        if self.safety_factor < 0:
            raise ValueError("safety_factor must be >= 0")
        if self.review_period_days < 0:
            raise ValueError("review_period_days must be >= 0")
        if self.min_receipts < 1:
            raise ValueError("min_receipts must be >= 1")
        if not 0.0 <= self.forecast_error_correlation <= 1.0:
            raise ValueError("forecast_error_correlation must lie in [0, 1]")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> PolicyConfig:
        """Build a config from the ``policy:`` section of ``stockcast.yaml``.

        Unknown keys are rejected so that a typo never silently falls back to a default.
        """
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"policy: unknown key(s) {sorted(unknown)}")
        if "service_levels" in data:
            data["service_levels"] = {**DEFAULT_SERVICE_LEVELS, **data["service_levels"]}
        return cls(**data)

    def method_for(self, sku: pd.Series, category: pd.Series | None = None) -> pd.Series:
        """Safety-stock method per SKU, applying SKU then category overrides."""
        sku = pd.Series(sku).astype(str).reset_index(drop=True)
        out = pd.Series(self.method, index=sku.index, dtype=object)
        if category is not None and self.category_methods:
            by_cat = pd.Series(category).reset_index(drop=True).map(self.category_methods)
            out = by_cat.where(by_cat.notna(), out)
        if self.sku_methods:
            by_sku = sku.map(self.sku_methods)
            out = by_sku.where(by_sku.notna(), out)
        return out.astype(str)

    def service_level_for(self, sku: pd.Series, abc_class: pd.Series | None = None) -> np.ndarray:
        """Service level per SKU: SKU override, then ABC class, then the default."""
        sku = pd.Series(sku).astype(str).reset_index(drop=True)
        out = np.full(len(sku), float(self.default_service_level))
        if abc_class is not None:
            by_class = (
                pd.Series(abc_class)
                .reset_index(drop=True)
                .astype(object)
                .map(lambda c: self.service_levels.get(str(c).upper()) if pd.notna(c) else None)
                .astype(float)
                .to_numpy()
            )
            out = np.where(np.isnan(by_class), out, by_class)
        if self.sku_service_levels:
            by_sku = sku.map(self.sku_service_levels).astype(float).to_numpy()
            out = np.where(np.isnan(by_sku), out, by_sku)
        return out
