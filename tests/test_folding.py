"""Tests for smelter_match.folding: ``fold`` (transliteration, homoglyphs, glued words,
punctuation) and the vocabularies (legal forms, stop-words, generic words)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smelter_match.folding import GENERIC_WORDS, STOP_WORDS, fold, strip_legal_forms
from smelter_match.normalize import normalize_name

PROPS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def key(text: str) -> str:
    return normalize_name(text).key


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("ATAkulche", "ata kulche"),
        ("ShangHai YueQiang Metal Products Co., LTD", "shang hai yue qiang metal products co ltd"),
        ("HeeSung Metal Ltd.", "hee sung metal ltd"),
        ("SungEel HiMetal Co., Ltd.", "sung eel hi metal co ltd"),
        ("AUTraders and Refiners", "au traders and refiners"),
        ("Dongguan CiEXPO Environmental", "dongguan ci expo environmental"),
        ("DaeryongENC", "daeryong enc"),
        ("HCStarck", "hc starck"),
        ("NiihamaToyo Smelter&Refinery", "niihama toyo smelter and refinery"),
        # all-caps acronyms, mixed-case legal forms and Mc-names are not split
        ("AMMC CCR JSC", "ammc ccr jsc"),
        ("SAXONIA Edelmetalle GmbH", "saxonia edelmetalle gmbh"),
        ("Chimet SpA", "chimet spa"),
        ("Foo KGaA", "foo kgaa"),
        ("McDonald Metals", "mcdonald metals"),
        ("McIntyre Metals", "mcintyre metals"),
        ("eBay", "ebay"),
        # OCR's capital I for "l" inside a word is "l", not a word boundary
        ("MetaIor Technologies", "metalor technologies"),
        ("GIobal Tungsten", "global tungsten"),
        ("Nihon MateriaI Co", "nihon material co"),
        ("unknown suppIier", "unknown supplier"),
        # digits
        (
            "Emerald Jewel Industry India Limited (Unit 1)",
            "emerald jewel industry india limited unit 1",
        ),
        ("Unit1", "unit 1"),
        # ... but one digit between letters is a damaged letter (OCR), not a word boundary
        ("Ma1aysia Smelting", "ma1aysia smelting"),
        ("Republic Metals Corporatl0n", "republic metals corporatl0n"),
        ("Kolyma Unit12", "kolyma unit 12"),
        ("8853 S.p.A.", "8853 spa"),
        ("5D Production OÜ", "5d production ou"),
        # dotted abbreviations equal undotted ones
        ("Argor-Heraeus S.A.", "argor heraeus sa"),
        ("A.G.", "ag"),
        ("H.C. Starck", "hc starck"),
        ("Penoles S. A. de C. V.", "penoles sa de cv"),
        ("U.S.A.", "usa"),
        ("S. Izaguirre", "s izaguirre"),
        # a digit OCR reads for a letter stays among dotted initials; numbers stay numbers
        ("E.5.R. Electronics", "e5r electronics"),
        ("Version 1.5.3", "version 1 5 3"),
        ("A.1 Co", "a 1 co"),
        # apostrophes join, & and + read as "and"
        ("L'azurde Company For Jewelry", "lazurde company for jewelry"),
        ("Sancus ZFS (L’Orfebre, SA)", "sancus zfs lorfebre sa"),
        ("Jiangxi Minmetals Gao'an", "jiangxi minmetals gaoan"),
        ("Heimerle + Meule GmbH", "heimerle and meule gmbh"),
        ("F & X", "f and x"),
        # transliteration, fullwidth forms
        ("KOVOHUTĚ PŘÍBRAM NÁSTUPNICKÁ, A.S.", "kovohute pribram nastupnicka as"),
        ("Feinhütte Halsbrücke GmbH", "feinhutte halsbrucke gmbh"),
        ("Tanaka Electronics（Singapore）Pte.Ltd", "tanaka electronics singapore pte ltd"),
        ("ＧＯＬＤ", "gold"),
        ("Cendres + M?taux SA", "cendres and m taux sa"),
        ("", ""),
        ("  ---  ", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded
    assert normalize_name(text).folded == folded


def test_strip_legal_forms_directly() -> None:
    assert strip_legal_forms(("foo", "gmbh", "and", "co", "kg")) == ("foo",)
    assert strip_legal_forms(("pt", "foo", "tbk")) == ("foo",)
    assert strip_legal_forms(("foo", "pt")) == ("foo", "pt")  # "PT" is a prefix-only form
    assert strip_legal_forms(("co", "ltd")) == ("co",)
    assert strip_legal_forms(("ltd",)) == ("ltd",)
    assert strip_legal_forms(()) == ()
    # pinyin syllables that cleanco lists as legal forms are kept
    assert strip_legal_forms(("rui", "da")) == ("rui", "da")
    assert strip_legal_forms(("chang", "sha")) == ("chang", "sha")




def test_generic_and_stop_words_exposed() -> None:
    for word in (
        "smelting",
        "refinery",
        "metals",
        "mining",
        "nonferrous",
        "gold",
        "tin",
        "tantalum",
        "tungsten",
        "precious",
        "group",
        "industry",
        "industrial",
        "materials",
    ):
        assert word in GENERIC_WORDS
    assert {"the", "of", "and"} <= STOP_WORDS
    assert key("Gold Refinery of Zijin Mining Group") == "gold refinery zijin mining group"


@PROPS
@given(
    st.lists(
        st.sampled_from(["foo", "bar", "co", "ltd", "pt", "gmbh", "kg", "sa", "cv", "the"]),
        max_size=6,
    )
)
def test_strip_legal_forms_keeps_a_contiguous_non_empty_part(tokens: list[str]) -> None:
    out = strip_legal_forms(tokens)
    assert bool(out) == bool(tokens)
    n = len(out)
    assert any(tuple(tokens[i : i + n]) == out for i in range(len(tokens) - n + 1))
    assert strip_legal_forms(out) == out
