"""Candidate generation (``smelter_match.blocking``): recall, bounds, determinism, recordlinkage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _support import GOLD_DIR as GOLD

from smelter_match import Matcher
from smelter_match.blocking import CandidateGenerator, ExactKeyIndexer, NgramIndexer
from smelter_match.evaluation import load_gold
from smelter_match.normalize import normalize_name


@pytest.fixture(scope="module")
def matcher(full_reference) -> Matcher:
    return Matcher(full_reference)


def _frame(names: list[str]) -> pd.DataFrame:
    nns = [normalize_name(n) for n in names]
    return pd.DataFrame({"key": [n.key for n in nns], "compact": [n.compact for n in nns],
                         "variants": [n.variants for n in nns],
                         "acronym": [n.acronym for n in nns]})


def test_blocking_recall_on_gold(matcher: Matcher, full_reference) -> None:
    """The true CID is among the default candidates (8 of the metal) for >= 99.5% of matchable rows."""
    gen = matcher.generator
    assert gen.max_candidates == 8
    for path in ("dataio_2020.csv", "inogen_2020.csv"):
        gold = load_gold(GOLD / path)
        gold = gold[gold["matchable"]].reset_index(drop=True)
        nns = [normalize_name(n) for n in gold["reported_name"]]
        frame = pd.DataFrame({"key": [n.key for n in nns], "compact": [n.compact for n in nns],
                              "variants": [n.variants for n in nns],
                              "acronym": [n.acronym for n in nns]})
        cands = gen.generate(frame, list(gold["metal_inferred"]))
        cids = full_reference.facilities["cid"].to_numpy()
        per_query = pd.Series(cids[cands.fac]).groupby(cands.query).agg(set)
        assert per_query.map(len).max() <= gen.max_candidates + gen.other_metal
        found = [bool(per_query.get(i, set()) & set(t)) for i, t in enumerate(gold["truth"])]
        assert np.mean(found) >= 0.995, path


@pytest.mark.recordlinkage
def test_recordlinkage_index_gives_same_pairs(matcher: Matcher) -> None:
    """The adapter: the project's indexers run inside ``recordlinkage.Index`` give the same pairs.

    Needs the optional extra ``smelter-match[recordlinkage]`` (CI runs it in its own environment).
    """
    pytest.importorskip("recordlinkage", reason="optional extra smelter-match[recordlinkage]")
    names = ["ATAkulche", "Honggiao Metals", "AMMC", "Kemet Blue Powder"]
    nns = [normalize_name(n) for n in names]
    frame = pd.DataFrame({"key": [n.key for n in nns], "compact": [n.compact for n in nns],
                          "variants": [n.variants for n in nns], "acronym": [n.acronym for n in nns]})
    ours = CandidateGenerator(matcher.index).pairs(frame)
    rl = CandidateGenerator(matcher.index, use_recordlinkage=True).pairs(frame)
    assert list(ours) == list(rl)


def test_exact_and_acronym_hits(matcher: Matcher) -> None:
    frame = _frame(["ATAkulche", "AMMC"])
    q, nm = ExactKeyIndexer(matcher.index).arrays(frame)
    cids = set(matcher.index.cid[nm[q == 0]])
    assert "CID000103" in cids
    assert len(nm[q == 1]) >= 1  # an acronym typed as the name finds its facility


def test_ngram_top_k_is_bounded_and_deterministic(matcher: Matcher) -> None:
    frame = _frame(["Metalor Technologics SA", "Umicorc", "Jiang Xi Copper"] * 2)
    ix = NgramIndexer(matcher.index, k=10)
    q, nm = ix.arrays(frame)
    assert np.bincount(q).max() <= 10
    q2, nm2 = ix.arrays(frame)
    assert (q == q2).all() and (nm == nm2).all()
    # a repeated name gets the same names
    assert set(nm[q == 0]) == set(nm[q == 3])


def test_top_k_keeps_ties_by_lowest_name_row(matcher: Matcher) -> None:
    # the plain definition, row by row: names above the k-th value, then tied names by row until
    # k are kept; nothing under min_cosine
    rng = np.random.default_rng(0)
    dense = rng.integers(0, 4, size=(200, 30)).astype(float) / 4
    ix = NgramIndexer(matcher.index, k=7, min_cosine=0.1)
    rows, cols, vals = ix.top_k(dense)
    for r in range(len(dense)):
        order = sorted(range(30), key=lambda c: (-dense[r, c], c))
        want = sorted(c for c in order[:7] if dense[r, c] >= max(0.1, dense[r, order[6]]))
        assert cols[rows == r].tolist() == want
    assert (vals == dense[rows, cols]).all()


def test_generated_candidates_prefer_the_reported_metal(matcher: Matcher) -> None:
    cands = matcher.generator.generate(_frame(["Metalor Technologies"]), ["Gold"])
    metals = matcher.index.fac_metal[cands.fac]
    assert (metals[: matcher.generator.max_candidates] == "Gold").all()
