"""The name index (``smelter_match.index``): every reference name searchable, consistent arrays."""

from __future__ import annotations

import numpy as np
import pytest

from smelter_match.index import (
    MAX_SLIPS,
    DamagedWords,
    NameIndex,
    core_text,
    damaged_weak_word,
    ocr_fold,
)
from smelter_match.normalize import normalize_name
from smelter_match.sparse import expand_csr


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
    sims = index.cosines([index.norm[i].compact]).ravel()
    assert sims[i] == pytest.approx(1.0)
    assert abs(np.linalg.norm(v.dense()) - 1.0) < 1e-9


def test_csr_product_is_scipys_to_the_last_bit(index: NameIndex) -> None:
    # the n-gram cosines were computed with scipy.sparse before; the numpy product adds in the
    # same order, so candidates and their cosines stay identical
    sparse = pytest.importorskip("scipy.sparse")
    queries = [index.norm[i].compact for i in range(0, len(index.norm), 7)] + ["", "zz", "tinx"]
    v = index.vectorize(queries)
    ours = v.dense_product(index.matrix_t, block=5)
    a = sparse.csr_matrix((v.data, v.indices, v.indptr), shape=v.shape)
    b = sparse.csr_matrix((index.matrix.data, index.matrix.indices, index.matrix.indptr),
                          shape=index.matrix.shape)
    assert np.array_equal(ours, (a @ b.T.tocsr()).toarray())
    assert np.array_equal(index.matrix_t.dense(), index.matrix.dense().T)


def test_ocr_fold_makes_ocr_confusions_one_class() -> None:
    """Names that differ only by characters OCR confuses ("ii" for "u", "c" for "e", "1" for
    "l", "cl" for "d", "rn" for "m") fold to the same text; other letters stay apart."""
    for damaged, clean in (("umicorc", "umicore"), ("ltcl", "ltd"), ("wo1fram", "wolfram"),
                           ("srneltcr", "smelter"), ("siiper", "super")):
        assert ocr_fold(damaged) == ocr_fold(clean), (damaged, clean)
    for a, b in (("tin", "tan"), ("gold", "bold"), ("jiangxi", "jiangsu"), ("zhang", "zhong")):
        assert ocr_fold(a) != ocr_fold(b), (a, b)


def test_a_name_is_ocr_sole_unless_another_facility_reads_the_same(index: NameIndex) -> None:
    """``ocr_sole``: no name of another facility of the metal folds to the same text (names
    several facilities share never are; a short name never is)."""
    folds: dict = {}
    for i, (fold, metal) in enumerate(zip(index.ocr_arr.tolist(), index.metal)):
        folds.setdefault((fold, metal), set()).add(int(index.fac[i]))
    for i, (fold, metal) in enumerate(zip(index.ocr_arr.tolist(), index.metal)):
        expected = len(folds[(fold, metal)]) == 1 and len(index.norm[i].compact) >= 4
        assert index.ocr_sole[i] == expected, index.key_arr[i]
    assert not index.ocr_sole[index.ambiguous_arr & (index.compact_len >= 4)].any()
    assert index.ocr_sole.sum() > 0.9 * len(index.ocr_sole)


def test_edit_gaps_are_the_distance_to_the_nearest_other_facility(index: NameIndex) -> None:
    """``edit_gaps``: per text (compact key; as spelled, legal form included; both also with
    OCR-confusable characters as one class) and name row, the Levenshtein distance to the
    nearest name of another facility (of its metal; of any metal), capped, the same whether
    asked for some rows or all; a name two facilities share has gap 0.
    ``slips_allowed`` grows one slip per six characters, from 8, up to three."""
    from rapidfuzz.distance import Levenshtein

    cap = 2 * MAX_SLIPS + 3
    rng = np.random.default_rng(0)
    sample = rng.choice(len(index.norm), 40, replace=False).tolist() + \
        np.flatnonzero(index.ambiguous_arr)[:5].tolist()
    for text, texts in index.slip_arr.items():
        gap_metal, gap_any = index.edit_gaps(text, np.arange(len(texts)))
        assert (index.edit_gaps(text, np.array(sample))[0] == gap_metal[sample]).all()
        for i in sample:
            other = index.fac != index.fac[i]
            d = np.array([Levenshtein.distance(texts[i], t) for t in texts])
            assert gap_any[i] == min(cap, d[other].min()), index.key_arr[i]
            same = other & (index.metal == index.metal[i])
            assert gap_metal[i] == min(cap, d[same].min() if same.any() else cap), texts[i]
    assert (index.edit_gaps("compact", np.flatnonzero(index.ambiguous_arr))[0] == 0).all()
    assert index.slip_arr["full"][index.key_arr == "jiangxi copper"][0] == "jiangxicoppercoltd"
    assert index.slip_arr["ocr_full"][index.key_arr == "jiangxi copper"][0] == "jlangxlcoppcrcoltd"
    assert index.slips_allowed(np.array([7, 8, 13, 14, 19, 20, 60])).tolist() == \
        [0, 1, 1, 2, 2, 3, 3]


def test_prepare_builds_on_first_use_state_once_with_the_same_values(full_reference,
                                                                     index: NameIndex) -> None:
    """``prepare`` (the matcher calls it before forking workers) builds what the searches
    otherwise build on first use, with the same values, and a second call changes nothing."""
    fresh = NameIndex(full_reference)
    fresh.prepare(workers=2)
    gaps = {t: fresh._gap_cache[t] for t in index.slip_arr}
    fresh.prepare()
    rows = np.arange(len(index.norm))
    for text in index.slip_arr:
        assert fresh._gap_cache[text] is gaps[text]
        for mine, theirs in zip(fresh.edit_gaps(text, rows), index.edit_gaps(text, rows)):
            assert (mine == theirs).all()
    for attr in ("_slip_sorted", "core_arr", "token_rows", "_next_char"):
        assert attr in vars(fresh) and vars(fresh)[attr] is not None
    assert fresh.abbreviation_neighbours(["intl"])[0].tolist() == \
        index.abbreviation_neighbours(["intl"])[0].tolist()


def test_the_core_of_a_name_is_what_is_not_generic_or_a_legal_form() -> None:
    """``core_text``: the tokens that tell one company from another, damaged generic and
    legal-form words left out as the intact ones are."""
    def core(name: str) -> str:
        return core_text(normalize_name(name).tokens)

    assert core("Jiangxi Copper Co., Ltd.") == core("Jiangxi Coper Co Ltd") == "jiangxi"
    assert core("Lianyou Resources Co., Ltd.") == "lianyou"
    assert core("Tian Yu Resources Limited") == "tianyu"
    assert core("Mitsubishi Materals Corporatoin") == "mitsubishi"
    assert core("Metal Refining Company") == ""


def test_damaged_words_read_the_word_they_were() -> None:
    """A reader gives the vocabulary word a token is, through OCR classes from ``ocr_from``
    letters and a typing slip from ``slip_from`` letters; anything else reads as None."""
    reader = DamagedWords(frozenset({"smelter", "unknown"}), ["smelter", "unknown"], ["unknown"],
                          ocr_from=5, slip_from=6, cutoff=85)
    assert reader.read("smelter") == "smelter"
    assert reader.read("srnelter") == "smelter"     # OCR: "rn" for "m"
    assert reader.read("unknwon") == "unknown"      # a typing slip
    assert reader.read("dmelter") is None           # not a slip word
    assert reader.read("unkn") is None              # too short to read as damaged


def test_the_removed_feature_reads_the_log(index: NameIndex, exports_reference) -> None:
    """``removed`` as the revision log says it (the model was trained so): a facility RMI's
    newest list carries again after a logged removal counts as removed there, not in results;
    a facilities table made by hand without the column reads ``removed``."""
    from smelter_match.reference import Reference

    f = index.reference.facilities
    assert (index.fac_removed == f["removed_in_log"].to_numpy()).all()
    assert (f["removed_in_log"] & ~f["removed"]).sum() == 6
    ref = exports_reference
    bare = Reference(ref.facilities.drop(columns="removed_in_log"), ref.names, ref.revisions,
                     ref.version)
    assert (NameIndex(bare).fac_removed == ref.facilities["removed"].to_numpy()).all()


def test_country_agrees_is_the_one_rule(index: NameIndex) -> None:
    """A reported country agrees with a facility's own code, on scalars and arrays; a blank
    country agrees with nothing (RMI lists one Hong Kong refinery under HONG KONG and another
    under CHINA: reported either way, each is a country that differs for one of them: a model
    input, left for a retrained model, MODEL_CARD)."""
    cid = index.reference.facilities["cid"].to_numpy()
    hk = int(np.flatnonzero(cid == "CID000707")[0])           # Heraeus Metals Hong Kong: HONG KONG
    sar = int(np.flatnonzero(cid == "CID001149")[0])          # Metalor (Hong Kong): CHINA
    assert index.country_agrees(hk, "HK") and not index.country_agrees(hk, "CN")
    assert index.country_agrees(sar, "CN") and not index.country_agrees(sar, "HK")
    assert not index.country_agrees(hk, "")
    got = index.country_agrees(np.array([hk, sar, sar]), np.array(["HK", "CN", ""], dtype=object))
    assert got.tolist() == [True, True, False]
