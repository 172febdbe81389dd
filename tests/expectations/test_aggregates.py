from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from expectations import SuiteParams
from expectations.aggregates import (
    ALL_CATEGORIES,
    daily_category_volume,
    sales_calendar,
    volume_ratios,
)
from tests.expectations import gx_frames

pytestmark = pytest.mark.unit


def test_daily_volume_fills_days_without_rows_with_zero(sales, products):
    params = SuiteParams(today=gx_frames.TODAY, products=products)
    gap = pd.Timestamp("2025-04-10")
    daily = daily_category_volume(sales[sales["date"] != gap], params)
    assert list(daily.columns) == sorted(gx_frames.CATEGORIES)
    assert (daily.loc[gap] == 0).all()
    assert daily.to_numpy().sum() == sales.loc[sales["date"] != gap, "quantity"].sum()


def test_without_products_everything_is_one_bucket(sales):
    daily = daily_category_volume(sales, SuiteParams(today=gx_frames.TODAY))
    assert list(daily.columns) == [ALL_CATEGORIES]


def test_ratio_is_last_day_over_trailing_median():
    days = pd.date_range("2025-01-01", periods=40, freq="D")
    daily = pd.DataFrame({"a": np.r_[np.full(39, 10.0), 100.0]}, index=days)
    ratios = volume_ratios(daily, SuiteParams(today=days[-1].date()))
    last_day = ratios.set_index("window").loc["last_day"]
    assert last_day["ratio"] == pytest.approx(10.0)
    last_week = ratios.set_index("window").loc["last_7_days"]
    assert last_week["ratio"] == pytest.approx((60 + 100) / 70)


def test_short_history_is_not_judged():
    days = pd.date_range("2025-01-01", periods=5, freq="D")
    daily = pd.DataFrame({"a": [1.0, 1, 1, 1, 50]}, index=days)
    assert volume_ratios(daily, SuiteParams(today=days[-1].date())).empty


def test_zero_baseline_gives_no_ratio():
    days = pd.date_range("2025-01-01", periods=40, freq="D")
    daily = pd.DataFrame({"a": np.r_[np.zeros(39), 5.0]}, index=days)
    ratios = volume_ratios(daily, SuiteParams(today=days[-1].date()))
    assert ratios["ratio"].isna().all()


def test_calendar_skips_closed_days(sales):
    christmas = pd.Timestamp("2025-04-10")
    params = SuiteParams(today=gx_frames.TODAY, closed_dates=(christmas.date(),))
    calendar = sales_calendar(sales[sales["date"] != christmas], params)
    assert christmas not in set(calendar["date"])
    assert len(calendar) == gx_frames.DAYS - 1
    assert calendar["missing_day"].isna().all()


def test_calendar_marks_days_without_rows(sales):
    gap = pd.Timestamp("2025-04-10")
    calendar = sales_calendar(sales[sales["date"] != gap], SuiteParams(today=gx_frames.TODAY))
    assert calendar["missing_day"].dropna().tolist() == [gap]
