"""Read incoming files (CSV, gzip CSV, XLSX) in chunks and map them onto the contract.

Every cell is read as text: parsing happens in :mod:`orchestration.ingestion.validation`,
where a bad value can be traced to its row and column instead of failing the whole file
or silently becoming ``NaN``. CSV files stream in chunks of ``chunk_rows`` rows, so an
11-million-row gzip file is read with bounded memory.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import string
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orchestration.ingestion.contract import EntityContract
from orchestration.settings import SourceMapping

DEFAULT_CHUNK_ROWS = 250_000
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


class IngestionError(Exception):
    """A file cannot be loaded at all; the message names the file (and column or line)."""

    def __init__(self, file: Path | str, message: str) -> None:
        self.file = str(file)
        super().__init__(f"{Path(self.file).name}: {message}")


class UnreadableFileError(IngestionError):
    """The file is not valid CSV/XLSX, is empty, truncated, or in an unknown encoding."""


class MissingColumnError(IngestionError):
    """A required contract column (or a column a mapping names) is not in the file."""

    def __init__(self, file: Path | str, column: str, message: str) -> None:
        self.column = column
        super().__init__(file, message)


def file_sha256(path: Path) -> str:
    """Content hash of a file: its identity in ``raw.loaded_files``."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class SourceChunk:
    """Consecutive data rows of one file, every cell as text.

    ``first_row`` is the 1-based data row number (header excluded) of the first row.
    """

    frame: pd.DataFrame
    first_row: int

    @property
    def source_rows(self) -> np.ndarray:
        """1-based data row number of each row."""
        return np.arange(self.first_row, self.first_row + len(self.frame), dtype=np.int64)


# -- reading ---------------------------------------------------------------------------


def _is_excel(path: Path) -> bool:
    return path.suffix.lower() in EXCEL_SUFFIXES


def _sniff_separator(path: Path) -> str:
    """Comma unless the header line clearly uses ``;``, tab or ``|`` (European exports)."""
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
            header = fh.readline()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise UnreadableFileError(path, f"cannot read the file ({exc})") from exc
    if not header.strip():
        raise UnreadableFileError(path, "the file is empty (no header line)")
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ","


def read_chunks(
    path: Path, sheet: str | int | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS
) -> Iterator[SourceChunk]:
    """Yield the file's data rows as text chunks, header names stripped of spaces.

    Raises:
        UnreadableFileError: not parseable as CSV/XLSX, empty, or a malformed line
            (the message names the file and the line pandas reports).
    """
    if _is_excel(path):
        yield from _read_excel(path, sheet, chunk_rows)
        return
    sep = _sniff_separator(path)
    first = 1
    try:
        with _strict_fields():
            reader = pd.read_csv(
                path,
                sep=sep,
                dtype=str,
                na_filter=False,
                keep_default_na=False,
                encoding="utf-8-sig",
                compression="infer",
                chunksize=chunk_rows,
                skipinitialspace=False,
                engine="c",
                quoting=csv.QUOTE_MINIMAL,
                # Never take a first column as the index: pandas does that silently when
                # the first data line has one field more than the header (a trailing
                # delimiter), shifting every value one column left.
                index_col=False,
            )
        with reader:
            while True:
                with _strict_fields():
                    frame = next(reader, None)
                if frame is None:
                    break
                frame.columns = [str(c).strip() for c in frame.columns]
                yield SourceChunk(frame.reset_index(drop=True), first)
                first += len(frame)
    except pd.errors.ParserWarning as exc:
        raise UnreadableFileError(
            path,
            f"malformed CSV: data line {first} (line {first + 1} of the file) has more fields "
            "than the header; nothing was read past it",
        ) from exc
    except pd.errors.ParserError as exc:
        raise UnreadableFileError(path, f"malformed CSV: {exc}") from exc
    except pd.errors.EmptyDataError as exc:
        raise UnreadableFileError(path, "the file is empty (no header line)") from exc
    except (UnicodeDecodeError, EOFError, OSError, zipfile.BadZipFile) as exc:
        raise UnreadableFileError(path, f"cannot read the file ({exc})") from exc


class _strict_fields(warnings.catch_warnings):  # noqa: N801 - used as a context manager
    """Turn pandas' "loss of data" ParserWarning into an exception, only while parsing."""

    def __enter__(self) -> None:
        super().__enter__()
        warnings.simplefilter("error", pd.errors.ParserWarning)


def _read_excel(path: Path, sheet: str | int | None, chunk_rows: int) -> Iterator[SourceChunk]:
    target = 0 if sheet is None else sheet
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a non-XLSX file
        raise UnreadableFileError(path, f"not a readable XLSX workbook ({exc})") from exc
    with book:
        names = book.sheet_names
        if isinstance(target, str) and target not in names:
            raise UnreadableFileError(path, f"sheet {target!r} not found; sheets are {names}")
        if isinstance(target, int) and not 0 <= target < len(names):
            raise UnreadableFileError(
                path, f"sheet index {target} out of range; sheets are {names}"
            )
        frame = book.parse(target, dtype=str, na_filter=False, keep_default_na=False)
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.columns.empty:
        raise UnreadableFileError(path, f"sheet {target!r} is empty (no header row)")
    for start in range(0, max(len(frame), 1), chunk_rows):
        yield SourceChunk(frame.iloc[start : start + chunk_rows].reset_index(drop=True), start + 1)


# -- mapping ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Template:
    text: str
    fields: tuple[str, ...]
    specs: dict[str, str]


def _parse_template(text: str) -> _Template:
    fields: list[str] = []
    specs: dict[str, str] = {}
    for _, name, spec, _ in string.Formatter().parse(text):
        if name is None:
            continue
        if not name:
            raise ValueError(f"template {text!r}: every {{}} needs a source column name")
        if name not in fields:
            fields.append(name)
        specs[name] = spec or ""
    return _Template(text, tuple(fields), specs)


def _coerce_for_spec(value: str, spec: str) -> Any:
    kind = spec[-1] if spec and spec[-1].isalpha() else ""
    if kind in "bcdoxXn" and kind:
        number = float(value)
        if not number.is_integer():
            raise ValueError(f"{value!r} is not a whole number")
        return int(number)
    if kind in "eEfFgG%" and kind:
        return float(value)
    return value


@dataclass
class MappingPlan:
    """How to build each contract column from one file's columns (checked once per file).

    Attributes:
        direct: contract column -> source column copied as is.
        templates: contract column -> template formatted from source columns.
        constants: contract column -> fixed text.
        absent: optional contract columns the file lacks (filled with their default).
    """

    file: Path
    direct: dict[str, str] = field(default_factory=dict)
    templates: dict[str, _Template] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    absent: list[str] = field(default_factory=list)

    @classmethod
    def build(
        cls, path: Path, header: list[str], contract: EntityContract, mapping: SourceMapping
    ) -> MappingPlan:
        """Resolve a mapping against the file's header.

        Raises:
            MissingColumnError: a required column, or a source column the mapping
                names, is not in the header.
            IngestionError: the mapping names a column the contract does not have.
        """
        unknown = sorted((set(mapping.columns) | set(mapping.constants)) - set(contract.names))
        if unknown:
            raise IngestionError(
                path,
                f"mapping for {contract.entity} names unknown contract column(s) "
                f"{unknown}; contract columns are {contract.names}",
            )
        by_lower = {h.lower(): h for h in header}
        plan = cls(file=path)
        for col in contract.columns:
            name = col.name
            if name in mapping.constants:
                plan.constants[name] = _text(mapping.constants[name])
            elif name in mapping.columns:
                spec = mapping.columns[name]
                if "{" in spec:
                    try:
                        template = _parse_template(spec)
                    except ValueError as exc:
                        raise IngestionError(path, f"column {name!r}: {exc}") from exc
                    for src in template.fields:
                        if src not in header:
                            raise MissingColumnError(
                                path,
                                src,
                                f"column {src!r} (used by the mapping "
                                f"{name}: {spec!r}) not found; header is {header}",
                            )
                    plan.templates[name] = template
                elif spec in header:
                    plan.direct[name] = spec
                else:
                    raise MissingColumnError(
                        path,
                        spec,
                        f"column {spec!r} (mapped to {contract.entity}.{name}) "
                        f"not found; header is {header}",
                    )
            elif name in header:
                plan.direct[name] = name
            elif name.lower() in by_lower:
                plan.direct[name] = by_lower[name.lower()]
            elif col.required:
                raise MissingColumnError(
                    path,
                    name,
                    f"required column {name!r} for {contract.entity} not found; "
                    f"header is {header} (map it in stockcast.yaml if it has "
                    "another name, see docs/data-contract.md)",
                )
            else:
                plan.absent.append(name)
        return plan

    def apply(
        self, frame: pd.DataFrame
    ) -> tuple[pd.DataFrame, dict[str, tuple[np.ndarray, np.ndarray]]]:
        """Contract columns as text, and per templated column the rows it could not build.

        Templates are formatted once per distinct combination of their source values
        (500 for the store-item file), then broadcast back: vectorised in effect.
        """
        n = len(frame)
        out: dict[str, Any] = {}
        errors: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name, src in self.direct.items():
            out[name] = frame[src].to_numpy(dtype=object)
        for name, template in self.templates.items():
            out[name], failed = _format_template(frame, template)
            if failed.any():
                inputs = np.full(len(frame), "", dtype=object)
                sub = frame.loc[failed, list(template.fields)].astype(str)
                inputs[failed] = [
                    ", ".join(f"{k}={v!r}" for k, v in row.items())
                    for row in sub.to_dict("records")
                ]
                errors[name] = (failed, inputs)
        for name, value in self.constants.items():
            out[name] = np.full(n, value, dtype=object)
        for name in self.absent:
            out[name] = np.full(n, "", dtype=object)
        return pd.DataFrame(out, index=frame.index), errors


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _format_template(frame: pd.DataFrame, template: _Template) -> tuple[np.ndarray, np.ndarray]:
    codes = np.zeros(len(frame), dtype=np.int64)
    seen = 1
    for src in template.fields:
        field_codes, uniques = pd.factorize(
            frame[src].to_numpy(dtype=object), sort=False, use_na_sentinel=False
        )
        # Re-factorise after each field so the combined code never overflows.
        codes, distinct = pd.factorize(codes * (len(uniques) + 1) + field_codes, sort=False)
        seen = len(distinct)
    combo_codes, combos = codes, np.arange(seen)
    # Decode each distinct combination back to its field values, format it once.
    formatted = np.empty(len(combos), dtype=object)
    failed = np.zeros(len(combos), dtype=bool)
    first_rows = pd.Series(np.arange(len(frame))).groupby(combo_codes).first().to_numpy()
    for i, row in enumerate(first_rows):
        values = {}
        try:
            for src in template.fields:
                raw = str(frame[src].iat[row]).strip()
                if raw == "":
                    raise ValueError("blank")
                values[src] = _coerce_for_spec(raw, template.specs[src])
            formatted[i] = template.text.format_map(values)
        except (ValueError, TypeError, KeyError, IndexError):
            formatted[i] = ""
            failed[i] = True
    return formatted[combo_codes], failed[combo_codes]
