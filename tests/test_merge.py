"""Merging read RMI files into the reference's tables (``smelter_match.merge``): which list's
name, location and RMAP status a facility gets, and what the revision log may change.

Most tests load through :func:`~smelter_match.reference.load_reference` (``use_cache=False``:
the merge itself runs), as a user's files would be read.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from smelter_match.errors import ReferenceLoadError
from smelter_match.merge import FACILITY_COLUMNS, NAME_COLUMNS, in_merge_order, merge_sources
from smelter_match.reference import load_reference
from smelter_match.sources import read_source

pytestmark = pytest.mark.slow


def _without_rows(xml: Path, dst: Path, cids: set[str]) -> None:
    """A copy of a SpreadsheetML export without the rows naming ``cids``."""
    text = xml.read_text(encoding="utf-8-sig")
    for m in reversed(list(re.finditer(r"<Row>.*?</Row>\s*", text, re.S))):
        if any(f">{c}<" in m.group(0) for c in cids):
            text = text[:m.start()] + text[m.end():]
    dst.write_text(text, encoding="utf-8")


def test_rmap_status_comes_from_the_newest_copy_of_each_list(rmi_exports_dir: Path,
                                                             tmp_path: Path) -> None:
    # a conformant list of 2026-09-30 that no longer has CID000015 (conformant on 2026-08-22):
    # the older copy does not keep it conformant, whatever the order the files are given in
    later = tmp_path / "rmap-2026-09-30"
    later.mkdir()
    _without_rows(rmi_exports_dir / "CONFORMANT.xml", later / "CONFORMANT.xml", {"CID000015"})
    before = load_reference(rmi_exports_dir, use_cache=False)
    assert before.facility("CID000015", "Gold")["rmap_status"] == "Conformant"
    for sources in ((rmi_exports_dir, later), (later, rmi_exports_dir)):
        ref = load_reference(*sources, use_cache=False)
        assert ref.facility("CID000015", "Gold")["rmap_status"] == ""
        unchanged = ref.facilities["cid"] != "CID000015"
        assert ref.facilities[unchanged]["rmap_status"].tolist() == \
            before.facilities[before.facilities["cid"] != "CID000015"]["rmap_status"].tolist()


def test_a_facility_the_newest_list_carries_after_its_removal_is_not_removed(
        full_reference) -> None:
    # RMI's 2026-08-22 smelter list carries six facilities whose last revision is a removal
    fac = full_reference.facility("CID003380", "Tin")   # PT Masbro Alam Stania, Active
    assert not fac["removed"] and fac["in_latest_list"] and fac["rmap_status"] == "Active"
    # the pair feature still reads the log as the shipped model was trained on it
    assert fac["removed_in_log"]
    assert fac["last_revision"].startswith("2025-02-19 Removed")
    f = full_reference.facilities
    assert not (f["removed"] & f["in_latest_list"]).any()
    # removed since and on the conformant list only (not the smelter list): still removed
    assert full_reference.facility("CID001758", "Tin")["removed"]


def test_the_revision_logs_country_does_not_override_a_lists(
        rmi_dir: Path, rmi_exports_dir: Path) -> None:
    """With CMRT 6.5 and a newer revision log, a "Name correction" row dated after the list
    gave Mitsui Kinzoku (CID001193) the log's KOREA where every list says JAPAN, and the annex
    showed it (found by an audit against ../shared/rmi/derived): the log's country stands only
    where no list locates the facility. Its name still counts by its date (the new name)."""
    ref = load_reference(rmi_dir / "cmrt" / "RMI_CMRT_6.5_zh-display.xlsx",
                         rmi_exports_dir / "REVISIONS.xml")
    fac = ref.facilities.set_index(["cid", "metal"])
    assert fac.loc[("CID001193", "Gold"), "country"] == "JAPAN"
    assert fac.loc[("CID001193", "Gold"), "standard_name"] == "Mitsui Kinzoku Co., Ltd."
    assert (ref.facilities["country"] != "").all()   # (the log still locates what no list does)


def test_the_merge_reads_its_sources_in_date_order_whatever_order_they_come_in(
        rmi_exports_dir: Path) -> None:
    """The tables do not depend on the order the files are given in: the merge sorts them
    (old to new; at one date the revision log, then the RMAP lists, then the smelter list,
    which wins), and the reference's version lists them in the same order."""
    data = [read_source(p) for p in sorted(rmi_exports_dir.glob("*.xml"))]
    merged = merge_sources(data)
    again = merge_sources(list(reversed(data)))
    for table in ("facilities", "names", "revisions"):
        assert getattr(merged, table).equals(getattr(again, table)), table
    assert list(merged.facilities.columns) == FACILITY_COLUMNS
    assert list(merged.names.columns) == NAME_COLUMNS
    assert [d.kind for d in in_merge_order(data)][::3] == ["revisions", "lookup"]
    ref = load_reference(rmi_exports_dir, use_cache=False)
    assert [f["kind"] for f in ref.version.files] == [d.kind for d in in_merge_order(data)]
    assert ref.facilities.equals(merged.facilities) and ref.notes == tuple(merged.notes)


def test_a_merge_that_finds_no_cid_is_refused(rmi_dir: Path) -> None:
    """CMRT 2.03a alone has old-format IDs only: no facility, and the error says what to add."""
    with pytest.raises(ReferenceLoadError, match="CMRT 3.01"):
        merge_sources([read_source(rmi_dir / "cmrt" / "EICC_GeSI_CMRT_2.03a.xlsx")])
