"""Model selection from backtest rows, per SKU with a per-class fallback.

Only backtest rows are read; they end before any evaluation window by construction, so
selection cannot see the holdout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.forecasting.models import REGISTRY


def score_rows(backtest: pd.DataFrame) -> pd.DataFrame:
    """Per ``sku, model`` absolute error sum, actual sum and count over scored rows."""
    rows = backtest.dropna(subset=["y", "y_hat"])
    err = (rows["y"] - rows["y_hat"]).abs()
    return (
        pd.DataFrame(
            {"sku": rows["sku"], "model": rows["model"], "abs_err": err, "abs_y": rows["y"].abs()}
        )
        .groupby(["sku", "model"], sort=True)
        .agg(abs_err=("abs_err", "sum"), abs_y=("abs_y", "sum"), n=("abs_err", "size"))
        .reset_index()
    )


def select_models(
    backtest: pd.DataFrame,
    classes: pd.DataFrame,
    *,
    mode: str = "sku",
    min_improvement: float = 0.05,
) -> pd.DataFrame:
    """Choose one model per SKU.

    Per class, the winner is the model with the lowest WAPE on the SKUs where every
    candidate was backtested (so expensive models sampled on a few SKUs are compared on the
    same SKUs). In ``sku`` mode a SKU keeps its own best model only if it beats the class
    winner's MAE on that SKU by ``min_improvement`` (5%): four origins are a small sample,
    and shrinking towards the class winner avoids chasing noise.

    Args:
        backtest: long rows ``sku, model, cutoff, date, horizon, y, y_hat``.
        classes: ``sku, demand_class`` for every SKU to select for.
        mode: ``sku`` (per SKU with shrinkage) or ``class`` (class winner for all).
        min_improvement: relative MAE gain a SKU's own best needs over the class winner.

    Returns:
        ``sku, demand_class, model, reason`` (reason: ``sku_best``, ``class_winner``,
        ``no_backtest``); SKUs without any backtest rows get model NaN.
    """
    if mode not in ("sku", "class"):
        raise ValueError(f"mode must be 'sku' or 'class', got {mode!r}")
    scores = score_rows(backtest).merge(classes[["sku", "demand_class"]], on="sku")
    winners: dict[str, str] = {}
    for cls, grp in scores.groupby("demand_class"):
        wide = grp.pivot(index="sku", columns="model", values="abs_err")
        models = list(wide.columns)
        full = wide.dropna()
        if full.empty:  # no SKU with every candidate: compare on what each model has
            ys = grp.groupby("model")["abs_y"].sum()
            wape = grp.groupby("model")["abs_err"].sum() / ys.where(ys > 0)
        else:
            ys = grp.pivot(index="sku", columns="model", values="abs_y").loc[full.index]
            wape = full.sum() / ys.iloc[:, 0].sum() if ys.iloc[:, 0].sum() > 0 else full.sum()
        wape = wape.reindex(models)
        winners[str(cls)] = str(wape.idxmin()) if wape.notna().any() else str(wape.index[0])

    mae = scores.assign(mae=scores["abs_err"] / scores["n"])
    out = classes[["sku", "demand_class"]].copy()
    out["model"] = out["demand_class"].map(winners)
    out["reason"] = np.where(out["model"].notna(), "class_winner", "no_backtest")
    if mode == "sku" and not mae.empty:
        best = mae.loc[mae.groupby("sku")["mae"].idxmin(), ["sku", "model", "mae"]]
        best = best.rename(columns={"model": "best_model", "mae": "best_mae"})
        out = out.merge(best, on="sku", how="left")
        winner_mae = mae.rename(columns={"model": "win_model", "mae": "win_mae"})[
            ["sku", "win_model", "win_mae"]
        ]
        out = out.merge(
            winner_mae, left_on=["sku", "model"], right_on=["sku", "win_model"], how="left"
        )
        take = (
            out["best_model"].notna()
            & (out["win_mae"].isna() | (out["best_mae"] < (1 - min_improvement) * out["win_mae"]))
            & (out["best_model"] != out["model"])
        )
        out.loc[take, "model"] = out.loc[take, "best_model"]
        out.loc[take, "reason"] = "sku_best"
        out = out[["sku", "demand_class", "model", "reason"]]
    return out.reset_index(drop=True)


def class_winners(selection: pd.DataFrame) -> dict[str, str]:
    """Most frequent selected model per class (for reporting)."""
    return (
        selection.dropna(subset=["model"])
        .groupby("demand_class")["model"]
        .agg(lambda s: s.value_counts().index[0])
        .to_dict()
    )


def best_cheap_per_class(backtest: pd.DataFrame, classes: pd.DataFrame) -> dict[str, str]:
    """Lowest-WAPE non-expensive model per class (the fallback when a budget is spent)."""
    scores = score_rows(backtest).merge(classes[["sku", "demand_class"]], on="sku")
    scores = scores[scores["model"].map(lambda m: not REGISTRY[m].expensive)]
    out = {}
    for cls, grp in scores.groupby("demand_class"):
        agg = grp.groupby("model")[["abs_err", "abs_y"]].sum()
        out[str(cls)] = str(
            (agg["abs_err"] / agg["abs_y"].where(agg["abs_y"] > 0)).fillna(np.inf).idxmin()
        )
    return out
