import pandas as pd
import pytest

from ml.forecasting import ArtifactVersionError, fit_forecast, load_artifact, save_artifact
from ml.forecasting import artifacts as art

from .conftest import FAST_CONFIG, seasonal_frame

pytestmark = pytest.mark.unit

CONFIG = FAST_CONFIG.__class__(
    **{**FAST_CONFIG.__dict__, "models": ("seasonal_naive_7", "lightgbm_global")}
)


@pytest.fixture(scope="module")
def run():
    return fit_forecast(seasonal_frame(["A", "B"], days=200), CONFIG)


def test_round_trip(run, tmp_path):
    path = save_artifact(run, tmp_path / "forecast.joblib")
    loaded = load_artifact(path)
    assert loaded["versions"] == art.library_versions()
    assert loaded["training_window"] == tuple(str(d.date()) for d in run.training_window)
    assert loaded["metrics"]["selected_models"]
    pd.testing.assert_frame_equal(loaded["run"].forecasts, run.forecasts)
    # The reloaded global model still predicts.
    assert loaded["run"].global_model is not None


@pytest.mark.parametrize("library", ["stockcast", "darts"])
def test_version_mismatch_fails_clearly(run, tmp_path, monkeypatch, library):
    path = save_artifact(run, tmp_path / "forecast.joblib")
    real = art.library_versions()
    monkeypatch.setattr(art, "library_versions", lambda: {**real, library: "999.0"})
    with pytest.raises(ArtifactVersionError, match=f"{library} .* != 999.0"):
        load_artifact(path)


def test_not_an_artifact(tmp_path):
    import joblib

    joblib.dump({"hello": 1}, tmp_path / "x.joblib")
    with pytest.raises(ArtifactVersionError, match="not a stockcast"):
        load_artifact(tmp_path / "x.joblib")
