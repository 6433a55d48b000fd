"""Match smelter names in a Spark DataFrame: the pandas :class:`~smelter_match.Matcher`, per query.

Needs the optional extra ``smelter-match[spark]`` (pyspark + pyarrow) and a Java runtime::

    from smelter_match import load_reference
    from smelter_match.spark import match_spark

    ref = load_reference("/shared/rmi/cmrt", "/shared/rmi/exports-2026-08-22")
    out = match_spark(df, ref, name="smelter_name", metal="metal", country="country")

How it runs:

- On the driver, the reference (:meth:`Reference.to_json_dict`), the model (:meth:`Model.to_dict`)
  and the overrides (as records) are serialised once into one gzip-compressed JSON payload
  (~100 KB for the full RMI history) and **broadcast** to the executors.
- Each executor Python process builds one :class:`~smelter_match.Matcher` from that payload the
  first time one of its tasks needs it and keeps it in a module-level cache keyed by the payload's
  content hash (reference content hash + model hash + overrides hash). Later batches, partitions
  and jobs with the same reference and model reuse it, together with its answer cache (so repeated
  names are decided once per process). Python worker reuse (``spark.python.worker.reuse``, on by
  default) is what makes the process-level cache effective.
- Each distinct (name, metal, country, reported CID) of the whole input is decided once: the
  query columns and two 64-bit hashes of their values (computed on the JVM, a null apart from
  its neighbours) are hashed by the name into ``partitions`` tasks (default: one per core Spark
  offers when :func:`match_spark` is called, ``defaultParallelism``) and made distinct there (one
  shuffle of the query columns), and :meth:`DataFrame.mapInPandas` decides each (so the cores
  share the matching, a name that sits in every partition costs one decision, not one per
  worker, and the queries of one name under several metals or countries meet in one worker,
  which normalises the name, finds and compares its candidates once: sharing them out by the
  whole query had the two workers of local[2] do ~20% more work than one worker alone). The
  decisions, one row per distinct query, are joined back to the rows on the two hashes by a
  broadcast hash join: the rows are not shuffled, each keeps its partition and its
  place in it, and the rows never pass through Python. The join reads no value that went
  through Python (a NaN comes back from pandas as null, a long beside nulls through a float).
  Each output row is exactly what ``Matcher(reference, model, overrides).match(pdf, ...)``
  gives for the same input row. Columns are handled by position, so names with a dot, or two
  columns of one name, are kept as they are.
- The input is therefore read twice (its query columns, then its rows): ``cache()`` it when it
  is costly to produce, and when a second read could give other rows (``limit()`` or
  ``sample()`` over shuffled data, a non-deterministic function): a row whose query has no
  decision stops the job with an error, never a row without an answer.
- The decisions pass through the driver, as any broadcast does: about 0.5 KB per distinct
  query (340 characters of text on the benchmark's workload; more where reviews explain
  themselves), so the default ``spark.driver.maxResultSize`` (1 GB) holds roughly a million
  distinct queries; raise it (and ``spark.sql.broadcastTimeout``, 300 s, which the matching of
  the distinct queries can count against when adaptive execution is off) for more.

Why: when each Python worker decided the distinct queries of its own partitions, a popular name
was decided once per worker, and two cores did not halve the work (the README's "Running on
Spark" has the measured figures).

The output schema is the input schema followed by :data:`~smelter_match.results.RESULT_COLUMNS`
(all strings except ``score`` and ``smelter_score``, doubles). A result column whose name the input
already uses is prefixed with :data:`~smelter_match.results.RESULT_PREFIX` (``match_cid`` ...), as
in pandas. Spark resolves column names case-insensitively unless ``spark.sql.caseSensitive`` is on,
so in that (default) mode a clash is detected case-insensitively too (an input ``CID`` column gives
``match_cid``); otherwise the output would hold two columns Spark cannot tell apart.

Which Python the workers run: on a cluster, whatever Spark is configured with. In local mode
(``local``, ``local[n]``, ``local-cluster[...]``: the workers run on this machine) PySpark would
start ``python3`` from the PATH unless ``PYSPARK_PYTHON`` is set; from a virtual environment that
is not activated, that is another interpreter without pandas, and the job dies deep in a Spark
traceback. So for a local master the workers run ``PYSPARK_PYTHON`` if set, else the
``spark.pyspark.python`` setting, else the driver's own interpreter (``sys.executable``); an
interpreter other than the driver's is checked once (it must import pandas, pyarrow and
smelter_match, and be the driver's Python version), and :func:`match_spark` stops with a one-line
:class:`~smelter_match.errors.InputError` when it cannot."""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from smelter_match.classify import Model
from smelter_match.errors import InputError
from smelter_match.reference import Reference
from smelter_match.results import NUMERIC_COLUMNS, RESULT_COLUMNS, RESULT_PREFIX

if TYPE_CHECKING:
    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql.types import StructType

    from smelter_match.matcher import Matcher

__all__ = ["match_spark", "result_schema"]

#: How many distinct (reference, model, overrides) matchers one executor process keeps.
MAX_CACHED_MATCHERS = 2

# Executor-side state (module level, so it lives as long as the Python worker process).
_MATCHERS: OrderedDict[str, Matcher] = OrderedDict()
_BUILDS: dict[str, int] = {}     # key -> matchers built by this process (diagnostics / tests)
_QUERIES: dict[str, int] = {}    # key -> distinct queries this process decided (diagnostics)
_LOCK = threading.Lock()

# Internal column names: the input's columns by position, the distinct queries' (name, metal,
# country, reported CID, those given), the two hashes a query is joined back on (the rows' and
# the decisions'), and the results. The input's own names are restored at the end.
_INPUT = "__sm_c"
_QUERY_COLUMNS = ("__sm_q0", "__sm_q1", "__sm_q2", "__sm_q3")
_HASH = ("__sm_h1", "__sm_h2")
_DECIDED_HASH = ("__sm_d1", "__sm_d2")
_RESULT = "__sm_r_"


# ------------------------------------------------------------------------------------------------
# Public API
# ------------------------------------------------------------------------------------------------

def match_spark(spark_df: SparkDataFrame, reference: Reference, *, name: str = "name",
                metal: str | None = None, country: str | None = None,
                reported_cid: str | None = None, model: Model | str | Path | None = None,
                overrides: pd.DataFrame | str | Path | None = None,
                partitions: int | None = None) -> SparkDataFrame:
    """Return ``spark_df`` with the matcher's result columns appended (lazy; nothing runs yet).

    ``name`` / ``metal`` / ``country`` / ``reported_cid`` name the input's columns (the last three
    are optional), exactly as for :meth:`Matcher.match`. ``model`` is a :class:`Model`, a model
    JSON path or ``None`` for the shipped model; ``overrides`` a DataFrame or an override CSV path
    (read here, on the driver). Paths are read on the driver, so they need not exist on executors.
    ``partitions``: how many tasks share the distinct queries (default: the cores Spark offers
    when this is called, ``defaultParallelism``; set it on a cluster that scales up later).

    Every output row equals what ``Matcher(reference, model, overrides).match(pdf, ...)`` returns
    for the same input row. Raises :class:`~smelter_match.errors.InputError` at once when a named
    column is missing or a prefixed result column would still clash with an input column.
    """
    # Duck-typed: classic and Spark Connect DataFrames (unrelated classes in pyspark 3.5).
    if not (hasattr(spark_df, "mapInPandas") and hasattr(spark_df, "sparkSession")):
        raise InputError("match_spark() expects a pyspark.sql.DataFrame; for pandas use "
                         "Matcher.match")
    if partitions is not None and (isinstance(partitions, bool) or not isinstance(partitions, int)
                                   or partitions < 1):
        raise InputError(f"partitions must be a positive whole number, not {partitions!r}")
    if not isinstance(reference, Reference):
        raise InputError("match_spark() needs a Reference (smelter_match.load_reference(...)), "
                         f"not {type(reference).__name__}")
    if not isinstance(name, str):
        raise InputError(f"match_spark() needs the name column's name (text), not {name!r}")
    from pyspark.sql import functions as F

    columns = list(spark_df.columns)
    types = {f.name: f.dataType.typeName() for f in spark_df.schema.fields}
    for label, col in (("name", name), ("metal", metal), ("country", country),
                       ("reported_cid", reported_cid)):
        if col is not None and (not isinstance(col, str) or col not in columns):
            raise InputError(f"column {col!r} ({label}) not in input; columns are: "
                             f"{', '.join(columns)}")
        if col is not None and types.get(col) in ("array", "map"):
            raise InputError(f"column {col!r} ({label}) holds {types[col]}s, not text: give a "
                             "column of names (e.g. one element of it)")
    spark = spark_df.sparkSession
    case_sensitive = str(spark.conf.get("spark.sql.caseSensitive", "false")).lower() == "true"
    schema = result_schema(spark_df.schema, case_sensitive=case_sensitive)

    payload = _payload(reference, model, overrides)
    key = f"{reference.version.content_hash[:12]}-{hashlib.sha256(payload).hexdigest()[:20]}"
    state = _ship(spark, payload)
    # Columns by position from here on: a name with a dot, or one used twice, is no problem.
    inner = [f"{_INPUT}{i}" for i in range(len(columns))]
    rows = spark_df.toDF(*inner)
    roles = (name, metal, country, reported_cid)
    given = [F.col(inner[columns.index(c)]) for c in roles if c is not None]
    # The decisions are joined back on two 64-bit hashes of the query's values, computed on the
    # JVM from the values themselves (values that went through Python can come back changed: a
    # NaN as null, a long with nulls through a float). A null counts apart from its neighbours.
    parts = [x for g in given for x in (g, g.isNull())]
    rows = rows.withColumn(_HASH[0], F.xxhash64(*parts)).withColumn(
        _HASH[1], F.xxhash64(F.lit("smelter_match"), *parts))
    # Tasks by the name alone: the queries of one name (under several metals or countries) meet
    # in one worker, which does the name's work (normalising, candidates, comparing) once.
    queries = (rows.select(*[g.alias(q) for g, q in zip(given, _QUERY_COLUMNS)], *_HASH)
               .repartition(partitions or _query_partitions(spark), _QUERY_COLUMNS[0])
               .distinct())
    decided_out = [_RESULT + c for c in RESULT_COLUMNS]
    cols = iter(_QUERY_COLUMNS)
    # A partial of a module-level function pickles by reference: executors import this module,
    # so the matcher cache they use is this module's, shared by every task of the process.
    fn = functools.partial(_match_batches, key=key, state=state,
                           cols=tuple(next(cols) if c is not None else None for c in roles),
                           out_names=decided_out)
    with _local_worker_python(spark):
        decided = queries.mapInPandas(fn, _decided_schema(decided_out))
    decided = decided.toDF(*_DECIDED_HASH, *decided_out)
    on = [rows[h] == decided[d] for h, d in zip(_HASH, _DECIDED_HASH)]
    joined = rows.join(F.broadcast(decided), on=on, how="left")
    # A row whose query has no decision can only come from an input that gave other rows when
    # read again: an error, never a row without an answer.
    missing = F.raise_error(F.lit(
        "match_spark: the input gave other rows when read a second time (limit() or sample() "
        "over shuffled data, a non-deterministic function?); cache() it before matching"))
    results = [F.when(decided[_RESULT + "decision"].isNull(), missing)
               .otherwise(decided[r]).cast(f.dataType)
               for r, f in zip(decided_out, schema.fields[len(columns):])]
    return joined.select(*[rows[c] for c in inner], *results).toDF(*schema.fieldNames())


def _query_partitions(spark: Any) -> int:
    """Tasks of the distinct queries by default: one per core Spark offers now
    (``defaultParallelism``); under Spark Connect, ``spark.default.parallelism`` or
    ``spark.sql.shuffle.partitions`` when set to a number, else 200."""
    try:
        return max(1, int(spark.sparkContext.defaultParallelism))
    except Exception:  # noqa: BLE001 - Spark Connect: no SparkContext
        pass
    for setting in ("spark.default.parallelism", "spark.sql.shuffle.partitions"):
        try:
            return max(1, int(spark.conf.get(setting)))
        except Exception:  # noqa: BLE001 - unset, or not a number ("auto")
            continue
    return 200


def _decided_schema(decided_out: list[str]) -> StructType:
    """The two query hashes followed by the result columns (under internal names)."""
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

    return StructType([*(StructField(h, LongType(), False) for h in _HASH), *(
        StructField(o, DoubleType() if c in NUMERIC_COLUMNS else StringType(), True)
        for c, o in zip(RESULT_COLUMNS, decided_out))])


def result_schema(input_schema: StructType, *, case_sensitive: bool = False) -> StructType:
    """The schema :func:`match_spark` returns for an input of schema ``input_schema``."""
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    def norm(c: str) -> str:
        return c if case_sensitive else c.lower()

    taken = {norm(c) for c in input_schema.fieldNames()}
    fields = list(input_schema.fields)
    for c in RESULT_COLUMNS:
        target = c if norm(c) not in taken else RESULT_PREFIX + c
        if norm(target) in taken:
            raise InputError(f"the input already has columns {c!r} and {target!r}; rename one "
                             "so the matcher's result column can be added")
        fields.append(StructField(target, DoubleType() if c in NUMERIC_COLUMNS else StringType(), True))
    return StructType(fields)


# ------------------------------------------------------------------------------------------------
# Driver side: which Python the local workers run
# ------------------------------------------------------------------------------------------------

#: Interpreter path -> why local workers cannot run it ("" = they can); checked once per process.
_PYTHON_PROBLEMS: dict[str, str] = {}
_PROBE = ("import sys\n"
          "try:\n    import pandas, pyarrow, smelter_match\n"
          "except ImportError as e:\n    print('missing', e.name); sys.exit(0)\n"
          "print('ok', '%d.%d' % sys.version_info[:2])\n")


def _worker_python(master: str | None, env_python: str | None, conf_python: str | None
                   ) -> tuple[str | None, str]:
    """(interpreter the Python workers of a ``master`` session must run, where it comes from).

    ``(None, "")`` when Spark's own choice stands: any master that is not local. For a local
    master: ``PYSPARK_PYTHON`` (``env_python``) if set, else ``spark.pyspark.python``
    (``conf_python``, which PySpark does not apply to a session started from Python), else the
    driver's interpreter.
    """
    if not str(master or "").startswith("local"):
        return None, ""
    if env_python:
        return env_python, "PYSPARK_PYTHON"
    if conf_python:
        return conf_python, "spark.pyspark.python"
    return sys.executable, "the driver's interpreter"


def _python_problem(python: str) -> str:
    """Why local Python workers cannot run ``python`` (``""`` when they can); cached.

    The driver's own interpreter is fine by construction; another one must start, import pandas,
    pyarrow and smelter_match, and have the driver's major.minor version (PySpark refuses others).
    """
    path = shutil.which(python) or python
    if os.path.abspath(path) == os.path.abspath(sys.executable):
        return ""
    if python not in _PYTHON_PROBLEMS:
        try:
            proc = subprocess.run([path, "-c", _PROBE], capture_output=True, text=True,
                                  timeout=120)
            words = proc.stdout.split()
        except (OSError, subprocess.SubprocessError) as exc:
            proc, words = None, ["failed", f"({type(exc).__name__}: {exc})"]
        driver = f"{sys.version_info[0]}.{sys.version_info[1]}"
        if words[:1] == ["missing"]:
            problem = f"cannot import {words[1] if len(words) > 1 else 'a needed module'}"
        elif words[:1] == ["ok"] and words[1:2] != [driver]:
            problem = f"is Python {words[1] if len(words) > 1 else '?'}, the driver is {driver}"
        elif words[:1] != ["ok"]:
            last = (proc.stderr.strip().splitlines() or [""])[-1] if proc is not None else ""
            problem = f"cannot be started {' '.join(words[1:]) or last}".strip()
        else:
            problem = ""
        _PYTHON_PROBLEMS[python] = problem
    return _PYTHON_PROBLEMS[python]


@contextmanager
def _local_worker_python(spark: Any) -> Iterator[None]:
    """While Python UDFs are created inside, a local session's workers run the interpreter of
    :func:`_worker_python` (PySpark reads ``SparkContext.pythonExec`` when it wraps a UDF); the
    context's own setting is restored afterwards, so nothing else the user runs is changed.

    Raises:
        InputError: that interpreter cannot run the workers (one line: which, and why).
    """
    try:
        sc = spark.sparkContext
        master = sc.master
    except Exception:  # noqa: BLE001 - Spark Connect: no SparkContext, the server decides
        sc = master = None
    python, source = _worker_python(master, os.environ.get("PYSPARK_PYTHON"),
                                    sc.getConf().get("spark.pyspark.python") if sc else None)
    if python is None:
        yield
        return
    problem = _python_problem(python)
    if problem:
        raise InputError(f"Spark's Python workers would run {python} ({source}), which {problem}; "
                         "set PYSPARK_PYTHON to an interpreter where smelter-match[spark] is "
                         f"installed, e.g. {sys.executable}")
    before = sc.pythonExec
    sc.pythonExec = python
    try:
        yield
    finally:
        sc.pythonExec = before


# ------------------------------------------------------------------------------------------------
# Driver side: serialise once, ship once
# ------------------------------------------------------------------------------------------------

def _payload(reference: Reference, model: Model | str | Path | None,
             overrides: pd.DataFrame | str | Path | None) -> bytes:
    """Reference, model and overrides as one gzip-compressed JSON document (deterministic).

    The reference and model go through their own JSON forms (a value JSON cannot hold is an
    error, never silently converted). Override cells are kept as they are where JSON allows
    (text, numbers, NaN, None); numpy scalars become Python ones, pandas NA-likes None, anything
    else its ``str`` (files read by :func:`~smelter_match.overrides.load_overrides` are all text).
    """
    model = model if isinstance(model, Model) else Model.load(model)
    ov: dict | None = None
    if overrides is not None:
        if not isinstance(overrides, pd.DataFrame):
            from smelter_match.overrides import load_overrides

            overrides = load_overrides(overrides)
        ov = {"columns": [str(c) for c in overrides.columns],
              "rows": [[_json_cell(v) for v in r]
                       for r in overrides.itertuples(index=False, name=None)]}
    doc = {"reference": reference.to_json_dict(), "model": model.to_dict(), "overrides": ov,
           "use_cache": reference.use_cache}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)


def _json_cell(v: object) -> object:
    if v is None or isinstance(v, (str, bool, int, float)):
        return v
    if hasattr(v, "item") and not isinstance(v, (list, tuple, dict)):
        try:
            return v.item()  # numpy scalar
        except (TypeError, ValueError):
            pass
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return str(v)


class _Inline:
    """Stand-in for a broadcast variable where there is none (Spark Connect): rides in the closure."""

    def __init__(self, value: bytes):
        self.value = value


def _ship(spark: Any, payload: bytes) -> Any:
    """Broadcast the payload (classic Spark) or embed it in the task closure (Spark Connect).

    Either way the executor-side cache means each Python worker process deserialises it and builds
    its :class:`Matcher` once; the payload itself is only ~100 KB.
    """
    try:
        sc = spark.sparkContext
    except Exception:  # noqa: BLE001 - Spark Connect raises its own error types here
        return _Inline(payload)
    return sc.broadcast(payload)


# ------------------------------------------------------------------------------------------------
# Executor side
# ------------------------------------------------------------------------------------------------

def _matcher_for(key: str, state: Any) -> Matcher:
    """This process's Matcher for ``key``, built from the shipped payload on first use."""
    with _LOCK:
        m = _MATCHERS.get(key)
        if m is not None:
            _MATCHERS.move_to_end(key)
            return m
        from smelter_match.matcher import Matcher

        doc = json.loads(gzip.decompress(state.value).decode("utf-8"))
        ov = doc["overrides"]
        overrides = (pd.DataFrame(ov["rows"], columns=ov["columns"], dtype=object)
                     if ov is not None else None)
        # one thread per Python worker (steps, rapidfuzz, forests): Spark runs one worker per core
        reference = Reference.from_json_dict(doc["reference"])
        reference.use_cache = doc.get("use_cache", True)   # as the driver's (the index's cache)
        m = Matcher(reference, Model.from_dict(doc["model"]), overrides, workers=1)
        _MATCHERS[key] = m
        _BUILDS[key] = _BUILDS.get(key, 0) + 1
        while len(_MATCHERS) > MAX_CACHED_MATCHERS:
            _MATCHERS.popitem(last=False)
        return m


def _match_batches(batches: Iterator[pd.DataFrame], key: str, state: Any,
                   cols: tuple[str | None, str | None, str | None, str | None],
                   out_names: list[str]) -> Iterator[pd.DataFrame]:
    """mapInPandas body: distinct queries (``cols``: their name, metal, country and reported CID
    columns, None where not given; and the two hash columns) -> their hashes and the result
    columns as ``out_names``."""
    name, metal, country, reported_cid = cols
    matcher: Matcher | None = None
    for pdf in batches:
        if pdf.empty:
            continue
        if matcher is None:
            matcher = _matcher_for(key, state)
        res = matcher.match(pdf, name=name, metal=metal, country=country,
                            reported_cid=reported_cid)
        with _LOCK:
            _QUERIES[key] = _QUERIES.get(key, 0) + len(pdf)
        out = pd.DataFrame({h: pdf[h].to_numpy(dtype="int64") for h in _HASH})
        for c, target in zip(RESULT_COLUMNS, out_names):
            values = res[c].to_numpy()
            out[target] = values.astype("float64") if c in NUMERIC_COLUMNS else values
        yield out


def _executor_stats() -> dict[str, Any]:
    """This process's state: pid, CPU seconds used, cached keys, matcher builds and queries
    decided per key.

    Diagnostics for tests and benchmarks (run it inside a task to see an executor's state).
    """
    with _LOCK:
        return {"pid": os.getpid(), "cpu_s": time.process_time(), "cached": list(_MATCHERS),
                "builds": dict(_BUILDS), "queries": dict(_QUERIES)}


def _stats_partition(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    for _ in batches:
        pass
    yield pd.DataFrame({"stats": [json.dumps(_executor_stats())]})


def _collect_executor_stats(spark: Any, tasks: int = 8) -> dict[int, dict[str, Any]]:
    """:func:`_executor_stats` of the Python workers serving SQL tasks, by pid (best effort:
    a worker that gets none of the ``tasks`` is not seen)."""
    with _local_worker_python(spark):
        frame = spark.range(0, tasks, 1, tasks).mapInPandas(_stats_partition, "stats string")
    rows = frame.collect()
    return {s["pid"]: s for s in (json.loads(r["stats"]) for r in rows)}
