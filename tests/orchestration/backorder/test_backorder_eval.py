"""``stockcast backorder-eval`` on a subsample of the real public file."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from orchestration.commands.backorder_eval import backorder_eval

pytestmark = [pytest.mark.integration]

FAST = """\
backorder:
  strategies: [none, under]
  search_iter: 1
  cv_folds: 2
  importance_rows: 2000
  importance_repeats: 1
"""


def _subsample(sample: Path, folder: Path) -> tuple[Path, Path]:
    """Two disjoint real files (~12k and ~6k rows, every ~10th a backorder), with footers."""
    frame = pd.read_csv(sample, dtype=str, keep_default_na=False)
    frame = frame[frame["sku"].str.match(r"^\d+$")]
    yes = frame[frame["went_on_backorder"] == "Yes"].sample(1200, random_state=1)
    no = frame[frame["went_on_backorder"] == "No"].sample(16800, random_state=1)
    rows = pd.concat([yes, no]).sample(frac=1.0, random_state=2)
    paths = []
    for name, part in (("train.csv", rows.iloc[:12000]), ("test.csv.gz", rows.iloc[12000:])):
        path = folder / name
        part.to_csv(path, index=False)
        if name.endswith(".csv"):
            with path.open("a") as handle:
                handle.write(f"({len(part)} rows)\n")
        paths.append(path)
    return paths[0], paths[1]


@pytest.mark.slow
def test_backorder_eval_writes_every_metric(
    backorder_sample_path: Path, stockcast_home: Path, tmp_path: Path
) -> None:
    """Separate train and test files: JSON on stdout and in --out with metrics, time, memory."""
    (stockcast_home / "stockcast.yaml").write_text(FAST)
    train, test = _subsample(backorder_sample_path, tmp_path)
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        backorder_eval, ["--train", str(train), "--test", str(test), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    for name in ("roc_auc", "pr_auc", "precision", "recall", "f1", "threshold"):
        assert report["test"][name] is not None, name
    assert set(report["test"]["confusion_matrix"]) == {"tn", "fp", "fn", "tp"}
    assert report["test"]["rows"] == 6000
    assert report["data"]["train_rows"] == 12000
    assert report["baseline"]["pr_auc"] is not None
    assert report["feature_importance"] and report["comparison"]
    assert report["timings"]["wall_seconds"] > 0 and report["timings"]["total_seconds"] > 0
    assert report["memory"]["peak_rss_mib"] > 0
    assert report["test"]["roc_auc"] > 0.8  # real signal even on 12k rows and a tiny search
    assert report["files"]["split"] == "separate test file"
    printed = json.loads(result.stdout[: result.stdout.rindex("}") + 1])
    assert printed["test"] == report["test"] and "curves" not in printed


def test_backorder_eval_without_test_uses_a_stratified_holdout(
    backorder_sample_path: Path, stockcast_home: Path, tmp_path: Path
) -> None:
    """No --test: 20% of --train, stratified, is scored; nothing else is needed."""
    (stockcast_home / "stockcast.yaml").write_text(FAST + "  strategy: none\n")
    train, _ = _subsample(backorder_sample_path, tmp_path)
    result = CliRunner().invoke(backorder_eval, ["--train", str(train)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[: result.stdout.rindex("}") + 1])
    assert report["data"]["test_rows"] == 2400
    data = report["data"]
    assert data["test_positive_rate"] == pytest.approx(data["train_positive_rate"], abs=0.001)
    assert report["files"]["test"] is None


def test_backorder_eval_rejects_a_file_without_the_schema(
    stockcast_home: Path, tmp_path: Path
) -> None:
    """A file that is not the public schema fails with the missing columns named."""
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,qty\n1,2\n")
    result = CliRunner().invoke(backorder_eval, ["--train", str(bad)])
    assert result.exit_code != 0
    assert "missing required column" in result.output and "national_inv" in result.output
