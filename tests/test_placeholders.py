"""Placeholder cells (``smelter_match.placeholders``): texts that name no facility."""

from __future__ import annotations

import pytest

from smelter_match import Matcher
from smelter_match.normalize import normalize_name
from smelter_match.placeholders import names_no_business, no_letters, placeholder_text


@pytest.mark.parametrize("text", [
    "Smelter not listed", "N/A", "Not a 3TG smelter", "no 3TG", "No 3TG used in our products",
    "please see tab 2", "Refer to tab Smelter List", "Confidential", "Unknown (China)",
    "Unknown smelter in Hong Kong", "Supplier declined to disclose", "not-applicable",
    "Proprietary",
    # damaged by OCR ("rn" for "m") or a typing slip
    "Not a 3TG srnelter", "Not a 3TG dmelter", "Confidentiakl", "Smelter not discolsed",
])
def test_placeholder_texts_name_no_facility(text: str) -> None:
    assert placeholder_text(normalize_name(text)), text


@pytest.mark.parametrize("text", [
    # a facility name with a note keeps its distinctive words and is searched
    "Jiangxi Copper (not listed)", "unknown Jiangxi", "Korea Metal Co., Ltd.", "Tin",
    # a name close to a filler word is not damaged filler ("material")
    "Materion (not listed)", "Unknown Materion",
    # a business word is evidence for the model's kind band, not a placeholder
    "Not a smelter, distributor",
])
def test_names_with_something_distinctive_are_not_placeholders(text: str) -> None:
    assert not placeholder_text(normalize_name(text)), text


def test_no_rmi_name_is_placeholder_text(full_reference) -> None:
    names = full_reference.names["name"].tolist() + full_reference.facilities["standard_name"].tolist()
    assert [n for n in names if placeholder_text(normalize_name(n))] == []


def test_a_cell_without_letters_names_no_facility_unless_rmi_has_it(full_reference) -> None:  # noqa: ANN001
    matcher = Matcher(full_reference)
    ni = matcher.index
    for text in ("3.5", "853", "88.53", "0", "123456", "3,5", "=1+1", "1 & 2", "-2+3"):
        assert no_letters(normalize_name(text), ni), text
    # RMI's one name of digits ("8853 S.p.A." is "8853"), and names with a letter, are searched
    for text in ("8853", "8853 S.p.A.", "24K", "Tin", "", "OOO 1", "1 Ltd."):
        assert not no_letters(normalize_name(text), ni), text
    r = matcher.match_one("853", metal="Gold")
    assert (r.decision, r.reason, r.candidates) == ("no_match", "not a name (no letters)", ())
    assert matcher.match_one("8853", metal="Gold").decision == "match"


@pytest.mark.parametrize(("text", "plain"), [
    ("Germany", True), ("United States", True), ("Tonga", True), ("Hunan", True),
    ("Hunan Co., Ltd.", True), ("Jiangsu Province", True), ("Osaka", True), ("Corp.", True),
    ("GmbH", True), ("有限公司", True), ("Unit 1", True), ("Gold Refinery", True), ("Do", True),
    # ("TT": matched still, as exactly an RMI name); a name of its own, a province with a
    # business word
    ("TT", True), ("Minsur", False), ("Asahi", False), ("Yunnan Tin", False),
    ("Jiangxi Copper", False), ("Meta Materials", False), ("", False),
])
def test_a_name_that_is_only_a_place_or_company_forms(text: str, plain: bool) -> None:
    assert names_no_business(normalize_name(text)) is plain


def test_a_place_or_company_form_alone_is_never_matched_on_likeness(full_reference) -> None:  # noqa: ANN001
    """"Germany" was matched to Heraeus Germany GmbH at 0.96, "Tonga" to Rui Da Hung (RMI's "Da
    Tong"), "Corp." to Asahi Metalfine, "Unit 1" to an Indian refinery's unit 1 (found by an
    audit of the API): such a name says where or what kind, not which business. Reviewed, with
    the candidate proposed; an RMI name that is such a text exactly still matches."""
    m = Matcher(full_reference)
    for name, metal in (("Germany", "Gold"), ("Tonga", "Tin"), ("Corp.", "Gold"),
                        ("Unit 1", "Gold"), ("Hunan", "Tantalum"), ("United States", "Gold")):
        r = m.match_one(name, metal=metal)
        assert r.decision == "review" and r.cid, (name, r)
        assert "the name says where or what kind of business, not which" in r.reason, r
    assert m.match_one("Industrial Refining Company", metal="Gold").decision == "match"
    assert m.match_one("8853 S.p.A.", metal="Gold").decision == "match"
    # "nan" (what astype(str) writes for a missing value) was Yunnan Tin at 0.93 (found by a
    # review of this session's changes): a placeholder
    for missing in ("nan", "NaN", "NAN", "null"):
        assert m.match_one(missing, metal="Tin").reason == "not a smelter (placeholder text)"
