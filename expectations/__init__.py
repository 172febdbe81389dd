"""Data-quality suites for stockcast: Great Expectations 1.x on pandas frames.

GX guards landed data (``raw.*``) and model outputs (``ml.*``); dbt tests guard how the
models are built. This package imports neither Dagster nor a database driver: asset checks
read the frames, call :func:`run_suite`, and turn the :class:`SuiteResult` into
``AssetCheckResult`` (``passed_critical`` for blocking checks, ``warnings`` for the rest).
"""

from expectations.docs import build_data_docs
from expectations.params import SuiteParams
from expectations.results import RECORD_COLUMNS, ExpectationOutcome, SuiteResult
from expectations.runner import run_suite
from expectations.suites import SUITES

__all__ = [
    "RECORD_COLUMNS",
    "SUITES",
    "ExpectationOutcome",
    "SuiteParams",
    "SuiteResult",
    "build_data_docs",
    "run_suite",
]
