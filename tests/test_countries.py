"""Tests for smelter_match.countries: country cells as suppliers and RMI write them, read as ISO
codes (names, codes, aliases, other scripts, lookalike letters), and what is no country."""

from __future__ import annotations

import pycountry
import pytest
from _support import DERIVED_DIR, SEED, distinct_values, seed_table_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smelter_match.countries import COUNTRY_WORDS, is_place_name, normalize_country

REFERENCE = DERIVED_DIR / "reference.csv"
HISTORY = DERIVED_DIR / "reference_history.csv"
needs_shared = pytest.mark.skipif(not REFERENCE.is_file(), reason="../shared/rmi not present")
ALPHA_2 = frozenset(c.alpha_2 for c in pycountry.countries)
PROPS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: What a spreadsheet cell can hold.
CELLS = st.one_of(st.none(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                  st.booleans(), st.binary(), st.text(),
                  st.text(alphabet=st.characters(codec="utf-8")))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("KOREA, REPUBLIC OF", "KR"),
        ("KOREA (REPUBLIC OF)", "KR"),
        ("South Korea", "KR"),
        ("Republic of Korea", "KR"),
        ("KOREA, DEMOCRATIC PEOPLE'S REPUBLIC OF", "KP"),
        ("VIET NAM", "VN"),
        ("VIETNAM", "VN"),
        ("TAIWAN, PROVINCE OF CHINA", "TW"),
        ("Taiwan", "TW"),
        ("BOLIVIA (plurinational state of)", "BO"),
        ("RUSSIAN FEDERATION", "RU"),
        ("Russia", "RU"),
        ("United States", "US"),
        ("UNITED STATES OF AMERICA", "US"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("Columbia", "CO"),
        ("UK", "GB"),
        ("UNITED KINGDOM OF GREAT BRITAIN AND NORTHERN IRELAND", "GB"),
        ("Hong Kong", "HK"),
        ("Czech Republic", "CZ"),
        ("CZECHIA", "CZ"),
        ("Turkey", "TR"),
        ("Türkiye", "TR"),
        ("Iran", "IR"),
        ("Tanzania", "TZ"),
        ("TANZANIA, UNITED REPUBLIC OF", "TZ"),
        ("Lao", "LA"),
        ("LAO PEOPLE'S DEMOCRATIC REPUBLIC", "LA"),
        ("Congo, Democratic Republic of the", "CD"),
        ("Swaziland", "SZ"),
        ("NORTH MACEDONIA, Republic", "MK"),
        ("VENEZUELA (BOLIVARIAN REPUBLIC OF)", "VE"),
        ("  china ", "CN"),
        ("CN", "CN"),
        ("chn", "CN"),
        ("ＣＨＩＮＡ", "CN"),
        ("Ch\u200bina", "CN"),
        # other scripts, compared as written
        ("中国", "CN"), ("中國", "CN"), ("（中国）", "CN"), ("日本", "JP"), ("한국", "KR"),
        ("台灣", "TW"), ("香港", "HK"), ("Россия", "RU"), ("ประเทศไทย", "TH"),
        ("Nederland", "NL"), ("Chine", "CN"), ("S. Korea", "KR"), ("Czech Rep.", "CZ"),
        ("Hong Kong SAR, China", "HK"), ("Congo (DRC)", "CD"),
    ],
)
def test_normalize_country(text: str, code: str) -> None:
    assert normalize_country(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "",
        "-",
        "  ",
        "N/A",
        "unknown",
        "57.117.114",
        "Guiu",
        "INDONESIA INDONESIA",
        None,
        float("nan"),
        3,
    ],
)
def test_normalize_country_unknown(text: object) -> None:
    assert normalize_country(text) is None


@pytest.mark.parametrize(("text", "code"), [
    ("Jiangsu, China", "CN"), ("Fukushima, Japan", "JP"), ("Japan (Aizu)", "JP"),
    ("China - Yunnan", "CN"), ("Peru / Lima", "PE"), ("Zhuzhou, Hunan, PRC", "CN"),
    ("USA (California)", "US"), ("江苏省, 中国", "CN"), ("Korea, Republic of (South Korea)", "KR"),
    # two countries, a code that may be a province's, no country at all: none
    ("Taiwan, China", None), ("USA / Mexico", None), ("Lima, PE", None), ("Georgia, USA", None),
    ("Guangdong", None), ("Jiangsu", None),
    # a US state's code beside a town that is also a country, Hong Kong beside China (found by
    # a review of this session's changes)
    ("Lebanon, PA", None), ("Peru, IN", None), ("China, ME", None), ("HKSAR, China", None),
    ("HKSAR", "HK"),
])
def test_a_province_or_city_beside_the_country_is_read_past(text: str, code: str | None) -> None:
    """"Jiangsu, China" was no country: the matcher read the row as reported without one (a
    supplier's "Fukushima, Japan" was then matched to a removed CID the bare "Japan" reviews:
    found by an audit)."""
    assert normalize_country(text) == code


def test_every_iso_country_name_parses() -> None:
    for c in pycountry.countries:
        assert normalize_country(getattr(c, "common_name", None) or c.name) == c.alpha_2


@needs_shared
def test_every_reference_country_parses() -> None:
    countries = distinct_values(REFERENCE, "country") | distinct_values(HISTORY, "country")
    unparsed = sorted(c for c in countries if c.strip() and normalize_country(c) is None)
    assert unparsed == []


SEED_NON_COUNTRIES = {
    "",
    "-",
    "57.117.114",
    "INDONESIA INDONESIA",
    "BOLIVIA (plurinational state of) TAIWAN, PROVINCE OF CHINA",
}


@pytest.mark.skipif(not SEED.is_file(), reason="../shared/seeds not present")
def test_every_seed_country_parses() -> None:
    cells = set()
    for fields in seed_table_rows():
        if len(fields) == 3:  # name, country, metal
            cells.add(fields[1])
        elif len(fields) == 2:  # country, metal (the name cell went elsewhere)
            cells.add(fields[0])
    countries = cells - SEED_NON_COUNTRIES
    assert len(countries) > 50
    assert sorted(c for c in countries if normalize_country(c) is None) == []
    for junk in SEED_NON_COUNTRIES:
        assert normalize_country(junk) is None


@pytest.mark.parametrize(("text", "code"), [
    ("中国 China", "CN"), ("China（中国）", "CN"), ("中国\n", "CN"), ("Ｃｈｉｎａ 中国", "CN"),
    ("China 日本", None), ("Perú", "PE"), ("香港特别行政区", "HK"), ("Macau SAR", "MO"),
    ("\u0421hina", "CN"), ("\u0422\u0410\u0406WAN", "TW"),    # Cyrillic lookalikes in Latin text
])
def test_a_country_written_in_two_languages_counts_when_both_agree(text: str, code: str | None
                                                                    ) -> None:
    assert normalize_country(text) == code


def test_country_names_in_other_scripts_add_no_country_words() -> None:
    """"中国" is matched as written: its romanisation ("Zhong Guo") is words of company names,
    not a country, and no such word joins the country words that features leave aside."""
    assert normalize_country("Zhong Guo") is None
    assert not {"zhong", "guo", "ri", "ben", "xiang", "gang"} & COUNTRY_WORDS


@PROPS
@given(CELLS)
def test_normalize_country_is_total(obj: object) -> None:
    code = normalize_country(obj)
    assert code is None or code in ALPHA_2


@pytest.mark.parametrize(("folded", "place"), [
    ("germany", True), ("usa", True), ("hunan", True), ("hunan sheng", True),
    ("jiangsu province", True), ("osaka fu", True), ("ningxia", True), ("guam", True),
    ("tt", False), ("cn", False), ("minsur", False), ("yunnan tin", False), ("", False),
])
def test_a_place_is_a_country_or_a_province_with_or_without_its_kind(folded: str,
                                                                       place: bool) -> None:
    assert is_place_name(folded) is place


def test_the_provinces_are_read_from_pycountrys_data_as_its_objects_give_them() -> None:
    """Read from pycountry's JSON file (a process's first searched name waits for it): the same
    names, in the same order, as pycountry's objects."""
    from smelter_match.countries import subdivision_names

    assert subdivision_names() == [s.name for s in pycountry.subdivisions]

