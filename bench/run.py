"""Benchmarks: wall time and peak memory of the real commands, written as JSON.

Each measured step runs as its own process (the real ``stockcast`` CLI), so peak RSS is
that step's own (``wait4`` reports the largest resident set of the process and the
children it waited for, dbt included). Machines are shared and noisy: each case is
repeated ``--repeat`` times and the median is reported beside every sample.

    python bench/run.py                       # every suite at its default sizes
    python bench/run.py --suite foundation --skus 1000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
BIN = Path(sys.executable).parent
DBT_GROUPS = "group:staging or group:intermediate or group:marts"


def measure(cmd: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run one command from the repository root; wall seconds, CPU seconds (user + system)
    and peak RSS in MiB of the child (``wait4``). Fails loudly with the end of its stderr.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    # Read stderr while waiting: a long run can fill the pipe and stall the child.
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({code}):\n{stderr[-4000:]}")
    return {
        "seconds": round(wall, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
    }


def foundation_case(skus: int, days: int, warehouse: str, pg_url: str | None) -> dict:
    """generate + ingest + dbt build, as three separately measured steps."""
    home = Path(tempfile.mkdtemp(prefix=f"stockcast-bench-{skus}-"))
    env = {**os.environ, "STOCKCAST_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    env.pop("STOCKCAST_WAREHOUSE_URL", None)
    if warehouse == "postgres":
        env["STOCKCAST_WAREHOUSE_URL"] = fresh_postgres_db(pg_url, f"bench_{skus}")
    stockcast = str(BIN / "stockcast")
    try:
        steps = {
            "generate": measure(
                [stockcast, "generate", "--skus", str(skus), "--days", str(days), "--seed", "1"],
                env,
            ),
            "ingest": measure([stockcast, "run", "--select", "group:raw"], env),
            "dbt_build": measure(
                [stockcast, "run", "--select", DBT_GROUPS],
                env,
            ),
        }
    finally:
        shutil.rmtree(home, ignore_errors=True)
    steps["total"] = {
        "seconds": round(sum(s["seconds"] for s in steps.values()), 2),
        "peak_rss_mib": max(s["peak_rss_mib"] for s in steps.values()),
    }
    return steps


def fresh_postgres_db(server_url: str | None, name: str) -> str:
    """Create (or recreate) a database on the benchmark server; return its URL."""
    if not server_url:
        raise SystemExit(
            "postgres benchmark needs STOCKCAST_TEST_POSTGRES_URL "
            "(start one with .ci/postgres.sh start)"
        )
    from urllib.parse import urlparse

    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    return urlparse(server_url)._replace(path=f"/{name}").geturl()


def summarise(samples: list[dict]) -> dict:
    """Median per step and metric across repeats."""
    out: dict[str, dict[str, float]] = {}
    for step in samples[0]:
        out[step] = {
            metric: statistics.median(s[step][metric] for s in samples)
            for metric in samples[0][step]
        }
    return out


def run_foundation(args: argparse.Namespace) -> dict:
    cases = []
    plan = [(n, "duckdb") for n in args.skus] + [(n, "postgres") for n in args.pg_skus]
    for skus, warehouse in plan:
        samples = []
        for i in range(args.repeat):
            print(
                f"foundation {warehouse} {skus} SKUs x {args.days} days, run {i + 1}",
                file=sys.stderr,
            )
            samples.append(foundation_case(skus, args.days, warehouse, args.pg_url))
        cases.append(
            {
                "skus": skus,
                "days": args.days,
                "warehouse": warehouse,
                "median": summarise(samples),
                "samples": samples,
            }
        )
    return {"suite": "foundation", "cases": cases}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--suite", default="foundation", choices=["foundation"])
    parser.add_argument(
        "--skus", type=lambda s: [int(x) for x in s.split(",")], default=[1000, 10000]
    )
    parser.add_argument(
        "--pg-skus", type=lambda s: [int(x) for x in s.split(",") if x], default=[1000]
    )
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--pg-url", default=os.environ.get("STOCKCAST_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    result = run_foundation(args)
    result["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    result["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{args.suite}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(
        json.dumps(
            {c["warehouse"] + f"/{c['skus']}": c["median"]["total"] for c in result["cases"]},
            indent=2,
        )
    )
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
