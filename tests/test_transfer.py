"""Held-out measurement helpers (``smelter_match.transfer``): calibration error, the report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smelter_match.transfer import (
    calibration_table,
    expected_calibration_error,
    report_markdown,
    summary,
)


def test_ece_is_zero_when_calibrated_and_large_when_not() -> None:
    rng = np.random.default_rng(0)
    p = rng.random(20000)
    y = rng.random(20000) < p
    assert expected_calibration_error(p, y) < 0.02
    assert expected_calibration_error(np.full(1000, 0.9), np.zeros(1000)) == pytest.approx(0.9)
    assert np.isnan(expected_calibration_error(np.zeros(0), np.zeros(0)))


def _scored(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    matchable = rng.random(n) < 0.8
    sets = np.where(np.arange(n) % 2, "family:ocr:1", "gold:x")
    return pd.DataFrame({
        "set": sets, "matchable": matchable, "best": np.where(matchable, "CID1", ""),
        "best_correct": matchable & (rng.random(n) < 0.95), "in_candidates": matchable,
        "score": rng.random(n), "smelter_score": rng.random(n),
        "decision": rng.choice(["match", "review", "no_match"], n),
    })


def test_summary_and_report() -> None:
    table = summary(_scored())
    assert set(table["set"]) == {"family:ocr:1", "gold:x"}
    md = report_markdown(table, "ocr", "test")
    assert "ocr, 1 edit **(held out of training)**" in md and "| x |" not in md
    assert "gold:x" in md


def test_calibration_table_bins() -> None:
    t = calibration_table(_scored())
    assert set(t["probability"]) == {"score", "smelter_score"}
    assert (t["rows"] > 0).all() and t["predicted"].between(0, 1).all()
