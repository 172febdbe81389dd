"""``stockcast forecast-eval``: score the production forecaster on anyone's sales file.

The file is a ``sales`` file of the raw contract (or any file a ``sources:`` mapping of
``stockcast.yaml`` maps onto it, e.g. the store-item file with ``sku:
"S{store:02d}-I{item:02d}"`` and ``quantity: sales``). It is ingested through the real
ingestion path (:func:`orchestration.ingestion.loading.ingest_file`: same parsing,
validation and quarantine) into a scratch DuckDB warehouse in a temporary
``STOCKCAST_HOME``, so the user's own warehouse is never touched.

The daily frame is then built in pandas from ``raw.sales`` (sum over locations, one row per
SKU per day from its first sale to the last day of the file, zero-filled): the same grain
as the ``fct_daily_sales`` mart, without the cost of a dbt build, which dominates on small
files and adds nothing here (a sales file alone has no inventory, so no stockout flags).
:func:`ml.forecasting.evaluate_detailed` holds out the last days and runs exactly the
production selection and forecasting (the ``forecast:`` section of ``stockcast.yaml``) on
the rest; a holdout longer than the horizon is forecast from successive origins, each run
seeing only the days before its own block.
"""

from __future__ import annotations

import fnmatch
import json
import math
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from orchestration.settings import ConfigError, SourceMapping, get_settings

#: Columns of ``--forecasts-out``: the documented ``sku, date, p10, p50, p90`` first, then
#: the origin the row was forecast from (several when the holdout exceeds the horizon).
FORECAST_CSV_COLUMNS = ("sku", "date", "p10", "p50", "p90", "forecast_date")


def _mapping_for(path: Path) -> SourceMapping | None:
    """The user's ``sources:`` mapping for this file: by pattern, else the only one."""
    configured = [s for s in get_settings().sources if s.entity == "sales"]
    for mapping in configured:
        if fnmatch.fnmatch(path.name, mapping.pattern):
            return mapping
    return configured[0] if len(configured) == 1 else None


def daily_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """Raw sales rows -> one row per SKU per day, calendar-complete and zero-filled.

    Locations are summed (the forecast is per SKU), price is the quantity-weighted mean of
    the day (carried forward over days without sales), promo is any location's promo. Each
    SKU runs from its first sale to the file's last day, as in ``fct_daily_sales``.

    Every row's place in the output is computed (SKU offset + days since the SKU's first
    day) and the day's totals are ``np.bincount`` sums into those places: no string-keyed
    groupby, no per-SKU frames, no merge. Why: at 5,000 series x 3 years (5.5M rows) this
    takes 2.2 s and ~0.7 GB beside ``raw`` where a groupby + merge took 8.4 s and ~1.3 GB,
    and forecast-eval must handle tens of thousands of series.
    """
    codes, skus = pd.factorize(raw["sku"].astype(str), sort=True)
    days = pd.to_datetime(raw["date"]).to_numpy().astype("datetime64[D]").astype(np.int64)
    qty = raw["quantity"].to_numpy(dtype=float)
    price = raw["unit_price"].to_numpy(dtype=float)
    priced = ~np.isnan(price)
    promo = raw["promo"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    end = int(days.max()) if len(days) else 0
    first = np.full(len(skus), end, dtype=np.int64)
    np.minimum.at(first, codes, days)
    lengths = end - first + 1
    offsets = np.cumsum(lengths) - lengths
    total = int(lengths.sum())
    place = offsets[codes] + days - first[codes]

    def day_sum(weights: np.ndarray) -> np.ndarray:
        return np.bincount(place, weights, minlength=total)

    quantity = day_sum(qty)
    priced_qty = day_sum(np.where(priced, qty, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        weighted = day_sum(np.where(priced, qty * price, 0.0)) / priced_qty
        mean = day_sum(np.where(priced, price, 0.0)) / day_sum(priced.astype(float))
    unit_price = np.where(priced_qty > 0, weighted, mean)  # NaN: no priced row that day
    sku_of = np.repeat(np.arange(len(skus)), lengths)
    starts = np.zeros(total, dtype=bool)
    starts[offsets[lengths > 0]] = True
    out = pd.DataFrame(
        {
            "sku": np.asarray(skus, dtype=object)[sku_of],
            "date": (np.arange(total) - offsets[sku_of] + first[sku_of])
            .astype("datetime64[D]")
            .astype("datetime64[ns]"),
            "quantity": quantity,
            # Forward, then backward over the days before the first priced one, both within
            # each SKU: a SKU never priced keeps NaN rather than its neighbour's price.
            "unit_price": _bfill_within(_ffill_within(unit_price, starts), starts),
            "is_promo": day_sum(promo.astype(float)) > 0,
        }
    )
    if out["unit_price"].isna().all():
        out = out.drop(columns="unit_price")
    return out


def _ffill_within(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Carry the last non-NaN value forward, restarting at each ``starts`` position."""
    index = np.where(~np.isnan(values) | starts, np.arange(len(values)), 0)
    np.maximum.accumulate(index, out=index)
    return values[index]


def _bfill_within(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Fill each NaN with the next non-NaN value of the same segment (``starts`` opens one)."""
    ends = np.append(starts[1:], True)  # a segment ends where the next one starts
    return _ffill_within(values[::-1], ends[::-1])[::-1]


def json_safe(value: Any) -> Any:
    """NaN and infinities as ``null`` (a metric undefined on the data, e.g. MAPE on zeros).

    ``json.dumps`` would write the bare token ``NaN``, which strict JSON parsers reject.
    """
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _peak_rss_mib() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(rss / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


@dataclass
class SalesEvaluation:
    """What :func:`evaluate_sales_file` measured.

    The report, the scored rows, the frame and the per-SKU metrics
    (``ml.forecasting.Evaluation.by_sku``).
    """

    report: dict[str, Any]
    scored: pd.DataFrame
    frame: pd.DataFrame
    by_sku: pd.DataFrame


def evaluate_sales_file(
    sales_path: Path, horizon: int | None = None, holdout_days: int | None = None
) -> SalesEvaluation:
    """Ingest a sales file into a scratch warehouse and score the production forecaster.

    Raises:
        click.ClickException: bad config, unreadable file, no valid rows, bad holdout.
    """
    from dataclasses import replace

    from ml.forecasting import evaluate_detailed
    from orchestration.defs.forecasting.inputs import forecast_config
    from orchestration.ingestion.loading import ingest_file
    from orchestration.warehouse import Warehouse

    started = time.perf_counter()
    try:
        config = forecast_config(get_settings().section("forecast"))
        mapping = _mapping_for(sales_path)
    except (ConfigError, ValueError, TypeError) as error:
        raise click.ClickException(str(error)) from error
    horizon = horizon or config.horizon
    holdout = holdout_days or horizon
    config = replace(config, horizon=horizon)

    with tempfile.TemporaryDirectory(prefix="stockcast-forecast-eval-") as scratch:
        wh = Warehouse("duckdb", duckdb_path=Path(scratch) / "warehouse.duckdb")
        wh.ensure_raw_schema()
        try:
            # Chunk by chunk: one transaction would hold every row in DuckDB's memory
            # (~330 B a row) until the end, and this warehouse is thrown away anyway.
            loaded = ingest_file(wh, "sales", sales_path, mapping, one_transaction=False)
        except Exception as error:  # unreadable file, missing or unmapped column
            raise click.ClickException(f"cannot ingest {sales_path}: {error}") from error
        # Not ``location``: the frame sums over it, and each row's text would cost ~70 B.
        raw = wh.read_table("raw", "sales", ["date", "sku", "quantity", "unit_price", "promo"])
    if raw.empty:
        raise click.ClickException(f"no valid sales rows in {sales_path} (all quarantined?)")
    frame = daily_frame(raw)
    del raw
    load_seconds = time.perf_counter() - started
    try:
        result = evaluate_detailed(frame, horizon=horizon, holdout_days=holdout, config=config)
    except ValueError as error:
        raise click.ClickException(str(error)) from error

    report: dict[str, Any] = dict(result.metrics)
    report["input"] = {
        "file": str(sales_path),
        "mapping": mapping.pattern if mapping else "raw contract (no sources: mapping)",
        "rows_read": loaded.rows_read,
        "rows_loaded": loaded.rows_loaded,
        "rows_quarantined": loaded.rows_quarantined,
        "series": int(frame["sku"].nunique()),
        "daily_rows": len(frame),
        "first_date": str(frame["date"].min().date()),
        "last_date": str(frame["date"].max().date()),
    }
    report["wall_seconds"] = {
        "ingest_and_frame": round(load_seconds, 2),
        "total": round(time.perf_counter() - started, 2),
    }
    report["peak_rss_mib"] = _peak_rss_mib()
    return SalesEvaluation(
        report=json_safe(report), scored=result.scored, frame=frame, by_sku=result.by_sku
    )


@click.command("forecast-eval")
@click.option(
    "--sales",
    "sales_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Sales file (.csv, .csv.gz, .xlsx, .parquet) of the raw contract or mapped "
    "by a `sources:` entry of stockcast.yaml.",
)
@click.option(
    "--horizon",
    type=click.IntRange(min=1),
    default=None,
    help="Days ahead [default: forecast.horizon of stockcast.yaml, else 28].",
)
@click.option(
    "--holdout-days",
    type=click.IntRange(min=1),
    default=None,
    help="Days held out at the end [default: the horizon]. Longer than the horizon, they "
    "are scored from successive forecast origins HORIZON days apart (the last block may be "
    "shorter), each a full production run on the data before its block only.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the JSON report here.",
)
@click.option(
    "--forecasts-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the holdout forecasts as CSV (sku, date, p10, p50, p90, forecast_date); "
    "forecast_date is the origin (last day seen), one row per sku and date.",
)
@click.option(
    "--per-sku-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write every SKU's metrics as CSV (sku, demand_class, model, MAE ... MASE, "
    "coverage, pinball losses, and seasonal naive's naive_mae, naive_wape, naive_mase).",
)
def forecast_eval(
    sales_path: Path,
    horizon: int | None,
    holdout_days: int | None,
    out: Path | None,
    forecasts_out: Path | None,
    per_sku_out: Path | None,
) -> None:
    """Hold out the last days of a sales file and score stockcast against seasonal naive.

    Prints JSON with MAE, RMSE, MAPE, sMAPE, WAPE, MASE, bias, 80% coverage and pinball
    losses (overall, per demand class and per forecast origin), the same for seasonal
    naive, a per-SKU summary (share of SKUs beating seasonal naive, the worst SKUs; every
    SKU's metrics with --per-sku-out), the selected models, wall time and peak memory. A
    holdout longer than the horizon is forecast from successive origins (one production
    run each) and scored together.
    """
    result = evaluate_sales_file(sales_path, horizon, holdout_days)
    report = result.report
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2, default=str))
    if forecasts_out:
        forecasts_out.parent.mkdir(parents=True, exist_ok=True)
        (
            result.scored.rename(columns={"target_date": "date"})[list(FORECAST_CSV_COLUMNS)]
            .sort_values(["sku", "date"])
            .to_csv(forecasts_out, index=False)
        )
    if per_sku_out:
        per_sku_out.parent.mkdir(parents=True, exist_ok=True)
        result.by_sku.rename_axis("sku").reset_index().to_csv(per_sku_out, index=False)
    click.echo(json.dumps(report, indent=2, default=str))
    s, n = report["stockcast"], report["seasonal_naive"]
    click.echo(
        f"stockcast MASE {_fmt(s['mase'])} WAPE {_fmt(s['wape'])} coverage80 "
        f"{_fmt(s.get('coverage_80'))} | seasonal naive MASE {_fmt(n['mase'])} "
        f"WAPE {_fmt(n['wape'])} | {report['input']['series']} series, "
        f"{report['holdout_days']} days from {report['n_origins']} origin(s), wall "
        f"{report['wall_seconds']['total']}s, peak RSS {report['peak_rss_mib']} MiB",
        err=True,
    )


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
