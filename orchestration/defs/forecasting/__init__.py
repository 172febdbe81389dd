"""Demand forecasting assets (group ``ml``), partitioned by SKU shard."""

from orchestration.defs.forecasting.assets import forecasting_assets
from orchestration.defs.forecasting.partitions import sku_shards

__all__ = ["forecasting_assets", "sku_shards"]
