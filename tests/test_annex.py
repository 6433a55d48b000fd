"""The filing annex (``smelter_match.annex``)."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from _review_data import make_results

from smelter_match.annex import ANNEX_COLUMNS, build_annex, left_to_review, write_annex
from smelter_match.errors import ReferenceWarning
from smelter_match.reference import NOT_CHECKED, Reference, load_reference


@pytest.fixture
def reference(exports_reference: Reference) -> Reference:
    """RMI's 2026-08-22 exports (the CIDs of ``_review_data`` are real facilities there)."""
    return exports_reference

# ------------------------------------------------------------------------------------------------
# annex


def test_annex_deduplicates_counts_and_sorts(reference: Reference) -> None:
    results = make_results()
    annex = build_annex(results, reference)
    assert annex.columns.tolist() == list(ANNEX_COLUMNS)
    assert annex["cid"].tolist() == ["CID000015", "CID001105"]
    acc = annex.iloc[0]
    # reported by "Acme Corp" (a.xlsx) and "ACME CORP" (c.xlsx): one supplier, two rows
    assert (acc["metal"], acc["smelter_name"], acc["rows"], acc["suppliers"]) == (
        "Gold", "Advanced Chemical Company", 2, 1)
    assert acc["country"] == "UNITED STATES OF AMERICA" and acc["rmap_status"] == "Conformant"
    msc = annex.iloc[1]
    assert msc["rmap_status"] == "Unknown"  # on neither list
    assert msc["flags"] == "removed_cid;removed=2026-02-02"


def test_annex_without_reference_and_status_words() -> None:
    results = make_results()
    results.loc[results["Smelter Name"] == "Advanced Chemical Co", "rmap_status"] = "Active"
    results.loc[results["Smelter Name"] == "Malaysia Smelting Corp", "rmap_status"] = ""
    results.loc[results["Smelter Name"] == "Malaysia Smelting Corp", "flags"] = (
        "removed_cid;successor=CID000001;low_margin")
    results.loc[:, "supplier_company"] = ""  # fall back to source_file
    annex = build_annex(results).set_index("cid")
    assert annex.loc["CID000015", "rmap_status"] == "Active"
    assert annex.loc["CID000015", "suppliers"] == 2  # a.xlsx and c.xlsx
    assert annex.loc["CID001105", "rmap_status"] == "Unknown"
    assert annex.loc["CID001105", "flags"] == "removed_cid;successor=CID000001"
    assert annex.loc["CID001105", "smelter_name"] == "Malaysia Smelting Corporation (MSC)"


def test_annex_sorting_metal_then_name(reference: Reference) -> None:
    results = make_results()
    results.loc[results["decision"] == "review", "decision"] = "match"
    annex = build_annex(results, reference)
    assert annex["metal"].tolist() == sorted(annex["metal"])
    for _, grp in annex.groupby("metal"):
        assert grp["smelter_name"].str.casefold().tolist() == sorted(
            grp["smelter_name"].str.casefold())
    assert set(annex["metal"]) == {"Gold", "Tin", "Tungsten"}
    assert annex["cid"].is_unique


def test_annex_unknown_cid_and_empty(reference: Reference) -> None:
    results = make_results()
    results.loc[results["Smelter Name"] == "Advanced Chemical Co", "cid"] = "CID999999"
    annex = build_annex(results, reference).set_index("cid")
    assert annex.loc["CID999999", "flags"] == "not_in_reference"
    empty = build_annex(results[results["decision"] == "no_match"], reference)
    assert empty.empty and empty.columns.tolist() == list(ANNEX_COLUMNS)


def test_annex_file_bom_neutralised_deterministic(tmp_path: Path, reference: Reference) -> None:
    results = make_results()
    # a supplier text cell never reaches the annex, but a hostile standard name would be defused
    results.loc[results["Smelter Name"] == "Advanced Chemical Co", "standard_name"] = "@SUM(1)"
    annex = build_annex(results)
    write_annex(annex, tmp_path / "a.csv")
    write_annex(build_annex(results.copy()), tmp_path / "b.csv")
    raw = (tmp_path / "a.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8) and raw == (tmp_path / "b.csv").read_bytes()
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(ANNEX_COLUMNS)
    assert "'@SUM(1)" in text
    write_annex(build_annex(results, reference), tmp_path / "c.csv")
    write_annex(build_annex(results, reference), tmp_path / "d.csv")
    assert (tmp_path / "c.csv").read_bytes() == (tmp_path / "d.csv").read_bytes()




def test_annex_flags_facilities_off_the_newest_list_and_says_not_checked(
        reference: Reference, rmi_exports_dir: Path) -> None:
    results = make_results()
    # CID000211 (Tantalum) is on RMI's conformant list of 2026-08-22 but not its smelter list
    results.loc[results["Smelter Name"] == "Advanced Chemical Co", ["cid", "metal"]] = \
        ["CID000211", "Tantalum"]
    annex = build_annex(results, reference).set_index("cid")
    assert annex.loc["CID000211", "flags"] == "not_in_latest_list"
    assert annex.loc["CID000211", "rmap_status"] == "Conformant"
    # a reference without RMAP lists cannot say a facility is on neither list
    with pytest.warns(ReferenceWarning):
        bare = load_reference(rmi_exports_dir / "CMRT.xml", rmi_exports_dir / "REVISIONS.xml",
                              use_cache=False)
    assert set(build_annex(make_results(), bare)["rmap_status"]) == {NOT_CHECKED}


def test_rows_left_to_review_are_counted(reference: Reference) -> None:
    results = make_results()
    waiting = int((results["decision"] == "review").sum())
    assert waiting and left_to_review(results) == waiting
    assert not set(build_annex(results, reference)["cid"]) & set(
        results.loc[results["decision"] == "review", "cid"]) - set(
        results.loc[results["decision"] == "match", "cid"])
