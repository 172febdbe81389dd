"""End to end on a slice of the real public backorder sample (a few seconds: marked slow)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ml.backorder import TARGET, evaluate, load_backorder_csv, split_holdout

pytestmark = pytest.mark.slow


def test_real_sample_subsample_learns(backorder_sample_path, fast_config):
    frame = load_backorder_csv(backorder_sample_path).frame
    keep = frame.groupby(TARGET, group_keys=False).sample(frac=0.15, random_state=0)
    train, test = split_holdout(keep, seed=0)
    config = replace(fast_config, compare_rows=10_000, search_rows=10_000, importance_rows=2000)
    report = evaluate(train, test, config)
    assert report["test"]["roc_auc"] > 0.85
    assert report["test"]["pr_auc"] > 2 * report["data"]["test_positive_rate"]
