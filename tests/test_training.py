"""Training (``smelter_match.training``): synthetic queries and threshold choice."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from smelter_match.training import choose_thresholds, perturb, synthetic_queries


def test_perturb_is_seeded() -> None:
    name = "Metalor Technologies (Hong Kong) Ltd."
    a = [perturb(name, random.Random(3)) for _ in range(5)]
    b = [perturb(name, random.Random(3)) for _ in range(5)]
    assert a == b


def test_synthetic_queries_deterministic_and_hide_facilities(exports_reference) -> None:
    reduced, q = synthetic_queries(exports_reference, seed=7)
    reduced2, q2 = synthetic_queries(exports_reference, seed=7)
    pd.testing.assert_frame_equal(q, q2)
    assert len(reduced.facilities) < len(exports_reference.facilities)
    hidden = set(exports_reference.facilities["cid"]) - set(reduced.facilities["cid"])
    assert hidden
    # a query whose facility is hidden has no true CID: every candidate is a negative
    assert set(q.loc[q["cid"] != "", "cid"]) <= set(reduced.facilities["cid"])
    assert (q["cid"] == "").sum() > 0


def test_choose_thresholds_targets_precision_and_caps_review() -> None:
    rng = np.random.default_rng(0)
    n = 2000
    right = rng.random(n) < 0.8
    score = np.where(right, rng.beta(8, 2, n), rng.beta(2, 6, n)).round(4)
    scored = pd.DataFrame({"score": score, "matchable": True, "best_correct": right})
    match_t, review_t = choose_thresholds(scored, target=0.99)
    auto = scored[scored["score"] >= match_t]
    assert auto["best_correct"].mean() >= 0.99
    assert 0.5 <= match_t <= 1.0 and review_t <= 0.5
    lost = scored[(scored["score"] < review_t) & scored["best_correct"]]
    assert len(lost) <= 0.01 * right.sum() + 1


def test_choose_thresholds_degenerate() -> None:
    scored = pd.DataFrame({"score": [0.2, 0.3], "matchable": True, "best_correct": False})
    match_t, review_t = choose_thresholds(scored)
    assert match_t == pytest.approx(1.0) and review_t <= match_t
