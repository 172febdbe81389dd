"""Clean synthetic frames for every suite, and a large sales frame for timing.

Kept out of conftest so the benchmark script can import it too. Every frame passes its
suite with TODAY as the reference day; tests break one thing at a time.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

TODAY = date(2025, 6, 1)
DAYS = 90
CATEGORIES = ("beverages", "snacks", "household")
N_SKUS = 24
LOADED_AT = pd.Timestamp("2025-06-01 06:00")


def skus(n: int = N_SKUS) -> list[str]:
    return [f"SKU-{i:05d}" for i in range(n)]


def suppliers() -> pd.DataFrame:
    ids = ["SUP-1", "SUP-2", "SUP-3"]
    return pd.DataFrame(
        {
            "supplier_id": ids,
            "name": ["Acme", "Globex", "Initech"],
            "lead_time_days": [7.0, 14.0, 21.0],
            "min_order_qty": [10.0, 1.0, 50.0],
            "lead_time_std_days": [1.0, 2.0, 4.0],
            "order_cost": [40.0, 50.0, 75.0],
        }
    )


def products(n: int = N_SKUS) -> pd.DataFrame:
    ids = skus(n)
    return pd.DataFrame(
        {
            "sku": ids,
            "name": [f"Product {i}" for i in range(n)],
            "category": [CATEGORIES[i % len(CATEGORIES)] for i in range(n)],
            "supplier_id": [f"SUP-{i % 3 + 1}" for i in range(n)],
            "unit_cost": np.linspace(1.0, 5.0, n),
            "unit_price": np.linspace(2.0, 9.0, n),
            "pack_size": 6.0,
            "shelf_life_days": 365.0,
        }
    )


def sales(n_skus: int = N_SKUS, days: int = DAYS, end: date = TODAY, seed: int = 7) -> pd.DataFrame:
    """One row per SKU per day up to the day before ``end`` (yesterday's sales land today)."""
    rng = np.random.default_rng(seed)
    ids = np.array(skus(n_skus))
    first = pd.Timestamp(end) - pd.Timedelta(days=days)
    n = n_skus * days
    row = np.arange(n)
    return pd.DataFrame(
        {
            "date": first + pd.to_timedelta(row // n_skus, unit="D"),
            "sku": ids[row % n_skus],
            "location": "",
            "quantity": rng.poisson(20, n).astype(float),
            "unit_price": rng.uniform(2.0, 9.0, n).round(2),
            "discount": 0.0,
            "promo": rng.random(n) < 0.05,
            "_source_file": "sales.csv",
            "_source_row": row + 1,
            "_loaded_at": LOADED_AT,
        }
    )


def inventory(n_skus: int = N_SKUS, days: int = 30) -> pd.DataFrame:
    frame = sales(n_skus, days)[["date", "sku"]].copy()
    frame["on_hand"] = 100.0
    frame["on_order"] = 20.0
    frame["in_transit"] = 5.0
    frame["backordered_qty"] = 0.0
    return frame


def purchase_orders(n_skus: int = N_SKUS) -> pd.DataFrame:
    ids = skus(n_skus)
    order = pd.Timestamp(TODAY) - pd.to_timedelta(np.arange(n_skus) + 10, unit="D")
    received = order + pd.Timedelta(days=7)
    received = received.where(np.arange(n_skus) % 4 != 0)  # a quarter still open
    return pd.DataFrame(
        {
            "po_id": [f"PO-{i // 2:04d}" for i in range(n_skus)],
            "sku": ids,
            "supplier_id": [f"SUP-{i % 3 + 1}" for i in range(n_skus)],
            "order_date": order,
            "quantity": 60.0,
            "expected_date": order + pd.Timedelta(days=30),  # some in the future
            "received_date": received,
            "received_quantity": np.where(np.arange(n_skus) % 4 != 0, 60.0, np.nan),
        }
    )


def fct_daily_sales() -> pd.DataFrame:
    frame = sales()[["date", "sku", "quantity", "unit_price", "discount", "promo"]].copy()
    frame["revenue"] = frame["quantity"] * frame["unit_price"]
    return frame


def demand_forecasts(n_skus: int = N_SKUS, horizon: int = 28) -> pd.DataFrame:
    rows = pd.MultiIndex.from_product(
        [skus(n_skus), range(1, horizon + 1)], names=["sku", "step"]
    ).to_frame(index=False)
    rows["forecast_date"] = pd.Timestamp(TODAY)
    rows["target_date"] = pd.Timestamp(TODAY) + pd.to_timedelta(rows["step"], unit="D")
    p50 = 20.0 + rows["step"] % 7
    rows["p10"] = p50 * 0.6
    rows["p50"] = p50
    rows["p90"] = p50 * 1.4
    rows["p95"] = p50 * 1.55
    rows["p99"] = p50 * 1.9
    rows["mean"] = p50 * 1.05
    rows["model"] = "lightgbm"
    return rows.drop(columns="step")


def big_sales(
    n_rows: int, n_skus: int = 10_000, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A clean ``n_rows`` sales frame (all SKUs every day, ending yesterday) and its products."""
    days = -(-n_rows // n_skus)
    frame = sales(n_skus, days, seed=seed).iloc[:n_rows]
    return frame.reset_index(drop=True), products(n_skus)


def day_before(day: date, n: int = 1) -> date:
    return day - timedelta(days=n)
