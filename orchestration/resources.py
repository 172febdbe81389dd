"""The one Dagster resource every stockcast asset asks for settings and the warehouse."""

from __future__ import annotations

import os

import dagster as dg

from orchestration.settings import Settings, get_settings
from orchestration.warehouse import Warehouse


class StockcastResource(dg.ConfigurableResource):
    """Settings and warehouse access for assets, resolved when an asset runs.

    Nothing is read at import time, so ``STOCKCAST_HOME`` and the warehouse URL can
    change between runs (the CLI and tests do). The two optional fields override the
    environment: tests point a run at a temporary home or a throw-away PostgreSQL
    database without touching ``os.environ``.
    """

    home: str | None = None
    warehouse_url: str | None = None

    def settings(self) -> Settings:
        """Settings from the environment and config file, with this resource's overrides."""
        env = dict(os.environ)
        if self.home:
            env["STOCKCAST_HOME"] = self.home
            if not self.warehouse_url and "STOCKCAST_WAREHOUSE_URL" in env:
                # A home override means "use that home's embedded warehouse" unless a URL
                # is given too; an ambient URL would silently point elsewhere.
                env.pop("STOCKCAST_WAREHOUSE_URL")
        if self.warehouse_url:
            env["STOCKCAST_WAREHOUSE_URL"] = self.warehouse_url
        return get_settings(env)

    def warehouse(self) -> Warehouse:
        """The warehouse the settings name (connections open per operation)."""
        return Warehouse.from_settings(self.settings())
