from pathlib import Path

import pytest

from orchestration.ingestion.contract import CONTRACTS, contract_for
from orchestration.settings import ENTITIES
from orchestration.warehouse import LINEAGE_COLUMNS, RAW_KEYS, Warehouse

pytestmark = pytest.mark.unit


def test_contract_matches_the_raw_ddl(tmp_path: Path) -> None:
    wh = Warehouse("duckdb", duckdb_path=tmp_path / "w.duckdb")
    wh.ensure_raw_schema()
    assert list(CONTRACTS) == list(ENTITIES)
    for entity, contract in CONTRACTS.items():
        table = list(wh.columns("raw", entity))
        assert table == [*contract.names, *LINEAGE_COLUMNS], entity
        assert contract.keys == RAW_KEYS[entity]


def test_only_sales_is_a_required_file() -> None:
    assert [e for e, c in CONTRACTS.items() if not c.optional_file] == ["sales"]
    assert contract_for("sales").required == ["date", "sku", "quantity"]


def test_unknown_entity_names_the_choices() -> None:
    with pytest.raises(KeyError, match="sale.*expected one of"):
        contract_for("sale")
