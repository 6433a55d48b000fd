"""Decisions (``smelter_match.decide``): the two questions, reasons and flags."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from smelter_match import Matcher
from smelter_match.classify import Model, Thresholds
from smelter_match.compare import FEATURES
from smelter_match.decide import decide, decide_many, exact_lookup
from smelter_match.normalize import normalize_name
from smelter_match.readings import ABBREVIATED, SAME, SLIPS


@pytest.fixture(scope="module")
def matcher(full_reference) -> Matcher:
    return Matcher(full_reference)


def test_removed_cid_is_flagged_with_successor(matcher: Matcher, full_reference) -> None:
    fac = full_reference.facilities
    row = fac[fac["removed"] & (fac["successors"] != "")].iloc[0]
    r = matcher.match_one(row["standard_name"], metal=row["metal"])
    assert r.cid == row["cid"]
    assert "removed_cid" in r.flags
    assert any(f.startswith("successor=") for f in r.flags)


def test_reported_cid_checks(matcher: Matcher) -> None:
    r = matcher.match_one("ATAkulche", metal="Gold", reported_cid="CID999999")
    assert "reported_cid_unknown" in r.flags
    r = matcher.match_one("ATAkulche", metal="Gold", reported_cid="CID000004")  # a tungsten CID
    assert any(f.startswith("reported_cid_other_metal") for f in r.flags)


def test_metal_missing_and_other_metal(matcher: Matcher, full_reference) -> None:
    r = matcher.match_one("ATAkulche")
    assert "metal_missing" in r.flags and r.cid == "CID000103"
    # a gold refiner's exact name reported as tantalum: not matched to gold, but flagged
    r = matcher.match_one("Atasay Kuyumculuk Sanayi Ve Ticaret A.S.", metal="Tantalum")
    assert r.metal in ("", "Tantalum")
    assert any(f.startswith("name_known_under_other_metal=CID000103") for f in r.flags)
    # and said in words, so that a no_match row does not hide a supplier's wrong metal
    assert (r.decision, r.reason) == (
        "no_match", "no Tantalum facility has this name; RMI's Gold facility Atasay Kuyumculuk "
        "Sanayi Ve Ticaret A.S. fits the name better: wrong metal?")
    # with no better fit under another metal, the no_match reasons stay as they were
    assert matcher.match_one("Bank of China", metal="Gold").reason == "not a smelter (bank)"




def test_one_successor_flag_per_successor(matcher: Matcher, full_reference) -> None:
    """The one removal-flag rule (decide, overrides, review, annex): ``successor=CID`` each."""
    fac = full_reference.facilities
    row = fac[fac["removed"] & fac["successors"].str.contains(";")].iloc[0]
    r = matcher.match_one(row["standard_name"], metal=row["metal"])
    succ = [f.split("=", 1)[1] for f in r.flags if f.startswith("successor=")]
    assert succ == row["successors"].split(";")


# ------------------------------------------------------------------------------------------------
# the decision rule itself, on hand-made scores (no model involved)



T = Thresholds(match=0.95, smelter_match=0.9, no_match=0.02, no_match_kind=0.5,
               no_match_implausible=0.3)
FAC = {"cid": np.array(["CID000001", "CID000002"], dtype=object),
       "metal": np.array(["Gold", "Gold"], dtype=object),
       "standard_name": np.array(["Alpha Refinery", "Beta Refinery"], dtype=object),
       "country": np.array(["JAPAN", "CHINA"], dtype=object),
       "rmap_status": np.array(["Conformant", ""], dtype=object),
       "removed": np.array([True, False]), "successors": np.array(["CID000002", ""], dtype=object)}


def _decide(score: float, smelter: float, kind: str = "", ambiguous: bool = False,  # noqa: ANN202
            same_key: bool = False, metal: str | None = "Gold", country_disagree: bool = False,
            reported_cid: str | None = None, thresholds: Thresholds = T,
            unrelated: bool = False):
    X = np.zeros((2, len(FEATURES)))
    X[:, FEATURES.index("ambiguous_name")] = ambiguous
    X[:, FEATURES.index("country_disagree")] = country_disagree
    return decide(metal, metal or "", reported_cid, np.array([0, 1]), np.array([], dtype=int),
                  np.array([0, 1]), np.array([score, 0.01]), X, FAC,
                  {"CID000001": ["Gold"], "CID000002": ["Gold"]}, smelter, kind, thresholds,
                  same_key=np.array([same_key, False]), unrelated=unrelated)


def test_confident_on_both_questions_is_a_match() -> None:
    d = _decide(0.99, 0.99)
    assert (d.decision, d.cid) == ("match", "CID000001")
    assert d.flags == ("removed_cid", "successor=CID000002")


def test_a_right_but_uncertain_candidate_goes_to_review_never_no_match() -> None:
    for score, smelter in ((0.6, 0.95), (0.99, 0.5), (0.3, 0.03), (0.06, 0.04)):
        d = _decide(score, smelter)
        assert d.decision == "review", (score, smelter)
        assert d.cid == "CID000001" and "Alpha Refinery" in d.reason
    assert _decide(0.6, 0.95).reason.startswith("probably Alpha Refinery, not sure")


def test_no_match_needs_positive_evidence_and_names_it() -> None:
    d = _decide(0.7, 0.2, kind="bank")
    assert (d.decision, d.cid, d.reason) == ("no_match", "", "not a smelter (bank)")
    assert d.flags == ()                     # a rejected candidate's facts stay in candidates
    assert FAC["cid"][d.candidates[0][0]] == "CID000001"   # (facility row, score)
    assert _decide(0.01, 0.2).reason == "no plausible candidate"
    assert _decide(0.5, 0.01).reason == "not an RMI facility (closest: Alpha Refinery)"
    assert _decide(0.7, 0.2).decision == "review"   # low-ish smelter score alone is not enough


def test_a_candidate_that_explains_none_of_the_name_is_no_plausible_answer() -> None:
    """The "unrelated" band: however the best candidate scores (``score`` is conditional on the
    name being a facility), when it explains none of the name's own words and ``smelter_score``
    is below ``no_match_unrelated``, the row is no_match; a candidate that explains a word of
    the name keeps it in review, and a model without the band (bound 0) never uses it."""
    banded = replace(T, no_match_unrelated=0.1)
    d = _decide(0.62, 0.03, unrelated=True, thresholds=banded)
    assert (d.decision, d.cid) == ("no_match", "")
    assert d.reason == ("no plausible candidate (the closest, Alpha Refinery, explains none of "
                        "the name's own words)")
    assert _decide(0.62, 0.03, thresholds=banded).decision == "review"     # shares a word
    assert _decide(0.62, 0.2, unrelated=True, thresholds=banded).decision == "review"
    assert _decide(0.62, 0.03, unrelated=True).decision == "review"        # no band: bound 0
    # an exact name is never no_match, whatever the band says
    assert _decide(0.62, 0.03, unrelated=True, same_key=True,
                   thresholds=banded).decision == "match"
    # checked before the smelter score alone: its reason is the more telling one
    assert _decide(0.62, 0.001, unrelated=True, thresholds=banded).reason == d.reason


def test_the_unrelated_band_through_the_matcher(matcher: Matcher) -> None:
    """The matcher hands the band its queries (searched names and the override path alike):
    with a wider bound a Data I/O name that shares only "Tin Co., Ltd." with its best candidate
    is no_match, with the shipped bound it is reviewed."""
    name = "Hezhou Jinwei Tin Co., Ltd."
    shipped = matcher.match_one(name, metal="Tin", country="China")
    assert shipped.decision == "review" and "China Tin Group" in shipped.reason
    model = replace(matcher.model, thresholds=replace(matcher.model.thresholds,
                                                      no_match_unrelated=0.5))
    wider = Matcher(matcher.reference, model)
    r = wider.match_one(name, metal="Tin", country="China")
    assert r.decision == "no_match" and "explains none of the name's own words" in r.reason
    # a name its best candidate explains a word of is not touched by the band
    kept = wider.match_one("Yunnan Tin Group Ltd.", metal="Tin", country="China")
    assert "explains none" not in kept.reason


def test_unrelated_reads_the_query_features() -> None:
    """:func:`query_features.unrelated` on hand-made query feature rows."""
    from smelter_match.query_features import QUERY_FEATURES, unrelated

    def row(**values: float) -> np.ndarray:
        q = np.zeros(len(QUERY_FEATURES))
        for k, v in {"has_candidate": 1, "distinct_tokens": 2, "distinct_unexplained": 2,
                     **values}.items():
            q[QUERY_FEATURES.index(k)] = v
        return q

    Q = np.array([row(), row(distinct_unexplained=1), row(distinct_tokens=0,
                  distinct_unexplained=0), row(top_acronym=1), row(has_candidate=0)])
    assert unrelated(Q).tolist() == [True, False, False, False, False]


def test_how_implausible_a_candidate_must_be_comes_from_the_model() -> None:
    """The "no plausible candidate" band: ``score`` below the model's ``implausible`` bound
    (chosen with the thresholds) and ``smelter_score`` below ``no_match_implausible``."""
    wider = replace(T, implausible=0.15)
    assert _decide(0.1, 0.2).decision == "review"            # default bound 0.05
    d = _decide(0.1, 0.2, thresholds=wider)
    assert (d.decision, d.reason) == ("no_match", "no plausible candidate")
    assert _decide(0.1, 0.35, thresholds=wider).decision == "review"   # smelter_score too high
    assert _decide(0.2, 0.2, thresholds=wider).decision == "review"    # candidate plausible


def test_an_ambiguous_name_is_reviewed() -> None:
    d = _decide(0.999, 0.999, ambiguous=True)
    assert d.decision == "review" and "ambiguous_name" in d.flags
    # the reason says why (not "not sure" beside two confident scores)
    assert d.reason.startswith(
        "probably Alpha Refinery, RMI gives this name to several facilities: which one?")
    # with doubt about the name itself, the doubt comes first
    d = _decide(0.99, 0.5, ambiguous=True)
    assert d.reason.startswith("probably Alpha Refinery, not sure it is an RMI facility; RMI "
                               "gives this name to several facilities (")
    assert _decide(0.3, 0.95, ambiguous=True).reason.startswith(
        "perhaps Alpha Refinery, not sure; RMI gives this name to several facilities (")


def test_a_shared_name_in_one_country_is_reviewed_even_when_the_country_agrees() -> None:
    """Two facilities of the metal with the same name: the country decides only when it tells
    them apart."""
    def with_countries(second_agrees: bool):  # noqa: ANN202
        X = np.zeros((2, len(FEATURES)))
        X[:, FEATURES.index("ambiguous_name")] = 1
        X[:, FEATURES.index("ratio")] = 1
        X[:, FEATURES.index("exact")] = 1
        X[0, FEATURES.index("country_agree")] = 1
        X[1, FEATURES.index("country_agree")] = second_agrees
        return decide("Gold", "Gold", None, np.array([0, 1]), np.array([], dtype=int),
                      np.array([0, 1]), np.array([0.99, 0.99]), X, FAC,
                      {"CID000001": ["Gold"], "CID000002": ["Gold"]}, 0.99, "", T)
    assert with_countries(False).decision == "match"
    d = with_countries(True)
    assert d.decision == "review" and "ambiguous_name" in d.flags


def _country_choice(second_explains: float, second_agrees: bool = True, scores=(0.99, 0.4),  # noqa: ANN001, ANN202
                    reported_cid: str | None = None, smelter: float = 0.99,
                    second_rare: float = 0.7):
    """The best candidate's country differs from the reported one; the runner-up of the metal
    is in the reported country and explains ``second_explains`` of the name's words and
    ``second_rare`` of their rarity (the best: 0.8 and 0.7)."""
    X = np.zeros((2, len(FEATURES)))
    X[:, FEATURES.index("ratio")] = 0.9
    X[0, FEATURES.index("explained")] = 0.8
    X[1, FEATURES.index("explained")] = second_explains
    X[0, FEATURES.index("rare_overlap")] = 0.7
    X[1, FEATURES.index("rare_overlap")] = second_rare
    X[0, FEATURES.index("country_disagree")] = 1
    X[1, FEATURES.index("country_agree")] = second_agrees
    X[0, FEATURES.index("cid_agree")] = reported_cid == "CID000001"
    return decide("Gold", "Gold", reported_cid, np.array([0, 1]), np.array([], dtype=int),
                  np.array([0, 1]), np.array(scores), X, FAC,
                  {"CID000001": ["Gold"], "CID000002": ["Gold"]}, smelter, "", T)


def test_a_reported_country_that_points_to_another_fitting_facility_is_reviewed() -> None:
    """Confident heads, but the reported country is another candidate's that explains as much
    of the name: the name cannot tell which, the country points to the other: review."""
    d = _country_choice(0.8)
    assert (d.decision, d.cid) == ("review", "CID000001")
    assert "country_points_to=CID000002" in d.flags
    assert d.reason.startswith("probably Alpha Refinery, the reported country is that of Beta "
                               "Refinery, which fits the name as well: which one? (")
    assert _country_choice(1.0).decision == "review"
    # with doubt of the heads' own, the doubt comes first and the country is said after it
    d = _country_choice(0.8, smelter=0.5)
    assert d.reason.startswith("probably Alpha Refinery, not sure it is an RMI facility; the "
                               "reported country is that of Beta Refinery (")
    # a runner-up that explains less of the name (fewer words, or only its common ones), or is
    # not in the reported country, or a
    # reported CID that agrees with the best: the country alone does not stop the match
    for d in (_country_choice(0.5), _country_choice(0.8, second_rare=0.4),
              _country_choice(0.8, second_agrees=False),
              _country_choice(0.8, reported_cid="CID000001")):
        assert d.decision == "match" and not any(f.startswith("country_points_to") for f in d.flags)


def _part(best_covers: float = 0.5, second_covers: float = 0.5, second_explains: float = 1.0,  # noqa: ANN202
          countries: tuple[bool, bool] = (False, False), same_key: bool = False,
          smelter: float = 0.99, extra: tuple[float, float] = (0.0, 0.0)):
    """The best candidate and the runner-up both explain the whole name; each has words the
    name lacks unless its share ``*_covers`` of its own distinctive words in the name is 1 and
    its ``extra`` (the weight of its words the name lacks, generic ones too) is 0."""
    X = np.zeros((2, len(FEATURES)))
    X[:, FEATURES.index("cand_extra")] = extra
    X[:, FEATURES.index("ratio")] = 0.7
    X[:, FEATURES.index("rare_overlap")] = 1.0
    X[:, FEATURES.index("exact")] = same_key
    X[0, FEATURES.index("explained")] = 1.0
    X[1, FEATURES.index("explained")] = second_explains
    X[0, FEATURES.index("cand_covered")] = best_covers
    X[1, FEATURES.index("cand_covered")] = second_covers
    X[:, FEATURES.index("country_agree")] = countries
    return decide("Gold", "Gold", None, np.array([0, 1]), np.array([], dtype=int),
                  np.array([0, 1]), np.array([0.99, 0.4]), X, FAC,
                  {"CID000001": ["Gold"], "CID000002": ["Gold"]}, smelter, "", T,
                  same_key=np.array([same_key, False]))


def test_a_name_that_is_part_of_several_facilities_names_is_reviewed() -> None:
    """"Asahi Refining" is the start of two Asahi facilities' names: the name cannot say which."""
    d = _part()
    assert (d.decision, d.cid) == ("review", "CID000001")
    assert "name_part_of=CID000002" in d.flags
    assert d.reason.startswith("probably Alpha Refinery, the name is part of Beta Refinery's "
                               "name too: which one? (")
    assert _part(countries=(True, True)).decision == "review"
    assert _part(smelter=0.5).reason.startswith(
        "probably Alpha Refinery, not sure it is an RMI facility; the name is part of Beta "
        "Refinery's name too (")
    # the best's whole name, a runner-up whose whole name it is or that explains less of it, a
    # country that agrees with the best alone, an exact hit: matched
    for d in (_part(best_covers=1.0), _part(second_covers=1.0), _part(second_explains=0.8),
              _part(countries=(True, False)), _part(same_key=True)):
        assert d.decision == "match" and not any(f.startswith("name_part_of") for f in d.flags)
    # generic words the name lacks count too: "Korea Co., Ltd." is part of "Korea Zinc" and
    # of "Korea Metal", every distinctive word of which it has
    d = _part(best_covers=1.0, second_covers=1.0, extra=(0.2, 0.3))
    assert d.decision == "review" and "name_part_of=CID000002" in d.flags
    for extra in ((0.2, 0.0), (0.0, 0.3)):
        assert _part(best_covers=1.0, second_covers=1.0, extra=extra).decision == "match"
    # one of each: the best lacks a generic word, the other a distinctive one ("Shandong
    # Smelting" in "Shandong Gold Smelting" and in "Shandong Humon Smelting"): still both
    d = _part(best_covers=1.0, second_covers=0.5, extra=(0.2, 0.3))
    assert d.decision == "review" and "name_part_of=CID000002" in d.flags


def test_the_two_rules_read_each_query_of_a_batch_apart() -> None:
    """Three queries in one batch, the rules' conditions met by the second only (a part of two
    names) and the third only (a country pointing to its runner-up): each decided as alone."""
    from smelter_match.query_features import Ranking

    fac = {k: np.concatenate([v, v]) for k, v in FAC.items()}
    fac["cid"] = np.array(["CID000001", "CID000002", "CID000003", "CID000004"], dtype=object)
    X = np.zeros((6, len(FEATURES)))
    X[:, FEATURES.index("ratio")] = 0.7
    X[:, FEATURES.index("explained")] = 1.0
    X[:, FEATURES.index("rare_overlap")] = 1.0
    X[:, FEATURES.index("cand_covered")] = 1.0          # query 0: whole names
    X[2:4, FEATURES.index("cand_covered")] = 0.5        # query 1: a part of both names
    X[4, FEATURES.index("country_disagree")] = 1        # query 2: the runner-up's country
    X[5, FEATURES.index("country_agree")] = 1
    ranking = Ranking(np.array([0, 2, 4, 6]), np.arange(6), np.array([2, 2, 2]))
    cid_metals = {c: ["Gold"] for c in fac["cid"]}
    out = decide_many(["Gold"] * 3, ["Gold"] * 3, [None] * 3, ranking,
                      np.array([0, 1, 2, 3, 0, 1]), np.array([0.99, 0.4] * 3), X, fac,
                      cid_metals, np.array([0.99] * 3), [""] * 3, T)
    assert [d.decision for d in out] == ["match", "review", "review"]
    assert "name_part_of=CID000004" in out[1].flags
    assert "country_points_to=CID000002" in out[2].flags
    assert not any(f.startswith(("name_part_of", "country_points_to")) for f in out[0].flags)


def test_with_no_metal_another_metals_facility_is_the_several_metals_rule() -> None:
    """With no metal reported the rules compare facilities of the best's metal only: a name that
    is also part of another metal's facility's name is the several-metals rule's to review."""
    fac = {**FAC, "metal": np.array(["Gold", "Tin"], dtype=object)}
    X = np.zeros((2, len(FEATURES)))
    X[:, FEATURES.index("ratio")] = 0.7
    X[:, FEATURES.index("explained")] = 1.0
    X[:, FEATURES.index("rare_overlap")] = 1.0
    X[:, FEATURES.index("cand_covered")] = 0.5
    d = decide(None, "", None, np.array([0, 1]), np.array([], dtype=int), np.array([0, 1]),
               np.array([0.99, 0.97]), X, fac, {"CID000001": ["Gold"], "CID000002": ["Tin"]},
               0.99, "", T)
    assert d.decision == "review" and "several_metals" in d.flags
    assert not any(f.startswith("name_part_of") for f in d.flags)
    assert "which metal?" in d.reason


def test_a_name_part_of_several_names_through_the_matcher(matcher: Matcher) -> None:
    """RMI's "Asahi Refining USA Inc." and "Asahi Refining Canada Ltd." both begin with "Asahi
    Refining": with no country that name is reviewed, with the United States (the first
    one's country alone) matched. A facility's whole name mistyped is matched."""
    canada = matcher.match_one("Asahi Refining Canada Ltd.", metal="Gold").cid
    r = matcher.match_one("Asahi Refining", metal="Gold")
    assert r.decision == "review" and f"name_part_of={canada}" in r.flags
    assert "the name is part of Asahi Refining Canada Ltd.'s name too: which one?" in r.reason
    r = matcher.match_one("Asahi Refining", metal="Gold", country="United States")
    assert (r.decision, r.standard_name) == ("match", "Asahi Refining USA Inc.")
    r = matcher.match_one("Mitsubishi Materals Corporation", metal="Gold", country="Japan")
    assert r.decision == "match"
    r = matcher.match_one("Korea Co., Ltd.", metal="Gold")   # generic words differ
    both = {matcher.match_one(n, metal="Gold").cid
            for n in ("Korea Metal Co., Ltd.", "Korea Zinc Co., Ltd.")}
    assert r.decision == "review" and r.cid in both, r
    assert [f"name_part_of={c}" for c in both - {r.cid}] == \
        [f for f in r.flags if f.startswith("name_part_of")]


def _exact_other(best_exact: bool = False, second_exact: bool = True, smelter: float = 0.99,  # noqa: ANN202
                 reported_cid: str | None = None, second_metal: str = "Gold",
                 countries: tuple[bool, bool] = (False, False), short: bool = True,
                 ambiguous: bool = False):
    """A name (``short``: under five characters) the best candidate reads fuzzily
    (``best_exact``: exactly, not as RMI's name of one facility), the runner-up exactly
    (``second_exact``: its name or its initials); ``countries``: whether each is in the
    reported country."""
    fac = {**FAC, "metal": np.array(["Gold", second_metal], dtype=object)}
    X = np.zeros((2, len(FEATURES)))
    X[:, FEATURES.index("ratio")] = 0.85
    X[:, FEATURES.index("explained")] = 1.0
    X[:, FEATURES.index("rare_overlap")] = (0.9, 0.3)    # the runner-up: not the same part
    X[0, FEATURES.index("exact")] = best_exact
    X[1, FEATURES.index("exact")] = second_exact
    X[1, FEATURES.index("acronym")] = second_exact
    X[:, FEATURES.index("country_agree")] = countries
    X[:, FEATURES.index("query_short")] = short
    X[0, FEATURES.index("ambiguous_name")] = ambiguous
    X[0, FEATURES.index("cid_agree")] = reported_cid == "CID000001"
    rows, others = (np.array([0, 1]), np.array([], dtype=int)) if second_metal == "Gold" else \
        (np.array([0]), np.array([1]))
    return decide("Gold", "Gold", reported_cid, rows, others, np.array([0, 1]),
                  np.array([0.99, 0.2]), X, fac,
                  {"CID000001": ["Gold"], "CID000002": [second_metal]}, smelter, "", T)


def test_a_name_that_is_exactly_another_candidates_initials_is_reviewed() -> None:
    """"OPMI" is one letter from Elemetal's "OPM" and exactly the initials of Ohura Precious
    Metal Industry: however sure the heads are of the first, a person chooses."""
    d = _exact_other()
    assert (d.decision, d.cid) == ("review", "CID000001")
    assert "name_exact_for=CID000002" in d.flags
    assert d.reason.startswith("probably Alpha Refinery, the name is exactly Beta Refinery's "
                               "name or initials: which one? (")
    assert _exact_other(smelter=0.5).reason.startswith(
        "probably Alpha Refinery, not sure it is an RMI facility; the name is exactly Beta "
        "Refinery's name or initials (")
    assert _exact_other(countries=(True, True)).decision == "review"
    # two exact readings ("AGR": an RMI name of the Perth Mint, African Gold Refinery's
    # initials): reviewed too
    assert _exact_other(best_exact=True).decision == "review"
    # no exact reading elsewhere, a longer name (its own initials can equal a short RMI name by
    # chance), a reported CID that agrees with the best, the exact reading under another metal
    # than the reported one, the reported country the best's alone, or a name RMI gives to
    # several facilities of which the country tells the best (the ambiguous-name rule's case):
    # matched
    for d in (_exact_other(second_exact=False), _exact_other(short=False),
              _exact_other(reported_cid="CID000001"), _exact_other(second_metal="Tin"),
              _exact_other(countries=(True, False)),
              _exact_other(ambiguous=True, countries=(True, True))):
        assert d.decision == "match" and not any(f.startswith("name_exact_for") for f in d.flags)


def test_initials_of_another_facility_through_the_matcher(matcher: Matcher) -> None:
    """"JRNM" is the initials of Jiangxi Richsea New Materials and one letter from Japan New
    Metals' "JNM": reviewed, with the other facility named; "JNM" itself is matched."""
    richsea = matcher.match_one("Jiangxi Richsea New Materials Co., Ltd.", metal="Tungsten").cid
    jnm = matcher.match_one("Japan New Metals Co., Ltd.", metal="Tungsten").cid
    r = matcher.match_one("JRNM", metal="Tungsten")
    # the pair head ranks the fuzzy reading first, with scores that would match it
    assert (r.decision, r.cid) == ("review", jnm) and f"name_exact_for={richsea}" in r.flags, r
    assert r.score >= matcher.model.thresholds.match
    assert r.smelter_score >= matcher.model.thresholds.smelter_match
    assert matcher.match_one("JNM", metal="Tungsten").decision == "match"


def test_a_reported_country_choice_through_the_matcher(matcher: Matcher) -> None:
    """RMI's "Global Advanced Metals" is in the United States, "Global Advanced Metals Aizu" in
    Japan: the name reported with Japan is reviewed, with the United States or none matched."""
    r = matcher.match_one("Global Advanced Metals", metal="Tantalum", country="Japan")
    aizu = matcher.match_one("Global Advanced Metals Aizu", metal="Tantalum").cid
    assert r.decision == "review" and f"country_points_to={aizu}" in r.flags
    assert "the reported country is that of Global Advanced Metals Aizu" in r.reason
    for country in ("United States", ""):
        r = matcher.match_one("Global Advanced Metals", metal="Tantalum", country=country)
        assert r.decision == "match" and r.standard_name == "Global Advanced Metals"


def test_no_metal_and_a_close_runner_up_of_another_metal_is_reviewed() -> None:
    fac = {**FAC, "metal": np.array(["Gold", "Tin"], dtype=object)}
    X = np.zeros((2, len(FEATURES)))
    for second, expected in ((0.97, "review"), (0.5, "match")):
        d = decide(None, "", None, np.array([0, 1]), np.array([], dtype=int), np.array([0, 1]),
                   np.array([0.99, second]), X, fac, {"CID000001": ["Gold"],
                                                      "CID000002": ["Tin"]}, 0.99, "", T)
        assert d.decision == expected, second
        assert ("several_metals" in d.flags) == (expected == "review")
        assert ("it fits facilities of several metals: which metal?" in d.reason) == (
            expected == "review")
    # the name is exactly both facilities' name: review however far apart the scores are
    d = decide(None, "", None, np.array([0, 1]), np.array([], dtype=int), np.array([0, 1]),
               np.array([0.99, 0.5]), X, fac, {"CID000001": ["Gold"], "CID000002": ["Tin"]},
               0.99, "", T, same_key=np.array([True, True]))
    assert d.decision == "review" and "several_metals" in d.flags


def test_an_exact_rmi_name_of_the_metal_is_a_match_whatever_the_scores() -> None:
    """RMI's own name for one facility of the reported metal is matched even when the model,
    trained on damaged names, doubts it; anything that speaks against the hit keeps the
    ordinary rule."""
    d = _decide(0.6, 0.05, kind="bank", same_key=True)
    assert (d.decision, d.cid) == ("match", "CID000001")
    for against in ({"ambiguous": True}, {"country_disagree": True},
                    {"reported_cid": "CID000002"}):
        d = _decide(0.6, 0.95, same_key=True, **against)
        assert d.decision == "review", against
    assert _decide(0.6, 0.95).decision == "review"   # a name that is not exactly an RMI name


def test_with_no_metal_an_rmi_name_of_one_facility_of_any_metal_is_a_match() -> None:
    """No metal reported: the name says which facility when RMI gives it to that facility
    alone, whatever the scores and however close a runner-up of another metal; a name that
    another facility (of any metal) has too keeps the ordinary rule."""
    fac = {**FAC, "metal": np.array(["Gold", "Tin"], dtype=object)}
    X = np.zeros((2, len(FEATURES)))
    cid_metals = {"CID000001": ["Gold"], "CID000002": ["Tin"]}

    def no_metal(scores: tuple[float, float], same_key: tuple[bool, bool],  # noqa: ANN202
                 smelter: float = 0.05, kind: str = "bank"):
        return decide(None, "", None, np.array([0, 1]), np.array([], dtype=int),
                      np.array([0, 1]), np.array(scores), X, fac, cid_metals, smelter, kind, T,
                      same_key=np.array(same_key))
    for scores in ((0.6, 0.01), (0.99, 0.98)):
        d = no_metal(scores, (True, False))
        assert (d.decision, d.cid, d.metal) == ("match", "CID000001", "Gold"), scores
        assert "several_metals" not in d.flags and "metal_missing" in d.flags
    d = no_metal((0.99, 0.01), (True, True), smelter=0.99, kind="")   # Tin's name too
    assert d.decision == "review" and "several_metals" in d.flags
    assert _decide(0.6, 0.95, metal=None).decision == "review"   # not exactly an RMI name


def test_a_name_read_through_slips_yields_to_a_better_name_of_another_metal() -> None:
    """A name a few slips from the reported metal's facility is not settled by the name when a
    facility of another metal has it exactly (the slips may be the supplier's wrong metal); an
    exact name of the metal is, with the other metal flagged."""
    fac = {**FAC, "metal": np.array(["Gold", "Tin"], dtype=object)}
    X = np.zeros((2, len(FEATURES)))
    X[0, FEATURES.index("ratio")] = 0.93
    X[1, FEATURES.index("ratio")] = 1.0
    X[1, FEATURES.index("exact")] = 1

    def gold(code: int, other: bool = True):  # noqa: ANN202
        return decide("Gold", "Gold", None, np.array([0]),
                      np.array([1]) if other else np.array([], dtype=int), np.array([0, 1]),
                      np.array([0.6, 0.99]), X, fac, {"CID000001": ["Gold"],
                                                      "CID000002": ["Tin"]}, 0.95, "", T,
                      same_key=np.array([code, 0], dtype=np.int8))
    for code, how in ((SLIPS, "an RMI name but for a few typing slips"),
                      (ABBREVIATED, "an RMI name but for abbreviated words")):
        d = gold(code)
        assert d.decision == "review" and "name_known_under_other_metal=CID000002(Tin)" in d.flags
        assert how in d.reason
        assert d.reason.endswith(f"; RMI's Tin facility {fac['standard_name'][1]} fits the name "
                                 "better: wrong metal?")
        d = gold(code, other=False)
        assert (d.decision, d.reason) == ("match", how)
    d = gold(SAME)
    assert d.decision == "match" and "name_known_under_other_metal=CID000002(Tin)" in d.flags
    assert d.reason.endswith("wrong metal?")


def test_a_better_fit_under_another_metal_is_said_whatever_the_band() -> None:
    """A no_match row with a better fit under another metal says that fit, not the band's own
    words: with no candidate of the reported metal at all, and when a non-smelter word was
    judged against the reported metal's candidates only."""
    fac = {**FAC, "metal": np.array(["Gold", "Tin"], dtype=object)}
    X = np.zeros((2, len(FEATURES)))
    X[1, FEATURES.index("ratio")] = 1.0
    X[1, FEATURES.index("exact")] = 1
    cid_metals = {"CID000001": ["Gold"], "CID000002": ["Tin"]}
    said = "no Gold facility has this name; RMI's Tin facility Beta Refinery fits the name better"
    d = decide("Gold", "Gold", None, np.array([], dtype=int), np.array([1]), np.array([0, 1]),
               np.array([0.6, 0.99]), X, fac, cid_metals, 0.01, "", T,
               same_key=np.array([0, 0], dtype=np.int8))
    assert d.decision == "no_match" and d.reason.startswith(said), d.reason
    d = decide("Gold", "Gold", None, np.array([0]), np.array([1]), np.array([0, 1]),
               np.array([0.6, 0.99]), X, fac, cid_metals, 0.2, "bank", T,
               same_key=np.array([0, 0], dtype=np.int8))
    assert d.decision == "no_match" and d.reason.startswith(said), d.reason


def test_exact_standard_names_are_matched_through_the_matcher(matcher: Matcher,
                                                              full_reference) -> None:
    fac = full_reference.facilities
    names = full_reference.names
    shared = set(names.loc[names["ambiguous"].astype(bool), "cid"])
    rows = fac[~fac["cid"].isin(shared)].iloc[::40]
    for name, metal, cid in zip(rows["standard_name"], rows["metal"], rows["cid"]):
        r = matcher.match_one(name, metal=metal)
        assert (r.decision, r.cid) == ("match", cid), (name, metal, r.reason)


def test_with_no_metal_a_name_of_one_facility_is_matched_through_the_matcher(
        matcher: Matcher, full_reference) -> None:
    """Standard names RMI gives to one facility across every metal are matched without a metal
    (Data I/O's list reports none for most rows); a name listed under two metals is reviewed."""
    names = full_reference.names.assign(
        key=[normalize_name(n).key for n in full_reference.names["name"]])
    facilities = names.groupby("key")[["cid", "metal"]].apply(
        lambda g: len(set(zip(g["cid"], g["metal"]))))
    own = names[(names["kind"] == "current_standard_name")
                & names["key"].map(facilities).eq(1)].iloc[::30]
    assert len(own) > 10
    for name, metal, cid in zip(own["name"], own["metal"], own["cid"]):
        r = matcher.match_one(name)
        assert (r.decision, r.cid, r.metal) == ("match", cid, metal), (name, r.reason)
        assert "metal_missing" in r.flags
    shared = names[names["key"].map(names.groupby("key")["metal"].nunique()).gt(1)
                   & names["key"].ne("")].iloc[0]
    assert matcher.match_one(shared["name"]).decision == "review"


def _first_pass_queries(reference) -> pd.DataFrame:
    """Every 7th RMI name under its facility's metal, with the facility's country, another
    country, no country, its own CID, another facility's CID; the same names damaged; with no
    metal (with the country, and with another facility's CID)."""
    fac = reference.facilities.set_index(["cid", "metal"])
    names = reference.names.iloc[::7]
    countries = fac["country"].reindex(list(zip(names["cid"], names["metal"]))).fillna("")
    cids = names["cid"].to_numpy()
    rows = []
    for i, (name, metal, country) in enumerate(zip(names["name"], names["metal"], countries)):
        rows += [(name, metal, country, ""), (name, metal, "", ""), (name, metal, "Peru", ""),
                 (name, metal, country, cids[i]), (name, metal, country, cids[i - 1]),
                 (name.upper() + " Ltd", metal, country, ""), (name[:-1], metal, "", ""),
                 (name, "", country, ""), (name, "", "", cids[i - 1])]
    return pd.DataFrame(rows, columns=["name", "metal", "country", "reported"])


def test_the_first_pass_decides_as_the_full_search_would(full_reference) -> None:
    """A name settled by exact lookup (no comparison, no head) gets the cid, decision, reason and
    flags the full search gives it; only its two probabilities (the lookup's measured ones) and
    its candidates (the facility alone) differ, and every other row is untouched."""
    shipped = Model.load()
    assert shipped.exact is not None
    full = Model.load()
    full.exact = None   # a model without the lookup's probabilities: every name is searched
    q = _first_pass_queries(full_reference)
    kw = {"name": "name", "metal": "metal", "country": "country", "reported_cid": "reported"}
    a = Matcher(full_reference, full).match(q, **kw)
    b = Matcher(full_reference, shipped).match(q, **kw)
    settled = ((b["score"] == round(shipped.exact.score, 4))
               & (b["smelter_score"] == round(shipped.exact.smelter_score, 4))).to_numpy()
    assert 0.3 < settled.mean() < 0.9   # the lookup settles many of these names, not all
    for c in ("cid", "standard_name", "metal", "country", "rmap_status", "decision", "reason",
              "flags"):
        assert a[c].equals(b[c]), (c, q[a[c] != b[c]].head())
    assert (b.loc[settled, "decision"] == "match").all()
    assert (b.loc[settled, "candidates"] == b.loc[settled, "cid"] + "|"
            + b.loc[settled, "standard_name"] + "|" + f"{shipped.exact.score:.3f}").all()
    assert a.loc[~settled].equals(b.loc[~settled])


def test_the_first_pass_stands_aside_when_anything_speaks_against_the_name(
        matcher: Matcher, full_reference) -> None:
    ni, cid_metals = matcher.index, matcher.cid_metals
    names = full_reference.names
    own = names[~names["ambiguous"].astype(bool)].iloc[0]
    nn, metal, cid = normalize_name(own["name"]), own["metal"], own["cid"]
    r = exact_lookup(metal, "", "", nn, ni, cid_metals)
    assert r is not None and ni.fac_cid[ni.fac[r]] == cid
    assert exact_lookup(metal, cid, ni.fac_country[ni.fac[r]], nn, ni, cid_metals) == r
    elsewhere = next(c for c in cid_metals if c != cid)
    other_metal = next(m for m in ("Gold", "Tin", "Tantalum", "Tungsten")
                       if (nn.key, m) not in ni.by_key)
    for against in ((other_metal, "", ""), (metal, elsewhere, ""), (metal, "", "ZZ"),
                    (None, elsewhere, "")):
        assert exact_lookup(*against, nn, ni, cid_metals) is None, against
    shared = names[names["ambiguous"].astype(bool)].iloc[0]
    assert exact_lookup(shared["metal"], "", "", normalize_name(shared["name"]), ni,
                        cid_metals) is None
    # with no metal reported the name must be one facility's across every metal: "own" (a name
    # of one facility, under its metal only) is settled, a name listed under two metals is not
    assert all((nn.key, m) not in ni.by_key for m in ni.metals if m != metal)
    assert exact_lookup(None, "", "", nn, ni, cid_metals) == r
    keys = names.assign(key=[normalize_name(n).key for n in names["name"]])
    metals_of = keys.groupby("key")["metal"].nunique()
    two = keys[keys["key"].map(metals_of).gt(1) & ~keys["ambiguous"].astype(bool)
               & keys["key"].ne("")].iloc[0]
    nn2 = normalize_name(two["name"])
    assert exact_lookup(two["metal"], "", "", nn2, ni, cid_metals) is not None
    assert exact_lookup(None, "", "", nn2, ni, cid_metals) is None


def test_a_reason_says_exact_only_for_a_name_rmi_lists(matcher: Matcher) -> None:
    """The exact lookup also hits through initials ("Afriean Gold Refinery" -> "AGR", an alias of
    the Perth Mint; "Sumitomo
    Mctal Mining" -> "SMM") or a part of a bracketed name ("GuangXi"): the analyst must not read
    "exact" for such a name."""
    r = matcher.match_one("Afriean Gold Refinery")
    assert "exact" not in r.reason and "initials or part of an RMI name" in r.reason, r.reason
    r = matcher.match_one("Sumitomo Mctal Mining Co. Ltd.", metal="Gold")
    assert "exact" not in r.reason and "near-identical name" in r.reason, r.reason
    assert "exact" not in matcher.match_one("GuangXi").reason
    assert "exact RMI alias" in matcher.match_one("Navoi", metal="Gold").reason


@pytest.mark.parametrize(("name", "metal", "facility"), [
    ("Asahi Refining", "Gold", "Asahi Refining USA Inc."),
    ("Hunan Chenzhou Mining Co., Ltd. USA", "Tungsten", "Hunan Chenzhou Mining Co., Ltd."),
])
def test_a_reason_says_when_the_exact_name_is_so_but_for_a_bracket_or_country(
        matcher: Matcher, name: str, metal: str, facility: str) -> None:
    """A name equal to RMI's only once a trailing country (or a bracketed part) is left out of
    one side is not called the exact standard name without saying so."""
    r = matcher.match_one(name, metal=metal)
    assert r.standard_name == facility, r
    assert "exact RMI standard name but for a bracketed part or country" in r.reason, r.reason
    assert matcher.match_one(facility, metal=metal).reason == "exact RMI standard name"
    # the bracketed acronym of a standard name is said to be one
    assert matcher.match_one("AMMC", metal="Gold").reason == "acronym of an RMI name"


@pytest.mark.parametrize(("name", "metal", "facility"), [
    ("PT Premium Zinc Indonesia", "Tin", "PT Premium Tin Indonesia"),
    ("Jiangsu Ketai Advanced Material Co., Ltd.", None, "Jiangxi Ketai Advanced Material Co., Ltd"),
])
def test_a_name_one_real_word_from_an_rmi_name_is_reviewed(matcher: Matcher, name: str,
                                                         metal: str | None, facility: str) -> None:
    """Another company a metal or a province away from a facility: the candidate is shown, the
    name is not matched (``known_unexplained`` and the near misses the heads are trained on)."""
    r = matcher.match_one(name, metal=metal)
    assert r.decision == "review" and r.standard_name.startswith(facility), r
    assert r.reason.startswith(f"probably {r.standard_name}, not sure it is an RMI facility"), r


def test_a_mistyped_legal_form_is_read_as_the_form(matcher: Matcher) -> None:
    """A legal form mistyped at the end of the name is stripped like the form itself, so the name
    is exactly RMI's: "Nohon Material Corporatiin" is RMI's alias "Nohon Material Corporation"
    of Nihon Material (before, the mistyped word stood, and the name hit "NMC", an alias of Navoi,
    through its initials)."""
    _settled_by_the_name(matcher, "exact RMI standard name", (
        ("Mitsubishi Materials Corporatoin", "Gold", "Mitsubishi Materials Corporation"),
        ("Geib Refining Coropratoin", None, "Geib Refining Corporation"),
        ("Jiangxicopper Co Lttd", "Gold", "Jiangxi Copper Co., Ltd.")))
    _settled_by_the_name(matcher, "exact RMI alias", (
        ("Nohon Material Corporatiin", None, "Nihon Material Co., Ltd."),))


@pytest.fixture(scope="module")
def strict(matcher: Matcher) -> Matcher:
    """The shipped model with a ``match`` threshold no score reaches: only the rules match."""
    return Matcher(matcher.reference, replace(
        matcher.model, thresholds=replace(matcher.model.thresholds, match=float("inf"))))


def _settled_by_the_name(matcher: Matcher, reason: str,
                         cases: tuple[tuple[str, str, str], ...]) -> None:
    """Each (name, metal, RMI standard name) is matched to that facility with ``reason``,
    whatever the scores (``matcher``: see :func:`strict`)."""
    for name, metal, standard in cases:
        r = matcher.match_one(name, metal=metal)
        assert (r.decision, r.standard_name) == ("match", standard), r
        assert r.reason == reason, r.reason


def test_an_rmi_name_damaged_only_by_ocr_is_a_match_whatever_the_scores(strict: Matcher) -> None:
    """A name that is RMI's name of one facility of the metal but for OCR-confusable characters
    ("8" for "B", "5" for "S", "ii" for "u", "f" for "t") is settled like the exact name, and the
    reason says how it differs. (``strict``: no score matches, so the rules decide alone; a
    name the rules do not settle is reviewed.)"""
    _settled_by_the_name(strict, "an RMI name but for OCR-confusable characters", (
        ("A8C Refinery Pty Ltd.", "Gold", "ABC Refinery Pty Ltd."),
        ("Avon 5pecialty Metals Ltd.", "Tungsten", "Avon Specialty Metals Ltd."),
        ("Xiamen Tiingsfen Co Ltd", "Tungsten", "Xiamen Tungsten Co., Ltd.")))
    # the same name with a different country reported is not settled by the name
    r = strict.match_one("A8C Refinery Pty Ltd.", metal="Gold", country="Peru")
    assert r.decision == "review", r


def test_an_rmi_name_with_a_few_typing_slips_is_a_match_when_no_other_facility_is_near(
        strict: Matcher) -> None:
    """A name a few typing slips from RMI's name of one facility of the metal (one slip in about
    six characters, a swap of neighbours one, and as few in its core) is settled like the exact name
    when every other facility's names are further by two edits or more; the reason says so."""
    _settled_by_the_name(strict, "an RMI name but for a few typing slips", (
            ("Mitsubishi Materals Corporation", "Gold", "Mitsubishi Materials Corporation"),
            ("PT Timah Tbk Kundor", "Tin", "PT Timah Tbk Kundur"),
            ("Ulba Metallurgicl Plant JSC", "Tantalum", "Ulba Metallurgical Plant JSC"),
            ("Tanaka Kikinzku Kogyo KK", "Gold", "Tanaka Kikinzoku Kogyo K.K."),
            ("Metallic Rseources, Inc.", "Tin", "Metallic Resources, Inc."),
            # words run together: the core "jiangxi" is in the name as RMI writes it
            ("Jiangxicoper Co Ltd", "Gold", "Jiangxi Copper Co., Ltd."),
            # OCR damage and slips together: OCR-confusable characters count as one ("0"/"o",
            # "f"/"t"), the slip left ("h" for "n") is one
            ("Kennamefal Fall0h", "Tungsten", "Kennametal Fallon"),
            # ... and as written too: the classes' "cl" is found in "Speclalty" as typed, not in
            # "Specialty", so folded the two differ by two; as written, by one
            ("Avon Speclalty Metals Ltd.", "Tungsten", "Avon Specialty Metals Ltd.")))
    # "Kundur Smelter" is two edits from "Funsur Smelter": one slip is not read as either
    r = strict.match_one("Kundur Smeltr", metal="Tin")
    assert r.reason != "an RMI name but for a few typing slips", r
    # the slips change the core, what tells one company from another: "tianyu" is two slips of
    # "lianyou" (Lianyou Resources Co., Ltd.), "doye" two of "dowa" (Dowa Metals & Mining)
    for name, metal in (("Tian Yu Resources Limited", None), ("Doye Metals Mining", "Gold")):
        assert strict.match_one(name, metal=metal).reason != \
            "an RMI name but for a few typing slips", name
    # too many slips for the length, or a different country reported: not settled by the name
    assert strict.match_one("PT Tmiah Tbk Kndor", metal="Tin").reason != \
        "an RMI name but for a few typing slips"
    r = strict.match_one("Mitsubishi Materals Corporation", metal="Gold", country="Peru")
    assert r.decision == "review", r


def test_an_rmi_name_with_abbreviated_words_is_a_match_when_no_other_facility_reads_so(
        strict: Matcher) -> None:
    """A name that is RMI's name of one facility but for abbreviated words is settled like the
    exact name; not with another country reported, nor when its abbreviations could be another
    facility's name ("Jiangxi Shunda Huichang Kam Tin" is two facilities' name)."""
    _settled_by_the_name(strict, "an RMI name but for abbreviated words", (
        ("Avon Spe. Metals Ltd.", "Tungsten", "Avon Specialty Metals Ltd."),
        ("Chif. Dajin. Tin Ind. Co., Ltd.", "Tin", "Chifeng Dajingzi Tin Industry Co., Ltd.")))
    r = strict.match_one("Avon Spe. Metals Ltd.", metal="Tungsten", country="Peru")
    assert r.decision == "review", r
    r = strict.match_one("Jiangxi Shunda Huich. Kam Tin Co., Ltd.", metal="Tin")
    assert r.reason != "an RMI name but for abbreviated words", r


def test_a_bank_through_the_matcher(matcher: Matcher) -> None:
    r = matcher.match_one("Deutsche Bank AG", metal="Gold", country="GERMANY")
    assert (r.decision, r.reason) == ("no_match", "not a smelter (bank)")
    assert r.explanation and r.flags == ()


def test_a_placeholder_phrase_through_the_matcher(matcher: Matcher) -> None:
    r = matcher.match_one("Not a 3TG smelter", metal="Tin")
    assert (r.decision, r.reason, r.candidates) == ("no_match", "not a smelter (placeholder text)", ())


def test_a_row_with_only_a_reported_cid_goes_to_review_not_away(matcher: Matcher) -> None:
    # a CMRT filled through its ID column: no name (or a placeholder), a CID of the reference
    # -> that facility proposed for review; the row is never dropped as no_match
    r = matcher.match_one("", metal="Gold", reported_cid="CID000082")
    assert (r.decision, r.cid, r.score) == ("review", "CID000082", 0.0)
    assert r.reason.startswith("no name, but the reported CID is ") and r.flags == ()
    r = matcher.match_one("Smelter not listed", metal="Tin", reported_cid="CID000082")
    assert (r.decision, r.cid, r.metal) == ("review", "CID000082", "Gold")
    assert r.reason.startswith("placeholder text, but") and "reported_cid_other_metal=Gold" in r.flags
    # a CID the reference lacks, or none: nothing to propose
    assert matcher.match_one("", metal="Gold", reported_cid="CID999999").decision == "no_match"
    assert matcher.match_one("N/A", metal="Gold").reason == "not a smelter (placeholder text)"


def test_a_reported_cid_of_the_reference_keeps_any_row_out_of_no_match(matcher: Matcher) -> None:
    """A name the search throws away ("not a smelter", "no plausible candidate") reported with a
    CID of the reference was no_match, the CID unsaid (found by an audit): the supplier named the
    facility by its RMI ID, and a person decides (review, proposing it; the name's own verdict
    in the reason). Without the CID the same names stay no_match."""
    for name in ("Our supplier's smelter", "Deutsche Bank AG"):
        assert matcher.match_one(name, metal="Tin").decision == "no_match"
        r = matcher.match_one(name, metal="Tin", reported_cid="CID001182")
        assert (r.decision, r.cid, r.standard_name, r.score) == ("review", "CID001182", "Minsur",
                                                                0.0), r
        assert r.reason.endswith(", but the reported CID is Minsur's: is it?"), r
        assert r.reason.startswith(("not a smelter", "no plausible candidate")), r


def test_a_cid_in_the_name_cell_or_an_unread_one_is_not_lost(matcher: Matcher) -> None:
    """The name cell holding a CID ("CID001182") was searched as a name (review proposing an
    unrelated facility); a reported-CID cell that is no CID ("1AUS046") was dropped without a
    word, and a row with nothing else was no_match (found by an audit)."""
    r = matcher.match_one("CID001182", metal="Tin")
    assert (r.decision, r.cid, r.reason) == ("review", "CID001182",
                                             "the name is CID001182, Minsur's RMI ID: is it?")
    r = matcher.match_one("", metal="Tin", reported_cid="1AUS046")
    assert (r.decision, r.cid, r.flags) == ("review", "", ("reported_cid_unread",))
    assert r.reason == "no name, and the reported CID '1AUS046' is not read as one: which facility?"
    r = matcher.match_one("Minsur", metal="Tin", reported_cid="1AUS046")
    assert (r.decision, r.cid, r.flags) == ("match", "CID001182", ("reported_cid_unread",))
    assert matcher.match_one("", metal="Tin", reported_cid="N/A").decision == "no_match"
    r = matcher.match_one("", metal="Tin", reported_cid="CID-001182")
    assert (r.decision, r.cid) == ("review", "CID001182")


def test_a_metal_other_than_the_four_is_reviewed_never_matched(matcher: Matcher) -> None:
    # "Cobalt", "Palladium": the row is about another metal; the name is still searched (as with
    # no metal) and its facility proposed, but a person decides, also for an exact RMI name
    for name, metal in (("Asahi Pretec Corp.", "Palladium"), ("Umicore", "Cobalt")):
        r = matcher.match_one(name, metal=metal)
        assert r.decision == "review" and r.cid, r
        assert f"the reported metal '{metal}' is not tin, tantalum, tungsten or gold" in r.reason
        assert "metal_unrecognised" in r.flags
    assert matcher.match_one("Asahi Pretec Corp.", metal="Gold").decision == "match"
    assert matcher.match_one("Asahi Pretec Corp.").decision == "match"


def test_a_reported_cid_tells_which_facility_a_shared_name_is(matcher: Matcher,
                                                               full_reference) -> None:
    # every name RMI gives to several facilities of a metal, reported with the CID of each of
    # them: that CID, matched (the pair head alone may rank another holder of the name first)
    names = full_reference.names
    shared = names[names["ambiguous"]].drop_duplicates(["name", "metal", "cid"])
    assert len(shared) >= 20
    for rec in shared.itertuples():
        r = matcher.match_one(rec.name, metal=rec.metal, reported_cid=rec.cid)
        assert (r.decision, r.cid) == ("match", rec.cid), (rec.name, rec.cid, r)
        assert "reported CID agrees" in r.reason
    # without the CID the name cannot tell
    r = matcher.match_one("Metalor Technologies S.A.", metal="Gold")
    assert r.decision == "review" and "several facilities" in r.reason


def test_a_reported_cid_of_another_facility_is_reviewed(matcher: Matcher) -> None:
    # an exact RMI alias of Asahi (CID000082) with Metalor's CID: the supplier's two answers
    # disagree, a person decides
    r = matcher.match_one("Asahi Pretec Corp.", metal="Gold", reported_cid="CID001153")
    assert (r.decision, r.cid) == ("review", "CID000082"), r
    assert "the reported CID CID001153 is another facility: which one?" in r.reason
    assert "reported_cid_contradicts_name" in r.flags
    # a removed CID's successor named, the removed CID reported: one answer, matched
    r = matcher.match_one("Global Advanced Metals Boyertown", metal="Tantalum",
                          reported_cid="CID000564")
    assert (r.decision, r.cid) == ("match", "CID002557"), r
    # an unknown CID is no evidence against the name
    r = matcher.match_one("Asahi Pretec Corp.", metal="Gold", reported_cid="CID999999")
    assert (r.decision, r.flags) == ("match", ("reported_cid_unknown",)), r


def test_a_batch_decides_each_query_as_it_would_alone(matcher: Matcher, full_reference) -> None:
    """The rules run on arrays over a whole batch (``decide_many``); each query's decision must
    be the one it gets decided alone, whatever its neighbours: RMI names and damaged names,
    under their metal, another metal and none, with their own or another facility's CID."""
    q = _first_pass_queries(full_reference).iloc[::3]
    other = {"Gold": "Tin", "Tin": "Tungsten", "Tungsten": "Tantalum", "Tantalum": "Gold"}
    names = full_reference.names.assign(
        key=[normalize_name(n).key for n in full_reference.names["name"]])
    two_metals = names[names["key"].map(names.groupby("key")["metal"].nunique()).gt(1)
                       & names["key"].ne("")].drop_duplicates("key").head(20)
    q = pd.concat([q, q.assign(metal=q["metal"].map(other).fillna("")),
                   pd.DataFrame({"name": two_metals["name"], "metal": "", "country": "",
                                 "reported": ""})], ignore_index=True)
    qs = [(n, m, m, c, r) for n, m, c, r in q.itertuples(index=False)]
    nns = [normalize_name(n) for n in q["name"]]
    s = matcher.score(qs, nns)
    args = (s.cands.fac, s.pair, s.X, matcher._fac, matcher.cid_metals)
    shipped = matcher.model.thresholds
    # the shipped bands, and lower ones under which more rows are matched, so that the review
    # rules for matches (several metals, ambiguous names) fire too
    for t in (shipped, replace(shipped, match=0.5, smelter_match=0.5)):
        batch = decide_many([x[1] or None for x in qs], [x[2] for x in qs],
                            [x[4] or None for x in qs], s.ranking, *args, s.smelter, s.kinds, t,
                            5, s.same_key)
        assert {d.decision for d in batch} == {"match", "review", "no_match"}
        flags = {f.split("=")[0] for d in batch for f in d.flags}
        assert {"name_known_under_other_metal", "reported_cid_contradicts_name",
                "ambiguous_name", "metal_missing"} <= flags, flags
        for i, (x, d) in enumerate(zip(qs, batch)):
            alone = decide(x[1] or None, x[2], x[4] or None, s.ranking.rows(i),
                           s.ranking.other(i), *args, float(s.smelter[i]), s.kinds[i], t, 5,
                           s.same_key)
            assert d == alone, (x, d, alone)
    assert "several_metals" in flags
