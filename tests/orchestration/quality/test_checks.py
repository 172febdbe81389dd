"""The suite checks as functions: parameters, stored results, check results, definitions."""

from datetime import UTC, datetime

import dagster as dg
import pandas as pd
import pytest

from expectations import RECORD_COLUMNS, SuiteParams, profile_request, run_suite
from orchestration.defs.quality import quality_checks
from orchestration.defs.quality.checks import (
    CRITICAL_CHECK,
    WARNING_CHECK,
    check_results,
    record_results,
)
from orchestration.defs.quality.params import (
    build_params,
    previous_load_count,
    quality_config,
)
from orchestration.settings import ConfigError, get_settings
from orchestration.warehouse import Warehouse


@pytest.fixture
def settings(stockcast_home):
    return get_settings()


@pytest.fixture
def warehouse(settings) -> Warehouse:
    wh = Warehouse.from_settings(settings)
    wh.ensure_raw_schema()
    return wh


def _sales(days: int = 40) -> pd.DataFrame:
    dates = pd.date_range("2025-01-01", periods=days, freq="D")
    return pd.DataFrame(
        {
            "date": dates,
            "sku": "A",
            "location": "",
            "quantity": 5.0,
            "unit_price": 2.0,
            "discount": 0.0,
            "promo": False,
        }
    )


@pytest.mark.unit
def test_every_raw_entity_and_the_sales_mart_get_a_blocking_and_a_warning_check() -> None:
    specs = {spec.key: spec for check in quality_checks for spec in check.check_specs}
    assets = {key.asset_key.to_user_string() for key in specs}
    assert assets == {
        "raw/products",
        "raw/suppliers",
        "raw/sales",
        "raw/inventory",
        "raw/purchase_orders",
        "marts/fct_daily_sales",
    }
    for key, spec in specs.items():
        assert spec.blocking is (key.name == CRITICAL_CHECK), key


@pytest.mark.unit
def test_the_mart_check_asks_the_warehouse_for_aggregates_only() -> None:
    request = profile_request("marts.fct_daily_sales", SuiteParams(today="2025-02-09"))
    assert set(request.histograms) == {("quantity",), ("date",)}
    assert request.unique_keys == (("sku", "date"),)
    assert not request.category_volume


@pytest.mark.integration
def test_previous_load_count_is_the_table_before_the_latest_load(warehouse) -> None:
    assert previous_load_count(warehouse, "sales") is None
    warehouse.record_file("a", "sales", "sales_1.csv", 100, 90, 10, datetime(2025, 1, 1))
    assert previous_load_count(warehouse, "sales") is None  # first load: nothing to compare
    warehouse.record_file("b", "sales", "sales_2.csv", 50, 50, 0, datetime(2025, 1, 2))
    warehouse.record_file("c", "sales", "sales_3.csv", 20, 20, 0, datetime(2025, 1, 2))
    warehouse.record_file("d", "products", "products.csv", 7, 7, 0, datetime(2025, 1, 3))
    assert previous_load_count(warehouse, "sales") == 90


@pytest.mark.integration
def test_params_come_from_the_warehouse_and_the_quality_section(stockcast_home, warehouse):
    (stockcast_home / "stockcast.yaml").write_text("quality:\n  volume_k: 8\n")
    products = pd.DataFrame(
        {
            "sku": ["A"],
            "category": ["food"],
            "_source_file": "p.csv",
            "_source_row": 1,
            "_loaded_at": pd.Timestamp("2025-01-01"),
        }
    )
    warehouse.write_table(products, "raw", "products", mode="append")
    params = build_params(warehouse, get_settings(), "raw.sales", run_id="r1")
    assert params.volume_k == 8 and params.run_id == "r1"
    assert params.today == datetime.now(UTC).date()
    assert list(params.products.columns) == ["sku", "category"]
    assert build_params(warehouse, get_settings(), "raw.inventory", "r1").products.shape == (1, 1)


@pytest.mark.unit
def test_a_misspelt_threshold_is_a_config_error(stockcast_home) -> None:
    (stockcast_home / "stockcast.yaml").write_text("quality:\n  volum_k: 8\n")
    with pytest.raises(ConfigError, match="volum_k"):
        quality_config(get_settings())


@pytest.mark.unit
def test_warnings_only_pass_the_gate_and_fail_the_warning_check() -> None:
    sales = _sales()
    sales.loc[3, "discount"] = 12.0  # a percentage where a share belongs: a warning
    result = run_suite("raw.sales", sales, SuiteParams(today="2025-02-09", run_id="r"))
    critical, warning = check_results(result, dg.AssetKey(["raw", "sales"]), None)
    assert critical.check_name == CRITICAL_CHECK and critical.passed
    assert warning.check_name == WARNING_CHECK and not warning.passed
    assert warning.severity == dg.AssetCheckSeverity.WARN
    assert "discount" in warning.metadata["message"].value
    assert warning.metadata["row_count"].value == 40


@pytest.mark.unit
def test_the_checks_cost_is_in_both_results_metadata() -> None:
    result = run_suite("raw.sales", _sales(), SuiteParams(today="2025-02-09", run_id="r"))
    cost = {"check_seconds": 1.5, "cpu_seconds": 0.7}
    for check in check_results(result, dg.AssetKey(["raw", "sales"]), None, cost):
        assert check.metadata["check_seconds"].value == 1.5
        assert check.metadata["cpu_seconds"].value == 0.7


@pytest.mark.unit
def test_critical_failures_name_expectation_rows_and_samples() -> None:
    sales = _sales()
    sales.loc[[2, 5], "quantity"] = [-3.0, -1.0]
    result = run_suite("raw.sales", sales, SuiteParams(today="2025-02-09", run_id="r"))
    critical, _ = check_results(result, dg.AssetKey(["raw", "sales"]), None)
    assert not critical.passed and critical.severity == dg.AssetCheckSeverity.ERROR
    failures = critical.metadata["failures"].value
    negative = next(f for f in failures if f["expectation"] == "quantity_non_negative")
    assert negative["rows"] == 2 and sorted(negative["sample"]) == [-3.0, -1.0]
    assert "quantity_non_negative" in critical.metadata["failed_expectations"].value


def _record_twice(warehouse: Warehouse) -> pd.DataFrame:
    sales = _sales()
    sales.loc[1, "quantity"] = -2.0
    for run in ("r1", "r2"):
        result = run_suite("raw.sales", sales, SuiteParams(today="2025-02-09", run_id=run))
        assert record_results(warehouse, [result]) == len(result.outcomes)
    return warehouse.read_table("quality", "data_quality_results")


@pytest.mark.integration
def test_results_are_appended_with_the_record_columns(warehouse) -> None:
    stored = _record_twice(warehouse)
    assert tuple(stored.columns) == RECORD_COLUMNS
    assert set(stored["run_id"]) == {"r1", "r2"}
    failed = stored[~stored["success"].astype(bool)]
    assert set(failed["expectation"]) == {"quantity_non_negative"}
    assert failed["unexpected_count"].tolist() == [1, 1]


@pytest.mark.integration
@pytest.mark.postgres
def test_results_are_appended_on_postgres(postgres_url, stockcast_home, monkeypatch) -> None:
    monkeypatch.setenv("STOCKCAST_WAREHOUSE_URL", postgres_url)
    stored = _record_twice(Warehouse.from_settings(get_settings()))
    assert tuple(stored.columns) == RECORD_COLUMNS
    assert len(stored) > 0 and set(stored["run_id"]) == {"r1", "r2"}
    assert pd.api.types.is_datetime64_any_dtype(stored["checked_at"])
