"""A small pipeline for the quality tests: ingestion, dbt, the suite checks, a stand-in forecast.

``orchestration.definitions`` does not list the quality checks yet, so the tests gather the
same pieces (and a dummy ``ml/demand_forecasts`` downstream of ``marts/fct_daily_sales``)
into their own ``Definitions`` and run them exactly as ``stockcast run`` does:
:func:`orchestration.runner.run_all`, then the CLI's :func:`report_run` for the exit code.

Data: the generator writes 60 SKUs x 120 days ending today; the last ``HELD_BACK`` days of
sales are cut into a separate increment file so a test can first load a clean history,
then drop a (possibly broken) increment and run again.
"""

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from orchestration.resources import StockcastResource

N_SKUS = 60
N_DAYS = 120
HELD_BACK = 7
INCREMENT = "sales_increment.csv"
QUALITY_YAML = "quality:\n  max_age_days: 10\n"
"""The base history ends HELD_BACK days ago; a 10-day freshness bound keeps it fresh."""


def today() -> pd.Timestamp:
    return pd.Timestamp(datetime.now(UTC).date())


def make_defs(warehouse_url: str | None = None) -> dg.Definitions:
    """Ingestion + dbt + quarantine checks + suite checks + a dummy forecast."""
    target = "postgres" if warehouse_url and warehouse_url.startswith("postgres") else "duckdb"
    from dagster_dbt import DbtCliResource

    from orchestration.defs.dbt.assets import stockcast_dbt_models
    from orchestration.defs.dbt.project import DBT_EXECUTABLE, dbt_project
    from orchestration.defs.ingestion.assets import ingestion_assets
    from orchestration.defs.ingestion.checks import ingestion_checks
    from orchestration.defs.quality import quality_checks

    defs = dg.Definitions(
        assets=[*ingestion_assets, stockcast_dbt_models, dummy_forecasts],
        asset_checks=[*ingestion_checks, *quality_checks],
        resources={
            "stockcast": StockcastResource(warehouse_url=warehouse_url),
            # DbtCliResource appends --target <the target at import time> after the asset's
            # own --target, and the last one wins: name the target this warehouse needs.
            "dbt": DbtCliResource(
                project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE, target=target
            ),
        },
    )
    return defs


@dg.asset(
    key=dg.AssetKey(["ml", "demand_forecasts"]),
    deps=[dg.AssetKey(["marts", "fct_daily_sales"])],
)
def dummy_forecasts(
    context: dg.AssetExecutionContext, stockcast: StockcastResource
) -> dg.MaterializeResult:
    """Stands in for the forecasts: stamps the run that built it, so a skip is visible."""
    from orchestration.warehouse import Warehouse

    warehouse = Warehouse.from_settings(stockcast.settings())
    rows = warehouse.row_count("marts", "fct_daily_sales")
    stamp = pd.DataFrame([{"run_id": context.run_id, "training_rows": rows}])
    warehouse.write_table(stamp, "ml", "dummy_forecasts")
    return dg.MaterializeResult(metadata={"training_rows": rows})


@dataclass
class Outcome:
    """A run's report, its exit code, and its events for the details a test asserts on."""

    report: Any
    exit_code: int
    events: list[dg.DagsterEvent]

    @property
    def run_id(self) -> str:
        return self.report.stages[-1].run_id

    @property
    def checks(self) -> list[dg.AssetCheckEvaluation]:
        return self.report.checks

    @property
    def materialized(self) -> set[dg.AssetKey]:
        return {e.asset_key for e in self.events if e.is_step_materialization}

    @property
    def started_steps(self) -> set[str]:
        return {e.step_key for e in self.events if e.event_type_value == "STEP_START"}

    def step_failure(self, step_key: str) -> str:
        """The error message of a failed step."""
        (event,) = [e for e in self.events if e.is_step_failure and e.step_key == step_key]
        return str(event.step_failure_data.error)


def _events(instance: dg.DagsterInstance, report: Any) -> list[dg.DagsterEvent]:
    return [
        record.dagster_event
        for stage in report.stages
        for record in instance.all_logs(stage.run_id)
        if record.dagster_event is not None
    ]


@dataclass
class Pipeline:
    """A STOCKCAST_HOME with generated files and a way to run the test job on it."""

    home: Path
    warehouse_url: str | None = None

    @property
    def incoming(self) -> Path:
        return self.home / "incoming"

    def run(self, selection: str | None = None) -> "Outcome":
        """``stockcast run`` on the test definitions: run_all, then the CLI's exit code."""
        from orchestration.cli import report_run
        from orchestration.runner import run_all

        with dg.DagsterInstance.ephemeral() as instance:
            report = run_all(make_defs(self.warehouse_url), instance, selection=selection)
            return Outcome(report, report_run(report), _events(instance, report))

    def warehouse(self):
        from orchestration.settings import get_settings
        from orchestration.warehouse import Warehouse

        env = {"STOCKCAST_HOME": str(self.home)}
        if self.warehouse_url:
            env["STOCKCAST_WAREHOUSE_URL"] = self.warehouse_url
        return Warehouse.from_settings(get_settings(env))

    def counts(self) -> dict[str, int]:
        wh = self.warehouse()
        return {t: wh.row_count("raw", t) for t in ("products", "sales", "inventory", "quarantine")}

    def increment(self) -> pd.DataFrame:
        """The held-back days of sales (clean)."""
        return pd.read_csv(self.home / "held_back.csv", keep_default_na=False)

    def drop_increment(self, frame: pd.DataFrame, name: str = INCREMENT) -> Path:
        path = self.incoming / name
        frame.to_csv(path, index=False)
        return path


def generate_base(home: Path) -> None:
    """Generated files ending today, with the last HELD_BACK days of sales set aside."""
    from ml.datagen import generate

    incoming = home / "incoming"
    start = (today() - timedelta(days=N_DAYS - 1)).date()
    generate(out_dir=incoming, n_skus=N_SKUS, n_days=N_DAYS, seed=11, start_date=start)
    sales_path = incoming / "sales.csv.gz"
    sales = pd.read_csv(sales_path, keep_default_na=False)
    cut = (today() - timedelta(days=HELD_BACK - 1)).strftime("%Y-%m-%d")
    sales[sales["date"] < cut].to_csv(sales_path, index=False)
    sales[sales["date"] >= cut].to_csv(home / "held_back.csv", index=False)
    shutil.rmtree(incoming / "truth", ignore_errors=True)
    (home / "stockcast.yaml").write_text(QUALITY_YAML)


def run_base(home: Path, warehouse_url: str | None = None) -> None:
    """Generate the base files into ``home`` and load them with one clean run."""
    generate_base(home)
    outcome = Pipeline(home, warehouse_url).run()
    failed = [c for c in outcome.checks if not c.passed]
    assert outcome.exit_code == 0 and not failed, [
        (c.asset_check_key.to_user_string(), c.metadata.get("message")) for c in failed
    ]
