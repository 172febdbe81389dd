from __future__ import annotations

import pytest
from gx_checks import assert_only_failure

from expectations import run_suite

pytestmark = pytest.mark.unit


def test_clean_suppliers_pass(suppliers):
    assert run_suite("raw.suppliers", suppliers).success


def test_negative_lead_time_is_critical(suppliers):
    suppliers.loc[1, "lead_time_days"] = -3.0
    result = run_suite("raw.suppliers", suppliers)
    assert_only_failure(result, "lead_time_days_non_negative", "critical")


def test_implausible_lead_time_is_a_warning(suppliers):
    suppliers.loc[1, "lead_time_days"] = 2000.0
    result = run_suite("raw.suppliers", suppliers)
    assert_only_failure(result, "lead_time_days_plausible", "warning")


def test_null_supplier_id_is_critical(suppliers):
    suppliers.loc[1, "supplier_id"] = None
    result = run_suite("raw.suppliers", suppliers)
    assert_only_failure(result, "supplier_id_not_null", "critical")
