"""Decisions (``smelter_match.decide``): thresholds, reasons and flags, through the matcher."""

from __future__ import annotations

import pytest

from smelter_match import Matcher


@pytest.fixture(scope="module")
def matcher(full_reference) -> Matcher:
    return Matcher(full_reference)


def test_removed_cid_is_flagged_with_successor(matcher: Matcher, full_reference) -> None:
    fac = full_reference.facilities
    row = fac[fac["removed"] & (fac["successors"] != "")].iloc[0]
    r = matcher.match_one(row["standard_name"], metal=row["metal"])
    assert r.cid == row["cid"]
    assert "removed_cid" in r.flags
    assert any(f.startswith("successor=") for f in r.flags)


def test_reported_cid_checks(matcher: Matcher) -> None:
    r = matcher.match_one("ATAkulche", metal="Gold", reported_cid="CID999999")
    assert "reported_cid_unknown" in r.flags
    r = matcher.match_one("ATAkulche", metal="Gold", reported_cid="CID000004")  # a tungsten CID
    assert any(f.startswith("reported_cid_other_metal") for f in r.flags)


def test_metal_missing_and_other_metal(matcher: Matcher, full_reference) -> None:
    r = matcher.match_one("ATAkulche")
    assert "metal_missing" in r.flags and r.cid == "CID000103"
    # a gold refiner's exact name reported as tantalum: not matched to gold, but flagged
    r = matcher.match_one("Atasay Kuyumculuk Sanayi Ve Ticaret A.S.", metal="Tantalum")
    assert r.metal in ("", "Tantalum")
    assert any(f.startswith("name_known_under_other_metal=CID000103") for f in r.flags)




def test_one_successor_flag_per_successor(matcher: Matcher, full_reference) -> None:
    """The one removal-flag rule (decide, overrides, review, annex): ``successor=CID`` each."""
    fac = full_reference.facilities
    row = fac[fac["removed"] & fac["successors"].str.contains(";")].iloc[0]
    r = matcher.match_one(row["standard_name"], metal=row["metal"])
    succ = [f.split("=", 1)[1] for f in r.flags if f.startswith("successor=")]
    assert succ == row["successors"].split(";")
