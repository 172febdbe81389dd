"""Split a chunk of contract-shaped text into typed clean rows and quarantined rows.

A bad row never stops a load and is never silently dropped: it lands in
``raw.quarantine`` with the file, its 1-based data row number, the column, the value,
the reason and the original row as JSON, so a planner can fix the source and re-drop
it. Only file-level problems (unreadable, missing column) raise.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from orchestration.ingestion.contract import EntityContract

# Quarantine reasons (documented in docs/data-contract.md).
MISSING_VALUE = "missing_value"
UNPARSEABLE_DATE = "unparseable_date"
NON_NUMERIC = "non_numeric"
NEGATIVE_VALUE = "negative_value"
INVALID_BOOLEAN = "invalid_boolean"
UNMAPPABLE_VALUE = "unmappable_value"
UNKNOWN_SKU = "unknown_sku"
CONFLICTING_DUPLICATE = "conflicting_duplicate_in_file"
CONFLICTS_WITH_LOADED = "conflicts_with_loaded_row"

REASONS = (
    MISSING_VALUE,
    UNPARSEABLE_DATE,
    NON_NUMERIC,
    NEGATIVE_VALUE,
    INVALID_BOOLEAN,
    UNMAPPABLE_VALUE,
    UNKNOWN_SKU,
    CONFLICTING_DUPLICATE,
    CONFLICTS_WITH_LOADED,
)

QUARANTINE_COLUMNS = [
    "entity",
    "source_file",
    "source_row",
    "column_name",
    "value",
    "reason",
    "record",
    "file_sha256",
]

_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


@dataclass
class ValidationResult:
    """Outcome of :func:`validate` for one chunk.

    Attributes:
        clean: typed contract columns plus ``_source_row``; keys unique.
        quarantine: one row per quarantined source row, naming the first problem found
            (columns in contract order, then unknown SKU, then duplicate keys).
        duplicates: rows dropped because an identical row with the same key came first.
    """

    clean: pd.DataFrame
    quarantine: pd.DataFrame
    duplicates: int

    @property
    def rows_quarantined(self) -> int:
        """Source rows quarantined."""
        return len(self.quarantine)


def empty_quarantine() -> pd.DataFrame:
    """A quarantine frame with no rows and the right columns."""
    return pd.DataFrame(
        {c: pd.Series(dtype="Int64" if c == "source_row" else object) for c in QUARANTINE_COLUMNS}
    )


def records_json(source: pd.DataFrame, positions: np.ndarray) -> list[str]:
    """The original rows at ``positions`` as JSON objects (source column names, text)."""
    if len(positions) == 0:
        return []
    rows = source.iloc[positions].to_dict("records")
    return [json.dumps(r, ensure_ascii=False, default=str) for r in rows]


def key_text(frame: pd.DataFrame, keys: list[str] | tuple[str, ...]) -> pd.Series:
    """A key as one string (``2024-01-31|SKU-1|``): comparable across frames and readable."""
    parts = []
    for k in keys:
        col = frame[k]
        if pd.api.types.is_datetime64_any_dtype(col):
            parts.append(col.dt.strftime("%Y-%m-%d"))
        else:
            parts.append(col.astype(str))
    out = parts[0]
    for p in parts[1:]:
        out = out + "|" + p
    return out


def validate(
    contract: EntityContract,
    frame: pd.DataFrame,
    *,
    source: pd.DataFrame,
    source_rows: np.ndarray,
    source_file: str,
    file_sha256: str,
    known_skus: set[str] | None = None,
    mapping_errors: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> ValidationResult:
    """Parse every contract column and quarantine what does not fit the contract.

    Args:
        contract: the entity's contract.
        frame: contract columns as text (the output of ``MappingPlan.apply``).
        source: the chunk as read, for the ``record`` of quarantined rows.
        source_rows: 1-based data row number of each row.
        source_file: file name recorded with each quarantined row.
        file_sha256: content hash recorded with each quarantined row.
        known_skus: SKUs of ``raw.products``; when non-empty, other SKUs are quarantined.
        mapping_errors: per templated column, the rows whose template could not be built
            and the source values it was given.
    """
    n = len(frame)
    typed: dict[str, Any] = {}
    problems: list[tuple[np.ndarray, str, str, np.ndarray]] = []
    bad = np.zeros(n, dtype=bool)

    def flag(mask: np.ndarray, column: str, reason: str, values: Callable[[], Any]) -> None:
        nonlocal bad
        mask = np.asarray(mask, dtype=bool) & ~bad
        if mask.any():
            problems.append((mask, column, reason, np.asarray(values(), dtype=object)))
            bad |= mask

    for col in contract.columns:
        # Parse each distinct text once and broadcast: a date or SKU column has few
        # distinct values, so this is what makes a million-row chunk cheap.
        codes, raw_uniques = pd.factorize(
            frame[col.name].to_numpy(dtype=object), sort=False, use_na_sentinel=False
        )
        text_u = pd.Series(raw_uniques, dtype=object)
        text_u = text_u.where(text_u.notna(), "").astype(str).str.strip()
        blank_u = (text_u == "").to_numpy()
        if col.default is not None:
            text_u = text_u.mask(blank_u, str(col.default))
            blank_u = np.zeros(len(text_u), dtype=bool)

        def texts(text_u: pd.Series = text_u, codes: np.ndarray = codes) -> np.ndarray:
            return text_u.to_numpy(dtype=object)[codes]

        blank = blank_u[codes]
        if mapping_errors and col.name in mapping_errors:
            unmapped, inputs = mapping_errors[col.name]
            flag(unmapped, col.name, UNMAPPABLE_VALUE, lambda inputs=inputs: inputs)
            blank = blank & ~unmapped
        if col.required:
            flag(blank, col.name, MISSING_VALUE, texts)
        if col.type == "string":
            typed[col.name] = text_u.where(~blank_u, None).to_numpy(dtype=object)[codes]
        elif col.type == "date":
            parsed_u = pd.to_datetime(
                text_u.where(~blank_u, None), format="ISO8601", errors="coerce"
            )
            if parsed_u.dt.tz is not None:
                parsed_u = parsed_u.dt.tz_convert("UTC").dt.tz_localize(None)
            parsed_u = parsed_u.dt.normalize().astype("datetime64[ns]")
            invalid_u = ~blank_u & parsed_u.isna().to_numpy()
            flag(invalid_u[codes], col.name, UNPARSEABLE_DATE, texts)
            typed[col.name] = parsed_u.to_numpy()[codes]
        elif col.type == "number":
            number_u = pd.to_numeric(text_u.where(~blank_u, None), errors="coerce")
            values_u = number_u.astype("float64").to_numpy()
            flag((~blank_u & ~np.isfinite(values_u))[codes], col.name, NON_NUMERIC, texts)
            flag((np.nan_to_num(values_u, nan=0.0) < 0)[codes], col.name, NEGATIVE_VALUE, texts)
            typed[col.name] = values_u[codes]
        else:  # boolean
            lowered = text_u.str.lower()
            bool_u = pd.array([pd.NA] * len(lowered), dtype="boolean")
            bool_u[lowered.isin(_TRUE).to_numpy()] = True
            bool_u[lowered.isin(_FALSE).to_numpy()] = False
            invalid_u = ~blank_u & np.asarray(pd.isna(bool_u))
            flag(invalid_u[codes], col.name, INVALID_BOOLEAN, texts)
            typed[col.name] = bool_u.take(codes) if len(codes) else bool_u[:0]

    clean = pd.DataFrame(typed, index=frame.index)
    clean["_source_row"] = source_rows

    if known_skus and "sku" in clean and contract.entity != "products":
        sku_codes, sku_u = pd.factorize(
            clean["sku"].to_numpy(dtype=object), sort=False, use_na_sentinel=False
        )
        unknown_u = ~pd.Series(sku_u, dtype=object).isin(known_skus).to_numpy()
        unknown = unknown_u[sku_codes] if len(sku_codes) else np.zeros(0, dtype=bool)
        flag(unknown, "sku", UNKNOWN_SKU, lambda: clean["sku"].to_numpy(dtype=object))

    clean = clean[~bad]
    keys = list(contract.keys)
    duplicates = 0
    dup_mask = clean.duplicated(keys, keep=False)
    if dup_mask.any():
        dups = clean[dup_mask]
        distinct = dups.drop_duplicates(keys + contract.value_columns)
        conflicting = distinct[distinct.duplicated(keys, keep=False)]
        conflict_keys = set(key_text(conflicting, keys))
        dup_keys = key_text(dups, keys)
        in_conflict = dup_keys.isin(conflict_keys)
        positions = np.flatnonzero(np.isin(frame.index.to_numpy(), dups.index[in_conflict]))
        mask = np.zeros(n, dtype=bool)
        mask[positions] = True
        key_values = pd.Series("", index=frame.index, dtype=object)
        key_values.loc[dups.index[in_conflict]] = dup_keys[in_conflict].to_numpy()
        flag(mask, ",".join(keys), CONFLICTING_DUPLICATE, lambda: key_values.to_numpy())
        clean = clean[~clean.index.isin(dups.index[in_conflict])]
        before = len(clean)
        clean = clean.drop_duplicates(keys + contract.value_columns, keep="first")
        duplicates = before - len(clean)

    quarantine = _quarantine_frame(
        problems, contract.entity, source, source_rows, source_file, file_sha256
    )
    return ValidationResult(clean.reset_index(drop=True), quarantine, duplicates)


def _quarantine_frame(
    problems: list[tuple[np.ndarray, str, str, np.ndarray]],
    entity: str,
    source: pd.DataFrame,
    source_rows: np.ndarray,
    source_file: str,
    file_sha256: str,
) -> pd.DataFrame:
    if not problems:
        return empty_quarantine()
    parts = []
    for mask, column, reason, values in problems:
        pos = np.flatnonzero(mask)
        parts.append(
            pd.DataFrame(
                {
                    "entity": entity,
                    "source_file": source_file,
                    "source_row": source_rows[pos],
                    "column_name": column,
                    "value": [None if pd.isna(v) else str(v) for v in values[pos]],
                    "reason": reason,
                    "record": records_json(source, pos),
                    "file_sha256": file_sha256,
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out["source_row"] = out["source_row"].astype("Int64")
    return out.sort_values(["source_row", "column_name"], kind="stable").reset_index(drop=True)
