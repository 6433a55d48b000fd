"""Run the benchmark suite: ``python -m benchmarks.run [--quick] [--sizes ...] [--methods ...]``.

Measures smelter_match and its baselines in one run on the same data — held-out accuracy on the
query sets of ``smelter-match evaluate --heldout`` (every noise family, clean names, names that are
not RMI facilities, a realistic mix, the gold sets), speed, memory, cold start and latency on
supplier-like and all-distinct workloads, and Spark local[1] vs local[2] — and writes
``results.json``, ``results.md`` and PNG charts to ``--out`` (default ``benchmarks/results``).
See ``benchmarks/README.md`` for how to read the numbers.
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

from benchmarks.gold import TRAIN_GOLD, as_queries, load_gold_sets
from benchmarks.heldout import HeldoutConfig, run_heldout
from benchmarks.methods import METHODS
from benchmarks.report import write_all
from benchmarks.spark_bench import MASTERS, run_spark_bench, spark_unavailable
from benchmarks.speed import SpeedConfig, run_speed

REPO = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE = ["../shared/rmi/cmrt", "../shared/rmi/exports-2026-08-22"]
FULL_SIZES = "1k,10k,100k,1m"
DISTINCT = 20_000
#: The smoke run: the real code paths on small inputs (about 2-3 minutes on 2 cores).
QUICK = {"sizes": "1k", "distinct": 500, "folds": 3, "score_folds": "0", "kind": "logistic",
         "set_rows": 25, "budget_s": 2.0, "latency_n": 50, "latency_size": 1000}


def parse_size(text: str) -> int:
    """``1k`` -> 1000, ``1m`` -> 1000000, ``2500`` -> 2500."""
    text = text.strip().lower().replace("_", "").replace(",", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * mult)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="smoke run of the real code paths on small inputs: logistic heads, 3 "
                        "folds, one fold scored, 25 queries per set, 1k rows, 500 distinct "
                        "names, short budgets, no Spark")
    p.add_argument("--sizes", help=f"row workload sizes (default {FULL_SIZES}; quick: 1k)")
    p.add_argument("--distinct", type=parse_size,
                   help=f"names in the all-distinct workload (default {DISTINCT:,}; quick: 500; "
                        "0: none)")
    p.add_argument("--methods", default=",".join(METHODS),
                   help=f"comma-separated subset of {', '.join(METHODS)}")
    p.add_argument("--out", default=str(REPO / "benchmarks" / "results"),
                   help="output directory")
    p.add_argument("--reference", action="append",
                   help="RMI reference file or folder (repeatable; default: "
                        + " + ".join(DEFAULT_REFERENCE) + ", relative to the repo root)")
    p.add_argument("--folds", type=int, help="CID-group folds (default 5; quick: 3)")
    p.add_argument("--score-folds",
                   help="comma-separated folds to score, from 0 (default: all; quick: 0)")
    p.add_argument("--kind", choices=("trees", "logistic"),
                   help="smelter_match's model class in the held-out protocol (default trees, "
                        "as shipped; quick: logistic)")
    p.add_argument("--held-out-family", default="ocr",
                   help="noise family left out of smelter_match's training (default ocr)")
    p.add_argument("--set-rows", type=int,
                   help="at most this many queries per set and fold (default: all; quick: 25)")
    p.add_argument("--seed", type=int, default=0, help="seed of the speed workloads")
    p.add_argument("--budget", type=float,
                   help="seconds per speed run before extrapolating (default 120; quick: 2)")
    p.add_argument("--latency-n", type=int, help="match_one calls timed (default 1000)")
    p.add_argument("--skip-accuracy", action="store_true", help="speed and memory only")
    p.add_argument("--skip-speed", action="store_true", help="accuracy only")
    p.add_argument("--spark", action=argparse.BooleanOptionalAction, default=None,
                   help="also time smelter_match.spark.match_spark on "
                        f"{' and '.join(MASTERS)} sessions on the speed workloads (default: when "
                        "pyspark, pyarrow and Java 17+ are available, except with --quick or "
                        "--skip-speed; the reason for a skip is recorded)")
    p.add_argument("--spark-sizes",
                   help="workload sizes for the Spark runs (default: the --sizes from 10k to "
                        "100k, else the smallest)")
    return p.parse_args(argv)


def resolve_reference(paths: list[str] | None) -> list[str]:
    """Reference paths as absolute strings (relative ones are taken from the repo root)."""
    out = []
    for p in paths or DEFAULT_REFERENCE:
        path = Path(p).expanduser()
        out.append(str(path if path.is_absolute() or path.exists() else (REPO / path).resolve()))
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

    Each Spark row gains ``pandas_rows_per_s`` (the in-process pandas ``Matcher.match`` run of the
    same size), ``vs_pandas`` (rows/s over that), ``vs_local1`` (for local[2]: rows/s over the
    same variant on local[1], the scaling) and ``speed_run_rows_per_s`` (the smelter_match
    speed-section subprocess run of the same size).
    """
    out: dict = {"masters": list(MASTERS), "sizes": sizes, "seed": args.seed,
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
    log(f"spark: {' then '.join(MASTERS)} on {', '.join(f'{n:,}' for n in sizes)} rows")
    t = time.perf_counter()
    try:
        rows = run_spark_bench(sizes, reference, seed=args.seed, workload_paths=used, log=log)
    except Exception as exc:  # a JVM / Spark failure must not lose the rest of the results
        log(f"spark: failed: {type(exc).__name__}: {exc}")
        return {**out, "status": "error", "reason": f"{type(exc).__name__}: {str(exc)[-1500:]}"}
    skipped = [r["note"] for r in rows if r.get("rows_per_s") is None and r.get("note")]
    if skipped and len(skipped) == len(rows):
        return {**out, "status": "skipped", "reason": skipped[0].removeprefix("skipped: ")}
    return {**out, "status": "ok", "reason": "", "runs": annotate_spark(rows, speed),
            "seconds": round(time.perf_counter() - t, 1)}


def annotate_spark(rows: list[dict], speed: dict) -> list[dict]:
    """Add ``pandas_rows_per_s``, ``vs_pandas``, ``vs_local1`` and ``speed_run_rows_per_s``."""
    sm_runs = speed.get("methods", {}).get("smelter_match", {}).get("runs", {})
    pandas = {r["size"]: r["rows_per_s"] for r in rows if r["engine"] == "pandas"}
    by_engine = {(r["size"], r["engine"]): r["rows_per_s"] for r in rows}
    for r in rows:
        base = pandas.get(r["size"])
        r["pandas_rows_per_s"] = base
        r["vs_pandas"] = round(r["rows_per_s"] / base, 3) if base and r["rows_per_s"] else None
        one = None
        if r.get("master") and r["master"] != MASTERS[0]:
            one = by_engine.get((r["size"], r["engine"].replace(r["master"], MASTERS[0])))
        r["vs_local1"] = round(r["rows_per_s"] / one, 3) if one and r["rows_per_s"] else None
        sm = sm_runs.get(str(r["size"]), {})
        r["speed_run_rows_per_s"] = sm.get("rows_per_s")
        r["speed_run_extrapolated"] = bool(sm.get("extrapolated"))
    return rows


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
    distinct = args.distinct if args.distinct is not None else quick.get("distinct", DISTINCT)
    ref_paths = resolve_reference(args.reference)

    from smelter_match.reference import load_reference

    log("loading the reference (this also warms the cache the cold-start runs use)")
    reference = load_reference(*ref_paths)
    from smelter_match.index import NameIndex

    NameIndex(reference).prepare()   # the name index's part of the user cache, warm as well
    gold, gold_note = load_gold_sets()
    results: dict = {"meta": {
        "mode": "quick" if args.quick else "full", "methods": methods, "sizes": sizes,
        "distinct": distinct, "reference": ref_paths,
        "reference_version": reference.version.stamp, "gold": gold_note, "seed": args.seed,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}",
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "command": " ".join(["python -m benchmarks.run", *(argv or sys.argv[1:])]),
    }}
    if not args.skip_accuracy:
        folds = args.folds or quick.get("folds", 5)
        score = args.score_folds or quick.get("score_folds")
        cfg = HeldoutConfig(
            kind=args.kind or quick.get("kind", "trees"), folds=folds,
            score_folds=tuple(int(k) for k in score.split(",")) if score else None,
            held_out=args.held_out_family, train_gold=TRAIN_GOLD,
            max_rows_per_set=args.set_rows or quick.get("set_rows"))
        log(f"accuracy: held-out protocol ({cfg.kind}, {folds} CID-group folds, "
            f"{cfg.held_out!r} held out)")
        t = time.perf_counter()
        results["accuracy"] = run_heldout(reference, gold, methods, cfg, log)
        results["accuracy"]["seconds"] = round(time.perf_counter() - t, 1)
    spark_sizes = ([parse_size(s) for s in args.spark_sizes.split(",")] if args.spark_sizes
                   else [n for n in sizes if 10_000 <= n <= 100_000] or sorted(sizes)[:1])
    with tempfile.TemporaryDirectory(prefix="smelter_bench_") as tmp:
        workload_paths: dict[int, Path] = {}
        if not args.skip_speed:
            cfg_speed = SpeedConfig(
                sizes=sizes, methods=methods, reference=ref_paths, workdir=Path(tmp),
                budget_s=args.budget or quick.get("budget_s", 120.0),
                latency_n=args.latency_n or quick.get("latency_n", 1000),
                latency_size=quick.get("latency_size", 10_000), seed=args.seed,
                distinct=distinct)
            log("speed: workloads")
            train = as_queries(gold[TRAIN_GOLD]) if TRAIN_GOLD in gold else None
            results["speed"] = run_speed(cfg_speed, reference, train, log)
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
