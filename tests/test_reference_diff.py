"""The diff between two RMI references (``smelter_match.reference_diff``) and ``reference diff``."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from smelter_match import cli
from smelter_match.reference import Reference, load_reference
from smelter_match.reference_diff import diff_references

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def diff_601_2026(rmi_dir: Path, rmi_exports_dir: Path) -> pd.DataFrame:
    old = load_reference(rmi_dir / "cmrt" / "RMI_CMRT_6.01_zh-display.xlsx")
    new = load_reference(rmi_exports_dir)
    return diff_references(old, new)


def _change(diff: pd.DataFrame, kind: str, cid: str) -> dict:
    rows = diff[(diff["change"] == kind) & (diff["cid"] == cid)]
    assert len(rows) == 1, (kind, cid)
    return rows.iloc[0].to_dict()


def test_diff_601_to_2026_plausible(diff_601_2026: pd.DataFrame) -> None:
    d = diff_601_2026
    counts = d["change"].value_counts().to_dict()
    assert set(counts) == {"added", "removed", "dropped_from_list", "renamed", "moved"}
    assert 50 <= counts["added"] <= 200 and 20 <= counts["removed"] <= 120
    assert _change(d, "renamed", "CID000035") == {
        "change": "renamed", "cid": "CID000035", "metal": "Gold",
        "old": "Allgemeine Gold-und Silberscheideanstalt A.G.", "new": "Agosi AG"}
    assert _change(d, "renamed", "CID000082") == {
        "change": "renamed", "cid": "CID000082", "metal": "Gold",
        "old": "Asahi Pretec Corp.", "new": "ASAHI METALFINE, Inc."}
    assert _change(d, "removed", "CID000092")["new"].startswith("2021-07-06 No longer")
    assert _change(d, "added", "CID000313")["new"] == "PT Premium Tin Indonesia"
    assert _change(d, "dropped_from_list", "CID000211")["metal"] == "Tantalum"
    assert _change(d, "moved", "CID000176") == {
        "change": "moved", "cid": "CID000176", "metal": "Gold",
        "old": "Pforzheim, GERMANY", "new": "Wimsheim, GERMANY"}
    # History known only from the 2026 revision log is not "added" (removed in 2016)
    assert "CID000028" not in set(d["cid"])
    # No RMAP list on the 6.01 side: no status rows; country spelling alone is not a move
    moved = d[d["change"] == "moved"]
    assert not moved["new"].str.endswith("NORTH MACEDONIA, REPUBLIC OF").any()



def test_cli_diff_table_and_csv(rmi_dir: Path, rmi_exports_dir: Path, tmp_path: Path,
                                diff_601_2026: pd.DataFrame,
                                capsys: pytest.CaptureFixture[str]) -> None:
    out_csv = tmp_path / "diff.csv"
    old = str(rmi_dir / "cmrt" / "RMI_CMRT_6.01_zh-display.xlsx")
    assert cli.main(["reference", "diff", old, str(rmi_exports_dir), "--csv", str(out_csv),
                     "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert re.search(rf"^renamed\s+{(diff_601_2026['change'] == 'renamed').sum()}$", out, re.M)
    assert "... " in out and "more (see --csv)" in out
    written = pd.read_csv(out_csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(written.columns) == ["change", "cid", "metal", "old", "new"]
    assert len(written) == len(diff_601_2026)
    # --old/--new add files to either side
    assert cli.main(["reference", "diff", "--old", old,
                     "--new", str(rmi_exports_dir / "CMRT.xml"),
                     "--new", str(rmi_exports_dir / "REVISIONS.xml")]) == 0
    assert "Agosi AG" in capsys.readouterr().out


def test_diff_reports_reinstated_facilities_and_compares_status_only_between_like_lists(
        rmi_exports_dir: Path) -> None:
    e = rmi_exports_dir
    old = load_reference(e / "CMRT.xml", e / "REVISIONS.xml", e / "CONFORMANT.xml")
    new = load_reference(e / "CMRT.xml", e / "REVISIONS.xml", e / "CONFORMANT.xml",
                         e / "ACTIVE.xml")
    assert diff_references(old, new).empty   # the active list on one side only is no change
    # a facility removed on the old side and not on the new is a change an analyst must see
    a = old.facilities.copy()
    key = (a["cid"] == "CID000313") & (a["metal"] == "Tin")
    a.loc[key, ["removed", "removed_date"]] = [True, "2019-10-15"]
    old_removed = Reference(a, old.names, old.revisions, old.version)
    d = diff_references(old_removed, old)
    assert d[["change", "cid"]].values.tolist() == [["reinstated", "CID000313"]]
    assert d.iloc[0]["old"] == "removed 2019-10-15"
    # ... if the new side can tell: without a revision log nothing reads as removed there
    no_log = load_reference(e / "CMRT.xml", e / "CONFORMANT.xml")
    assert "reinstated" not in set(diff_references(old_removed, no_log)["change"])


def test_a_facility_new_on_the_smelter_list_is_added_though_the_old_side_knew_it(
        rmi_dir: Path, rmi_exports_dir: Path) -> None:
    # the old side knew CID003380 from the active list, not from its smelter list (CMRT 6.5)
    e, c = rmi_exports_dir, rmi_dir / "cmrt" / "RMI_CMRT_6.5_zh-display.xlsx"
    old = load_reference(c, e / "CONFORMANT.xml", e / "ACTIVE.xml")
    new = load_reference(c, e / "CMRT.xml", e / "CONFORMANT.xml", e / "ACTIVE.xml")
    assert not old.facility("CID003380", "Tin")["in_latest_list"]
    assert _change(diff_references(old, new), "added", "CID003380")["new"] == \
        "PT Masbro Alam Stania"


def test_added_means_on_the_new_smelter_list(diff_601_2026: pd.DataFrame,
                                             rmi_exports_dir: Path) -> None:
    new = load_reference(rmi_exports_dir)
    added = diff_601_2026[diff_601_2026["change"] == "added"]
    on_list = set(new.facilities.loc[new.facilities["in_latest_list"], "cid"])
    assert set(added["cid"]) <= on_list


def test_removed_means_on_the_old_list_and_removed_since(rmi_dir: Path, full_reference) -> None:  # noqa: ANN001
    """Old side: every CMRT (no revision log); new side: the same with RMI's 2026 exports.
    "removed" counted every facility the new log marks removed, also those removed years
    before the old list and absent from it (107 against ~24; found by an audit); a facility of
    the old list the new side does not know at all is "dropped_from_list", as one it knows."""
    old = load_reference(rmi_dir / "cmrt")
    diff = diff_references(old, full_reference)
    removed = diff[diff["change"] == "removed"]
    on_old_list = old.facilities.set_index(["cid", "metal"])["in_latest_list"]
    assert len(removed) and all(on_old_list[(c, m)] for c, m in zip(removed["cid"], removed["metal"]))
    assert not ((diff["change"] == "removed") & (diff["new"] == "")).any()
    gone = diff_references(load_reference(rmi_dir / "cmrt" / "RMI_CMRT_6.01_zh-display.xlsx"),
                           load_reference(rmi_dir / "exports-2026-08-22"))
    assert not ((gone["change"] == "removed") & (gone["new"] == "")).any()
    assert {"CID000651", "CID002459"} <= set(gone.loc[gone["change"] == "dropped_from_list", "cid"])
