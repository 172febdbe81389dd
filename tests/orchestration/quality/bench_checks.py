"""Time the suite checks against ingestion on a generated dataset (not collected by pytest).

Usage: nice -n 10 .venv/bin/python tests/orchestration/quality/bench_checks.py SKUS DAYS

Loads generated files into a fresh DuckDB home with the ingestion code, then times each
suite check's work (read columns, build params, run the suite, append results, Data Docs)
the way the asset check does it. Prints one line per suite and the totals. Shared 2-core
machine: read the numbers as upper bounds.
"""

import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from ml.datagen import generate  # noqa: E402
from orchestration.defs.quality.checks import (  # noqa: E402
    RAW_SUITES,
    data_docs_dir,
    publish_data_docs,
    record_results,
    validate,
)
from orchestration.ingestion import ingest_entity  # noqa: E402
from orchestration.settings import ENTITIES, get_settings  # noqa: E402
from orchestration.warehouse import Warehouse  # noqa: E402


def main(skus: int, days: int) -> None:
    home = Path(tempfile.mkdtemp()) / "home"
    settings = get_settings({"STOCKCAST_HOME": str(home)})
    settings.ensure_dirs()
    start = date.today() - timedelta(days=days - 1)
    generate(out_dir=settings.incoming_dir, n_skus=skus, n_days=days, seed=3, start_date=start)
    warehouse = Warehouse.from_settings(settings)
    warehouse.ensure_raw_schema()
    started = time.perf_counter()
    for entity in ENTITIES:
        ingest_entity(warehouse, settings, entity)
    ingestion = time.perf_counter() - started
    total = 0.0
    for suite in RAW_SUITES:
        started = time.perf_counter()
        result = validate(warehouse, settings, suite, "bench")
        checked = time.perf_counter() - started
        record_results(warehouse, [result])
        publish_data_docs([result], data_docs_dir(settings))
        spent = time.perf_counter() - started
        total += spent
        print(
            f"{suite:22} rows={result.row_count:>10,} read+suite={checked:6.1f}s "
            f"(suite {result.duration_seconds:5.1f}s) +results+docs={spent:6.1f}s "
            f"passed_critical={result.passed_critical}"
        )
    print(f"ingestion {ingestion:.1f}s, raw checks {total:.1f}s ({skus} SKUs x {days} days)")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 1000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 365,
    )
