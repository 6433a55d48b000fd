"""Speed and memory: every method x workload in a fresh subprocess.

Workloads: supplier-like rows of each size (:func:`benchmarks.workloads.make_workload`, id
``"<rows>"``) and the all-distinct workload (:func:`benchmarks.workloads.make_distinct_workload`,
id ``"distinct-<n>"``). The parent generates each once and pickles it to a temporary folder; each
(method, workload) then runs in its own ``python -m benchmarks.speed_worker`` so that peak memory
and cold start are that run's alone (peak memory: the worker's own peak RSS or, sampled, its RSS
plus the private pages of the processes it forks, whichever is larger; :mod:`benchmarks.memory`). Learned
baselines are fitted once on the training gold rows here (fitting is not timed as throughput)
and their state is handed to the workers.

Time budget: a baseline stops at ``budget_s`` and reports the share of distinct queries it
finished; its full time is extrapolated linearly in distinct queries and marked
``extrapolated``. A size whose estimate (scaled from the previous size by distinct queries)
exceeds ``SKIP_FACTOR x budget_s`` is not run at all and is reported as ``skipped`` with the
estimate, also marked as extrapolated. smelter_match cannot stop early: it gets a hard timeout.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from benchmarks.memory import run_sampled
from benchmarks.methods import METHODS, MethodUnavailable
from benchmarks.workloads import make_distinct_workload, make_workload

REPO = Path(__file__).resolve().parent.parent
SKIP_FACTOR = 2.0
HARD_TIMEOUT_FACTOR = 3.0


@dataclass
class SpeedConfig:
    """What to measure. ``reference`` holds the paths given to ``load_reference``."""

    sizes: list[int]
    methods: list[str]
    reference: list[str]
    workdir: Path
    budget_s: float = 120.0
    latency_n: int = 1000
    latency_size: int = 10_000
    seed: int = 0
    distinct: int = 20_000           # names of the all-distinct workload (0: none)
    extra: dict = field(default_factory=dict)


def distinct_id(n: int) -> str:
    """The id of the all-distinct workload of ``n`` names."""
    return f"distinct-{n}"


def prepare_workloads(cfg: SpeedConfig, reference, log: Callable[[str], None]) -> dict[str, dict]:
    """Generate and pickle every workload; return their stats (rows, distinct names, ...) by id."""
    specs = [(str(n), "rows", n) for n in sorted(set(cfg.sizes) | {cfg.latency_size})]
    if cfg.distinct:
        specs.append((distinct_id(cfg.distinct), "distinct", cfg.distinct))
    stats = {}
    for wid, kind, n in specs:
        t = time.perf_counter()
        df = (make_workload(n, reference, seed=cfg.seed) if kind == "rows"
              else make_distinct_workload(n, reference, seed=cfg.seed))
        path = cfg.workdir / f"workload_{wid}.pkl"
        df.to_pickle(path)
        stats[wid] = {
            "kind": kind, "rows": n, "path": str(path),
            "unique_names": int(df["name"].nunique()),
            "unique_queries": int(len(df.drop_duplicates())),
            "blank_metal": round(float((df["metal"] == "").mean()), 4),
            "blank_country": round(float((df["country"] == "").mean()), 4),
            "generate_s": round(time.perf_counter() - t, 3),
        }
        log(f"  workload {wid:>14}: {n:,} rows, {stats[wid]['unique_names']:,} distinct names, "
            f"{stats[wid]['unique_queries']:,} distinct (name, metal, country)")
    return stats


def fit_states(cfg: SpeedConfig, reference, gold: pd.DataFrame | None,
               log: Callable[[str], None]) -> dict[str, dict]:
    """Fit each learned method once on the training gold rows (``gold``: labelled queries with
    ``truth``, see :func:`benchmarks.gold.as_queries`); pickle its state for the workers."""
    out = {}
    for name in cfg.methods:
        try:
            method = METHODS[name](reference)
        except MethodUnavailable as exc:
            out[name] = {"unavailable": str(exc)}
            continue
        if not (method.learned and method.fit_for_speed) or gold is None or not len(gold):
            out[name] = {}
            continue
        t = time.perf_counter()
        method.fit(gold)
        path = cfg.workdir / f"state_{name}.pkl"
        with open(path, "wb") as fh:
            pickle.dump(method.state(), fh)
        out[name] = {"state_path": str(path), "fit_s": round(time.perf_counter() - t, 3),
                     "thresholds": method.thresholds()}
        log(f"  {name}: fitted on {len(gold)} gold rows for the speed runs "
            f"in {out[name]['fit_s']:.1f}s")
    return out


def run_worker(spec: dict, workdir: Path, timeout_s: float) -> dict:
    """Run one speed_worker subprocess; its result dict, or an error/timeout record."""
    tag = f"{spec['method']}_{spec.get('size', 'x')}"
    spec_path, out_path = workdir / f"spec_{tag}.json", workdir / f"result_{tag}.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    out_path.unlink(missing_ok=True)
    t = time.perf_counter()
    try:
        proc, tree_mb = run_sampled([sys.executable, "-m", "benchmarks.speed_worker",
                                     str(spec_path), str(out_path), repr(time.time())],
                                    timeout_s=timeout_s, cwd=REPO)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "wall_s": round(time.perf_counter() - t, 3)}
    if proc.returncode != 0 or not out_path.exists():
        return {"status": "error", "stderr": proc.stderr[-2000:]}
    result = json.loads(out_path.read_text(encoding="utf-8"))
    result["status"] = "ok"
    # the run's memory: its own peak RSS or, sampled, its RSS with the private pages of the
    # processes it forks, whichever is larger (benchmarks.memory: the matcher forks step
    # workers, whose memory VmHWM misses)
    result["peak_rss_self_mb"] = result["peak_rss_mb"]
    result["peak_tree_mb"] = tree_mb
    result["peak_rss_mb"] = max(result["peak_rss_mb"], tree_mb or 0.0)
    result["wall_s"] = round(time.perf_counter() - t, 3)
    return result


def summarise(run: dict, stats: dict) -> dict:
    """Add rows/s, unique names/s and the extrapolation marks to a worker result."""
    tp = run.get("throughput")
    if not tp:
        return run
    if tp["complete"]:
        seconds, run["measure"] = tp["elapsed_s"], "measured"
    elif "extrapolated_s" in tp:
        seconds = tp["extrapolated_s"]
        run["measure"] = (f"extrapolated: budget reached after {tp['units_done']:,} of "
                          f"{tp['units_total']:,} distinct queries")
    else:
        run["measure"] = "no estimate: nothing finished within the budget"
        return run
    run["seconds"] = seconds
    run["rows_per_s"] = round(stats["rows"] / seconds, 1) if seconds else None
    run["unique_names_per_s"] = round(stats["unique_names"] / seconds, 1) if seconds else None
    run["extrapolated"] = not tp["complete"]
    return run


def compile_bytecode() -> str:
    """Compile the package's (and this suite's) modules to bytecode before any worker starts.

    A wheel installed with pip carries compiled bytecode; an editable checkout writes it at the
    first import, unless ``PYTHONDONTWRITEBYTECODE`` is set (as on this project's machine), when
    every cold start would compile the package's source again (~0.05 s) and charge it to
    ``import_s``. Returns how the runs found the bytecode, for the results.
    """
    import compileall

    import smelter_match

    roots = [Path(smelter_match.__file__).parent, Path(__file__).parent]
    ok = all(compileall.compile_dir(str(r), quiet=1) for r in roots)
    return ("compiled before the runs (as pip install does for a wheel)" if ok
            else "compiling failed: cold starts include compiling the source")


def estimate_from(prev: dict, prev_stats: dict, stats: dict) -> float | None:
    """Seconds for a larger workload, scaled linearly in distinct queries from a smaller one."""
    if not prev.get("seconds"):
        return None
    return prev["seconds"] * stats["unique_queries"] / max(1, prev_stats["unique_queries"])


def run_speed(cfg: SpeedConfig, reference, gold: pd.DataFrame | None,
              log: Callable[[str], None] = print) -> dict:
    """All speed/memory measurements as a JSON-ready dict."""
    cfg.workdir.mkdir(parents=True, exist_ok=True)
    bytecode = compile_bytecode()
    stats = prepare_workloads(cfg, reference, log)
    states = fit_states(cfg, reference, gold, log)
    results: dict = {"workloads": {k: {x: y for x, y in v.items() if x != "path"}
                                   for k, v in stats.items()},
                     "distinct_workload": distinct_id(cfg.distinct) if cfg.distinct else None,
                     "budget_s": cfg.budget_s, "skip_factor": SKIP_FACTOR, "bytecode": bytecode,
                     "methods": {}}
    for name in cfg.methods:
        if "unavailable" in states[name]:
            results["methods"][name] = {"unavailable": states[name]["unavailable"], "runs": {}}
            continue
        results["methods"][name] = _run_method(cfg, name, states[name], stats, log)
    return results


def _run_method(cfg: SpeedConfig, name: str, state: dict, stats: dict,
                log: Callable[[str], None]) -> dict:
    """Every workload of one method: row sizes smallest first (skipping sizes estimated far over
    budget), then the all-distinct workload."""
    runs: dict[str, dict] = {}
    prev = None
    order = [str(n) for n in sorted(cfg.sizes)]
    if cfg.distinct:
        order.append(distinct_id(cfg.distinct))
    for i, wid in enumerate(order):
        st = stats[wid]
        est = None
        if prev is not None and st["kind"] == "rows":
            est = estimate_from(runs[prev], stats[prev], st)
        if est is not None and est > SKIP_FACTOR * cfg.budget_s:
            runs[wid] = {
                "status": "skipped", "seconds": round(est, 3), "extrapolated": True,
                "rows_per_s": round(st["rows"] / est, 1),
                "unique_names_per_s": round(st["unique_names"] / est, 1),
                "measure": (f"extrapolated: not run, estimated {est:,.0f}s > {SKIP_FACTOR:g} x "
                            f"budget; scaled from {int(prev):,} rows by distinct queries"),
            }
            log(f"  {name} {wid:>14}: skipped (estimated {est:,.0f}s)")
            continue
        spec = {"method": name, "size": wid, "reference": cfg.reference,
                "state_path": state.get("state_path"), "workload_path": st["path"],
                "budget_s": cfg.budget_s}
        if i == 0 and cfg.latency_n:
            spec.update(latency_path=stats[str(cfg.latency_size)]["path"],
                        latency_n=cfg.latency_n)
        run = summarise(run_worker(spec, cfg.workdir, cfg.budget_s * HARD_TIMEOUT_FACTOR + 120),
                        st)
        if run["status"] == "timeout" and prev is not None and st["kind"] == "rows":
            est = estimate_from(runs[prev], stats[prev], st)
            if est:
                run.update(seconds=round(est, 3), extrapolated=True,
                           rows_per_s=round(st["rows"] / est, 1),
                           unique_names_per_s=round(st["unique_names"] / est, 1),
                           measure=f"extrapolated: hard timeout; scaled from {int(prev):,} rows")
        runs[wid] = run
        if st["kind"] == "rows":
            prev = wid
        log(f"  {name} {wid:>14}: {run['status']}, {run.get('rows_per_s') or 0:,.0f} rows/s, "
            f"{run.get('unique_names_per_s') or 0:,.0f} distinct names/s "
            f"({run.get('measure', '')}), peak RSS {run.get('peak_rss_mb', 0):,.0f} MiB")
        if run["status"] == "error":
            log(run.get("stderr", ""))
    return {"fit": {k: v for k, v in state.items() if k != "state_path"}, "runs": runs,
            **_cold_and_latency(runs)}


def _cold_and_latency(runs: dict[str, dict]) -> dict:
    """Median cold start over the method's runs, and the latency of the run that measured it."""
    cold = [r["cold_start"] for r in runs.values() if r.get("cold_start")]
    out: dict = {}
    if cold:
        keys = cold[0].keys()
        out["cold_start"] = {k: round(float(pd.Series([c[k] for c in cold]).median()), 3)
                             for k in keys}
        out["cold_start"]["runs"] = len(cold)
    lat = [r["latency"] for r in runs.values() if r.get("latency")]
    if lat:
        out["latency"] = lat[0]
    return out
