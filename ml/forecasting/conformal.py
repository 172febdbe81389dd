"""Conformal prediction intervals from backtest residuals.

Two conformity scores, chosen by demand class, both calibrated on the rolling-origin
backtest of each SKU's selected model (never on an evaluation window):

* ``residual`` (smooth, erratic and the fallback classes): the residual ``y - y_hat``
  divided by the SKU's scale (in-sample seasonal-naive MAE: the typical day-to-day change
  in that SKU's demand, which grows with its level and covers Poisson-like and
  proportional noise). ``p_q = y_hat + scale * Q_q``.
* ``empirical`` (intermittent, lumpy): a conformalized quantile regression. The base
  quantile ``b_q`` is the SKU's own empirical ``q`` quantile of its last
  ``EMPIRICAL_WINDOW`` observed (non-censored) days before the origin, and the score is
  ``(y - b_q) / scale``. ``p_q = b_q + scale * Q_q``. Why: residuals of zero-inflated
  demand pooled across SKUs are not exchangeable. On a zero day the scaled residual is
  ``-y_hat / scale``, which differs from SKU to SKU, so a pooled lower quantile put p10
  above zero for every SKU whose forecast is high relative to its scale, and all its zero
  days (70-80% of days) fell below the interval: the lumpy class covered 0.68 of its
  holdout days on generated data, with 23% of days below p10. A SKU's own empirical
  quantiles carry its zero share and size distribution (``b_10 = 0`` when more than 10%
  of its days are zeros), and the pooled conformal step only corrects what is left.

``Q_q`` is the empirical ``q`` quantile of the scores with the split-conformal
finite-sample correction, pooled per ``method x demand_class x horizon bucket``; small
groups borrow the pooled quantiles of all classes of the same method for that bucket.
Quantiles are clipped at zero and made monotone across ``q``. With p10 at zero, the
interval ``[p10, p90]`` of a zero-inflated SKU covers about 90% of its days by
construction (every zero is inside it), so its 80% coverage sits near the top of the
0.70-0.90 band: the honest consequence of calibrating each quantile on its own, which the
inventory policy needs more than a symmetric interval.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

QUANTILES = (0.1, 0.5, 0.9, 0.95, 0.99)
BUCKETS = ((1, 7), (8, 14), (15, 28), (29, 10_000))
MIN_GROUP = 200
#: Demand classes whose intervals come from the SKU's own empirical quantiles.
EMPIRICAL_CLASSES = frozenset({"intermittent", "lumpy"})
#: Days of history behind a SKU's empirical quantiles: a quarter (about 18 sales at one
#: sale in five days; the conformal step corrects the noise of so few). On the generated
#: 300-SKU holdout, 91 days gave lower p90/p95 pinball losses on intermittent and lumpy
#: SKUs than 182 or 365 (their level drifts) at the same coverage.
EMPIRICAL_WINDOW = 91
RESIDUAL, EMPIRICAL = "residual", "empirical"


def quantile_label(q: float) -> str:
    """Column name of a quantile: ``0.1 -> "p10"``."""
    return f"p{round(q * 100)}"


def base_column(q: float) -> str:
    """Column of the empirical base quantile ``q``: ``0.9 -> "base_p90"``."""
    return f"base_{quantile_label(q)}"


def horizon_bucket(horizon: pd.Series | np.ndarray) -> np.ndarray:
    """Label ``1-7``, ``8-14``, ``15-28``, ``29+`` for each horizon step."""
    h = np.asarray(horizon)
    labels = np.full(h.shape, "29+", dtype=object)
    for lo, hi in BUCKETS[:-1]:
        labels[(h >= lo) & (h <= hi)] = f"{lo}-{hi}"
    return labels


def _conformal_quantile(values: np.ndarray, q: float) -> float:
    """Split-conformal quantile: the ceil((n+1)q)-th order statistic (floor below 0.5)."""
    v = np.sort(values)
    n = v.size
    k = min(n, math.ceil((n + 1) * q)) if q >= 0.5 else max(1, math.floor((n + 1) * q))
    return float(v[k - 1])


def empirical_quantiles(
    history: pd.DataFrame,
    origins: list[pd.Timestamp],
    *,
    quantiles: tuple[float, ...] = QUANTILES,
    window: int = EMPIRICAL_WINDOW,
) -> pd.DataFrame:
    """Each SKU's empirical demand quantiles over the ``window`` days up to each origin.

    Args:
        history: long ``sku, date, quantity`` rows, censored (stockout) days NaN; only the
            days up to each origin are read for that origin.
        origins: forecast origins (backtest cutoffs, or the forecast date).
        quantiles: levels to compute.
        window: days before (and including) the origin.

    Returns:
        ``sku, cutoff`` and one ``base_pXX`` column per quantile; a SKU with no observed
        day in the window gets zeros.
    """
    cols = [base_column(q) for q in quantiles]
    if history.empty or not origins:
        return pd.DataFrame(columns=["sku", "cutoff", *cols])
    wide = history.pivot(index="sku", columns="date", values="quantity").sort_index()
    dates = wide.columns
    values = wide.to_numpy(dtype=float)
    parts = []
    for origin in origins:
        keep = (dates <= origin) & (dates > origin - pd.Timedelta(days=window))
        block = values[:, keep]
        observed = ~np.isnan(block).all(axis=1)
        qs = np.zeros((len(wide), len(quantiles)))
        if observed.any():
            qs[observed] = np.nanquantile(block[observed], quantiles, axis=1).T
        part = pd.DataFrame(qs, columns=cols)
        part.insert(0, "cutoff", origin)
        part.insert(0, "sku", wide.index.to_numpy())
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _methods(frame: pd.DataFrame, quantiles: tuple[float, ...]) -> np.ndarray:
    """``empirical`` where the class is intermittent-like and base quantiles exist."""
    cols = [base_column(q) for q in quantiles]
    if not set(cols) <= set(frame.columns):
        return np.full(len(frame), RESIDUAL, dtype=object)
    has_base = frame[cols].notna().all(axis=1).to_numpy()
    sparse = frame["demand_class"].isin(EMPIRICAL_CLASSES).to_numpy()
    return np.where(sparse & has_base, EMPIRICAL, RESIDUAL).astype(object)


def _reference(frame: pd.DataFrame, method: np.ndarray, q: float) -> np.ndarray:
    """What ``Q_q`` is added to: ``y_hat`` (residual) or the base quantile (empirical)."""
    ref = frame["y_hat"].to_numpy(dtype=float).copy()
    empirical = method == EMPIRICAL
    if empirical.any():
        ref[empirical] = frame[base_column(q)].to_numpy(dtype=float)[empirical]
    return ref


def fit_calibration(
    residual_rows: pd.DataFrame,
    *,
    quantiles: tuple[float, ...] = QUANTILES,
    min_group: int = MIN_GROUP,
) -> pd.DataFrame:
    """Score quantiles per ``method, demand_class, bucket`` (plus class ``*`` pooled).

    Args:
        residual_rows: ``demand_class, horizon, y, y_hat, scale`` of the selected models'
            backtest, plus ``base_pXX`` columns (see :func:`empirical_quantiles`) for the
            rows of intermittent-like classes that use the empirical method.
        quantiles: levels to calibrate.
        min_group: groups with fewer scores use the pooled ``*`` row of their method.

    Returns:
        One row per ``method, demand_class, bucket`` with ``n`` and a column per quantile.
    """
    r = residual_rows.dropna(subset=["y", "y_hat"])
    r = r[r["scale"] > 0]
    method = _methods(r, quantiles)
    y = r["y"].to_numpy(dtype=float)
    scale = r["scale"].to_numpy(dtype=float)
    frame = pd.DataFrame(
        {
            "method": method,
            "demand_class": r["demand_class"].to_numpy(),
            "bucket": horizon_bucket(r["horizon"].to_numpy()),
        }
    )
    for q in quantiles:
        frame[q] = (y - _reference(r, method, q)) / scale

    def _row(keys: dict, grp: pd.DataFrame) -> dict:
        return {
            **keys,
            "n": len(grp),
            **{q: _conformal_quantile(grp[q].to_numpy(), q) for q in quantiles},
        }

    rows = [
        _row({"method": m, "demand_class": "*", "bucket": b}, grp)
        for (m, b), grp in frame.groupby(["method", "bucket"])
    ]
    rows += [
        _row({"method": m, "demand_class": c, "bucket": b}, grp)
        for (m, c, b), grp in frame.groupby(["method", "demand_class", "bucket"])
        if len(grp) >= min_group
    ]
    if not any(row["method"] == RESIDUAL for row in rows):
        # No residuals at all: a symmetric +-1 scale band is the honest default.
        for lo, hi in BUCKETS:
            b = f"{lo}-{hi}" if hi < 10_000 else "29+"
            rows.append(
                {
                    "method": RESIDUAL,
                    "demand_class": "*",
                    "bucket": b,
                    "n": 0,
                    **{q: float(np.clip((q - 0.5) * 4, -2, 3)) for q in quantiles},
                }
            )
    return pd.DataFrame(rows)


def apply_calibration(
    forecasts: pd.DataFrame,
    calibration: pd.DataFrame,
    *,
    quantiles: tuple[float, ...] = QUANTILES,
    median_from_residuals: bool = True,
) -> pd.DataFrame:
    """Add ``p10 ... p99`` to rows ``demand_class, horizon, y_hat, scale`` (+ ``base_pXX``).

    Rows of intermittent-like classes with base quantiles use the ``empirical`` method
    when the calibration has it, all others the ``residual`` method. Quantiles are clipped
    at zero and made non-decreasing in ``q``. With ``median_from_residuals`` p50 is the
    conformal median (bias-corrected point forecast); otherwise p50 is ``y_hat`` itself.
    """
    out = forecasts.copy()
    cal = calibration if "method" in calibration else calibration.assign(method=RESIDUAL)
    method = _methods(out, quantiles)
    method[~np.isin(method, cal["method"].unique())] = RESIDUAL
    bucket = horizon_bucket(out["horizon"].to_numpy())
    table_index = cal.set_index(["method", "demand_class", "bucket"])
    known = set(table_index.index)
    # Buckets past the calibrated range (horizon > 28) use the last calibrated bucket.
    order = [f"{lo}-{hi}" if hi < 10_000 else "29+" for lo, hi in BUCKETS]
    last_bucket: dict[str, str] = {}
    for m, c, b in sorted(known, key=lambda k: order.index(k[2])):
        if c == "*":
            last_bucket[m] = b
    use = []
    for m, c, b in zip(method, out["demand_class"], bucket, strict=True):
        if (m, c, b) in known:
            use.append((m, c, b))
        elif (m, "*", b) in known:
            use.append((m, "*", b))
        else:
            use.append((m, "*", last_bucket[m]))
    table = table_index.loc[use]
    y_hat = out["y_hat"].to_numpy(dtype=float)
    scale = out["scale"].to_numpy(dtype=float)
    cols = []
    for q in quantiles:
        col = quantile_label(q)
        if q == 0.5 and not median_from_residuals:
            vals = y_hat.copy()
        else:
            vals = _reference(out, method, q) + scale * table[q].to_numpy(dtype=float)
        out[col] = np.clip(vals, 0.0, None)
        cols.append(col)
    out[cols] = np.maximum.accumulate(out[cols].to_numpy(), axis=1)
    return out
