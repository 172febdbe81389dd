import numpy as np
import pandas as pd
import pytest

from ml.forecasting.conformal import apply_calibration, fit_calibration, horizon_bucket

pytestmark = pytest.mark.unit


def test_horizon_buckets():
    assert list(horizon_bucket(np.array([1, 7, 8, 14, 15, 28, 29]))) == [
        "1-7",
        "1-7",
        "8-14",
        "8-14",
        "15-28",
        "15-28",
        "29+",
    ]


def test_quantiles_monotone_non_negative_and_calibrated():
    rng = np.random.default_rng(0)
    n = 4000
    resid = pd.DataFrame(
        {
            "demand_class": "smooth",
            "horizon": rng.integers(1, 29, n),
            "y": rng.normal(10, 2, n),
            "y_hat": 10.0,
            "scale": 2.0,
        }
    )
    cal = fit_calibration(resid)
    fc = pd.DataFrame(
        {
            "demand_class": ["smooth", "lumpy", "smooth"],
            "horizon": [1, 20, 40],
            "y_hat": [10.0, 0.1, 0.0],
            "scale": [2.0, 5.0, 0.0],
        }
    )
    out = apply_calibration(fc, cal)
    q = out[["p10", "p50", "p90", "p95", "p99"]].to_numpy()
    assert (q >= 0).all()
    assert (np.diff(q, axis=1) >= 0).all()
    # N(10, 2): p10 ~ 7.44, p90 ~ 12.56
    assert out.loc[0, "p10"] == pytest.approx(7.44, abs=0.3)
    assert out.loc[0, "p90"] == pytest.approx(12.56, abs=0.3)
    assert (out.loc[2, ["p10", "p99"]] == 0).all()  # zero scale, zero forecast -> zeros
