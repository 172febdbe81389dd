from pathlib import Path

import pytest

from orchestration.settings import ConfigError, get_settings

pytestmark = pytest.mark.unit


def test_defaults_put_everything_under_home(tmp_path: Path) -> None:
    s = get_settings({"STOCKCAST_HOME": str(tmp_path)})
    assert s.home == tmp_path.resolve()
    assert s.dbt_target == "duckdb"
    assert s.duckdb_path == tmp_path.resolve() / "warehouse.duckdb"
    assert s.incoming_dir == tmp_path.resolve() / "incoming"
    assert s.dagster_home == tmp_path.resolve() / "dagster"
    assert s.dbt_env() == {
        "STOCKCAST_DBT_TARGET": "duckdb",
        "STOCKCAST_DUCKDB_PATH": str(tmp_path.resolve() / "warehouse.duckdb"),
    }


def test_postgres_url_selects_postgres_target(tmp_path: Path) -> None:
    s = get_settings(
        {
            "STOCKCAST_HOME": str(tmp_path),
            "STOCKCAST_WAREHOUSE_URL": "postgresql://ann:p%40ss@db.local:6543/wh",
        }
    )
    assert s.is_postgres
    assert s.dbt_env()["STOCKCAST_PG_PASSWORD"] == "p@ss"
    assert s.dbt_env()["STOCKCAST_PG_PORT"] == "6543"
    assert s.dbt_env()["STOCKCAST_PG_DBNAME"] == "wh"


def test_unknown_scheme_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="STOCKCAST_WAREHOUSE_URL: unsupported scheme 'mysql'"):
        get_settings({"STOCKCAST_HOME": str(tmp_path), "STOCKCAST_WAREHOUSE_URL": "mysql://x/y"})


def test_config_file_mappings_and_defaults(tmp_path: Path) -> None:
    (tmp_path / "stockcast.yaml").write_text(
        "sources:\n"
        "  - entity: sales\n"
        "    pattern: 'train*.csv.gz'\n"
        "    columns: {sku: 'S{store:02d}-I{item:02d}', quantity: sales}\n"
        "defaults:\n"
        "  lead_time_days: 21\n"
    )
    s = get_settings({"STOCKCAST_HOME": str(tmp_path)})
    first = s.patterns_for("sales")[0]
    assert first.pattern == "train*.csv.gz"
    assert first.columns["quantity"] == "sales"
    assert s.defaults.lead_time_days == 21.0
    assert s.dbt_vars()["default_lead_time_days"] == 21.0
    # the contract's own patterns still apply after the configured ones
    assert [m.pattern for m in s.patterns_for("sales")[1:]] == ["sales*.csv", "sales*.csv.gz"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources: [{entity: sale, pattern: 'x*.csv'}]", r"sources\[0\]\.entity: 'sale'"),
        ("sources: [{entity: sales}]", r"sources\[0\]\.pattern"),
        ("defaults: {lead_time_days: soon}", r"defaults\.lead_time_days: 'soon'"),
        ("colour: blue", r"unknown top-level key\(s\) \['colour'\]"),
        ("sources: [unclosed", "not valid YAML"),
        ("quarantine_max_share: 3", "quarantine_max_share"),
    ],
)
def test_broken_config_names_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "stockcast.yaml").write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        get_settings({"STOCKCAST_HOME": str(tmp_path)})
    assert "stockcast.yaml" in str(info.value)


def test_secrets_come_from_prefixed_env_and_sections_from_yaml(tmp_path: Path) -> None:
    (tmp_path / "stockcast.yaml").write_text("notifications: {email: {to: [a@b.c]}}\n")
    s = get_settings({"STOCKCAST_HOME": str(tmp_path), "STOCKCAST_SECRET_SMTP_PASSWORD": "pw"})
    assert s.secret("smtp_password") == "pw"
    assert s.secret("missing") is None
    assert s.section("notifications") == {"email": {"to": ["a@b.c"]}}
    assert s.section("policy") == {}
    assert "pw" not in repr(s)
