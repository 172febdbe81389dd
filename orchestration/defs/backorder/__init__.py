"""Backorder-risk domain: the classifier's training asset, the risk table, the artifacts.

``artifacts`` has no Dagster import, so the dashboard and the API can find the latest
model without loading the code location.
"""
