"""Load the public product-backorder schema into a clean frame plus a quarantine frame.

The public files ("Can you predict product backorders?") are messy in known ways: integer
fields written as floats (``52.0``), ``-99`` meaning "unknown" in the two supplier
performance columns, blank ``lead_time`` and a one-line ``(N rows)`` footer. Those are
normalised here. Anything else that is wrong (text in a number, a flag that is not Yes/No,
no sku, a negative quantity) is not silently dropped: the row leaves the clean frame and
every problem is listed in the quarantine frame, so a planner can see what was not scored.

Example:
    >>> result = load_backorder_csv("train_sample.csv.gz")  # doctest: +SKIP
    >>> result.frame.shape, len(result.quarantine)  # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

SKU = "sku"
TARGET = "went_on_backorder"

#: Whole-number quantities that can never be negative.
COUNT_COLUMNS: tuple[str, ...] = (
    "in_transit_qty",
    "forecast_3_month",
    "forecast_6_month",
    "forecast_9_month",
    "sales_1_month",
    "sales_3_month",
    "sales_6_month",
    "sales_9_month",
    "min_bank",
    "pieces_past_due",
    "local_bo_qty",
)
#: Whole numbers that may be negative: stock on hand goes below zero when orders are owed.
SIGNED_COUNT_COLUMNS: tuple[str, ...] = ("national_inv",)
#: Lead time in weeks: non-negative, blank means unknown.
LEAD_TIME = "lead_time"
#: Supplier on-time share in [0, 1]; ``-99`` means unknown.
PERF_COLUMNS: tuple[str, ...] = ("perf_6_month_avg", "perf_12_month_avg")
PERF_UNKNOWN = -99.0
FLAG_COLUMNS: tuple[str, ...] = (
    "potential_issue",
    "deck_risk",
    "oe_constraint",
    "ppap_risk",
    "stop_auto_buy",
    "rev_stop",
)

#: Model inputs in the public column order (everything but sku and the label).
FEATURE_COLUMNS: tuple[str, ...] = (
    "national_inv",
    "lead_time",
    "in_transit_qty",
    "forecast_3_month",
    "forecast_6_month",
    "forecast_9_month",
    "sales_1_month",
    "sales_3_month",
    "sales_6_month",
    "sales_9_month",
    "min_bank",
    "potential_issue",
    "pieces_past_due",
    "perf_6_month_avg",
    "perf_12_month_avg",
    "local_bo_qty",
    "deck_risk",
    "oe_constraint",
    "ppap_risk",
    "stop_auto_buy",
    "rev_stop",
)
PUBLIC_COLUMNS: tuple[str, ...] = (SKU, *FEATURE_COLUMNS, TARGET)

QUARANTINE_COLUMNS: tuple[str, ...] = ("source", "row_number", "sku", "column", "value", "reason")

_FLAG_VALUES = {"yes": 1, "no": 0}
_FOOTER = re.compile(r"^\(\s*\d+\s+rows?\s*\)$")
_CHUNK_ROWS = 250_000


class BackorderSchemaError(ValueError):
    """A file cannot be read as the backorder schema at all (as opposed to bad rows)."""


@dataclass
class LoadResult:
    """What a load produced.

    Attributes:
        frame: Clean rows. ``sku`` as string, numbers as float64 (NaN = unknown), flags and
            the label as int8 0/1. Index is the source row number (1 = first data row).
        quarantine: One row per problem: ``source, row_number, sku, column, value, reason``.
        footer: The ``(N rows)`` footer line if the file had one, else None.
        source: File name (or label) the rows came from, for messages.
        rows_read: Data lines read (footer included): ``len(frame)`` plus the quarantined
            rows plus the footer accounts for every one of them.
    """

    frame: pd.DataFrame
    quarantine: pd.DataFrame
    footer: str | None = None
    source: str = "<frame>"
    rows_read: int = field(default=0)


def load_backorder_csv(
    path: str | Path, *, require_target: bool = True, chunk_rows: int = _CHUNK_ROWS
) -> LoadResult:
    """Read a backorder csv / csv.gz file in the public schema.

    Reads in chunks of text columns so that 1.7M-row files stay within a few hundred MiB
    and so that a bad value never makes pandas silently turn a whole column into objects.

    Args:
        path: A ``.csv`` or ``.csv.gz`` file (compression is inferred from the suffix).
        require_target: Training and evaluation need ``went_on_backorder``; scoring files
            may lack it.
        chunk_rows: Rows parsed per chunk.

    Returns:
        The clean frame and the quarantine frame.

    Raises:
        BackorderSchemaError: The file misses a required column (named in the message).
        FileNotFoundError: The file does not exist.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"backorder file not found: {path}")
    header = pd.read_csv(path, nrows=0).columns
    _check_columns(header, source=path.name, require_target=require_target)

    frames: list[pd.DataFrame] = []
    quarantines: list[pd.DataFrame] = []
    footer: str | None = None
    rows_read = 0

    def parse(chunk: pd.DataFrame, is_last: bool) -> None:
        nonlocal footer
        result = parse_backorder_frame(
            chunk,
            source=path.name,
            require_target=require_target,
            allow_footer=is_last,
            _checked=True,
        )
        footer = result.footer if is_last else footer
        frames.append(result.frame)
        quarantines.append(result.quarantine)

    reader = pd.read_csv(
        path, dtype=str, keep_default_na=False, chunksize=chunk_rows, skip_blank_lines=True
    )
    pending: pd.DataFrame | None = None
    with reader:
        # One chunk of look-ahead: only the file's last row may be the footer.
        for chunk in reader:
            chunk.index = pd.RangeIndex(rows_read + 1, rows_read + 1 + len(chunk))
            rows_read += len(chunk)
            if pending is not None:
                parse(pending, is_last=False)
            pending = chunk
    if pending is not None:
        parse(pending, is_last=True)
    frame = pd.concat(frames) if frames else _empty_frame(require_target)
    quarantine = (
        pd.concat([q for q in quarantines if len(q)], ignore_index=True)
        if any(len(q) for q in quarantines)
        else _empty_quarantine()
    )
    return LoadResult(frame, quarantine, footer=footer, source=path.name, rows_read=rows_read)


def parse_backorder_frame(
    raw: pd.DataFrame,
    *,
    source: str = "<frame>",
    require_target: bool = True,
    allow_footer: bool = True,
    _checked: bool = False,
) -> LoadResult:
    """Validate and type a frame of raw (text or already numeric) backorder columns.

    The same rules as :func:`load_backorder_csv`, for rows that arrive as a frame (a
    warehouse table, a single SKU from the API). A footer row is recognised only when it
    is the last row of ``raw``.

    Args:
        raw: Columns of the public schema; extra columns are ignored. Its index is used as
            the row number in quarantine messages.
        source: Label used in error messages and the quarantine frame.
        require_target: Whether ``went_on_backorder`` must be present.
        allow_footer: Whether a last row reading ``(N rows)`` is a footer to skip.

    Returns:
        The clean frame and the quarantine frame.
    """
    if not _checked:
        _check_columns(raw.columns, source=source, require_target=require_target)
    has_target = TARGET in raw.columns
    if not raw.index.is_unique:
        # Row numbers identify quarantined rows; fall back to positions (1-based).
        raw = raw.set_axis(pd.RangeIndex(1, len(raw) + 1))
    footer: str | None = None
    if allow_footer and len(raw):
        last = raw.iloc[-1]
        first = str(last[SKU]).strip()
        others = [c for c in raw.columns if c != SKU]
        if _FOOTER.match(first) and all(_is_blank(last[c]) for c in others):
            footer = first
            raw = raw.iloc[:-1]

    problems: list[pd.DataFrame] = []
    out = pd.DataFrame(index=raw.index)

    sku = raw[SKU].astype("string").str.strip()
    out[SKU] = sku
    _collect(problems, sku.isna() | (sku == ""), raw[SKU], SKU, "missing sku")

    for col in (*SIGNED_COUNT_COLUMNS, *COUNT_COLUMNS):
        values, text = _to_number(raw[col])
        missing = text.isna() | (text == "")
        _collect(problems, missing, raw[col], col, "missing value")
        bad = ~missing & values.isna()
        _collect(problems, bad, raw[col], col, "not a number")
        ok = values.notna()
        _collect(problems, ok & (values != np.round(values)), raw[col], col, "not a whole number")
        if col in COUNT_COLUMNS:
            _collect(problems, ok & (values < 0), raw[col], col, "negative quantity")
        out[col] = values

    values, text = _to_number(raw[LEAD_TIME])
    missing = text.isna() | (text == "")
    _collect(problems, ~missing & values.isna(), raw[LEAD_TIME], LEAD_TIME, "not a number")
    _collect(problems, values < 0, raw[LEAD_TIME], LEAD_TIME, "negative lead time")
    out[LEAD_TIME] = values

    for col in PERF_COLUMNS:
        values, text = _to_number(raw[col])
        missing = text.isna() | (text == "")
        _collect(problems, ~missing & values.isna(), raw[col], col, "not a number")
        unknown = values == PERF_UNKNOWN
        values = values.mask(unknown)
        _collect(problems, (values < 0) | (values > 1), raw[col], col, "performance outside [0, 1]")
        out[col] = values

    for col in FLAG_COLUMNS + ((TARGET,) if has_target else ()):
        flags, bad = _to_flag(raw[col])
        _collect(problems, bad, raw[col], col, "invalid flag (expected Yes/No)")
        out[col] = flags

    if problems:
        quarantine = pd.concat(problems).rename_axis("row_number").reset_index()
        quarantine.insert(0, "source", source)
        quarantine["sku"] = sku.reindex(quarantine["row_number"]).to_numpy()
        quarantine = quarantine.sort_values(["row_number", "column"], kind="stable")
        quarantine = quarantine[list(QUARANTINE_COLUMNS)].reset_index(drop=True)
        out = out.drop(index=quarantine["row_number"].unique())
    else:
        quarantine = _empty_quarantine()

    for col in FLAG_COLUMNS + ((TARGET,) if has_target else ()):
        out[col] = out[col].astype("int8")
    out = out[[c for c in PUBLIC_COLUMNS if c in out.columns]]
    out.index.name = "row_number"
    return LoadResult(out, quarantine, footer=footer, source=source, rows_read=len(raw))


def _check_columns(columns: Iterable[str], *, source: str, require_target: bool) -> None:
    required = PUBLIC_COLUMNS if require_target else PUBLIC_COLUMNS[:-1]
    present = set(columns)
    missing = [c for c in required if c not in present]
    if missing:
        raise BackorderSchemaError(
            f"{source}: missing required column(s) {', '.join(missing)} "
            f"(expected the public backorder schema: {', '.join(required)})"
        )


def _is_blank(value: object) -> bool:
    return (
        value is None
        or (isinstance(value, float) and np.isnan(value))
        or (str(value).strip() == "")
    )


def _to_number(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse numbers; return (float64 values with NaN for blank/bad, stripped text)."""
    if pd.api.types.is_numeric_dtype(column):
        values = column.astype("float64")
        return values, values.astype("string")
    text = column.astype("string").str.strip()
    values = pd.to_numeric(text.replace("", pd.NA), errors="coerce").astype("float64")
    values = values.where(np.isfinite(values.to_numpy(dtype="float64", na_value=np.nan)))
    return values, text


def _to_flag(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Map Yes/No (any case, or booleans / 0 / 1) to 1/0; flag everything else as bad."""
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        values = column.astype("float64")
        bad = ~values.isin([0.0, 1.0])
        return values.where(~bad, 0.0), bad
    text = column.astype("string").str.strip().str.lower()
    values = text.map(_FLAG_VALUES, na_action="ignore")
    bad = values.isna()
    return values.fillna(0).astype("float64"), bad.astype(bool)


def _collect(
    problems: list[pd.DataFrame], mask: pd.Series, values: pd.Series, column: str, reason: str
) -> None:
    mask = mask.fillna(False).astype(bool)
    if not mask.any():
        return
    problems.append(
        pd.DataFrame(
            {"column": column, "value": values[mask].astype("string").fillna(""), "reason": reason}
        )
    )


def _empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in QUARANTINE_COLUMNS}).astype(
        {"row_number": "int64"}
    )


def _empty_frame(require_target: bool) -> pd.DataFrame:
    columns = PUBLIC_COLUMNS if require_target else PUBLIC_COLUMNS[:-1]
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
