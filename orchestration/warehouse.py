"""The one module that speaks SQL outside dbt: DuckDB or PostgreSQL behind one interface.

Everything Python writes to or reads from the warehouse goes through :class:`Warehouse`,
so the rest of the code base handles frames, never SQL strings or drivers. Each
operation opens its own connection and closes it on return: dbt opens the DuckDB file
itself, and a connection left open here would lock it out. :meth:`Warehouse.session`
groups several operations into one transaction when they must land together (a file
and its ledger entry).

Bulk paths avoid per-row Python: DuckDB scans a registered pandas frame; PostgreSQL
receives ``COPY ... FROM STDIN`` into a temporary table, then one ``insert ... on
conflict`` moves the rows.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from orchestration.settings import ENTITIES, Settings

RAW_SCHEMA_SQL = Path(__file__).resolve().parent / "sql" / "raw_schema.sql"

RAW_KEYS: dict[str, tuple[str, ...]] = {
    "products": ("sku",),
    "suppliers": ("supplier_id",),
    "sales": ("date", "sku", "location"),
    "inventory": ("date", "sku"),
    "purchase_orders": ("po_id", "sku"),
}
"""Natural key of each raw table (its primary key in ``raw_schema.sql``)."""

LINEAGE_COLUMNS = ("_source_file", "_source_row", "_loaded_at")
"""Columns every raw row carries besides the contract's own."""


_PG_DATETIME_OIDS = {1082, 1114}  # date, timestamp (without time zone)
_PG_NUMERIC_OID = 1700


class WarehouseError(RuntimeError):
    """A warehouse operation was asked something it cannot do (bad name, unknown table)."""


def quote_ident(name: str) -> str:
    """Quote one SQL identifier for DuckDB and PostgreSQL alike.

    Names come from code and config, not users, but quoting every one keeps a column
    called ``date`` or ``order`` legal and an odd name from becoming SQL.
    """
    if not isinstance(name, str) or not name or "\x00" in name:
        raise WarehouseError(f"invalid SQL identifier: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def _rel(schema: str, table: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(table)}"


def utc_now() -> datetime:
    """Naive UTC timestamp, the form ``timestamp`` columns store on both backends."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class UpsertResult:
    """What :meth:`Warehouse.upsert_raw` did with a frame of raw rows.

    Attributes:
        inserted: rows whose key was new and that now sit in the table.
        duplicates: rows whose key existed with identical values (skipped, harmless).
        conflicts: rows whose key existed with different values, not written; with the
            existing row's lineage in ``_existing_file``, ``_existing_row`` and
            ``_existing_loaded_at`` so the caller can quarantine them.
    """

    inserted: int
    duplicates: int
    conflicts: pd.DataFrame


def _sql_type(series: pd.Series) -> str:
    """A portable column type for a pandas column (used when Python creates a table)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(dtype):
        return "double precision"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "timestamp with time zone"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "timestamp"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "double precision"
    sample = series.dropna()
    if len(sample):
        first = sample.iloc[0]
        if isinstance(first, datetime):
            return "timestamp"
        if hasattr(first, "isoformat") and hasattr(first, "toordinal"):
            return "date"
        if isinstance(first, bool | np.bool_):
            return "boolean"
        if isinstance(first, int | np.integer):
            return "bigint"
        if isinstance(first, float | np.floating):
            return "double precision"
    return "varchar"


class Warehouse:
    """DuckDB or PostgreSQL, chosen by the warehouse URL in :class:`Settings`.

    Example:
        >>> wh = Warehouse.from_settings(get_settings())          # doctest: +SKIP
        >>> wh.ensure_raw_schema()                                 # doctest: +SKIP
        >>> wh.write_table(frame, "ml", "demand_forecasts", keys=["sku", "date"])  # doctest: +SKIP
    """

    def __init__(
        self,
        kind: Literal["duckdb", "postgres"],
        *,
        duckdb_path: Path | None = None,
        postgres_dsn: str | None = None,
        lock_timeout_s: float = 60.0,
    ) -> None:
        if kind not in ("duckdb", "postgres"):
            raise WarehouseError(f"unknown warehouse kind {kind!r}")
        if kind == "duckdb" and duckdb_path is None:
            raise WarehouseError("a DuckDB warehouse needs duckdb_path")
        if kind == "postgres" and not postgres_dsn:
            raise WarehouseError("a PostgreSQL warehouse needs postgres_dsn")
        self.kind = kind
        self.duckdb_path = duckdb_path
        self.postgres_dsn = postgres_dsn
        self.lock_timeout_s = lock_timeout_s
        self._local = threading.local()

    @classmethod
    def from_settings(cls, settings: Settings) -> Warehouse:
        """The warehouse the settings' URL names."""
        if settings.is_postgres:
            return cls("postgres", postgres_dsn=settings.postgres_dsn)
        return cls("duckdb", duckdb_path=settings.duckdb_path)

    @property
    def is_postgres(self) -> bool:
        """Whether this is the PostgreSQL backend."""
        return self.kind == "postgres"

    def __repr__(self) -> str:
        where = self.duckdb_path if self.kind == "duckdb" else "<postgres dsn>"
        return f"Warehouse({self.kind}, {where})"

    # -- connections -------------------------------------------------------------

    def _open(self) -> Any:
        if self.kind == "duckdb":
            import duckdb

            assert self.duckdb_path is not None
            self.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
            deadline = time.monotonic() + self.lock_timeout_s
            while True:
                try:
                    conn = duckdb.connect(str(self.duckdb_path))
                    break
                except duckdb.IOException as exc:
                    # Another process (dbt, the dashboard) holds the file for a moment:
                    # wait for it rather than fail a run over a lock.
                    if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            conn.execute("begin transaction")
            return conn
        import psycopg

        return psycopg.connect(self.postgres_dsn)

    @contextmanager
    def session(self) -> Iterator[Warehouse]:
        """One connection and one transaction for every operation inside the block.

        Commits when the block ends, rolls back if it raises. Nested sessions join the
        outer one. Why: a file's rows, its quarantine and its ledger entry must land
        together, or a crash half-way would mark a file loaded that is not.
        """
        if getattr(self._local, "conn", None) is not None:
            yield self
            return
        conn = self._open()
        self._local.conn = conn
        try:
            yield self
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            self._local.conn = None
            conn.close()

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A driver connection for one operation (the session's, if one is open)."""
        with self.session():
            yield self._local.conn

    def _execute(self, conn: Any, sql: str, params: Sequence[Any] | None = None) -> Any:
        if self.kind == "postgres":
            if params is None:
                return conn.execute(sql)
            return conn.execute(sql.replace("%", "%%").replace("?", "%s"), params)
        return conn.execute(sql, params) if params is not None else conn.execute(sql)

    def _fetch_frame(
        self, conn: Any, sql: str, params: Sequence[Any] | None = None
    ) -> pd.DataFrame:
        if self.kind == "duckdb":
            return self._execute(conn, sql, params).df()
        cur = self._execute(conn, sql, params)
        names = [d.name for d in cur.description]
        frame = pd.DataFrame(cur.fetchall(), columns=names)
        # Match DuckDB's frames so callers see one set of dtypes whatever the backend:
        # dates and timestamps as datetime64, numeric as float.
        for desc in cur.description:
            if desc.type_code in _PG_DATETIME_OIDS:
                frame[desc.name] = pd.to_datetime(frame[desc.name])
            elif desc.type_code == _PG_NUMERIC_OID:
                frame[desc.name] = pd.to_numeric(frame[desc.name], errors="coerce")
        return frame

    # -- schema ------------------------------------------------------------------

    def ensure_raw_schema(self) -> None:
        """Create the raw layer (``orchestration/sql/raw_schema.sql``) if missing."""
        statements = [s.strip() for s in _strip_comments(RAW_SCHEMA_SQL.read_text()).split(";")]
        with self.connect() as conn:
            for statement in statements:
                if statement:
                    self._execute(conn, statement)

    def ensure_schema(self, schema: str) -> None:
        """Create a schema if it does not exist."""
        with self.connect() as conn:
            self._execute(conn, f"create schema if not exists {quote_ident(schema)}")

    def table_exists(self, schema: str, table: str) -> bool:
        """Whether ``schema.table`` exists (table or view)."""
        sql = (
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?"
        )
        with self.connect() as conn:
            return bool(self._execute(conn, sql, [schema, table]).fetchone()[0])

    def columns(self, schema: str, table: str) -> dict[str, str]:
        """Column name -> SQL type of an existing table, in table order."""
        with self.connect() as conn:
            found = self._stored_columns(conn, schema, table)
        if not found:
            raise WarehouseError(f"table {schema}.{table} does not exist")
        return found

    def _stored_columns(self, conn: Any, schema: str, table: str) -> dict[str, str]:
        sql = (
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position"
        )
        rows = self._execute(conn, sql, [schema, table]).fetchall()
        return {str(name): dtype for name, dtype in rows}

    # -- reads -------------------------------------------------------------------

    def row_count(self, schema: str, table: str, where: Mapping[str, Any] | None = None) -> int:
        """Number of rows, optionally filtered by ``where`` (see :meth:`read_table`)."""
        clause, params = _where(where)
        with self.connect() as conn:
            row = self._execute(conn, f"select count(*) from {_rel(schema, table)}{clause}", params)
            return int(row.fetchone()[0])

    def read_table(
        self,
        schema: str,
        table: str,
        columns: Sequence[str] | None = None,
        where: Mapping[str, Any] | None = None,
    ) -> pd.DataFrame:
        """Read a table into a frame, filtered in the database.

        Args:
            schema: schema name, e.g. ``"marts"``.
            table: table name, e.g. ``"fct_daily_sales"``.
            columns: columns to read (all when ``None``).
            where: ``{column: value}`` equality filters, ANDed; a list/tuple/set value
                means ``in``, ``None`` means ``is null``.
        """
        cols = ", ".join(quote_ident(c) for c in columns) if columns else "*"
        clause, params = _where(where)
        with self.connect() as conn:
            sql = f"select {cols} from {_rel(schema, table)}{clause}"
            return self._fetch_frame(conn, sql, params)

    read_frame = read_table

    def query_frame(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """A read-only query's result, with the same dtypes on DuckDB and PostgreSQL.

        For aggregates that must stay in the database (the quality checks' profiles):
        the caller builds the SQL from quoted identifiers and passes values as ``params``.
        """
        with self.connect() as conn:
            return self._fetch_frame(conn, sql, params)

    def max_value(self, schema: str, table: str, column: str) -> Any:
        """Largest value of ``column`` (``None`` for an empty table), e.g. the latest run date."""
        with self.connect() as conn:
            sql = f"select max({quote_ident(column)}) from {_rel(schema, table)}"
            value = self._execute(conn, sql).fetchone()[0]
        return value

    def read_latest_per_key(
        self,
        schema: str,
        table: str,
        keys: Sequence[str],
        order_by: str,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The latest row per ``keys`` (largest ``order_by``), e.g. each SKU's last snapshot.

        Filtered in the database so that years of daily snapshots never cross the wire.
        """
        cols = ", ".join(quote_ident(c) for c in columns) if columns else "*"
        part = ", ".join(quote_ident(k) for k in keys)
        sql = (
            f"select {cols} from (select *, row_number() over (partition by {part} "
            f"order by {quote_ident(order_by)} desc) as _rank from {_rel(schema, table)}) "
            "as ranked where _rank = 1"
        )
        with self.connect() as conn:
            return self._fetch_frame(conn, sql)

    def read_since(
        self,
        schema: str,
        table: str,
        column: str,
        since: Any,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Rows whose ``column`` is on or after ``since`` (a window of a long fact table)."""
        cols = ", ".join(quote_ident(c) for c in columns) if columns else "*"
        sql = f"select {cols} from {_rel(schema, table)} where {quote_ident(column)} >= ?"
        with self.connect() as conn:
            return self._fetch_frame(conn, sql, [since])

    def known_skus(self) -> set[str]:
        """SKUs in ``raw.products`` (empty when no product file was ever loaded)."""
        if not self.table_exists("raw", "products"):
            return set()
        return set(self.read_table("raw", "products", ["sku"])["sku"].astype(str))

    def file_loaded(self, sha256: str) -> bool:
        """Whether a file with this content hash is in ``raw.loaded_files``."""
        return self.row_count("raw", "loaded_files", {"file_sha256": sha256}) > 0

    def loaded_hashes_read_only(
        self, sha256s: Iterable[str], *, connect_timeout_s: int = 5
    ) -> set[str]:
        """Which of these content hashes ``raw.loaded_files`` holds, read without a write lock.

        For callers outside a run (the incoming-files sensor, evaluated for the Dagster
        daemon) that must never take the write lock, nor wait for a run holding it. DuckDB
        is opened ``read_only``: a shared lock held for one query, which a writing
        :class:`Warehouse` waits out as it waits out dbt. PostgreSQL gets a read-only
        session and a short connect timeout. Nothing is created and nothing is retried:
        a missing DuckDB file, a file locked by a writer, a missing ledger table or an
        unreachable server raises the driver's error at once, for the caller to judge.
        """
        hashes = sorted(set(sha256s))
        if not hashes:
            return set()
        clause, params = _where({"file_sha256": hashes})
        sql = f"select file_sha256 from {_rel('raw', 'loaded_files')}{clause}"
        if self.kind == "duckdb":
            import duckdb

            assert self.duckdb_path is not None
            conn: Any = duckdb.connect(str(self.duckdb_path), read_only=True)
        else:
            import psycopg

            conn = psycopg.connect(self.postgres_dsn, connect_timeout=connect_timeout_s)
            conn.read_only = True
        try:
            rows = self._execute(conn, sql, params).fetchall()
        finally:
            conn.close()
        return {str(row[0]) for row in rows}

    # -- writes ------------------------------------------------------------------

    def record_file(
        self,
        sha256: str,
        entity: str,
        source_file: str,
        rows_read: int,
        rows_loaded: int,
        rows_quarantined: int,
        loaded_at: datetime | None = None,
    ) -> None:
        """Add a file to the ledger so that the same content is never loaded twice."""
        row = pd.DataFrame(
            [
                {
                    "file_sha256": sha256,
                    "entity": entity,
                    "source_file": source_file,
                    "rows_read": int(rows_read),
                    "rows_loaded": int(rows_loaded),
                    "rows_quarantined": int(rows_quarantined),
                    "loaded_at": pd.Timestamp(loaded_at or utc_now()),
                }
            ]
        )
        with self.connect() as conn:
            self._insert_frame(conn, row, "raw", "loaded_files", on_conflict_keys=["file_sha256"])

    def insert_quarantine(self, frame: pd.DataFrame) -> int:
        """Append rejected rows to ``raw.quarantine`` (stamping ``quarantined_at``)."""
        if frame.empty:
            return 0
        frame = frame.copy()
        if "quarantined_at" not in frame:
            frame["quarantined_at"] = pd.Timestamp(utc_now())
        for col in (
            "source_file",
            "column_name",
            "value",
            "reason",
            "record",
            "file_sha256",
            "entity",
        ):
            if col in frame:
                frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
        return self.write_table(frame, "raw", "quarantine", mode="append")

    def upsert_raw(self, entity: str, frame: pd.DataFrame) -> UpsertResult:
        """Insert raw rows whose key is new; report the rest instead of touching them.

        The loaded row always wins: a row whose key exists with the same values is a
        harmless duplicate (counted, skipped); one whose key exists with other values is
        a conflict (returned, not written) for the caller to quarantine. Keys must be
        unique within ``frame``.
        """
        if entity not in ENTITIES:
            raise WarehouseError(f"unknown raw entity {entity!r}; expected one of {ENTITIES}")
        keys = list(RAW_KEYS[entity])
        empty = UpsertResult(
            0,
            0,
            frame.iloc[0:0].assign(
                _existing_file=pd.Series(dtype=object),
                _existing_row=pd.Series(dtype="Int64"),
                _existing_loaded_at=pd.Series(dtype="datetime64[ns]"),
            ),
        )
        if frame.empty:
            return empty
        table_cols = self.columns("raw", entity)
        cols = [c for c in table_cols if c in frame.columns]
        values = [c for c in cols if c not in keys and c not in LINEAGE_COLUMNS]
        rel = _rel("raw", entity)
        join = " and ".join(f"s.{quote_ident(k)} = t.{quote_ident(k)}" for k in keys)
        same = (
            " and ".join(
                f"s.{quote_ident(v)} is not distinct from t.{quote_ident(v)}" for v in values
            )
            or "true"
        )
        select_cols = ", ".join(f"s.{quote_ident(c)}" for c in cols)
        with self.connect() as conn:
            stage = self._stage(conn, frame[cols], "raw", entity)
            matched = self._fetch_frame(
                conn,
                f"select {select_cols}, t._source_file as _existing_file, "
                f"t._source_row as _existing_row, t._loaded_at as _existing_loaded_at, "
                f"({same}) as _same from {stage} s join {rel} t on {join}",
            )
            same_rows = matched["_same"].astype(bool).to_numpy()
            duplicates = int(same_rows.sum())
            conflicts = matched[~same_rows].drop(columns="_same").reset_index(drop=True)
            insert_cols = ", ".join(quote_ident(c) for c in cols)
            plain_cols = ", ".join(quote_ident(c) for c in cols)
            cur = self._execute(
                conn,
                f"insert into {rel} ({insert_cols}) select {plain_cols} from {stage} "
                f"on conflict ({', '.join(quote_ident(k) for k in keys)}) do nothing",
            )
            inserted = self._rowcount(cur)
            self._drop_stage(conn, stage)
        return UpsertResult(int(inserted), int(duplicates), conflicts)

    def delete_keys(self, schema: str, table: str, keys: pd.DataFrame) -> int:
        """Delete the rows whose key columns match a row of ``keys``; return how many."""
        if keys.empty:
            return 0
        cond = " and ".join(f"t.{quote_ident(k)} = s.{quote_ident(k)}" for k in keys.columns)
        with self.connect() as conn:
            stage = self._stage(conn, keys, schema, table)
            if self.kind == "postgres":
                sql = f"delete from {_rel(schema, table)} t using {stage} s where {cond}"
            else:
                sql = (
                    f"delete from {_rel(schema, table)} t where exists "
                    f"(select 1 from {stage} s where {cond})"
                )
            deleted = self._rowcount(self._execute(conn, sql))
            self._drop_stage(conn, stage)
        return int(deleted)

    def write_table(
        self,
        frame: pd.DataFrame,
        schema: str,
        table: str,
        mode: Literal["replace", "append"] = "replace",
        keys: Sequence[str] | None = None,
    ) -> int:
        """Write a frame to ``schema.table``; return the number of rows written.

        Args:
            frame: the rows; column types decide the table's types when it is created.
            schema: created if missing.
            table: created from the frame if missing.
            mode: ``"replace"`` drops and recreates the table; ``"append"`` adds rows,
                and first adds to an existing table the frame's columns it lacks
                (nullable, typed from the frame), so a release that adds an output
                column (``ml.demand_forecasts.mean``) writes into a warehouse made by an
                older one.
            keys: primary key columns. With ``mode="append"`` rows whose key exists
                replace the stored row (an upsert); with ``"replace"`` the new table
                gets that primary key so later upserts work.
        """
        if mode not in ("replace", "append"):
            raise WarehouseError(f"write_table mode must be 'replace' or 'append', not {mode!r}")
        keys = list(keys or [])
        missing = [k for k in keys if k not in frame.columns]
        if missing:
            raise WarehouseError(
                f"write_table {schema}.{table}: key column(s) {missing} not in frame"
            )
        with self.connect() as conn:
            self._execute(conn, f"create schema if not exists {quote_ident(schema)}")
            if mode == "append":
                self._create_from_frame(conn, frame, schema, table, keys)
                self._add_missing_columns(conn, frame, schema, table)
                if frame.empty:
                    return 0
                return self._insert_frame(conn, frame, schema, table, upsert_keys=keys or None)
            # A fresh table needs no conflict handling: a plain bulk insert. PostgreSQL
            # builds the key's index once after COPY, far faster than row by row; a
            # duplicate key in the frame fails either way, as it should.
            self._execute(conn, f"drop table if exists {_rel(schema, table)}")
            self._create_from_frame(conn, frame, schema, table, [] if self.is_postgres else keys)
            written = self._insert_frame(conn, frame, schema, table) if len(frame) else 0
            if keys and self.is_postgres:
                cols = ", ".join(quote_ident(k) for k in keys)
                self._execute(conn, f"alter table {_rel(schema, table)} add primary key ({cols})")
            return written

    # -- internals ---------------------------------------------------------------

    def _rowcount(self, cur: Any) -> int:
        if self.kind == "postgres":
            return max(cur.rowcount, 0)
        row = cur.fetchone()
        return int(row[0]) if row else 0

    def _create_from_frame(
        self, conn: Any, frame: pd.DataFrame, schema: str, table: str, keys: list[str]
    ) -> None:
        cols = [f"{quote_ident(str(c))} {_sql_type(frame[c])}" for c in frame.columns]
        if keys:
            cols.append(f"primary key ({', '.join(quote_ident(k) for k in keys)})")
        self._execute(conn, f"create table if not exists {_rel(schema, table)} ({', '.join(cols)})")

    def _add_missing_columns(self, conn: Any, frame: pd.DataFrame, schema: str, table: str) -> None:
        """``alter table add column`` for each frame column the stored table lacks."""
        stored = self._stored_columns(conn, schema, table)
        for col in frame.columns:
            if str(col) not in stored:
                self._execute(
                    conn,
                    f"alter table {_rel(schema, table)} "
                    f"add column {quote_ident(str(col))} {_sql_type(frame[col])}",
                )

    def _stage(self, conn: Any, frame: pd.DataFrame, schema: str, table: str) -> str:
        """Put ``frame`` where SQL can read it, typed like ``schema.table``; return its name."""
        name = f"_stage_{uuid.uuid4().hex[:12]}"
        cols = list(frame.columns)
        if self.kind == "duckdb":
            types = dict(
                self._execute(
                    conn,
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = ? and table_name = ?",
                    [schema, table],
                ).fetchall()
            )
            view = f"{name}_frame"
            conn.register(view, _for_duckdb(frame))
            select = ", ".join(
                f"cast({quote_ident(c)} as {types[c]}) as {quote_ident(c)}"
                if c in types
                else quote_ident(c)
                for c in cols
            )
            self._execute(
                conn,
                f"create temp table {quote_ident(name)} as "
                f"select {select} from {quote_ident(view)}",
            )
            conn.unregister(view)
            return quote_ident(name)
        col_list = ", ".join(quote_ident(c) for c in cols)
        self._execute(
            conn,
            f"create temp table {quote_ident(name)} on commit drop as "
            f"select {col_list} from {_rel(schema, table)} limit 0",
        )
        self._copy_into(conn, frame, quote_ident(name))
        return quote_ident(name)

    def _drop_stage(self, conn: Any, stage: str) -> None:
        self._execute(conn, f"drop table if exists {stage}")

    def _copy_into(self, conn: Any, frame: pd.DataFrame, relation: str) -> None:
        """PostgreSQL bulk load: the frame as CSV through ``COPY FROM STDIN``.

        Arrow's C++ CSV writer renders the text (ten times faster than ``to_csv``); it
        quotes every string and leaves nulls bare, which is exactly how PostgreSQL's CSV
        format tells an empty string from NULL.
        """
        col_list = ", ".join(quote_ident(str(c)) for c in frame.columns)
        sql = f"copy {relation} ({col_list}) from stdin with (format csv)"
        step = 100_000
        with conn.cursor().copy(sql) as copy:
            for start in range(0, len(frame), step):
                copy.write(_csv_bytes(frame.iloc[start : start + step]))

    def _insert_frame(
        self,
        conn: Any,
        frame: pd.DataFrame,
        schema: str,
        table: str,
        upsert_keys: Sequence[str] | None = None,
        on_conflict_keys: Sequence[str] | None = None,
    ) -> int:
        """Insert a frame; ``upsert_keys`` updates existing keys, ``on_conflict_keys`` skips."""
        cols = [str(c) for c in frame.columns]
        col_list = ", ".join(quote_ident(c) for c in cols)
        conflict = ""
        if upsert_keys:
            updates = [c for c in cols if c not in upsert_keys]
            target = ", ".join(quote_ident(k) for k in upsert_keys)
            if updates:
                sets = ", ".join(f"{quote_ident(c)} = excluded.{quote_ident(c)}" for c in updates)
                conflict = f" on conflict ({target}) do update set {sets}"
            else:
                conflict = f" on conflict ({target}) do nothing"
        elif on_conflict_keys:
            target = ", ".join(quote_ident(k) for k in on_conflict_keys)
            conflict = f" on conflict ({target}) do nothing"
        rel = _rel(schema, table)
        if not conflict and self.kind == "postgres":
            self._copy_into(conn, frame, rel)
            return len(frame)
        if not conflict:
            view = f"_frame_{uuid.uuid4().hex[:12]}"
            conn.register(view, _for_duckdb(frame))
            cur = self._execute(
                conn, f"insert into {rel} ({col_list}) select {col_list} from {quote_ident(view)}"
            )
            n = self._rowcount(cur)
            conn.unregister(view)
            return n
        stage = self._stage(conn, frame, schema, table)
        cur = self._execute(
            conn, f"insert into {rel} ({col_list}) select {col_list} from {stage}{conflict}"
        )
        n = self._rowcount(cur)
        self._drop_stage(conn, stage)
        return n


def _for_duckdb(frame: pd.DataFrame) -> pd.DataFrame:
    """DuckDB scans most dtypes directly; only all-null object columns need a hint."""
    return frame.reset_index(drop=True)


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV text (no header) of a frame for ``COPY ... (format csv)``."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # Mixed-type object columns: let pandas turn every cell into text first.
        table = pa.Table.from_pandas(
            frame.astype({c: "string" for c in frame.columns if frame[c].dtype == object}),
            preserve_index=False,
        )
    columns = []
    for column in table.columns:
        if pa.types.is_timestamp(column.type) and column.type.unit == "ns":
            column = column.cast(pa.timestamp("us", tz=column.type.tz), safe=False)
        columns.append(column)
    table = pa.Table.from_arrays(columns, names=table.column_names)
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(include_header=False))
    return sink.getvalue().to_pybytes()


def _where(where: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
    if not where:
        return "", []
    parts: list[str] = []
    params: list[Any] = []
    for column, value in where.items():
        ident = quote_ident(column)
        if value is None:
            parts.append(f"{ident} is null")
        elif isinstance(value, list | tuple | set | frozenset):
            values = list(value)
            if not values:
                parts.append("false")
                continue
            parts.append(f"{ident} in ({', '.join('?' for _ in values)})")
            params.extend(values)
        else:
            parts.append(f"{ident} = ?")
            params.append(value)
    return " where " + " and ".join(parts), params


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
