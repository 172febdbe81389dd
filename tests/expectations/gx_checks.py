"""Assertions shared by the suite tests (a plain module: conftest names can collide)."""

from __future__ import annotations


def failed(result) -> dict[str, str]:
    """Failed check name -> severity."""
    return {o.name: o.severity for o in result.outcomes if not o.success}


def assert_only_failure(result, name: str, severity: str) -> None:
    """Exactly check ``name`` failed, with ``severity``; everything else held."""
    assert failed(result) == {name: severity}, [o.message for o in result.outcomes if not o.success]
    assert result.passed_critical is (severity != "critical")
