"""Threshold choice and the numbers a backorder report shows, as small pure functions."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

Goal = Literal["f1", "recall"]


@dataclass(frozen=True)
class ThresholdChoice:
    """A decision threshold and what it achieved on the data it was chosen on."""

    threshold: float
    goal: str
    precision: float
    recall: float
    f1: float
    min_recall: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON reports."""
        return asdict(self)


def choose_threshold(
    y_true: np.ndarray, proba: np.ndarray, *, goal: Goal = "f1", min_recall: float = 0.8
) -> ThresholdChoice:
    """Pick the probability cut-off that flags a SKU as at risk.

    Call it on validation data only: a threshold tuned on the test set makes the test
    F1 a training number.

    Args:
        y_true: 0/1 labels.
        proba: Predicted probabilities of a backorder.
        goal: ``"f1"`` maximises F1; ``"recall"`` takes the most precise threshold whose
            recall is at least ``min_recall`` (planners who would rather over-check than
            miss a backorder).
        min_recall: Used by ``goal="recall"``.

    Returns:
        The threshold and its precision, recall and F1 on ``(y_true, proba)``.
    """
    y_true = np.asarray(y_true).astype(int)
    proba = np.asarray(proba, dtype=float)
    if y_true.sum() == 0:
        raise ValueError("cannot choose a threshold without any positive example")
    precision, recall, thresholds = precision_recall_curve(y_true, proba)
    # The last (precision=1, recall=0) point has no threshold.
    precision, recall = precision[:-1], recall[:-1]
    f1 = np.divide(
        2 * precision * recall,
        precision + recall,
        out=np.zeros_like(precision),
        where=(precision + recall) > 0,
    )
    if goal == "f1":
        best = int(np.argmax(f1))
    elif goal == "recall":
        ok = np.flatnonzero(recall >= min_recall)
        # recall >= min_recall always holds at the lowest threshold (recall 1).
        best = int(ok[np.argmax(precision[ok])])
    else:
        raise ValueError(f"unknown threshold goal {goal!r} (expected 'f1' or 'recall')")
    return ThresholdChoice(
        threshold=float(thresholds[best]),
        goal=goal,
        precision=float(precision[best]),
        recall=float(recall[best]),
        f1=float(f1[best]),
        min_recall=min_recall if goal == "recall" else None,
    )


def scores_at(y_true: np.ndarray, proba: np.ndarray, threshold: float) -> dict[str, Any]:
    """Ranking metrics plus the confusion matrix at one threshold.

    Args:
        y_true: 0/1 labels.
        proba: Predicted probabilities.
        threshold: A SKU is flagged when ``proba >= threshold``.

    Returns:
        ``roc_auc``, ``pr_auc`` (average precision), ``precision``, ``recall``, ``f1``,
        ``threshold``, ``confusion_matrix`` (tn/fp/fn/tp), ``rows``, ``positives``.
    """
    y_true = np.asarray(y_true).astype(int)
    proba = np.asarray(proba, dtype=float)
    flagged = (proba >= threshold).astype(int)
    tn, fp, fn, tp = confusion_matrix(y_true, flagged, labels=[0, 1]).ravel()
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    both = 0 < y_true.sum() < len(y_true)
    return {
        "roc_auc": float(roc_auc_score(y_true, proba)) if both else None,
        "pr_auc": float(average_precision_score(y_true, proba)) if both else None,
        "threshold": float(threshold),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "confusion_matrix": {"tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)},
        "rows": len(y_true),
        "positives": int(y_true.sum()),
    }


def curves(y_true: np.ndarray, proba: np.ndarray, *, max_points: int = 200) -> dict[str, Any]:
    """ROC and precision-recall points, thinned for a report page to plot.

    Args:
        y_true: 0/1 labels.
        proba: Predicted probabilities.
        max_points: Upper bound on points per curve (ends are always kept).

    Returns:
        ``{"roc": {"fpr", "tpr", "thresholds"}, "pr": {"recall", "precision",
        "thresholds"}}`` as lists of floats.
    """
    fpr, tpr, roc_thr = roc_curve(y_true, proba)
    precision, recall, pr_thr = precision_recall_curve(y_true, proba)
    # pr thresholds are one shorter than the points; pad so the lists line up.
    pr_thr = np.append(pr_thr, 1.0)
    roc_keep = _thin(len(fpr), max_points)
    pr_keep = _thin(len(recall), max_points)
    return {
        "roc": {
            "fpr": _floats(fpr[roc_keep]),
            "tpr": _floats(tpr[roc_keep]),
            "thresholds": _floats(np.minimum(roc_thr[roc_keep], 1.0)),
        },
        "pr": {
            "recall": _floats(recall[pr_keep]),
            "precision": _floats(precision[pr_keep]),
            "thresholds": _floats(pr_thr[pr_keep]),
        },
    }


def _thin(n: int, max_points: int) -> np.ndarray:
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, max_points).round().astype(int))


def _floats(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in values]
