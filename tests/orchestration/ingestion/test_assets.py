from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.ingestion.assets import ingestion_assets
from orchestration.defs.ingestion.checks import ingestion_checks, quarantine_check_result
from orchestration.resources import StockcastResource
from orchestration.warehouse import Warehouse
from tests.orchestration.ingestion.conftest import write_file


@pytest.mark.unit
def test_one_asset_per_entity_with_reference_deps() -> None:
    specs = {spec.key.to_user_string(): spec for a in ingestion_assets for spec in a.specs}
    assert set(specs) == {
        f"raw/{e}" for e in ("products", "suppliers", "sales", "inventory", "purchase_orders")
    }
    assert all(spec.group_name == "raw" for spec in specs.values())
    deps = {d.asset_key.to_user_string() for d in specs["raw/sales"].deps}
    assert deps == {"raw/products", "raw/suppliers"}
    assert not specs["raw/products"].deps
    check_assets = {k.asset_key.to_user_string() for c in ingestion_checks for k in c.check_keys}
    assert check_assets == set(specs)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("read", "quarantined", "passed", "severity"),
    [
        (100, 0, True, dg.AssetCheckSeverity.ERROR),
        (100, 5, False, dg.AssetCheckSeverity.WARN),
        (100, 6, False, dg.AssetCheckSeverity.ERROR),
        (0, 0, True, dg.AssetCheckSeverity.ERROR),
    ],
)
def test_quarantine_check_levels(
    read: int, quarantined: int, passed: bool, severity: dg.AssetCheckSeverity
) -> None:
    result = quarantine_check_result("sales", read, quarantined, max_share=0.05)
    assert result.passed is passed
    if not passed:
        assert result.severity == severity
        assert "raw.quarantine" in result.metadata["message"].value


@pytest.mark.integration
def test_materialize_ingestion_assets_on_a_temp_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    incoming = home / "incoming"
    write_file(incoming / "products.csv", "sku,name\nA,Apple\nB,Banana")
    write_file(
        incoming / "sales_1.csv.gz",
        """
        date,sku,quantity
        2024-01-01,A,1
        2024-01-01,B,2
        2024-01-02,A,3
        2024-01-02,Z,3
    """,
    )
    (home / "stockcast.yaml").write_text("quarantine_max_share: 0.5\n")
    resource = StockcastResource(home=str(home))
    result = dg.materialize(
        [*ingestion_assets, *ingestion_checks], resources={"stockcast": resource}
    )
    assert result.success  # a WARN check does not fail the run

    def meta(entity: str, run: dg.ExecuteInProcessResult = result) -> dict:
        (mat,) = [
            e.materialization
            for e in run.get_asset_materialization_events()
            if e.asset_key == dg.AssetKey(["raw", entity])
        ]
        return {k: getattr(v, "value", v) for k, v in mat.metadata.items()}

    sales = meta("sales")
    assert (
        sales["files_loaded"],
        sales["rows_read"],
        sales["rows_loaded"],
        sales["rows_quarantined"],
    ) == (1, 4, 3, 1)
    assert sales["quarantine_sample"][0]["reason"] == "unknown_sku"
    assert "warning" not in sales
    assert "no suppliers file" in meta("suppliers")["warning"]
    assert "no inventory file" in meta("inventory")["warning"]

    checks = {e.asset_key.to_user_string(): e for e in result.get_asset_check_evaluations()}
    assert checks["raw/products"].passed
    assert not checks["raw/sales"].passed  # 1 of 4 rows quarantined, under 50%: warning
    assert checks["raw/sales"].severity == dg.AssetCheckSeverity.WARN

    wh = Warehouse.from_settings(resource.settings())
    assert wh.row_count("raw", "sales") == 3

    again = dg.materialize(ingestion_assets, resources={"stockcast": resource})
    assert meta("sales", again)["files_skipped"] == 1
    assert meta("sales", again)["rows_loaded"] == 0
    assert wh.row_count("raw", "sales") == 3

    # A mostly broken file above the (default 5%) share: ERROR, blocking, the run fails.
    (home / "stockcast.yaml").unlink()
    write_file(incoming / "sales_2.csv", "date,sku,quantity\n2024-01-03,A,-1\n2024-01-03,B,1")
    failed = dg.materialize(
        [*ingestion_assets, *ingestion_checks],
        resources={"stockcast": resource},
        raise_on_error=False,
    )
    assert not failed.success
    checks = {e.asset_key.to_user_string(): e for e in failed.get_asset_check_evaluations()}
    assert checks["raw/sales"].severity == dg.AssetCheckSeverity.ERROR
    assert checks["raw/sales"].metadata["rows_quarantined"].value == 1
    assert checks["raw/sales"].metadata["rows_read"].value == 2
