"""Inventory policy assets: recommendations, alerts, notifications and the policy replay."""

from orchestration.defs.policy.assets import policy_assets

__all__ = ["policy_assets"]
