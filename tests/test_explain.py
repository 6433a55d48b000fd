"""The explanation of review and no_match rows: the largest contributions, in words."""

from __future__ import annotations

import numpy as np
import pytest

from smelter_match import Matcher
from smelter_match.explain import explain_many


@pytest.fixture(scope="module")
def matcher(full_reference) -> Matcher:  # noqa: ANN001 - conftest fixture
    return Matcher(full_reference)


def test_the_largest_contributions_are_said_down_first_then_up() -> None:
    """Per probability, the three largest contributions (by size) are said, those lowering it
    first; one under 0.05 is not said; a query without a candidate has no ``score`` part."""
    pair = ["ratio", "exact", "country_disagree", "acronym"]
    smelter = ["known_unexplained", "has_legal_form", "top_logit"]
    pair_contrib = np.array([[0.9, 0.0, -0.4, 0.01]])             # the one query with a candidate
    smelter_contrib = np.array([[-1.2, 0.3, 0.02], [-0.5, 0.0, 0.0]])
    pair_x = np.array([[0.8, 0.0, 1.0, 0.0]])
    smelter_q = np.array([[1.0, 1.0, 2.0], [1.0, 0.0, 0.0]])
    out = explain_many(pair, smelter, pair_contrib, np.array([True, False]), smelter_contrib,
                       [0.61, 0.0], [0.03, 0.2], pair_x, smelter_q)
    first, second = out
    assert first.startswith("smelter_score 0.03: lowered by ")
    assert "; raised by " in first.split(". ")[0]
    assert first.split(". ")[1].startswith("score 0.61: lowered by ")
    assert first.count("lowered by") == 2 and "raised by" in first.split(". ")[1]
    assert "score" not in second.replace("smelter_score", "")
    assert second.startswith("smelter_score 0.20: lowered by ")


def test_review_and_no_match_rows_explain_themselves(matcher: Matcher) -> None:
    """Through the matcher: a bank's no_match and a reviewed name carry an explanation, a
    match none."""
    bank = matcher.match_one("Deutsche Bank AG", metal="Gold", country="GERMANY")
    assert bank.decision == "no_match" and bank.explanation.startswith("smelter_score ")
    exact = matcher.match_one("Atasay Kuyumculuk Sanayi Ve Ticaret A.S.", metal="Gold")
    assert exact.decision == "match" and exact.explanation == ""


def test_a_fact_is_said_as_it_is_whichever_way_it_pulled() -> None:
    """A fact (no metal reported, the country differs) is said by its value: a tree may raise
    a probability because no metal was reported, and "raised by the metal is given" would say
    the opposite of the row. A similarity is said by the way it pulled."""
    pair, smelter = ["ratio", "country_disagree"], ["metal_unknown"]
    out = explain_many(pair, smelter, np.array([[0.5, 0.4]]), np.array([True]),
                       np.array([[0.7]]), [0.9], [0.8], np.array([[0.9, 1.0]]),
                       np.array([[1.0]]))[0]
    assert out == ("smelter_score 0.80: raised by no metal was reported. score 0.90: raised by "
                   "the names are alike, the country differs")
    out = explain_many(pair, smelter, np.array([[-0.5, -0.4]]), np.array([True]),
                       np.array([[-0.7]]), [0.1], [0.2], np.array([[0.2, 0.0]]),
                       np.array([[0.0]]))[0]
    assert out == ("smelter_score 0.20: lowered by the metal is given. score 0.10: lowered by "
                   "the names differ, no country conflict")


def test_an_explanation_never_says_the_metal_was_given_when_it_was_not(matcher: Matcher) -> None:
    for name in ("Al Ghaith Gold", "Kennametal Fallon", "Some Trading Company"):
        r = matcher.match_one(name)
        assert "metal_missing" in r.flags and "the metal is given" not in r.explanation, r
