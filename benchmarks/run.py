"""Run the benchmark suite: ``python -m benchmarks.run [--quick] [--sizes ...] [--methods ...]``.

Measures smelter_match and its baselines in one run on the same data — accuracy on the gold sets
(held-out folds), speed, memory, cold start and latency — and writes ``results.json``,
``results.md`` and PNG charts to ``--out`` (default ``benchmarks/results``). See
``benchmarks/README.md`` for how to read the numbers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.accuracy import (
    breakdown,
    cross_validate,
    precision_automation_curve,
    score_rows,
)
from benchmarks.gold import assign_folds, load_gold, subsample
from benchmarks.methods import METHODS, MethodUnavailable
from benchmarks.report import write_all
from benchmarks.speed import SpeedConfig, run_speed

REPO = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE = ["../shared/rmi/cmrt", "../shared/rmi/exports-2026-08-22"]
FULL_SIZES = "1k,10k,100k,1m"
QUICK = {"sizes": "1k", "folds": 2, "gold_rows": 80, "budget_s": 2.0, "latency_n": 50,
         "latency_size": 1000}


def parse_size(text: str) -> int:
    """``1k`` -> 1000, ``1m`` -> 1000000, ``2500`` -> 2500."""
    text = text.strip().lower().replace("_", "").replace(",", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * mult)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="tiny smoke run (1k rows, 2 folds on a gold sample, short budgets)")
    p.add_argument("--sizes", help=f"workload sizes (default {FULL_SIZES}; quick: 1k)")
    p.add_argument("--methods", default=",".join(METHODS),
                   help=f"comma-separated subset of {', '.join(METHODS)}")
    p.add_argument("--out", default=str(REPO / "benchmarks" / "results"),
                   help="output directory")
    p.add_argument("--reference", action="append",
                   help="RMI reference file or folder (repeatable; default: "
                        + " + ".join(DEFAULT_REFERENCE) + ", relative to the repo root)")
    p.add_argument("--folds", type=int, help="cross-validation folds (default 5; quick: 2)")
    p.add_argument("--seed", type=int, default=0, help="seed for folds and workloads")
    p.add_argument("--budget", type=float,
                   help="seconds per speed run before extrapolating (default 120; quick: 4)")
    p.add_argument("--latency-n", type=int, help="match_one calls timed (default 1000)")
    p.add_argument("--no-train", action="store_true",
                   help="evaluate smelter_match's shipped model instead of retraining it per fold "
                        "(faster; figures then marked as not held-out; implied by --quick)")
    p.add_argument("--skip-accuracy", action="store_true", help="speed and memory only")
    p.add_argument("--skip-speed", action="store_true", help="accuracy only")
    return p.parse_args(argv)


def resolve_reference(paths: list[str] | None) -> list[str]:
    """Reference paths as absolute strings (relative ones are taken from the repo root)."""
    out = []
    for p in paths or DEFAULT_REFERENCE:
        path = Path(p).expanduser()
        out.append(str(path if path.is_absolute() or path.exists() else (REPO / path).resolve()))
    return out


def run_accuracy(reference, gold, methods: list[str], n_folds: int, seed: int, log,
                 options: dict[str, dict] | None = None) -> dict:
    """Cross-validated accuracy of every method on the same folds.

    ``options`` holds per-method constructor keywords (``{"smelter_match": {"train": False}}``).
    """
    options = options or {}
    folds = assign_folds(gold, n_folds, seed)
    out: dict = {"folds": n_folds, "seed": seed, "rows": len(gold), "methods": {}}
    for name in methods:
        log(f"accuracy: {name}")
        try:
            METHODS[name](reference, **options.get(name, {}))
        except MethodUnavailable as exc:
            out["methods"][name] = {"unavailable": str(exc), "metrics": {}, "curves": {}}
            continue
        t = time.perf_counter()
        pred, info = cross_validate(
            lambda n=name: METHODS[n](reference, **options.get(n, {})), gold, folds, log)
        scored = score_rows(gold, pred)
        entry = {**info, "seconds": round(time.perf_counter() - t, 1),
                 "metrics": breakdown(scored, METHODS[name].has_blocking),
                 "curves": {ds: precision_automation_curve(rows) for ds, rows in
                            [*scored.groupby("dataset"), ("pooled", scored)]}}
        if not info["held_out"]:
            entry["note"] = (f"{name} figures use the shipped model, NOT a model trained on the "
                             "training folds (training skipped or unavailable): they are not "
                             "held-out figures and may be optimistic.")
        out["methods"][name] = entry
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    t0 = time.perf_counter()
    log = _logger()
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        print(f"unknown method(s): {', '.join(unknown)}; known: {', '.join(METHODS)}",
              file=sys.stderr)
        return 2
    quick = QUICK if args.quick else {}
    sizes = [parse_size(s) for s in (args.sizes or quick.get("sizes", FULL_SIZES)).split(",")]
    ref_paths = resolve_reference(args.reference)

    from smelter_match.reference import load_reference

    log("loading the reference (this also warms the cache the cold-start runs use)")
    reference = load_reference(*ref_paths)
    gold, gold_note = load_gold()
    if args.quick:
        gold = subsample(gold, quick["gold_rows"], args.seed)
    results: dict = {"meta": {
        "mode": "quick" if args.quick else "full", "methods": methods, "sizes": sizes,
        "reference": ref_paths, "reference_version": reference.version.stamp,
        "gold": gold_note, "gold_rows_used": len(gold), "seed": args.seed,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}",
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "command": " ".join(["python -m benchmarks.run", *(argv or sys.argv[1:])]),
    }}
    if not args.skip_accuracy:
        train_sm = not (args.quick or args.no_train)
        results["accuracy"] = run_accuracy(reference, gold, methods,
                                           args.folds or quick.get("folds", 5), args.seed, log,
                                           {"smelter_match": {"train": train_sm}})
    if not args.skip_speed:
        with tempfile.TemporaryDirectory(prefix="smelter_bench_") as tmp:
            cfg = SpeedConfig(
                sizes=sizes, methods=methods, reference=ref_paths, workdir=Path(tmp),
                budget_s=args.budget or quick.get("budget_s", 120.0),
                latency_n=args.latency_n or quick.get("latency_n", 1000),
                latency_size=quick.get("latency_size", 10_000), seed=args.seed)
            log("speed: workloads")
            results["speed"] = run_speed(cfg, reference, gold, log)
    results["meta"]["elapsed_s"] = round(time.perf_counter() - t0, 1)
    results["meta"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    for path in write_all(results, Path(args.out)):
        log(f"wrote {path}")
    return 0


def _logger():
    start = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - start:6.1f}s] {msg}", flush=True)

    return log


if __name__ == "__main__":
    sys.exit(main())
