"""Materialise the whole asset graph once, in this process: what ``stockcast run`` does.

A Dagster job cannot mix assets of different partitioning, and the forecasting assets
are partitioned by SKU shard while ingestion and dbt are not. So the graph runs in
stages, in dependency order: each stage is either the unpartitioned assets whose
upstreams are done, or one partitioned group run once per partition key. A failed
stage stops the stages after it, which are reported as skipped (Dagster already
skips downstream steps inside a stage when a step or a blocking check fails).

In the UI the same graph runs through the daily schedule and the incoming-files sensor
(unpartitioned assets) and automation conditions (the shards), with Dagster's own
executors; this module is only the serverless path.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import dagster as dg


@dataclass
class StageResult:
    """What one stage (one job, one partition) did."""

    name: str
    partition: str | None
    success: bool
    run_id: str
    seconds: float
    materialized: int
    failed_steps: list[str]
    skipped_steps: list[str]
    checks: list[dg.AssetCheckEvaluation]


@dataclass
class RunReport:
    """Everything ``stockcast run`` prints and bases its exit code on."""

    stages: list[StageResult] = field(default_factory=list)
    not_run: list[str] = field(default_factory=list)

    @property
    def checks(self) -> list[dg.AssetCheckEvaluation]:
        """Every asset check evaluated, in every stage."""
        return [c for s in self.stages for c in s.checks]

    @property
    def failed_checks(self) -> list[dg.AssetCheckEvaluation]:
        """Checks that did not pass with ERROR severity (blocking or not)."""
        error = dg.AssetCheckSeverity.ERROR
        return [c for c in self.checks if not c.passed and c.severity == error]

    @property
    def warned_checks(self) -> list[dg.AssetCheckEvaluation]:
        """Checks that did not pass with WARN severity: shown, never fatal."""
        return [c for c in self.checks if not c.passed and c.severity == dg.AssetCheckSeverity.WARN]

    @property
    def success(self) -> bool:
        """True only when every stage ran, every step succeeded and no ERROR check failed."""
        return (
            not self.not_run
            and all(s.success and not s.failed_steps for s in self.stages)
            and not self.failed_checks
        )


def plan_stages(
    graph: dg.AssetGraph, selected: set[dg.AssetKey]
) -> list[tuple[str, set[dg.AssetKey], dg.PartitionsDefinition | None]]:
    """Split the selected, materialisable assets into dependency-ordered stages."""
    remaining = {k for k in selected if graph.get(k).is_materializable}
    done: set[dg.AssetKey] = set()
    stages: list[tuple[str, set[dg.AssetKey], dg.PartitionsDefinition | None]] = []
    while remaining:
        ready = {
            k for k in remaining if not ({p for p in graph.get(k).parent_keys if p in remaining})
        }
        if not ready:  # a cycle cannot happen in a valid graph; guard anyway
            raise RuntimeError(f"cannot order assets: {sorted(map(str, remaining))}")
        unpartitioned = {k for k in ready if graph.get(k).partitions_def is None}
        if unpartitioned:
            # Grow the stage with every unpartitioned asset reachable without crossing a
            # partitioned one, so ingestion + dbt + checks run as one Dagster job.
            stage = set(unpartitioned)
            grew = True
            while grew:
                grew = False
                for k in remaining - stage:
                    node = graph.get(k)
                    parents = {p for p in node.parent_keys if p in remaining}
                    if node.partitions_def is None and parents <= stage:
                        stage.add(k)
                        grew = True
            stages.append((f"stage_{len(stages) + 1}", stage, None))
        else:
            first = next(iter(sorted(ready, key=str)))
            pdef = graph.get(first).partitions_def
            stage = {k for k in ready if graph.get(k).partitions_def == pdef}
            grew = True
            while grew:
                grew = False
                for k in remaining - stage:
                    node = graph.get(k)
                    parents = {p for p in node.parent_keys if p in remaining}
                    if node.partitions_def == pdef and parents <= stage:
                        stage.add(k)
                        grew = True
            stages.append((f"stage_{len(stages) + 1}", stage, pdef))
        remaining -= stage
        done |= stage
    return stages


def run_all(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    selection: str | None = None,
    log_level: str = "INFO",
    on_stage: Callable[[str], None] | None = None,
    tags: dict[str, str] | None = None,
) -> RunReport:
    """Materialise the selection (default: everything) stage by stage."""
    graph = defs.resolve_asset_graph()
    asset_selection = (
        dg.AssetSelection.from_string(selection) if selection else dg.AssetSelection.all()
    )
    selected = set(asset_selection.resolve(graph))
    report = RunReport()
    stages = plan_stages(graph, selected)
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    for index, (name, keys, pdef) in enumerate(stages):
        partitions: Sequence[str | None] = (
            pdef.get_partition_keys(dynamic_partitions_store=instance) if pdef else [None]
        )
        job_defs = dg.Definitions.merge(
            defs,
            dg.Definitions(jobs=[dg.define_asset_job(f"stockcast_{name}", selection=list(keys))]),
        )
        job = job_defs.resolve_job_def(f"stockcast_{name}")
        for partition in partitions:
            label = f"{name} ({len(keys)} assets{', ' + partition if partition else ''})"
            if on_stage:
                on_stage(label)
            started = time.perf_counter()
            result = job.execute_in_process(
                instance=instance,
                partition_key=partition,
                raise_on_error=False,
                run_config=run_config,
                tags=tags or {},
            )
            report.stages.append(
                StageResult(
                    name=name,
                    partition=partition,
                    success=result.success,
                    run_id=result.run_id,
                    seconds=time.perf_counter() - started,
                    materialized=len(result.get_asset_materialization_events()),
                    failed_steps=sorted(result.get_failed_step_keys()),
                    skipped_steps=sorted(
                        {e.step_key for e in result.get_step_skipped_events() if e.step_key}
                    ),
                    checks=list(result.get_asset_check_evaluations()),
                )
            )
        if not all(s.success for s in report.stages):
            report.not_run = [
                k.to_user_string() for _, later, _ in stages[index + 1 :] for k in sorted(later)
            ]
            break
    return report
