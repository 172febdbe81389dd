"""Domain features derived from the public backorder schema, as a pipeline step.

The public columns are absolute quantities, but a backorder is about *relations* between
them: stock against expected demand, stock plus what is on its way against the next three
months, stock against the minimum bank. Trees can only approximate a ratio with many
splits, so spelling those relations out gives every model (and every imbalance strategy)
the same head start. Being the first step of the imbalanced-learn pipeline, the features
are computed wherever the pipeline runs: in training, in :func:`~ml.backorder.predict_one`,
and when the ``backorder_risk`` asset scores ``fct_backorder_features`` rows. They use
only the row itself (nothing learned, no other rows), so they cannot leak across splits.

Example:
    >>> import pandas as pd
    >>> from ml.backorder.loader import FEATURE_COLUMNS
    >>> row = pd.DataFrame([{c: 0.0 for c in FEATURE_COLUMNS}])
    >>> DomainFeatures().fit_transform(row).shape[1] - len(FEATURE_COLUMNS)
    14
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

#: Added after the public columns, in this order.
DERIVED_COLUMNS: tuple[str, ...] = (
    "net_position_3m",
    "cover_forecast_3m",
    "cover_sales_1m",
    "cover_sales_3m",
    "supply_cover_3m",
    "min_bank_gap",
    "in_transit_share",
    "sales_trend_1m_3m",
    "forecast_trend_3m_9m",
    "forecast_vs_sales_3m",
    "lead_time_demand_gap",
    "perf_missing",
    "perf_trend",
    "has_past_due",
)

# Added to denominators so zero demand gives a large finite cover, not a division error.
_EPS = 1.0
# Weeks in three months: forecast_3_month / 13 is weekly demand (lead_time is in weeks).
_WEEKS_3M = 13.0


class DomainFeatures(TransformerMixin, BaseEstimator):
    """Append inventory-coverage and supply-position features to the public columns.

    Parameters:
        enabled: False passes the columns through unchanged (the derived features as a
            switch a search or a config can turn off).

    The derived columns (weekly demand is ``forecast_3_month / 13``):

    * ``net_position_3m = national_inv + in_transit_qty - forecast_3_month``
    * ``cover_forecast_3m = national_inv / (forecast_3_month + 1)``
    * ``cover_sales_1m = national_inv / (sales_1_month + 1)``
    * ``cover_sales_3m = national_inv / (sales_3_month / 3 + 1)`` (months of stock)
    * ``supply_cover_3m = (national_inv + in_transit_qty) / (forecast_3_month + 1)``
    * ``min_bank_gap = national_inv - min_bank``
    * ``in_transit_share = in_transit_qty / (forecast_3_month + 1)``
    * ``sales_trend_1m_3m = (3 * sales_1_month + 1) / (sales_3_month + 1)``
    * ``forecast_trend_3m_9m = (3 * forecast_3_month + 1) / (forecast_9_month + 1)``
    * ``forecast_vs_sales_3m = (forecast_3_month + 1) / (sales_3_month + 1)``
    * ``lead_time_demand_gap = national_inv + in_transit_qty - lead_time * weekly demand``
      (unknown lead time stays unknown)
    * ``perf_missing``: supplier performance unknown (``-99`` in the file)
    * ``perf_trend = perf_6_month_avg - perf_12_month_avg``
    * ``has_past_due = pieces_past_due > 0``
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled

    def fit(self, X: pd.DataFrame, y: Any = None) -> DomainFeatures:
        """Nothing to learn; records the input width for sklearn's checks."""
        self.n_features_in_ = X.shape[1]
        if hasattr(X, "columns"):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """The input columns, then :data:`DERIVED_COLUMNS` (float32) if enabled."""
        if not self.enabled:
            return X
        X = pd.DataFrame(X, columns=getattr(self, "feature_names_in_", None))
        f = {name: X[name].to_numpy(dtype="float64") for name in X.columns}
        inv, transit, f3 = f["national_inv"], f["in_transit_qty"], f["forecast_3_month"]
        s1, s3 = f["sales_1_month"], f["sales_3_month"]
        with np.errstate(invalid="ignore", divide="ignore"):
            derived = {
                "net_position_3m": inv + transit - f3,
                "cover_forecast_3m": inv / (f3 + _EPS),
                "cover_sales_1m": inv / (s1 + _EPS),
                "cover_sales_3m": inv / (s3 / 3 + _EPS),
                "supply_cover_3m": (inv + transit) / (f3 + _EPS),
                "min_bank_gap": inv - f["min_bank"],
                "in_transit_share": transit / (f3 + _EPS),
                "sales_trend_1m_3m": (3 * s1 + _EPS) / (s3 + _EPS),
                "forecast_trend_3m_9m": (3 * f3 + _EPS) / (f["forecast_9_month"] + _EPS),
                "forecast_vs_sales_3m": (f3 + _EPS) / (s3 + _EPS),
                "lead_time_demand_gap": inv + transit - f["lead_time"] * f3 / _WEEKS_3M,
                "perf_missing": np.isnan(f["perf_6_month_avg"]).astype("float64"),
                "perf_trend": f["perf_6_month_avg"] - f["perf_12_month_avg"],
                "has_past_due": (f["pieces_past_due"] > 0).astype("float64"),
            }
        extra = pd.DataFrame(derived, index=X.index).astype("float32")
        return pd.concat([X.astype("float32"), extra], axis=1)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Input names, then the derived names (sklearn's ``set_output`` protocol)."""
        names = list(input_features if input_features is not None else self.feature_names_in_)
        return np.asarray(names + (list(DERIVED_COLUMNS) if self.enabled else []), dtype=object)
