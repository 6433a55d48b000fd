"""Smoke test of the benchmark suite: ``python -m benchmarks.run --quick`` into a tmp dir."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def test_writes_json_markdown_and_charts(quick_run: Path) -> None:
    for name in ("results.json", "results.md", "precision_automation.png",
                 "accuracy_by_metal.png", "cost_vs_size.png"):
        path = quick_run / name
        assert path.is_file() and path.stat().st_size > 0, name
    for png in quick_run.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_method_is_reported(quick_run: Path) -> None:
    from benchmarks.methods import METHODS

    results = json.loads((quick_run / "results.json").read_text(encoding="utf-8"))
    md = (quick_run / "results.md").read_text(encoding="utf-8")
    for name in METHODS:
        assert name in results["accuracy"]["methods"], name
        assert name in results["speed"]["methods"], name
        assert name in md, name
    for name, entry in results["accuracy"]["methods"].items():
        if "unavailable" not in entry:
            assert entry["metrics"], name
    assert {t["target"] for t in results["targets"]}


def test_extrapolation_is_never_silent(quick_run: Path) -> None:
    results = json.loads((quick_run / "results.json").read_text(encoding="utf-8"))
    for method in results["speed"]["methods"].values():
        for run in method["runs"].values():
            if run.get("extrapolated"):
                assert "extrapolated" in run["measure"]


def test_quick_run_records_why_spark_was_skipped(quick_run: Path) -> None:
    results = json.loads((quick_run / "results.json").read_text(encoding="utf-8"))
    spark = results["spark"]
    assert spark["status"] == "skipped" and "--quick" in spark["reason"]
    assert spark["runs"] == []
    md = (quick_run / "results.md").read_text(encoding="utf-8")
    assert "## Spark" in md and "--quick" in md


def test_quick_run_reports_automation_and_auto_match_rate(quick_run: Path) -> None:
    results = json.loads((quick_run / "results.json").read_text(encoding="utf-8"))
    for name, entry in results["accuracy"]["methods"].items():
        for per_set in entry.get("metrics", {}).values():
            for m in per_set.values():
                assert m["automation_rate"] == pytest.approx(1 - m["review_rate"], abs=2e-4), name
                assert m["auto_match_rate"] <= m["automation_rate"], name
    assert "auto-match rate" in (quick_run / "results.md").read_text(encoding="utf-8")


@needs_reference
def test_make_workload_is_deterministic_and_realistic() -> None:
    from benchmarks.workloads import make_workload
    from smelter_match import load_reference

    ref = load_reference(REFERENCE / "cmrt", REFERENCE / "exports-2026-08-22")
    a = make_workload(3000, ref, seed=0)
    b = make_workload(3000, ref, seed=0)
    assert list(a.columns) == ["name", "metal", "country"] and len(a) == 3000
    assert a.equals(b)
    assert not a.equals(make_workload(3000, ref, seed=1))
    # duplication: far fewer distinct names than rows; some metals and countries missing
    assert a["name"].nunique() < 0.6 * len(a)
    assert (a["metal"] == "").any() and (a["country"] == "").any()


# ------------------------------------------------------------------------------------------------
# Metric definitions (no reference needed)
# ------------------------------------------------------------------------------------------------

def _benchmark_scored():
    import pandas as pd

    return pd.DataFrame({
        "dataset": "x", "metal": "Gold", "confidence": "high",
        "matchable": [lab != "NO_MATCH" for lab, *_ in ROWS],
        "no_match": [lab == "NO_MATCH" for lab, *_ in ROWS],
        "ambiguous": False,
        "correct": [ok and lab != "NO_MATCH" for lab, _, ok, _ in ROWS],
        "score": [sc for *_, sc in ROWS],
        "decision": [d for _, d, _, _ in ROWS],
        "in_block": True,
    })


def test_benchmark_automation_is_the_library_definition() -> None:
    from benchmarks.accuracy import metrics as bench_metrics
    from smelter_match.evaluation import metrics as lib_metrics

    b = bench_metrics(_benchmark_scored(), has_blocking=True)
    lib = lib_metrics(library_scored())
    assert b["automation_rate"] == pytest.approx(0.7)     # 7 of 10 rows not sent to review
    assert b["auto_match_rate"] == pytest.approx(0.4)     # 4 of 10 rows auto-matched
    assert b["review_rate"] == pytest.approx(0.3)
    for key in ("automation_rate", "auto_match_rate", "auto_match_precision", "top1_accuracy",
                "no_match_precision", "no_match_recall"):
        assert b[key] == pytest.approx(lib[key], abs=1e-4), key


def test_curve_uses_the_automation_definition_and_passes_through_the_operating_point() -> None:
    from benchmarks.accuracy import metrics, precision_automation_curve

    scored = _benchmark_scored()
    curve = precision_automation_curve(scored)
    assert curve["threshold"] == sorted(curve["threshold"], reverse=True)
    # the method's 3 no_match rows are decided at every threshold; the 7 others are auto-matched
    # from the top down, so automation ends at 100% and auto-match rate at 70%
    assert curve["automation"][0] == pytest.approx(0.4)
    assert curve["automation"][-1] == pytest.approx(1.0)
    assert curve["auto_match_rate"][-1] == pytest.approx(0.7)
    op = metrics(scored, has_blocking=False)
    i = curve["threshold"].index(0.92)     # the lowest score of an auto-matched row
    assert curve["automation"][i] == pytest.approx(op["automation_rate"])
    assert curve["auto_match_rate"][i] == pytest.approx(op["auto_match_rate"])
    assert curve["precision"][i] == pytest.approx(op["auto_match_precision"])


def test_spark_section_markdown() -> None:
    from benchmarks.report import _spark_md

    assert "Not run (skipped): --no-spark" in "\n".join(
        _spark_md({"master": "local[2]", "status": "skipped", "reason": "--no-spark"}))
    runs = [{"size": 1000, "engine": "pandas", "seconds": 0.1, "rows_per_s": 10000.0,
             "partitions": 1, "cpu_s": 0.1, "rows_per_cpu_s": 10000.0, "note": "",
             "pandas_rows_per_s": 10000.0, "vs_pandas": 1.0, "speed_run_rows_per_s": 9000.0},
            {"size": 1000, "engine": "spark local[2]", "seconds": 0.5, "rows_per_s": 2000.0,
             "partitions": 2, "cpu_s": 0.8, "rows_per_cpu_s": 1250.0, "note": "cold",
             "pandas_rows_per_s": 10000.0, "vs_pandas": 0.2, "speed_run_rows_per_s": 9000.0}]
    md = "\n".join(_spark_md({"master": "local[2]", "status": "ok", "seed": 0, "runs": runs}))
    assert "| spark local[2] | 1,000 | 2 |" in md and "0.20x" in md and "9,000" in md


def test_spark_is_not_started_by_quick_or_no_spark() -> None:
    from benchmarks.run import parse_args, spark_skip_reason

    assert "--quick" in spark_skip_reason(parse_args(["--quick"]))
    assert "--no-spark" in spark_skip_reason(parse_args(["--no-spark"]))
    assert "--skip-speed" in spark_skip_reason(parse_args(["--skip-speed"]))
