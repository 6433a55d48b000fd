"""Smoke test of the benchmark suite: ``python -m benchmarks.run --quick`` into a tmp dir."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO.parent / "shared" / "rmi"

pytestmark = pytest.mark.skipif(not (REFERENCE / "cmrt").is_dir(),
                                reason="needs the RMI reference under ../shared/rmi")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> Path:
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
