"""Small frames derived from raw sales, for the batch-level rules GX has no expectation for.

GX validates rows; "is a whole day missing?" and "did a category's volume jump tenfold?"
are questions about the batch. Rather than write custom expectation classes, these
functions reduce the batch to a frame where the rule *is* a row rule (a calendar day must
be among the observed days; a ratio must lie in ``[1/k, k]``) and the ordinary GX
expectations run on it. That keeps one result type, and it is cheap: the aggregates have
a few thousand rows however large the sales frame is.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from expectations.params import SuiteParams

ALL_CATEGORIES = "(all)"
"""Category label used when no products frame is given (sales loaded alone)."""


def has_columns(frame: pd.DataFrame, columns: tuple[str, ...]) -> bool:
    """Whether ``frame`` has ``columns`` and the first of them is ``datetime64``."""
    if not set(columns) <= set(frame.columns):
        return False
    return pd.api.types.is_datetime64_any_dtype(frame[columns[0]])


def within_window(frame: pd.DataFrame, params: SuiteParams) -> pd.DataFrame:
    """Rows dated from ``earliest_date`` to ``today`` (the frame itself when all are)."""
    low, high = pd.Timestamp(params.earliest_date), pd.Timestamp(params.today)
    dates = frame["date"]
    if dates.empty or (dates.min() >= low and dates.max() <= high):
        return frame
    return frame[(dates >= low) & (dates <= high)]


def sales_calendar(frame: pd.DataFrame, params: SuiteParams) -> pd.DataFrame:
    """Every expected sales day from the first to the last sales date, and whether it has rows.

    Returns:
        Columns ``date`` (each calendar day, without ``params.closed_dates``) and
        ``missing_day`` (the same date when no sales row has it, else null), so that
        "no missing day" is GX's ``expect_column_values_to_be_null`` and the offending
        dates are its unexpected values.
    """
    observed = pd.DatetimeIndex(frame["date"].dropna().unique()).normalize().unique()
    if observed.empty:
        empty = pd.Series([], dtype="datetime64[ns]")
        return pd.DataFrame({"date": empty, "missing_day": empty})
    calendar = pd.date_range(observed.min(), observed.max(), freq="D")
    if params.closed_dates:
        calendar = calendar.difference(pd.DatetimeIndex(pd.to_datetime(params.closed_dates)))
    days = pd.Series(calendar)
    return pd.DataFrame({"date": days, "missing_day": days.where(~days.isin(observed))})


def daily_category_volume(frame: pd.DataFrame, params: SuiteParams) -> pd.DataFrame:
    """Units sold per category per calendar day (0 on days without rows).

    Categories come from ``params.products``; SKUs unknown to it, or every SKU when there
    is no products frame, fall into one bucket so the rule still runs on sales alone.
    """
    sales = frame[["date", "sku", "quantity"]]  # groupby drops null keys itself
    products = params.products
    if products is not None and not products.empty and {"sku", "category"} <= set(products):
        lookup = products.drop_duplicates("sku").set_index("sku")["category"].fillna("")
        skus = sales["sku"]
        if not isinstance(skus.dtype, pd.CategoricalDtype):
            skus = skus.astype("category")
        # Map the few thousand SKU categories, not the millions of rows.
        per_code = pd.Series(skus.cat.categories.astype(str)).map(lookup).fillna(ALL_CATEGORIES)
        category = pd.Categorical(per_code.to_numpy()[skus.cat.codes.to_numpy()])
        category[skus.cat.codes.to_numpy() < 0] = np.nan
        daily = (
            sales["quantity"]
            .groupby([sales["date"], category], observed=True)
            .sum()
            .unstack(fill_value=0)
        )
    else:
        daily = sales.groupby("date")["quantity"].sum().to_frame(ALL_CATEGORIES)
    return _calendar_filled(daily, params)


def daily_volume_from_totals(totals: pd.DataFrame, params: SuiteParams) -> pd.DataFrame:
    """:func:`daily_category_volume` from units already summed per day and category.

    Args:
        totals: Columns ``date, category, quantity`` (one row per day and category), as
            the warehouse computes them for a table too large to read.
        params: For the closed dates.
    """
    if totals.empty:
        return pd.DataFrame(index=pd.DatetimeIndex([], name="date"))
    totals = totals.assign(
        date=pd.to_datetime(totals["date"]), quantity=totals["quantity"].fillna(0)
    )
    daily = totals.pivot_table(
        index="date", columns="category", values="quantity", aggfunc="sum", fill_value=0
    )
    return _calendar_filled(daily, params)


def _calendar_filled(daily: pd.DataFrame, params: SuiteParams) -> pd.DataFrame:
    """Every calendar day from the first to the last (closures excluded), 0 where absent."""
    if daily.empty:
        return daily
    days = pd.date_range(daily.index.min(), daily.index.max(), freq="D")
    if params.closed_dates:
        days = days.difference(pd.DatetimeIndex(pd.to_datetime(params.closed_dates)))
    return daily.reindex(days, fill_value=0).sort_index()


def volume_ratios(daily: pd.DataFrame, params: SuiteParams) -> pd.DataFrame:
    """Last day's and last week's volume per category against the trailing median day.

    ``last_day``: units on the last day / median daily units over the ``baseline_days``
    before it. ``last_7_days``: units over the last 7 days / (7 x median daily units over
    the ``baseline_days`` before those 7). The ratio is NaN (not judged) when the baseline
    is zero, and the frame is empty while history is shorter than the baseline.

    Returns:
        Columns ``category, window, end_date, volume, baseline, ratio``.
    """
    columns = ["category", "window", "end_date", "volume", "baseline", "ratio"]
    rows: list[dict] = []
    if daily.empty:
        return pd.DataFrame(columns=columns)
    end = daily.index.max()
    windows = {"last_day": 1, "last_7_days": 7}
    for window, length in windows.items():
        start = end - timedelta(days=length - 1)
        before = daily.loc[: start - timedelta(days=1)]
        before = before.loc[before.index >= start - timedelta(days=params.baseline_days)]
        if len(before) < params.baseline_days // 2:
            continue
        current = daily.loc[start:end]
        for category in daily.columns:
            baseline = float(before[category].median()) * length
            volume = float(current[category].sum())
            ratio = volume / baseline if baseline > 0 else np.nan
            rows.append(
                {
                    "category": str(category),
                    "window": window,
                    "end_date": end.date().isoformat(),
                    "volume": volume,
                    "baseline": baseline,
                    "ratio": ratio,
                }
            )
    return pd.DataFrame(rows, columns=columns)
