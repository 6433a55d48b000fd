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
from benchmarks.spark_bench import SPARK_MASTER, run_spark_bench, spark_unavailable
from benchmarks.speed import SpeedConfig, run_speed

REPO = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE = ["../shared/rmi/cmrt", "../shared/rmi/exports-2026-08-22"]
FULL_SIZES = "1k,10k,100k,1m"
QUICK = {"sizes": "1k", "folds": 2, "gold_rows": 80, "budget_s": 2.0, "latency_n": 50,
         "latency_size": 1000}

#: What the rate metrics and curve axes mean (also written into results.json; see the README).
DEFINITIONS = {
    "automation_rate": "rows decided without review (decision match or no_match) / rows; the "
                       "definition of smelter_match.evaluation.metrics (smelter-match evaluate)",
    "auto_match_rate": "rows auto-matched (decision match) / rows",
    "review_rate": "rows sent to review / rows (= 1 - automation_rate)",
    "curves": "per threshold t: the method's no_match decisions kept, every other row "
              "auto-matched if score >= t else sent to review; automation = (no_match + "
              "auto-matched) / rows, auto_match_rate = auto-matched / rows, precision = correct "
              "auto-matches / auto-matches",
}


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
    p.add_argument("--spark", action=argparse.BooleanOptionalAction, default=None,
                   help=f"also time smelter_match.spark.match_spark on a {SPARK_MASTER} session "
                        "on the speed workloads (default: when pyspark, pyarrow and Java 17+ are "
                        "available, except with --quick or --skip-speed; the reason for a skip "
                        "is recorded)")
    p.add_argument("--spark-sizes",
                   help="workload sizes for the Spark runs (default: the --sizes up to 100k)")
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
    out: dict = {"folds": n_folds, "seed": seed, "rows": len(gold), "methods": {},
                 "definitions": DEFINITIONS}
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


def spark_skip_reason(args: argparse.Namespace) -> str:
    """Why the Spark runs are skipped (``""`` = run them). Checks availability without a JVM."""
    if args.spark is False:
        return "--no-spark"
    if args.spark is None and args.quick:
        return ("--quick (starting a Spark session and its Python workers takes longer "
                "than the whole smoke run; pass --spark to force it)")
    if args.spark is None and args.skip_speed:
        return "--skip-speed (pass --spark to time Spark anyway)"
    missing = spark_unavailable()
    return missing


def run_spark(args: argparse.Namespace, sizes: list[int], reference, workload_paths: dict,
              speed: dict, log) -> dict:
    """The Spark section: ``run_spark_bench`` on the speed workloads, or the recorded skip reason.

    Each row gains ``pandas_rows_per_s`` (the in-process pandas ``Matcher.match`` run of the
    same size, timed just before Spark in this process), ``vs_pandas`` (rows/s over that) and
    ``speed_run_rows_per_s`` (the smelter_match speed-section subprocess run of the same size).
    """
    out: dict = {"master": SPARK_MASTER, "sizes": sizes, "seed": args.seed,
                 "requested": {None: "auto", True: "--spark", False: "--no-spark"}[args.spark],
                 "runs": []}
    reason = spark_skip_reason(args)
    if reason:
        log(f"spark: {reason}")
        return {**out, "status": "skipped", "reason": reason}
    used = {n: p for n, p in workload_paths.items() if Path(p).is_file()}
    out["workloads"] = {
        str(n): ("speed section's file" if n in used else "generated") for n in sizes}
    out["workloads_note"] = (f"make_workload(n, reference, seed={args.seed}): the speed section's "
                             "pickled files where it ran that size, else generated with the same "
                             "seed (identical rows)")
    log(f"spark: {SPARK_MASTER} on {', '.join(f'{n:,}' for n in sizes)} rows")
    t = time.perf_counter()
    try:
        rows = run_spark_bench(sizes, reference, seed=args.seed, workload_paths=used, log=log)
    except Exception as exc:  # a JVM / Spark failure must not lose the rest of the results
        log(f"spark: failed: {type(exc).__name__}: {exc}")
        return {**out, "status": "error", "reason": f"{type(exc).__name__}: {str(exc)[-1500:]}"}
    skipped = [r["note"] for r in rows if r.get("rows_per_s") is None and r.get("note")]
    if skipped and len(skipped) == len(rows):
        return {**out, "status": "skipped", "reason": skipped[0].removeprefix("skipped: ")}
    sm_runs = speed.get("methods", {}).get("smelter_match", {}).get("runs", {})
    pandas = {r["size"]: r["rows_per_s"] for r in rows if r["engine"] == "pandas"}
    for r in rows:
        base = pandas.get(r["size"])
        r["pandas_rows_per_s"] = base
        r["vs_pandas"] = round(r["rows_per_s"] / base, 3) if base and r["rows_per_s"] else None
        sm = sm_runs.get(str(r["size"]), {})
        r["speed_run_rows_per_s"] = sm.get("rows_per_s")
        r["speed_run_extrapolated"] = bool(sm.get("extrapolated"))
    return {**out, "status": "ok", "reason": "", "runs": rows,
            "seconds": round(time.perf_counter() - t, 1)}


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
    # Spark default: the sizes up to 100k (a 1M Spark run adds minutes and a JVM's memory)
    spark_sizes = ([parse_size(s) for s in args.spark_sizes.split(",")] if args.spark_sizes
                   else [n for n in sizes if n <= 100_000] or sizes[:1])
    with tempfile.TemporaryDirectory(prefix="smelter_bench_") as tmp:
        workload_paths: dict[int, Path] = {}
        if not args.skip_speed:
            cfg = SpeedConfig(
                sizes=sizes, methods=methods, reference=ref_paths, workdir=Path(tmp),
                budget_s=args.budget or quick.get("budget_s", 120.0),
                latency_n=args.latency_n or quick.get("latency_n", 1000),
                latency_size=quick.get("latency_size", 10_000), seed=args.seed)
            log("speed: workloads")
            results["speed"] = run_speed(cfg, reference, gold, log)
            # the files run_speed pickled (speed.prepare_workloads): Spark matches the same rows
            workload_paths = {n: Path(tmp) / f"workload_{n}.pkl" for n in spark_sizes}
        results["spark"] = run_spark(args, spark_sizes, reference, workload_paths,
                                     results.get("speed", {}), log)
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
