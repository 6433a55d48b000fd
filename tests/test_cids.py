"""Smelter IDs: one rule for supplier lists, review files and override files."""

import pytest

from smelter_match.cids import cid_named, find_cids, is_cid, parse_cid, read_reported_cid


@pytest.mark.parametrize(("typed", "cid"), [
    ("CID002763", "CID002763"), (" cid 2763 ", "CID002763"), ("2763", "CID002763"),
    (2763.0, "CID002763"), ("CID002763 (Metalor)", "CID002763"), ("Cid000103", "CID000103"),
    ("", ""), (None, ""), (float("nan"), ""), ("ABC", None), ("1AUS046", None),
    ("12345678", None), ("CID", None), ("CID000873 or CID002180?", None),
    ("CID000873 (cid 873)", "CID000873"),
    # invisible characters pasted with the ID are not part of it (a soft hyphen read "CID00")
    ("CID\u200b002763", "CID002763"), ("CID00\u00ad2763", "CID002763"), ("\ufeff2763", "CID002763"),
    # "CID" and the number apart, full-width (read as nothing before: the row lost its CID)
    ("CID-001182", "CID001182"), ("CID:001182", "CID001182"), ("CID_001182", "CID001182"),
    ("CID #2763", "CID002763"), ("\uff23\uff29\uff24001182", "CID001182"),
    ("\uff23\uff29\uff24\uff10\uff10\uff11\uff11\uff18\uff12", "CID001182"),
    # a letter for a digit is another number, not the CID before it (read as CID000019 before)
    ("CID00019O", None), ("CID0001O3", None), ("see CID00019O", None),
    # digits apart are not the first group's number; a suffix is no CID (found by a review)
    ("CID 002 763", None), ("CID-2763-A", None), ("CID002763 Metalor", "CID002763"),
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


@pytest.mark.parametrize(("cell", "read"), [
    ("CID-001182", ("CID001182", "")), ("", ("", "")), (None, ("", "")), ("N/A", ("", "")),
    ("-", ("", "")), ("unknown", ("", "")), ("1AUS046", ("", "1AUS046")),
    ("CID00019O", ("", "CID00019O")), (" 12345678 ", ("", "12345678")),
])
def test_a_reported_cid_cell_that_is_no_cid_is_kept_when_it_says_something(
        cell: object, read: tuple[str, str]) -> None:
    assert read_reported_cid(cell) == read


@pytest.mark.parametrize(("name", "cid"), [
    ("CID002763", "CID002763"), (" cid 2763", "CID002763"), ("\uff23\uff29\uff24002763", "CID002763"),
    ("8853", ""), ("2763", ""), ("Metalor CID002763", ""), ("CID002763 (Metalor)", ""), ("", ""),
])
def test_a_name_cell_holding_only_a_cid(name: str, cid: str) -> None:
    assert cid_named(name) == cid
