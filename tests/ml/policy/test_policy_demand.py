"""Demand statistics with calendar filling, ABC classes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.policy import abc_classes, demand_stats

pytestmark = pytest.mark.unit


def test_demand_stats_fill_missing_days_with_zero() -> None:
    sales = pd.DataFrame(
        {
            "sku": ["a", "a", "a", "b", "old"],
            "date": ["2026-01-10", "2026-01-10", "2026-01-08", "2026-01-09", "2025-01-01"],
            "quantity": [4.0, 6.0, 5.0, 3.0, 100.0],
        }
    )
    got = demand_stats(sales, "2026-01-10", window_days=5, skus=["a", "b", "c"]).set_index("sku")
    # a over Jan 6-10: [0, 0, 5, 0, 10] -> mean 15 / 5 = 3,
    # sample var = ((25 + 100) / 5 - 9) * 5/4 = 16 * 1.25 = 20 -> std 4.4721
    assert got.loc["a", "avg_daily_demand"] == pytest.approx(3.0)
    assert got.loc["a", "demand_std"] == pytest.approx(np.sqrt(20.0))
    assert got.loc["a", "demand_days"] == 2
    assert got.loc["b", "avg_daily_demand"] == pytest.approx(0.6)
    assert got.loc["c", "avg_daily_demand"] == 0.0  # no sales at all; "old" is outside
    assert "old" not in got.index


def test_abc_classes() -> None:
    # Total 100: a 60 (before 0 -> A), b 25 (before 0.60 -> A), c 10 (before 0.85 -> B),
    # d 4 (before 0.95 -> C), e 1 (C), f 0 (C).
    value = pd.Series([25.0, 60.0, 10.0, 4.0, 1.0, 0.0], index=list("bacdef"))
    assert abc_classes(value).to_dict() == {
        "b": "A",
        "a": "A",
        "c": "B",
        "d": "C",
        "e": "C",
        "f": "C",
    }
    assert (abc_classes(pd.Series([0.0, 0.0])) == "C").all()
