"""Smelter IDs: one rule for supplier lists, review files and override files."""

import pytest

from smelter_match.cids import find_cids, is_cid, parse_cid


@pytest.mark.parametrize(("typed", "cid"), [
    ("CID002763", "CID002763"), (" cid 2763 ", "CID002763"), ("2763", "CID002763"),
    (2763.0, "CID002763"), ("CID002763 (Metalor)", "CID002763"), ("Cid000103", "CID000103"),
    ("", ""), (None, ""), (float("nan"), ""), ("ABC", None), ("1AUS046", None),
    ("12345678", None), ("CID", None), ("CID000873 or CID002180?", None),
    ("CID000873 (cid 873)", "CID000873"),
    # invisible characters pasted with the ID are not part of it (a soft hyphen read "CID00")
    ("CID\u200b002763", "CID002763"), ("CID00\u00ad2763", "CID002763"), ("\ufeff2763", "CID002763"),
])
def test_parse_cid_is_the_one_rule(typed: object, cid: str | None) -> None:
    assert parse_cid(typed) == cid


@pytest.mark.parametrize(("typed", "cid"), [
    ("CID002763", "CID002763"), (" cid 2763 ", "CID002763"), ("2763", "CID002763"), ("", ""),
    ("CID002763 (Metalor)", None), ("not sure, maybe CID000873", None),
])
def test_a_cid_alone_is_the_cid_and_nothing_else(typed: object, cid: str | None) -> None:
    """An analyst's answer (``alone``): a note beside the CID is refused, not read past."""
    assert parse_cid(typed, alone=True) == cid


def test_canonical_cids() -> None:
    assert is_cid("CID000103") and not is_cid("CID103") and not is_cid("cid000103")
    assert find_cids("Facility-level reporting, see Smelter IDs: CID002568; CID002539") == [
        "CID002568", "CID002539"]
