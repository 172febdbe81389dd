from __future__ import annotations

import pytest

from expectations import SuiteParams, build_data_docs, run_suite
from tests.expectations import gx_frames

pytestmark = pytest.mark.unit


def test_data_docs_index_is_written(tmp_path, sales, products):
    sales.loc[3, "quantity"] = -5.0
    params = SuiteParams(today=gx_frames.TODAY, products=products, run_id="docs-run")
    results = [
        run_suite("raw.sales", sales, params),
        run_suite("raw.products", products, params),
    ]
    out = tmp_path / "data_docs"
    index = build_data_docs(results, out)
    assert index == (out / "index.html").resolve()
    assert index.is_file() and index.stat().st_size > 0
    html = index.read_text()
    assert "raw.sales" in html and "raw.products" in html
    validations = list((out / "validations").rglob("*.html"))
    assert validations, "no validation result pages were rendered"
    assert any("raw.sales" in page.read_text() for page in validations)

    # A second run adds to the same site rather than replacing it.
    again = run_suite("raw.suppliers", gx_frames.suppliers(), params)
    build_data_docs([again], out)
    assert "raw.suppliers" in index.read_text() and "raw.sales" in index.read_text()
