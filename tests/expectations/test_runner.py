from __future__ import annotations

import pytest

from expectations import SUITES, SuiteParams, run_suite
from tests.expectations import gx_frames

pytestmark = pytest.mark.unit

CLEAN = {
    "raw.products": gx_frames.products,
    "raw.suppliers": gx_frames.suppliers,
    "raw.sales": gx_frames.sales,
    "raw.inventory": gx_frames.inventory,
    "raw.purchase_orders": gx_frames.purchase_orders,
    "marts.fct_daily_sales": gx_frames.fct_daily_sales,
    "ml.demand_forecasts": gx_frames.demand_forecasts,
}


def test_every_suite_has_a_clean_frame():
    assert set(CLEAN) == set(SUITES)


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_clean_frame_passes_every_expectation(name):
    params = SuiteParams(
        today=gx_frames.TODAY, products=gx_frames.products(), suppliers=gx_frames.suppliers()
    )
    frame = CLEAN[name]()
    before = frame.copy()
    result = run_suite(name, frame, params)
    assert result.success, [o.message for o in result.outcomes if not o.success]
    assert result.outcomes, "a suite with no expectations proves nothing"
    assert result.asset == SUITES[name].asset
    assert all(o.severity in ("critical", "warning") for o in result.outcomes)
    assert len({o.name for o in result.outcomes}) == len(result.outcomes)
    frame.equals(before) or pytest.fail("run_suite modified the caller's frame")


def test_params_as_mapping_with_string_today():
    result = run_suite("raw.sales", gx_frames.sales(), {"today": "2025-06-01"})
    assert result.success


def test_unknown_suite_lists_the_known_ones():
    with pytest.raises(KeyError, match="raw.sales"):
        run_suite("raw.nope", gx_frames.sales())


def test_unknown_parameter_is_rejected():
    with pytest.raises(ValueError, match="tody"):
        run_suite("raw.sales", gx_frames.sales(), {"tody": "2025-06-01"})


def test_empty_frame_does_not_block():
    empty = gx_frames.sales().iloc[0:0]
    result = run_suite("raw.sales", empty, {"today": gx_frames.TODAY})
    assert result.passed_critical
