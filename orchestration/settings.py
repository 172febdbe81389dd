"""The one place that reads stockcast's environment variables and config file.

Every other module asks this one, so that a setting has one name, one default and
one error message. Nothing else in the code base reads ``os.environ``; the dbt
profile reads only the variables that :meth:`Settings.dbt_env` exports for it.

Environment variables (documented in ``docs/configuration.md``):

- ``STOCKCAST_HOME``: data and artifacts folder, default ``./.stockcast``.
- ``STOCKCAST_WAREHOUSE_URL``: default ``duckdb:///$STOCKCAST_HOME/warehouse.duckdb``;
  ``postgresql://user:pass@host:port/db`` selects the dbt ``postgres`` target.
- ``STOCKCAST_CONFIG``: YAML config file, default ``$STOCKCAST_HOME/stockcast.yaml``
  (optional: every key has a default).
- ``DAGSTER_HOME``: Dagster instance folder, default ``$STOCKCAST_HOME/dagster``.
- ``STOCKCAST_SECRET_<NAME>``: secrets the config refers to by name (SMTP password,
  webhook URLs with tokens), so that none is written into ``stockcast.yaml``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import yaml

ENTITIES = ("products", "suppliers", "sales", "inventory", "purchase_orders")
"""Raw entities, in load order: reference data first so facts can be checked against it."""

DEFAULT_PATTERNS: dict[str, tuple[str, ...]] = {
    "products": ("products*.csv", "products*.csv.gz"),
    "suppliers": ("suppliers*.csv", "suppliers*.csv.gz"),
    "sales": ("sales*.csv", "sales*.csv.gz"),
    "inventory": ("inventory*.csv", "inventory*.csv.gz"),
    "purchase_orders": ("purchase_orders*.csv", "purchase_orders*.csv.gz"),
}


class ConfigError(ValueError):
    """A setting or config file is wrong; the message names the file and key."""


@dataclass(frozen=True)
class SourceMapping:
    """How one kind of incoming file maps onto a raw entity of the contract.

    ``columns`` maps a contract column to either a source column name or a
    template such as ``"S{store:02d}-I{item:02d}"`` built from source columns.
    ``constants`` fills a contract column with a fixed value.
    """

    entity: str
    pattern: str
    sheet: str | int | None = None
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Defaults:
    """Fallbacks used when an optional raw file or column is missing."""

    lead_time_days: float = 14.0
    lead_time_std_days: float = 3.0
    min_order_qty: float = 1.0
    order_cost: float = 50.0
    pack_size: float = 1.0
    unit_cost_ratio: float = 0.6
    category: str = "uncategorised"
    supplier_id: str = "UNKNOWN"


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one process."""

    home: Path
    warehouse_url: str
    config_path: Path
    dagster_home: Path
    sources: tuple[SourceMapping, ...] = ()
    defaults: Defaults = field(default_factory=Defaults)
    quarantine_max_share: float = 0.05
    raw: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict, repr=False)

    def section(self, name: str) -> dict[str, Any]:
        """One top-level section of ``stockcast.yaml`` (``{}`` when absent)."""
        value = self.raw.get(name) or {}
        if not isinstance(value, dict):
            raise ConfigError(f"{self.config_path}: '{name}' must be a mapping")
        return value

    def secret(self, name: str) -> str | None:
        """A secret such as an SMTP password, from ``STOCKCAST_SECRET_<NAME>``.

        Secrets never live in ``stockcast.yaml``; the config names them instead.
        """
        return self.secrets.get(name.upper())

    @property
    def incoming_dir(self) -> Path:
        """Where raw files are dropped."""
        return self.home / "incoming"

    @property
    def artifacts_dir(self) -> Path:
        """Where model artifacts and reports are written."""
        return self.home / "artifacts"

    @property
    def is_postgres(self) -> bool:
        """Whether the warehouse is PostgreSQL (otherwise the embedded DuckDB)."""
        return self.dbt_target == "postgres"

    @property
    def dbt_target(self) -> str:
        """The dbt target in ``dbt_project/profiles.yml`` that matches the URL."""
        scheme = urlparse(self.warehouse_url).scheme
        if scheme == "duckdb":
            return "duckdb"
        if scheme in ("postgresql", "postgres") or scheme.startswith("postgresql+"):
            return "postgres"
        raise ConfigError(
            f"STOCKCAST_WAREHOUSE_URL: unsupported scheme {scheme!r} in {self.warehouse_url!r}; "
            "use duckdb:///path/to/file.duckdb or postgresql://user:pass@host:port/db"
        )

    @property
    def duckdb_path(self) -> Path:
        """The DuckDB file (only for the duckdb target)."""
        parsed = urlparse(self.warehouse_url)
        if parsed.netloc:
            raise ConfigError(
                f"STOCKCAST_WAREHOUSE_URL: {self.warehouse_url!r} has a host; use "
                "duckdb:///relative/file.duckdb or duckdb:////absolute/file.duckdb"
            )
        # As in SQLAlchemy URLs: what follows "duckdb:///" is the path, so an absolute
        # path shows a fourth slash (the default, duckdb:///$STOCKCAST_HOME/...).
        raw_path = unquote(parsed.path)[1:]
        if not raw_path:
            raise ConfigError(f"STOCKCAST_WAREHOUSE_URL has no file path: {self.warehouse_url!r}")
        return Path(raw_path).resolve()

    @property
    def postgres_dsn(self) -> str:
        """A libpq connection string for psycopg (only for the postgres target)."""
        parsed = urlparse(self.warehouse_url)
        scheme = "postgresql"
        return parsed._replace(scheme=scheme).geturl()

    def postgres_parts(self) -> dict[str, str]:
        """Host, port, user, password and database from the URL, for the dbt profile."""
        parsed = urlparse(self.warehouse_url)
        return {
            "host": parsed.hostname or "localhost",
            "port": str(parsed.port or 5432),
            "user": unquote(parsed.username or "postgres"),
            "password": unquote(parsed.password or ""),
            "dbname": (parsed.path or "/postgres").lstrip("/") or "postgres",
        }

    def dbt_env(self) -> dict[str, str]:
        """Variables that ``dbt_project/profiles.yml`` reads, derived from these settings."""
        env = {"STOCKCAST_DBT_TARGET": self.dbt_target}
        if self.is_postgres:
            parts = self.postgres_parts()
            env.update({f"STOCKCAST_PG_{k.upper()}": v for k, v in parts.items()})
        else:
            env["STOCKCAST_DUCKDB_PATH"] = str(self.duckdb_path)
        return env

    def dbt_vars(self) -> dict[str, Any]:
        """Dbt project vars that come from stockcast config (defaults for missing files)."""
        d = self.defaults
        return {
            "default_lead_time_days": d.lead_time_days,
            "default_lead_time_std_days": d.lead_time_std_days,
            "default_min_order_qty": d.min_order_qty,
            "default_order_cost": d.order_cost,
            "default_pack_size": d.pack_size,
            "default_unit_cost_ratio": d.unit_cost_ratio,
            "default_category": d.category,
            "default_supplier_id": d.supplier_id,
        }

    def export_dbt_env(self) -> None:
        """Put :meth:`dbt_env` into this process's environment for dbt subprocesses."""
        os.environ.update(self.dbt_env())
        os.environ.setdefault("DAGSTER_HOME", str(self.dagster_home))

    def ensure_dirs(self) -> None:
        """Create the home, incoming, artifacts and Dagster folders."""
        for path in (self.home, self.incoming_dir, self.artifacts_dir, self.dagster_home):
            path.mkdir(parents=True, exist_ok=True)
        if not self.is_postgres:
            self.duckdb_path.parent.mkdir(parents=True, exist_ok=True)

    def patterns_for(self, entity: str) -> list[SourceMapping]:
        """File patterns for an entity: configured mappings first, then the defaults."""
        mapped = [s for s in self.sources if s.entity == entity]
        defaults = [SourceMapping(entity=entity, pattern=p) for p in DEFAULT_PATTERNS[entity]]
        return mapped + defaults


def _load_config(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level must be a mapping, got {type(data).__name__}")
    return data


def _parse_sources(path: Path, data: dict[str, Any]) -> tuple[SourceMapping, ...]:
    entries = data.get("sources", []) or []
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: 'sources' must be a list")
    out = []
    for i, entry in enumerate(entries):
        where = f"{path}: sources[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} must be a mapping")
        unknown = set(entry) - {"entity", "pattern", "sheet", "columns", "constants"}
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}")
        entity = entry.get("entity")
        if entity not in ENTITIES:
            raise ConfigError(f"{where}.entity: {entity!r} is not one of {list(ENTITIES)}")
        pattern = entry.get("pattern")
        if not isinstance(pattern, str) or not pattern:
            raise ConfigError(f"{where}.pattern: a glob such as 'erp_sales*.xlsx' is required")
        columns = entry.get("columns", {}) or {}
        constants = entry.get("constants", {}) or {}
        if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
            raise ConfigError(f"{where}.columns: must map contract column -> source column")
        if not isinstance(constants, dict):
            raise ConfigError(f"{where}.constants: must map contract column -> value")
        out.append(
            SourceMapping(
                entity=entity,
                pattern=pattern,
                sheet=entry.get("sheet"),
                columns=dict(columns),
                constants=dict(constants),
            )
        )
    return tuple(out)


def _parse_defaults(path: Path, data: dict[str, Any]) -> Defaults:
    given = data.get("defaults", {}) or {}
    if not isinstance(given, dict):
        raise ConfigError(f"{path}: 'defaults' must be a mapping")
    known = Defaults.__dataclass_fields__
    unknown = set(given) - set(known)
    if unknown:
        raise ConfigError(f"{path}: defaults: unknown key(s) {sorted(unknown)}")
    values: dict[str, Any] = {}
    for key, value in given.items():
        want = type(getattr(Defaults(), key))
        try:
            values[key] = want(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"{path}: defaults.{key}: {value!r} is not a {want.__name__}"
            ) from exc
    return Defaults(**values)


def get_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read settings from the environment (or ``environ``) and the config file.

    Not cached: tests and the CLI change ``STOCKCAST_HOME`` between calls.
    """
    env = os.environ if environ is None else environ
    home = Path(env.get("STOCKCAST_HOME") or "./.stockcast").expanduser().resolve()
    url = env.get("STOCKCAST_WAREHOUSE_URL") or f"duckdb:///{home / 'warehouse.duckdb'}"
    config_path = Path(env.get("STOCKCAST_CONFIG") or home / "stockcast.yaml").expanduser()
    dagster_home = Path(env.get("DAGSTER_HOME") or home / "dagster").expanduser().resolve()
    data = _load_config(config_path)
    unknown = set(data) - {
        "sources",
        "defaults",
        "quarantine_max_share",
        "forecast",
        "policy",
        "backorder",
        "notifications",
        "quality",
    }
    if unknown:
        raise ConfigError(f"{config_path}: unknown top-level key(s) {sorted(unknown)}")
    share = data.get("quarantine_max_share", 0.05)
    if not isinstance(share, int | float) or not 0 <= share <= 1:
        raise ConfigError(f"{config_path}: quarantine_max_share must be a number in [0, 1]")
    settings = Settings(
        home=home,
        warehouse_url=url,
        config_path=config_path,
        dagster_home=dagster_home,
        sources=_parse_sources(config_path, data),
        defaults=_parse_defaults(config_path, data),
        quarantine_max_share=float(share),
        raw=data,
        secrets={
            key.removeprefix("STOCKCAST_SECRET_"): value
            for key, value in env.items()
            if key.startswith("STOCKCAST_SECRET_")
        },
    )
    settings.dbt_target  # noqa: B018 - validates the URL scheme early, with a clear message
    return settings
