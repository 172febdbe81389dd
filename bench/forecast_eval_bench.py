"""``stockcast forecast-eval`` at scale: wall time and peak memory of the real CLI on N series.

    nice -n 15 .venv/bin/python bench/forecast_eval_bench.py [--series 1000,20000] [--days 1095]
        [--locations 1] [--sparse] [--horizon 28] [--holdout-days N] [--keep] [--out FILE]

Issue 4: ``forecast-eval`` must handle tens of thousands of series. There is no official
time target for it; for context, the production target of ``fit_forecast`` (the part
forecast-eval runs once per forecast origin) is 10,000 SKUs in under 10 minutes and under
8 GiB on 2 cores (``bench/forecast_bench.py``). Everything forecast-eval adds around it
(ingesting the file into a scratch DuckDB, building the daily frame, seasonal naive,
scoring, per-SKU metrics) should stay a small, linear share of that.

For each size this writes a ``sales.csv.gz`` of the raw contract (``date, sku, location,
quantity, unit_price, discount, promo``) with the project's own streaming writer
(``ml.datagen.writer.CsvStream``, as ``stockcast generate`` does), from the same demand as
``bench/forecast_store_item.py:synthetic_frame`` (70% smooth seasonal, 20% intermittent,
10% lumpy; stockouts as zero sales; price and promo), generated 1,000 SKUs at a time so a
30,000-series file never sits in the parent's memory. By default every day of every series
is a row (zeros included: SERIES x DAYS x LOCATIONS rows, the worst case for ingestion);
``--sparse`` writes only days with sales, as ``stockcast generate`` and most POS exports do.
With ``--locations K`` each day's quantity is split over K locations (K times the rows; the
daily frame sums them back). Writing the file is timed but not counted.

It then runs the real CLI, ``stockcast forecast-eval --sales FILE --out report.json``, in a
child process with ``STOCKCAST_HOME`` set to an empty temporary folder (production
defaults, no ``stockcast.yaml``, the DuckDB scratch warehouse) and no other ``STOCKCAST_*``
variable. Measured per size:

- ``cli_wall_seconds`` and ``peak_rss_mib`` of the child (``os.wait4``), its CPU seconds;
- the report's ``wall_seconds``: ``ingest_and_frame`` (ingestion into the scratch DuckDB,
  reading ``raw.sales`` back, ``daily_frame``) and ``total``; ``fit_forecast_seconds`` (every
  origin's production run) and its top ``timings``; derived ``scoring_and_other_seconds``
  (total - ingest_and_frame - fit_forecast: validation, seasonal naive, scoring, per-SKU
  metrics) and ``startup_and_output_seconds`` (CLI wall - total: imports, JSON);
- ``peak_rss_ingest_mib``: the child's largest RSS sampled (``/proc``, every 0.2 s) until
  the end of the ingest-and-frame phase (imports included, ~0.5 GB), so the memory of
  ingestion is told apart from fitting's; ``rss_trace`` is the whole sampled curve;
- stockcast and seasonal-naive MASE and WAPE, stockcast's ``coverage_80``, ``n_origins``.

Writes ``bench/results/forecast_eval.json`` (machine, load average at the start: the
machine may be shared) and prints one line per size. A size runs in minutes at 1,000
series and scales with fit_forecast beyond; run the big sizes on an idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.forecast_store_item import synthetic_frame  # noqa: E402
from ml.datagen.writer import CsvStream  # noqa: E402

RESULTS = REPO / "bench" / "results" / "forecast_eval.json"
STOCKCAST = Path(sys.executable).parent / "stockcast"
SALES_COLUMNS = ["date", "sku", "location", "quantity", "unit_price", "discount", "promo"]
BLOCK = 1_000
"""SKUs generated and written at a time: bounds the parent's memory at any size."""
PROMO_DISCOUNT = 0.2
"""synthetic_frame prices a promo day at 80% of the list price."""


def write_sales(
    path: Path, series: int, days: int, locations: int = 1, sparse: bool = False, seed: int = 0
) -> int:
    """Write SERIES synthetic SKUs x DAYS as a raw-contract sales file; return its rows.

    Block ``b`` is ``synthetic_frame(1000, days, seed=seed + b)`` with SKUs renumbered, so
    the mix of demand classes is the same at every size and a size's first 1,000 series
    do not depend on how many follow.
    """
    rng = np.random.default_rng(seed)
    stream = CsvStream(path, SALES_COLUMNS)
    try:
        for b, start in enumerate(range(0, series, BLOCK)):
            n = min(BLOCK, series - start)
            frame = synthetic_frame(n, days, seed=seed + b)
            sku_index = frame["sku"].str.slice(3).astype(np.int64).to_numpy() + start
            qty = frame["quantity"].to_numpy()
            promo = frame["is_promo"].to_numpy()
            price = np.round(frame["unit_price"].to_numpy(), 2)
            dates = frame["date"].dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
            for loc in range(locations):
                # Split each day's units over the locations (binomial thinning keeps the
                # total exact: the last location takes what is left).
                if locations == 1:
                    part = qty
                else:
                    part = rng.binomial(qty.astype(np.int64), 1.0 / (locations - loc)).astype(float)
                    qty = qty - part
                keep = part > 0 if sparse else np.ones(len(part), dtype=bool)
                stream.write(
                    pa.table(
                        {
                            "date": dates[keep],
                            "sku": [f"SKU{i:06d}" for i in sku_index[keep]],
                            "location": np.full(int(keep.sum()), f"L{loc + 1:02d}", dtype=object),
                            "quantity": part[keep],
                            "unit_price": price[keep],
                            "discount": np.where(promo[keep], PROMO_DISCOUNT, 0.0),
                            "promo": promo[keep].astype(np.int8),
                        }
                    )
                )
    except BaseException:
        stream.abort()
        raise
    stream.close()
    return stream.rows


def _rss_mib(pid: int) -> float | None:
    """Resident set of a live process from ``/proc`` (None where there is no ``/proc``)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_cli(
    sales: Path, home: Path, report: Path, extra: list[str]
) -> tuple[dict[str, Any], list[tuple[float, float]]]:
    """Run ``stockcast forecast-eval`` in a child; wall, peak RSS, CPU and an RSS trace.

    Output goes to files, not pipes, so a long report or a chatty log cannot fill a pipe
    and stall the child.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("STOCKCAST_") and k != "DAGSTER_HOME"
    }
    env["STOCKCAST_HOME"] = str(home)
    cmd = [str(STOCKCAST), "forecast-eval", "--sales", str(sales), "--out", str(report), *extra]
    trace: list[tuple[float, float]] = []
    done = threading.Event()
    with (
        open(home.parent / "stdout.txt", "wb") as out,
        open(home.parent / "stderr.txt", "wb") as err,
    ):
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)

        def sample() -> None:
            while not done.wait(0.2):
                rss = _rss_mib(proc.pid)
                if rss is not None:
                    trace.append((time.perf_counter() - started, rss))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        tail = (home.parent / "stderr.txt").read_text(errors="replace")[-4000:]
        raise SystemExit(f"{' '.join(cmd)} failed ({code}):\n{tail}")
    measured = {
        "cli_wall_seconds": round(wall, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
    }
    return measured, trace


def run_size(
    series: int,
    days: int,
    locations: int,
    sparse: bool,
    extra: list[str],
    keep: bool,
) -> dict[str, Any]:
    """One size: write the file, run the CLI on it, and distil its report."""
    work = Path(tempfile.mkdtemp(prefix=f"stockcast-eval-bench-{series}-"))
    try:
        sales = work / "incoming" / "sales.csv.gz"
        t = time.perf_counter()
        rows = write_sales(sales, series, days, locations, sparse)
        write_seconds = time.perf_counter() - t
        file_mib = sales.stat().st_size / 2**20
        home = work / "home"
        home.mkdir()
        measured, trace = run_cli(sales, home, work / "report.json", extra)
        report = json.loads((work / "report.json").read_text())
    finally:
        if keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    walls = report["wall_seconds"]
    fit = report["fit_forecast_seconds"]
    startup = measured["cli_wall_seconds"] - walls["total"]
    # The report's clock starts after imports: the ingest phase ends about `startup`
    # (imports, minus the tail of JSON output, which is short) + ingest_and_frame in.
    ingest_end = startup + walls["ingest_and_frame"]
    ingest_rss = [rss for at, rss in trace if at <= ingest_end]
    timings = {k: v for k, v in report.get("timings", {}).items() if k != "total"}
    top = dict(sorted(timings.items(), key=lambda kv: -kv[1])[:6])
    s, n = report["stockcast"], report["seasonal_naive"]
    return {
        "series": series,
        "days": days,
        "locations": locations,
        "sparse": sparse,
        "file_rows": rows,
        "file_mib": round(file_mib, 1),
        "file_write_seconds": round(write_seconds, 1),
        **measured,
        "peak_rss_ingest_mib": round(max(ingest_rss), 1) if ingest_rss else None,
        "report_peak_rss_mib": report.get("peak_rss_mib"),
        "wall_seconds": walls,
        "fit_forecast_seconds": fit,
        "scoring_and_other_seconds": round(walls["total"] - walls["ingest_and_frame"] - fit, 2),
        "startup_and_output_seconds": round(startup, 2),
        "top_timings": top,
        "input": {k: v for k, v in report["input"].items() if k != "file"},  # a temp path
        "n_origins": report["n_origins"],
        "stockcast": {k: s.get(k) for k in ("mase", "wape", "coverage_80")},
        "seasonal_naive": {k: n.get(k) for k in ("mase", "wape")},
        "per_sku_summary": {
            k: v for k, v in report.get("per_sku_summary", {}).items() if not k.startswith("worst")
        },
        "selected_models": report.get("selected_models"),
        # The child's RSS over time (seconds since start, MiB), about 60 points: where
        # the memory goes, phase by phase.
        "rss_trace": [[round(at, 1), round(mib)] for at, mib in trace[:: max(1, len(trace) // 60)]],
    }


def machine() -> dict[str, Any]:
    """Where the numbers come from; the load average says how busy the machine was."""
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    if hasattr(os, "getloadavg"):
        info["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        info["memory_gib"] = round(pages / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    return info


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def main() -> None:
    """Parse arguments, run each size in turn, write the JSON, print a line per size."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--series", default="1000,20000", help="comma-separated sizes")
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--locations", type=int, default=1)
    parser.add_argument("--sparse", action="store_true", help="only rows with sales")
    parser.add_argument("--horizon", type=int, default=None)
    parser.add_argument("--holdout-days", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    extra: list[str] = []
    if args.horizon:
        extra += ["--horizon", str(args.horizon)]
    if args.holdout_days:
        extra += ["--holdout-days", str(args.holdout_days)]
    info = machine()
    cases = []
    for size in (int(s) for s in args.series.split(",")):
        c = run_size(size, args.days, args.locations, args.sparse, extra, args.keep)
        cases.append(c)
        w = c["wall_seconds"]
        print(
            f"{c['series']:>6} series x {c['days']} days ({c['file_rows']:,} rows): "
            f"CLI {c['cli_wall_seconds']}s, peak RSS {c['peak_rss_mib']} MiB "
            f"(ingest {c['peak_rss_ingest_mib']} MiB) | ingest+frame {w['ingest_and_frame']}s, "
            f"fit_forecast {c['fit_forecast_seconds']}s, scoring+other "
            f"{c['scoring_and_other_seconds']}s | MASE {_fmt(c['stockcast']['mase'])} vs "
            f"naive {_fmt(c['seasonal_naive']['mase'])}, WAPE {_fmt(c['stockcast']['wape'])} vs "
            f"{_fmt(c['seasonal_naive']['wape'])}, coverage80 "
            f"{_fmt(c['stockcast']['coverage_80'])}",
            flush=True,
        )
        # Written after every size, so a long run that dies later keeps what it measured.
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"machine": info, "cases": cases}, indent=2) + "\n")


if __name__ == "__main__":
    main()
