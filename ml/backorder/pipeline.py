"""Candidate resampling strategies, each an ``imblearn.pipeline.Pipeline``.

Backorders are rare (under 1% of SKUs), so it is tempting to rebalance the data. Doing it
inside an imbalanced-learn pipeline is what keeps that honest: a sampler step runs only in
``fit`` (on training folds), and ``predict_proba`` on validation or test rows passes
straight through it. Every strategy here shares the same imputation step, so they differ
only in how the imbalance is handled.

Example:
    >>> pipe = build_pipeline("under", seed=0)
    >>> [name for name, _ in pipe.steps]
    ['impute', 'sample', 'model']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from imblearn.ensemble import BalancedBaggingClassifier, BalancedRandomForestClassifier
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import Pipeline
from imblearn.under_sampling import RandomUnderSampler
from scipy.stats import loguniform, randint
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer


def gradient_boosting(seed: int, **params: Any) -> HistGradientBoostingClassifier:
    """The shared classifier: sklearn's histogram gradient boosting.

    Chosen over LightGBM for the default because it needs no extra thread pool settings
    and handles 1.7M rows in well under a minute per fit on two cores; early stopping on
    an internal 10% split keeps ``max_iter`` from being a knob that must be searched.
    """
    defaults: dict[str, Any] = {
        "learning_rate": 0.1,
        "max_iter": 200,
        "max_leaf_nodes": 31,
        "min_samples_leaf": 40,
        "l2_regularization": 0.0,
        "early_stopping": True,
        "validation_fraction": 0.1,
        "n_iter_no_change": 10,
        "random_state": seed,
    }
    return HistGradientBoostingClassifier(**{**defaults, **params})


_GBM_SPACE: dict[str, Any] = {
    "model__learning_rate": loguniform(0.03, 0.3),
    "model__max_leaf_nodes": randint(15, 96),
    "model__min_samples_leaf": randint(20, 300),
    "model__l2_regularization": loguniform(1e-3, 10.0),
    "model__max_features": [0.5, 0.75, 1.0],
}


@dataclass(frozen=True)
class Strategy:
    """One way of handling the class imbalance.

    Attributes:
        name: Unique key, used in configs and reports.
        sampler: Builds the sampler step from a seed, or None for no resampling.
        model: Builds the classifier step from a seed and an ``n_jobs``.
        space: ``RandomizedSearchCV`` distributions over the pipeline's parameters.
        description: One line for reports.
    """

    name: str
    sampler: Callable[[int], Any] | None
    model: Callable[[int, int], Any]
    space: dict[str, Any] = field(default_factory=dict)
    description: str = ""


STRATEGIES: dict[str, Strategy] = {
    s.name: s
    for s in (
        Strategy(
            "none",
            None,
            lambda seed, n_jobs: gradient_boosting(seed),
            dict(_GBM_SPACE),
            "gradient boosting on the data as it is",
        ),
        Strategy(
            "under",
            lambda seed: RandomUnderSampler(sampling_strategy=0.1, random_state=seed),
            lambda seed, n_jobs: gradient_boosting(seed),
            {**_GBM_SPACE, "sample__sampling_strategy": [0.02, 0.05, 0.1, 0.2, 0.5]},
            "random under-sampling of the majority, then gradient boosting",
        ),
        Strategy(
            "smote",
            lambda seed: SMOTE(sampling_strategy=0.1, k_neighbors=5, random_state=seed),
            lambda seed, n_jobs: gradient_boosting(seed),
            {**_GBM_SPACE, "sample__sampling_strategy": [0.02, 0.05, 0.1, 0.2]},
            "SMOTE over-sampling of the minority, then gradient boosting",
        ),
        Strategy(
            "balanced_bagging",
            None,
            lambda seed, n_jobs: BalancedBaggingClassifier(
                estimator=gradient_boosting(seed, max_iter=150),
                n_estimators=10,
                sampler=RandomUnderSampler(),
                random_state=seed,
                n_jobs=n_jobs,
            ),
            {
                "model__n_estimators": [5, 10, 20],
                "model__estimator__learning_rate": loguniform(0.03, 0.3),
                "model__estimator__max_leaf_nodes": randint(7, 48),
                "model__estimator__min_samples_leaf": randint(5, 100),
            },
            "EasyEnsemble-style: gradient boosting on balanced under-samples, averaged",
        ),
        Strategy(
            "balanced_rf",
            None,
            lambda seed, n_jobs: BalancedRandomForestClassifier(
                n_estimators=200,
                min_samples_leaf=2,
                sampling_strategy="all",
                replacement=True,
                bootstrap=False,
                random_state=seed,
                n_jobs=n_jobs,
            ),
            {
                "model__n_estimators": [200, 300, 500],
                "model__min_samples_leaf": [1, 2, 5, 10],
                "model__max_features": ["sqrt", 0.3, 0.5],
            },
            "balanced random forest (each tree on a balanced bootstrap)",
        ),
    )
}


def build_pipeline(
    strategy: str | Strategy, *, seed: int = 0, n_jobs: int = 1, sampler: Any = None
) -> Pipeline:
    """Build the impute -> sample -> model pipeline of one strategy.

    Args:
        strategy: A name in :data:`STRATEGIES` or a :class:`Strategy`.
        seed: Seeds the sampler and the model.
        n_jobs: Parallelism for the ensemble strategies.
        sampler: Overrides the strategy's sampler step (tests use a spy here).

    Returns:
        An unfitted ``imblearn.pipeline.Pipeline`` with steps ``impute``, ``sample``,
        ``model``. ``sample`` is ``"passthrough"`` when nothing is resampled.
    """
    spec = STRATEGIES[strategy] if isinstance(strategy, str) else strategy
    if sampler is None and spec.sampler is not None:
        sampler = spec.sampler(seed)
    return Pipeline(
        [
            # Median is robust to the heavy tails of the quantity columns; the indicator
            # keeps "lead time unknown" / "no supplier record" as signals of their own.
            ("impute", SimpleImputer(strategy="median", add_indicator=True)),
            ("sample", sampler if sampler is not None else "passthrough"),
            ("model", spec.model(seed, n_jobs)),
        ]
    )
