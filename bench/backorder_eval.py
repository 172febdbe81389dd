"""Backorder classifier: train + evaluate on the public schema, report as JSON.

Without ``--test`` the file is split stratified 80/20 by row (the public data has no time
column). ``--replicate-train K`` / ``--replicate-test K`` repeat the train and test parts
*after* the split (so no row is in both), to measure time and memory at production
scale: 10 x the 168k-row train part is 1.68M rows, the size of the full public training
file. Metrics on replicated data are not estimates of anything; only time and memory are.

    nice -n 10 .venv/bin/python bench/backorder_eval.py \
        --train ../shared/data/backorder/train_sample.csv.gz --out bench/results/backorder.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ml.backorder import (  # noqa: E402
    BackorderConfig,
    evaluate_with_model,
    load_backorder_csv,
    save_model,
    split_holdout,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True, type=Path)
    parser.add_argument("--test", type=Path, help="separate labelled file; default: split --train")
    parser.add_argument("--out", required=True, type=Path, help="JSON report path")
    parser.add_argument("--model-out", type=Path, help="also save the model artifact here")
    parser.add_argument("--test-share", type=float, default=0.2)
    parser.add_argument("--replicate-train", type=int, default=1)
    parser.add_argument("--replicate-test", type=int, default=1)
    parser.add_argument("--strategy", help="skip the strategy comparison and use this one")
    parser.add_argument("--strategies", help="comma-separated strategies to compare")
    parser.add_argument("--search-iter", type=int, default=BackorderConfig.search_iter)
    parser.add_argument("--search-rows", type=int, default=BackorderConfig.search_rows)
    parser.add_argument("--compare-rows", type=int, default=BackorderConfig.compare_rows)
    parser.add_argument("--goal", choices=["f1", "recall"], default="f1")
    parser.add_argument("--min-recall", type=float, default=0.8)
    parser.add_argument("--calibration", choices=["sigmoid", "isotonic", "none"], default="sigmoid")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--trace-memory", action="store_true")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    loaded = load_backorder_csv(args.train)
    if args.test:
        test_loaded = load_backorder_csv(args.test)
        train, test = loaded.frame, test_loaded.frame
        quarantined = len(loaded.quarantine) + len(test_loaded.quarantine)
    else:
        train, test = split_holdout(loaded.frame, args.test_share, seed=args.seed)
        quarantined = len(loaded.quarantine)
    load_seconds = time.perf_counter() - started
    if args.replicate_train > 1:
        train = pd.concat([train] * args.replicate_train, ignore_index=True)
    if args.replicate_test > 1:
        test = pd.concat([test] * args.replicate_test, ignore_index=True)

    config = BackorderConfig(
        search_iter=args.search_iter,
        search_rows=args.search_rows,
        compare_rows=args.compare_rows,
        goal=args.goal,
        min_recall=args.min_recall,
        seed=args.seed,
        calibration=args.calibration,
        strategy=args.strategy,
        trace_memory=args.trace_memory,
    )
    if args.strategies:
        config.strategies = tuple(args.strategies.split(","))
    report, model = evaluate_with_model(train, test, config)
    report["bench"] = {
        "command": " ".join(sys.argv),
        "train_file": str(args.train),
        "test_file": str(args.test) if args.test else None,
        "replicate_train": args.replicate_train,
        "replicate_test": args.replicate_test,
        "quarantined_problems": quarantined,
        "load_seconds": round(load_seconds, 2),
        "total_seconds": round(time.perf_counter() - started, 2),
    }
    if args.model_out:
        save_model(model, args.model_out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    t, b = report["test"], report["baseline"]
    print(
        f"ROC-AUC {t['roc_auc']:.4f}  PR-AUC {t['pr_auc']:.4f} (baseline {b['pr_auc']:.4f}, "
        f"ROC {b['roc_auc']:.4f})  F1 {t['f1']:.3f} @ {t['threshold']:.3f}  "
        f"strategy {report['model']['strategy']}  wall {report['timings']['wall_seconds']}s  "
        f"peak RSS {report['memory']['peak_rss_mib']} MiB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
