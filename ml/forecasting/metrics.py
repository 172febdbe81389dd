"""Forecast accuracy metrics as small pure functions, plus per-group aggregation.

Every function takes actuals and forecasts as array-likes and returns a float. NaN actuals
(censored stockout days, see :mod:`ml.forecasting.censoring`) are dropped before scoring:
a censored day says nothing about true demand, so it must not count as an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

ArrayLike = Sequence[float] | np.ndarray | pd.Series


def _clean(y: ArrayLike, y_hat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Return float arrays with pairs whose actual or forecast is NaN removed."""
    y_arr = np.asarray(y, dtype=float)
    f_arr = np.asarray(y_hat, dtype=float)
    if y_arr.shape != f_arr.shape:
        raise ValueError(f"shape mismatch: actuals {y_arr.shape} vs forecasts {f_arr.shape}")
    keep = ~(np.isnan(y_arr) | np.isnan(f_arr))
    return y_arr[keep], f_arr[keep]


def mae(y: ArrayLike, y_hat: ArrayLike) -> float:
    """Mean absolute error: the unit-preserving error planners read as 'units off per day'."""
    a, f = _clean(y, y_hat)
    return float(np.mean(np.abs(a - f))) if a.size else float("nan")


def rmse(y: ArrayLike, y_hat: ArrayLike) -> float:
    """Root mean squared error: punishes the large misses that cause stockouts."""
    a, f = _clean(y, y_hat)
    return float(np.sqrt(np.mean((a - f) ** 2))) if a.size else float("nan")


def mape(y: ArrayLike, y_hat: ArrayLike) -> float:
    """Mean absolute percentage error over NON-ZERO actuals only.

    Percentage error is undefined when the actual is zero, and intermittent items have many
    zero days; those days are ignored (not clipped), so MAPE describes the days with demand.
    Returns NaN when every actual is zero.
    """
    a, f = _clean(y, y_hat)
    nz = a != 0
    if not nz.any():
        return float("nan")
    return float(np.mean(np.abs((a[nz] - f[nz]) / a[nz])))


def smape(y: ArrayLike, y_hat: ArrayLike) -> float:
    """Symmetric MAPE in [0, 2]: ``mean(2|y - f| / (|y| + |f|))``; 0/0 pairs count as 0."""
    a, f = _clean(y, y_hat)
    if not a.size:
        return float("nan")
    denom = np.abs(a) + np.abs(f)
    ratio = np.divide(2 * np.abs(a - f), denom, out=np.zeros_like(a), where=denom > 0)
    return float(np.mean(ratio))


def wape(y: ArrayLike, y_hat: ArrayLike) -> float:
    """Weighted APE ``sum|y - f| / sum|y|``: volume-weighted, safe for zero days."""
    a, f = _clean(y, y_hat)
    denom = np.sum(np.abs(a))
    return float(np.sum(np.abs(a - f)) / denom) if denom > 0 else float("nan")


def bias(y: ArrayLike, y_hat: ArrayLike) -> float:
    """Relative bias ``sum(f - y) / sum|y|``: positive means over-forecasting."""
    a, f = _clean(y, y_hat)
    denom = np.sum(np.abs(a))
    return float(np.sum(f - a) / denom) if denom > 0 else float("nan")


def seasonal_naive_mae(history: ArrayLike, season: int = 7) -> float:
    """In-sample MAE of the seasonal-naive forecast ``y[t] = y[t - season]`` (MASE scale)."""
    h = np.asarray(history, dtype=float)
    if h.size <= season:
        return float("nan")
    diff = np.abs(h[season:] - h[:-season])
    diff = diff[~np.isnan(diff)]
    return float(np.mean(diff)) if diff.size else float("nan")


def mase(y: ArrayLike, y_hat: ArrayLike, history: ArrayLike, season: int = 7) -> float:
    """Mean absolute scaled error of one series: MAE over in-sample seasonal-naive MAE.

    Scale-free, so it can be averaged across series (see :func:`mean_mase`). NaN when the
    history is too short or perfectly seasonal (zero scale).
    """
    scale = seasonal_naive_mae(history, season)
    if not np.isfinite(scale) or scale == 0:
        return float("nan")
    return mae(y, y_hat) / scale


def _observed_share(y: ArrayLike, *bounds: ArrayLike, hit: Callable[..., np.ndarray]) -> float:
    """Share of non-NaN actuals for which ``hit(actual, *bounds)`` holds (NaN if none)."""
    a = np.asarray(y, dtype=float)
    keep = ~np.isnan(a)
    if not keep.any():
        return float("nan")
    return float(np.mean(hit(a[keep], *(np.asarray(b, dtype=float)[keep] for b in bounds))))


def coverage(y: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> float:
    """Share of actuals inside ``[lower, upper]`` (e.g. p10-p90 should cover ~80%)."""
    return _observed_share(y, lower, upper, hit=lambda a, lo, hi: (a >= lo) & (a <= hi))


def coverage_strict(y: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> float:
    """Share of actuals strictly inside ``(lower, upper)``.

    Why: demand is counted in whole units, so an actual often equals a bound (p10 is 0
    on most days of a sparse SKU, and so is the actual). For correct quantiles of a
    discrete distribution ``P(y < q_t) <= t <= P(y <= q_t)``, hence
    ``coverage_strict <= 0.80 <= coverage`` for p10-p90: the pair brackets the nominal
    level, where ``coverage`` alone lands above it whenever bounds are tied with actuals.
    """
    return _observed_share(y, lower, upper, hit=lambda a, lo, hi: (a > lo) & (a < hi))


def share_at_or_below(y: ArrayLike, bound: ArrayLike, *, strict: bool = False) -> float:
    """Share of observed actuals at or below (``strict``: below) a quantile forecast.

    A calibrated ``t`` quantile of integer demand has ``share_at_or_below(strict=True)
    <= t <= share_at_or_below()``; for continuous demand both equal ``t``.
    """
    return _observed_share(y, bound, hit=np.less if strict else np.less_equal)


def share_outside(y: ArrayLike, bound: ArrayLike, *, below: bool) -> float:
    """Share of observed actuals strictly below (or above) a quantile forecast."""
    return _observed_share(y, bound, hit=np.less if below else np.greater)


def pinball_loss(y: ArrayLike, y_q: ArrayLike, q: float) -> float:
    """Mean pinball (quantile) loss of the ``q`` quantile forecast ``y_q``."""
    if not 0 < q < 1:
        raise ValueError(f"quantile must be in (0, 1), got {q}")
    a, f = _clean(y, y_q)
    if not a.size:
        return float("nan")
    diff = a - f
    return float(np.mean(np.maximum(q * diff, (q - 1) * diff)))


def mean_mase(
    scored: pd.DataFrame,
    history: pd.DataFrame | pd.Series,
    *,
    season: int = 7,
    y_col: str = "y",
    y_hat_col: str = "y_hat",
) -> float:
    """MASE averaged across series (per-series MAE / in-sample seasonal-naive MAE).

    Args:
        scored: rows ``sku, y, y_hat`` of the evaluation window.
        history: rows ``sku, date, quantity`` of the training window (the MASE scale),
            or their :func:`naive_scales` computed once.
        season: seasonal period of the naive scale.
        y_col: actual column of ``scored``.
        y_hat_col: forecast column of ``scored``.
    """
    per_sku = per_sku_mase(scored, history, season=season, y_col=y_col, y_hat_col=y_hat_col)
    return float(np.nanmean(per_sku.to_numpy())) if per_sku.notna().any() else float("nan")


def per_sku_mase(
    scored: pd.DataFrame,
    history: pd.DataFrame | pd.Series,
    *,
    season: int = 7,
    y_col: str = "y",
    y_hat_col: str = "y_hat",
) -> pd.Series:
    """Per-series MASE (index sku); NaN where the naive scale is zero or undefined."""
    scales = _scales(history, season)
    err = (scored[y_col] - scored[y_hat_col]).abs()
    sku_mae = err.groupby(scored["sku"]).mean()
    scale = scales.reindex(sku_mae.index)
    return (sku_mae / scale.where(scale > 0)).rename("mase")


def per_sku_metrics(
    scored: pd.DataFrame,
    history: pd.DataFrame | pd.Series,
    *,
    y_hat_col: str = "p50",
    quantile_cols: dict[float, str] | None = None,
    season: int = 7,
) -> pd.DataFrame:
    """The metrics of :func:`summarize` for every SKU at once (one row per SKU).

    Why not ``summarize(by="sku")``: that is a Python loop of a dozen metric calls per
    group; this is grouped arithmetic on the scored rows, so tens of thousands of series
    take seconds. Same definitions: NaN
    actuals (censored days) are dropped, MAPE ignores zero actuals, sMAPE counts 0/0 as 0.

    Returns:
        Frame indexed by ``sku``: ``n_points, mae, rmse, mape, smape, wape, bias, mase``
        and, with ``quantile_cols``, ``coverage_80, coverage_80_strict, below_p10,
        above_p90`` and ``pinball_<col>``.
    """
    d = scored[scored["y"].notna()]
    y = d["y"].astype(float)
    f = d[y_hat_col].astype(float)
    paired = f.notna()
    err = f - y
    ae = err.abs()
    abs_y = y.abs().where(paired)
    denom = y.abs() + f.abs()
    cols: dict[str, pd.Series] = {
        "n_points": y,
        "ae": ae,
        "se": err**2,
        "ape": (ae / y.abs()).where(y != 0),
        "sape": (2 * ae / denom).where(denom > 0, 0.0).where(paired),
        "abs_y": abs_y,
        "err": err,
    }
    g = pd.DataFrame(cols).groupby(d["sku"], sort=True)
    sums = g.sum(min_count=1)
    means = g.mean()
    out = pd.DataFrame(index=sums.index)
    out["n_points"] = g["n_points"].count()
    out["mae"] = means["ae"]
    out["rmse"] = np.sqrt(means["se"])
    out["mape"] = means["ape"]
    out["smape"] = means["sape"]
    pos = sums["abs_y"] > 0
    out["wape"] = (sums["ae"] / sums["abs_y"]).where(pos)
    out["bias"] = (sums["err"] / sums["abs_y"]).where(pos)
    scale = _scales(history, season).reindex(out.index)
    out["mase"] = out["mae"] / scale.where(scale > 0)
    if quantile_cols:
        by = d["sku"]
        if 0.1 in quantile_cols and 0.9 in quantile_cols:
            lo, hi = d[quantile_cols[0.1]], d[quantile_cols[0.9]]
            out["coverage_80"] = ((y >= lo) & (y <= hi)).groupby(by).mean()
            out["coverage_80_strict"] = ((y > lo) & (y < hi)).groupby(by).mean()
            out["below_p10"] = (y < lo).groupby(by).mean()
            out["above_p90"] = (y > hi).groupby(by).mean()
        for q, col in quantile_cols.items():
            diff = y - d[col].astype(float)
            loss = np.maximum(q * diff, (q - 1) * diff)  # NaN where the quantile is NaN
            out[f"pinball_{col}"] = loss.groupby(by).mean()
    return out


def _scales(history: pd.DataFrame | pd.Series, season: int) -> pd.Series:
    """The naive scale per SKU: given (a Series), or computed from history rows."""
    return history if isinstance(history, pd.Series) else naive_scales(history, season=season)


def naive_scales(history: pd.DataFrame, *, season: int = 7) -> pd.Series:
    """In-sample seasonal-naive MAE per SKU from a sorted long ``sku, date, quantity`` frame."""
    h = history.sort_values(["sku", "date"])
    diff = (h["quantity"] - h.groupby("sku", sort=False)["quantity"].shift(season)).abs()
    return diff.groupby(h["sku"]).mean().rename("naive_mae")


def point_metrics(y: ArrayLike, y_hat: ArrayLike) -> dict[str, float]:
    """The scale-dependent and percentage metrics of one set of point forecasts."""
    return {
        "mae": mae(y, y_hat),
        "rmse": rmse(y, y_hat),
        "mape": mape(y, y_hat),
        "smape": smape(y, y_hat),
        "wape": wape(y, y_hat),
        "bias": bias(y, y_hat),
    }


def summarize(
    scored: pd.DataFrame,
    history: pd.DataFrame | pd.Series,
    *,
    y_hat_col: str = "p50",
    quantile_cols: dict[float, str] | None = None,
    by: str | None = None,
    season: int = 7,
) -> dict:
    """All metrics for a scored frame, overall or per group.

    Args:
        scored: rows with ``sku, y`` and forecast columns (and ``by`` when grouping).
        history: training rows ``sku, date, quantity`` for the MASE scale, or their
            :func:`naive_scales` (a caller scoring many groups computes them once).
        y_hat_col: point-forecast column.
        quantile_cols: ``{0.1: "p10", ...}``; adds coverage (p10-p90) and pinball losses.
        by: optional grouping column (e.g. ``demand_class`` or ``sku``).
        season: seasonal period of the MASE scale.

    Returns:
        A metrics dict, or ``{group: metrics dict}`` when ``by`` is given.
    """
    if by is not None:
        scales = _scales(history, season)  # once, not once per group
        return {
            str(key): summarize(
                grp, scales, y_hat_col=y_hat_col, quantile_cols=quantile_cols, season=season
            )
            for key, grp in scored.groupby(by, sort=True)
        }
    out = point_metrics(scored["y"], scored[y_hat_col])
    out["mase"] = mean_mase(scored, history, season=season, y_hat_col=y_hat_col)
    out["n_series"] = int(scored["sku"].nunique())
    out["n_points"] = int(scored["y"].notna().sum())
    if quantile_cols:
        out.update(interval_metrics(scored, quantile_cols))
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in out.items()}


def interval_metrics(scored: pd.DataFrame, quantile_cols: dict[float, str]) -> dict[str, float]:
    """Coverage, the two ways out, pinball loss and per-quantile hit rates of ``scored``.

    Args:
        scored: rows with ``y`` and the quantile columns.
        quantile_cols: ``{0.1: "p10", ...}``; p10-p90 coverage needs 0.1 and 0.9.
    """
    y = scored["y"]
    out: dict[str, float] = {}
    if 0.1 in quantile_cols and 0.9 in quantile_cols:
        lo, hi = scored[quantile_cols[0.1]], scored[quantile_cols[0.9]]
        out["coverage_80"] = coverage(y, lo, hi)
        # The two ways out of the interval, which a coverage alone hides (for
        # zero-inflated demand p10 is 0 and only the upper side can miss): above p90
        # here, below p10 (``below_p10``) with every quantile's hit rates below.
        out["above_p90"] = share_outside(y, hi, below=False)
        out["coverage_80_strict"] = coverage_strict(y, lo, hi)
    for q, col in quantile_cols.items():
        out[f"pinball_{col}"] = pinball_loss(y, scored[col], q)
        # Calibration of each quantile on its own, ties with the actual bracketed.
        out[f"below_{col}"] = share_at_or_below(y, scored[col], strict=True)
        out[f"at_or_below_{col}"] = share_at_or_below(y, scored[col])
    return out
