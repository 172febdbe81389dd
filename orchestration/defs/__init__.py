"""Dagster definitions, one package per domain (ingestion, dbt, pipeline, ...)."""
