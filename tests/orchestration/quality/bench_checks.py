"""Time each suite check on generated data: rows read into GX vs the warehouse profile.

Usage (each step its own process, so peak RSS is the checks' own):

    B=tests/orchestration/quality/bench_checks.py
    nice -n 10 .venv/bin/python $B setup HOME SKUS DAYS
    nice -n 10 .venv/bin/python $B profile HOME
    nice -n 10 .venv/bin/python $B rows HOME

``profile`` times what the checks do now: the warehouse reduces each table
(:mod:`orchestration.defs.quality.profile`) and GX validates the reduction. ``rows``
times the previous way: read the suite's columns into pandas and run GX on every row
(``expectations.run_suite``).

Loads generated files into a fresh DuckDB home with the ingestion code, and stands in
for ``marts.fct_daily_sales`` with a copy of the sales columns it holds (same order of
rows, no dbt needed). Prints one line per suite (wall and CPU seconds, rows, outcome) and
the totals. Shared 2-core machine: read the numbers as upper bounds. Not collected by
pytest (no ``test_`` prefix).
"""

import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from expectations import SUITES, run_suite  # noqa: E402
from ml.datagen import generate  # noqa: E402
from orchestration.defs.quality.checks import (  # noqa: E402
    MART_SUITES,
    RAW_SUITES,
    data_docs_dir,
    publish_data_docs,
    record_results,
    validate,
)
from orchestration.defs.quality.params import build_params  # noqa: E402
from orchestration.ingestion import ingest_entity  # noqa: E402
from orchestration.settings import ENTITIES, get_settings  # noqa: E402
from orchestration.warehouse import Warehouse  # noqa: E402


def validate_rows(warehouse, settings, suite_name, run_id):
    """The previous check: every row of the suite's columns through GX on pandas."""
    definition = SUITES[suite_name]
    schema, table = definition.asset
    present = warehouse.columns(schema, table)
    wanted = [c for c, _ in definition.columns] or ["date", "sku", "quantity"]
    frame = warehouse.read_table(schema, table, [c for c in wanted if c in present])
    return run_suite(suite_name, frame, build_params(warehouse, settings, suite_name, run_id))


def setup(home: Path, skus: int, days: int) -> None:
    """Generate, ingest, and stand in for the mart."""
    settings = get_settings({"STOCKCAST_HOME": str(home)})
    settings.ensure_dirs()
    (home / "stockcast.yaml").write_text("quality:\n  max_age_days: 3\n")
    start = date.today() - timedelta(days=days)
    generate(out_dir=settings.incoming_dir, n_skus=skus, n_days=days, seed=3, start_date=start)
    warehouse = Warehouse.from_settings(settings)
    warehouse.ensure_raw_schema()
    started = time.perf_counter()
    for entity in ENTITIES:
        ingest_entity(warehouse, settings, entity)
    sales = warehouse.read_table("raw", "sales", ["date", "sku", "quantity"])
    warehouse.write_table(sales, "marts", "fct_daily_sales")
    print(f"setup: {skus} SKUs x {days} days ingested in {time.perf_counter() - started:.1f}s")


def main(mode: str, home: Path) -> None:
    settings = get_settings({"STOCKCAST_HOME": str(home)})
    warehouse = Warehouse.from_settings(settings)
    check = validate if mode == "profile" else validate_rows
    total_wall = total_cpu = 0.0
    for suite in (*RAW_SUITES, *MART_SUITES):
        started, cpu = time.perf_counter(), time.process_time()
        result = check(warehouse, settings, suite, "bench")
        record_results(warehouse, [result])
        publish_data_docs([result], data_docs_dir(settings))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        total_wall, total_cpu = total_wall + wall, total_cpu + cpu
        failed = [o.name for o in result.failures + result.warnings]
        print(
            f"{mode:7} {suite:22} rows={result.row_count:>10,} wall={wall:6.1f}s "
            f"cpu={cpu:6.1f}s (GX {result.duration_seconds:5.1f}s) failed={failed}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{mode}: checks wall {total_wall:.1f}s cpu {total_cpu:.1f}s; peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    else:
        main(sys.argv[1], Path(sys.argv[2]))
