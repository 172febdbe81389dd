"""Broken data through the pipeline: which check fails or warns, and what it stops.

Each test starts from a warehouse loaded with a clean history (see ``conftest.py``), drops
one increment of sales, broken in one way, and runs ingestion, dbt, every check and a
stand-in forecast (``ml/demand_forecasts``) in process. A blocked run must fail, exit 1
through ``stockcast run``'s reporting, skip the forecast (whose previous output stays
as it was) and lose nothing already loaded.
"""

import dagster as dg
import duckdb
import pandas as pd
import pytest

from tests.orchestration.quality.quality_pipeline import Outcome, Pipeline, run_base, today

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FORECAST = dg.AssetKey(["ml", "demand_forecasts"])
SALES = dg.AssetKey(["raw", "sales"])


def evaluation(result: Outcome, asset: dg.AssetKey, name: str) -> dg.AssetCheckEvaluation:
    matches = [e for e in result.checks if e.asset_check_key == dg.AssetCheckKey(asset, name)]
    assert matches, f"{asset.to_user_string()}:{name} did not run"
    return matches[-1]


def forecast_run_id(pipeline: Pipeline) -> str:
    return str(pipeline.warehouse().read_table("ml", "dummy_forecasts")["run_id"].iloc[0])


def failed_checks(result: Outcome) -> list[str]:
    return [e.asset_check_key.to_user_string() for e in result.checks if not e.passed]


def assert_blocked(
    result: Outcome, pipeline: Pipeline, before: dict[str, int], previous_forecast: str
) -> None:
    """The run failed, exits 1, skipped the forecast, kept it and every loaded row."""
    assert not result.report.success
    assert result.exit_code == 1
    assert FORECAST not in result.materialized
    assert "ml__demand_forecasts" not in result.started_steps
    assert forecast_run_id(pipeline) == previous_forecast
    after = pipeline.counts()
    assert all(after[t] >= before[t] for t in before), (before, after)


def assert_passed_and_forecast(result: Outcome, pipeline: Pipeline) -> None:
    """Exit code 0 (warnings included) and a fresh forecast."""
    assert result.exit_code == 0, failed_checks(result)
    assert FORECAST in result.materialized
    assert forecast_run_id(pipeline) == result.run_id


def test_clean_increment_passes_every_check(pipeline: Pipeline) -> None:
    pipeline.drop_increment(pipeline.increment())
    result = pipeline.run()
    assert failed_checks(result) == []
    assert_passed_and_forecast(result, pipeline)
    critical = evaluation(result, SALES, "gx_critical")
    assert critical.blocking and critical.metadata["row_count"].value == pipeline.counts()["sales"]
    docs = critical.metadata["data_docs"].value
    assert docs.endswith("index.html") and (pipeline.home / "data_docs" / "index.html").exists()
    stored = pipeline.warehouse().read_table(
        "quality", "data_quality_results", where={"run_id": result.run_id}
    )
    assert set(stored["suite"]) >= {"raw.sales", "raw.products", "marts.fct_daily_sales"}
    assert stored["success"].all()


def test_few_negative_quantities_are_quarantined_and_warn(pipeline: Pipeline) -> None:
    increment = pipeline.increment()
    increment.loc[increment.index[:2], "quantity"] = -4  # < 5% of the load
    pipeline.drop_increment(increment)
    result = pipeline.run()
    share = evaluation(result, SALES, "quarantine_share")
    assert not share.passed and share.severity == dg.AssetCheckSeverity.WARN
    assert evaluation(result, SALES, "gx_critical").passed  # the bad rows never landed
    assert_passed_and_forecast(result, pipeline)
    assert pipeline.counts()["quarantine"] == 2


def test_many_negative_quantities_block(pipeline: Pipeline) -> None:
    before, previous = pipeline.counts(), forecast_run_id(pipeline)
    increment = pipeline.increment()
    bad = increment.index[: len(increment) // 5]  # 20% of the load
    increment.loc[bad, "quantity"] = -1
    pipeline.drop_increment(increment)
    result = pipeline.run()
    share = evaluation(result, SALES, "quarantine_share")
    assert not share.passed and share.severity == dg.AssetCheckSeverity.ERROR
    assert_blocked(result, pipeline, before, previous)


def test_unknown_sku_is_quarantined_and_warns(pipeline: Pipeline) -> None:
    increment = pipeline.increment()
    increment.loc[increment.index[0], "sku"] = "NOT-A-PRODUCT"
    pipeline.drop_increment(increment)
    result = pipeline.run()
    share = evaluation(result, SALES, "quarantine_share")
    assert not share.passed and share.severity == dg.AssetCheckSeverity.WARN
    assert evaluation(result, SALES, "gx_critical").passed
    assert_passed_and_forecast(result, pipeline)


def test_tenfold_volume_spike_blocks(pipeline: Pipeline) -> None:
    before, previous = pipeline.counts(), forecast_run_id(pipeline)
    increment = pipeline.increment()
    last_day = increment["date"] == increment["date"].max()
    increment.loc[last_day, "quantity"] *= 10
    pipeline.drop_increment(increment)
    result = pipeline.run()
    critical = evaluation(result, SALES, "gx_critical")
    assert not critical.passed and critical.severity == dg.AssetCheckSeverity.ERROR
    assert "category_volume_stable" in critical.metadata["failed_expectations"].value
    assert "moved beyond x5" in critical.metadata["message"].value
    assert_blocked(result, pipeline, before, previous)


def test_missing_day_of_sales_blocks(pipeline: Pipeline) -> None:
    before, previous = pipeline.counts(), forecast_run_id(pipeline)
    increment = pipeline.increment()
    gap = sorted(increment["date"].unique())[3]
    pipeline.drop_increment(increment[increment["date"] != gap])
    result = pipeline.run()
    critical = evaluation(result, SALES, "gx_critical")
    assert not critical.passed
    (failure,) = critical.metadata["failures"].value
    assert failure["expectation"] == "no_missing_sales_day"
    assert failure["rows"] == 1 and failure["sample"] == [gap]
    assert_blocked(result, pipeline, before, previous)


def test_future_dates_block(pipeline: Pipeline) -> None:
    before, previous = pipeline.counts(), forecast_run_id(pipeline)
    increment = pipeline.increment()
    future = increment.drop_duplicates("sku").head(3).copy()  # three distinct keys
    future["date"] = (today() + pd.Timedelta(days=30)).strftime("%Y-%m-%d")
    pipeline.drop_increment(pd.concat([increment, future]))
    result = pipeline.run()
    critical = evaluation(result, SALES, "gx_critical")
    assert not critical.passed
    names = [f["expectation"] for f in critical.metadata["failures"].value]
    assert names == ["date_not_future"]
    assert critical.metadata["failures"].value[0]["rows"] == 3
    assert_blocked(result, pipeline, before, previous)


def test_dropped_column_fails_the_asset_naming_file_and_column(pipeline: Pipeline) -> None:
    before, previous = pipeline.counts(), forecast_run_id(pipeline)
    path = pipeline.drop_increment(pipeline.increment().drop(columns=["quantity"]))
    result = pipeline.run()
    message = result.step_failure("raw__sales")
    assert path.name in message and "quantity" in message
    assert_blocked(result, pipeline, before, previous)
    assert pipeline.counts() == before  # nothing of the broken file was written


def _duplicate_product(pipeline: Pipeline) -> None:
    """A duplicate key behind the ingestion's back (the raw table loses its primary key)."""
    path = pipeline.home / "warehouse.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute("create table raw.products_copy as select * from raw.products")
        conn.execute("drop table raw.products")
        conn.execute("alter table raw.products_copy rename to products")
        conn.execute("insert into raw.products select * from raw.products limit 1")


def test_dbt_error_test_blocks_python_assets_downstream(pipeline: Pipeline) -> None:
    """A failing dbt test of error severity fails the dbt step: the forecast is skipped.

    The run selects dbt and the forecast only, so the raw checks (which would catch the
    duplicate first) stay out of the way and the dbt test alone must stop it.
    """
    previous = forecast_run_id(pipeline)
    _duplicate_product(pipeline)
    before = pipeline.counts()
    result = pipeline.run(selection="not group:raw")
    failed_tests = [
        e for e in result.checks if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert failed_tests, failed_checks(result)
    assert all(e.blocking for e in failed_tests)  # dagster-dbt models error tests as blocking
    assert any("unique" in e.asset_check_key.name for e in failed_tests)
    assert "stockcast_dbt_models" in result.report.stages[-1].failed_steps
    assert_blocked(result, pipeline, before, previous)


@pytest.mark.postgres
def test_clean_load_then_spike_on_postgres(stockcast_home, postgres_url, monkeypatch) -> None:
    """The same gate on PostgreSQL: a clean history passes, a tenfold spike blocks."""
    monkeypatch.setenv("STOCKCAST_WAREHOUSE_URL", postgres_url)
    run_base(stockcast_home, postgres_url)
    pipeline = Pipeline(stockcast_home, postgres_url)
    before, previous = pipeline.counts(), forecast_run_id(pipeline)
    increment = pipeline.increment()
    increment.loc[increment["date"] == increment["date"].max(), "quantity"] *= 10
    pipeline.drop_increment(increment)
    result = pipeline.run()
    assert not evaluation(result, SALES, "gx_critical").passed
    assert_blocked(result, pipeline, before, previous)
    stored = pipeline.warehouse().read_table("quality", "data_quality_results")
    assert stored["run_id"].nunique() == 2
    spike = stored[(stored["run_id"] == result.run_id) & ~stored["success"].astype(bool)]
    assert spike["expectation"].tolist() == ["category_volume_stable"]
