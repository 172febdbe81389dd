"""Reduce a warehouse table to the :class:`~expectations.TableProfile` its suite needs, in SQL.

Why: at 10,000 SKUs raw.sales, raw.inventory and marts.fct_daily_sales hold ~11 million
rows each. Reading them into pandas for GX cost minutes and gigabytes per check; the
``group by`` queries here cost a scan each, in the database, and return thousands of
rows. :func:`expectations.profile.profile_frame` computes the same profile in pandas and
the tests hold the two equal on DuckDB and PostgreSQL.

Queries per table (all in one session, portable SQL: ``grouping sets`` and ``grouping()``
are standard and both backends have them):

1. the row count and, per unique key, the rows whose key is all null;
2. every histogram at once: ``group by grouping sets ((date), (quantity), ...)``, one
   scan, each row tagged by ``grouping(...)`` with the set it belongs to;
3. per unique key, the duplicated keys (``group by key having count(*) > 1``), unless the
   key contains the table's primary key, which already proves it unique (raw tables);
4. a sample of rows for the column contract (names and dtypes);
5. raw sales only: units per day and product category (join on ``raw.products``).

The whole table is profiled on every run, not only the latest load: dbt rebuilds the
marts from all of it, so a bad row from an old load still reaches the forecasts and is
still reported until it is fixed.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from expectations.aggregates import ALL_CATEGORIES
from expectations.profile import SAMPLE_ROWS, WEIGHT, ProfileRequest, TableProfile
from orchestration.warehouse import Warehouse, quote_ident

NUMERIC_SQL_TYPES = ("double", "float", "real", "int", "decimal", "numeric", "hugeint")
"""Substrings of the SQL types a quantity may have (DuckDB and PostgreSQL spellings)."""

DATE_SQL_TYPES = ("date", "timestamp")

PRODUCTS = ("raw", "products")


def _rel(schema: str, table: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(table)}"


def _frame(warehouse: Warehouse, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
    """One query as a frame, with the warehouse's dtype normalisation (dates, numerics)."""
    return warehouse.query_frame(sql, params)


def _all_null(columns: tuple[str, ...]) -> str:
    return " and ".join(f"{quote_ident(c)} is null" for c in columns)


def profile_table(
    warehouse: Warehouse, schema: str, table: str, request: ProfileRequest
) -> TableProfile:
    """Compute ``request`` on ``schema.table`` in the warehouse (see the module docstring)."""
    types = {name: dtype.lower() for name, dtype in warehouse.columns(schema, table).items()}
    present = tuple(types)
    rel = _rel(schema, table)
    keys = [k for k in request.unique_keys if all(c in types for c in k)]
    with warehouse.session():
        counts = [f"sum(case when {_all_null(k)} then 1 else 0 end)" for k in keys]
        row = _frame(warehouse, f"select {', '.join(['count(*)', *counts])} from {rel}")
        values = [0 if pd.isna(v) else int(v) for v in row.iloc[0]]
        row_count = values[0]
        keyed = {k: row_count - n for k, n in zip(keys, values[1:], strict=True)}
        histograms = _histograms(warehouse, rel, request, types, row_count)
        enforced = _primary_key(warehouse, schema, table)
        duplicates = {
            k: _no_duplicates(k)
            if enforced and enforced <= set(k)
            else _duplicates(warehouse, rel, k)
            for k in keys
        }
        sample_cols = [c for c in request.sample_columns if c in types] or list(present)
        sample = _frame(
            warehouse,
            f"select {', '.join(quote_ident(c) for c in sample_cols)} from {rel} "
            f"limit {SAMPLE_ROWS}",
        )
        totals = None
        if request.category_volume and _volume_ready(types):
            totals = _daily_totals(warehouse, rel, request)
    return TableProfile(
        row_count=row_count,
        columns=present,
        sample=sample,
        histograms=histograms,
        duplicates=duplicates,
        keyed_rows=keyed,
        daily_totals=totals,
    )


def _histograms(
    warehouse: Warehouse,
    rel: str,
    request: ProfileRequest,
    types: dict[str, str],
    row_count: int,
) -> dict[tuple[str, ...], pd.DataFrame]:
    """Every requested histogram from one ``grouping sets`` scan.

    A histogram whose columns are all missing from the table is the row count alone, so
    its rules report the missing column rather than fail the query.
    """
    sets = {h: tuple(c for c in h if c in types) for h in request.histograms}
    wanted = list(dict.fromkeys(s for s in sets.values() if s))
    out: dict[tuple[str, ...], pd.DataFrame] = {}
    if wanted:
        columns = list(dict.fromkeys(c for s in wanted for c in s))
        idents = ", ".join(quote_ident(c) for c in columns)
        grouping = ", ".join("(" + ", ".join(quote_ident(c) for c in s) + ")" for s in wanted)
        frame = _frame(
            warehouse,
            f"select {idents}, grouping({idents}) as _set, count(*) as {WEIGHT} "
            f"from {rel} group by grouping sets ({grouping})",
        )
        frame[WEIGHT] = frame[WEIGHT].astype("int64")
        by_set = {}
        for s in wanted:
            # grouping() sets the bit of each column *left out* of the set; first is highest.
            mask = sum(1 << (len(columns) - 1 - i) for i, c in enumerate(columns) if c not in s)
            part = frame.loc[frame["_set"] == mask, [*s, WEIGHT]]
            by_set[s] = part.sort_values(list(s), na_position="last").reset_index(drop=True)
    for histogram, present in sets.items():
        if present:
            out[histogram] = by_set[present]
        else:
            out[histogram] = pd.DataFrame({WEIGHT: pd.Series([row_count], dtype="int64")})
    return out


def _primary_key(warehouse: Warehouse, schema: str, table: str) -> set[str]:
    """Columns of the table's primary key (empty when it has none), from the catalog.

    A key that contains the primary key is unique by construction, so its duplicate
    query (a hash aggregate over every row: ~8 s and ~1 GiB for 11 million sales rows)
    can only return nothing. Only primary keys count: their columns are never null, while
    a ``unique`` constraint lets rows with nulls repeat, which GX would flag.
    """
    rows = _frame(
        warehouse,
        "select kcu.column_name from information_schema.table_constraints tc "
        "join information_schema.key_column_usage kcu "
        "on kcu.constraint_name = tc.constraint_name and kcu.table_schema = tc.table_schema "
        "and kcu.table_name = tc.table_name "
        "where tc.constraint_type = 'PRIMARY KEY' and tc.table_schema = ? and tc.table_name = ?",
        [schema, table],
    )
    return set(rows["column_name"])


def _no_duplicates(key: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        {**{c: pd.Series(dtype=object) for c in key}, WEIGHT: pd.Series(dtype="int64")}
    )


def _duplicates(warehouse: Warehouse, rel: str, key: tuple[str, ...]) -> pd.DataFrame:
    """Keys held by more than one row (all-null keys left out, as GX leaves them out)."""
    idents = ", ".join(quote_ident(c) for c in key)
    frame = _frame(
        warehouse,
        f"select {idents}, count(*) as {WEIGHT} from {rel} where not ({_all_null(key)}) "
        f"group by {idents} having count(*) > 1",
    )
    frame[WEIGHT] = frame[WEIGHT].astype("int64")
    return frame.sort_values(list(key)).reset_index(drop=True)


def _volume_ready(types: dict[str, str]) -> bool:
    """Whether the sales columns the volume rule sums are there with usable types."""
    if not {"date", "sku", "quantity"} <= set(types):
        return False
    numeric = any(t in types["quantity"] for t in NUMERIC_SQL_TYPES)
    return numeric and any(t in types["date"] for t in DATE_SQL_TYPES)


def _daily_totals(warehouse: Warehouse, rel: str, request: ProfileRequest) -> pd.DataFrame:
    """Units per day and category in the window; SKUs without a product under ``(all)``.

    Products are reduced to one category per SKU before the join, so a duplicated
    product (which its own suite reports) cannot double the volume.
    """
    date, quantity, sku = (quote_ident(c) for c in ("date", "quantity", "sku"))
    where, params = "", []
    if request.window is not None:
        where = f" where s.{date} >= ? and s.{date} <= ?"
        params = list(request.window)
    if _has_categories(warehouse):
        category = (
            f"case when p.{sku} is null then '{ALL_CATEGORIES}' else coalesce(p.category, '') end"
        )
        source = (
            f"{rel} s left join (select {sku}, max(category) as category "
            f"from {_rel(*PRODUCTS)} group by {sku}) p on p.{sku} = s.{sku}"
        )
    else:
        category, source = f"'{ALL_CATEGORIES}'", f"{rel} s"
    group = f"s.{date}, {category}" if source != f"{rel} s" else f"s.{date}"
    frame = _frame(
        warehouse,
        f"select s.{date} as {date}, {category} as category, sum(s.{quantity}) as {quantity} "
        f"from {source}{where} group by {group}",
        params,
    )
    frame["date"] = pd.to_datetime(frame["date"])
    frame["quantity"] = pd.to_numeric(frame["quantity"])
    return frame


def _has_categories(warehouse: Warehouse) -> bool:
    if not warehouse.table_exists(*PRODUCTS):
        return False
    return {"sku", "category"} <= set(warehouse.columns(*PRODUCTS))
