"""Throughput of ``smelter_match.spark.match_spark`` on local[1] and local[2], beside pandas.

``run_spark_bench(sizes, reference)`` returns one dict per (size, engine) for the suite's report::

    {"size": 100000, "master": "local[2]", "engine": "spark local[2]", "seconds": 21.3,
     "rows_per_s": 4694.8, "distinct_queries": 19693, "partitions": 2, "cpu_s": 40.1,
     "rows_per_cpu_s": 2493.8, "note": ""}

Engines, all on the same :func:`benchmarks.workloads.make_workload` rows (seed 0):

- ``pandas``: ``Matcher(reference).match(df)`` in this process, a fresh matcher per size (its
  construction is not timed), before any Spark session starts;
- ``spark local[n]``: ``match_spark`` on the DataFrame as ``createDataFrame`` partitions it (one
  partition per core), on a ``local[n]`` session, n = 1 then 2 (:data:`MASTERS`; one session at a
  time, so the two never compete for the cores). Timed from the action to the end of a ``noop``
  write (everything is computed, nothing is collected); the input is cached and materialised
  first, and each session first matches 2,000 rows untimed (:func:`_warm_up`), so only matching
  is timed. Each Python worker builds its matcher inside the timed region
  (cold executors);
- ``spark local[n] by name``: the same after ``repartition(2, name, metal, country)``, the same
  two partitions for both masters (the shuffle is timed too). Until the twenty-eighth session
  this put every distinct query in one partition, decided once; ``match_spark`` now does that
  itself, so the two variants differ by little more than the shuffle.

The sessions are started without ``PYSPARK_PYTHON``: local workers run the driver's interpreter
because ``match_spark`` chooses it (see :mod:`smelter_match.spark`), which this also exercises.

``cpu_s`` is the CPU time spent matching: this process for pandas; for Spark, the sum over the
Python workers (read from inside tasks before and after the run; JVM time excluded).
``rows_per_cpu_s`` (rows per CPU-second, i.e. per core) is therefore comparable even on a busy
machine, where wall-clock figures are not. Run alone: ``python -m benchmarks.spark_bench 10k 100k``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

SPARK_MASTER = "local[2]"
#: The sessions compared, one after the other (scaling: local[2] over local[1]).
MASTERS = ("local[1]", "local[2]")
#: Partitions of the "by name" variant, the same for every master.
BY_NAME_PARTITIONS = 2
#: Tasks used to reach every Python worker (clearing matchers, reading CPU time).
PROBE_TASKS = 8
MIN_JAVA = 17


def java_major(java: str = "java") -> int | None:
    """Major version of the Java runtime (``1.8.0_392`` -> 8, ``17.0.15`` -> 17), None if unknown."""
    try:
        proc = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r'version "(\d+)(?:\.(\d+))?', proc.stderr + proc.stdout)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


def spark_unavailable() -> str:
    """Why ``match_spark`` cannot run here (``""`` when pyspark, pyarrow and Java 17+ are present).

    Cheap: imports nothing from Spark beyond the package and starts no JVM (only ``java -version``).
    """
    try:
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} not installed (pip install 'smelter-match[spark]')"
    java = shutil.which("java")
    if not java:
        return "no Java runtime on PATH (scripts/ensure-java.sh installs one)"
    major = java_major(java)
    if major is not None and major < MIN_JAVA:
        return f"Java {MIN_JAVA}+ needed, found Java {major} ({java})"
    return ""


def _session(master: str) -> Any:
    """A new quiet session on ``master`` (no other session may be active)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        raise RuntimeError(f"a Spark session ({active.sparkContext.master}) is already active; "
                           "the benchmark starts its own sessions, one per master")
    session = (
        SparkSession.builder.master(master)
        .appName("smelter_match-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(BY_NAME_PARTITIONS))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def _worker_cpu(spark: Any) -> dict[int, float]:
    from smelter_match.spark import _collect_executor_stats

    return {pid: s["cpu_s"] for pid, s in _collect_executor_stats(spark, PROBE_TASKS).items()}


def _spark_run(spark: Any, sdf: Any, reference: Any, n: int) -> tuple[float, float]:
    """(wall seconds, worker CPU seconds) of matching ``sdf`` with a noop write."""
    from smelter_match.spark import match_spark

    before = _worker_cpu(spark)
    out = match_spark(sdf, reference, name="name", metal="metal", country="country")
    t0 = time.perf_counter()
    out.write.format("noop").mode("overwrite").save()
    wall = time.perf_counter() - t0
    after = _worker_cpu(spark)
    # a worker absent before started during the run; one absent after is not counted (rare)
    cpu = sum(c - before.get(pid, 0.0) for pid, c in after.items())
    return wall, cpu


def _clear_executor_matchers(spark: Any) -> None:
    """Make the next run cold: drop the matchers and the module-level caches (``lru_cache``) of
    the Python workers."""
    def clear(batches):  # noqa: ANN001, ANN202 - runs on executors
        from smelter_match import spark as sm

        for _ in batches:
            pass
        with sm._LOCK:
            sm._MATCHERS.clear()
        # and the module-level caches (normalised names, name facts): a cold worker has none
        import sys

        for module in [m for n, m in list(sys.modules.items()) if n.startswith("smelter_match")]:
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()
        yield pd.DataFrame({"ok": [1]})

    from smelter_match.spark import _local_worker_python

    with _local_worker_python(spark):   # the interpreter match_spark's workers run
        frame = spark.range(0, PROBE_TASKS, 1, PROBE_TASKS).mapInPandas(clear, "ok int")
    frame.collect()


def _warm_up(spark: Any, reference: Any, rows: int = 2_000) -> None:
    """One untimed match of made-up names in a new session, so that the JVM's first-query costs
    (class loading, code generation, JIT) fall on no timed run: without it the first master's
    first run paid them (local[1] as called ~15% slower than by name) and the scaling ratio
    looked better than it is. The names are none of the workload's (no cache is warmed for it),
    the columns the same; the matchers it builds are cleared before each timed run."""
    pdf = pd.DataFrame({"name": [f"Warm Up Refinery {i}" for i in range(rows)],
                        "metal": "Gold", "country": "China"})
    _spark_run(spark, spark.createDataFrame(pdf), reference, rows)


def _load(n: int, reference: Any, seed: int,
          workload_paths: dict[int, str | Path] | None) -> pd.DataFrame:
    from benchmarks.workloads import make_workload

    path = (workload_paths or {}).get(n)
    if path is not None and Path(path).is_file():
        return pd.read_pickle(path)[["name", "metal", "country"]]
    return make_workload(n, reference, seed=seed)[["name", "metal", "country"]]


def run_spark_bench(sizes: list[int], reference: Any, *, seed: int = 0,
                    masters: tuple[str, ...] = MASTERS, by_name: bool = True,
                    workload_paths: dict[int, str | Path] | None = None,
                    log: Any = None) -> list[dict]:
    """Rows/s of ``match_spark`` on each master and of the pandas matcher for each size.

    Returns one dict per (size, engine) with keys ``size``, ``master``, ``engine``, ``seconds``,
    ``rows_per_s``, ``distinct_queries``, ``partitions``, ``cpu_s``, ``rows_per_cpu_s`` and
    ``note``. When pyspark or Java is missing, returns one row per size with ``engine`` "spark"
    and the reason in ``note`` (no exception), so the suite still completes.

    ``workload_paths`` maps a size to a pickled workload (the speed section's files, so Spark
    matches exactly the rows the speed runs matched); sizes without a file are generated with
    :func:`benchmarks.workloads.make_workload` and ``seed`` (the same rows, deterministically).
    ``log`` is an optional ``log(message)`` callable for progress lines.
    """
    from smelter_match.classify import Model
    from smelter_match.matcher import Matcher

    missing = spark_unavailable()
    if missing:
        return [{"size": n, "master": "", "engine": "spark", "seconds": None,
                 "rows_per_s": None, "distinct_queries": None, "partitions": None,
                 "cpu_s": None, "rows_per_cpu_s": None, "note": f"skipped: {missing}"}
                for n in sizes]
    model = Model.load()
    frames = {n: _load(n, reference, seed, workload_paths) for n in sizes}
    distinct = {n: len(f.drop_duplicates()) for n, f in frames.items()}

    def row(n: int, master: str, engine: str, wall: float, cpu: float, parts: int,
            note: str = "") -> dict:
        return {"size": n, "master": master, "engine": engine, "seconds": round(wall, 3),
                "rows_per_s": round(n / wall, 1), "distinct_queries": distinct[n],
                "partitions": parts, "cpu_s": round(cpu, 3),
                "rows_per_cpu_s": round(n / cpu, 1) if cpu > 0 else None, "note": note}

    rows: list[dict] = []
    for n, pdf in frames.items():
        matcher = Matcher(reference, model)
        c0, t0 = time.process_time(), time.perf_counter()
        matcher.match(pdf, name="name", metal="metal", country="country")
        rows.append(row(n, "", "pandas", time.perf_counter() - t0, time.process_time() - c0, 1))
        del matcher
        if log:
            log(f"  spark bench {n:>9,}: pandas {rows[-1]['rows_per_s']:,.0f} rows/s")
    for master in masters:
        spark = _session(master)
        try:
            _warm_up(spark, reference)
            for n, pdf in frames.items():
                sdf = spark.createDataFrame(pdf).cache()
                sdf.count()
                variants = [(f"spark {master}", sdf)]
                if by_name:
                    variants.append((f"spark {master} by name", sdf.repartition(
                        BY_NAME_PARTITIONS, "name", "metal", "country")))
                for engine, frame in variants:
                    _clear_executor_matchers(spark)
                    wall, cpu = _spark_run(spark, frame, reference, n)
                    rows.append(row(n, master, engine, wall, cpu, frame.rdd.getNumPartitions(),
                                    "cold executors: includes building one matcher per worker"))
                    if log:
                        log(f"  spark bench {n:>9,}: {engine} {rows[-1]['rows_per_s']:,.0f} "
                            "rows/s")
                sdf.unpersist()
        finally:
            spark.stop()
    return rows


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks.spark_bench [SIZE ...]`` (sizes like 10k, 100k; default 10k 100k)."""
    from smelter_match.reference import load_reference

    args = argv if argv is not None else sys.argv[1:]
    sizes = [int(float(a.lower().rstrip("km")) * {"k": 1e3, "m": 1e6}.get(a[-1:].lower(), 1))
             for a in args] or [10_000, 100_000]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ref = load_reference(os.path.join(root, "..", "shared", "rmi", "cmrt"),
                         os.path.join(root, "..", "shared", "rmi", "exports-2026-08-22"))
    for r in run_spark_bench(sizes, ref, log=print):
        print(r, flush=True)


if __name__ == "__main__":
    main()
