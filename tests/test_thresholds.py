"""Thresholds and calibration (``smelter_match.thresholds``): the search meets its targets on
validation rows, counts review rules as blocked, and the exact lookup's probabilities."""

import numpy as np
import pandas as pd
import pytest

from smelter_match.thresholds import (
    IMPLAUSIBLE_GRID,
    Targets,
    bagged_thresholds,
    choose_thresholds,
    exact_scores,
)


def _validation(n: int = 4000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    matchable = rng.random(n) < 0.8
    s = np.where(matchable, rng.beta(12, 1, n), rng.beta(1, 6, n))
    correct = matchable & (rng.random(n) < 0.98)
    p = np.where(correct, rng.beta(20, 1, n), rng.beta(3, 3, n))
    return pd.DataFrame({"score": p, "smelter": s, "matchable": matchable, "correct": correct,
                         "blocked": False, "kind_word": rng.random(n) < 0.05})


def test_thresholds_meet_their_targets_on_validation() -> None:
    v = _validation()
    t = choose_thresholds(v, Targets(0.995, 0.995, 0.004))
    m, c = v["matchable"], v["correct"]
    s, kind, weak = v["smelter"], v["kind_word"], v["score"] < t.implausible
    nm = (s < t.no_match) | (kind & (s < t.no_match_kind)) | (weak & (s < t.no_match_implausible))
    assert (m & nm).sum() <= 0.004 * m.sum()
    assert (~m & nm).sum() >= 0.995 * nm.sum()
    auto = (v["score"] >= t.match) & (v["smelter"] >= t.smelter_match) & ~nm
    assert (m & c & auto).sum() / auto.sum() >= 0.995
    assert t.no_match <= 0.5 <= t.match and t.smelter_match >= 0.5


def test_the_search_learns_how_implausible_a_candidate_must_be() -> None:
    """Names that are not facilities whose best candidate scores 0.05-0.1 with a low smelter score
    are sent to no_match by widening the "no plausible candidate" bound, when facilities do not
    lie there; the bound stays within the searched grid, and at its fixed 0.05 they are not."""
    v = _validation(seed=3)
    strays = ~v["matchable"] & (np.arange(len(v)) % 2 == 0)
    v.loc[strays, ["score", "smelter"]] = 0.08, 0.45
    # facilities with as low a smelter score but a plausible candidate: no band on the smelter
    # score alone can take the strays without them
    doubted = v["matchable"] & (np.arange(len(v)) % 10 == 1)
    v.loc[doubted, ["score", "smelter"]] = 0.9, 0.42
    t = choose_thresholds(v, Targets(0.995, 0.995, 0.004))
    assert 0.08 < t.implausible <= max(IMPLAUSIBLE_GRID)
    p, s = v["score"], v["smelter"]
    sent = (p < t.implausible) & (s < t.no_match_implausible)
    assert sent[strays].all()
    fixed = choose_thresholds(v, Targets(0.995, 0.995, 0.004), implausible=(0.05,))
    assert fixed.implausible == 0.05
    assert not ((p < 0.05) & (s < fixed.no_match_implausible))[strays].any()


def test_the_unrelated_band_is_chosen_within_the_budget() -> None:
    """Non-facilities whose best candidate explains none of their words (``unrelated``) but
    scores high, with a smelter score facilities also reach: the "unrelated" band takes them
    where the other bands cannot, without a facility; without the column there is no band."""
    v = _validation(seed=5)
    strays = ~v["matchable"] & (np.arange(len(v)) % 2 == 0)
    v.loc[strays, ["score", "smelter"]] = 0.6, 0.2
    doubted = v["matchable"] & (np.arange(len(v)) % 10 == 1)
    v.loc[doubted, ["score", "smelter"]] = 0.6, 0.19
    v["unrelated"] = strays
    t = choose_thresholds(v, Targets(0.995, 0.995, 0.004))
    assert 0.2 < t.no_match_unrelated <= 0.5
    s, kind, weak = v["smelter"], v["kind_word"], v["score"] < t.implausible
    nm = ((s < t.no_match) | (kind & (s < t.no_match_kind))
          | (weak & (s < t.no_match_implausible)) | (v["unrelated"] & (s < t.no_match_unrelated)))
    assert nm[strays].all() and not nm[doubted].any()
    assert (v["matchable"] & nm).sum() <= 0.004 * v["matchable"].sum()
    none = choose_thresholds(v.drop(columns="unrelated"), Targets(0.995, 0.995, 0.004))
    assert none.no_match_unrelated == none.no_match


def test_the_unrelated_band_stops_at_the_facilities_it_would_cost() -> None:
    """Facilities that are ``unrelated`` too, just under the strays' smelter score and more than
    the precision allows: the band stops below them (and so leaves the strays), and what it
    takes keeps the budget and the precision."""
    v = _validation(seed=5)
    strays = ~v["matchable"] & (np.arange(len(v)) % 2 == 0)
    v.loc[strays, ["score", "smelter"]] = 0.6, 0.2
    costly = v["matchable"] & (np.arange(len(v)) % 10 == 1)   # ~320 facility rows
    v.loc[costly, ["score", "smelter"]] = 0.6, 0.15
    v["unrelated"] = strays | costly
    t = choose_thresholds(v, Targets(0.995, 0.995, 0.004))
    assert t.no_match_unrelated <= 0.15
    s, kind, weak = v["smelter"], v["kind_word"], v["score"] < t.implausible
    nm = ((s < t.no_match) | (kind & (s < t.no_match_kind))
          | (weak & (s < t.no_match_implausible)) | (v["unrelated"] & (s < t.no_match_unrelated)))
    assert not nm[costly].any() and not nm[strays].any()
    assert (~v["matchable"] & nm).sum() >= 0.995 * nm.sum()


def test_blocked_rows_never_count_as_automatic() -> None:
    v = _validation(seed=1)
    wrong = ~(v["matchable"] & v["correct"])
    v.loc[wrong, ["score", "smelter"]] = 0.999   # confident wrong answers ...
    v["blocked"] = wrong                           # ... that the decision sends to review
    t = choose_thresholds(v)
    assert t.match < 0.999


def test_exact_hits_count_as_matched_and_never_as_no_match() -> None:
    """The thresholds are chosen under the rule the decision applies: an exact hit (``sure``) is
    matched whatever its scores, so it is never spent from the no_match budget."""
    v = _validation(seed=2)
    right = v["matchable"] & v["correct"]
    hits = right & (np.arange(len(v)) % 10 == 0)
    v.loc[hits, "smelter"] = 0.001          # scores that alone would say no_match
    # counted as facilities a no_match threshold would lose, the hits hold it down ...
    assert choose_thresholds(v).no_match <= 0.001
    # ... exempt, as the decision exempts them, they do not
    assert choose_thresholds(v.assign(sure=hits)).no_match > 0.001


def test_exact_lookup_probabilities_are_shares_of_the_rows_it_settles() -> None:
    """The first pass's ``score`` is the share right among settled facility names, its
    ``smelter_score`` the share of settled names that are facilities: (k + 1) / (n + 2), never
    certainty from a finite sample; rows it does not settle do not count."""
    v = pd.DataFrame({"first_pass": [True] * 10 + [False] * 5,
                      "matchable": [True] * 9 + [False] + [True] * 5,
                      "correct": [True] * 8 + [False] * 7})
    e = exact_scores(v)
    assert e.score == pytest.approx((8 + 1) / (9 + 2))
    assert e.smelter_score == pytest.approx((9 + 1) / (10 + 2))
    none = exact_scores(v.assign(first_pass=False))
    assert (none.score, none.smelter_score) == (0.5, 0.5)


def test_bagged_thresholds_are_deterministic_and_near_the_plain_choice() -> None:
    v = _validation(seed=2)
    v["group"] = np.arange(len(v)) // 3          # rows resampled three at a time
    t = bagged_thresholds(v, rounds=5, seed=7)
    assert t == bagged_thresholds(v, rounds=5, seed=7)   # deterministic
    plain = choose_thresholds(v)
    for field in ("match", "smelter_match", "no_match"):
        assert abs(getattr(t, field) - getattr(plain, field)) < 0.2
    assert t.no_match <= 0.5 <= t.match and t.smelter_match >= 0.5
    # the "no plausible candidate" score bound is settled first, the rest chosen given it
    assert t.implausible in IMPLAUSIBLE_GRID
    assert t == bagged_thresholds(v, rounds=5, seed=7, implausible=(t.implausible,))
