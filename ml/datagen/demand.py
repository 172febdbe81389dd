"""One SKU's world: its master data, its true daily demand and its planner's habits.

Every SKU draws from its own random stream ``default_rng([seed, 1, sku_index])``, so
a SKU is the same whatever chunk it is generated in and however many SKUs come
after it (only the supplier base depends on the SKU count).

True demand is ``level x multiplier_t`` pushed through a class-specific noise model:

- smooth: Poisson-gamma (negative binomial) around the level, little overdispersion;
- erratic: Poisson around the level times a heavy lognormal shock (CV^2 of sizes > 0.49);
- intermittent: a Bernoulli demand occurrence (mean interval ADI > 1.32) with small,
  regular sizes ``1 + Poisson``;
- lumpy: the same occurrence process with lognormal sizes.

The multiplier is weekly x yearly x holiday x trend x life-cycle x price x promo.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ml.datagen.catalog import ADJECTIVES, CATEGORIES, Calendar, Suppliers, weekly_profile

_CATEGORY_SHARES = np.array([c.share for c in CATEGORIES]) / sum(c.share for c in CATEGORIES)
_WEEKLY = np.stack([weekly_profile(c) for c in CATEGORIES])

PROMO_DISCOUNTS = np.array([0.10, 0.15, 0.20, 0.25, 0.30])


@dataclass
class Sku:
    """Everything drawn for one SKU (scalars are master data or ground truth)."""

    index: int
    sku: str
    name: str
    category: int
    demand_class: int
    supplier: int
    unit_price: float
    unit_cost: float
    pack_size: int
    shelf_life_days: int | None
    base_level: float
    target_adi: float
    target_cv2: float
    trend: float
    elasticity: float
    intro: int
    end: int
    # planner habits
    bias: float
    safety_z: float
    cover_days: float
    review_offset: int
    censor_aware: bool
    # daily arrays (length n_days)
    demand: np.ndarray = field(repr=False)
    list_price: np.ndarray = field(repr=False)
    discount: np.ndarray = field(repr=False)
    # per weekly review: random draws for the order placed at that review (if any)
    lt_noise: np.ndarray = field(repr=False)
    late_u: np.ndarray = field(repr=False)
    late_extra: np.ndarray = field(repr=False)
    partial_u: np.ndarray = field(repr=False)
    partial_frac: np.ndarray = field(repr=False)


def sku_code(index: int) -> str:
    """The SKU code for a 0-based index (stable, sortable)."""
    return f"SKU-{index + 1:06d}"


def _life(rng: np.random.Generator, n_days: int) -> tuple[int, int]:
    """Introduction day and end day (exclusive) within the history."""
    intro, end = 0, n_days
    is_new = rng.random() < 0.12
    is_discontinued = rng.random() < 0.08
    u_intro, u_end = rng.random(), rng.random()
    if n_days >= 120:
        if is_new:
            intro = n_days // 6 + int(u_intro * (n_days // 2))
        if is_discontinued:
            lo = max(intro + 90, n_days // 2)
            hi = n_days - 30
            if hi > lo:
                end = lo + int(u_end * (hi - lo))
    return intro, end


def _promotions(rng: np.random.Generator, n_days: int, rate_per_year: float) -> np.ndarray:
    """Daily promo discount (0 = no promotion) from random promotion spells."""
    discount = np.zeros(n_days)
    n_spells = rng.poisson(rate_per_year * n_days / 365.0)
    starts = rng.integers(0, n_days, size=n_spells)
    lengths = rng.integers(3, 15, size=n_spells)
    depths = rng.choice(PROMO_DISCOUNTS, size=n_spells)
    for s, length, depth in zip(starts, lengths, depths, strict=True):
        np.maximum(discount[s : s + length], depth, out=discount[s : s + length])
    return discount


def _price_path(rng: np.random.Generator, n_days: int, price0: float) -> np.ndarray:
    """List price with a few step changes (mostly increases, as with inflation)."""
    n_changes = min(4, 1 + rng.poisson(1.2))
    days = np.sort(rng.integers(30, max(31, n_days), size=n_changes))
    factors = np.exp(rng.normal(0.03, 0.05, size=n_changes))
    steps = np.ones(n_days)
    for day, factor in zip(days, factors, strict=True):
        steps[day:] *= factor
    return np.round(price0 * steps, 2)


def draw_sku(index: int, seed: int, calendar: Calendar, suppliers: Suppliers) -> Sku:
    """Draw one SKU: master data, true demand path, prices and planner habits."""
    rng = np.random.default_rng([seed, 1, index])
    n_days = calendar.n_days
    cat_i = int(rng.choice(len(CATEGORIES), p=_CATEGORY_SHARES))
    cat = CATEGORIES[cat_i]
    cls = int(rng.choice(4, p=cat.class_weights))
    cands = suppliers.candidates(cat_i)
    supplier = int(cands[rng.integers(len(cands))])

    lo, hi = np.log(cat.price_range)
    price0 = float(np.round(np.exp(rng.uniform(lo, hi)), 2))
    cost = float(np.round(price0 * rng.uniform(0.45, 0.75), 2))
    pack = int(rng.choice(cat.pack_sizes))
    shelf = None if cat.shelf_life is None else int(rng.integers(*cat.shelf_life))
    name = (
        f"{ADJECTIVES[rng.integers(len(ADJECTIVES))]} "
        f"{cat.nouns[rng.integers(len(cat.nouns))]} #{index + 1}"
    )

    intro, end = _life(rng, n_days)
    t = np.arange(n_days, dtype=float)

    # The multiplier: seasonality, holidays, trend, life cycle, price and promotions.
    weekly = 1.0 + cat.weekly_amp * rng.uniform(0.6, 1.2) * _WEEKLY[cat_i][calendar.dow]
    yearly = 1.0 + min(0.85, cat.yearly_amp * rng.uniform(0.6, 1.3)) * calendar.yearly[cat_i]
    holiday = 1.0 + cat.holiday_sensitivity * rng.uniform(0.7, 1.3) * calendar.holiday
    trend = float(np.clip(rng.normal(0.02, 0.12), -0.35, 0.35))
    mid = (intro + end) / 2.0
    growth = np.exp(trend * (t - mid) / 365.0)
    ramp = np.ones(n_days)
    if intro > 0:
        ramp = np.clip(1.0 - np.exp(-(t - intro + 1) / rng.uniform(7.0, 25.0)), 0.05, 1.0)
    if end < n_days:
        fade = np.clip((end - t) / 60.0, 0.0, 1.0)
        ramp = ramp * (0.4 + 0.6 * fade)
    elasticity = float(rng.uniform(0.8, 2.5))
    list_price = _price_path(rng, n_days, price0)
    discount = _promotions(rng, n_days, cat.promo_rate)
    promo_boost = rng.uniform(1.05, 1.3)
    price_effect = (list_price * (1.0 - discount) / price0) ** (-elasticity)
    price_effect = np.where(discount > 0, price_effect * promo_boost, price_effect)
    mult = np.clip(weekly * yearly * holiday, 0.05, None) * growth * ramp * price_effect

    # Class-specific noise.
    n = n_days
    if cls == 0:  # smooth
        level = float(np.exp(rng.uniform(np.log(8.0), np.log(150.0))))
        shape = rng.uniform(10.0, 40.0)
        lam = level * mult * rng.gamma(shape, 1.0 / shape, size=n)
        demand = rng.poisson(lam)
        adi, cv2 = 1.0, 1.0 / level + 1.0 / shape
    elif cls == 1:  # erratic
        level = float(np.exp(rng.uniform(np.log(12.0), np.log(80.0))))
        sigma = rng.uniform(0.85, 1.15)
        shock = rng.lognormal(-(sigma**2) / 2.0, sigma, size=n)
        demand = rng.poisson(level * mult * shock)
        adi, cv2 = 1.0, float(np.exp(sigma**2) - 1.0)
    elif cls == 2:  # intermittent
        adi = float(rng.uniform(1.6, 5.0))
        size_lam = rng.uniform(0.3, 3.0)
        occurs = rng.random(n) < np.clip(mult / adi, 0.0, 0.9)
        sizes = 1 + rng.poisson(size_lam * np.sqrt(mult))
        demand = np.where(occurs, sizes, 0)
        level = float((1.0 + size_lam) / adi)
        cv2 = float(size_lam / (1.0 + size_lam) ** 2)
    else:  # lumpy
        adi = float(rng.uniform(1.8, 7.0))
        size_mean = rng.uniform(3.0, 30.0)
        sigma = rng.uniform(0.9, 1.3)
        occurs = rng.random(n) < np.clip(mult / adi, 0.0, 0.9)
        raw = rng.lognormal(np.log(size_mean) - sigma**2 / 2.0, sigma, size=n)
        sizes = np.maximum(1, np.rint(raw * np.sqrt(mult)))
        demand = np.where(occurs, sizes, 0)
        level = float(size_mean / adi)
        cv2 = float(np.exp(sigma**2) - 1.0)
    demand = demand.astype(np.int64)
    demand[:intro] = 0
    demand[end:] = 0

    # Planner habits: a biased, partly careless (s, S) planner.
    careful = rng.random() < 0.35
    bias = float(np.exp(rng.normal(0.15 if careful else -0.12, 0.12)))
    safety_z = float(rng.uniform(2.5, 3.5) if careful else rng.uniform(0.0, 1.2))
    cover_days = float(rng.uniform(7.0, 35.0))
    review_offset = int(rng.integers(7))
    censor_aware = bool(rng.random() < 0.5)

    n_reviews = n_days // 7 + 2
    return Sku(
        index=index,
        sku=sku_code(index),
        name=name,
        category=cat_i,
        demand_class=cls,
        supplier=supplier,
        unit_price=price0,
        unit_cost=cost,
        pack_size=pack,
        shelf_life_days=shelf,
        base_level=level,
        target_adi=adi,
        target_cv2=cv2,
        trend=trend,
        elasticity=elasticity,
        intro=intro,
        end=end,
        bias=bias,
        safety_z=safety_z,
        cover_days=cover_days,
        review_offset=review_offset,
        censor_aware=censor_aware,
        demand=demand,
        list_price=list_price,
        discount=discount,
        lt_noise=rng.standard_normal(n_reviews),
        late_u=rng.random(n_reviews),
        late_extra=1.0 + rng.poisson(suppliers.late_mean_days[supplier] - 1.0, size=n_reviews),
        partial_u=rng.random(n_reviews),
        partial_frac=rng.uniform(0.4, 0.95, size=n_reviews),
    )
