"""Reorder alerts as pure logic: conditions in, the updated alert table out.

Lifecycle: ``open -> acknowledged -> resolved``. The pipeline opens, updates and resolves
alerts; planners acknowledge or resolve them from the dashboard. Rules:

* One live (open or acknowledged) alert per SKU and type: a re-run updates it in place.
* A live alert whose condition is gone is resolved by ``system``.
* What a planner set is never overwritten: an acknowledged alert stays acknowledged while its
  condition holds (it is only resolved, by ``system``, once the condition clears, keeping
  ``acknowledged_by``), and a planner-resolved alert is never reopened or edited. While the
  condition it was about still holds, no new alert of that SKU and type is opened (the
  planner dismissed it); once the condition clears, a later occurrence opens a new alert.
* ``alert_id`` is a hash of (sku, alert_type, created_at): the same run gives the same ids.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from ml.policy.config import PolicyConfig

ALERT_TYPES = (
    "below_reorder_point",
    "stockout_before_replenishment",
    "high_backorder_risk",
    "excess_stock",
)
SEVERITY = {
    "stockout_before_replenishment": "critical",
    "below_reorder_point": "warning",
    "high_backorder_risk": "warning",
    "excess_stock": "info",
}
LIVE_STATUSES = ("open", "acknowledged")
SYSTEM = "system"
CONDITION_COLUMNS = [
    "sku",
    "alert_type",
    "severity",
    "message",
    "suggested_order_qty",
    "projected_stockout_date",
]
ALERT_COLUMNS = [
    "alert_id",
    "sku",
    "alert_type",
    "severity",
    "status",
    "created_at",
    "updated_at",
    "message",
    "suggested_order_qty",
    "projected_stockout_date",
    "condition_active",
    "acknowledged_at",
    "acknowledged_by",
    "resolved_at",
    "resolved_by",
]
_PAYLOAD = ["severity", "message", "suggested_order_qty", "projected_stockout_date"]


def make_alert_id(sku: str, alert_type: str, created_at: pd.Timestamp) -> str:
    """Deterministic alert id: first 16 hex digits of sha1("sku|type|created_at ISO")."""
    key = f"{sku}|{alert_type}|{pd.Timestamp(created_at).isoformat()}"
    return hashlib.sha1(key.encode()).hexdigest()[:16]


def empty_alerts() -> pd.DataFrame:
    """An alert table with no rows and the right columns (for the first run)."""
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in ALERT_COLUMNS})
    for col in (
        "created_at",
        "updated_at",
        "acknowledged_at",
        "resolved_at",
        "projected_stockout_date",
    ):
        frame[col] = pd.Series(dtype="datetime64[ns]")
    frame["suggested_order_qty"] = pd.Series(dtype=float)
    frame["condition_active"] = pd.Series(dtype=bool)
    return frame


def alert_conditions(
    recommendations: pd.DataFrame, config: PolicyConfig | None = None
) -> pd.DataFrame:
    """Which alert conditions hold now, one row per (sku, alert_type), from recommendations.

    * ``below_reorder_point``: inventory position <= reorder point.
    * ``stockout_before_replenishment`` (critical): the projected stockout date comes before
      an order placed today could arrive (as_of + mean lead time).
    * ``high_backorder_risk``: ``backorder_risk`` >= ``config.backorder_risk_threshold``.
    * ``excess_stock``: position > order-up-to + ``config.excess_stock_days`` days of demand.
    """
    config = config or PolicyConfig()
    r = recommendations.reset_index(drop=True)
    ip = r["inventory_position"].to_numpy(dtype=float)
    rop = r["reorder_point"].to_numpy(dtype=float)
    d = r["avg_daily_demand"].to_numpy(dtype=float)
    stockout = pd.to_datetime(r["projected_stockout_date"])
    arrival = pd.to_datetime(r["as_of"]) + pd.to_timedelta(
        np.ceil(r["lead_time_mean"].astype(float)), unit="D"
    )
    risk = (
        r["backorder_risk"].astype(float)
        if "backorder_risk" in r
        else pd.Series(np.nan, index=r.index)
    )
    fmt = lambda x: np.char.mod("%.0f", np.nan_to_num(np.asarray(x, dtype=float)))  # noqa: E731
    sku = r["sku"].astype(str).to_numpy()
    masks = {
        "below_reorder_point": ip <= rop,
        "stockout_before_replenishment": (stockout.notna() & (stockout < arrival)).to_numpy(),
        "high_backorder_risk": (risk >= config.backorder_risk_threshold).to_numpy(),
        "excess_stock": ip > r["order_up_to"].to_numpy(dtype=float) + config.excess_stock_days * d,
    }
    messages = {
        "below_reorder_point": np.char.add(
            np.char.add(
                np.char.add("Inventory position ", fmt(ip)), " is at or below the reorder point "
            ),
            fmt(rop),
        ),
        "stockout_before_replenishment": np.char.add(
            np.char.add(
                "Projected stockout on ",
                stockout.dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=str),
            ),
            " before a new order could arrive",
        ),
        "high_backorder_risk": np.char.add(
            "Backorder risk ", np.char.mod("%.0f%%", np.nan_to_num(risk.to_numpy() * 100))
        ),
        "excess_stock": np.char.add(
            np.char.add("Inventory position ", fmt(ip)),
            " exceeds need by more than the excess threshold",
        ),
    }
    parts = []
    for alert_type, mask in masks.items():
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            continue
        parts.append(
            pd.DataFrame(
                {
                    "sku": sku[mask],
                    "alert_type": alert_type,
                    "severity": SEVERITY[alert_type],
                    "message": messages[alert_type][mask],
                    "suggested_order_qty": r["suggested_order_qty"].to_numpy(dtype=float)[mask],
                    "projected_stockout_date": stockout.to_numpy()[mask],
                }
            )
        )
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CONDITION_COLUMNS})
    return pd.concat(parts, ignore_index=True)


def _is_aware(values: pd.Series) -> bool:
    return isinstance(values.dtype, pd.DatetimeTZDtype) or any(
        getattr(v, "tzinfo", None) is not None for v in values.dropna().head(1)
    )


def _naive_utc(values: pd.Series) -> pd.Series:
    """Timestamps as naive UTC, so rows read back from a timestamptz column compare."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").dt.tz_localize(None)
    return values


def _normalise(existing: pd.DataFrame | None) -> pd.DataFrame:
    if existing is None or existing.empty:
        return empty_alerts()
    out = existing.copy()
    for col in ALERT_COLUMNS:
        if col not in out:
            out[col] = True if col == "condition_active" else None
    for col in (
        "created_at",
        "updated_at",
        "acknowledged_at",
        "resolved_at",
        "projected_stockout_date",
    ):
        out[col] = _naive_utc(pd.to_datetime(out[col], utc=_is_aware(out[col])))
    out["condition_active"] = out["condition_active"].fillna(True).astype(bool)
    return out[ALERT_COLUMNS + [c for c in out.columns if c not in ALERT_COLUMNS]]


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise equality where two missing values count as equal."""
    return ((a == b) | (a.isna() & b.isna())).to_numpy()


def update_alerts(
    existing: pd.DataFrame | None, conditions: pd.DataFrame, now: pd.Timestamp
) -> pd.DataFrame:
    """Apply one run's conditions to the alert table (see the module docstring for rules).

    Args:
        existing: The alert table as last stored (planner edits included), or None.
        conditions: Conditions holding now: sku, alert_type, severity, message,
            suggested_order_qty, projected_stockout_date (e.g. :func:`alert_conditions`).
        now: Time of this run; becomes created_at / updated_at / resolved_at. All times are
            kept as naive UTC (aware inputs are converted).

    Returns:
        The full alert table (history kept), with columns ``ALERT_COLUMNS``.
    """
    now = pd.Timestamp(now)
    if now.tzinfo is not None:
        now = now.tz_convert("UTC").tz_localize(None)
    alerts = _normalise(existing)
    cond = conditions.copy()
    if "severity" not in cond:
        cond["severity"] = cond["alert_type"].map(SEVERITY)
    for col in CONDITION_COLUMNS:
        if col not in cond:
            cond[col] = None
    cond["sku"] = cond["sku"].astype(str)
    cond["projected_stockout_date"] = pd.to_datetime(cond["projected_stockout_date"])
    cond["suggested_order_qty"] = cond["suggested_order_qty"].astype(float)
    cond = cond.drop_duplicates(["sku", "alert_type"], keep="first").reset_index(drop=True)
    unknown = set(cond["alert_type"]) - set(ALERT_TYPES)
    if unknown:
        raise ValueError(f"unknown alert type(s) {sorted(unknown)}")

    alerts["sku"] = alerts["sku"].astype(str)
    # The head is the latest alert of each (sku, type): the only one a run may touch.
    order = alerts.sort_values("created_at", kind="stable")
    head_idx = order.drop_duplicates(["sku", "alert_type"], keep="last").index
    head = alerts.loc[head_idx, ["sku", "alert_type"]].reset_index(names="row")
    merged = head.merge(cond.reset_index(names="cond_row"), on=["sku", "alert_type"], how="outer")
    has_head = merged["row"].notna().to_numpy()
    has_cond = merged["cond_row"].notna().to_numpy()
    rows = merged["row"].to_numpy()
    head_rows = rows[has_head].astype(int)

    status = pd.Series(None, index=merged.index, dtype=object)
    status[has_head] = alerts.loc[head_rows, "status"].to_numpy()
    resolved_by = pd.Series(None, index=merged.index, dtype=object)
    resolved_by[has_head] = alerts.loc[head_rows, "resolved_by"].to_numpy()
    active_flag = np.zeros(len(merged), dtype=bool)
    active_flag[has_head] = alerts.loc[head_rows, "condition_active"].to_numpy(dtype=bool)
    live = has_head & status.isin(LIVE_STATUSES).to_numpy()
    planner_resolved = (
        has_head
        & (status == "resolved").to_numpy()
        & (resolved_by.fillna(SYSTEM) != SYSTEM).to_numpy()
    )

    # 1. Live alert, condition holds: refresh its payload, keep its status.
    upd = live & has_cond
    if upd.any():
        target = rows[upd].astype(int)
        src = cond.loc[merged["cond_row"].to_numpy()[upd].astype(int)]
        changed = np.zeros(len(target), dtype=bool)
        for col in _PAYLOAD:
            old = alerts.loc[target, col].reset_index(drop=True)
            new = src[col].reset_index(drop=True)
            changed |= ~_same(old, new)
            alerts.loc[target, col] = new.to_numpy()
        alerts.loc[target[changed], "updated_at"] = now
        alerts.loc[target, "condition_active"] = True
    # 2. Live alert, condition gone: resolved by the system.
    gone = live & ~has_cond
    if gone.any():
        target = rows[gone].astype(int)
        alerts.loc[target, "status"] = "resolved"
        alerts.loc[target, "resolved_at"] = now
        alerts.loc[target, "resolved_by"] = SYSTEM
        alerts.loc[target, "updated_at"] = now
        alerts.loc[target, "condition_active"] = False
    # 3. Planner-resolved head: only the condition bookkeeping moves, never the status.
    if planner_resolved.any():
        alerts.loc[rows[planner_resolved].astype(int), "condition_active"] = has_cond[
            planner_resolved
        ]
    # 4. New alerts: a condition with no live head, unless a planner dismissed it while the
    #    condition has held ever since.
    suppressed = planner_resolved & active_flag
    new = has_cond & ~live & ~suppressed
    if new.any():
        src = cond.loc[merged["cond_row"].to_numpy()[new].astype(int)].reset_index(drop=True)
        fresh = pd.DataFrame(
            {
                "alert_id": [
                    make_alert_id(s, t, now)
                    for s, t in zip(src["sku"], src["alert_type"], strict=True)
                ],
                "sku": src["sku"],
                "alert_type": src["alert_type"],
                "severity": src["severity"].fillna(src["alert_type"].map(SEVERITY)),
                "status": "open",
                "created_at": now,
                "updated_at": now,
                "message": src["message"],
                "suggested_order_qty": src["suggested_order_qty"],
                "projected_stockout_date": src["projected_stockout_date"],
                "condition_active": True,
                "acknowledged_at": pd.NaT,
                "acknowledged_by": None,
                "resolved_at": pd.NaT,
                "resolved_by": None,
            }
        )
        alerts = fresh if alerts.empty else pd.concat([alerts, fresh], ignore_index=True)
    return alerts.reset_index(drop=True)


def _planner_set(
    alerts: pd.DataFrame, alert_ids: list[str] | str, status: str, by: str, now: pd.Timestamp
) -> pd.DataFrame:
    if not by or by == SYSTEM:
        raise ValueError("a planner action needs the planner's name (not 'system')")
    ids = [alert_ids] if isinstance(alert_ids, str) else list(alert_ids)
    out = alerts.copy()
    target = out["alert_id"].isin(ids) & out["status"].isin(LIVE_STATUSES)
    out.loc[target, "status"] = status
    out.loc[target, "updated_at"] = pd.Timestamp(now)
    out.loc[target, f"{status}_at"] = pd.Timestamp(now)
    out.loc[target, f"{status}_by"] = by
    return out


def acknowledge(
    alerts: pd.DataFrame, alert_ids: list[str] | str, by: str, now: pd.Timestamp
) -> pd.DataFrame:
    """A planner acknowledges live alerts (the dashboard's action, as a pure function)."""
    return _planner_set(alerts, alert_ids, "acknowledged", by, now)


def resolve(
    alerts: pd.DataFrame, alert_ids: list[str] | str, by: str, now: pd.Timestamp
) -> pd.DataFrame:
    """A planner resolves (dismisses) live alerts; the pipeline will not reopen them."""
    return _planner_set(alerts, alert_ids, "resolved", by, now)
