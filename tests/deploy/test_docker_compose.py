"""docker-compose.yml cannot be brought up here (no Docker engine), so it is checked by
parsing it and by running the very commands its services run, against a real PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.mark.unit
def test_long_running_services_have_healthchecks_and_wait_for_health() -> None:
    services = COMPOSE["services"]
    assert {"postgres", "dagster-webserver", "dagster-daemon"} <= set(services)
    for name in ("postgres", "dagster-webserver"):
        assert "healthcheck" in services[name], name
    for name in ("dagster-webserver", "dagster-daemon"):
        deps = services[name]["depends_on"]
        assert deps["postgres"]["condition"] == "service_healthy"
        assert deps["install"]["condition"] == "service_completed_successfully"
    assert services["dagster-daemon"]["depends_on"]["dagster-webserver"]["condition"] == (
        "service_healthy"
    )


@pytest.mark.unit
def test_service_commands_exist_in_the_environment() -> None:
    for name in ("dagster-webserver", "dagster-daemon"):
        command = COMPOSE["services"][name]["command"]
        exe = REPO / command[0]
        assert exe.name in {"dagster-webserver", "dagster-daemon"}
        assert (BIN / exe.name).exists(), f"{exe.name} is not installed by `make install`"
        assert (REPO / command[command.index("-w") + 1]).exists()
    env = COMPOSE["services"]["dagster-webserver"]["environment"]
    assert (REPO / env["DAGSTER_HOME"].removeprefix("/app/") / "dagster.yaml").exists()
    assert env["STOCKCAST_WAREHOUSE_URL"].startswith("postgresql://")


@pytest.mark.integration
@pytest.mark.postgres
def test_deploy_instance_stores_runs_in_postgres(postgres_url: str, tmp_path: Path) -> None:
    """The compose services' instance config, pointed at a real server, creates Dagster's
    storage there: the same `dagster` commands the services run, on this machine."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "orchestration/deploy/dagster.yaml", home / "dagster.yaml")
    url = urlparse(postgres_url)
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": url.hostname or "127.0.0.1",
        "DAGSTER_PG_PORT": str(url.port or 5432),
        "DAGSTER_PG_USER": url.username or "postgres",
        "DAGSTER_PG_PASSWORD": url.password or "",
        "DAGSTER_PG_DB": url.path.lstrip("/"),
        "STOCKCAST_HOME": str(tmp_path / "stockcast"),
        "STOCKCAST_WAREHOUSE_URL": postgres_url,
    }
    info = subprocess.run(
        [str(BIN / "dagster"), "instance", "info"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert info.returncode == 0, info.stderr[-3000:]
    assert "PostgresRunStorage" in info.stdout
    validate = subprocess.run(
        [str(BIN / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert validate.returncode == 0, (validate.stdout + validate.stderr)[-3000:]

    import psycopg

    with psycopg.connect(postgres_url) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'public'"
            )
        }
    assert {"runs", "event_logs"} <= tables
