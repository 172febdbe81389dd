from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import gx_frames  # noqa: E402  (after the path insert)


@pytest.fixture
def products():
    return gx_frames.products()


@pytest.fixture
def suppliers():
    return gx_frames.suppliers()


@pytest.fixture
def sales():
    return gx_frames.sales()
