"""Query features (``smelter_match.query_features``): the evidence for "is this an RMI facility?"."""

from __future__ import annotations

import numpy as np
import pytest

from smelter_match import Matcher
from smelter_match.normalize import normalize_name
from smelter_match.query_features import (
    NON_SMELTER_WORDS,
    QUERY_FEATURES,
    _against,
    _explains,
    translated_words,
)


@pytest.fixture(scope="module")
def matcher(full_reference) -> Matcher:  # noqa: ANN001
    return Matcher(full_reference, workers=1)   # the shipped model ranks the candidates


def _q(matcher: Matcher, name: str, metal: str = "Gold") -> dict[str, float]:
    qs = [(name, metal, metal, "", "")]
    sc = matcher.score(qs, [normalize_name(name)])
    return dict(zip(QUERY_FEATURES, sc.Q[0])) | {"kind": sc.kinds[0]}


def test_an_rmi_name_is_fully_explained(matcher: Matcher) -> None:
    q = _q(matcher, "Metalor Technologies S.A.")
    assert q["has_candidate"] == 1 and q["top_exact"] == 1
    assert q["distinct_unexplained"] == 0 and q["nonsmelter_unexplained"] == 0
    assert q["has_legal_form"] == 1 and q["kind"] == ""


def test_a_bank_carries_its_kind(matcher: Matcher) -> None:
    q = _q(matcher, "Deutsche Bank AG")
    assert q["nonsmelter_words"] == 1 and q["nonsmelter_unexplained"] == 1
    assert q["kind"] == "bank"
    # RMI's central banks that refine gold: the word is explained by the candidate
    q = _q(matcher, "Central Bank of the DPR of Korea")
    assert q["nonsmelter_words"] == 1 and q["nonsmelter_unexplained"] == 0


@pytest.mark.parametrize(("candidate", "name", "kind"), [
    ("ANZ Bank", "Toronto-Dominion Bank", "bank"),
    ("E.S.R. Electronics", "Arrow Electronics", "electronics maker"),
    ("Da Nang Processing Import and Export Joint Stock", "Harmony Import and Export LLC", "trader"),
    ("ANZ Bank", "ANZ Bank Ltd", ""),
    ("E.S.R. Electronics", "ESR Electronics", ""),
    ("E.S.R. Electronics", "E.5.R. Electronics", ""),          # OCR digit in the initials
    ("E.S.R. Electronics", "Electronics Co.", "electronics maker"),
    ("ANZ Bank", "Bank of America", "bank"),
    # the business word is the name's only distinctive word, and the names explain each other
    ("Noble Metal Services", "NOBLE METAL SERVICES", ""),
    ("Noble Metal Services", "Noble Metal Services United States of America", ""),
    ("Noble Metal Services", "Global Metal Services", "inspection or service company"),
    ("Da Nang Processing Import and Export Joint Stock", "Danang Processing Import Export", ""),
])
def test_a_business_word_is_explained_only_with_the_rest_of_the_name(
        candidate: str, name: str, kind: str) -> None:
    """A candidate that shares nothing but the business word does not explain it away: RMI's
    own names carry "Bank", "Electronics", "Import and Export", "Services"."""
    _, got, n_unexplained = _against(normalize_name(candidate), normalize_name(name))
    assert got == kind and (n_unexplained > 0) == bool(kind)


@pytest.mark.parametrize(("name", "metal"), [
    ("NOBLE METAL SERVICES United States of America", "Gold"),   # the business word is the name
    ("E.5.R. Electronics", "Tantalum"),                           # initials damaged by OCR
])
def test_an_rmi_name_with_a_business_word_keeps_it_explained(
        matcher: Matcher, name: str, metal: str) -> None:
    q = _q(matcher, name, metal)
    assert q["nonsmelter_words"] == 1 and q["nonsmelter_unexplained"] == 0 and q["kind"] == ""


def test_a_bracketed_country_does_not_pick_the_candidate(matcher: Matcher) -> None:
    """"(Thailand)" once made RMI's "O.M. Manufacturing (Thailand) Co., Ltd." an exact variant hit
    for any name with it, ahead of the facility the rest of the name is an alias of."""
    r = matcher.match_one("Thai Solder Industry Corp., Ltd. (Thailand) Thailand", metal="Tin")
    assert r.candidates[0].cid == "CID001898" and r.decision != "no_match"


def test_unlisted_company_leaves_its_distinctive_word_unexplained(matcher: Matcher) -> None:
    q = _q(matcher, "Nihon Superior Co., Ltd.", "Tin")
    assert q["distinct_unexplained"] >= 1


def test_explains_rules() -> None:
    cand = normalize_name("Jiangxi Copper Industry Co., Ltd.")
    assert _explains(cand, "jiangxi") and _explains(cand, "coppr") and _explains(cand, "ind")
    assert _explains(cand, "jiang")            # inside the spaceless key (pinyin split)
    assert _explains(cand, "c0pper")            # OCR classes
    assert not _explains(cand, "superior") and not _explains(None, "x")


def test_no_candidate_gives_defaults(matcher: Matcher) -> None:
    q = _q(matcher, "zzzzqqqq xxxyyy")
    assert q["top_logit"] <= 0 or q["has_candidate"] == 1
    assert np.isfinite(list(v for k, v in q.items() if k != "kind")).all()


def test_vocabulary_has_kinds() -> None:
    assert NON_SMELTER_WORDS["bank"] == "bank" and NON_SMELTER_WORDS["solder"]


def test_candidates_tied_on_score_are_ranked_by_cid(matcher: Matcher) -> None:
    """Ties are broken by CID; the ranking sorts the CIDs' integer ranks, which must order
    facilities exactly as their CID strings do (equal CIDs of two metals tie)."""
    from smelter_match.query_features import rank_candidates

    ni = matcher.index
    cids, ranks = ni.fac_cid, ni.fac_cid_rank
    order = np.argsort(ranks, kind="stable")
    assert list(cids[order]) == sorted(cids)
    assert all((cids[a] == cids[b]) == (ranks[a] == ranks[b]) for a, b in zip(order, order[1:]))
    fac = np.arange(len(cids))[::-1].copy()   # one query, every facility, all tied
    query, same, logit = np.zeros(len(fac), dtype=np.int64), np.ones(len(fac), bool), \
        np.zeros(len(fac))
    by_rank = rank_candidates(query, 1, same, logit, ranks[fac]).order
    by_text = rank_candidates(query, 1, same, logit, cids[fac]).order
    assert (by_rank == by_text).all()


def test_ranking_with_queries_without_candidates() -> None:
    """Queries without candidates anywhere in the batch, last ones included, get empty rows."""
    from smelter_match.query_features import rank_candidates

    query = np.array([0, 0, 2, 2, 2])
    same = np.array([True, False, True, True, False])
    logit = np.array([0.1, 0.9, 0.3, 0.2, 0.8])
    r = rank_candidates(query, 4, same, logit, np.arange(5))
    assert [r.rows(q).tolist() for q in range(4)] == [[0], [], [2, 3], []]
    assert [r.other(q).tolist() for q in range(4)] == [[1], [], [4], []]
    assert r.n_same.tolist() == [1, 0, 2, 0]
    empty = rank_candidates(np.zeros(0, dtype=np.int64), 2, np.zeros(0, bool), np.zeros(0),
                            np.zeros(0, dtype=np.int64))
    assert empty.n_same.tolist() == [0, 0]


@pytest.mark.parametrize(("name", "metal", "known"), [
    # a metal, a province, another RMI name's word: real words the best candidate lacks
    ("PT Premium Zinc Indonesia", "Tin", 1),          # best: PT Premium Tin Indonesia
    ("Jiangsu Ketai Advanced Material Co., Ltd.", None, 1),   # best: Jiangxi Ketai ...
    # a misspelt word is no real word, nor is another generic word evidence ("Kogyo", "Fundicion")
    ("Schone Edlemeytaal B.V.", "Gold", 0),
    ("Tanaka Kikinzoku Industry K.K.", "Gold", 0),
    ("Precious Minerals and Fundicion Limited", None, 0),
])
def test_real_words_the_best_candidate_lacks(matcher: Matcher, name: str, metal: str | None,
                                             known: int) -> None:
    """``known_unexplained``: "Zinc" is not a slip of "Tin", nor "Jiangsu" of "Jiangxi", whereas
    "Edlemeytaal" reads as nothing but a damaged "Edelmetaal", and "Industry" is "Kogyo"."""
    assert _q(matcher, name, metal)["known_unexplained"] == known


@pytest.mark.parametrize(("name", "candidate", "translated"), [
    ("International Precious Kinzoku Refiners", "International Precious Metals Refiners", 1),
    ("Tanaka Kikinzoku Industry K.K.", "Tanaka Kikinzoku Kogyo K.K.", 1),   # English for romaji
    ("Ikuno Timah Smelter", "Ikuno Tin Smelter", 1),
    ("Alpha Kabushiki Kaisha Materials", "Alpha Corporation Materials", 1),   # one word, once
    # another company's word is no translation, nor a word both names have, nor a translation
    # of a word the name has already, nor a pinyin syllable ("Xi": tin, but here a place)
    ("PT Premium Zinc Indonesia", "PT Premium Tin Indonesia", 0),
    ("Tanaka Kikinzoku Kogyo K.K.", "Tanaka Kikinzoku Kogyo K.K.", 0),
    ("Metals Kinzoku Refiners", "Metals Refiners", 0),
    ("Wu Xi Tin Materials", "Wuxi Tin Materials", 0),
])
def test_words_the_candidate_has_in_another_language(name: str, candidate: str,
                                                     translated: int) -> None:
    """``translated_words``: a supplier's translation of a generic word, the one difference
    between a romanised name and a near miss ("Zinc" for "Tin")."""
    assert translated_words(normalize_name(name), normalize_name(candidate)) == translated
