"""A blocking check defined outside a multi-asset still blocks what is downstream of it.

``marts/fct_daily_sales`` comes out of the dbt multi-asset, and its suite check is a
separate op. Dagster's asset job gives every asset downstream of a checked asset an input
from that asset's blocking checks, so a failing ERROR check skips them even though the
check did not run in the multi-asset's step. Here a stand-in multi-asset (no dbt, fast)
writes the mart; a duplicate key must skip the forecast and only the forecast.
"""

import dagster as dg
import pandas as pd
import pytest

from orchestration.defs.quality.checks import CRITICAL_CHECK, build_suite_check
from orchestration.resources import StockcastResource

pytestmark = pytest.mark.integration

FCT = dg.AssetKey(["marts", "fct_daily_sales"])
OTHER = dg.AssetKey(["marts", "dim_other"])


def _build(duplicate: bool) -> dg.JobDefinition:
    @dg.multi_asset(specs=[dg.AssetSpec(FCT), dg.AssetSpec(OTHER)])
    def fake_dbt(stockcast: StockcastResource):
        days = pd.date_range(pd.Timestamp.today().normalize() - pd.Timedelta(days=9), periods=10)
        frame = pd.DataFrame({"date": days, "sku": "A", "quantity": 3.0})
        if duplicate:
            frame = pd.concat([frame, frame.tail(1)])
        stockcast.warehouse().write_table(frame, "marts", "fct_daily_sales")
        yield dg.MaterializeResult(asset_key=FCT)
        yield dg.MaterializeResult(asset_key=OTHER)

    @dg.asset(key=["ml", "forecast"], deps=[FCT])
    def forecast() -> None:
        """Downstream of the checked mart: must be skipped."""

    @dg.asset(key=["ml", "other"], deps=[OTHER])
    def other() -> None:
        """Downstream of the multi-asset's other output only: must still run."""

    defs = dg.Definitions(
        assets=[fake_dbt, forecast, other],
        asset_checks=[build_suite_check("marts.fct_daily_sales")],
        resources={"stockcast": StockcastResource()},
    )
    return defs.resolve_implicit_global_asset_job_def()


def _run(duplicate: bool) -> dg.ExecuteInProcessResult:
    return _build(duplicate).execute_in_process(
        raise_on_error=False, instance=dg.DagsterInstance.ephemeral()
    )


def _materialized(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def test_clean_mart_lets_the_forecast_run(stockcast_home) -> None:
    result = _run(duplicate=False)
    assert result.success
    assert _materialized(result) == {
        "marts/fct_daily_sales",
        "marts/dim_other",
        "ml/forecast",
        "ml/other",
    }


def test_duplicate_key_in_the_mart_skips_only_what_is_downstream_of_it(stockcast_home) -> None:
    result = _run(duplicate=True)
    assert not result.success
    (check,) = [
        e for e in result.get_asset_check_evaluations() if e.asset_check_key.name == CRITICAL_CHECK
    ]
    assert not check.passed and check.blocking
    (failure,) = check.metadata["failures"].value
    assert failure["expectation"] == "key_unique" and failure["rows"] == 2
    assert "ml/forecast" not in _materialized(result)
    assert "ml/other" in _materialized(result)
    started = {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}
    assert "ml__forecast" not in started and "ml__other" in started
    assert result.get_failed_step_keys() == {"marts_fct_daily_sales_gx"}
