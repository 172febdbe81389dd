"""Safety stock three ways, vectorised over SKUs.

Every function takes scalars or arrays (one entry per SKU, broadcast by numpy) and returns a
float array, so a planner can check one SKU by hand and the pipeline can run 10,000 at once.

1. :func:`safety_stock_fixed`: a fixed share of lead-time demand (no statistics needed).
2. :func:`safety_stock_service_level`: the textbook normal formula with demand and lead-time
   variability.
3. :func:`forecast_lead_time_demand` / :func:`safety_stock_forecast`: the service-level
   quantile of *total* demand over lead time plus review period, built from the daily
   forecast quantiles. Daily quantiles are never added: the p98 of a sum is far below the sum
   of the daily p98s, and adding them would hold weeks of needless stock.
   :func:`safety_stock_sample_paths` does the same from simulated sample paths.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats

#: Tail of the lead-time distribution kept when it is discretised (probability mass lost).
_LT_TAIL = 1e-4


def z_value(service_level: ArrayLike) -> np.ndarray:
    """Standard-normal quantile z = Phi^-1(service_level).

    Examples: z(0.90) = 1.2816, z(0.95) = 1.6449, z(0.98) = 2.0537.

    Raises:
        ValueError: When a level is not strictly between 0 and 1 (z would be infinite).
    """
    level = np.asarray(service_level, dtype=float)
    if np.any((level <= 0) | (level >= 1)):
        raise ValueError("service level must lie strictly between 0 and 1")
    return stats.norm.ppf(level)


def safety_stock_fixed(
    avg_daily_demand: ArrayLike, lead_time_days: ArrayLike, safety_factor: ArrayLike
) -> np.ndarray:
    """Fixed-factor safety stock: SS = d * L * k.

    d is the average daily demand, L the lead time in days and k the safety factor (0.5 holds
    half a lead time of extra demand). No variability is needed, which makes it the fallback
    for new SKUs and the method planners already understand.
    """
    d = np.asarray(avg_daily_demand, dtype=float)
    lead = np.asarray(lead_time_days, dtype=float)
    k = np.asarray(safety_factor, dtype=float)
    return np.maximum(d * lead * k, 0.0)


def safety_stock_service_level(
    service_level: ArrayLike,
    avg_daily_demand: ArrayLike,
    demand_std: ArrayLike,
    lead_time_days: ArrayLike,
    lead_time_std: ArrayLike = 0.0,
    review_period_days: ArrayLike = 0.0,
) -> np.ndarray:
    """Service-level safety stock: SS = z(CSL) * sqrt((L + R) * sigma_d^2 + d^2 * sigma_L^2).

    d and sigma_d are the mean and standard deviation of daily demand, L and sigma_L of the
    lead time in days, R the review period (the protection interval is L + R under periodic
    review; R = 0 for continuous review). It assumes independent, roughly normal daily demand
    and a lead time independent of demand.

    Example: CSL 0.95 (z = 1.6449), d = 10, sigma_d = 3, L = 9, sigma_L = 2, R = 0 gives
    1.6449 * sqrt(9 * 9 + 100 * 4) = 1.6449 * sqrt(481) = 36.08.
    """
    z = z_value(service_level)
    d = np.asarray(avg_daily_demand, dtype=float)
    sd = np.asarray(demand_std, dtype=float)
    protection = np.asarray(lead_time_days, dtype=float) + np.asarray(
        review_period_days, dtype=float
    )
    sl = np.asarray(lead_time_std, dtype=float)
    return np.maximum(z * np.sqrt(protection * sd**2 + d**2 * sl**2), 0.0)


class QuantileMoments(NamedTuple):
    """Mean and variance of daily demand recovered from forecast quantiles."""

    mean: np.ndarray
    var: np.ndarray


def _partial_moments(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """E[1], E[Z] and E[Z^2] of a standard normal Z restricted to (lo, hi)."""
    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)
    pdf_lo = np.exp(-0.5 * np.where(np.isfinite(lo), lo, 0.0) ** 2) / np.sqrt(2 * np.pi)
    pdf_lo = np.where(np.isfinite(lo), pdf_lo, 0.0)
    pdf_hi = np.exp(-0.5 * np.where(np.isfinite(hi), hi, 0.0) ** 2) / np.sqrt(2 * np.pi)
    pdf_hi = np.where(np.isfinite(hi), pdf_hi, 0.0)
    mass = special.ndtr(hi) - special.ndtr(lo)
    m1 = pdf_lo - pdf_hi
    zlo = np.where(np.isfinite(lo), lo, 0.0) * pdf_lo
    zhi = np.where(np.isfinite(hi), hi, 0.0) * pdf_hi
    return mass, m1, mass + zlo - zhi


def moments_from_quantiles(quantiles: ArrayLike, levels: Sequence[float]) -> QuantileMoments:
    """Mean and variance of one day's demand from its forecast quantiles.

    Method: the quantile function Q(u) is interpolated linearly in normal-score space
    z = Phi^-1(u) between the given quantiles (exact for a normal forecast, close for skewed
    ones), and extended beyond the outer levels with the slopes of the outer segments (normal
    tails), the lower tail cut at 0 because demand is never negative. On each piece
    Q(Z) = a + b Z with Z standard normal, so E[Q] and E[Q^2] have closed forms from Phi
    and phi: no sampling and no fitting loop.

    Args:
        quantiles: Array of shape (..., k): the k forecast quantiles of each day, in the
            order of ``levels``; they are sorted and clipped at 0 first.
        levels: The k probability levels, e.g. (0.1, 0.5, 0.9, 0.99).

    Returns:
        Mean and variance, each of shape (...).
    """
    lv = np.asarray(levels, dtype=float)
    order = np.argsort(lv)
    lv = lv[order]
    q = np.sort(np.maximum(np.asarray(quantiles, dtype=float)[..., order], 0.0), axis=-1)
    if lv.size < 2:
        raise ValueError("need at least two quantile levels to estimate a spread")
    z = stats.norm.ppf(lv)
    dz = np.diff(z)
    slope = np.diff(q, axis=-1) / dz  # (..., k-1)
    intercept = q[..., :-1] - slope * z[:-1]
    # Segments: (-inf, z1] and [z_k, inf) extend the first and last slopes; in between the
    # line through neighbouring knots. The lower tail is cut where it reaches 0 (Q >= 0).
    # Partial moments of Z on each piece are shared by every row except the lower piece,
    # whose start moves up to where the extended line reaches 0; the shared pieces reduce to
    # matrix-vector products, which keeps 10,000 SKUs x 28 days well under a second.
    mass, m1, m2 = _partial_moments(
        np.concatenate([z, [z[-1]]]), np.concatenate([z[1:], [np.inf], [np.inf]])
    )
    mass, m1, m2 = mass[:-1], m1[:-1], m2[:-1]  # pieces [z_i, z_i+1] and [z_k, inf)
    a = np.concatenate([intercept, intercept[..., -1:]], axis=-1)
    b = np.concatenate([slope, slope[..., -1:]], axis=-1)
    mean = a @ mass + b @ m1
    second = (a * a) @ mass + 2 * (a * b) @ m1 + (b * b) @ m2
    a0, b0 = intercept[..., 0], slope[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        zero_at = np.where(b0 > 0, np.minimum(-a0 / b0, z[0]), -np.inf)
    l_mass, l_m1, l_m2 = _partial_moments(zero_at, np.full_like(zero_at, z[0]))
    mean = mean + a0 * l_mass + b0 * l_m1
    second = second + a0 * a0 * l_mass + 2 * a0 * b0 * l_m1 + b0 * b0 * l_m2
    return QuantileMoments(mean=mean, var=np.maximum(second - mean**2, 0.0))


def lead_time_pmf(
    mean: ArrayLike, std: ArrayLike, max_days: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Discretise each SKU's lead time onto whole days.

    With std > 0 the lead time is a gamma distribution with the given mean and std (positive,
    right-skewed like real delays), binned to the nearest day. With std = 0 a fractional mean
    is split between the two neighbouring days so that E[L] stays exactly the mean.

    Returns:
        ``(days, pmf)``: ``days`` is 0..Lmax and ``pmf`` has shape (n_sku, Lmax + 1), rows
        summing to 1.
    """
    m = np.atleast_1d(np.asarray(mean, dtype=float))
    s = np.broadcast_to(np.atleast_1d(np.asarray(std, dtype=float)), m.shape)
    m = np.maximum(np.nan_to_num(m, nan=0.0), 0.0)
    s = np.maximum(np.nan_to_num(s, nan=0.0), 0.0)
    random = (s > 0) & (m > 0)
    if max_days is None:
        upper = m.copy()
        if random.any():
            upper[random] = special.gammainccinv((m[random] / s[random]) ** 2, _LT_TAIL) * (
                s[random] ** 2 / m[random]
            )
        max_days = int(np.ceil(upper.max(initial=0.0))) + 1
    days = np.arange(max_days + 1)
    pmf = np.zeros((m.size, days.size))
    if random.any():
        shape = (m[random] / s[random]) ** 2
        scale = s[random] ** 2 / m[random]
        edges = np.concatenate([[-np.inf], days[:-1] + 0.5, [np.inf]])
        cdf = special.gammainc(shape[:, None], np.maximum(edges[None, :], 0.0) / scale[:, None])
        pmf[random] = np.diff(cdf, axis=1)
    fixed = ~random
    if fixed.any():
        mf = np.minimum(m[fixed], max_days)
        low = np.floor(mf).astype(int)
        frac = mf - low
        rows = np.flatnonzero(fixed)
        pmf[rows, low] += 1.0 - frac
        pmf[rows, np.minimum(low + 1, max_days)] += frac
    pmf /= pmf.sum(axis=1, keepdims=True)
    return days, pmf


class DemandOverLeadTime(NamedTuple):
    """Distribution summary of total demand over the protection interval L + R."""

    mean: np.ndarray
    var: np.ndarray
    quantile: np.ndarray
    safety_stock: np.ndarray


def _cumulative(daily: np.ndarray, horizon: np.ndarray) -> np.ndarray:
    """Sum of the first ``horizon`` days of ``daily`` (n, T), extended past T.

    Past the forecast horizon the mean of its last week is repeated, so that a lead time
    longer than the forecast still gets demand.
    """
    n, t = daily.shape
    csum = np.concatenate([np.zeros((n, 1)), np.cumsum(daily, axis=1)], axis=1)
    tail = daily[:, -min(7, t) :].mean(axis=1, keepdims=True) if t else np.zeros((n, 1))
    inside = np.minimum(horizon, t)
    total = np.take_along_axis(csum, inside.astype(int), axis=1)
    return total + np.maximum(horizon - t, 0) * tail


def gamma_quantile(mean: ArrayLike, var: ArrayLike, level: ArrayLike) -> np.ndarray:
    """Quantile of a gamma distribution matched to a mean and variance (mean where var = 0).

    The gamma is non-negative and right-skewed, as total demand over a few weeks is; for
    large means it tends to the normal the textbook formula assumes.
    """
    mu = np.asarray(mean, dtype=float)
    v = np.asarray(var, dtype=float)
    p = np.broadcast_to(np.asarray(level, dtype=float), np.broadcast(mu, v).shape)
    ok = (mu > 0) & (v > 0)
    shape = np.where(ok, mu**2 / np.where(ok, v, 1.0), 1.0)
    scale = np.where(ok, v / np.where(ok, mu, 1.0), 1.0)
    return np.where(ok, stats.gamma.ppf(p, a=shape, scale=scale), np.maximum(mu, 0.0))


def gamma_expected_shortage(mean: ArrayLike, var: ArrayLike, stock: ArrayLike) -> np.ndarray:
    """Expected shortage E[(D - x)^+] of gamma-distributed demand D against stock x.

    For D ~ Gamma(k, theta): E[(D - x)^+] = mu * (1 - F_{k+1}(x)) - x * (1 - F_k(x)), where
    F_k is the gamma CDF with shape k and scale theta. With var = 0 it is max(mu - x, 0).
    """
    mu = np.asarray(mean, dtype=float)
    v = np.asarray(var, dtype=float)
    x = np.maximum(np.asarray(stock, dtype=float), 0.0)
    ok = (mu > 0) & (v > 0)
    k = np.where(ok, mu**2 / np.where(ok, v, 1.0), 1.0)
    theta = np.where(ok, v / np.where(ok, mu, 1.0), 1.0)
    y = x / theta
    short = mu * special.gammaincc(k + 1, y) - x * special.gammaincc(k, y)
    return np.where(ok, np.maximum(short, 0.0), np.maximum(mu - x, 0.0))


def forecast_lead_time_demand(
    quantiles: ArrayLike,
    levels: Sequence[float],
    service_level: ArrayLike,
    lead_time_mean: ArrayLike,
    lead_time_std: ArrayLike = 0.0,
    review_period_days: int = 0,
    error_correlation: float = 0.0,
) -> DemandOverLeadTime:
    """Service-level quantile of total demand over L + R from daily forecast quantiles.

    Method (documented because it is the point of the function):

    1. Each day t's mean mu_t and variance v_t come from its quantiles
       (:func:`moments_from_quantiles`).
    2. For a horizon of h days, M(h) = sum_{t<=h} mu_t and
       V(h) = (1 - rho) * sum_{t<=h} v_t + rho * (sum_{t<=h} sqrt(v_t))^2, with rho the
       assumed correlation of daily errors (0: independent days, 1: fully correlated).
       Beyond the forecast horizon the last week's average day is repeated.
    3. Lead time L is random (:func:`lead_time_pmf`); the total D = S_{L+R} is a mixture:
       E[D] = sum_l p_l M(l+R) and E[D^2] = sum_l p_l (V(l+R) + M(l+R)^2), so lead-time
       uncertainty adds the spread of M(l+R) across l (the d^2 sigma_L^2 term of the
       textbook formula, but with the forecast's own time-varying means).
    4. D is approximated by a gamma with that mean and variance; the order-up-to target is its
       ``service_level`` quantile and safety stock = quantile - E[D].

    Args:
        quantiles: Shape (n_sku, T, k): forecast quantiles per SKU, day (from the first day
            the order would cover) and level.
        levels: The k levels of the last axis, e.g. (0.1, 0.5, 0.9, 0.99).
        service_level: Cycle service level per SKU (or one for all).
        lead_time_mean: Mean lead time in days per SKU.
        lead_time_std: Standard deviation of the lead time in days per SKU.
        review_period_days: R, days until the next order decision.
        error_correlation: rho of step 2.

    Returns:
        Mean, variance, quantile and safety stock of the total, one entry per SKU.
    """
    q = np.asarray(quantiles, dtype=float)
    if q.ndim != 3:
        raise ValueError("quantiles must have shape (n_sku, n_days, n_levels)")
    daily = moments_from_quantiles(q, levels)
    return lead_time_demand_from_moments(
        daily.mean,
        daily.var,
        service_level,
        lead_time_mean,
        lead_time_std,
        review_period_days,
        error_correlation,
    )


def lead_time_demand_from_moments(
    daily_mean: np.ndarray,
    daily_var: np.ndarray,
    service_level: ArrayLike,
    lead_time_mean: ArrayLike,
    lead_time_std: ArrayLike = 0.0,
    review_period_days: int = 0,
    error_correlation: float = 0.0,
    lead_time_distribution: tuple[np.ndarray, np.ndarray] | None = None,
) -> DemandOverLeadTime:
    """Steps 2-4 of :func:`forecast_lead_time_demand` from daily means and variances (n, T).

    Split out so the simulator can reuse the daily moments of one forecast issue, and the
    discretised lead times (``lead_time_distribution``, from :func:`lead_time_pmf`), on many
    days.
    """
    n = daily_mean.shape[0]
    days, pmf = lead_time_distribution or lead_time_pmf(
        np.broadcast_to(np.asarray(lead_time_mean, dtype=float), (n,)),
        np.broadcast_to(np.asarray(lead_time_std, dtype=float), (n,)),
    )
    keep = pmf.max(axis=0) > 0  # drop lead-time days nobody can have
    days, pmf = days[keep], pmf[:, keep]
    horizon = np.broadcast_to(days + int(review_period_days), pmf.shape)
    mean_h = _cumulative(daily_mean, horizon)
    var_h = _cumulative(daily_var, horizon)
    if error_correlation > 0:
        sd_h = _cumulative(np.sqrt(daily_var), horizon)
        var_h = (1 - error_correlation) * var_h + error_correlation * sd_h**2
    mean = np.sum(pmf * mean_h, axis=1)
    second = np.sum(pmf * (var_h + mean_h**2), axis=1)
    var = np.maximum(second - mean**2, 0.0)
    quantile = gamma_quantile(mean, var, service_level)
    return DemandOverLeadTime(mean, var, quantile, np.maximum(quantile - mean, 0.0))


def safety_stock_forecast(
    quantiles: ArrayLike,
    levels: Sequence[float],
    service_level: ArrayLike,
    lead_time_mean: ArrayLike,
    lead_time_std: ArrayLike = 0.0,
    review_period_days: int = 0,
    error_correlation: float = 0.0,
) -> np.ndarray:
    """Forecast-distribution safety stock: SS = Q_CSL(D_{L+R}) - E[D_{L+R}].

    D_{L+R} is total demand over lead time plus review period, whose distribution is built
    from the daily forecast quantiles as described in :func:`forecast_lead_time_demand`
    (never by adding daily quantiles).
    """
    return forecast_lead_time_demand(
        quantiles,
        levels,
        service_level,
        lead_time_mean,
        lead_time_std,
        review_period_days,
        error_correlation,
    ).safety_stock


def safety_stock_sample_paths(
    paths: ArrayLike,
    service_level: ArrayLike,
    lead_time_mean: ArrayLike,
    lead_time_std: ArrayLike = 0.0,
    review_period_days: int = 0,
    seed: int = 0,
) -> DemandOverLeadTime:
    """Safety stock from forecast sample paths: the empirical CSL quantile of path totals.

    Each path p of SKU i gets its own lead time L_ip drawn (with ``seed``) from the SKU's
    discretised lead-time distribution; its total is the sum of its first L_ip + R days
    (paths shorter than that repeat their last week's average day). Safety stock is the
    ``service_level`` quantile of the totals minus their mean.

    Args:
        paths: Shape (n_sku, n_paths, T): simulated daily demand.
        service_level: Cycle service level per SKU (or one for all).
        lead_time_mean: Mean lead time in days per SKU.
        lead_time_std: Standard deviation of the lead time per SKU.
        review_period_days: R.
        seed: Seed of the lead-time draws (explicit so reruns agree).
    """
    x = np.asarray(paths, dtype=float)
    n, n_paths, t = x.shape
    days, pmf = lead_time_pmf(
        np.broadcast_to(np.asarray(lead_time_mean, dtype=float), (n,)),
        np.broadcast_to(np.asarray(lead_time_std, dtype=float), (n,)),
    )
    rng = np.random.default_rng(seed)
    u = rng.random((n, n_paths))
    idx = (pmf.cumsum(axis=1)[:, None, :] < u[:, :, None]).sum(axis=2)
    horizon = days[np.minimum(idx, days.size - 1)] + int(review_period_days)
    totals = _cumulative(x.reshape(n * n_paths, t), horizon.reshape(-1, 1)).reshape(n, n_paths)
    level = np.broadcast_to(np.asarray(service_level, dtype=float), (n,))
    quantile = np.array([np.quantile(totals[i], level[i]) for i in range(n)])
    mean = totals.mean(axis=1)
    return DemandOverLeadTime(mean, totals.var(axis=1), quantile, np.maximum(quantile - mean, 0.0))
