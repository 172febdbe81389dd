"""Data-quality suites for stockcast: Great Expectations 1.x on pandas frames.

GX guards landed data (``raw.*``) and model outputs (``ml.*``); dbt tests guard how the
models are built. This package imports neither Dagster nor a database driver: asset checks
read the frames, call :func:`run_suite`, and turn the :class:`SuiteResult` into
``AssetCheckResult`` (``passed_critical`` for blocking checks, ``warnings`` for the rest).
Tables too large to read (millions of rows) are validated through a
:class:`TableProfile` the warehouse computes (:func:`profile_request`, :func:`run_profile`).
"""

from expectations.docs import build_data_docs
from expectations.params import SuiteParams
from expectations.profile import TableProfile, profile_frame, profile_request
from expectations.results import RECORD_COLUMNS, ExpectationOutcome, SuiteResult
from expectations.runner import run_profile, run_suite
from expectations.suites import SUITES

__all__ = [
    "RECORD_COLUMNS",
    "SUITES",
    "ExpectationOutcome",
    "SuiteParams",
    "SuiteResult",
    "TableProfile",
    "build_data_docs",
    "profile_frame",
    "profile_request",
    "run_profile",
    "run_suite",
]
