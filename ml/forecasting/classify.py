"""Demand-pattern classification (Syntetos-Boylan): smooth, erratic, intermittent, lumpy.

ADI is the average number of periods between non-zero demands; CV² is the squared
coefficient of variation of the non-zero demand sizes. The cut-offs 1.32 and 0.49 are the
Syntetos-Boylan-Croston ones: above ADI 1.32 Croston-type methods beat exponential
smoothing, which is why selection gives intermittent and lumpy SKUs an intermittent
candidate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
DEMAND_CLASSES = ("smooth", "erratic", "intermittent", "lumpy")
#: Extra classes for series that cannot be classified (they get fallbacks and a flag).
DEGENERATE_CLASSES = ("all_zero", "short_history")


def adi_cv2(quantity: np.ndarray) -> tuple[float, float]:
    """ADI and CV² of one demand history (NaN days, i.e. censored, are ignored)."""
    q = np.asarray(quantity, dtype=float)
    q = q[~np.isnan(q)]
    nz = q[q > 0]
    if nz.size == 0:
        return float("inf"), float("nan")
    adi = q.size / nz.size
    mean = nz.mean()
    cv2 = float((nz.std(ddof=0) / mean) ** 2) if nz.size > 1 else 0.0
    return float(adi), cv2


def classify_pattern(adi: float, cv2: float) -> str:
    """Map ADI and CV² to a Syntetos-Boylan class."""
    if adi < ADI_CUTOFF:
        return "smooth" if cv2 < CV2_CUTOFF else "erratic"
    return "intermittent" if cv2 < CV2_CUTOFF else "lumpy"


def classify_demand(
    frame: pd.DataFrame,
    *,
    min_history: int = 56,
    window: int | None = 365,
) -> pd.DataFrame:
    """Classify every SKU of a long frame.

    Args:
        frame: long rows ``sku, date, quantity``; censored days may be NaN.
        min_history: SKUs with fewer days are classed ``short_history`` (too little to
            classify or backtest).
        window: classify on the most recent ``window`` days only (patterns drift); None
            uses the whole history.

    Returns:
        One row per SKU: ``sku, adi, cv2, n_days, demand_class``.
    """
    f = frame.sort_values(["sku", "date"])
    if window is not None:
        f = f.groupby("sku", sort=False).tail(window)
    q = f["quantity"].astype(float)
    obs = q.notna()
    pos = q > 0
    g = pd.DataFrame(
        {
            "sku": f["sku"].to_numpy(),
            "obs": obs.to_numpy(),
            "pos": pos.to_numpy(),
            "nz": q.where(pos).to_numpy(),
        }
    )
    agg = g.groupby("sku", sort=True).agg(
        n_obs=("obs", "sum"),
        n_pos=("pos", "sum"),
        mean_nz=("nz", "mean"),
        std_nz=("nz", lambda s: s.std(ddof=0)),
    )
    n_days = frame.groupby("sku", sort=True).size().reindex(agg.index)
    adi = agg["n_obs"] / agg["n_pos"].replace(0, np.nan)
    cv2 = (agg["std_nz"] / agg["mean_nz"]) ** 2
    cv2 = cv2.fillna(0.0)
    cls = np.where(
        adi < ADI_CUTOFF,
        np.where(cv2 < CV2_CUTOFF, "smooth", "erratic"),
        np.where(cv2 < CV2_CUTOFF, "intermittent", "lumpy"),
    )
    cls = np.where(agg["n_pos"] == 0, "all_zero", cls)
    cls = np.where(n_days.to_numpy() < min_history, "short_history", cls)
    return pd.DataFrame(
        {
            "sku": agg.index,
            "adi": adi.to_numpy(),
            "cv2": cv2.to_numpy(),
            "n_days": n_days.to_numpy(),
            "demand_class": cls,
        }
    ).reset_index(drop=True)
