"""Train, calibrate, threshold, save and apply the backorder-risk classifier.

The training recipe, and why each step is where it is:

1. The training frame is split (stratified) into a *fit* part and a *validation* part.
   The test frame is never seen here at all.
2. Candidate imbalance strategies (:data:`~ml.backorder.pipeline.STRATEGIES`) are fitted
   on a subsample of the fit part and ranked by average precision on validation.
3. The winner's hyperparameters (and, for LightGBM, class weight and whether the derived
   domain features are used) are searched by successive halving
   (``HalvingRandomSearchCV`` + ``StratifiedKFold``, scoring ``average_precision``) on a
   stratified subsample: many candidates on a few rows, the best few on more. The search
   is the expensive part, and on 1.7M rows it must not scale with the data.
4. The winner is refitted on the fit part, capped at ``fit_rows`` rows that keep every
   positive (only the abundant negatives are thinned, and only on data larger than the
   cap; calibration in step 5 corrects the prior shift). Resampling, if any, happens
   inside the imbalanced-learn pipeline and therefore only on the rows being fitted.
5. Probabilities are calibrated on the validation part (Platt scaling by default,
   isotonic on request): resampling distorts raw scores, and planners read the number
   as a probability.
6. The decision threshold is chosen on validation probabilities (out-of-fold with
   respect to an isotonic calibrator), never on the test set.
"""

from __future__ import annotations

import platform
import time
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import joblib
import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.frozen import FrozenEstimator
from sklearn.inspection import permutation_importance
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import HalvingRandomSearchCV, StratifiedKFold, train_test_split
from threadpoolctl import threadpool_limits

from ml.backorder.loader import FEATURE_COLUMNS, FLAG_COLUMNS, SKU, TARGET, parse_backorder_frame
from ml.backorder.metrics import Goal, ThresholdChoice, choose_threshold, scores_at
from ml.backorder.pipeline import STRATEGIES, build_pipeline

ARTIFACT_FORMAT = "stockcast.backorder"
ARTIFACT_VERSION = 1

RiskBand = Literal["low", "medium", "high"]


@dataclass
class BackorderConfig:
    """Knobs of :func:`fit_backorder_model` and :func:`~ml.backorder.evaluate.evaluate`.

    Attributes:
        strategies: Imbalance strategies to compare (names in ``STRATEGIES``).
        strategy: Skip the comparison and use this one.
        validation_share: Share of the training frame held back for calibration,
            threshold choice, strategy ranking and permutation importance.
        validation_rows: Cap on the validation rows used (stratified subsample; 0 = all):
            on 1.7M rows the validation part is 340k rows, far more than ranking,
            calibration and the threshold need, and each pass through it is costly.
        compare_rows: Fit-part rows (stratified subsample) used to rank strategies.
        search_rows: Rows (stratified subsample) for the hyperparameter search.
        search_iter: Successive-halving candidates in the first round; 0 keeps the
            defaults.
        params: With ``strategy``, use these hyperparameters and skip the search. The
            production refit on all rows reuses what the evaluated fit chose, so the
            comparison and search are not paid twice.
        search_factor: Successive halving keeps ``1/search_factor`` of the candidates per
            round and gives them ``search_factor`` times the rows; the first round uses
            ``search_rows / search_factor ** (rounds - 1)`` rows.
        cv_folds: Stratified folds inside the search.
        fit_rows: Cap on the rows of the final fit: every positive is kept, negatives are
            drawn at random to fill the cap (0 = no cap). Below the cap nothing changes;
            above it, fitting cost stops growing with the data.
        domain_features: Append the derived coverage features
            (:class:`~ml.backorder.features.DomainFeatures`) in every pipeline; the search
            may still switch them off for LightGBM if that scores better.
        calibration: Fitted on the validation part. ``"sigmoid"`` (default): Platt scaling
            of the boosting log-odds, which is exactly the shape of the prior shift that
            resampling causes, and keeps the ranking (so PR-AUC) intact. ``"isotonic"``:
            more flexible, but with a few hundred validation positives it collapses the
            scores to a few dozen steps (measured: 30 distinct values on the 210k sample),
            which costs ranking resolution. ``"none"``: raw scores.
        goal: Threshold goal, ``"f1"`` or ``"recall"``.
        min_recall: Recall floor for ``goal="recall"``.
        medium_ratio: A SKU is "medium" risk from ``medium_ratio * threshold`` up to the
            threshold, "high" at or above it.
        importance_rows: Validation rows used for permutation importance (0 = skip).
        importance_repeats: Permutation repeats per feature.
        seed: Seeds every split, sampler, model and search.
        n_jobs: Parallel jobs for ensembles and permutation importance.
        threads: OpenMP/BLAS threads while training (None = library default, all cores).
            Defaults to 1: on a machine shared with other jobs, gradient boosting with
            spinning OpenMP threads measured 30x slower than single-threaded here; raise
            it on a dedicated box.
        trace_memory: Also report the tracemalloc peak (slower; RSS is always reported).
    """

    strategies: tuple[str, ...] = (
        "none",
        "under",
        "smote",
        "balanced_bagging",
        "balanced_rf",
        "lgbm",
        "lgbm_bagged",
    )
    strategy: str | None = None
    validation_share: float = 0.2
    validation_rows: int = 150_000
    compare_rows: int = 100_000
    search_rows: int = 60_000
    search_iter: int = 9
    params: dict[str, Any] | None = None
    search_factor: int = 3
    cv_folds: int = 3
    fit_rows: int = 400_000
    domain_features: bool = True
    calibration: Literal["sigmoid", "isotonic", "none"] = "sigmoid"
    goal: Goal = "f1"
    min_recall: float = 0.8
    medium_ratio: float = 0.5
    importance_rows: int = 10_000
    importance_repeats: int = 3
    seed: int = 42
    n_jobs: int = 1
    threads: int | None = 1
    trace_memory: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON reports."""
        out = asdict(self)
        out["strategies"] = list(self.strategies)
        return out


@dataclass
class BackorderModel:
    """A fitted, calibrated classifier with its decision threshold.

    Attributes:
        estimator: Fitted estimator with ``predict_proba`` taking a feature frame.
        threshold: Decision threshold (chosen on validation) and what it achieved there.
        strategy: Name of the imbalance strategy.
        params: Hyperparameters chosen by the search.
        medians: Training medians per feature, the reference values of the drivers.
        medium_ratio: See :class:`BackorderConfig`.
        positive_rate: Backorder share in the training rows.
        versions: Library versions at training time.
        trained_at: UTC timestamp.
        threads: OpenMP threads while predicting (see :class:`BackorderConfig`).
    """

    estimator: Any
    threshold: ThresholdChoice
    strategy: str
    params: dict[str, Any]
    medians: dict[str, float]
    medium_ratio: float = 0.5
    positive_rate: float = 0.0
    feature_names: tuple[str, ...] = FEATURE_COLUMNS
    versions: dict[str, str] = field(default_factory=dict)
    trained_at: str = ""
    threads: int | None = 1

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Probability of going on backorder for each row of a clean feature frame."""
        return self._proba(features(frame))

    def _proba(self, X: pd.DataFrame) -> np.ndarray:
        with threadpool_limits(limits=self.threads):
            return self.estimator.predict_proba(X)[:, 1]

    def band(self, proba: np.ndarray | float) -> np.ndarray:
        """Risk band per probability: high (flagged), medium (close), low."""
        proba = np.asarray(proba, dtype=float)
        cut = self.threshold.threshold
        return np.where(
            proba >= cut, "high", np.where(proba >= self.medium_ratio * cut, "medium", "low")
        )


@dataclass
class FitResult:
    """A fitted model plus what was learned about it on the validation part."""

    model: BackorderModel
    comparison: list[dict[str, Any]]
    search: dict[str, Any]
    validation: dict[str, Any]
    feature_importance: list[dict[str, Any]]
    split: dict[str, int]
    timings: dict[str, float]


def features(frame: pd.DataFrame) -> pd.DataFrame:
    """The model's input columns, as float32 (halves memory at 1.7M rows)."""
    return frame.loc[:, list(FEATURE_COLUMNS)].astype("float32")


def split_train_validation(
    frame: pd.DataFrame, config: BackorderConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic stratified split of a training frame into fit and validation positions.

    Returns:
        Positional indices ``(fit, validation)`` into ``frame``.
    """
    positions = np.arange(len(frame))
    fit, validation = train_test_split(
        positions,
        test_size=config.validation_share,
        stratify=frame[TARGET].to_numpy(),
        random_state=config.seed,
    )
    return np.sort(fit), np.sort(validation)


def stratified_subsample(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Positions of a stratified subsample of at most ``n`` rows (all rows if fewer)."""
    positions = np.arange(len(y))
    if n <= 0 or n >= len(y):
        return positions
    keep, _ = train_test_split(positions, train_size=n, stratify=y, random_state=seed)
    return np.sort(keep)


def capped_rows(y: np.ndarray, cap: int, seed: int) -> np.ndarray:
    """Positions of at most ``cap`` rows: every positive, then random negatives.

    Unlike a stratified subsample this keeps the rare class whole; the negatives it
    drops are the least informative rows there are. ``cap <= 0`` or a frame within the
    cap returns every position.
    """
    positions = np.arange(len(y))
    if cap <= 0 or len(y) <= cap:
        return positions
    positives = positions[y == 1]
    negatives = positions[y != 1]
    room = max(cap - len(positives), 0)
    rng = np.random.default_rng(seed)
    chosen = rng.choice(negatives, size=min(room, len(negatives)), replace=False)
    return np.sort(np.concatenate([positives, chosen]))


def fit_backorder_model(
    frame: pd.DataFrame, config: BackorderConfig | None = None, *, sampler: Any = None
) -> FitResult:
    """Train the backorder classifier on a clean training frame (see module docstring).

    Args:
        frame: Clean rows from :func:`~ml.backorder.loader.load_backorder_csv`.
        config: Training knobs; defaults if None.
        sampler: Replaces every strategy's sampler step (tests pass a spy).

    Returns:
        The model and its validation results.
    """
    config = config or BackorderConfig()
    with threadpool_limits(limits=config.threads):
        return _fit(frame, config, sampler)


def _fit(frame: pd.DataFrame, config: BackorderConfig, sampler: Any) -> FitResult:
    timings: dict[str, float] = {}
    X = features(frame)
    y = frame[TARGET].to_numpy().astype(int)
    fit_pos, val_pos = split_train_validation(frame, config)
    X_fit, y_fit = X.iloc[fit_pos], y[fit_pos]
    # A stratified cap on the validation rows: ranking, calibration and the threshold need
    # a few thousand positives at most, while predicting 340k rows (1.7M x 20%) through a
    # 600-tree model costs about a minute per pass on one core.
    val_pos = val_pos[stratified_subsample(y[val_pos], config.validation_rows, config.seed)]
    X_val, y_val = X.iloc[val_pos], y[val_pos]

    def pipeline(name: str) -> Any:
        return build_pipeline(
            name,
            seed=config.seed,
            n_jobs=config.n_jobs,
            sampler=sampler,
            domain_features=config.domain_features,
        )

    started = time.perf_counter()
    comparison: list[dict[str, Any]] = []
    if config.strategy is not None:
        best = config.strategy
    else:
        sub = stratified_subsample(y_fit, config.compare_rows, config.seed)
        for name in config.strategies:
            t0 = time.perf_counter()
            try:
                pipe = pipeline(name).fit(X_fit.iloc[sub], y_fit[sub])
            except ValueError as error:
                # e.g. a sampler ratio the data already exceeds: report it, rank the rest.
                comparison.append({"strategy": name, "error": str(error)})
                continue
            proba = pipe.predict_proba(X_val)[:, 1]
            comparison.append(
                {
                    "strategy": name,
                    "description": STRATEGIES[name].description,
                    "validation_pr_auc": float(average_precision_score(y_val, proba)),
                    "validation_roc_auc": float(roc_auc_score(y_val, proba)),
                    "fit_rows": len(sub),
                    "seconds": round(time.perf_counter() - t0, 2),
                }
            )
        ranked = [row for row in comparison if "validation_pr_auc" in row]
        if not ranked:
            raise ValueError(f"no strategy could be fitted: {comparison}")
        best = max(ranked, key=lambda row: row["validation_pr_auc"])["strategy"]
    timings["compare_seconds"] = round(time.perf_counter() - started, 2)

    started = time.perf_counter()
    search: dict[str, Any] = {"strategy": best, "n_iter": config.search_iter}
    params: dict[str, Any] = {}
    if config.params is not None:
        if config.strategy is None:
            raise ValueError("BackorderConfig.params needs BackorderConfig.strategy")
        params = dict(config.params)
        search.update(method="fixed (given)", n_iter=0, best_params=params)
    elif config.search_iter > 0 and STRATEGIES[best].space:
        sub = stratified_subsample(y_fit, config.search_rows, config.seed)
        space = _feasible_space(STRATEGIES[best].space, y_fit)
        if not config.domain_features:
            space.pop("features__enabled", None)
        # Rounds until one candidate is left, the last on every search row; but the first
        # round never below ~20 positives per training fold (average precision on a
        # handful of positives is noise).
        rounds = 1 + int(np.log(config.search_iter) / np.log(config.search_factor) + 1e-9)
        min_rows = max(len(sub) // config.search_factor ** (rounds - 1), 1)
        positives_per_row = max(float(y_fit[sub].mean()), 1e-9)
        floor = int(20 * config.cv_folds / positives_per_row / (config.cv_folds - 1))
        min_rows = min(len(sub), max(min_rows, floor))
        searcher = HalvingRandomSearchCV(
            pipeline(best),
            space,
            n_candidates=config.search_iter,
            factor=config.search_factor,
            resource="n_samples",
            min_resources=min_rows,
            max_resources=len(sub),
            scoring="average_precision",
            cv=StratifiedKFold(config.cv_folds, shuffle=True, random_state=config.seed),
            refit=False,
            random_state=config.seed,
            n_jobs=1,
        )
        searcher.fit(X_fit.iloc[sub], y_fit[sub])
        params = {k: _plain(v) for k, v in searcher.best_params_.items()}
        search.update(
            method="successive halving",
            rows=len(sub),
            cv_folds=config.cv_folds,
            rounds=int(searcher.n_iterations_),
            candidates_per_round=[int(n) for n in searcher.n_candidates_],
            rows_per_round=[int(n) for n in searcher.n_resources_],
            best_cv_pr_auc=float(searcher.best_score_),
            best_params=params,
        )
    timings["search_seconds"] = round(time.perf_counter() - started, 2)

    started = time.perf_counter()
    keep = capped_rows(y_fit, config.fit_rows, config.seed)
    pipe = pipeline(best).set_params(**params).fit(X_fit.iloc[keep], y_fit[keep])
    timings["refit_seconds"] = round(time.perf_counter() - started, 2)

    started = time.perf_counter()
    # Validation rows are predicted as few times as possible: at 1.7M rows they are 340k,
    # and every pass through a 600-tree model costs tens of seconds.
    if config.calibration in ("sigmoid", "isotonic"):
        estimator: Any = CalibratedClassifierCV(FrozenEstimator(pipe), method=config.calibration)
        estimator.fit(X_val, y_val)
        if config.calibration == "isotonic":
            raw_val = pipe.predict_proba(X_val)[:, 1]
            val_proba = _out_of_fold_isotonic(raw_val, y_val, config.seed)
        else:
            # Two parameters and strictly monotone: choosing the threshold on its in-sample
            # output is choosing it on the raw ranking, nothing is overfitted.
            val_proba = estimator.predict_proba(X_val)[:, 1]
    elif config.calibration == "none":
        estimator, val_proba = pipe, pipe.predict_proba(X_val)[:, 1]
    else:
        raise ValueError(f"unknown calibration {config.calibration!r}")
    choice = choose_threshold(y_val, val_proba, goal=config.goal, min_recall=config.min_recall)
    timings["calibrate_seconds"] = round(time.perf_counter() - started, 2)

    started = time.perf_counter()
    importance = _importance(estimator, X_val, y_val, config)
    timings["importance_seconds"] = round(time.perf_counter() - started, 2)

    medians = X_fit.median(skipna=True).astype(float)
    model = BackorderModel(
        estimator=estimator,
        threshold=choice,
        strategy=best,
        params=params,
        medians={k: (0.0 if np.isnan(v) else float(v)) for k, v in medians.items()},
        medium_ratio=config.medium_ratio,
        positive_rate=float(y.mean()),
        versions=library_versions(),
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        threads=config.threads,
    )
    validation = scores_at(y_val, val_proba, choice.threshold)
    return FitResult(
        model=model,
        comparison=comparison,
        search=search,
        validation=validation,
        feature_importance=importance,
        split={
            "fit_rows": len(fit_pos),
            "refit_rows": len(keep),
            "validation_rows": len(val_pos),
        },
        timings=timings,
    )


def _feasible_space(space: dict[str, Any], y: np.ndarray) -> dict[str, Any]:
    """Drop sampler ratios the data already exceeds (imblearn rejects them).

    A ratio is minority/majority after resampling; asking for less than the data already
    has is an error, not a no-op.
    """
    key = "sample__sampling_strategy"
    if key not in space:
        return space
    positives = int(y.sum())
    ratio = positives / max(1, len(y) - positives)
    options = [r for r in space[key] if r > ratio * 1.05]
    return {k: v for k, v in space.items() if k != key} | ({key: options} if options else {})


def _out_of_fold_isotonic(raw: np.ndarray, y: np.ndarray, seed: int, folds: int = 5) -> np.ndarray:
    """Calibrated validation probabilities where no row calibrates itself.

    The final calibrator is fitted on all validation rows; choosing the threshold on its
    in-sample output would reward isotonic overfitting. Out-of-fold outputs are an honest
    stand-in with the same shape.
    """
    out = np.empty_like(raw, dtype=float)
    n_splits = max(2, min(folds, int(y.sum())))
    for train_idx, test_idx in StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(
        raw, y
    ):
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
        iso.fit(raw[train_idx], y[train_idx])
        out[test_idx] = iso.predict(raw[test_idx])
    return out


def _importance(
    estimator: Any, X_val: pd.DataFrame, y_val: np.ndarray, config: BackorderConfig
) -> list[dict[str, Any]]:
    if config.importance_rows <= 0:
        return []
    sub = stratified_subsample(y_val, config.importance_rows, config.seed)
    result = permutation_importance(
        estimator,
        X_val.iloc[sub],
        y_val[sub],
        scoring="average_precision",
        n_repeats=config.importance_repeats,
        random_state=config.seed,
        n_jobs=config.n_jobs,
    )
    rows = [
        {"feature": name, "importance_mean": float(mean), "importance_std": float(std)}
        for name, mean, std in zip(
            X_val.columns, result.importances_mean, result.importances_std, strict=True
        )
    ]
    return sorted(rows, key=lambda row: row["importance_mean"], reverse=True)


def _plain(value: Any) -> Any:
    """Turn numpy scalars into Python scalars, so params survive JSON."""
    return value.item() if isinstance(value, np.generic) else value


def library_versions() -> dict[str, str]:
    """Versions that decide whether a saved model can be loaded and trusted."""
    versions = {"python": platform.python_version()}
    for package in ("stockcast", "scikit-learn", "imbalanced-learn", "numpy", "pandas", "joblib"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "unknown"
    return versions


def save_model(model: BackorderModel, path: str | Path) -> Path:
    """Write a model artifact (joblib, compressed) with its format and library versions.

    Args:
        model: A fitted model.
        path: Target file, conventionally ``<artifacts_dir>/backorder/model-<stamp>.joblib``.

    Returns:
        The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": ARTIFACT_FORMAT,
        "format_version": ARTIFACT_VERSION,
        "versions": model.versions,
        "model": model,
    }
    joblib.dump(payload, path, compress=3)
    return path


def load_model(path: str | Path) -> BackorderModel:
    """Read an artifact written by :func:`save_model`.

    Raises:
        ValueError: The file is not a backorder model or has a newer format.

    Warns:
        UserWarning: scikit-learn or imbalanced-learn differ from training time (pickled
            estimators are only guaranteed to behave the same on the same versions).
    """
    payload = joblib.load(Path(path))
    if not isinstance(payload, dict) or payload.get("format") != ARTIFACT_FORMAT:
        raise ValueError(f"{path}: not a stockcast backorder model artifact")
    if payload["format_version"] > ARTIFACT_VERSION:
        raise ValueError(
            f"{path}: artifact format {payload['format_version']} is newer than this code "
            f"({ARTIFACT_VERSION}); upgrade stockcast"
        )
    now = library_versions()
    for package in ("scikit-learn", "imbalanced-learn"):
        saved = payload["versions"].get(package)
        if saved != now[package]:
            warnings.warn(
                f"{path}: trained with {package} {saved}, running {now[package]}; "
                "retrain if predictions look wrong",
                UserWarning,
                stacklevel=2,
            )
    return payload["model"]


def score_frame(model: BackorderModel, frame: pd.DataFrame) -> pd.DataFrame:
    """Score many SKUs: ``sku, probability, risk_band, at_risk`` (one row per input row)."""
    proba = model.predict_proba(frame)
    return pd.DataFrame(
        {
            SKU: frame[SKU].to_numpy(),
            "probability": proba,
            "risk_band": model.band(proba),
            "at_risk": proba >= model.threshold.threshold,
        },
        index=frame.index,
    )


def predict_one(
    model: BackorderModel, sku_features: Mapping[str, Any], *, top: int = 3
) -> dict[str, Any]:
    """Score one SKU and say which of its features drive the risk.

    A driver's contribution is how much the probability drops (or rises) when that
    feature alone is replaced by its training median: model-agnostic, no SHAP needed,
    and it reads as "without this, the risk would be X points lower".

    Args:
        model: A fitted model.
        sku_features: Raw values in the public schema (``"Yes"``/``"No"`` or booleans for
            flags, ``-99`` / None for unknown performance or lead time). ``sku`` optional.
        top: Number of drivers returned.

    Returns:
        ``{"sku", "probability", "risk_band", "at_risk", "threshold", "drivers": [{"feature",
        "value", "reference", "contribution"}]}``, drivers by descending absolute
        contribution.

    Raises:
        ValueError: Unknown feature names or values the loader would quarantine.
    """
    unknown = sorted(set(sku_features) - set(FEATURE_COLUMNS) - {SKU, TARGET})
    if unknown:
        raise ValueError(f"unknown backorder feature(s): {', '.join(unknown)}")
    raw = {SKU: str(sku_features.get(SKU, "<input>"))}
    for column in FEATURE_COLUMNS:
        raw[column] = _as_text(column, sku_features.get(column))
    parsed = parse_backorder_frame(
        pd.DataFrame([raw], index=[1]), source="predict_one", require_target=False
    )
    if len(parsed.quarantine):
        reasons = "; ".join(
            f"{r.column}={r.value!r}: {r.reason}" for r in parsed.quarantine.itertuples()
        )
        raise ValueError(f"invalid SKU features: {reasons}")
    explained = explain_frame(model, parsed.frame, top=top)
    first = explained.iloc[0]
    return {
        SKU: raw[SKU],
        "probability": float(first["probability"]),
        "risk_band": str(first["risk_band"]),
        "at_risk": bool(first["at_risk"]),
        "threshold": model.threshold.threshold,
        "drivers": first["drivers"],
    }


def explain_frame(
    model: BackorderModel, frame: pd.DataFrame, *, top: int = 3, chunk_rows: int = 2_000
) -> pd.DataFrame:
    """Probability, band and top drivers for every row of a parsed frame, in batches.

    The risk table scores every SKU: one ``predict_one`` per SKU pays the model's fixed
    per-call cost 10,000 times (minutes at 10,000 SKUs), while stacking each row with its
    median-replaced variants and predicting them together costs one pass. The numbers are
    exactly ``predict_one``'s (a test checks it).

    Args:
        model: A fitted model.
        frame: Clean rows in the public schema (parsed: flags 0/1, NaN for unknown).
        top: Drivers kept per row.
        chunk_rows: Rows explained per model call (each becomes ``1 + features`` rows).

    Returns:
        Columns ``probability, risk_band, at_risk, drivers`` (a list of dicts as in
        :func:`predict_one`), aligned with ``frame``'s order.
    """
    X = features(frame).reset_index(drop=True)
    n_features = len(FEATURE_COLUMNS)
    medians = np.array([model.medians[c] for c in FEATURE_COLUMNS], dtype="float32")
    probabilities = np.empty(len(X))
    contributions = np.empty((len(X), n_features))
    for start in range(0, len(X), chunk_rows):
        block = X.iloc[start : start + chunk_rows].to_numpy(dtype="float32")
        n = len(block)
        # Row 0 of each group is the SKU as it is; row 1 + j has feature j at its median.
        stacked = np.repeat(block, 1 + n_features, axis=0).reshape(n, 1 + n_features, -1)
        idx = np.arange(n_features)
        stacked[:, 1 + idx, idx] = medians
        proba = model._proba(
            pd.DataFrame(stacked.reshape(-1, n_features), columns=list(FEATURE_COLUMNS))
        ).reshape(n, 1 + n_features)
        probabilities[start : start + n] = proba[:, 0]
        contributions[start : start + n] = proba[:, :1] - proba[:, 1:]
    values = X.to_numpy(dtype=float)
    drivers = []
    for i in range(len(X)):
        order = np.argsort(-np.abs(contributions[i]), kind="stable")[:top]
        drivers.append(
            [
                {
                    "feature": FEATURE_COLUMNS[j],
                    "value": None
                    if np.isnan(values[i, j])
                    else _display(FEATURE_COLUMNS[j], float(values[i, j])),
                    "reference": _display(FEATURE_COLUMNS[j], model.medians[FEATURE_COLUMNS[j]]),
                    "contribution": float(contributions[i, j]),
                }
                for j in order
            ]
        )
    return pd.DataFrame(
        {
            "probability": probabilities,
            "risk_band": [str(b) for b in model.band(probabilities)],
            "at_risk": probabilities >= model.threshold.threshold,
            "drivers": drivers,
        }
    )


def _as_text(column: str, value: Any) -> str:
    """One raw value as the loader would read it from a csv cell."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    # Already-parsed flags (True/False, 1/0) map back to the file's spelling; anything
    # else (2, 0.5) is passed on and quarantined as an invalid flag.
    numeric = isinstance(value, bool | int | float | np.number)
    if column in FLAG_COLUMNS and numeric and value in (0, 1):
        return "Yes" if value else "No"
    return str(value)


def _display(column: str, value: float) -> float | str:
    if column in FLAG_COLUMNS:
        return "Yes" if value >= 0.5 else "No"
    return value
