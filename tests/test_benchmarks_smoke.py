"""The benchmark suite: ``python -m benchmarks.run --quick`` into a tmp dir, and its parts.

The quick run is a smoke run of the real code paths (held-out protocol with logistic heads on one
of 3 CID-group folds, small sets; speed subprocesses on 1k rows and 500 distinct names); the
other tests pin what the figures mean.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from _scored_data import ROWS, library_scored
from _support import RMI_DIR as REFERENCE
from _support import ROOT as REPO

needs_reference = pytest.mark.skipif(not (REFERENCE / "cmrt").is_dir(),
                                     reason="needs the RMI reference under ../shared/rmi")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> Path:
    if not (REFERENCE / "cmrt").is_dir():
        pytest.skip("needs the RMI reference under ../shared/rmi")
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run([sys.executable, "-m", "benchmarks.run", "--quick", "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def quick(quick_run: Path) -> tuple[dict, str]:
    return (json.loads((quick_run / "results.json").read_text(encoding="utf-8")),
            (quick_run / "results.md").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def reference():  # noqa: ANN201
    if not (REFERENCE / "cmrt").is_dir():
        pytest.skip("needs the RMI reference under ../shared/rmi")
    from smelter_match import load_reference

    return load_reference(REFERENCE / "cmrt", REFERENCE / "exports-2026-08-22")


# ------------------------------------------------------------------------------------------------
# The quick run
# ------------------------------------------------------------------------------------------------

def test_writes_json_markdown_and_charts(quick_run: Path) -> None:
    for name in ("results.json", "results.md", "heldout_by_family.png",
                 "precision_automation.png", "accuracy_by_metal.png", "cost_vs_size.png"):
        path = quick_run / name
        assert path.is_file() and path.stat().st_size > 0, name
    for png in quick_run.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_heldout_sets_side_by_side(quick: tuple[dict, str]) -> None:
    from benchmarks.methods import METHODS
    from smelter_match.noise import FAMILIES

    results, md = quick
    acc = results["accuracy"]
    assert acc["protocol"] == {**acc["protocol"], "kind": "logistic", "folds": 3,
                               "scored_folds": [0], "held_out_family": "ocr",
                               "train_gold": "dataio_2020", "max_rows_per_set": 25}
    sets = set(acc["sets"])
    # every set of `evaluate --heldout`: each family with 1 and 2-3 edits, clean, negatives,
    # the mix, both gold sets (acronyms are one edit only)
    assert {f"family:{f}:1" for f in FAMILIES} <= sets
    assert {f"family:{f}:2-3" for f in FAMILIES if f != "acronym"} <= sets
    assert {"clean", "hidden_facility", "non_smelter", "wrong_metal", "near_miss", "mix",
            "gold:dataio_2020", "gold:inogen_2020"} <= sets
    assert all(0 < n <= 25 for n in acc["sets"].values())
    for name in METHODS:
        entry = acc["methods"][name]
        assert name in md
        if "unavailable" in entry:
            assert name == "recordlinkage" and "bench-rl" in entry["unavailable"]
            continue
        assert set(entry["sets"]) == sets, name
        for s, m in entry["sets"].items():
            assert m["rows"] == acc["sets"][s]
            assert set(acc["figures"]) <= set(m)
        # the same rows for every method: negatives have no right CID, clean names all have one
        assert entry["sets"]["non_smelter"]["matchable_rows"] == 0
        assert entry["sets"]["clean"]["no_match_rows"] == 0
        assert entry["folds"][0]["fold"] == 0
    sm = acc["methods"]["smelter_match"]
    assert set(sm["folds"][0]["thresholds"]) >= {"match", "smelter_match", "no_match"}
    assert sm["sets"]["clean"]["top1_accuracy"] >= 0.9      # a sanity floor, not a target
    # exact lookup finds every clean name; it can only pick the wrong one of a name RMI gives
    # to several CIDs ("Aurubis AG, Hamburg"), which the 25 sampled rows may hold
    assert acc["methods"]["exact"]["sets"]["clean"]["top1_accuracy"] >= 0.9
    # baselines decide nearly every row (exact lookup reviews a name several CIDs own); the
    # figures are the library's definitions
    for name, floor in (("exact", 0.8), ("wratio", 0.9)):
        for m in acc["methods"][name]["sets"].values():
            assert m["automation_rate"] >= floor
            assert m["auto_match_rate"] <= m["automation_rate"]
    assert "## Held-out accuracy, side by side" in md and "ocr, 1 edit **(held out)**" in md


def test_speed_reports_distinct_names_and_memory_for_every_method(
        quick: tuple[dict, str]) -> None:
    from benchmarks.methods import METHODS

    results, md = quick
    speed = results["speed"]
    assert speed["distinct_workload"] == "distinct-500"
    wl = speed["workloads"]["distinct-500"]
    assert wl["rows"] == wl["unique_names"] == wl["unique_queries"] == 500
    for name in METHODS:
        entry = speed["methods"][name]
        if "unavailable" in entry:
            assert name == "recordlinkage"
            continue
        for wid in ("1000", "distinct-500"):
            run = entry["runs"][wid]
            assert run["status"] == "ok", (name, wid, run)
            assert run["unique_names_per_s"] > 0 and run["peak_rss_mb"] > 50
            if run.get("extrapolated"):
                assert "extrapolated" in run["measure"]
        assert entry["cold_start"]["in_process_s"] > 0
        assert entry["latency"]["n"] > 0
    assert speed["methods"]["wratio"]["fit"]["thresholds"]["match"] > 0
    assert "| smelter_match | distinct-500 | ok |" in md


def test_targets_are_issue_13s(quick: tuple[dict, str]) -> None:
    results, md = quick
    targets = {t["target"]: t for t in results["targets"]}
    assert [t["goal"] for t in results["targets"]] == [
        ">= 5", ">= 10", "< 400", "< 600", "< 3", "< 0.5", ">= 1.6"]
    distinct = targets["distinct names/s vs cdist WRatio, 20k distinct names (x)"]
    # measured, but on 500 names: never claimed as met or missed
    assert distinct["value"] is not None and distinct["ok"] is None
    assert "500 distinct names" in distinct["note"]
    assert targets["rows/s vs cdist WRatio, 100k rows (x)"]["ok"] is None   # 100k not run
    assert targets["match_one p99 (ms)"]["ok"] in (True, False)
    spark = targets["Spark local[2] vs local[1], same 100k rows (x)"]
    assert spark["ok"] is None and "--quick" in spark["note"]
    assert "## Targets: speed and memory (issue 13" in md
    assert "## Targets: decisions on held-out sets (issue 10" in md
    acc = {t["target"] for t in results["accuracy_targets"]}
    assert "auto decisions right: ocr (held out of training), all edits" in acc
    assert "matchable → no_match: gold:dataio_2020" in acc


def test_quick_run_records_why_spark_was_skipped(quick: tuple[dict, str]) -> None:
    results, md = quick
    spark = results["spark"]
    assert spark["status"] == "skipped" and "--quick" in spark["reason"]
    assert spark["runs"] == []
    assert "## Spark" in md and "--quick" in md


# ------------------------------------------------------------------------------------------------
# Workloads
# ------------------------------------------------------------------------------------------------

def test_make_workload_is_deterministic_and_realistic(reference) -> None:  # noqa: ANN001
    from benchmarks.workloads import make_workload

    a = make_workload(3000, reference, seed=0)
    b = make_workload(3000, reference, seed=0)
    assert list(a.columns) == ["name", "metal", "country"] and len(a) == 3000
    assert a.equals(b)
    assert not a.equals(make_workload(3000, reference, seed=1))
    # duplication: far fewer distinct names than rows; some metals and countries missing
    assert a["name"].nunique() < 0.6 * len(a)
    assert (a["metal"] == "").any() and (a["country"] == "").any()


def test_distinct_workload_has_no_repeats_even_after_normalisation(reference) -> None:  # noqa: ANN001
    from benchmarks.workloads import make_distinct_workload
    from smelter_match.normalize import normalize_name

    a = make_distinct_workload(2000, reference, seed=0)
    assert list(a.columns) == ["name", "metal", "country"] and len(a) == 2000
    assert a.equals(make_distinct_workload(2000, reference, seed=0))
    keys = {normalize_name(n).key for n in a["name"]}
    assert len(keys) == 2000 and "" not in keys
    # noisy names: most are not a reference name verbatim; some metals and countries missing
    verbatim = a["name"].isin(set(reference.names["name"])).mean()
    assert verbatim < 0.3
    assert (a["metal"] == "").any() and (a["country"] == "").any()


# ------------------------------------------------------------------------------------------------
# The WRatio baseline
# ------------------------------------------------------------------------------------------------

def test_wratio_speed_run_decides_like_the_full_ranking(reference) -> None:  # noqa: ANN001
    """The speed run passes the cut-off to cdist as score_cutoff: same decisions, same CIDs."""
    from benchmarks.methods import WRatioBaseline
    from benchmarks.workloads import make_distinct_workload, make_workload

    rows = pd.concat([make_workload(600, reference, seed=3),
                      make_distinct_workload(400, reference, seed=3)], ignore_index=True)
    method = WRatioBaseline(reference)
    method.cutoff = 0.88
    full = method.predict(rows, with_candidates=True).frame
    fast = method.speed_run(rows, deadline=None).frame
    assert (full["decision"] == fast["decision"]).all()
    matched = full["decision"] == "match"
    assert 0.2 < matched.mean() < 1
    assert (full.loc[matched, "cid"] == fast.loc[matched, "cid"]).all()
    # candidates: at most 5 CIDs, the predicted one first
    assert all(len(c) <= 5 for c in full["candidates"])
    has = full["cid"] != ""
    assert all(c[0] == cid for c, cid in zip(full.loc[has, "candidates"], full.loc[has, "cid"]))
    assert method.match_one(rows["name"][0], rows["metal"][0], rows["country"][0]) == \
        (full["cid"][0] if matched[0] else "")


def test_wratio_stops_at_the_deadline_and_says_how_far_it_got(reference) -> None:  # noqa: ANN001
    from benchmarks.methods import WRatioBaseline
    from benchmarks.workloads import make_distinct_workload

    rows = make_distinct_workload(3000, reference, seed=1)
    method = WRatioBaseline(reference)
    method.block = 500
    pred = method.speed_run(rows, deadline=0.0)   # already past: nothing is computed
    # units: distinct (case-folded name, metal) queries
    assert not pred.complete and pred.units_done == 0 and 2900 < pred.units_total <= 3000
    assert pred.frame["decision"].isna().all()


# ------------------------------------------------------------------------------------------------
# Metric definitions (no reference needed)
# ------------------------------------------------------------------------------------------------

def _baseline_predictions() -> tuple[pd.DataFrame, pd.DataFrame]:
    """ROWS as a baseline's labelled queries and predictions."""
    queries = pd.DataFrame({
        "name": [f"name {i}" for i in range(len(ROWS))], "metal": "Gold", "country": "",
        "truth": [frozenset() if lab == "NO_MATCH" else frozenset([lab]) for lab, *_ in ROWS],
    })
    cids = [lab if ok else f"WRONG{i}" for i, (lab, _, ok, _) in enumerate(ROWS)]
    pred = pd.DataFrame({
        "cid": cids, "score": [sc for *_, sc in ROWS], "decision": [d for _, d, _, _ in ROWS],
        "candidates": [(c, lab) if lab != "NO_MATCH" else (c,)
                       for c, (lab, *_) in zip(cids, ROWS)],
    })
    return queries, pred


def test_baselines_are_scored_by_the_library_definitions() -> None:
    from benchmarks.accuracy import figures, score_predictions
    from smelter_match.evaluation import metrics

    queries, pred = _baseline_predictions()
    rows = score_predictions(queries, pred, {})
    lib = metrics(library_scored())
    got = figures(rows)
    for key in ("top1_accuracy", "auto_decisions_right", "automation_rate",
                "matchable_no_match_rate", "no_match_recall", "auto_match_precision",
                "auto_match_rate", "no_match_precision"):
        assert got[key] == pytest.approx(lib[key], abs=1e-4), key
    assert got["top5_accuracy"] == 1.0          # the right CID is listed second when not first
    assert got["automation_rate"] == pytest.approx(0.7)
    assert got["matchable_no_match_rate"] == pytest.approx(1 / 6, abs=1e-4)
    # a removed CID's successor is a right answer, as in smelter_match.evaluation
    succ = score_predictions(queries.iloc[:1], pred.iloc[:1].assign(cid="CIDNEW",
                             candidates=[("CIDNEW",)]), {"CID1": {"CID1", "CIDNEW"}})
    assert succ["best_correct"].tolist() == [True]


def test_curve_uses_the_automation_definition_and_passes_through_the_operating_point() -> None:
    from benchmarks.accuracy import figures, precision_automation_curve, score_predictions

    rows = score_predictions(*_baseline_predictions(), {})
    curve = precision_automation_curve(rows)
    assert curve["threshold"] == sorted(curve["threshold"], reverse=True)
    # the 3 no_match rows are decided at every threshold; the 7 others are auto-matched from the
    # top down, so automation ends at 100% and auto-match rate at 70%
    assert curve["automation"][0] == pytest.approx(0.4)
    assert curve["automation"][-1] == pytest.approx(1.0)
    assert curve["auto_match_rate"][-1] == pytest.approx(0.7)
    op = figures(rows)
    i = curve["threshold"].index(0.92)     # the lowest score of an auto-matched row
    assert curve["automation"][i] == pytest.approx(op["automation_rate"])
    assert curve["auto_match_rate"][i] == pytest.approx(op["auto_match_rate"])
    assert curve["precision"][i] == pytest.approx(op["auto_match_precision"])


def test_target_checks_say_met_missed_or_not_measured() -> None:
    from benchmarks.report import check_targets

    def run(names_per_s: float, rows_per_s: float = 0, mib: float = 100) -> dict:
        return {"status": "ok", "unique_names_per_s": names_per_s, "rows_per_s": rows_per_s,
                "peak_rss_mb": mib}

    results = {
        "speed": {"distinct_workload": "distinct-20000",
                  "workloads": {"distinct-20000": {"rows": 20_000}},
                  "methods": {
                      "smelter_match": {"runs": {"distinct-20000": run(12_000, mib=390),
                                                 "100000": run(9e3, 99_000),
                                                 "1000000": run(0, 1e5, mib=580)},
                                        "latency": {"p99_ms": 2.5, "p50_ms": 1, "n": 1000},
                                        "cold_start": {"in_process_s": 0.6}},
                      "wratio": {"runs": {"distinct-20000": run(2_000),
                                          "100000": run(1e3, 10_000)}}}},
        "spark": {"status": "ok", "runs": [
            {"size": 100_000, "engine": "spark local[2]", "vs_local1": 1.5},
            {"size": 100_000, "engine": "spark local[2] by name", "vs_local1": 1.7}]},
    }
    got = [(t["value"], t["ok"]) for t in check_targets(results)]
    assert got == [(6.0, True), (9.9, False),
                   (round(390 * 1.048576), False),    # 390 MiB = 409 MB: over 400 MB
                   (round(580 * 1.048576), False),    # 580 MiB = 608 MB
                   (2.5, True), (0.6, False), (1.5, False)]
    assert "by name: 1.70x" in check_targets(results)[-1]["note"]


def test_spark_section_markdown() -> None:
    from benchmarks.report import _spark_md
    from benchmarks.run import annotate_spark

    assert "Not run (skipped): --no-spark" in "\n".join(
        _spark_md({"status": "skipped", "reason": "--no-spark"}))
    rows = [{"size": 1000, "master": "", "engine": "pandas", "seconds": 0.1, "rows_per_s": 10000.0,
             "partitions": 1, "cpu_s": 0.1, "rows_per_cpu_s": 10000.0, "note": ""},
            {"size": 1000, "master": "local[1]", "engine": "spark local[1]", "seconds": 1.0,
             "rows_per_s": 1000.0, "partitions": 1, "cpu_s": 0.9, "rows_per_cpu_s": 1111.0,
             "note": "cold"},
            {"size": 1000, "master": "local[2]", "engine": "spark local[2]", "seconds": 0.5,
             "rows_per_s": 2000.0, "partitions": 2, "cpu_s": 0.8, "rows_per_cpu_s": 1250.0,
             "note": "cold"}]
    speed = {"methods": {"smelter_match": {"runs": {"1000": {"rows_per_s": 9000.0}}}}}
    runs = annotate_spark(rows, speed)
    assert runs[2]["vs_local1"] == 2.0 and runs[2]["vs_pandas"] == 0.2
    assert runs[1]["vs_local1"] is None and runs[0]["speed_run_rows_per_s"] == 9000.0
    md = "\n".join(_spark_md({"masters": ["local[1]", "local[2]"], "status": "ok", "seed": 0,
                              "runs": runs}))
    assert "| spark local[2] | 1,000 | 2 |" in md and "0.20x" in md and "2.00x" in md


def test_spark_is_not_started_by_quick_or_no_spark() -> None:
    from benchmarks.run import parse_args, spark_skip_reason

    assert "--quick" in spark_skip_reason(parse_args(["--quick"]))
    assert "--no-spark" in spark_skip_reason(parse_args(["--no-spark"]))
    assert "--skip-speed" in spark_skip_reason(parse_args(["--skip-speed"]))


@needs_reference
def test_ab_compares_checkouts_in_their_own_processes(tmp_path: Path) -> None:
    # the repository against itself: the same outputs on both sides, and each side's process
    # imported smelter_match from its checkout (the child refuses otherwise)
    out = tmp_path / "ab.md"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.ab", str(REPO), str(REPO), "-r",
                           str(REFERENCE), "--rounds", "1", "--rows", "200", "--distinct", "100",
                           "--out", str(out)], cwd=REPO, capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    table = out.read_text(encoding="utf-8")
    assert "| 200 rows |" in table and "| 100 distinct names |" in table
    assert table.count("| yes |") == 2


@needs_reference
def test_ab_latency_times_both_checkouts_in_one_process(tmp_path: Path) -> None:
    # the repository against itself: the base side is the package copied under another name
    # (the child refuses a side imported from elsewhere); every answer is the same
    out = tmp_path / "ab_latency.md"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.ab_latency", str(REPO), str(REPO),
                           "-r", str(REFERENCE / "cmrt"), str(REFERENCE / "exports-2026-08-22"),
                           "--rounds", "1", "--calls", "30", "--out", str(out)], cwd=REPO,
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    table = out.read_text(encoding="utf-8")
    assert "| p99 |" in table
    assert "Answers that differ between the sides: 0 of 30 calls." in table


@needs_reference
def test_ab_cold_times_fresh_processes_of_both_checkouts(tmp_path: Path) -> None:
    # the repository against itself: every phase timed, the same answers on both sides, and
    # a matcher that only answers match_one imports no pandas
    out = tmp_path / "ab_cold.md"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.ab_cold", str(REPO), str(REPO),
                           "-r", str(REFERENCE / "cmrt"), str(REFERENCE / "exports-2026-08-22"),
                           "--rounds", "1", "--out", str(out)], cwd=REPO,
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    table = out.read_text(encoding="utf-8")
    assert "| import |" in table and "| cold start |" in table
    assert "imported by the end of a run: base none; head none." in table
    assert "the same in every run" in table
