"""Data-quality checks: Great Expectations suites on raw tables and marts, as asset checks."""

from orchestration.defs.quality.checks import quality_checks

__all__ = ["quality_checks"]
