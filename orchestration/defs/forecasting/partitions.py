"""SKU shards: the partitions the forecasting assets run on.

A SKU's shard is ``crc32(sku) % N``, stable across processes and Python versions (unlike
``hash``), so a SKU stays in its shard from run to run and a shard's rows in the ML tables
can be replaced without touching the others. ``N`` is ``forecast.shards`` in
``stockcast.yaml`` (default 4), read when the code location loads: changing it changes the
partition set, so re-run every shard afterwards.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import dagster as dg

from orchestration.settings import get_settings

DEFAULT_SHARDS = 4


def shard_count() -> int:
    """Shards configured in ``stockcast.yaml`` (``forecast: shards:``), default 4."""
    try:
        value = int(get_settings().section("forecast").get("shards", DEFAULT_SHARDS))
    except Exception:  # a broken config must not stop the code location from loading
        return DEFAULT_SHARDS
    return max(value, 1)


def shard_key(index: int) -> str:
    """Partition key of shard ``index`` (``shard_00``, ``shard_01``, ...)."""
    return f"shard_{index:02d}"


def shard_index(partition_key: str) -> int:
    """Inverse of :func:`shard_key`."""
    return int(partition_key.rsplit("_", 1)[-1])


def shard_of(sku: str, n_shards: int) -> int:
    """Stable shard of one SKU."""
    return zlib.crc32(str(sku).encode("utf-8")) % n_shards


def skus_in_shard(skus: Iterable[str], partition_key: str, n_shards: int) -> list[str]:
    """The SKUs of ``skus`` that belong to the shard ``partition_key`` names."""
    index = shard_index(partition_key)
    return sorted({str(s) for s in skus if shard_of(str(s), n_shards) == index})


N_SHARDS = shard_count()
sku_shards = dg.StaticPartitionsDefinition([shard_key(i) for i in range(N_SHARDS)])
"""SKU shard partitions of ``demand_forecast_model``, ``demand_forecasts`` and
``forecast_backtest_metrics``."""
