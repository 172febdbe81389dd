"""The staged runner behind `stockcast run`, on a toy graph that mixes partitioning."""

import dagster as dg
import pytest

from orchestration.runner import plan_stages, run_all

pytestmark = pytest.mark.unit

SHARDS = dg.StaticPartitionsDefinition(["s0", "s1"])
CALLS: list[str] = []


@dg.asset
def upstream() -> None:
    CALLS.append("upstream")


@dg.asset(deps=[upstream], partitions_def=SHARDS)
def sharded(context: dg.AssetExecutionContext) -> None:
    CALLS.append(f"sharded:{context.partition_key}")


@dg.asset(deps=[sharded])
def downstream() -> None:
    CALLS.append("downstream")


def _defs(upstream_check_passes: bool = True) -> dg.Definitions:
    @dg.asset_check(asset=upstream, blocking=True)
    def upstream_ok() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=upstream_check_passes)

    return dg.Definitions(assets=[upstream, sharded, downstream], asset_checks=[upstream_ok])


def test_stages_follow_dependencies_and_partitioning() -> None:
    graph = _defs().resolve_asset_graph()
    stages = plan_stages(graph, set(graph.get_all_asset_keys()))
    assert [sorted(k.to_user_string() for k in keys) for _, keys, _ in stages] == [
        ["upstream"],
        ["sharded"],
        ["downstream"],
    ]
    assert stages[1][2] == SHARDS


def test_run_all_runs_each_partition_once_in_order() -> None:
    CALLS.clear()
    with dg.instance_for_test() as instance:
        report = run_all(_defs(), instance)
    assert report.success
    assert CALLS == ["upstream", "sharded:s0", "sharded:s1", "downstream"]
    assert [s.partition for s in report.stages] == [None, "s0", "s1", None]


def test_failed_blocking_check_stops_later_stages() -> None:
    CALLS.clear()
    with dg.instance_for_test() as instance:
        report = run_all(_defs(upstream_check_passes=False), instance)
    assert not report.success
    assert CALLS == ["upstream"]
    assert report.not_run == ["sharded", "downstream"]
    assert len(report.failed_checks) == 1


def test_selection_limits_the_run() -> None:
    CALLS.clear()
    with dg.instance_for_test() as instance:
        report = run_all(_defs(), instance, selection="key:upstream")
    assert report.success
    assert CALLS == ["upstream"]
