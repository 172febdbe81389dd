"""The ``stockcast`` command: generate sample data, run the pipeline once, serve the UIs.

Heavy imports (Dagster definitions, the generator) happen inside each command so that
``stockcast --help`` answers at once and a broken config is reported before any work.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from orchestration.settings import ConfigError, Settings, get_settings

if TYPE_CHECKING:
    from orchestration.runner import RunReport

REPO_ROOT = Path(__file__).resolve().parents[1]
INSTANCE_MARKER = "# Written by stockcast for this warehouse; remove this line to keep your edits."


def _settings() -> Settings:
    try:
        settings = get_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    settings.ensure_dirs()
    settings.export_dbt_env()
    return settings


def write_instance_yaml(settings: Settings) -> Path:
    """Write ``$DAGSTER_HOME/dagster.yaml`` unless the user has one of their own.

    The embedded DuckDB file takes one writer at a time, so every asset that writes
    the warehouse sits in the ``warehouse`` pool, limited to 1 here; on PostgreSQL
    pools are left unlimited and shards run side by side. A file we wrote is rewritten
    when the warehouse changes; a file without our marker line is never touched.
    """
    path = settings.dagster_home / "dagster.yaml"
    pools = "" if settings.is_postgres else "concurrency:\n  pools:\n    default_limit: 1\n"
    text = f"{INSTANCE_MARKER}\n{pools}telemetry:\n  enabled: false\n"
    if path.exists() and not path.read_text().startswith(INSTANCE_MARKER):
        return path
    path.write_text(text)
    return path


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Stockcast: what to reorder, when, and which products are about to go on backorder."""


@main.command()
@click.option("--skus", default=300, show_default=True, help="Number of products.")
@click.option("--days", default=1095, show_default=True, help="Days of history.")
@click.option("--seed", default=42, show_default=True, help="Random seed (same seed, same files).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder [default: $STOCKCAST_HOME/incoming].",
)
def generate(skus: int, days: int, seed: int, out: Path | None) -> None:
    """Write a realistic sample dataset in the raw file contract."""
    from tqdm import tqdm

    from ml.datagen import generate as generate_data

    settings = _settings()
    out = out or settings.incoming_dir
    started = time.perf_counter()
    with tqdm(total=skus, unit="sku", desc="generate", file=sys.stderr) as bar:

        def progress(done: int, total: int) -> None:
            bar.update(done - bar.n)

        summary = generate_data(out_dir=out, n_skus=skus, n_days=days, seed=seed, progress=progress)
    click.echo(
        f"wrote sample data for {skus} SKUs x {days} days to {out} "
        f"in {time.perf_counter() - started:.1f}s"
    )
    click.echo(str(summary))


@main.command()
@click.option(
    "--select",
    default=None,
    help="Dagster asset selection string (default: every asset), e.g. 'group:raw'.",
)
def run(select: str | None) -> None:
    """Materialise every asset once, in this process, without servers.

    Exits non-zero when any step fails or any blocking asset check fails.
    """
    settings = _settings()
    write_instance_yaml(settings)
    click.echo(f"warehouse: {settings.dbt_target} ({_redact(settings.warehouse_url)})", err=True)

    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.runner import run_all

    started = time.perf_counter()
    with dg.DagsterInstance.get() as instance:
        report = run_all(
            defs,
            instance,
            selection=select,
            on_stage=lambda label: click.echo(f"==> {label}", err=True),
            tags={"stockcast/trigger": "cli"},
        )
    code = report_run(report)
    click.echo(f"finished in {time.perf_counter() - started:.1f}s", err=True)
    sys.exit(code)


def report_run(report: RunReport) -> int:
    """Print what happened and return the exit code: 0 only for a clean run."""
    checks = report.checks
    errors, warnings = report.failed_checks, report.warned_checks
    materialized = sum(s.materialized for s in report.stages)
    click.echo(
        f"assets materialised: {materialized}; checks: {len(checks)} run, "
        f"{len(checks) - len(errors) - len(warnings)} passed, {len(warnings)} warned, "
        f"{len(errors)} failed",
        err=True,
    )
    for check in errors + warnings:
        key = check.asset_check_key
        click.echo(
            f"  {check.severity.value:5} {key.asset_key.to_user_string()}:{key.name}"
            + (" (blocking)" if check.blocking else ""),
            err=True,
        )
    for stage in report.stages:
        where = f" [{stage.partition}]" if stage.partition else ""
        for step in stage.failed_steps:
            click.echo(f"  FAILED  step {step}{where} (run {stage.run_id})", err=True)
        for step in stage.skipped_steps:
            click.echo(
                f"  SKIPPED step {step}{where} (upstream failure or blocking check)", err=True
            )
    for key in report.not_run:
        click.echo(f"  NOT RUN {key} (an earlier stage failed)", err=True)
    return 0 if report.success else 1


def _redact(url: str) -> str:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@")
    return url


@main.command()
@click.option("--dagster-port", default=3000, show_default=True)
@click.option("--dashboard-port", default=8050, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
def serve(dagster_port: int, dashboard_port: int, host: str) -> None:
    """Serve the Dagster UI (schedules and sensors running) and the dashboard."""
    settings = _settings()
    write_instance_yaml(settings)
    env = {**os.environ, "DAGSTER_HOME": str(settings.dagster_home)}
    bin_dir = Path(sys.executable).parent
    procs = [
        subprocess.Popen(
            [
                str(bin_dir / "dagster"),
                "dev",
                "-w",
                str(REPO_ROOT / "workspace.yaml"),
                "-h",
                host,
                "-p",
                str(dagster_port),
            ],
            cwd=REPO_ROOT,
            env=env,
        )
    ]
    click.echo(f"Dagster UI: http://{host}:{dagster_port}", err=True)
    dashboard_app = REPO_ROOT / "dashboard" / "app.py"
    if dashboard_app.exists():
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "dashboard.app",
                    "--host",
                    host,
                    "--port",
                    str(dashboard_port),
                ],
                cwd=REPO_ROOT,
                env=env,
            )
        )
        click.echo(f"Dashboard:  http://{host}:{dashboard_port}", err=True)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
    sys.exit(max((p.returncode or 0) for p in procs))


def _register_commands() -> None:
    """Evaluation and simulation commands live in ``orchestration/commands/``."""
    from orchestration.commands.backorder_eval import backorder_eval
    from orchestration.commands.forecast_eval import forecast_eval
    from orchestration.commands.policy_sim import policy_sim

    main.add_command(backorder_eval, name="backorder-eval")
    main.add_command(forecast_eval, name="forecast-eval")
    main.add_command(policy_sim, name="policy-sim")


_register_commands()

if __name__ == "__main__":
    main()
