"""Features of the global LightGBM, built as Darts series.

Per-SKU scaling, calendar, price/promo/holiday, lagged rolling means and the SKU's
seasonal profile.

Every target-derived covariate only looks at data at least ``horizon`` days before the
day it describes, so it is known for the whole forecast window and can be a *future*
covariate at lag 0 ("rolling mean of the 7 days ending ``horizon`` days ago", "same week
last year"). The short-range dynamics come from the model's own target lags 1/7/14/28.

The target is divided by a per-SKU scale (mean demand of the last year before
``scale_end``) so one model learns shared multiplicative weekday / month shapes across
SKUs of very different volume; forecasts are multiplied back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from darts import TimeSeries

CALENDAR = ["dow", "month", "dom"]
TARGET_DERIVED = ["roll7_lagh", "roll28_lagh", "yoy7", "yoy28", "dow_profile", "month_profile"]
OPTIONAL = ["is_holiday", "is_promo", "price_ratio"]
SCALE_DAYS = 365
SERIES_CHUNK = 500


@dataclass
class GlobalData:
    """Darts inputs of the global model for a set of SKUs (same order everywhere)."""

    skus: list[str]
    target: list[TimeSeries]
    covariates: list[TimeSeries]
    weights: list[TimeSeries]
    scales: pd.Series
    feature_columns: list[str]


def series_by_sku(frame: pd.DataFrame, value_cols: list[str]) -> tuple[list[str], list[TimeSeries]]:
    """One daily TimeSeries per SKU from a frame sorted by ``sku, date``.

    Equivalent to ``TimeSeries.from_group_dataframe(frame, "sku", "date", value_cols)``
    for calendar-complete rows, but slices one array instead of grouping a DataFrame:
    0.35 s instead of 5 s per 1,000 SKUs, which was a third of the 10,000-SKU run.
    Falls back to ``from_group_dataframe`` when a SKU has gaps.
    """
    return _series_from_rows(
        frame["sku"].to_numpy(),
        frame["date"].to_numpy(),
        lambda a, b: frame[value_cols].iloc[a:b].to_numpy(),
        value_cols,
    )


def _array_rows(array: np.ndarray, a: int, b: int) -> np.ndarray:
    return array[a:b]


def _series_from_rows(
    skus: np.ndarray,
    dates: np.ndarray,
    values: np.ndarray | Callable[[int, int], np.ndarray],
    value_cols: list[str],
) -> tuple[list[str], list[TimeSeries]]:
    """Series from rows sorted by ``sku, date``; ``values`` is an array or ``(a, b) -> rows``.

    Darts copies each series' values, so values are fetched a few hundred SKUs at a time:
    a whole-table array would be a second copy of every covariate at once.
    """
    fetch = partial(_array_rows, values) if isinstance(values, np.ndarray) else values

    codes, uniques = pd.factorize(skus, sort=False)
    if len(codes) == 0:
        return [], []
    bounds = np.flatnonzero(np.diff(codes)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(codes)]])
    span = (dates[ends - 1] - dates[starts]) // np.timedelta64(1, "D") + 1
    if len(starts) != len(uniques) or not np.array_equal(span, ends - starts):
        frame = pd.DataFrame(fetch(0, len(codes)), columns=value_cols)
        frame.insert(0, "date", dates)
        frame.insert(0, "sku", skus)
        series = TimeSeries.from_group_dataframe(
            frame, group_cols="sku", time_col="date", value_cols=value_cols, freq="D"
        )
        return [str(ts.static_covariates["sku"].iloc[0]) for ts in series], series
    names = [str(uniques[codes[s]]) for s in starts]
    series = []
    for first in range(0, len(starts), SERIES_CHUNK):
        last = min(first + SERIES_CHUNK, len(starts))
        offset = starts[first]
        block = fetch(offset, ends[last - 1])
        series.extend(
            TimeSeries.from_times_and_values(
                pd.date_range(dates[s], periods=e - s, freq="D"),
                block[s - offset : e - offset],
                columns=value_cols,
            )
            for s, e in zip(starts[first:last], ends[first:last], strict=True)
        )
        del block
    return names, series


class _GroupCumsum:
    """Cumulative sums of one per-group series (rows sorted by group) for window means.

    Built once and queried for several lags and windows: at 10,000 SKUs x 3 years each
    float64 temporary is 90 MB, and recomputing the sums per feature held a dozen of them.
    """

    def __init__(self, values: np.ndarray, pos: np.ndarray):
        observed = ~np.isnan(values)
        self.csum = np.concatenate([[0.0], np.cumsum(np.where(observed, values, 0.0))])
        self.ccnt = np.concatenate([[0], np.cumsum(observed, dtype=np.int32)])
        self.idx = np.arange(values.size, dtype=np.int32 if values.size < 2**31 else np.int64)
        self.start = self.idx - pos.astype(self.idx.dtype)  # first row of each row's group

    def mean(self, lag: int, window: int) -> np.ndarray:
        """Mean of ``values[i-lag-window+1 .. i-lag]`` within the group, as float32.

        NaN values are skipped; NaN when the window holds no value.
        """
        hi = self.idx - (lag - 1)  # exclusive end, in csum coordinates
        np.maximum(hi, self.start, out=hi)
        lo = hi - window
        np.maximum(lo, self.start, out=lo)
        s = self.csum[hi]
        s -= self.csum[lo]
        k = self.ccnt[hi]
        k -= self.ccnt[lo]
        del hi, lo
        with np.errstate(invalid="ignore", divide="ignore"):
            out = (s / k).astype(np.float32)
        out[k == 0] = np.nan
        return out


def _lagged_rolling_mean(values: np.ndarray, pos: np.ndarray, lag: int, window: int) -> np.ndarray:
    """Mean of ``values[i-lag-window+1 .. i-lag]`` within each group (rows sorted by group).

    ``pos`` is the row's position inside its group. NaN values are skipped; NaN when the
    window holds no value. Cumulative sums make this O(n) for 10,000 SKUs.
    """
    return _GroupCumsum(np.asarray(values, dtype=float), pos).mean(lag, window).astype(float)


def _profile(
    codes: np.ndarray, key: np.ndarray, values: np.ndarray, size: int, n_codes: int
) -> np.ndarray:
    """Mean of ``values`` per ``(code, key)`` as an ``n_codes x size`` table (NaN if none).

    ``np.bincount`` on integer codes instead of a groupby and a MultiIndex reindex over
    every row: the MultiIndex of 11 million (sku, weekday) pairs cost gigabytes.
    """
    ok = ~np.isnan(values)
    flat = codes[ok].astype(np.int64) * size + key[ok]
    total = np.bincount(flat, weights=values[ok], minlength=n_codes * size)
    count = np.bincount(flat, minlength=n_codes * size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (total / count).reshape(n_codes, size)


def sku_scales(prepared: pd.DataFrame, scale_end: pd.Timestamp) -> pd.Series:
    """Per-SKU mean demand over the year up to ``scale_end`` (1.0 when it is zero)."""
    window = prepared[
        (prepared["date"] <= scale_end)
        & (prepared["date"] > scale_end - pd.Timedelta(days=SCALE_DAYS))
    ]
    scale = window.groupby("sku")["quantity"].mean()
    return scale.where(scale > 0, 1.0).fillna(1.0)


def build_global_data(
    prepared: pd.DataFrame,
    *,
    skus: list[str],
    scale_end: pd.Timestamp,
    horizon: int,
    extend: int = 0,
    future: pd.DataFrame | None = None,
) -> GlobalData:
    """Build target, covariate and sample-weight series for the global model.

    Args:
        prepared: output of :func:`ml.forecasting.censoring.censor_and_impute`.
        skus: SKUs to include.
        scale_end: last date used for scales and profiles (the fit cutoff): nothing after
            it informs the per-SKU statistics, so backtests stay honest.
        horizon: forecast horizon; target-derived covariates are lagged by it.
        extend: days of covariates to add after each series' end (``horizon`` to predict).
        future: optional known-in-advance ``sku, date, unit_price, is_promo, is_holiday``
            rows for the extension (planned promotions, holiday calendar).

    Returns:
        A :class:`GlobalData`; target and weights end at the last history date.
    """
    cols = ["sku", "date", "quantity", "is_censored"] + [
        c for c in ("unit_price", "is_promo", "is_holiday") if c in prepared.columns
    ]
    df = prepared.loc[prepared["sku"].isin(skus), cols]  # one copy, only what is used
    scales = sku_scales(df, scale_end).reindex(skus).fillna(1.0)
    if extend > 0:
        last = df.groupby("sku", sort=True)["date"].max()
        ext = pd.DataFrame(
            {
                "sku": np.repeat(last.index.to_numpy(), extend),
                "date": (
                    np.repeat(last.to_numpy(), extend)
                    + np.tile(pd.to_timedelta(np.arange(1, extend + 1), unit="D"), len(last))
                ),
            }
        )
        if future is not None:
            fcols = [
                c
                for c in ("unit_price", "is_promo", "is_holiday")
                if c in future.columns and c in df.columns
            ]
            ext = ext.merge(future[["sku", "date", *fcols]], on=["sku", "date"], how="left")
        ext["is_censored"] = False
        df = pd.concat([df, ext], ignore_index=True)
        del ext
    df = df.sort_values(["sku", "date"], ignore_index=True)
    if "unit_price" in df.columns:
        df["unit_price"] = df.groupby("sku", sort=False)["unit_price"].ffill()
    for c in ("is_promo", "is_holiday"):
        if c in df.columns:
            df[c] = df[c].astype(float).fillna(0.0)

    codes, _ = pd.factorize(df["sku"], sort=False)
    ys = df["quantity"].to_numpy(dtype=float) / df["sku"].map(scales).to_numpy()
    pos = df.groupby("sku", sort=False).cumcount().to_numpy()
    dates = df["date"]
    features = CALENDAR + TARGET_DERIVED
    features += [c for c in ("is_holiday", "is_promo") if c in df.columns]
    if "unit_price" in df.columns:
        features.append("price_ratio")
    # One preallocated float32 table instead of a DataFrame grown column by column (pandas
    # re-consolidates its blocks, copying every covariate, as columns are added).
    table = np.empty((len(df), len(features)), dtype=np.float32)
    col = {name: i for i, name in enumerate(features)}
    dow = dates.dt.dayofweek.to_numpy()
    month = dates.dt.month.to_numpy()
    table[:, col["dow"]] = dow
    table[:, col["month"]] = month
    table[:, col["dom"]] = dates.dt.day.to_numpy()
    for c in ("is_holiday", "is_promo"):
        if c in col:
            table[:, col[c]] = df[c].to_numpy()
    if "unit_price" in df.columns:
        med = df[df["date"] <= scale_end].groupby("sku")["unit_price"].median()
        table[:, col["price_ratio"]] = df["unit_price"].to_numpy() / df["sku"].map(med).to_numpy()
    in_hist = ((dates <= scale_end) & ~df["is_censored"]).to_numpy()
    recent = in_hist & (dates > scale_end - pd.Timedelta(days=SCALE_DAYS)).to_numpy()
    years = dates.dt.year.to_numpy()
    has_target = df["quantity"].notna().to_numpy()
    weight = (~df["is_censored"].to_numpy()).astype(np.float32)
    sku_rows, date_rows = df["sku"].to_numpy(), dates.to_numpy()
    del df, dates  # everything below works on arrays

    sums = _GroupCumsum(ys, pos)
    del pos
    table[:, col["roll7_lagh"]] = sums.mean(horizon, 7)
    table[:, col["roll28_lagh"]] = sums.mean(horizon, 28)
    table[:, col["yoy7"]] = sums.mean(364 - 3, 7)
    table[:, col["yoy28"]] = sums.mean(364 - 14, 28)
    del sums

    # Seasonal profile of each SKU, from history up to scale_end only, as code x weekday
    # and code x month tables looked up by position. The profiles average the float32
    # target, as the model sees it.
    ys32 = ys.astype(np.float32).astype(float)
    n_codes = int(codes.max()) + 1 if codes.size else 0
    dow_prof = _profile(codes[recent], dow[recent], ys32[recent], 7, n_codes)
    year_key = codes.astype(np.int64) * 10_000 + years
    _, hist_inv = np.unique(year_key[in_hist], return_inverse=True)
    hist_ys = ys32[in_hist]
    year_mean = (np.bincount(hist_inv, weights=hist_ys) / np.bincount(hist_inv))[hist_inv]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(year_mean > 0, hist_ys / year_mean, np.nan)
    month_prof = _profile(codes[in_hist], month[in_hist] - 1, ratio, 12, n_codes)
    del hist_inv, hist_ys, year_mean, ratio, year_key, years, recent, in_hist, ys32
    table[:, col["dow_profile"]] = np.nan_to_num(dow_prof[codes, dow], nan=1.0)
    table[:, col["month_profile"]] = np.nan_to_num(month_prof[codes, month - 1], nan=1.0)
    del dow_prof, month_prof, dow, month, codes

    target_values = np.column_stack([ys.astype(np.float32), weight])[has_target]
    del ys, weight
    t_skus, t_dates = sku_rows[has_target], date_rows[has_target]
    order, target = _series_from_rows(t_skus, t_dates, target_values[:, :1], ["ys"])
    _, weights = _series_from_rows(t_skus, t_dates, target_values[:, 1:], ["weight"])
    del target_values, t_skus, t_dates
    cov_order, covs = _series_from_rows(sku_rows, date_rows, table, features)
    del table
    if cov_order != order:
        raise ValueError("target and covariate series are not in the same SKU order")
    return GlobalData(
        skus=order,
        target=target,
        covariates=covs,
        weights=weights,
        scales=scales.reindex(order),
        feature_columns=features,
    )
