"""The static world: categories, suppliers and the calendar effects every SKU shares.

Everything here is fixed for a seed and small; the per-SKU randomness lives in
``ml.datagen.demand``. Numbers are chosen to look like a mid-sized general retailer
(grocery next to electronics), so that forecasting and inventory code meet the
whole range from fast smooth movers to slow lumpy spare-part-like items.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import holidays
import numpy as np
import pandas as pd

DEMAND_CLASSES: tuple[str, ...] = ("smooth", "erratic", "intermittent", "lumpy")
"""Syntetos-Boylan demand classes, in the order used by the class index."""

ADI_CUTOFF = 1.32
"""Average inter-demand interval above which demand counts as intermittent."""

CV2_CUTOFF = 0.49
"""Squared coefficient of variation of non-zero demand sizes above which it is erratic."""


@dataclass(frozen=True)
class Category:
    """A product category: what its SKUs cost, how they sell and who supplies them.

    Attributes:
        name: Category name written to ``products.csv``.
        share: Share of SKUs drawn from this category.
        price_range: Range of initial list prices (drawn log-uniformly).
        pack_sizes: Case sizes a supplier ships in; order quantities are multiples.
        shelf_life: Range of shelf life in days, or None for non-perishables (null).
        weekly_amp: Strength of the day-of-week pattern (0 = flat).
        weekly_profile: Monday..Sunday shape, scaled to mean 0 and max |1|.
        yearly_amp: Strength of the yearly cosine.
        yearly_peak_doy: Day of year of the yearly peak.
        holiday_sensitivity: Scale of the US-holiday effects (0 = none).
        promo_rate: Promotion spells per SKU per year.
        class_weights: Probabilities of smooth, erratic, intermittent, lumpy.
        nouns: Product nouns used to build names.
    """

    name: str
    share: float
    price_range: tuple[float, float]
    pack_sizes: tuple[int, ...]
    shelf_life: tuple[int, int] | None
    weekly_amp: float
    weekly_profile: tuple[float, ...]
    yearly_amp: float
    yearly_peak_doy: int
    holiday_sensitivity: float
    promo_rate: float
    class_weights: tuple[float, float, float, float]
    nouns: tuple[str, ...]


# Overall class mix with these shares: about 40% smooth, 21% erratic, 24% intermittent,
# 14% lumpy; fast consumables lean smooth, electronics and garden lean intermittent/lumpy.
CATEGORIES: tuple[Category, ...] = (
    Category(
        "grocery",
        0.18,
        (1.0, 10.0),
        (6, 12, 24),
        (30, 365),
        0.20,
        (-0.5, -0.6, -0.4, -0.1, 0.4, 0.9, 0.3),
        0.08,
        355,
        0.5,
        6.0,
        (0.65, 0.15, 0.15, 0.05),
        ("Pasta", "Rice", "Olive Oil", "Cereal", "Coffee", "Tea", "Flour", "Honey"),
    ),
    Category(
        "beverages",
        0.12,
        (1.0, 6.0),
        (6, 12, 24),
        (180, 540),
        0.25,
        (-0.5, -0.5, -0.3, 0.0, 0.5, 0.8, 0.2),
        0.30,
        195,
        0.6,
        5.0,
        (0.60, 0.20, 0.15, 0.05),
        ("Sparkling Water", "Cola", "Orange Juice", "Iced Tea", "Energy Drink", "Lemonade"),
    ),
    Category(
        "household",
        0.14,
        (2.0, 25.0),
        (1, 4, 6, 12),
        None,
        0.15,
        (-0.2, -0.3, -0.2, 0.0, 0.2, 0.6, 0.1),
        0.05,
        100,
        0.2,
        3.0,
        (0.45, 0.20, 0.25, 0.10),
        ("Detergent", "Paper Towels", "Sponges", "Trash Bags", "Dish Soap", "Cleaner"),
    ),
    Category(
        "personal_care",
        0.12,
        (2.0, 30.0),
        (1, 6, 12),
        (365, 1095),
        0.12,
        (-0.2, -0.2, -0.1, 0.0, 0.2, 0.5, 0.1),
        0.10,
        180,
        0.3,
        3.0,
        (0.45, 0.20, 0.25, 0.10),
        ("Shampoo", "Toothpaste", "Sunscreen", "Body Wash", "Deodorant", "Lotion"),
    ),
    Category(
        "toys",
        0.10,
        (5.0, 80.0),
        (1, 2, 4),
        None,
        0.30,
        (-0.4, -0.4, -0.3, -0.1, 0.2, 0.9, 0.6),
        0.45,
        350,
        1.0,
        2.0,
        (0.20, 0.30, 0.25, 0.25),
        ("Building Set", "Puzzle", "Doll", "Toy Car", "Board Game", "Plush Bear"),
    ),
    Category(
        "garden",
        0.08,
        (4.0, 120.0),
        (1, 2, 5),
        None,
        0.35,
        (-0.3, -0.4, -0.3, -0.1, 0.1, 1.0, 0.8),
        0.55,
        140,
        0.3,
        2.0,
        (0.20, 0.25, 0.30, 0.25),
        ("Hose", "Planter", "Seed Mix", "Fertilizer", "Pruner", "Garden Gloves"),
    ),
    Category(
        "electronics",
        0.12,
        (15.0, 400.0),
        (1,),
        None,
        0.20,
        (-0.3, -0.3, -0.2, 0.0, 0.2, 0.7, 0.4),
        0.25,
        340,
        0.9,
        2.0,
        (0.15, 0.20, 0.35, 0.30),
        ("Headphones", "Charger", "Speaker", "Webcam", "Keyboard", "Smart Plug"),
    ),
    Category(
        "apparel",
        0.14,
        (8.0, 90.0),
        (1, 3, 5),
        None,
        0.25,
        (-0.3, -0.4, -0.3, -0.1, 0.3, 0.8, 0.4),
        0.20,
        330,
        0.6,
        3.0,
        (0.30, 0.25, 0.30, 0.15),
        ("T-Shirt", "Socks", "Jacket", "Jeans", "Sweater", "Cap"),
    ),
)

ADJECTIVES: tuple[str, ...] = (
    "Classic",
    "Organic",
    "Premium",
    "Family",
    "Value",
    "Select",
    "Golden",
    "Everyday",
    "Ultra",
    "Eco",
    "Deluxe",
    "Basic",
)

SUPPLIER_WORDS: tuple[str, ...] = (
    "Acme",
    "Northwind",
    "Globex",
    "Initech",
    "Umbrella",
    "Vandelay",
    "Stark",
    "Wayne",
    "Tyrell",
    "Hooli",
    "Soylent",
    "Cyberdyne",
    "Wonka",
    "Gringotts",
    "Oceanic",
    "Monarch",
)
SUPPLIER_SUFFIXES: tuple[str, ...] = (
    "Trading",
    "Wholesale",
    "Distribution",
    "Supply Co",
    "Logistics",
    "Imports",
)


def weekly_profile(category: Category) -> np.ndarray:
    """Monday..Sunday shape of a category, scaled to mean 0 and max |1|."""
    shape = np.asarray(category.weekly_profile, dtype=float)
    shape = shape - shape.mean()
    return shape / np.abs(shape).max()


@dataclass(frozen=True)
class Calendar:
    """The dates of the history and the effects that depend only on the date.

    Attributes:
        dates: ISO date strings, one per day (what the CSV files hold).
        dow: Day of week, Monday = 0.
        yearly: Per category, the yearly cosine (mean 0, peak 1), shape (n_cat, n_days).
        holiday: Generic US-holiday effect per day before category scaling: positive
            before holidays and on Black Friday / Cyber Monday / pre-Christmas weeks,
            negative on the days most stores close or run short hours.
    """

    dates: np.ndarray
    dow: np.ndarray
    yearly: np.ndarray
    holiday: np.ndarray

    @property
    def n_days(self) -> int:
        """Number of days in the history."""
        return len(self.dates)


def build_calendar(start: date, n_days: int) -> Calendar:
    """Build the shared calendar effects for ``n_days`` from ``start``.

    Holidays come from the ``holidays`` package (US federal calendar), so the lifts
    land on the right weekdays in every year, observed dates included.
    """
    days = pd.date_range(start, periods=n_days, freq="D")
    dates = np.asarray(days.strftime("%Y-%m-%d"), dtype=object)
    dow = days.dayofweek.to_numpy()
    doy = days.dayofyear.to_numpy().astype(float)
    yearly = np.stack(
        [np.cos(2.0 * np.pi * (doy - c.yearly_peak_doy) / 365.25) for c in CATEGORIES]
    )

    holiday = np.zeros(n_days)
    index = {d.date(): i for i, d in enumerate(days)}
    years = range(start.year - 1, (start + timedelta(days=n_days)).year + 1)

    def bump(day: date, value: float) -> None:
        i = index.get(day)
        if i is not None:
            holiday[i] += value

    for day, name in holidays.country_holidays("US", years=years).items():
        if "observed" in name:
            continue
        closed = any(k in name for k in ("Christmas", "Thanksgiving", "New Year"))
        bump(day - timedelta(days=2), 0.15)
        bump(day - timedelta(days=1), 0.30)
        bump(day, -0.60 if closed else 0.10)
        if "Thanksgiving" in name:
            bump(day + timedelta(days=1), 1.00)  # Black Friday
            bump(day + timedelta(days=4), 0.40)  # Cyber Monday
    for year in years:
        for offset in range(1, 24):  # the Christmas shopping run-up, Dec 1..23
            bump(date(year, 12, offset), 0.02 * offset)
    return Calendar(dates=dates, dow=dow, yearly=yearly, holiday=holiday)


@dataclass(frozen=True)
class Suppliers:
    """Supplier master data, one entry per supplier (arrays aligned by index).

    ``lead_time_days`` is the quoted lead time the planner believes and
    ``expected_date`` uses; real deliveries scatter around it with
    ``lead_time_std_days``, and on top of that a share ``late_prob`` arrives
    ``late_mean_days`` later still and a share ``partial_prob`` short.
    """

    ids: list[str]
    names: list[str]
    category: np.ndarray
    lead_time_days: np.ndarray
    lead_time_std_days: np.ndarray
    min_order_qty: np.ndarray
    order_cost: np.ndarray
    late_prob: np.ndarray
    late_mean_days: np.ndarray
    partial_prob: np.ndarray
    transit_share: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def frame(self) -> pd.DataFrame:
        """The ``suppliers.csv`` contract columns, in order."""
        return pd.DataFrame(
            {
                "supplier_id": self.ids,
                "name": self.names,
                "lead_time_days": self.lead_time_days,
                "min_order_qty": self.min_order_qty,
                "lead_time_std_days": np.round(self.lead_time_std_days, 1),
                "order_cost": np.round(self.order_cost, 2),
            }
        )

    def candidates(self, category: int) -> np.ndarray:
        """Indexes of the suppliers that serve a category (at least one)."""
        n = len(self.ids)
        if n >= len(CATEGORIES):
            return np.flatnonzero(self.category == category)
        return np.array([category % n])


def n_suppliers_for(n_skus: int) -> int:
    """About 5% of the SKU count, at least 3."""
    return max(3, round(0.05 * n_skus))


def draw_suppliers(n_skus: int, seed: int) -> Suppliers:
    """Draw the supplier base for a run (depends on the seed and the SKU count only)."""
    n = n_suppliers_for(n_skus)
    rng = np.random.default_rng([seed, 0])
    category = np.arange(n) % len(CATEGORIES)
    # Far-away suppliers (long quoted lead time) are also the less reliable ones.
    lead = rng.choice(
        [3, 5, 7, 10, 14, 21, 28, 35, 45],
        size=n,
        p=[0.08, 0.12, 0.16, 0.16, 0.16, 0.12, 0.1, 0.06, 0.04],
    )
    std = np.maximum(0.5, lead * rng.uniform(0.1, 0.35, size=n))
    moq = rng.choice([1, 6, 12, 24, 48, 100], size=n, p=[0.2, 0.2, 0.25, 0.2, 0.1, 0.05])
    words = rng.permutation(len(SUPPLIER_WORDS))
    names = [
        f"{SUPPLIER_WORDS[words[i % len(words)]]} "
        f"{SUPPLIER_SUFFIXES[int(rng.integers(len(SUPPLIER_SUFFIXES)))]}"
        + (f" {i // len(words) + 1}" if i >= len(words) else "")
        for i in range(n)
    ]
    return Suppliers(
        ids=[f"SUP-{i + 1:04d}" for i in range(n)],
        names=names,
        category=category,
        lead_time_days=lead,
        lead_time_std_days=std,
        min_order_qty=moq,
        order_cost=rng.uniform(20.0, 150.0, size=n),
        late_prob=rng.uniform(0.05, 0.25, size=n) * (0.7 + lead / 45.0),
        late_mean_days=rng.uniform(2.0, 8.0, size=n),
        partial_prob=rng.uniform(0.03, 0.15, size=n),
        transit_share=rng.uniform(0.2, 0.5, size=n),
    )
