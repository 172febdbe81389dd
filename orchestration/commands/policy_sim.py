"""``stockcast policy-sim``: replay the last weeks under each inventory policy, as JSON.

The same core as the ``policy_simulation`` asset
(:mod:`orchestration.defs.policy.simulation`), run on the warehouse the settings name,
without Dagster, so a planner can try a service level before changing the config.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from orchestration.settings import ConfigError, get_settings


@click.command("policy-sim")
@click.option(
    "--service-level",
    type=click.FloatRange(0.5, 0.999),
    default=None,
    help="Target cycle service level [default: policy.default_service_level].",
)
@click.option(
    "--safety-factor",
    type=click.FloatRange(min=0.0),
    default=None,
    help="Fixed-factor rule's k [default: policy.safety_factor].",
)
@click.option(
    "--holdout-days",
    default=90,
    show_default=True,
    help="Days at the end of the history to replay.",
)
@click.option(
    "--history-days",
    default=182,
    show_default=True,
    help="Days before the replay the policies may learn from.",
)
@click.option("--seed", default=0, show_default=True, help="Seed of the lead-time draws.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the JSON report here instead of standard output.",
)
def policy_sim(
    service_level: float | None,
    safety_factor: float | None,
    holdout_days: int,
    history_days: int,
    seed: int,
    out: Path | None,
) -> None:
    """Compare fixed-factor, service-level and forecast policies on a held-out period.

    Prints per policy fill_rate, cycle_service_level, stockout_days, avg_inventory_value and
    orders, overall and per demand class, plus the inventory / fill-rate trade-off sweep.
    """
    from ml.policy import PolicyConfig
    from orchestration.defs.policy.assets import MART_RELATIONS
    from orchestration.defs.policy.simulation import (
        load_simulation_frames,
        prepare_simulation,
        run_policy_simulation,
    )
    from orchestration.warehouse import Warehouse

    try:
        settings = get_settings()
        config = PolicyConfig.from_mapping(settings.section("policy"))
    except (ConfigError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    wh = Warehouse.from_settings(settings)
    try:
        frames = load_simulation_frames(wh, MART_RELATIONS, holdout_days, history_days)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    setup = prepare_simulation(
        **frames,
        holdout_days=holdout_days,
        history_days=history_days,
        min_receipts=config.min_receipts,
    )
    report = run_policy_simulation(
        setup,
        service_level=service_level or config.default_service_level,
        safety_factor=config.safety_factor if safety_factor is None else safety_factor,
        review_period_days=max(config.review_period_days, 1),
        seed=seed,
    )
    text = json.dumps(report.to_json(), indent=2)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n")
        click.echo(f"wrote {out}", err=True)
