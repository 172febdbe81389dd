"""Great Expectations Data Docs for suite runs: static HTML to link from asset checks.

GX's site builder needs stores on disk, which an ephemeral context has not, so this keeps
a small file-backed GX project under ``out_dir/_gx`` (suites and validation results
accumulate there, run after run) and builds the site straight into ``out_dir``.
Callers pass ``settings.home / "data_docs"``; this package reads no environment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import great_expectations as gx
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

from expectations.results import SuiteResult

SITE_NAME = "stockcast"


def build_data_docs(results: Iterable[SuiteResult], out_dir: str | Path) -> Path:
    """Add ``results`` to the Data Docs site in ``out_dir`` and rebuild it.

    Args:
        results: Suite results from :func:`expectations.run_suite`.
        out_dir: Site folder, normally ``$STOCKCAST_HOME/data_docs``.

    Returns:
        The site's ``index.html``: the link for asset-check metadata
        (``MetadataValue.url(path.as_uri())`` or ``MetadataValue.path``).
    """
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=out / "_gx")
    _ensure_site(context, out)

    # Render only what this call adds (plus the index): GX otherwise re-renders every
    # validation ever stored, and a daily pipeline would pay more each day.
    touched: list[ExpectationSuiteIdentifier | ValidationResultIdentifier] = []
    for result in results:
        run_id = RunIdentifier(run_name=result.run_id, run_time=result.checked_at)
        for suite, validation, subject in result.gx_runs:
            context.suites.add_or_update(
                gx.ExpectationSuite(
                    name=suite.name,
                    expectations=[e.copy() for e in suite.expectations],
                    meta=dict(suite.meta or {}),
                )
            )
            key = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite.name),
                run_id=run_id,
                batch_identifier=_slug(subject),
            )
            context.validation_results_store.set(key, validation)
            touched += [ExpectationSuiteIdentifier(name=suite.name), key]

    context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=touched)
    index = out / "index.html"
    if not index.exists():
        raise FileNotFoundError(f"GX did not write {index}")
    return index


def _ensure_site(context: gx.data_context.FileDataContext, out: Path) -> None:
    """One site writing into ``out`` itself; GX's default ``local_site`` removed."""
    config = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(out)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    sites = context.variables.data_docs_sites or {}
    if "local_site" in sites:
        context.delete_data_docs_site("local_site")
    if SITE_NAME in (context.variables.data_docs_sites or {}):
        context.update_data_docs_site(SITE_NAME, config)
    else:
        context.add_data_docs_site(SITE_NAME, config)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")
