"""One speed measurement in a fresh process (run by :mod:`benchmarks.speed`, not by hand).

``python -m benchmarks.speed_worker SPEC.json RESULT.json [LAUNCHED_AT]`` where the spec names the
method, reference paths, workload pickle, fitted-state pickle, time budget and latency sample
size, and ``LAUNCHED_AT`` is the parent's wall-clock time (``time.time()``) just before it started
this process.

Measured, in this order, in this process:

1. cold start — ``import smelter_match``, reference load (warm cache), method construction and
   model load, and the first ``match_one`` (so lazy initialisation is counted); the interpreter's
   own start-up is reported apart;
2. throughput — one :meth:`~benchmarks.methods.Method.speed_run` over the whole workload
   (reading the workload is not timed; for smelter_match only ``Matcher.match`` is; baselines
   stop at the deadline and report the share done, which the parent extrapolates, marked as
   such);
3. ``match_one`` latency over a sample of distinct rows, on a fresh instance of the method so
   that no cache warmed by the throughput run flatters it (optional);
4. peak RSS of this process (see :func:`_peak_rss_mb`).
"""

from __future__ import annotations

import time

T_START = time.perf_counter()
T_START_WALL = time.time()

import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

#: Name of the first query after start-up (not a smelter; not in any workload).
WARM_UP_NAME = "benchmark warm-up query"


def _process_age(launched_at: float | None = None) -> float:
    """Seconds since this process was launched (covers interpreter start-up before T_START).

    With the parent's launch time, both ends are read from the same wall clock. psutil's process
    creation time is computed from the boot time and drifts with clock adjustments: on this
    project's VM it put a bare ``python -c 'import psutil'`` at 0.9 s.
    """
    if launched_at is not None:
        return max(0.0, T_START_WALL - launched_at) + (time.perf_counter() - T_START)
    try:
        import psutil

        return max(0.0, time.time() - psutil.Process().create_time())
    except Exception:  # psutil missing or unsupported: fall back to time since module import
        return time.perf_counter() - T_START


def _peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB.

    Linux: ``VmHWM`` from ``/proc/self/status``, the high-water mark of this process's own
    memory. ``getrusage(...).ru_maxrss`` is not used there because it survives ``exec``: a child
    forked from a large parent starts with the parent's peak, which would hide a smaller one.
    Elsewhere ``ru_maxrss`` is the best available.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def build_method(spec: dict, reference=None) -> tuple[object, object]:
    """The method named in the spec, with its fitted state loaded; and the reference."""
    import pickle

    from benchmarks.methods import METHODS

    if reference is None:
        from smelter_match.reference import load_reference

        reference = load_reference(*spec["reference"])
    method = METHODS[spec["method"]](reference)
    if spec.get("state_path"):
        with open(spec["state_path"], "rb") as fh:
            method.load_state(pickle.load(fh))
    return method, reference


def cold_start(spec: dict, launched_at: float | None = None) -> tuple[object, dict]:
    """Import, load the reference and build the method; return it with the timings."""
    interp = _process_age(launched_at) - (time.perf_counter() - T_START)
    t0 = time.perf_counter()
    import smelter_match  # noqa: F401
    from smelter_match.reference import load_reference

    t1 = time.perf_counter()
    reference = load_reference(*spec["reference"])
    t2 = time.perf_counter()
    method, _ = build_method(spec, reference)
    t3 = time.perf_counter()
    method.match_one(WARM_UP_NAME, "", "")   # lazy initialisation counts as start-up
    t4 = time.perf_counter()
    timings = {
        "interpreter_s": round(interp, 3),
        "import_s": round(t1 - t0, 3),
        "reference_load_s": round(t2 - t1, 3),
        "model_load_s": round(t3 - t2, 3),
        "first_query_s": round(t4 - t3, 3),
        "total_s": round(interp + (t4 - t0), 3),
        "in_process_s": round(t4 - t0, 3),
        "rss_after_load_mb": _peak_rss_mb(),
    }
    return method, timings


def throughput(method, spec: dict) -> dict:
    """Match the whole workload once; report rows/s and unique names/s (measured or partial)."""
    import pandas as pd

    df = pd.read_pickle(spec["workload_path"])
    unique_names = int(df["name"].nunique())
    t0 = time.perf_counter()
    pred = method.speed_run(df, deadline=t0 + spec["budget_s"])
    elapsed = time.perf_counter() - t0
    out = {"rows": len(df), "unique_names": unique_names, "elapsed_s": round(elapsed, 3),
           "complete": pred.complete, "units_done": pred.units_done,
           "units_total": pred.units_total}
    if not pred.complete and pred.units_done:
        out["extrapolated_s"] = round(elapsed * pred.units_total / pred.units_done, 3)
    return out


def latency(method, spec: dict) -> dict:
    """``match_one`` latency over distinct workload rows (after a short warm-up)."""
    import numpy as np
    import pandas as pd

    df = pd.read_pickle(spec["latency_path"]).drop_duplicates().reset_index(drop=True)
    df = df.sample(min(len(df), spec["latency_n"] + 20), random_state=0)
    rows = list(df.itertuples(index=False))
    for name, metal, country in rows[:20]:
        method.match_one(name, metal, country)
    times = []
    deadline = time.perf_counter() + spec["budget_s"]
    for name, metal, country in rows[20:]:
        t = time.perf_counter()
        method.match_one(name, metal, country)
        times.append(time.perf_counter() - t)
        if t > deadline:
            break
    ms = np.array(times) * 1000
    return {"n": len(ms), "p50_ms": round(float(np.percentile(ms, 50)), 3),
            "p99_ms": round(float(np.percentile(ms, 99)), 3),
            "mean_ms": round(float(ms.mean()), 3)}


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as fh:
        spec = json.load(fh)
    result: dict = {"method": spec["method"]}
    method, result["cold_start"] = cold_start(spec, float(argv[2]) if len(argv) > 2 else None)
    if spec.get("workload_path"):
        result["throughput"] = throughput(method, spec)
    if spec.get("latency_path"):
        # a fresh instance: the throughput run must not have warmed any cache of the method
        del method
        fresh, _ = build_method(spec)
        result["latency"] = latency(fresh, spec)
    result["peak_rss_mb"] = _peak_rss_mb()
    with open(argv[1], "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
