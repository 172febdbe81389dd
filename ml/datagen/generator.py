"""``generate``: write a realistic sample dataset in the raw file contract, chunk by chunk.

Memory is bounded by ``chunk_skus`` (a chunk's daily matrices and output frames),
not by the number of SKUs: each chunk is drawn, simulated, appended to the gzip
CSVs and dropped before the next one. See docs/generator.md for the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ml.datagen.catalog import (
    CATEGORIES,
    DEMAND_CLASSES,
    Suppliers,
    build_calendar,
    draw_suppliers,
)
from ml.datagen.demand import Sku, draw_sku
from ml.datagen.simulation import SimResult, simulate
from ml.datagen.writer import CsvStream

CONTRACT: dict[str, list[str]] = {
    "products": [
        "sku",
        "name",
        "category",
        "supplier_id",
        "unit_cost",
        "unit_price",
        "pack_size",
        "shelf_life_days",
    ],
    "suppliers": [
        "supplier_id",
        "name",
        "lead_time_days",
        "min_order_qty",
        "lead_time_std_days",
        "order_cost",
    ],
    "sales": ["date", "sku", "quantity", "unit_price", "discount", "promo", "location"],
    "inventory": ["date", "sku", "on_hand", "on_order", "in_transit", "backordered_qty"],
    "purchase_orders": [
        "po_id",
        "sku",
        "supplier_id",
        "order_date",
        "quantity",
        "expected_date",
        "received_date",
        "received_quantity",
    ],
}
"""The raw file contract: entity -> columns, in file order."""

TRUTH: dict[str, list[str]] = {
    "sku_profiles": [
        "sku",
        "category",
        "demand_class",
        "target_adi",
        "target_cv2",
        "base_level",
        "trend",
        "elasticity",
        "intro_date",
        "discontinue_date",
        "supplier_id",
        "pack_size",
        "planner_bias",
        "safety_z",
        "cover_days",
        "review_weekday",
        "censor_aware",
        "stockout_days",
        "fill_rate",
    ],
    "demand": ["date", "sku", "demand", "sold", "unmet"],
}
"""Ground-truth files under ``truth/``: entity -> columns, in file order."""

FILE_NAMES: dict[str, str] = {
    "products": "products.csv",
    "suppliers": "suppliers.csv",
    "sales": "sales.csv.gz",
    "inventory": "inventory.csv.gz",
    "purchase_orders": "purchase_orders.csv.gz",
    "sku_profiles": "truth/sku_profiles.csv",
    "demand": "truth/demand.csv.gz",
}


@dataclass(frozen=True)
class GenerateSummary:
    """What ``generate`` wrote: the files and their data-row counts."""

    out_dir: Path
    n_skus: int
    n_days: int
    seed: int
    start_date: date
    files: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        width = max(len(k) for k in self.files) if self.files else 0
        lines = [f"{k:<{width}}  {self.rows[k]:>12,} rows  {self.files[k]}" for k in self.files]
        return "\n".join(lines)


def generate(
    out_dir: Path,
    n_skus: int = 300,
    n_days: int = 1095,
    seed: int = 42,
    start_date: date = date(2023, 1, 1),
    chunk_skus: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> GenerateSummary:
    """Write products, suppliers, sales, inventory, purchase orders and ground truth.

    The output depends only on ``(n_skus, n_days, seed, start_date)``: every SKU has
    its own random stream, so ``chunk_skus`` changes memory use and nothing else.

    Args:
        out_dir: Folder to write into (created); ground truth goes to ``out_dir/truth``.
        n_skus: Number of products.
        n_days: Days of history starting at ``start_date``.
        seed: Random seed; the same seed writes the same bytes.
        start_date: First day of the history.
        chunk_skus: SKUs generated and simulated together (bounds memory).
        progress: Called as ``progress(done_skus, total_skus)`` after each chunk.

    Returns:
        The paths written and their data-row counts.

    Example:
        >>> summary = generate(Path("/tmp/incoming"), n_skus=50, n_days=365, seed=1)
        >>> summary.rows["products"]
        50
    """
    if n_skus < 1 or n_days < 1 or chunk_skus < 1:
        raise ValueError("n_skus, n_days and chunk_skus must be positive")
    out_dir = Path(out_dir)
    calendar = build_calendar(start_date, n_days)
    # Dates beyond the history, for expected dates of orders still open at the end.
    dates_ext = np.asarray(
        pd.date_range(start_date, periods=n_days + 400, freq="D").strftime("%Y-%m-%d"),
        dtype=object,
    )
    suppliers = draw_suppliers(n_skus, seed)

    streams: dict[str, CsvStream] = {}
    try:
        for key, name in FILE_NAMES.items():
            columns = CONTRACT.get(key) or TRUTH[key]
            streams[key] = CsvStream(out_dir / name, columns)
        streams["suppliers"].write(suppliers.frame())
        for lo in range(0, n_skus, chunk_skus):
            hi = min(n_skus, lo + chunk_skus)
            skus = [draw_sku(i, seed, calendar, suppliers) for i in range(lo, hi)]
            sim = simulate(skus, suppliers, n_days)
            _write_chunk(streams, skus, sim, suppliers, dates_ext)
            del skus, sim
            if progress is not None:
                progress(hi, n_skus)
    except BaseException:
        for stream in streams.values():
            stream.abort()
        raise
    for stream in streams.values():
        stream.close()
    return GenerateSummary(
        out_dir=out_dir,
        n_skus=n_skus,
        n_days=n_days,
        seed=seed,
        start_date=start_date,
        files={k: s.path for k, s in streams.items()},
        rows={k: s.rows for k, s in streams.items()},
    )


def _write_chunk(
    streams: dict[str, CsvStream],
    skus: list[Sku],
    sim: SimResult,
    suppliers: Suppliers,
    dates: np.ndarray,
) -> None:
    n_days = sim.sold.shape[1]
    codes = np.array([s.sku for s in skus], dtype=object)
    supplier_ids = np.array(suppliers.ids, dtype=object)[[s.supplier for s in skus]]
    intro = np.array([s.intro for s in skus])
    end = np.array([s.end for s in skus])
    day = np.arange(n_days)
    active = (day >= intro[:, None]) & (day < end[:, None])

    streams["products"].write(
        pd.DataFrame(
            {
                "sku": codes,
                "name": [s.name for s in skus],
                "category": [CATEGORIES[s.category].name for s in skus],
                "supplier_id": supplier_ids,
                "unit_cost": [s.unit_cost for s in skus],
                "unit_price": [s.unit_price for s in skus],
                "pack_size": [s.pack_size for s in skus],
                "shelf_life_days": pd.array([s.shelf_life_days for s in skus], dtype="Int64"),
            }
        )
    )

    stockout_days = ((sim.unmet > 0) & active).sum(axis=1)
    demand = np.stack([s.demand for s in skus])
    total = demand.sum(axis=1)
    fill = np.where(total > 0, sim.sold.sum(axis=1) / np.maximum(total, 1), 1.0)
    streams["sku_profiles"].write(
        pd.DataFrame(
            {
                "sku": codes,
                "category": [CATEGORIES[s.category].name for s in skus],
                "demand_class": [DEMAND_CLASSES[s.demand_class] for s in skus],
                "target_adi": np.round([s.target_adi for s in skus], 3),
                "target_cv2": np.round([s.target_cv2 for s in skus], 3),
                "base_level": np.round([s.base_level for s in skus], 3),
                "trend": np.round([s.trend for s in skus], 4),
                "elasticity": np.round([s.elasticity for s in skus], 3),
                "intro_date": dates[intro],
                "discontinue_date": np.where(
                    end < n_days, dates[np.minimum(end, n_days - 1)], None
                ),
                "supplier_id": supplier_ids,
                "pack_size": [s.pack_size for s in skus],
                "planner_bias": np.round([s.bias for s in skus], 3),
                "safety_z": np.round([s.safety_z for s in skus], 3),
                "cover_days": np.round([s.cover_days for s in skus], 1),
                "review_weekday": [pd.Timestamp(dates[s.review_offset]).day_name() for s in skus],
                "censor_aware": [int(s.censor_aware) for s in skus],
                "stockout_days": stockout_days,
                "fill_rate": np.round(fill, 4),
            }
        )
    )

    date_dict = pa.array(dates.tolist(), type=pa.string())
    code_dict = pa.array(codes.tolist(), type=pa.string())

    def lookup(dictionary: pa.Array, index: np.ndarray) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(pa.array(index, type=pa.int32()), dictionary)

    rows, cols = np.nonzero(active)
    streams["demand"].write(
        pa.table(
            {
                "date": lookup(date_dict, cols),
                "sku": lookup(code_dict, rows),
                "demand": demand[rows, cols],
                "sold": sim.sold[rows, cols],
                "unmet": sim.unmet[rows, cols],
            }
        )
    )
    streams["inventory"].write(
        pa.table(
            {
                "date": lookup(date_dict, cols),
                "sku": lookup(code_dict, rows),
                "on_hand": sim.on_hand[rows, cols],
                "on_order": sim.on_order[rows, cols],
                "in_transit": sim.in_transit[rows, cols],
                "backordered_qty": sim.unmet[rows, cols],
            }
        )
    )
    del rows, cols

    rows, cols = np.nonzero(active & (sim.sold > 0))
    list_price = np.stack([s.list_price for s in skus])[rows, cols]
    discount = np.stack([s.discount for s in skus])[rows, cols]
    streams["sales"].write(
        pa.table(
            {
                "date": lookup(date_dict, cols),
                "sku": lookup(code_dict, rows),
                "quantity": sim.sold[rows, cols],
                "unit_price": np.round(list_price * (1.0 - discount), 2),
                "discount": np.round(discount, 2),
                "promo": (discount > 0).astype(np.int8),
                "location": pa.nulls(len(rows), type=pa.string()),
            }
        )
    )
    del rows, cols

    order = np.lexsort((sim.po_order_day, sim.po_sku))
    po_sku = sim.po_sku[order]
    seq = _running_count(po_sku)
    arrival = sim.po_arrival_day[order]
    open_ = arrival >= n_days
    indexes = np.array([s.index for s in skus])[po_sku]
    streams["purchase_orders"].write(
        pa.table(
            {
                "po_id": pa.array(
                    [f"PO-{i + 1:06d}-{k + 1:04d}" for i, k in zip(indexes, seq, strict=True)],
                    type=pa.string(),
                ),
                "sku": lookup(code_dict, po_sku),
                "supplier_id": pa.array(supplier_ids[po_sku].tolist(), type=pa.string()),
                "order_date": lookup(date_dict, sim.po_order_day[order]),
                "quantity": sim.po_quantity[order],
                "expected_date": lookup(date_dict, sim.po_expected_day[order]),
                "received_date": pa.DictionaryArray.from_arrays(
                    pa.array(np.minimum(arrival, len(dates) - 1), type=pa.int32(), mask=open_),
                    date_dict,
                ),
                "received_quantity": pa.array(sim.po_received[order], mask=open_),
            }
        )
    )


def _running_count(keys: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within runs of equal values of a sorted array."""
    if keys.size == 0:
        return keys
    starts = np.r_[0, np.flatnonzero(np.diff(keys)) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, keys.size]))
    return np.arange(keys.size) - run_start
