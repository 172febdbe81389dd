"""The dbt project as Dagster sees it: location, target, executable and a fresh manifest."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.settings import get_settings

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"

# The dbt beside this interpreter, so `.venv/bin/stockcast` works without an activated venv.
_beside = Path(sys.executable).parent / "dbt"
DBT_EXECUTABLE = str(_beside) if _beside.exists() else (shutil.which("dbt") or "dbt")


def _manifest_is_stale(project: DbtProject) -> bool:
    """Whether any project file changed after the manifest was written (or it is missing).

    An analytics engineer who edits a model and runs ``stockcast run`` must get that
    model, not a KeyError from a manifest that has never heard of it.
    """
    manifest = project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests", "snapshots"):
        sources.extend((DBT_PROJECT_DIR / folder).rglob("*"))
    return any(path.is_file() and path.stat().st_mtime > built for path in sources)


def build_dbt_project() -> DbtProject:
    """Describe the dbt project and make sure its manifest exists and is current.

    Under ``dagster dev`` the manifest is re-parsed on every load so SQL edits show up
    on reload (what ``prepare_if_dev`` does, but with our dbt executable); elsewhere
    (``stockcast run``, tests, a deployed code server) a missing manifest is parsed
    once, so a fresh clone needs no extra step.
    """
    settings = get_settings()
    settings.export_dbt_env()
    # No target here: the asset passes --target from the settings of each run, and a
    # target fixed at import would win over it (DbtCliResource appends its own).
    project = DbtProject(project_dir=DBT_PROJECT_DIR)
    if project.preparer.using_dagster_dev() or _manifest_is_stale(project):
        DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
            ["parse", "--quiet"], target_path=project.target_path
        ).wait()
    return project


dbt_project = build_dbt_project()
