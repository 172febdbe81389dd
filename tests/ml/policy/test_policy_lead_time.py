"""Lead-time distribution from purchase orders, with late/partial counts and fallbacks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.policy import lead_time_stats

pytestmark = pytest.mark.unit


def _po(
    sku: str,
    supplier: str,
    days: int,
    qty: float = 100.0,
    received: float = 100.0,
    promised: float = 12.0,
) -> dict:
    order = pd.Timestamp("2026-01-01")
    return {
        "sku": sku,
        "supplier_id": supplier,
        "order_date": order,
        "received_date": order + pd.Timedelta(days=days),
        "quantity": qty,
        "received_quantity": received,
        "promised_lead_time_days": promised,
    }


@pytest.fixture
def orders() -> pd.DataFrame:
    rows = [
        _po("A", "V1", 10),
        _po("A", "V1", 12),
        _po("A", "V1", 14),  # 14 > 12: late
        _po("A", "V1", 10, received=50.0),  # half delivered: 10 + 0.5 * 12 = 16 effective
        _po("A", "V1", 8),
        _po("B", "V1", 20),
        _po("B", "V1", 20),
        _po("C", "V2", 30),
    ]
    open_po = _po("A", "V1", 0)
    open_po["received_date"] = pd.NaT  # not received yet: no lead time, ignored
    return pd.DataFrame([*rows, open_po])


def test_pair_level_with_partial_and_late(orders: pd.DataFrame) -> None:
    # Effective lead times of A/V1: 10, 12, 14, 16, 8 -> mean 60 / 5 = 12,
    # sample std sqrt((4 + 0 + 4 + 16 + 16) / 4) = sqrt(10) = 3.1623
    stats = lead_time_stats(orders, min_receipts=5).set_index("sku")
    a = stats.loc["A"]
    assert a["lead_time_source"] == "sku_supplier"
    assert a["lead_time_mean"] == pytest.approx(12.0)
    assert a["lead_time_std"] == pytest.approx(np.sqrt(10.0))
    assert (a["n_receipts"], a["n_late"], a["n_partial"]) == (5, 1, 1)
    assert a["late_share"] == pytest.approx(0.2)


def test_fallbacks_supplier_then_stated_then_default(orders: pd.DataFrame) -> None:
    suppliers = pd.DataFrame(
        {"supplier_id": ["V2"], "lead_time_days": [20.0], "lead_time_std_days": [np.nan]}
    )
    pairs = pd.DataFrame({"sku": ["B", "C", "D"], "supplier_id": ["V1", "V2", "V9"]})
    stats = lead_time_stats(
        orders,
        pairs=pairs,
        suppliers=suppliers,
        min_receipts=5,
        default_lead_time_days=14.0,
        default_cv=0.25,
    ).set_index("sku")
    # B has 2 receipts -> supplier V1 over all 7: (10+12+14+16+8+20+20) / 7 = 100 / 7
    assert stats.loc["B", "lead_time_source"] == "supplier"
    assert stats.loc["B", "lead_time_mean"] == pytest.approx(100 / 7)
    assert stats.loc["B", "n_receipts"] == 2  # counts describe the pair itself
    assert stats.loc["B", "n_late"] == 2
    # C: supplier V2 has 1 receipt -> stated 20 days, std 0.25 * 20 = 5
    assert stats.loc["C", "lead_time_source"] == "stated"
    assert (stats.loc["C", "lead_time_mean"], stats.loc["C", "lead_time_std"]) == (20.0, 5.0)
    # D: nothing known -> default 14 days, std 3.5
    assert stats.loc["D", "lead_time_source"] == "default"
    assert (stats.loc["D", "lead_time_mean"], stats.loc["D", "lead_time_std"]) == (14.0, 3.5)
    assert stats.loc["D", "n_receipts"] == 0


def test_min_receipts_is_configurable(orders: pd.DataFrame) -> None:
    stats = lead_time_stats(orders, min_receipts=2).set_index("sku")
    assert stats.loc["B", "lead_time_source"] == "sku_supplier"
    assert stats.loc["B", "lead_time_mean"] == 20.0
    assert stats.loc["B", "lead_time_std"] == 0.0


def test_expected_date_stands_in_for_promised_lead_time() -> None:
    po = pd.DataFrame([_po("A", "V1", 15, promised=np.nan)]).assign(
        expected_date=pd.Timestamp("2026-01-11")
    )
    stats = lead_time_stats(po, min_receipts=1).iloc[0]
    # promised = Jan 11 - Jan 1 = 10 days; received after 15 -> late.
    assert stats["n_late"] == 1
    assert stats["lead_time_mean"] == 15.0
