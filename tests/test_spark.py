"""``smelter_match.spark.match_spark`` gives row-for-row what the pandas ``Matcher.match`` gives.

Needs pyspark + pyarrow (``pip install -e '.[spark]'``) and a Java runtime (``scripts/ensure-java.sh``);
skipped otherwise. One local[2] SparkSession serves the whole module. The matcher is still being
tuned, so nothing here asserts a particular answer: only Spark == pandas for the same rows.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyspark", reason="pyspark not installed (pip install -e '.[spark]')")
pytest.importorskip("pyarrow", reason="pyarrow not installed (pip install -e '.[spark]')")
if shutil.which("java") is None:
    pytest.skip("no Java runtime on PATH (run scripts/ensure-java.sh); Spark tests skipped",
                allow_module_level=True)

from pyspark.sql import SparkSession  # noqa: E402

from smelter_match import spark as sm_spark  # noqa: E402
from smelter_match.classify import Model  # noqa: E402
from smelter_match.errors import InputError  # noqa: E402
from smelter_match.matcher import Matcher  # noqa: E402
from smelter_match.overrides import OVERRIDE_COLUMNS  # noqa: E402
from smelter_match.results import NUMERIC_COLUMNS, RESULT_COLUMNS, RESULT_PREFIX  # noqa: E402
from smelter_match.spark import match_spark, result_schema  # noqa: E402

pytestmark = pytest.mark.spark

ROOT = Path(__file__).resolve().parents[1]
GOLD_DIR = ROOT / "reference_data" / "gold"
WORKLOAD_ROWS = 100_000


# ------------------------------------------------------------------------------------------------
# Fixtures
# ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    """A quiet local[2] session; executors run this interpreter (the venv with smelter_match)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("PYSPARK_PYTHON", sys.executable)
    mp.setenv("PYSPARK_DRIVER_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("smelter_match-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # several Arrow batches per partition: the per-process matcher must survive them
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "5000")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.extraJavaOptions", "-Dlog4j2.level=ERROR")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    mp.undo()


@pytest.fixture(scope="module")
def reference(full_reference: Any) -> Any:
    """The merged RMI reference (../shared/rmi/cmrt + exports-2026-08-22, tmp cache dir)."""
    return full_reference


@pytest.fixture(scope="module")
def matcher(reference: Any) -> Matcher:
    """The pandas matcher every Spark result is compared with."""
    return Matcher(reference, Model.load())


def _to_spark(spark: SparkSession, pdf: pd.DataFrame, partitions: int | None = None) -> Any:
    sdf = spark.createDataFrame(pdf)
    return sdf.repartition(partitions) if partitions else sdf


def _assert_same_rows(got: pd.DataFrame, want: pd.DataFrame, row_id: str = "row_id") -> None:
    """Row-for-row equality after sorting by ``row_id``; result columns must match exactly."""
    got = got.sort_values(row_id, kind="stable").reset_index(drop=True)
    want = want.sort_values(row_id, kind="stable").reset_index(drop=True)
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    result_cols = list(want.columns[-len(RESULT_COLUMNS):])
    for c in want.columns:
        a, b = got[c], want[c]
        if c in result_cols:
            if c.endswith("score"):
                ok = np.array_equal(a.to_numpy(float), b.to_numpy(float))
            else:
                ok = a.tolist() == b.tolist()
        else:  # input columns: Spark turns NaN/None into null either way
            ok = a.astype(object).where(a.notna(), None).tolist() == \
                b.astype(object).where(b.notna(), None).tolist()
        if not ok:
            bad = (a.astype(str) != b.astype(str)).to_numpy().nonzero()[0][:5]
            raise AssertionError(f"column {c!r} differs at rows {bad.tolist()}:\n"
                                 f"spark:  {a.iloc[bad].tolist()}\npandas: {b.iloc[bad].tolist()}")


# ------------------------------------------------------------------------------------------------
# Schema and arguments (no Spark job)
# ------------------------------------------------------------------------------------------------

def test_result_schema_types_and_prefix(spark: SparkSession) -> None:
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

    inp = StructType([StructField("id", LongType()), StructField("name", StringType()),
                      StructField("cid", StringType()), StructField("Score", DoubleType())])
    s = result_schema(inp)
    expected = ["id", "name", "cid", "Score"] + [
        RESULT_PREFIX + c if c in ("cid", "score") else c for c in RESULT_COLUMNS]
    assert s.fieldNames() == expected
    added = s.fields[len(inp.fields):]
    assert [f.dataType for f in added] == [
        DoubleType() if c in NUMERIC_COLUMNS else StringType() for c in RESULT_COLUMNS]
    # case-sensitive sessions clash only on identical names, exactly like pandas
    assert result_schema(inp, case_sensitive=True).fieldNames()[4:] == [
        RESULT_PREFIX + c if c == "cid" else c for c in RESULT_COLUMNS]
    both = StructType([StructField("cid", StringType()), StructField("match_cid", StringType())])
    with pytest.raises(InputError, match="match_cid"):
        result_schema(both)


def test_missing_column_fails_on_the_driver(spark: SparkSession, reference: Any) -> None:
    sdf = spark.createDataFrame(pd.DataFrame({"name": ["x"], "metal": ["Gold"]}))
    with pytest.raises(InputError, match="'country'"):
        match_spark(sdf, reference, country="country")
    with pytest.raises(InputError, match="pyspark.sql.DataFrame"):
        match_spark(pd.DataFrame({"name": ["x"]}), reference)  # type: ignore[arg-type]


def test_bad_arguments_are_one_line_errors_on_the_driver(spark: SparkSession,
                                                         reference: Any) -> None:
    """Each gave a Spark or Py4J traceback, some only when the job ran (found by an audit)."""
    from pyspark.sql import functions as F

    sdf = spark.createDataFrame([("x", ["a", "b"], {"k": "v"})], "name string, arr array<string>, "
                                "kv map<string,string>")
    for kwargs, said in (({"name": None}, "name column's name"),
                         ({"name": F.col("name")}, "name column's name"),
                         ({"partitions": True}, "positive whole number"),
                         ({"name": "arr"}, "holds arrays, not text"),
                         ({"name": "name", "country": "kv"}, "holds maps, not text")):
        with pytest.raises(InputError, match=said):
            match_spark(sdf, reference, **kwargs)
    with pytest.raises(InputError, match="needs a Reference"):
        match_spark(sdf, "ref.json.gz")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------
# Equality with pandas
# ------------------------------------------------------------------------------------------------

def _mixed_frame(reference: Any) -> pd.DataFrame:
    """Awkward rows: real names, near misses, placeholders, blanks, nulls, reported CIDs, and
    input columns that clash with result columns or carry non-string types."""
    fac = reference.facilities.sort_values(["cid", "metal"]).head(12)
    names = fac["standard_name"].tolist()
    rows = []
    for i, (n, m, c, cid) in enumerate(zip(names, fac["metal"], fac["country"], fac["cid"])):
        rows.append((n, m, c, cid if i % 3 == 0 else ""))
        rows.append((n.upper()[:-2], m.lower() if i % 2 else "", c if i % 2 else None, None))
    rows += [("Smelter not listed", "Gold", "", None), ("", "Tin", "China", "CID000001"),
             (None, None, None, None), ("   ", "Tungsten", "Japan", "cid 2"),
             ("Totally Unknown Trading Ltd", "Gold", "Narnia", "not a cid")]
    pdf = pd.DataFrame(rows, columns=["name", "metal", "country", "reported_cid"])
    n = len(pdf)
    pdf.insert(0, "row_id", np.arange(n, dtype="int64"))
    pdf["cid"] = [f"supplier-{i}" for i in range(n)]             # clashes -> match_cid
    pdf["qty"] = pd.array([i if i % 4 else None for i in range(n)], dtype="Int64")
    pdf["weight"] = np.linspace(0.5, 9.5, n)
    pdf["flag"] = [i % 2 == 0 for i in range(n)]
    pdf["day"] = pd.date_range("2020-01-01", periods=n, freq="D").date
    return pdf


def test_mixed_rows_clashes_types_and_reported_cid(spark: SparkSession, reference: Any,
                                                    matcher: Matcher) -> None:
    pdf = _mixed_frame(reference)
    sdf = _to_spark(spark, pdf, partitions=3)
    out = match_spark(sdf, reference, name="name", metal="metal", country="country",
                      reported_cid="reported_cid")
    assert out.schema.fields[: len(sdf.schema)] == sdf.schema.fields  # input schema kept
    assert out.columns[len(sdf.columns):] == [
        RESULT_PREFIX + c if c in ("cid", "metal", "country") else c for c in RESULT_COLUMNS]
    want = matcher.match(pdf, name="name", metal="metal", country="country",
                         reported_cid="reported_cid")
    _assert_same_rows(out.toPandas(), want)
    # only some columns given, and an empty input
    want2 = matcher.match(pdf, name="name")
    _assert_same_rows(match_spark(sdf, reference).toPandas(), want2)
    empty = match_spark(sdf.limit(0), reference, name="name", metal="metal")
    assert empty.count() == 0 and empty.columns == list(want2.columns)


def test_model_and_overrides_are_shipped(spark: SparkSession, reference: Any,
                                         matcher: Matcher) -> None:
    pdf = _mixed_frame(reference)
    sdf = _to_spark(spark, pdf, partitions=2)
    cols = dict(name="name", metal="metal", country="country", reported_cid="reported_cid")
    base = matcher.match(pdf, **cols)

    # a model with other thresholds must change decisions, on executors too
    shipped = Model.load().to_dict()
    strict = Model.from_dict({**shipped, "thresholds": {**shipped["thresholds"], "match": 1.01,
                                                        "smelter_match": 1.01}})
    want = Matcher(reference, strict).match(pdf, **cols)
    assert not want.equals(base)  # the test itself is sound
    _assert_same_rows(match_spark(sdf, reference, model=strict, **cols).toPandas(), want)

    # overrides (a DataFrame, and the same as a CSV path read on the driver)
    fac = reference.facilities.sort_values(["cid", "metal"])
    target = fac.iloc[-1]
    ov = pd.DataFrame([
        {"reported_name": pdf.loc[1, "name"], "metal": "", "cid": target["cid"],
         "verdict": "match"},
        {"reported_name": pdf.loc[0, "name"], "metal": "", "cid": "", "verdict": "not_a_smelter"},
    ], columns=list(OVERRIDE_COLUMNS), dtype=object).fillna("")
    want = Matcher(reference, Model.load(), ov).match(pdf, **cols)
    assert not want.equals(base)
    _assert_same_rows(match_spark(sdf, reference, overrides=ov, **cols).toPandas(), want)


def test_without_broadcast_the_payload_rides_in_the_closure(
        spark: SparkSession, reference: Any, matcher: Matcher,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The Spark Connect path (no SparkContext, so no broadcast) gives the same rows."""
    monkeypatch.setattr(sm_spark, "_ship", lambda _spark, payload: sm_spark._Inline(payload))
    pdf = _mixed_frame(reference)
    cols = dict(name="name", metal="metal", country="country")
    out = match_spark(_to_spark(spark, pdf, partitions=2), reference, **cols)
    _assert_same_rows(out.toPandas(), matcher.match(pdf, **cols))


@pytest.mark.parametrize("dataset", ["inogen_2020", "dataio_2020"])
def test_gold_sets_identical_to_pandas(spark: SparkSession, reference: Any, matcher: Matcher,
                                       dataset: str) -> None:
    path = GOLD_DIR / f"{dataset}.csv"
    if not path.exists():
        pytest.skip(f"gold set {path.name} not present")
    gold = pd.read_csv(path, dtype=str, keep_default_na=False)
    pdf = gold[["reported_name", "reported_metal", "reported_country"]].copy()
    pdf.insert(0, "row_id", np.arange(len(pdf), dtype="int64"))
    cols = dict(name="reported_name", metal="reported_metal", country="reported_country")
    out = match_spark(_to_spark(spark, pdf, partitions=3), reference, **cols)
    _assert_same_rows(out.toPandas(), matcher.match(pdf, **cols))


def _fallback_workload(n: int, reference: Any, seed: int = 0) -> pd.DataFrame:
    """Reference names with simple perturbations (used only if benchmarks.workloads is absent)."""
    rnd = random.Random(seed)
    pool = reference.names.merge(reference.facilities[["cid", "metal", "country"]],
                                 on=["cid", "metal"], how="left")
    pool = pool.sort_values(["name", "metal"]).reset_index(drop=True)
    picks = [rnd.randrange(len(pool)) for _ in range(n // 10)]   # ~10x duplication
    rows = []
    for _ in range(n):
        r = pool.iloc[rnd.choice(picks)]
        name = r["name"]
        op = rnd.random()
        if op < 0.2 and len(name) > 3:
            i = rnd.randrange(len(name))
            name = name[:i] + name[i + 1:]
        elif op < 0.3:
            name = name.upper()
        elif op < 0.4:
            name = name + " Co., Ltd."
        rows.append((name, r["metal"] if rnd.random() > 0.05 else "",
                     r["country"] if rnd.random() > 0.15 else ""))
    return pd.DataFrame(rows, columns=["name", "metal", "country"])


def test_100k_workload_identical_to_pandas(spark: SparkSession, reference: Any,
                                           matcher: Matcher) -> None:
    try:
        from benchmarks.workloads import make_workload
    except ImportError:
        make_workload = _fallback_workload
    pdf = make_workload(WORKLOAD_ROWS, reference, seed=0)[["name", "metal", "country"]]
    pdf.insert(0, "row_id", np.arange(len(pdf), dtype="int64"))
    cols = dict(name="name", metal="metal", country="country")

    t0 = time.perf_counter()
    got = match_spark(_to_spark(spark, pdf), reference, **cols).toPandas()
    t_spark = time.perf_counter() - t0
    t0 = time.perf_counter()
    want = Matcher(reference, Model.load()).match(pdf, **cols)   # fresh: no warm answer cache
    t_pandas = time.perf_counter() - t0
    print(f"\n{len(pdf)} rows: spark local[2] {t_spark:.1f}s ({len(pdf) / t_spark:,.0f} rows/s), "
          f"pandas {t_pandas:.1f}s ({len(pdf) / t_pandas:,.0f} rows/s)")
    _assert_same_rows(got, want)


def test_one_matcher_per_executor_process(spark: SparkSession, reference: Any) -> None:
    """Many partitions x many Arrow batches: each Python worker builds the matcher at most once."""
    pdf = pd.DataFrame({"name": ["Foo Refinery Ltd", "Bar Smelting"] * 6000})
    out = match_spark(_to_spark(spark, pdf, partitions=8), reference, name="name",
                      model=Model.load())
    before = sm_spark._collect_executor_stats(spark)
    assert out.count() == len(pdf)   # 8 partitions x 2 Arrow batches each
    out.select("decision").collect()  # a second job reuses the cached matchers
    after = sm_spark._collect_executor_stats(spark)
    built = {pid: sum(s["builds"].values()) - sum(before.get(pid, {}).get("builds", {}).values())
             for pid, s in after.items()}
    assert all(n <= 1 for n in built.values()), (before, after)
    assert any(s["cached"] for s in after.values()), after
    for s in after.values():
        assert len(s["cached"]) <= sm_spark.MAX_CACHED_MATCHERS
    assert not sm_spark._MATCHERS  # the driver never built one: it only ships the payload


def test_rows_keep_their_partition_and_place(spark: SparkSession, reference: Any,
                                             matcher: Matcher) -> None:
    """The decisions are joined back to the rows, which are not shuffled: every partition keeps
    its rows in their order (``toPandas`` reads the partitions in order)."""
    pdf = _mixed_frame(reference)
    pdf = pd.concat([pdf] * 3, ignore_index=True)     # repeated queries across partitions
    pdf["row_id"] = np.arange(len(pdf), dtype="int64")
    sdf = spark.createDataFrame(pdf).repartition(3).cache()   # cached: one order to compare
    before = [r["row_id"] for r in sdf.select("row_id").collect()]
    out = match_spark(sdf, reference, name="name", metal="metal", country="country")
    assert out.rdd.getNumPartitions() == sdf.rdd.getNumPartitions()
    got = out.toPandas()
    assert got["row_id"].tolist() == before
    want = matcher.match(pdf, name="name", metal="metal", country="country")
    _assert_same_rows(got, want)


def test_each_distinct_query_is_decided_once(spark: SparkSession, reference: Any) -> None:
    """Names in every one of 8 partitions reach the Python workers once each, not once per
    partition (or per worker); the decisions reach the rows by a broadcast hash join."""
    pdf = pd.DataFrame({"name": ["Foo Refinery Ltd", "Bar Smelting", None] * 4000})
    sdf = spark.createDataFrame(pdf).repartition(8)
    # overrides of their own make a matcher key no earlier test used: its count starts at 0
    ov = pd.DataFrame([{"reported_name": "Only In This Test", "metal": "", "cid": "",
                        "verdict": "not_a_smelter"}], columns=list(OVERRIDE_COLUMNS))
    payload = sm_spark._payload(reference, None, ov)
    key = f"{reference.version.content_hash[:12]}-{hashlib.sha256(payload).hexdigest()[:20]}"
    out = match_spark(sdf, reference, name="name", overrides=ov)
    plan = out._jdf.queryExecution().executedPlan().toString()
    assert "BroadcastHashJoin" in plan and "MapInPandas" in plan, plan
    assert out.select("decision").count() == len(pdf)
    after = sm_spark._collect_executor_stats(spark)
    assert sum(s.get("queries", {}).get(key, 0) for s in after.values()) == 3, after


def test_queries_of_one_name_meet_in_one_task(spark: SparkSession, reference: Any) -> None:
    """The distinct queries are shared out by the name alone: one name under several metals is
    decided by one worker, which does the name's own work once (each worker's count of decided
    queries is a whole number of names times their 4 x 5 metals and countries)."""
    names = [f"Query Split Refinery {i}" for i in range(12)]
    places = ("China", "Peru", "Japan", "Germany", "Brazil")
    pdf = pd.DataFrame([(n, m, c) for n in names for m in ("Gold", "Tin", "Tantalum", "Tungsten")
                        for c in places] * 2, columns=["name", "metal", "country"])
    sdf = spark.createDataFrame(pdf).repartition(4)
    ov = pd.DataFrame([{"reported_name": "Only In The Split Test", "metal": "", "cid": "",
                        "verdict": "not_a_smelter"}], columns=list(OVERRIDE_COLUMNS))
    payload = sm_spark._payload(reference, None, ov)
    key = f"{reference.version.content_hash[:12]}-{hashlib.sha256(payload).hexdigest()[:20]}"
    out = match_spark(sdf, reference, name="name", metal="metal", country="country",
                      overrides=ov, partitions=4)
    plan = out._jdf.queryExecution().executedPlan().toString()
    assert "hashpartitioning(__sm_q0#" in plan and "hashpartitioning(__sm_h" not in plan, plan
    assert out.select("decision").count() == len(pdf)
    counts = [s.get("queries", {}).get(key, 0)
              for s in sm_spark._collect_executor_stats(spark).values()]
    assert sum(counts) == 12 * 20 and all(c % 20 == 0 for c in counts), counts


def test_awkward_columns_nan_keys_and_dotted_names(spark: SparkSession, reference: Any,
                                                  matcher: Matcher) -> None:
    """Key values that Python would give back changed (NaN comes back null; a long beside
    nulls through a float), columns named with a dot or twice, one column given for two roles:
    every row once, as pandas decides it."""
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

    names = [reference.facilities["standard_name"].iloc[i] for i in range(4)]
    data = [(names[0], float("nan"), 2**62 + 1, "x"), (names[1], None, None, "y"),
            (names[0], None, 2**62 + 2, "z"), (names[2], float("nan"), None, "w"),
            (None, 1.5, 7, "v"), (names[3], 2.0, 2**62 + 1, "u")]
    schema = StructType([StructField("name", StringType()), StructField("country", DoubleType()),
                         StructField("reported_cid", LongType()), StructField("a.b", StringType())])
    sdf = spark.createDataFrame(data, schema).repartition(2).cache()
    out = match_spark(sdf, reference, name="name", country="country",
                      reported_cid="reported_cid").toPandas()
    pdf = pd.DataFrame(data, columns=["name", "country", "reported_cid", "a.b"])
    want = matcher.match(pdf, name="name", country="country", reported_cid="reported_cid")
    got = out.set_index("a.b").loc[pdf["a.b"]].reset_index()
    assert len(out) == len(pdf)
    for c in RESULT_COLUMNS:
        target = c if c not in ("country",) else RESULT_PREFIX + c
        assert got[target].tolist() == want[target].tolist(), c
    # two input columns of one name (not the name column): both kept, in place
    dup = spark.createDataFrame([(names[0], "a", "b"), (names[1], "c", "d")]).toDF(
        "name", "note", "note")
    res = match_spark(dup, reference, name="name")
    assert res.columns[:3] == ["name", "note", "note"]
    assert [tuple(r)[:3] for r in res.collect()] == [(names[0], "a", "b"), (names[1], "c", "d")]
    # one column for two roles
    two = spark.createDataFrame(pd.DataFrame({"x": names[:2]}))
    res = match_spark(two, reference, name="x", metal="x").toPandas()
    assert res["decision"].tolist() == matcher.match(
        pd.DataFrame({"x": names[:2]}), name="x", metal="x")["decision"].tolist()


def test_a_source_that_changes_between_reads_is_an_error(spark: SparkSession,
                                                        reference: Any) -> None:
    """Rows read again with other names would have no decision: the job fails, no row is left
    without an answer."""
    from pyspark.sql import functions as F

    fresh = F.udf(lambda: f"Name {uuid.uuid4().hex}").asNondeterministic()
    sdf = spark.range(0, 200, 1, 2).select(fresh().alias("name"))
    with pytest.raises(Exception, match="non-deterministic"):
        match_spark(sdf, reference, name="name").collect()


# ------------------------------------------------------------------------------------------------
# Which Python the local workers run
# ------------------------------------------------------------------------------------------------

def _python_without_pandas(folder: Path) -> Path:
    """A ``python3`` like the one on the PATH beside a venv that is not activated: the same
    version as this interpreter, without its site-packages (so no pandas, pyarrow, smelter_match)."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "python3"
    exe.write_text(f'#!/bin/sh\nexec "{base}" -S "$@"\n', encoding="utf-8")
    exe.chmod(0o755)
    return exe


def test_local_workers_default_to_the_driver_interpreter() -> None:
    pick = sm_spark._worker_python
    assert pick("local[2]", None, None) == (sys.executable, "the driver's interpreter")
    assert pick("local", "", None)[0] == sys.executable
    assert pick("local-cluster[2,1,1024]", None, None)[0] == sys.executable
    assert pick("local[*]", "/opt/py/bin/python", "/x/python") == ("/opt/py/bin/python",
                                                                   "PYSPARK_PYTHON")
    assert pick("local[1]", None, "/x/python") == ("/x/python", "spark.pyspark.python")
    # a cluster's executors run whatever the cluster is configured with
    assert pick("yarn", None, None) == (None, "")
    assert pick("spark://host:7077", None, None) == (None, "")
    assert sm_spark._python_problem(sys.executable) == ""


def test_an_unusable_worker_python_is_a_one_line_error(spark: SparkSession, reference: Any,
                                                       tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    bad = _python_without_pandas(tmp_path / "bin")
    monkeypatch.setenv("PYSPARK_PYTHON", str(bad))
    sdf = spark.createDataFrame(pd.DataFrame({"name": ["x"]}))
    before = spark.sparkContext.pythonExec
    with pytest.raises(InputError) as err:
        match_spark(sdf, reference)
    message = str(err.value)
    assert "\n" not in message and str(bad) in message and "PYSPARK_PYTHON" in message
    assert "cannot import pandas" in message and sys.executable in message
    assert spark.sparkContext.pythonExec == before


def test_match_spark_from_a_venv_that_is_not_activated(tmp_path: Path) -> None:
    """No PYSPARK_PYTHON, and the PATH's ``python3`` lacks pandas (as beside a venv that is not
    activated): local workers must run the driver's interpreter, not die in a Spark traceback."""
    import os
    import subprocess

    from _support import EXPORTS_DIR

    if not EXPORTS_DIR.is_dir():
        pytest.skip("needs the RMI exports under ../shared/rmi")
    bad = _python_without_pandas(tmp_path / "bin")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON", "VIRTUAL_ENV")}
    env.update(PATH=f"{bad.parent}{os.pathsep}{env.get('PATH', '')}",
               SMELTER_MATCH_CACHE_DIR=str(tmp_path / "cache"))
    script = f"""
import pandas as pd
from pyspark.sql import SparkSession
from smelter_match import Matcher, load_reference
from smelter_match.spark import match_spark

ref = load_reference({str(EXPORTS_DIR)!r})
spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
         .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
         .getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
try:
    pdf = pd.DataFrame({{"name": [ref.facilities["standard_name"].iloc[0], "Bank of China"]}})
    out = match_spark(spark.createDataFrame(pdf), ref, name="name").toPandas()
    want = Matcher(ref).match(pdf, name="name")
    print("RESULT", out["cid"].tolist() == want["cid"].tolist(), len(out),
          spark.sparkContext.pythonExec)
finally:
    spark.stop()
"""
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT")][0]
    assert line == "RESULT True 2 python3", line   # the session's own setting is left as it was
