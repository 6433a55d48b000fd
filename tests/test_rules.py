"""The decision rules' facts (``smelter_match.rules``): read per query over a whole batch."""

from __future__ import annotations

import numpy as np

from smelter_match.compare import FEATURES
from smelter_match.query_features import Ranking
from smelter_match.readings import SAME
from smelter_match.rules import contradicts, rule_facts

CIDS = np.array(["CID000001", "CID000002", "CID000003"], dtype=object)
METALS = np.array(["Gold", "Gold", "Tin"], dtype=object)
CID_METALS = {"CID000001": ["Gold"], "CID000002": ["Gold"], "CID000003": ["Tin"]}


def _facts(X: np.ndarray, n_same: list[int], same_key: np.ndarray | None = None,  # noqa: ANN202
           reported: list[str | None] | None = None, metals: list[str | None] | None = None,
           runner_up: int = 1):
    """Queries of two candidate rows each: facility row 0 (gold), then ``runner_up`` (1: gold,
    2: tin)."""
    n = len(n_same)
    fac_rows = np.array([0, runner_up] * n)
    if metals is None:
        metals = ["Gold"] * n
    ranking = Ranking(np.arange(0, 2 * n + 1, 2), np.arange(2 * n), np.array(n_same))
    return rule_facts(ranking, fac_rows, X, same_key, metals, reported or [None] * n, CIDS,
                      METALS, CID_METALS)


def test_each_query_of_a_batch_has_its_own_facts() -> None:
    """Three queries: a plain fuzzy best, a runner-up that reads the name exactly (its
    initials), and an exact hit of the best with the same runner-up: the second alone points
    to its runner-up's row; the third is RMI's name of one facility (sure), so no other
    reading counts against it."""
    X = np.zeros((6, len(FEATURES)))
    X[:, FEATURES.index("ratio")] = 0.8
    X[:, FEATURES.index("query_short")] = 1
    X[3, FEATURES.index("exact")] = 1      # query 1: the runner-up's initials
    X[4, FEATURES.index("exact")] = 1      # query 2: the best's own name ...
    X[5, FEATURES.index("exact")] = 1      # ... and the runner-up's initials
    same_key = np.zeros(6, dtype=np.int8)
    same_key[4] = SAME
    f = _facts(X, [2, 2, 2], same_key)
    assert f.best.tolist() == [0, 2, 4] and f.second.tolist() == [1, 3, 5]
    assert f.exact_other.tolist() == [-1, 3, -1]
    assert f.sure.tolist() == [False, False, True]
    assert f.shared_part.tolist() == [-1, -1, -1] and f.country_choice.tolist() == [-1, -1, -1]


def test_a_reported_cid_that_agrees_with_the_best_silences_the_other_readings() -> None:
    X = np.zeros((2, len(FEATURES)))
    X[:, FEATURES.index("query_short")] = 1
    X[1, FEATURES.index("exact")] = 1
    assert _facts(X, [2]).exact_other.tolist() == [1]
    X[0, FEATURES.index("cid_agree")] = 1
    f = _facts(X, [2], reported=["CID000001"])
    assert f.exact_other.tolist() == [-1] and not f.contradicted[0]


def test_only_the_best_metals_candidates_count() -> None:
    """A runner-up of another metal is not another reading of the name under the best's metal:
    with a metal reported it is ranked after the metal's own; with none reported (all
    candidates ranked together) its metal differs from the best's. The several-metals rule
    speaks of it."""
    X = np.zeros((2, len(FEATURES)))
    X[:, FEATURES.index("query_short")] = 1
    X[1, FEATURES.index("exact")] = 1
    assert _facts(X, [1], runner_up=2).exact_other.tolist() == [-1]
    assert _facts(X, [2], runner_up=2, metals=[None]).exact_other.tolist() == [-1]
    assert _facts(X, [2], runner_up=1, metals=[None]).exact_other.tolist() == [1]


def test_a_longer_name_is_not_read_as_another_candidates_initials() -> None:
    """A name of five characters or more whose own initials equal a short RMI name ("African
    Gold Refihery" against the Perth Mint's "AGR") has no other exact reading."""
    X = np.zeros((2, len(FEATURES)))
    X[1, FEATURES.index("exact")] = 1
    assert _facts(X, [2]).exact_other.tolist() == [-1]


def test_contradicts() -> None:
    assert contradicts("CID000002", "CID000001", CID_METALS)
    assert not contradicts("CID000001", "CID000001", CID_METALS)
    assert not contradicts("CID999999", "CID000001", CID_METALS)   # unknown to this reference
    assert not contradicts(None, "CID000001", CID_METALS)
