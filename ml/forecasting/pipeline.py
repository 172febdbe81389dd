"""Production forecasting: classify, backtest, select, calibrate, fit and forecast.

One entry point, :func:`fit_forecast`, does everything the daily run needs on a long
``sku, date, quantity`` frame and returns a :class:`ForecastRun` (forecasts plus the
state worth keeping as an artifact). :func:`evaluate` runs exactly that on all but the
last ``holdout_days`` (from successive origins when they exceed the horizon) and scores
the result against the held-out days.

Example:
    >>> run = fit_forecast(sales, ForecastConfig(horizon=28))  # doctest: +SKIP
    >>> run.forecasts.columns.tolist()  # doctest: +SKIP
    ['sku', 'forecast_date', 'target_date', 'horizon', 'p10', 'p50', 'p90', 'p95', 'p99',
     'mean', 'model', 'flags']

``p10 ... p99`` are calibrated quantiles, p50 included (the conformal median); ``mean``
is the selected model's point forecast, the expected demand a sum over days needs (the
reorder policy's projected stockout date, totals). The two differ most for sparse demand,
whose median is usually zero.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from darts import TimeSeries

from ml.forecasting.backtest import (
    attach_actuals,
    backtest_global,
    backtest_local,
    backtest_seasonal_naive,
    rolling_cutoffs,
)
from ml.forecasting.censoring import censor_and_impute
from ml.forecasting.classify import DEGENERATE_CLASSES, classify_demand
from ml.forecasting.conformal import (
    EMPIRICAL_CLASSES,
    EMPIRICAL_WINDOW,
    QUANTILES,
    apply_calibration,
    empirical_quantiles,
    fit_calibration,
)
from ml.forecasting.features import build_global_data, series_by_sku
from ml.forecasting.metrics import naive_scales, per_sku_metrics, summarize
from ml.forecasting.models import BASELINE, GLOBAL, REGISTRY, build_lightgbm
from ml.forecasting.selection import best_cheap_per_class, select_models

log = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("sku", "date", "quantity")
OUTPUT_COLUMNS = [
    "sku",
    "forecast_date",
    "target_date",
    "horizon",
    "p10",
    "p50",
    "p90",
    "p95",
    "p99",
    "mean",
    "model",
    "flags",
]


@dataclass(frozen=True)
class ForecastConfig:
    """Knobs of a forecasting run (defaults are the production ones).

    Attributes:
        horizon: days ahead to forecast.
        n_origins: rolling-origin backtest cutoffs before the end of history.
        stride: days between backtest cutoffs.
        selection_mode: ``sku`` (per SKU, shrunk to the class winner) or ``class``.
        min_improvement: MAE gain a SKU's own best model needs over its class winner.
        expensive_sample_per_class: SKUs per class on which expensive local models
            (ETS, Theta, ARIMA) are backtested.
        max_expensive_fits: at most this many SKUs get an expensive model in production;
            the rest fall back to the best cheap model of their class.
        local_train_days: local models fit on this many most recent days.
        max_train_rows: cap on the global model's training rows (sets samples per SKU).
        max_samples_per_ts: most recent training samples per SKU for the global model.
        min_history: SKUs with fewer days are ``short_history`` (default: enough for the
            backtest plus 8 weeks).
        models: restrict candidates to these registry names (None: all).
        lgbm_params: overrides of the LightGBM hyper-parameters.
        median_from_residuals: p50 is the conformal median of the backtest residuals
            (the default); ``False`` makes p50 the point forecast (``mean``), as before
            0.5 was calibrated: 55-67% of actuals then fell below it on skewed classes.
        empirical_window: days of a SKU's own history behind the base quantiles of the
            intermittent and lumpy classes' intervals (see :mod:`ml.forecasting.conformal`).
        seed: random state for models and sampling.
    """

    horizon: int = 28
    n_origins: int = 4
    stride: int = 7
    selection_mode: str = "sku"
    min_improvement: float = 0.05
    expensive_sample_per_class: int = 20
    max_expensive_fits: int = 500
    local_train_days: int = 365
    max_train_rows: int = 1_500_000
    max_samples_per_ts: int = 730
    min_history: int | None = None
    models: tuple[str, ...] | None = None
    lgbm_params: dict[str, Any] | None = None
    median_from_residuals: bool = True
    empirical_window: int = EMPIRICAL_WINDOW
    quantiles: tuple[float, ...] = QUANTILES
    seed: int = 0

    @property
    def history_needed(self) -> int:
        """Days a SKU needs to be backtested and classified."""
        if self.min_history is not None:
            return self.min_history
        return self.horizon + (self.n_origins - 1) * self.stride + 56

    def enabled(self, name: str) -> bool:
        """Whether a registry model takes part in this run."""
        return self.models is None or name in self.models


@dataclass
class ForecastRun:
    """Everything a run produced; :mod:`ml.forecasting.artifacts` saves it."""

    forecasts: pd.DataFrame
    backtest: pd.DataFrame
    selection: pd.DataFrame
    classes: pd.DataFrame
    calibration: pd.DataFrame
    config: ForecastConfig
    training_window: tuple[pd.Timestamp, pd.Timestamp]
    global_model: Any = None
    metrics: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def validate_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Check the input contract and normalise dtypes (dates, float quantity)."""
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"forecast input is missing columns {missing}")
    out = frame.copy()
    out["sku"] = out["sku"].astype(str)
    out["date"] = pd.to_datetime(out["date"]).dt.normalize()
    out["quantity"] = pd.to_numeric(out["quantity"], errors="coerce").fillna(0.0).clip(lower=0)
    if out.duplicated(["sku", "date"]).any():
        raise ValueError("forecast input has duplicate (sku, date) rows")
    return out


class LocalSeries(dict):
    """``sku -> TimeSeries`` of imputed demand, built on first use.

    Most SKUs of a large catalogue only ever meet the global model, so their per-SKU
    TimeSeries (about 5 ms each) are never built; :meth:`prefetch` builds a known set in
    one ``TimeSeries.from_group_dataframe`` pass.
    """

    def __init__(self, prepared: pd.DataFrame):
        super().__init__()
        self._rows = prepared  # a reference, not a copy: sliced per prefetch

    def prefetch(self, skus: list[str]) -> None:
        """Build the series of ``skus`` not built yet, in one pass."""
        todo = sorted(set(skus) - set(self))
        if not todo:
            return
        df = self._rows.loc[self._rows["sku"].isin(todo), ["sku", "date", "quantity"]]
        skus, series = series_by_sku(df, ["quantity"])
        self.update(zip(skus, series, strict=True))

    def __missing__(self, sku: str) -> TimeSeries:
        self.prefetch([sku])
        return self[sku]


def _sample_per_class(classes: pd.DataFrame, n: int, seed: int) -> dict[str, list[str]]:
    """A reproducible sample of at most ``n`` SKUs per demand class."""
    out = {}
    for cls, grp in classes.groupby("demand_class"):
        skus = sorted(grp["sku"])
        if len(skus) > n:
            rng = np.random.default_rng(seed)
            skus = sorted(rng.choice(skus, size=n, replace=False).tolist())
        out[str(cls)] = skus
    return out


def _samples_per_ts(config: ForecastConfig, n_series: int) -> int:
    return int(max(56, min(config.max_samples_per_ts, config.max_train_rows // max(n_series, 1))))


def run_backtest(
    prepared: pd.DataFrame,
    classes: pd.DataFrame,
    series: LocalSeries,
    config: ForecastConfig,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Backtest every candidate on its SKUs over the rolling origins of ``prepared``.

    Cheap models run on every eligible SKU of their classes, expensive local models on a
    per-class sample, the global model once for all eligible SKUs.
    """
    end = prepared["date"].max()
    cutoffs = rolling_cutoffs(
        end, horizon=config.horizon, n_origins=config.n_origins, stride=config.stride
    )
    eligible = classes[~classes["demand_class"].isin(DEGENERATE_CLASSES)]
    timings: dict[str, float] = {}
    parts = []
    if config.enabled(GLOBAL) and not eligible.empty:
        t = time.perf_counter()
        data = build_global_data(
            prepared, skus=sorted(eligible["sku"]), scale_end=cutoffs[0], horizon=config.horizon
        )
        model = build_lightgbm(config.seed, config.lgbm_params)
        rows, _ = backtest_global(
            model,
            data,
            cutoffs,
            horizon=config.horizon,
            stride=config.stride,
            max_samples_per_ts=_samples_per_ts(config, len(data.skus)),
        )
        parts.append(rows)
        timings[f"backtest_{GLOBAL}"] = time.perf_counter() - t
    samples = _sample_per_class(eligible, config.expensive_sample_per_class, config.seed)
    for name, spec in REGISTRY.items():
        if spec.kind != "local" or not spec.classes or not config.enabled(name):
            continue
        if spec.expensive:
            cap = spec.max_sample or config.expensive_sample_per_class
            skus = [s for cls in sorted(spec.classes) for s in samples.get(cls, [])[:cap]]
        else:
            skus = sorted(eligible.loc[eligible["demand_class"].isin(spec.classes), "sku"])
        if not skus:
            continue
        t = time.perf_counter()
        if name == BASELINE:
            parts.append(backtest_seasonal_naive(prepared, skus, cutoffs, horizon=config.horizon))
        else:
            series.prefetch(skus)
            parts.append(
                backtest_local(
                    name,
                    {s: series[s] for s in skus},
                    cutoffs,
                    horizon=config.horizon,
                    stride=config.stride,
                    train_length=config.local_train_days,
                    seed=config.seed,
                )
            )
        timings[f"backtest_{name}"] = time.perf_counter() - t
    rows = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["sku", "model", "cutoff", "date", "horizon", "y_hat"])
    )
    return attach_actuals(rows, prepared), timings


def _apply_budget(
    selection: pd.DataFrame, backtest: pd.DataFrame, classes: pd.DataFrame, config: ForecastConfig
) -> pd.DataFrame:
    """Cap expensive local fits; overflow SKUs get their class's best cheap model."""
    sel = selection.copy()
    sel["budget_fallback"] = False
    expensive = sel["model"].map(lambda m: isinstance(m, str) and REGISTRY[m].expensive)
    if expensive.sum() <= config.max_expensive_fits:
        return sel
    # SKUs that won with their own backtest keep priority over class-winner assignments.
    priority = sel.loc[expensive].sort_values(
        ["reason", "sku"],
        key=lambda s: s.eq("sku_best") if s.name == "reason" else s,
        ascending=[False, True],
    )
    overflow = priority.index[config.max_expensive_fits :]
    cheap = best_cheap_per_class(backtest, classes)
    sel.loc[overflow, "model"] = sel.loc[overflow, "demand_class"].map(cheap).fillna(BASELINE)
    sel.loc[overflow, "budget_fallback"] = True
    return sel


def _fallback_model(n_days: int, demand_class: str) -> str:
    if demand_class == "all_zero" or n_days < REGISTRY[BASELINE].min_length:
        return "naive_mean"
    return BASELINE


def _predict_local(
    name: str, series: TimeSeries, horizon: int, config: ForecastConfig
) -> np.ndarray:
    model = REGISTRY[name].build(config.seed)
    train = series[-config.local_train_days :] if len(series) > config.local_train_days else series
    model.fit(train)
    return model.predict(horizon).values(copy=False)[:, 0]


def fit_forecast(
    frame: pd.DataFrame,
    config: ForecastConfig | None = None,
    *,
    future: pd.DataFrame | None = None,
) -> ForecastRun:
    """Select, fit and forecast every SKU of a long demand frame.

    Args:
        frame: long rows ``sku, date, quantity`` (daily, calendar-complete, zero-filled),
            optional ``is_stockout`` (bool), ``unit_price``, ``is_promo``, ``is_holiday``.
            Every SKU must end on the same date (the forecast date).
        config: run settings; defaults to :class:`ForecastConfig`.
        future: optional known-in-advance covariates (``sku, date, unit_price, is_promo,
            is_holiday``) for the forecast window.

    Returns:
        A :class:`ForecastRun` whose ``forecasts`` has the columns of ``OUTPUT_COLUMNS``.
    """
    config = config or ForecastConfig()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    prepared = censor_and_impute(validate_frame(frame))
    del frame  # a caller's temporary (e.g. evaluate's training slice) is freed here
    end = prepared["date"].max()
    start = prepared["date"].min()
    last = prepared.groupby("sku")["date"].max()
    if (last != end).any():
        raise ValueError(
            f"{int((last != end).sum())} SKUs end before {end.date()}: "
            "the input must be calendar-complete up to the forecast date"
        )
    masked = prepared[["sku", "date"]].assign(
        quantity=prepared["quantity_observed"].where(~prepared["is_censored"])
    )
    classes = classify_demand(masked, min_history=config.history_needed)
    series = LocalSeries(prepared)
    timings["prepare"] = time.perf_counter() - t0

    backtest, bt_timings = run_backtest(prepared, classes, series, config)
    timings.update(bt_timings)

    t = time.perf_counter()
    eligible = classes[~classes["demand_class"].isin(DEGENERATE_CLASSES)]
    selection = select_models(
        backtest, eligible, mode=config.selection_mode, min_improvement=config.min_improvement
    )
    selection = _apply_budget(selection, backtest, eligible, config)
    degenerate = classes[classes["demand_class"].isin(DEGENERATE_CLASSES)]
    fallback = degenerate[["sku", "demand_class"]].assign(
        model=[
            _fallback_model(n, c)
            for n, c in zip(degenerate["n_days"], degenerate["demand_class"], strict=True)
        ],
        reason="fallback",
        budget_fallback=False,
    )
    selection = pd.concat([selection, fallback], ignore_index=True)
    no_model = selection["model"].isna()
    selection.loc[no_model, "model"] = BASELINE
    selection.loc[no_model, "reason"] = "fallback"

    cutoffs = rolling_cutoffs(
        end, horizon=config.horizon, n_origins=config.n_origins, stride=config.stride
    )
    bt_scale = naive_scales(masked[masked["date"] <= cutoffs[0]])
    chosen = backtest.merge(selection[["sku", "model", "demand_class"]], on=["sku", "model"])
    chosen["scale"] = chosen["sku"].map(bt_scale)
    sparse = masked[
        masked["sku"].isin(eligible.loc[eligible["demand_class"].isin(EMPIRICAL_CLASSES), "sku"])
    ]
    base_kwargs = {"quantiles": config.quantiles, "window": config.empirical_window}
    chosen = chosen.merge(
        empirical_quantiles(sparse, cutoffs, **base_kwargs), on=["sku", "cutoff"], how="left"
    )
    calibration = fit_calibration(chosen, quantiles=config.quantiles)
    del chosen
    timings["select_calibrate"] = time.perf_counter() - t

    forecasts, global_model, f_timings = _final_forecasts(
        prepared, selection, series, config, future
    )
    timings.update(f_timings)

    scale = naive_scales(masked)
    level = masked.groupby("sku")["quantity"].mean()
    forecasts["scale"] = forecasts["sku"].map(scale).fillna(forecasts["sku"].map(level))
    forecasts["scale"] = forecasts["scale"].fillna(0.0)
    forecasts = forecasts.merge(selection[["sku", "demand_class"]], on="sku", how="left")
    base = empirical_quantiles(sparse, [end], **base_kwargs).drop(columns="cutoff")
    forecasts = forecasts.merge(base, on="sku", how="left")
    forecasts = apply_calibration(
        forecasts,
        calibration,
        quantiles=config.quantiles,
        median_from_residuals=config.median_from_residuals,
    )

    forecasts["mean"] = forecasts["y_hat"]
    flags = _flags(selection, prepared, forecasts)
    forecasts["flags"] = forecasts["sku"].map(flags).fillna("")
    forecasts["forecast_date"] = end
    forecasts = forecasts[OUTPUT_COLUMNS].sort_values(["sku", "target_date"]).reset_index(drop=True)
    timings["total"] = time.perf_counter() - t0

    metrics = {
        "n_skus": int(classes.shape[0]),
        "demand_classes": classes["demand_class"].value_counts().to_dict(),
        "selected_models": selection["model"].value_counts().to_dict(),
        "backtest_wape_by_model": _backtest_wape(backtest),
    }
    return ForecastRun(
        forecasts=forecasts,
        backtest=backtest,
        selection=selection,
        classes=classes,
        calibration=calibration,
        config=config,
        training_window=(start, end),
        global_model=global_model,
        metrics=metrics,
        timings={k: round(v, 2) for k, v in timings.items()},
    )


def _backtest_wape(backtest: pd.DataFrame) -> dict[str, float]:
    rows = backtest.dropna(subset=["y", "y_hat"])
    err = (rows["y"] - rows["y_hat"]).abs().groupby(rows["model"]).sum()
    tot = rows["y"].abs().groupby(rows["model"]).sum()
    return {str(k): round(float(v), 4) for k, v in (err / tot.where(tot > 0)).items()}


def _final_forecasts(
    prepared: pd.DataFrame,
    selection: pd.DataFrame,
    series: LocalSeries,
    config: ForecastConfig,
    future: pd.DataFrame | None,
) -> tuple[pd.DataFrame, Any, dict[str, float]]:
    """Refit the selected models on all history and forecast ``horizon`` days."""
    end = prepared["date"].max()
    dates = pd.date_range(end + pd.Timedelta(days=1), periods=config.horizon, freq="D")
    horizon = np.arange(1, config.horizon + 1)
    parts: list[pd.DataFrame] = []
    timings: dict[str, float] = {}
    global_model = None
    sel = selection.set_index("sku")

    global_skus = sorted(sel.index[sel["model"] == GLOBAL])
    if global_skus:
        t = time.perf_counter()
        train_skus = sorted(sel.index[~sel["demand_class"].isin(DEGENERATE_CLASSES)])
        data = build_global_data(
            prepared,
            skus=train_skus,
            scale_end=end,
            horizon=config.horizon,
            extend=config.horizon,
            future=future,
        )
        global_model = build_lightgbm(config.seed, config.lgbm_params)
        global_model.fit(
            data.target,
            future_covariates=data.covariates,
            sample_weight=data.weights,
            max_samples_per_ts=_samples_per_ts(config, len(data.skus)),
        )
        pos = {s: i for i, s in enumerate(data.skus)}
        idx = [pos[s] for s in global_skus]
        preds = global_model.predict(
            config.horizon,
            series=[data.target[i] for i in idx],
            future_covariates=[data.covariates[i] for i in idx],
            verbose=False,
        )
        values = np.stack([p.values(copy=False)[:, 0] for p in preds])
        values = values * data.scales.loc[global_skus].to_numpy()[:, None]
        parts.append(
            pd.DataFrame(
                {
                    "sku": np.repeat(global_skus, config.horizon),
                    "target_date": np.tile(dates, len(global_skus)),
                    "horizon": np.tile(horizon, len(global_skus)),
                    "y_hat": values.ravel(),
                    "model": GLOBAL,
                }
            )
        )
        timings[f"fit_predict_{GLOBAL}"] = time.perf_counter() - t

    t = time.perf_counter()
    local = sel[sel["model"] != GLOBAL]
    series.prefetch(list(local.index))
    errors = []
    for sku, row in local.iterrows():
        name = row["model"]
        try:
            y_hat = _predict_local(name, series[sku], config.horizon, config)
        except Exception as exc:  # a model failing on one odd SKU must not stop the run
            log.warning("%s failed on %s (%s); using the fallback", name, sku, exc)
            errors.append(sku)
            name = _fallback_model(len(series[sku]), "")
            y_hat = _predict_local(name, series[sku], config.horizon, config)
        parts.append(
            pd.DataFrame(
                {
                    "sku": sku,
                    "target_date": dates,
                    "horizon": horizon,
                    "y_hat": y_hat,
                    "model": name,
                }
            )
        )
    timings["fit_predict_local"] = time.perf_counter() - t
    out = pd.concat(parts, ignore_index=True)
    out["y_hat"] = out["y_hat"].clip(lower=0.0).fillna(0.0)
    out.attrs["model_errors"] = errors
    return out, global_model, timings


def _flags(selection: pd.DataFrame, prepared: pd.DataFrame, forecasts: pd.DataFrame) -> pd.Series:
    """Comma-separated flags per SKU, for planners to see why a forecast is special."""
    flags: dict[str, list[str]] = {s: [] for s in selection["sku"]}
    for sku, cls, budget in zip(
        selection["sku"],
        selection["demand_class"],
        selection["budget_fallback"].eq(True),
        strict=True,
    ):
        if cls in DEGENERATE_CLASSES:
            flags[sku].append(cls)
        if budget:
            flags[sku].append("budget_fallback")
    for sku in prepared.loc[prepared["is_censored"], "sku"].unique():
        flags[sku].append("censored_history")
    for sku in forecasts.attrs.get("model_errors", []):
        flags[sku].append("model_error")
    return pd.Series({k: ",".join(v) for k, v in flags.items()}, dtype=object)


@dataclass
class Evaluation:
    """Result of :func:`evaluate_detailed`.

    Attributes:
        metrics: the report (see :func:`evaluate`).
        scored: held-out rows of every origin: the forecast columns (``forecast_date`` is
            the origin), ``y`` and ``demand_class`` as classified at that origin.
        run: the run of the first origin (its training window ends where the holdout
            starts); later origins' runs are dropped to keep memory flat.
        by_sku: one row per SKU (index ``sku``): ``demand_class`` and ``model`` of the
            last origin, stockcast's metrics (:func:`~ml.forecasting.metrics.per_sku_metrics`)
            and seasonal naive's ``naive_mae, naive_wape, naive_mase``.
    """

    metrics: dict[str, Any]
    scored: pd.DataFrame
    run: ForecastRun
    by_sku: pd.DataFrame


def seasonal_naive_forecast(history: pd.DataFrame, horizon: int, season: int = 7) -> pd.DataFrame:
    """Repeat each SKU's last ``season`` observed days (same as Darts ``NaiveSeasonal``).

    Vectorised so the baseline costs nothing at 10,000 SKUs; a unit test checks it against
    ``darts.models.NaiveSeasonal``.
    """
    h = history.sort_values(["sku", "date"])
    tail = h.groupby("sku", sort=True).tail(season)
    end = h["date"].max()
    skus, rows = [], []
    for sku, grp in tail.groupby("sku", sort=True):
        vals = grp["quantity"].to_numpy(dtype=float)
        reps = np.resize(vals, horizon) if vals.size else np.zeros(horizon)
        if vals.size < season:  # too short to be seasonal: repeat the mean
            reps = np.full(horizon, vals.mean() if vals.size else 0.0)
        skus.append(sku)
        rows.append(reps)
    return pd.DataFrame(
        {
            "sku": np.repeat(skus, horizon),
            "target_date": np.tile(
                pd.date_range(end + pd.Timedelta(days=1), periods=horizon), len(skus)
            ),
            "y_hat": np.concatenate(rows) if rows else np.array([]),
        }
    )


def holdout_origins(
    end: pd.Timestamp, holdout_days: int, horizon: int
) -> list[tuple[pd.Timestamp, int]]:
    """Forecast origins that tile the last ``holdout_days`` days ending at ``end``.

    A forecast covers at most ``horizon`` days, so a longer holdout is scored from
    successive origins ``split, split + horizon, ...`` (``split = end - holdout_days``),
    each covering the next ``horizon`` days; the last block is shorter when
    ``holdout_days`` is not a multiple of ``horizon``.

    Returns:
        ``(origin, days)`` pairs: the origin is the last day its run may see.
    """
    if holdout_days < 1 or horizon < 1:
        raise ValueError(f"holdout_days and horizon must be >= 1, got {holdout_days}, {horizon}")
    split = end - pd.Timedelta(days=holdout_days)
    return [
        (split + pd.Timedelta(days=start), min(horizon, holdout_days - start))
        for start in range(0, holdout_days, horizon)
    ]


def _actuals(block: pd.DataFrame) -> pd.DataFrame:
    """``sku, target_date, y`` of held-out rows; stockout days are censored (NaN)."""
    actual = block[["sku", "date"]].rename(columns={"date": "target_date"})
    y = block["quantity"].astype(float)
    if "is_stockout" in block.columns:
        y = y.where(~block["is_stockout"].eq(True))
    return actual.assign(y=y.to_numpy())


def evaluate_detailed(
    frame: pd.DataFrame,
    horizon: int = 28,
    holdout_days: int | None = None,
    config: ForecastConfig | None = None,
) -> Evaluation:
    """Hold out the last days, run the production pipeline on the rest, score both.

    Each forecast origin (see :func:`holdout_origins`: one when ``holdout_days <=
    horizon``, successive origins ``horizon`` days apart otherwise) runs exactly
    :func:`fit_forecast` on the rows up to that origin only, so its backtest, selection and
    calibration never see the block it is scored on; known-in-advance covariates of that
    block (price, promo, holiday) are passed as ``future`` covariates, never quantity.
    Seasonal naive is forecast from the same origins. The blocks are scored together and
    per origin; MASE is scaled by the history before the first origin throughout, so every
    block is measured on the same yardstick.
    """
    holdout_days = horizon if holdout_days is None else holdout_days
    config = replace(config or ForecastConfig(), horizon=horizon)
    data = validate_frame(frame)
    origins = holdout_origins(data["date"].max(), holdout_days, horizon)
    split = origins[0][0]
    if not (data["date"] <= split).any():
        raise ValueError(f"holdout_days {holdout_days} leaves no history before the holdout")
    cov_cols = [c for c in ("unit_price", "is_promo", "is_holiday") if c in data.columns]
    qcols = {q: f"p{round(q * 100)}" for q in config.quantiles}
    # The MASE scale of every block and group: computed once from the history before
    # the first origin.
    scale_hist = naive_scales(data.loc[data["date"] <= split, ["sku", "date", "quantity"]])

    first_run: ForecastRun | None = None
    scored_parts, naive_parts, per_origin = [], [], []
    seconds = 0.0
    timings: dict[str, float] = {}
    for origin, days in origins:
        block_end = origin + pd.Timedelta(days=days)
        block = data[(data["date"] > origin) & (data["date"] <= block_end)]
        future = block[["sku", "date", *cov_cols]] if cov_cols else None
        t = time.perf_counter()
        # The training slice is not kept here, so fit_forecast can free it once validated.
        run = fit_forecast(data[data["date"] <= origin], config, future=future)
        run_seconds = time.perf_counter() - t
        seconds += run_seconds
        for key, value in run.timings.items():
            timings[key] = round(timings.get(key, 0.0) + value, 2)

        actual = _actuals(block)
        scored = run.forecasts.merge(actual, on=["sku", "target_date"], how="inner")
        scored = scored.merge(run.classes[["sku", "demand_class"]], on="sku", how="left")
        history = data.loc[data["date"] <= origin, ["sku", "date", "quantity"]]
        naive = seasonal_naive_forecast(history, days).merge(
            actual, on=["sku", "target_date"], how="inner"
        )
        naive["forecast_date"] = origin
        per_origin.append(
            {
                "forecast_date": str(origin.date()),
                "days": days,
                "stockcast": summarize(scored, scale_hist, y_hat_col="p50", quantile_cols=qcols),
                "seasonal_naive": summarize(naive, scale_hist, y_hat_col="y_hat"),
                "selected_models": run.metrics["selected_models"],
                "fit_forecast_seconds": round(run_seconds, 2),
            }
        )
        scored_parts.append(scored)
        naive_parts.append(naive)
        if first_run is None:
            first_run = run
        del run, history, block, future
    assert first_run is not None  # holdout_origins returns at least one origin
    scored = pd.concat(scored_parts, ignore_index=True)
    naive = pd.concat(naive_parts, ignore_index=True)

    metrics = {
        "horizon": horizon,
        "holdout_days": holdout_days,
        "n_origins": len(origins),
        "training_window": [
            str(first_run.training_window[0].date()),
            str(first_run.training_window[1].date()),
        ],
        "stockcast": summarize(scored, scale_hist, y_hat_col="p50", quantile_cols=qcols),
        "seasonal_naive": summarize(naive, scale_hist, y_hat_col="y_hat"),
        "stockcast_by_class": summarize(
            scored, scale_hist, y_hat_col="p50", quantile_cols=qcols, by="demand_class"
        ),
        "origins": per_origin,
        "selected_models": first_run.metrics["selected_models"],
        "demand_classes": first_run.metrics["demand_classes"],
        "backtest_wape_by_model": first_run.metrics["backtest_wape_by_model"],
        "fit_forecast_seconds": round(seconds, 2),
        "timings": timings,
    }
    by_sku = sku_table(scored, naive, scale_hist, qcols)
    metrics["per_sku_summary"] = _per_sku_summary(by_sku)
    return Evaluation(metrics=metrics, scored=scored, run=first_run, by_sku=by_sku)


def sku_table(
    scored: pd.DataFrame,
    naive: pd.DataFrame,
    history: pd.DataFrame | pd.Series,
    quantile_cols: dict[float, str],
) -> pd.DataFrame:
    """Per-SKU metrics of stockcast beside seasonal naive's (see :class:`Evaluation`).

    ``history``: training rows, or their :func:`~ml.forecasting.metrics.naive_scales`.
    """
    last = scored.sort_values("forecast_date").groupby("sku")[["demand_class", "model"]].last()
    ours = per_sku_metrics(scored, history, y_hat_col="p50", quantile_cols=quantile_cols)
    theirs = per_sku_metrics(naive, history, y_hat_col="y_hat")[["mae", "wape", "mase"]]
    return last.join(ours, how="outer").join(theirs.add_prefix("naive_"), how="left")


def _per_sku_summary(by_sku: pd.DataFrame, worst: int = 10) -> dict[str, Any]:
    """How often stockcast beats seasonal naive per SKU, and its worst SKUs.

    Why: the first thing a planner asks of a per-SKU table, small enough to print.
    """
    both = by_sku.dropna(subset=["mase", "naive_mase"])
    ranked = both.sort_values("mase", ascending=False).head(worst)
    return {
        "n_series": len(by_sku),
        "n_series_with_mase": len(both),
        "share_beating_naive_mase": round(float((both["mase"] < both["naive_mase"]).mean()), 4)
        if len(both)
        else None,
        "median_mase": round(float(both["mase"].median()), 4) if len(both) else None,
        "median_naive_mase": round(float(both["naive_mase"].median()), 4) if len(both) else None,
        "worst_mase": [
            {
                "sku": str(sku),
                "demand_class": row["demand_class"],
                "model": row["model"],
                "mase": round(float(row["mase"]), 4),
                "naive_mase": round(float(row["naive_mase"]), 4),
            }
            for sku, row in ranked.iterrows()
        ],
    }


def evaluate(
    frame: pd.DataFrame,
    horizon: int = 28,
    holdout_days: int | None = None,
    config: ForecastConfig | None = None,
) -> dict[str, Any]:
    """Metrics dict of the production pipeline and of seasonal naive on a holdout.

    Args:
        frame: long demand frame (see :func:`fit_forecast`).
        horizon: forecast horizon in days.
        holdout_days: days held out at the end (default: ``horizon``); longer than the
            horizon, they are scored from successive origins (:func:`holdout_origins`).
        config: run settings (its horizon is replaced by ``horizon``).

    Returns:
        ``{"stockcast": {...}, "seasonal_naive": {...}, "stockcast_by_class": {...},
        "origins": [...], ...}`` with MAE, RMSE, MAPE, sMAPE, WAPE, MASE, bias and, for
        stockcast, p10-p90 coverage and pinball losses; ``origins`` repeats them per
        forecast origin. ``selected_models``, ``demand_classes`` and
        ``backtest_wape_by_model`` are those of the first origin.
    """
    return evaluate_detailed(frame, horizon, holdout_days, config).metrics
