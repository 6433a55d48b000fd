"""The name index (``smelter_match.index``): every reference name searchable, consistent arrays."""

from __future__ import annotations

import numpy as np
import pytest

from smelter_match.index import NameIndex, damaged_weak_word, expand_csr
from smelter_match.normalize import normalize_name


@pytest.fixture(scope="module")
def index(full_reference) -> NameIndex:
    return NameIndex(full_reference)


def test_every_name_row_points_at_its_facility(index: NameIndex, full_reference) -> None:
    fac = full_reference.facilities
    assert len(index.norm) == len(index.cid) == len(index.fac)
    assert (fac["cid"].to_numpy()[index.fac] == index.cid).all()
    assert (fac["metal"].to_numpy()[index.fac] == index.metal).all()
    # every facility has at least its standard name
    assert set(index.fac.tolist()) == set(range(len(fac)))


def test_facility_name_csr_lists_each_name_once(index: NameIndex) -> None:
    owner, rows = expand_csr(index.fac_name_ptr, index.fac_name_idx,
                             np.arange(len(index.fac_name_ptr) - 1))
    assert sorted(rows.tolist()) == list(range(len(index.norm)))
    assert (index.fac[rows] == owner).all()


def test_exact_lookup_and_idf(index: NameIndex) -> None:
    key = normalize_name("ATAkulche").compact
    assert any(index.cid[i] == "CID000103" for i in index.by_exact[key])
    # a word of many facility names weighs less than a rare one; unseen words weigh most
    assert index.token_weight("metal") < index.token_weight("atasay") <= index.max_idf
    assert index.token_weight("zzzunseen") == pytest.approx(index.max_idf)


def test_a_damaged_word_that_says_nothing_stays_weak(index: NameIndex) -> None:
    """An unseen token that is an OCR-damaged or mistyped legal-form or generic word is damped
    like one; a new distinctive word keeps the weight of a rare word."""
    for damaged in ("corporatlon", "lfd", "indusfries", "compony", "technologics"):
        assert damaged_weak_word(damaged), damaged
        assert index.token_weight(damaged) == pytest.approx(0.3 * index.max_idf), damaged
    for word in ("umicorc", "beseem", "zzzunseen"):
        assert not damaged_weak_word(word), word
        assert index.token_weight(word) == pytest.approx(index.max_idf), word


def test_vectorize_matches_reference_rows(index: NameIndex) -> None:
    i = int(np.flatnonzero(index.cid == "CID000103")[0])
    v = index.vectorize([index.norm[i].compact])
    sims = (v @ index.matrix_t).toarray().ravel()
    assert sims[i] == pytest.approx(1.0)
    assert abs(np.linalg.norm(v.toarray()) - 1.0) < 1e-9
