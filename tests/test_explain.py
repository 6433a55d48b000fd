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
    out = explain_many(pair, smelter, pair_contrib, np.array([True, False]), smelter_contrib,
                       [0.61, 0.0], [0.03, 0.2])
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
