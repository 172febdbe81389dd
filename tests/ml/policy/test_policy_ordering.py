"""Reorder point, EOQ, order rounding, inventory position, stockout date, recommendations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ml.policy import (
    PolicyConfig,
    build_recommendations,
    economic_order_quantity,
    inventory_position,
    order_up_to_level,
    projected_stockout_date,
    reorder_point,
    round_order_quantity,
    suggested_order_quantity,
)

pytestmark = pytest.mark.unit


def test_inventory_position() -> None:
    # 50 on hand + 30 on order - 5 backordered = 75; missing counts as 0.
    got = inventory_position([50.0, 10.0], [30.0, np.nan], [5.0, 0.0])
    np.testing.assert_allclose(got, [75.0, 10.0])


def test_reorder_point_and_order_up_to() -> None:
    # s = d (L + R) + SS = 10 * (7 + 0) + 20 = 90; S = s + EOQ = 90 + 200 = 290
    s = reorder_point(10 * 7, 20)
    assert s == 90.0
    assert order_up_to_level(s, 200) == 290.0
    assert order_up_to_level(s) == 90.0


def test_eoq_by_hand() -> None:
    # sqrt(2 * 1200 * 50 / 3) = sqrt(40000) = 200; no holding cost -> 0 (no lot floor).
    np.testing.assert_allclose(
        economic_order_quantity([1200.0, 1200.0, 0.0], [50.0, 50.0, 50.0], [3.0, 0.0, 3.0]),
        [200.0, 0.0, 0.0],
    )


@pytest.mark.parametrize(
    ("qty", "moq", "pack", "expected"),
    [
        (37, 50, 12, 60),  # max(37, 50) = 50 -> ceil(50 / 12) = 5 packs -> 60
        (37, 0, 12, 48),  # ceil(37 / 12) = 4 packs -> 48
        (48, 0, 12, 48),  # already whole packs
        (3.2, 0, 1, 4),  # whole units
        (0, 50, 12, 0),  # nothing needed: MOQ does not force an order
        (130, 100, np.nan, 130),  # missing pack size means single units
        (24.0000000001, 0, 12, 24),  # float noise does not add a pack
    ],
)
def test_round_order_quantity(qty: float, moq: float, pack: float, expected: float) -> None:
    assert round_order_quantity(qty, moq, pack) == expected


def test_suggested_quantity_only_at_or_below_reorder_point() -> None:
    # IP 80 <= s 90: order S - IP = 120 - 80 = 40 -> packs of 6 -> 42. IP 95 > s: nothing.
    got = suggested_order_quantity([80.0, 95.0], 90.0, 120.0, 0.0, 6.0)
    np.testing.assert_allclose(got, [42.0, 0.0])


def test_projected_stockout_date() -> None:
    dates = pd.date_range("2026-01-02", periods=5)
    path = np.array([[10, 10, 10, 10, 10], [1, 1, 1, 1, 1], [10, 10, 10, 10, 10]], float)
    # SKU 0: cumulative 10, 20, 30 > 25 on the 3rd day; SKU 1: 5 never exceeds 10 -> None;
    # SKU 2: IP 0 and demand 10 on day 1 -> first day.
    got = projected_stockout_date([25.0, 10.0, 0.0], path, dates)
    assert got == [pd.Timestamp("2026-01-04"), None, pd.Timestamp("2026-01-02")]


def _item(**kw: object) -> pd.DataFrame:
    base = {
        "sku": "S1",
        "avg_daily_demand": 10.0,
        "demand_std": 3.0,
        "lead_time_mean": 7.0,
        "lead_time_std": 0.0,
        "on_hand": 50.0,
        "on_order": 30.0,
        "backordered": 5.0,
        "abc_class": "A",
        "supplier_id": "V1",
        "unit_cost": 2.0,
        "unit_price": 5.0,
        "min_order_qty": 100.0,
        "pack_size": 12.0,
        "order_cost": 50.0,
    }
    base.update(kw)
    return pd.DataFrame([base])


def test_recommendation_by_hand() -> None:
    # A item: CSL 0.98, z = 2.053749; R = 7, so L + R = 14.
    # SS = 2.053749 * sqrt(14 * 3^2) = 2.053749 * 11.224972 = 23.0533
    # s = 10 * 14 + 23.0533 = 163.0533 = S (no EOQ); IP = 50 + 30 - 5 = 75 <= s
    # raw = 163.0533 - 75 = 88.05 -> MOQ 100 -> ceil(100 / 12) = 9 packs = 108
    # stockout: cumulative 10/day first exceeds 75 on day 8 -> 2026-01-09
    rec = build_recommendations(
        _item(), PolicyConfig(review_period_days=7), as_of="2026-01-01"
    ).iloc[0]
    assert rec["service_level"] == 0.98
    assert rec["safety_stock"] == pytest.approx(23.0533, abs=1e-3)
    assert rec["reorder_point"] == pytest.approx(163.0533, abs=1e-3)
    assert rec["order_up_to"] == pytest.approx(163.0533, abs=1e-3)
    assert rec["inventory_position"] == 75.0
    assert rec["suggested_order_qty"] == 108.0
    assert rec["order_value"] == 216.0
    assert rec["projected_stockout_date"] == pd.Timestamp("2026-01-09")
    assert rec["method"] == "service_level"


def test_recommendation_fixed_factor_with_eoq() -> None:
    # SS = 10 * 7 * 0.5 = 35; s = 10 * (7 + 0) + 35 = 105
    # EOQ = sqrt(2 * 3650 * 50 / (0.25 * 2)) = sqrt(730000) = 854.4; S = 105 + 854.4 = 959.4
    # IP 75 -> raw 884.4 -> ceil(884.4 / 12) = 74 packs = 888
    cfg = PolicyConfig(method="fixed_factor", safety_factor=0.5, review_period_days=0, use_eoq=True)
    rec = build_recommendations(_item(), cfg, as_of="2026-01-01").iloc[0]
    assert rec["safety_stock"] == pytest.approx(35.0)
    assert rec["eoq"] == pytest.approx(854.4004, abs=1e-3)
    assert rec["order_up_to"] == pytest.approx(959.4004, abs=1e-3)
    assert rec["suggested_order_qty"] == 888.0


def test_recommendation_forecast_method_and_fallback() -> None:
    levels = (0.1, 0.5, 0.9, 0.99)
    dates = pd.date_range("2026-01-02", periods=30)
    q = stats.norm.ppf(levels, loc=10, scale=3)
    fc = pd.DataFrame(
        [
            {
                "sku": "S1",
                "date": d,
                **{f"p{int(lv * 100)}": v for lv, v in zip(levels, q, strict=True)},
            }
            for d in dates
        ]
    )
    items = pd.concat([_item(), _item(sku="S2")], ignore_index=True)
    cfg = PolicyConfig(method="forecast", review_period_days=7)
    recs = build_recommendations(items, cfg, forecasts=fc, as_of="2026-01-01")
    assert recs["method"].tolist() == ["forecast", "service_level"]  # S2 has no forecast
    # Normal daily forecasts N(10, 3^2), fixed L + R = 14: total mean 140, variance 14 * 9 = 126.
    # The total is fitted by a gamma (shape 140^2 / 126 = 155.6, scale 126 / 140 = 0.9), a bit
    # right-skewed, so SS = gamma p98 - 140 = 24.0, slightly above the normal 23.05.
    gamma_ss = stats.gamma.ppf(0.98, a=140**2 / 126, scale=126 / 140) - 140
    assert recs.loc[0, "safety_stock"] == pytest.approx(gamma_ss, rel=0.01)
    assert recs.loc[0, "safety_stock"] == pytest.approx(23.0533, rel=0.06)
    assert recs.loc[0, "protection_demand_mean"] == pytest.approx(140.0, rel=0.01)
    # Stockout from the p50 path (10/day): day 8 after as_of.
    assert recs.loc[0, "projected_stockout_date"] == pd.Timestamp("2026-01-09")


def test_recommendation_no_stockout_within_horizon() -> None:
    rec = build_recommendations(_item(on_hand=5000.0), as_of="2026-01-01", horizon_days=30).iloc[0]
    assert pd.isna(rec["projected_stockout_date"])
    assert rec["suggested_order_qty"] == 0.0
    assert rec["expected_shortage"] == pytest.approx(0.0, abs=1e-6)


def test_recommendations_require_columns() -> None:
    with pytest.raises(ValueError, match="on_hand"):
        build_recommendations(
            pd.DataFrame(
                {
                    "sku": ["a"],
                    "avg_daily_demand": [1.0],
                    "demand_std": [1.0],
                    "lead_time_mean": [3.0],
                }
            )
        )
