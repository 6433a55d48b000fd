"""Readings (``smelter_match.readings``): whether a reported name reads as one RMI name."""

from __future__ import annotations

import numpy as np
import pytest

from smelter_match.countries import place_words
from smelter_match.index import NameIndex
from smelter_match.normalize import normalize_name
from smelter_match.readings import (
    SAME,
    SLIPS,
    _reading,
    abbreviated_facility,
    missing_words,
    same_name,
)


@pytest.fixture(scope="module")
def index(full_reference) -> NameIndex:
    return NameIndex(full_reference)


def _row(index: NameIndex, name: str, metal: str) -> int:
    """The name row of RMI's ``name`` under ``metal``."""
    return index.by_key[(normalize_name(name).key, metal)][0]


def _codes(index: NameIndex, pairs: list[tuple[str, str, str, bool]]) -> list[int]:
    """The reading code of each (reported name, RMI name, its metal, metal reported) pair."""
    nns = [normalize_name(q) for q, _, _, _ in pairs]
    rows = np.array([_row(index, rmi, m) for _, rmi, m, _ in pairs], dtype=np.int64)
    metals = [m if reported else None for _, _, m, reported in pairs]
    return same_name(index, nns, metals, np.arange(len(pairs)), rows).tolist()


def test_a_name_reads_as_its_rmi_name_exactly_through_ocr_or_through_slips(
        index: NameIndex) -> None:
    assert _codes(index, [
        ("ABC Refinery Pty Ltd", "ABC Refinery Pty Ltd.", "Gold", True),
        ("A8C Refinery Pty Ltd.", "ABC Refinery Pty Ltd.", "Gold", True),
        ("Tanaka Kikinzku Kogyo KK", "Tanaka Kikinzoku Kogyo K.K.", "Gold", True),
        ("Kennamefal Fall0h", "Kennametal Fallon", "Tungsten", True),
        # two slips in seven core letters: another company ("Lianyou" is not "Tian Yu")
        ("Tian Yu Resources Limited", "Lianyou Resources Co., Ltd.", "Tungsten", False),
        ("Mitsubishi Materials Corporation", "ABC Refinery Pty Ltd.", "Gold", True),
    ]) == [SAME, SAME, SLIPS, SLIPS, 0, 0]


def test_a_swap_of_two_neighbouring_characters_is_one_slip(index: NameIndex) -> None:
    """Typing slips are counted against the budget as a typist makes them: "Umicoer Brasil" is
    one swap (two Levenshtein edits, over the one slip a name of 13 letters may carry) from
    "Umicore Brasil Ltda."; two swaps are too many. The margin to other facilities stays in
    Levenshtein edits: "Kennamteal Fallno" (two swaps, within the two slips of 16 letters, four
    edits) would need every other facility's name ten edits away."""
    from rapidfuzz.distance import Levenshtein

    assert Levenshtein.distance("umicoerbrasil", "umicorebrasil") == 2
    assert _codes(index, [
        ("Umicoer Brasil", "Umicore Brasil Ltda.", "Gold", True),
        ("Umicoer Brasil", "Umicore Brasil Ltda.", "Gold", False),
        ("Umicoer Barsil", "Umicore Brasil Ltda.", "Gold", True),
        ("Kennametal Fallno", "Kennametal Fallon", "Tungsten", True),
        ("Kennamteal Fallno", "Kennametal Fallon", "Tungsten", True),
    ]) == [SLIPS, SLIPS, 0, SLIPS, 0]


def test_the_core_carries_its_own_budget(full_reference) -> None:  # noqa: ANN001
    """RMI names two tungsten facilities "Jiangxi Tungsten Co Ltd" and "Jiangzi Tungsten Co
    LTD". With the second hidden (a real smelter RMI does not list), its name is one slip in
    fifteen letters from the first's, within the name's budget, but in the seven letters of the
    core, "jiangxi", one too many (one in six letters from eight): not read as the first."""
    from smelter_match.training import without_cids

    names = full_reference.names
    jiangzi = set(names.loc[names["name"] == "Jiangzi Tungsten Co LTD", "cid"])
    assert jiangzi and not jiangzi & set(names.loc[names["name"] == "Jiangxi Tungsten Co Ltd",
                                                   "cid"])
    hidden = NameIndex(without_cids(full_reference, jiangzi))
    assert _codes(hidden, [("Jiangzi Tungsten Co LTD", "Jiangxi Tungsten Co Ltd", "Tungsten", True),
                           ("Jiangxi Tungstn Co Ltd", "Jiangxi Tungsten Co Ltd", "Tungsten", True)]) \
        == [0, SLIPS]


def test_a_name_another_facility_s_name_begins_with_is_not_read_through_slips(
        index: NameIndex) -> None:
    """A name cut short by a form field is a few slips (the cut letters) from a shorter RMI
    name, and the start of a longer one, another facility's: "Eco-System Recyclin" is RMI's
    "Eco-System Recycling Co., Ltd." (the East Plant) but for one letter, and the start of
    "Eco-System Recycling Co., Ltd. North Plant". Not read as the first; a slip elsewhere is."""
    assert _codes(index, [
        ("Eco-System Recyclin", "Eco-System Recycling Co., Ltd.", "Gold", True),
        ("KGHM Polska Miedz S.", "KGHM Polska Miedz S.A.", "Gold", True),
        ("Eco-Systme Recycling Co., Ltd.", "Eco-System Recycling Co., Ltd.", "Gold", True),
    ]) == [0, 0, SLIPS]


def test_a_slip_does_not_turn_a_word_into_another(index: NameIndex) -> None:
    """A word of the name that RMI writes in a name, or a generic word, must be in the RMI name:
    "Zinc" for "Tin" is not a slip but another metal, "Jiangsu" for "Jiangxi" another province
    (both words RMI writes elsewhere); a slip that makes no such word is one ("Tanaka
    Kikinzku"), and a word run together or split still is in the RMI name ("Nonferrous")."""
    assert _codes(index, [
        ("PT Premium Zinc Indonesia", "PT Premium Tin Indonesia", "Tin", True),
        ("Jiangsu Ketai Advanced Material Co., Ltd.", "Jiangxi Ketai Advanced Material Co., Ltd.",
         "Tin", True),
        ("Tanaka Kikinzku Kogyo KK", "Tanaka Kikinzoku Kogyo K.K.", "Gold", True),
        ("Gejiu Nonferrous Metl Processing Co., Ltd.", "Gejiu Non-Ferrous Metal Processing Co., Ltd.",
         "Tin", True),
        # "Hebei", a province RMI names no company after, is not a slip of "Hubei" either
        ("Hebei Green Tungsten Co., Ltd.", "Hubei Green Tungsten Co., Ltd.", "Tungsten", True),
    ]) == [0, 0, SLIPS, SLIPS, 0]
    assert {"hebei", "hubei", "shanxi", "shaanxi"} <= place_words()


@pytest.mark.parametrize(("name", "rmi", "metal", "places", "missing"), [
    ("PT Premium Zinc Indonesia", "PT Premium Tin Indonesia", "Tin", True, 1),
    ("Hebei Green Tungsten Co., Ltd.", "Hubei Green Tungsten Co., Ltd.", "Tungsten", True, 1),
    ("Hebei Green Tungsten Co., Ltd.", "Hubei Green Tungsten Co., Ltd.", "Tungsten", False, 0),
    ("Tanaka Kikinzku Kogyo KK", "Tanaka Kikinzoku Kogyo K.K.", "Gold", True, 0),
    ("Avon Specialty Metal Ltd.", "Avon Specialty Metals Ltd.", "Tungsten", True, 0),  # a slip
    ("Metallic Resources Metals Metals", "Metallic Resources, Inc.", "Tin", True, 1),  # once
    ("Metallic Resources Zinc, Inc.", "Metallic Resources, Inc.", "Tin", True, 1),  # not "Inc"
    # "Tin" is not in "Refinery" (whose OCR class "rctlncry" holds "tln")
    ("Central Bank of the Philippines Tin Refinery & Mint",
     "Central Bank of the Philippines Gold Refinery & Mint", "Gold", True, 1),
    ("Dong Guan Best Alloys Co., Ltcl.", "Dongguan Best Alloys Co., Ltd.", "Tin", True, 0),  # split
    ("Korea Zinc Gold Co., Ltd.", "Korea Metal Co., Ltd.", "Gold", True, 2),
])
def test_missing_words_counts_the_real_words_an_rmi_name_lacks(
        index: NameIndex, name: str, rmi: str, metal: str, places: bool, missing: int) -> None:
    """What the slips rule asks to be none, and the query features count: generic words one slip
    off the RMI name's count as there, place names only when asked for."""
    tokens = normalize_name(name).tokens
    assert missing_words(index, tokens, _row(index, rmi, metal), places) == missing


def test_no_candidate_rows_give_no_codes(index: NameIndex) -> None:
    out = same_name(index, [], [], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    assert out.dtype == np.int8 and out.shape == (0,)


def _facility(index: NameIndex, name: str, metal: str) -> int:
    return int(index.fac[_row(index, name, metal)])


def test_a_name_reads_as_an_rmi_name_but_for_abbreviated_words(index: NameIndex) -> None:
    """Each word itself or an abbreviation of the RMI name's word, in order, the RMI name's
    generic and legal-form words free to be left out and legal-form words to be added."""
    for name, metal, rmi in (
            ("Avon Spe. Metals Ltd.", "Tungsten", "Avon Specialty Metals Ltd."),
            ("Chif. Dajin. Tin Ind. Co., Ltd.", "Tin", "Chifeng Dajingzi Tin Industry Co., Ltd."),
            ("Hunan Chen. Mining Co., Limitd", "Tungsten", "Hunan Chenzhou Mining Co., Ltd."),
            # a generic word's abbreviation needs no full stop
            ("Avon Spe. Mtls Ltd", "Tungsten", "Avon Specialty Metals Ltd.")):
        nn = normalize_name(name)
        assert abbreviated_facility(index, nn, metal) == _facility(index, rmi, metal), name


@pytest.mark.parametrize("name, metal", [
    ("China MT", "Tungsten"),                  # two letters are as often two words' initials
    ("Ket.", "Tantalum"),                      # too few letters to tell which
    ("Chif. Daj. Tin Ind. Co., Ltd.", "Tin"),  # less than half of "chifengdajingzi" kept
    ("Avon Spe. Metals Sheffield Ltd.", "Tungsten"),   # a word the RMI name does not have
    # nor a word RMI writes in a name ("Minmetals"), though it reads as a damaged "minerals"
    ("Minmetals Chif. Dajin. Tin Ind. Co., Ltd.", "Tin"),
    ("Avon Specialty Metals Ltd.", "Tungsten"),        # nothing abbreviated: not this rule's
    ("Spe. Avon Metals Ltd.", "Tungsten"),             # not in order
    # an added word other than a legal form: perhaps another business, or another metal's
    ("Avon Spe. Metals Trading Co.", "Tungsten"),
    ("Chif. Dajin. Gold Ind.", None),
    ("Avon Spe. Metals Group Ltd.", "Tungsten"),
    # a distinctive word's abbreviation without its full stop may be a word of its own
    ("Avon Spe Metals Ltd.", "Tungsten"),
    ("Chif Dajin Tin Ind. Co., Ltd.", "Tin"),
])
def test_names_not_read_through_abbreviations(index: NameIndex, name: str,
                                              metal: str | None) -> None:
    assert abbreviated_facility(index, normalize_name(name), metal) == -1


def test_an_abbreviated_name_that_reads_as_two_facilities_names_reads_as_neither(
        index: NameIndex) -> None:
    """"Jiangxi Shunda Huichang Kam Tin Co., Ltd." is RMI's name of two tin facilities."""
    nn = normalize_name("Jiangxi Shunda Huich. Kam Tin Co., Ltd.")
    assert abbreviated_facility(index, nn, "Tin") == -1
    rmi = [r for r in index.by_key[(normalize_name(
        "Jiangxi Shunda Huichang Kam Tin Co., Ltd.").key, "Tin")]]
    assert len({int(index.fac[r]) for r in rmi}) == 2


def test_a_name_cut_short_is_not_read_as_the_shorter_of_two_names(index: NameIndex) -> None:
    """"Umicore Precious Met" abbreviates "Umicore Precious Metals Refining", but it is also the
    start of "Umicore Precious Metals Thailand", another gold facility's name, cut short."""
    assert abbreviated_facility(index, normalize_name("Umicore Precious Met"), "Gold") == -1
    nn = normalize_name("Umicore Precious Metals Refin.")
    assert abbreviated_facility(index, nn, "Gold") == _facility(
        index, "Umicore Precious Metals Refining", "Gold")


def test_the_reading_keeps_the_best_with_and_without_an_abbreviation() -> None:
    """A reading with an abbreviation and one without are both kept at every step, so a later
    abbreviation does not lose the reading that kept more letters of the core."""
    mine = (("ind", False, True), ("ind", True, True), ("indigo", True, True))
    assert _reading(mine, ("indigo", "indigo")) == (1, 9)
    avon = (("avon", False, False), ("spe", False, True), ("metals", False, False))
    assert _reading(avon, ("avon", "specialty", "metals", "ltd")) == (1, 7)
    unmarked = tuple((w, added, False) for w, added, _ in avon)
    assert _reading(unmarked, ("avon", "specialty", "metals", "ltd")) is None
    assert _reading(avon[:2], ("avon", "specialty", "metals", "sheffield"), prefix=True) == (1, 7)
