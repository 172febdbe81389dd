import numpy as np
import pandas as pd
import pytest

from ml.forecasting.classify import adi_cv2, classify_demand, classify_pattern

pytestmark = pytest.mark.unit


def test_adi_cv2_by_hand():
    adi, cv2 = adi_cv2(np.array([0, 2, 0, 4, 0, 0]))
    assert adi == pytest.approx(3.0)  # 6 periods / 2 demands
    assert cv2 == pytest.approx((1 / 3) ** 2)  # std 1 / mean 3


@pytest.mark.parametrize(
    ("adi", "cv2", "expected"),
    [
        (1.0, 0.1, "smooth"),
        (1.0, 0.6, "erratic"),
        (2.0, 0.1, "intermittent"),
        (2.0, 0.6, "lumpy"),
        (1.32, 0.49, "lumpy"),
    ],
)
def test_syntetos_boylan_cutoffs(adi, cv2, expected):
    assert classify_pattern(adi, cv2) == expected


def test_classify_frame_with_degenerate_skus(mixed_frame):
    dates = pd.date_range("2023-01-01", periods=300)
    extra = pd.concat(
        [
            pd.DataFrame({"sku": "Z", "date": dates, "quantity": 0}),
            pd.DataFrame({"sku": "N", "date": dates[-7:], "quantity": 3}),
        ]
    )
    out = classify_demand(pd.concat([mixed_frame, extra]), min_history=60).set_index("sku")
    assert out.loc["A", "demand_class"] == "smooth"
    assert out.loc["X", "demand_class"] in {"intermittent", "lumpy"}
    assert out.loc["Z", "demand_class"] == "all_zero"
    assert out.loc["N", "demand_class"] == "short_history"
