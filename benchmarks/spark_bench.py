"""Throughput of ``smelter_match.spark.match_spark`` on a local[2] Spark session, beside pandas.

``run_spark_bench(sizes, reference)`` returns one dict per (size, engine) for the suite's report::

    {"size": 100000, "engine": "spark local[2]", "seconds": 21.3, "rows_per_s": 4694.8,
     "distinct_queries": 19693, "partitions": 2, "cpu_s": 40.1, "rows_per_cpu_s": 2493.8,
     "note": ""}

Engines, all on the same :func:`benchmarks.workloads.make_workload` rows (seed 0):

- ``pandas``: ``Matcher(reference).match(df)`` in this process, a fresh matcher per size (its
  construction, ~0.2 s, is not timed);
- ``spark local[2]``: ``match_spark`` on the DataFrame as ``createDataFrame`` partitions it (one
  partition per core). Timed from the action to the end of a ``noop`` write (everything is
  computed, nothing is collected); the input is cached and materialised first, so only matching
  is timed. Each Python worker builds its matcher inside the timed region (cold executors);
- ``spark local[2] by name``: the same after ``repartition(cores, name, metal, country)``, so every
  distinct query lands in one partition and is decided once (the shuffle is timed too).

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
CORES = 2
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


def _session() -> tuple[Any, bool]:
    """The active SparkSession, or a new quiet local[2] one (returns it and whether it is ours)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master(SPARK_MASTER)
        .appName("smelter_match-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(CORES))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session, True


def _worker_cpu(spark: Any) -> dict[int, float]:
    from smelter_match.spark import _collect_executor_stats

    return {pid: s["cpu_s"] for pid, s in _collect_executor_stats(spark, 4 * CORES).items()}


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
    """Make the next run cold: drop the matchers cached by the Python workers."""
    def clear(batches):  # noqa: ANN001, ANN202 - runs on executors
        from smelter_match import spark as sm

        for _ in batches:
            pass
        with sm._LOCK:
            sm._MATCHERS.clear()
        yield pd.DataFrame({"ok": [1]})

    spark.range(0, 4 * CORES, 1, 4 * CORES).mapInPandas(clear, "ok int").collect()


def run_spark_bench(sizes: list[int], reference: Any, *, seed: int = 0,
                    by_name: bool = True,
                    workload_paths: dict[int, str | Path] | None = None,
                    log: Any = None) -> list[dict]:
    """Rows/s of ``match_spark`` (local[2]) and of the pandas matcher for each workload size.

    Returns one dict per (size, engine) with keys ``size``, ``engine``, ``seconds``,
    ``rows_per_s``, ``distinct_queries``, ``partitions``, ``cpu_s``, ``rows_per_cpu_s`` and
    ``note``. When pyspark or Java is missing, returns one row per size with ``engine`` "spark"
    and the reason in ``note`` (no exception), so the suite still completes.

    ``workload_paths`` maps a size to a pickled workload (the speed section's files, so Spark
    matches exactly the rows the speed runs matched); sizes without a file are generated with
    :func:`benchmarks.workloads.make_workload` and ``seed`` (the same rows, deterministically).
    ``log`` is an optional ``log(message)`` callable for progress lines.
    """
    from benchmarks.workloads import make_workload
    from smelter_match.classify import Model
    from smelter_match.matcher import Matcher

    missing = spark_unavailable()
    if missing:
        return [{"size": n, "engine": "spark", "seconds": None, "rows_per_s": None,
                 "distinct_queries": None, "partitions": None, "cpu_s": None,
                 "rows_per_cpu_s": None, "note": f"skipped: {missing}"} for n in sizes]

    spark, ours = _session()
    rows: list[dict] = []
    try:
        model = Model.load()
        for n in sizes:
            path = (workload_paths or {}).get(n)
            if path is not None and Path(path).is_file():
                pdf = pd.read_pickle(path)[["name", "metal", "country"]]
            else:
                pdf = make_workload(n, reference, seed=seed)[["name", "metal", "country"]]
            distinct = len(pdf.drop_duplicates())

            def row(engine: str, wall: float, cpu: float, parts: int, note: str = "",
                    n: int = n, distinct: int = distinct) -> dict:
                return {"size": n, "engine": engine, "seconds": round(wall, 3),
                        "rows_per_s": round(n / wall, 1), "distinct_queries": distinct,
                        "partitions": parts, "cpu_s": round(cpu, 3),
                        "rows_per_cpu_s": round(n / cpu, 1) if cpu > 0 else None, "note": note}

            matcher = Matcher(reference, model)
            c0, t0 = time.process_time(), time.perf_counter()
            matcher.match(pdf, name="name", metal="metal", country="country")
            rows.append(row("pandas", time.perf_counter() - t0, time.process_time() - c0, 1))
            del matcher

            sdf = spark.createDataFrame(pdf).cache()
            sdf.count()
            variants = [(f"spark {SPARK_MASTER}", sdf)]
            if by_name:
                variants.append((f"spark {SPARK_MASTER} by name",
                                 sdf.repartition(CORES, "name", "metal", "country")))
            if log:
                log(f"  spark bench {n:>9,}: pandas {rows[-1]['rows_per_s']:,.0f} rows/s")
            for engine, frame in variants:
                _clear_executor_matchers(spark)
                wall, cpu = _spark_run(spark, frame, reference, n)
                rows.append(row(engine, wall, cpu, frame.rdd.getNumPartitions(),
                                "cold executors: includes building one matcher per worker"))
                if log:
                    log(f"  spark bench {n:>9,}: {engine} {rows[-1]['rows_per_s']:,.0f} rows/s")
            sdf.unpersist()
    finally:
        if ours:
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
    for r in run_spark_bench(sizes, ref):
        print(r, flush=True)


if __name__ == "__main__":
    main()
