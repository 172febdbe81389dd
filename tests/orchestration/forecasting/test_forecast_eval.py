"""``stockcast forecast-eval`` on a real store-item subsample and on a generated sales file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from orchestration.commands.forecast_eval import (
    FORECAST_CSV_COLUMNS,
    daily_frame,
    forecast_eval,
)

FAST = """\
forecast:
  horizon: 14
  n_origins: 2
  expensive_sample_per_class: 2
  max_expensive_fits: 4
  models: [seasonal_naive_7, naive_mean, tsb, lightgbm_global, auto_ets]
"""
STORE_ITEM_MAPPING = """\
sources:
  - entity: sales
    pattern: "store_item*.csv"
    columns:
      sku: "S{store:02d}-I{item:02d}"
      quantity: sales
"""
METRICS = {"mae", "rmse", "mape", "smape", "wape", "bias", "mase"}


@pytest.mark.unit
def test_daily_frame_sums_locations_and_fills_the_calendar() -> None:
    """Two locations add up; missing days are zeros from the SKU's first sale to the end."""
    raw = pd.DataFrame(
        {
            "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-03", "2024-01-02"]),
            "sku": ["A", "A", "A", "B"],
            "location": ["x", "y", "x", "x"],
            "quantity": [2.0, 3.0, 1.0, 4.0],
            "unit_price": [10.0, 20.0, None, 5.0],
            "promo": [True, False, None, None],
        }
    )
    out = daily_frame(raw).set_index(["sku", "date"])
    assert out.loc[("A", pd.Timestamp("2024-01-01")), "quantity"] == 5.0
    assert out.loc[("A", pd.Timestamp("2024-01-02")), "quantity"] == 0.0
    assert out.loc[("A", pd.Timestamp("2024-01-01")), "unit_price"] == pytest.approx(16.0)
    assert bool(out.loc[("A", pd.Timestamp("2024-01-01")), "is_promo"])
    assert len(out) == 3 + 2  # A: 3 days, B: 2024-01-02 .. 2024-01-03


def _daily_frame_reference(raw: pd.DataFrame) -> pd.DataFrame:
    """The groupby + merge formulation daily_frame replaced (kept as the specification)."""
    raw = raw.assign(date=pd.to_datetime(raw["date"]), sku=raw["sku"].astype(str))
    raw["revenue"] = raw["quantity"] * raw["unit_price"]
    raw["priced_qty"] = raw["quantity"].where(raw["unit_price"].notna(), 0.0)
    raw["promo"] = raw["promo"].astype("boolean").fillna(False).astype(bool)
    day = raw.groupby(["sku", "date"], sort=True).agg(
        quantity=("quantity", "sum"),
        revenue=("revenue", "sum"),
        priced_qty=("priced_qty", "sum"),
        price_mean=("unit_price", "mean"),
        is_promo=("promo", "max"),
    )
    day["unit_price"] = (day["revenue"] / day["priced_qty"].where(day["priced_qty"] > 0)).fillna(
        day["price_mean"]
    )
    day = day.reset_index()
    end = day["date"].max()
    first = day.groupby("sku")["date"].min()
    grid = pd.concat(
        [pd.DataFrame({"sku": k, "date": pd.date_range(v, end)}) for k, v in first.items()],
        ignore_index=True,
    )
    out = grid.merge(
        day[["sku", "date", "quantity", "unit_price", "is_promo"]], on=["sku", "date"], how="left"
    )
    out["quantity"] = out["quantity"].fillna(0.0)
    out["is_promo"] = out["is_promo"].astype("boolean").fillna(False).astype(bool)
    out["unit_price"] = out.groupby("sku")["unit_price"].ffill()
    out["unit_price"] = out.groupby("sku")["unit_price"].bfill()  # never a neighbour's price
    if out["unit_price"].isna().all():
        out = out.drop(columns="unit_price")
    return out


@pytest.mark.unit
@pytest.mark.parametrize("seed", range(12))
def test_daily_frame_matches_the_groupby_formulation(seed: int) -> None:
    """Random SKUs, locations, gaps, unpriced rows and unknown promos: the same frame."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    raw = pd.DataFrame(
        {
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 60, n), "D"),
            "sku": rng.choice([f"S{i}" for i in range(int(rng.integers(1, 12)))], n),
            "location": rng.choice(["a", "b", "c"], n),
            "quantity": rng.integers(0, 5, n).astype(float),
            "unit_price": np.where(rng.random(n) < 0.3, np.nan, rng.uniform(1, 9, n).round(2)),
            "promo": pd.array(rng.choice([True, False, None], n), dtype="boolean"),
        }
    ).drop_duplicates(["date", "sku", "location"])
    if seed % 4 == 0:
        raw["unit_price"] = np.nan  # no prices at all: the column is dropped
    elif seed % 4 == 1:
        raw.loc[raw["sku"] == "S0", "unit_price"] = np.nan  # one SKU never priced: NaN
    expected = _daily_frame_reference(raw)
    pd.testing.assert_frame_equal(daily_frame(raw), expected, rtol=1e-12)


def _run(tmp: Path, sales: Path, config: str, *extra: str) -> tuple[dict, pd.DataFrame]:
    home = tmp / "home"
    home.mkdir()
    (home / "stockcast.yaml").write_text(config)
    out, fc, per_sku = tmp / "report.json", tmp / "forecasts.csv", tmp / "per_sku.csv"
    result = CliRunner().invoke(
        forecast_eval,
        [
            "--sales",
            str(sales),
            "--out",
            str(out),
            "--forecasts-out",
            str(fc),
            "--per-sku-out",
            str(per_sku),
            *extra,
        ],
        env={"STOCKCAST_HOME": str(home), "STOCKCAST_WAREHOUSE_URL": "", "STOCKCAST_CONFIG": ""},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert json.loads(result.stdout[: result.stdout.rindex("}") + 1]) == report
    _check_per_sku(report, pd.read_csv(per_sku))
    return report, pd.read_csv(fc, parse_dates=["date"])


def _check_per_sku(report: dict, per_sku: pd.DataFrame) -> None:
    """One row per series whose metrics add up to the report's pooled figures."""
    assert len(per_sku) == report["input"]["series"] == report["per_sku_summary"]["n_series"]
    assert not per_sku["sku"].duplicated().any()
    assert METRICS | {"demand_class", "model", "coverage_80", "naive_mase"} <= set(per_sku)
    assert per_sku["n_points"].sum() == report["stockcast"]["n_points"]
    # Overall MASE is the mean of the per-series MASEs, for stockcast and for the baseline.
    assert per_sku["mase"].mean() == pytest.approx(report["stockcast"]["mase"], abs=1e-5)
    assert per_sku["naive_mase"].mean() == pytest.approx(report["seasonal_naive"]["mase"], abs=1e-5)
    both = per_sku.dropna(subset=["mase", "naive_mase"])
    share = (both["mase"] < both["naive_mase"]).mean()
    assert report["per_sku_summary"]["share_beating_naive_mase"] == pytest.approx(share, abs=1e-4)
    worst = report["per_sku_summary"]["worst_mase"]
    assert worst and worst[0]["mase"] == pytest.approx(both["mase"].max(), abs=1e-4)


def _check(report: dict, forecasts: pd.DataFrame, series: int, horizon: int) -> None:
    assert METRICS | {"coverage_80", "pinball_p10", "pinball_p90"} <= set(report["stockcast"])
    assert set(report["seasonal_naive"]) >= METRICS
    assert report["input"]["series"] == series
    assert report["wall_seconds"]["total"] > 0 and report["peak_rss_mib"] > 0
    assert list(forecasts.columns) == list(FORECAST_CSV_COLUMNS)
    assert list(forecasts.columns)[:5] == ["sku", "date", "p10", "p50", "p90"]
    assert len(forecasts) == series * horizon
    assert not forecasts.duplicated(["sku", "date"]).any()
    assert (forecasts["p10"] <= forecasts["p50"]).all()
    assert (forecasts["p50"] <= forecasts["p90"]).all()
    assert (forecasts["p10"] >= 0).all()


@pytest.mark.integration
@pytest.mark.slow
def test_store_item_subsample_through_a_mapping(
    store_item_sales_path: Path, tmp_path: Path
) -> None:
    """6 store-item series, last 400 days: mapped by stockcast.yaml, better than naive."""
    raw = pd.read_csv(store_item_sales_path, parse_dates=["date"])
    raw = raw[(raw["store"] == 1) & (raw["item"] <= 6) & (raw["date"] >= "2016-11-27")]
    sales = tmp_path / "store_item_sample.csv"
    raw.to_csv(sales, index=False)
    report, forecasts = _run(tmp_path, sales, STORE_ITEM_MAPPING + FAST, "--horizon", "14")
    _check(report, forecasts, series=6, horizon=14)
    assert set(forecasts["sku"]) == {f"S01-I{i:02d}" for i in range(1, 7)}
    assert forecasts["date"].max() == pd.Timestamp("2017-12-31")
    assert report["input"]["mapping"] == "store_item*.csv"
    # Strong weekly and yearly seasonality: the selected model must beat seasonal naive.
    assert report["stockcast"]["mase"] < report["seasonal_naive"]["mase"]


@pytest.mark.integration
@pytest.mark.slow
def test_generated_sales_file_and_short_holdout(tmp_path: Path) -> None:
    """A raw-contract sales file (no mapping); a holdout shorter than the horizon."""
    from ml.datagen import generate

    summary = generate(tmp_path / "incoming", n_skus=8, n_days=200, seed=3)
    sales = next((tmp_path / "incoming").glob("sales*"))
    report, forecasts = _run(tmp_path, sales, FAST, "--holdout-days", "7")
    skus = pd.read_csv(sales, usecols=["sku"])["sku"].nunique()
    assert summary.rows["sales"] > 0
    _check(report, forecasts, series=skus, horizon=7)
    assert report["holdout_days"] == 7 and report["horizon"] == 14


@pytest.mark.integration
@pytest.mark.slow
def test_holdout_longer_than_horizon_uses_successive_origins(tmp_path: Path) -> None:
    """10 days at horizon 7: two origins (7 + 3 days), each forecasting only its block."""
    from ml.datagen import generate

    generate(tmp_path / "incoming", n_skus=6, n_days=200, seed=5)
    sales = next((tmp_path / "incoming").glob("sales*"))
    report, forecasts = _run(tmp_path, sales, FAST, "--horizon", "7", "--holdout-days", "10")
    skus = pd.read_csv(sales, usecols=["sku"])["sku"].nunique()
    _check(report, forecasts, series=skus, horizon=10)
    last = forecasts["date"].max()
    first_origin, second_origin = last - pd.Timedelta(days=10), last - pd.Timedelta(days=3)
    assert report["holdout_days"] == 10 and report["n_origins"] == 2
    assert [(o["forecast_date"], o["days"]) for o in report["origins"]] == [
        (str(first_origin.date()), 7),
        (str(second_origin.date()), 3),
    ]
    origin = pd.to_datetime(forecasts["forecast_date"])
    assert set(origin) == {first_origin, second_origin}
    assert (forecasts["date"] > origin).all()
    assert (forecasts["date"] <= origin + pd.Timedelta(days=7)).all()
    assert report["training_window"][1] == str(first_origin.date())
    pooled = report["stockcast"]["n_points"]
    assert pooled == sum(o["stockcast"]["n_points"] for o in report["origins"])
