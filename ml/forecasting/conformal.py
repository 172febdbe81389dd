"""Conformal prediction intervals from backtest residuals.

For each SKU the residuals ``y - y_hat`` of its selected model on the backtest are divided
by the SKU's scale (in-sample seasonal-naive MAE: the typical day-to-day change in that
SKU's demand, which grows with its level and covers Poisson-like and proportional noise)
and pooled per ``demand_class x horizon bucket``. The empirical quantiles of these scaled
residuals, with the split-conformal finite-sample correction, are added back to each
forecast: ``p_q = max(0, y_hat + scale * Q_q)``, then made monotone across ``q``. Small
groups borrow the pooled quantiles of all classes for that bucket.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

QUANTILES = (0.1, 0.5, 0.9, 0.95, 0.99)
BUCKETS = ((1, 7), (8, 14), (15, 28), (29, 10_000))
MIN_GROUP = 200


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


def fit_calibration(
    residual_rows: pd.DataFrame,
    *,
    quantiles: tuple[float, ...] = QUANTILES,
    min_group: int = MIN_GROUP,
) -> pd.DataFrame:
    """Scaled-residual quantiles per ``demand_class, bucket`` (plus class ``*`` pooled).

    Args:
        residual_rows: ``demand_class, horizon, y, y_hat, scale`` of the selected models.
        quantiles: levels to calibrate.
        min_group: groups with fewer residuals use the pooled ``*`` row.

    Returns:
        One row per ``demand_class, bucket`` with ``n`` and a column per quantile.
    """
    r = residual_rows.dropna(subset=["y", "y_hat"])
    r = r[r["scale"] > 0]
    e = ((r["y"] - r["y_hat"]) / r["scale"]).to_numpy()
    bucket = horizon_bucket(r["horizon"].to_numpy())
    frame = pd.DataFrame({"demand_class": r["demand_class"].to_numpy(), "bucket": bucket, "e": e})
    rows = []
    pooled = {}
    for b, grp in frame.groupby("bucket"):
        pooled[b] = {q: _conformal_quantile(grp["e"].to_numpy(), q) for q in quantiles}
        rows.append({"demand_class": "*", "bucket": b, "n": len(grp), **pooled[b]})
    for (cls, b), grp in frame.groupby(["demand_class", "bucket"]):
        if len(grp) < min_group:
            continue
        rows.append(
            {
                "demand_class": cls,
                "bucket": b,
                "n": len(grp),
                **{q: _conformal_quantile(grp["e"].to_numpy(), q) for q in quantiles},
            }
        )
    if not rows:  # no residuals at all: a symmetric +-1 scale band is the honest default
        for lo, hi in BUCKETS:
            b = f"{lo}-{hi}" if hi < 10_000 else "29+"
            rows.append(
                {
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
    """Add ``p10 ... p99`` to rows ``demand_class, horizon, y_hat, scale``.

    Quantiles are clipped at zero and made non-decreasing in ``q``. With
    ``median_from_residuals`` p50 is the conformal median (bias-corrected point forecast);
    otherwise p50 is ``y_hat`` itself.
    """
    out = forecasts.copy()
    bucket = horizon_bucket(out["horizon"].to_numpy())
    cal = calibration.set_index(["demand_class", "bucket"])
    keys = list(zip(out["demand_class"], bucket, strict=True))
    pooled_keys = [("*", b) for b in bucket]
    known = set(cal.index)
    # Buckets past the calibrated range (horizon > 28) use the last calibrated bucket.
    order = [f"{lo}-{hi}" if hi < 10_000 else "29+" for lo, hi in BUCKETS]
    last_bucket = {k[0]: k[1] for k in sorted(known, key=lambda k: order.index(k[1]))}
    use = []
    for k, p in zip(keys, pooled_keys, strict=True):
        if k in known:
            use.append(k)
        elif p in known:
            use.append(p)
        else:
            use.append(("*", last_bucket["*"]))
    table = cal.loc[use]
    y_hat = out["y_hat"].to_numpy(dtype=float)
    scale = out["scale"].to_numpy(dtype=float)
    cols = []
    for q in quantiles:
        col = f"p{round(q * 100)}"
        if q == 0.5 and not median_from_residuals:
            vals = y_hat.copy()
        else:
            vals = y_hat + scale * table[q].to_numpy(dtype=float)
        out[col] = np.clip(vals, 0.0, None)
        cols.append(col)
    out[cols] = np.maximum.accumulate(out[cols].to_numpy(), axis=1)
    return out
