"""Benchmark: what the Great Expectations checks add to ``stockcast run`` (issue 7).

For ``--skus N`` the script generates one dataset, then runs the whole pipeline on it
twice, each time into a fresh ``STOCKCAST_HOME`` (and database):

- **with checks**: the real ``stockcast run``;
- **without checks**: the same runner on the same definitions minus the GX suite checks
  (``orchestration.defs.quality.quality_checks``), through this script's hidden
  ``--inner-run-without-checks`` mode. The production CLI has no switch to drop the
  quality gate on purpose: a way to skip it would be used.

Each run is its own process (``os.wait4``: wall, user+system CPU and peak RSS of the
process and its children, dbt included). After the run with checks, the Dagster event
log of every stage gives each check step's wall time (``execute_in_process`` runs steps
one after another, so these add up to their share of the run), and each check's own
metadata gives the rows it covered and the seconds and CPU seconds it spent. Wall
times on a shared machine swing by more than the checks cost, so CPU shares are reported
beside the wall shares.

Acceptance (issue 7): the checks add less than 20% to the run's wall time at 10,000 SKUs.

    python bench/quality_bench.py                  # 10,000 SKUs x 1,095 days, DuckDB
    python bench/quality_bench.py --skus 1000 --repeat 3 --warehouse postgres

Writes ``bench/results/quality.json`` (medians across repeats beside every sample).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.run import measure  # noqa: E402  (one wait4 measurement for both benches)

RESULTS = REPO / "bench" / "results"
BIN = Path(sys.executable).parent
INNER = "--inner-run-without-checks"


def check_step_keys() -> dict[str, str]:
    """Step key of each GX suite check op -> the suite's asset (``raw_sales_gx`` -> raw/sales)."""
    from orchestration.defs.quality import quality_checks

    return {
        check.node_def.name: next(iter(check.check_keys)).asset_key.to_user_string()
        for check in quality_checks
    }


def read_event_log(dagster_home: Path) -> dict[str, Any]:
    """Step wall times of every run in the instance, and the GX checks' own metadata.

    Returns ``steps`` (step key -> seconds, summed over runs), ``checks`` (one entry per
    suite check step: wall, rows covered, the check's own seconds and CPU seconds).
    """
    import dagster as dg

    steps: dict[str, float] = {}
    checks: dict[str, dict[str, Any]] = {}
    gx_steps = check_step_keys()
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        for run in instance.get_runs():
            for stat in instance.get_run_step_stats(run.run_id):
                if stat.start_time is None or stat.end_time is None:
                    continue
                seconds = stat.end_time - stat.start_time
                steps[stat.step_key] = round(steps.get(stat.step_key, 0.0) + seconds, 2)
                if stat.step_key in gx_steps:
                    checks[stat.step_key] = {"asset": gx_steps[stat.step_key], "step_seconds": 0.0}
            for record in instance.all_logs(run.run_id):
                event = record.dagster_event
                if event is None or event.event_type_value != "ASSET_CHECK_EVALUATION":
                    continue
                evaluation = event.event_specific_data
                if evaluation.check_name != "gx_critical":
                    continue
                step = event.step_key
                meta = {k: getattr(v, "value", v) for k, v in evaluation.metadata.items()}
                entry = checks.setdefault(step, {"asset": gx_steps.get(step, step)})
                entry.update(
                    passed=evaluation.passed,
                    row_count=meta.get("row_count"),
                    gx_seconds=meta.get("duration_seconds"),
                    check_seconds=meta.get("check_seconds"),
                    check_cpu_seconds=meta.get("cpu_seconds"),
                )
    for step, entry in checks.items():
        entry["step_seconds"] = steps.get(step, 0.0)
    return {"steps": dict(sorted(steps.items())), "checks": dict(sorted(checks.items()))}


def fresh_env(home: Path, warehouse: str, pg_url: str | None, db_name: str) -> dict[str, str]:
    """Environment of one pipeline run: its own home, Dagster instance and database."""
    env = {**os.environ, "STOCKCAST_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    env.pop("STOCKCAST_WAREHOUSE_URL", None)
    env.pop("STOCKCAST_CONFIG", None)
    if warehouse == "postgres":
        sys.path.insert(0, str(Path(__file__).parent))
        from run import fresh_postgres_db

        env["STOCKCAST_WAREHOUSE_URL"] = fresh_postgres_db(pg_url, db_name)
    return env


def quality_case(args: argparse.Namespace, skus: int) -> dict[str, Any]:
    """Generate once; run with checks (and, unless told not to, without) on copies."""
    root = Path(tempfile.mkdtemp(prefix=f"stockcast-quality-{skus}-"))
    stockcast = str(BIN / "stockcast")
    try:
        data = root / "incoming"
        generate = measure(
            [
                stockcast,
                "generate",
                "--skus",
                str(skus),
                "--days",
                str(args.days),
                "--seed",
                str(args.seed),
                "--out",
                str(data),
            ],
            {**os.environ, "STOCKCAST_HOME": str(root / "gen")},
        )
        sample: dict[str, Any] = {"generate": generate}
        select = ["--select", args.select] if args.select else []
        variants = [("with_checks", [stockcast, "run", *select])]
        if not args.no_baseline:
            variants.append(("without_checks", [sys.executable, __file__, INNER, *select]))
        for label, cmd in variants:
            home = root / label
            shutil.copytree(data, home / "incoming")
            env = fresh_env(home, args.warehouse, args.pg_url, f"bench_quality_{label}")
            print(f"  {label}: {' '.join(Path(c).name for c in cmd)}", file=sys.stderr)
            sample[label] = measure(cmd, env)
            if label == "with_checks":
                log = read_event_log(home / "dagster")
                checks_seconds = sum(c["step_seconds"] for c in log["checks"].values())
                sample["check_steps_seconds"] = round(checks_seconds, 2)
                sample["check_cpu_seconds"] = round(
                    sum(c.get("check_cpu_seconds") or 0.0 for c in log["checks"].values()), 2
                )
                sample["check_share_of_run"] = round(checks_seconds / sample[label]["seconds"], 4)
                # On a shared machine wall time swings; CPU time is the steadier measure.
                sample["check_cpu_share_of_run"] = round(
                    sample["check_cpu_seconds"] / sample[label]["cpu_seconds"], 4
                )
                sample["checks"] = log["checks"]
                sample["steps"] = log["steps"]
            shutil.rmtree(home, ignore_errors=True)
        if "without_checks" in sample:
            added = sample["with_checks"]["seconds"] - sample["without_checks"]["seconds"]
            sample["added_by_checks"] = round(added / sample["without_checks"]["seconds"], 4)
            cpu = sample["with_checks"]["cpu_seconds"] - sample["without_checks"]["cpu_seconds"]
            sample["added_cpu_by_checks"] = round(cpu / sample["without_checks"]["cpu_seconds"], 4)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return sample


def median_of(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Median of every number that all samples share (nested one level deep)."""
    out: dict[str, Any] = {}
    for key, value in samples[0].items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[key] = statistics.median(s[key] for s in samples)
        elif isinstance(value, dict) and key in ("generate", "with_checks", "without_checks"):
            out[key] = {m: statistics.median(s[key][m] for s in samples) for m in value}
    return out


def run_without_checks(selection: str | None) -> int:
    """``stockcast run`` on the same definitions without the GX suite checks (bench only)."""
    import dagster as dg

    from orchestration.cli import report_run, write_instance_yaml
    from orchestration.definitions import defs
    from orchestration.defs.quality import quality_checks
    from orchestration.runner import run_all
    from orchestration.settings import get_settings

    settings = get_settings()  # as the CLI's run prepares it
    settings.ensure_dirs()
    settings.export_dbt_env()
    write_instance_yaml(settings)
    dropped = {id(c) for c in quality_checks}
    plain = dg.Definitions(
        assets=defs.assets,
        asset_checks=[c for c in defs.asset_checks or [] if id(c) not in dropped],
        resources=defs.resources,
    )
    with dg.DagsterInstance.get() as instance:
        report = run_all(plain, instance, selection, tags={"stockcast/trigger": "bench"})
    return report_run(report)


def main() -> None:
    if sys.argv[1:2] == [INNER]:
        sys.exit(run_without_checks(sys.argv[3] if sys.argv[2:3] == ["--select"] else None))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skus", type=lambda s: [int(x) for x in s.split(",")], default=[10_000])
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--warehouse", choices=["duckdb", "postgres"], default="duckdb")
    parser.add_argument("--pg-url", default=os.environ.get("STOCKCAST_TEST_POSTGRES_URL"))
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the run without checks (half the time)"
    )
    parser.add_argument(
        "--select",
        default=None,
        help="asset selection passed to `stockcast run` (default: everything, as issue 7 "
        "measures); e.g. 'group:raw or group:staging or group:intermediate or group:marts' "
        "for the part of the run the checks sit in",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "quality.json")
    args = parser.parse_args()
    cases = []
    for skus in args.skus:
        samples = []
        for i in range(args.repeat):
            print(
                f"quality {args.warehouse} {skus} SKUs x {args.days} days, run {i + 1}",
                file=sys.stderr,
            )
            samples.append(quality_case(args, skus))
        cases.append(
            {
                "skus": skus,
                "days": args.days,
                "warehouse": args.warehouse,
                "select": args.select or "(everything)",
                "median": median_of(samples),
                "samples": samples,
            }
        )
    result = {
        "suite": "quality",
        "cases": cases,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({f"{c['warehouse']}/{c['skus']}": c["median"] for c in cases}, indent=2))
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
