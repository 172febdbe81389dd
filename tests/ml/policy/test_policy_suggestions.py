"""Purchase suggestions: ranking by lost revenue, supplier grouping, greedy budget."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.policy import rank_purchase_suggestions, supplier_summary

pytestmark = pytest.mark.unit


@pytest.fixture
def recs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sku": ["a", "b", "c", "d", "e"],
            "supplier_id": ["V1", "V1", "V2", "V2", "V3"],
            "suggested_order_qty": [10.0, 10.0, 10.0, 10.0, 0.0],
            "order_value": [100.0, 500.0, 50.0, 300.0, 0.0],
            "expected_lost_revenue": [200.0, 600.0, 150.0, 30.0, 999.0],
            "projected_stockout_date": pd.to_datetime(
                ["2026-01-05", None, "2026-01-03", None, "2026-01-02"]
            ),
        }
    )


def test_ranked_by_lost_revenue_without_budget(recs: pd.DataFrame) -> None:
    lines = rank_purchase_suggestions(recs)
    # e has nothing to order and is not suggested, however much it would lose.
    assert lines["sku"].tolist() == ["b", "a", "c", "d"]
    assert lines["rank"].tolist() == [1, 2, 3, 4]
    assert lines["selected"].all()
    assert lines.set_index("sku")["supplier_rank"].to_dict() == {"b": 1, "a": 2, "c": 1, "d": 2}


def test_budget_greedy_by_revenue_per_cost(recs: pd.DataFrame) -> None:
    # Revenue per cost: c 150/50 = 3.0, a 200/100 = 2.0, b 600/500 = 1.2, d 30/300 = 0.1.
    # Budget 700: c (50) + a (100) = 150, b (500) -> 650, d (300) would make 950: skipped.
    lines = rank_purchase_suggestions(recs, budget=700.0).set_index("sku")
    assert lines["selected"].to_dict() == {"b": True, "a": True, "c": True, "d": False}
    assert lines.loc["b", "cumulative_value"] == 650.0
    # Budget 400: c, a (150), b does not fit (650), d fits (450)? no: 150 + 300 = 450 > 400.
    tight = rank_purchase_suggestions(recs, budget=400.0).set_index("sku")
    assert tight["selected"].to_dict() == {"b": False, "a": True, "c": True, "d": False}
    # Budget 460: b skipped, d fits after a and c (150 + 300 = 450).
    skip = rank_purchase_suggestions(recs, budget=460.0).set_index("sku")
    assert skip["selected"].to_dict() == {"b": False, "a": True, "c": True, "d": True}


def test_supplier_summary(recs: pd.DataFrame) -> None:
    summary = supplier_summary(rank_purchase_suggestions(recs, budget=700.0))
    # V1: a + b = 800 lost revenue, 600 value; V2: only c selected = 150, 50.
    assert summary["supplier_id"].tolist() == ["V1", "V2"]
    assert summary["expected_lost_revenue"].tolist() == [800.0, 150.0]
    assert summary["total_value"].tolist() == [600.0, 50.0]
    assert summary.loc[1, "earliest_stockout"] == pd.Timestamp("2026-01-03")
