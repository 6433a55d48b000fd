"""Placeholder cells (``smelter_match.placeholders``): texts that name no facility."""

from __future__ import annotations

import pytest

from smelter_match import Matcher
from smelter_match.normalize import normalize_name
from smelter_match.placeholders import no_letters, placeholder_text


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
