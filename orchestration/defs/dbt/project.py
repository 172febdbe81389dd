"""The dbt project as Dagster sees it: location, target and a manifest ready to load."""

from __future__ import annotations

from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.settings import get_settings

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"


def build_dbt_project() -> DbtProject:
    """Describe the dbt project and make sure its manifest exists.

    ``prepare_if_dev`` re-parses under ``dagster dev`` so SQL edits show up on reload;
    outside it (``stockcast run``, tests, a deployed code server) a missing manifest is
    parsed once here instead of failing, so a fresh clone needs no extra step.
    """
    settings = get_settings()
    settings.export_dbt_env()
    project = DbtProject(project_dir=DBT_PROJECT_DIR, target=settings.dbt_target)
    project.prepare_if_dev()
    if not project.manifest_path.exists():
        project.preparer.prepare(project)
    return project


dbt_project = build_dbt_project()
