"""Applying a filled review (``smelter_match.review_apply``): the analyst round trip and its checks.

Results are the synthetic frame of ``tests/_review_data.py``; the reference is RMI's 2026-08-22
export (fixture ``exports_reference``).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
from _review_data import (
    INJECTION,
    WHEN,
    analyst_answers,
    fill,
    make_results,
    one_name_twice,
    rid,
)

from smelter_match.annex import build_annex
from smelter_match.errors import InputError, ReviewError
from smelter_match.overrides import OVERRIDE_COLUMNS, find_override
from smelter_match.reference import Reference
from smelter_match.results import make_row_ids
from smelter_match.review import (
    read_review,
    write_review,
)
from smelter_match.review_apply import apply_review


@pytest.fixture
def reference(exports_reference: Reference) -> Reference:
    """RMI's 2026-08-22 exports (the CIDs of ``_review_data`` are real facilities there)."""
    return exports_reference

# ------------------------------------------------------------------------------------------------
# apply_review: the analyst round trip


def test_round_trip_through_files(tmp_path: Path, reference: Reference) -> None:
    results = make_results()
    review = write_review(results, tmp_path / "review.csv")
    filled = fill(read_review(tmp_path / "review.csv"), analyst_answers(results))
    filled.to_csv(tmp_path / "filled.csv", index=False, encoding="utf-8-sig")  # as Excel saves
    updated, overrides, report = apply_review(tmp_path / "filled.csv", results, reference,
                                              decided_at=WHEN)
    changes = report.pop("changes")
    assert report == {"rows": len(review), "accept": 1, "other": 1, "not_a_smelter": 1,
                      "unsure": 1, "not_reviewed": 1, "changed": 3, "overrides": 4,
                      "override_conflicts": [], "override_other_metal": [],
                          "override_nameless": [], "override_unread_country": []}
    # what changed, row by row, in results order (for the CLI to print)
    assert [(c["reported_name"], c["before"], c["after"], c["verdict"]) for c in changes] == [
        ("Aida Chem", "review CID000019", "match CID000019", "accept"),
        ("Abington | Reldan", "review CID002708", "match CID000015", "other"),
        (INJECTION, "review CID000015", "no_match", "not_a_smelter"),
    ]
    assert changes[0]["source_file"] == "a.xlsx" and changes[0]["source_row"] == "6"
    assert updated.columns.tolist() == results.columns.tolist()
    u = updated.set_index("row_id")

    aida = u.loc[rid(results, "Aida Chem")]
    assert (aida["decision"], aida["cid"], aida["score"]) == ("match", "CID000019", 1.0)
    assert aida["reason"] == "analyst review: accept"
    assert aida["flags"] == "analyst_reviewed"
    assert aida["standard_name"] == "Aida Chemical Industries Co., Ltd."
    assert aida["country"] == "JAPAN" and aida["rmap_status"] == "Conformant"
    assert aida["reference_version"] == reference.version.stamp

    abi = u.loc[rid(results, "Abington | Reldan")]
    assert (abi["decision"], abi["cid"]) == ("match", "CID000015")
    assert abi["standard_name"] == "Advanced Chemical Company"
    assert abi["reason"] == "analyst review: other"

    junk = u.loc[rid(results, INJECTION)]
    assert (junk["decision"], junk["cid"], junk["standard_name"]) == ("no_match", "", "")
    assert junk["reason"] == "analyst review: not_a_smelter"
    assert junk["metal"] == "Gold"

    tin = u.loc[rid(results, "China Tin")]
    assert (tin["decision"], tin["cid"]) == ("review", "CID001070")
    assert tin["reason"] == "analyst review: unsure" and "analyst_reviewed" in tin["flags"]

    blank = u.loc[rid(results, "Tungsten guys")]
    pd.testing.assert_series_equal(blank, results.set_index("row_id").loc[blank.name])
    # rows not in the review are untouched
    untouched = results["decision"] != "review"
    pd.testing.assert_frame_equal(updated[untouched], results[untouched])

    # overrides: keyed names, decided metal and CID, unsure kept (no CID), not for blank rows
    assert overrides.columns.tolist() == list(OVERRIDE_COLUMNS)
    o = overrides.set_index("reported_name")
    assert set(o.index) == {"Aida Chem", "Abington | Reldan", INJECTION, "China Tin"}
    assert (o.loc["China Tin", "verdict"], o.loc["China Tin", "cid"]) == ("unsure", "")
    assert o.loc["Abington | Reldan", "cid"] == "CID000015"
    assert o.loc["Abington | Reldan", "verdict"] == "other"
    assert o.loc[INJECTION, "verdict"] == "not_a_smelter" and o.loc[INJECTION, "cid"] == ""
    assert o.loc[INJECTION, "comment"] == "=junk"
    assert (overrides["decided_at"] == WHEN).all()
    assert (overrides["source"] == "analyst_review").all()
    assert o["metal"].to_dict() == {"Aida Chem": "Gold", "Abington | Reldan": "Gold",
                                    INJECTION: "Gold", "China Tin": "Tin"}
    # the country the analyst saw (ISO code; "-Japan" read as Japan) and the reference checked
    assert o.loc["Aida Chem", "country"] == "JP" and o.loc["Abington | Reldan", "country"] == "US"
    assert o.loc[INJECTION, "country"] == "JP"
    assert (overrides["reference_version"] == reference.version.stamp).all()
    assert find_override(overrides, "AIDA CHEM.", "gold")["cid"] == "CID000019"
    assert find_override(overrides, "Aida Chem", "gold", "JAPAN")["cid"] == "CID000019"
    assert find_override(overrides, "Aida Chem", "gold", "China") is None  # another country
    assert find_override(overrides, "Aida Chem", "Tin") is None
    assert find_override(overrides, "Aida Chemical", "Gold") is None  # another name

    # annex after the review: the newly matched facilities are in it
    annex = build_annex(updated, reference)
    assert {"CID000019", "CID000015"} <= set(annex["cid"])
    assert "CID001070" not in set(annex["cid"])  # still under review


def test_apply_review_is_idempotent(reference: Reference) -> None:
    results = make_results()
    filled = fill(write_review(results, None), analyst_answers(results))
    once, o1, _ = apply_review(filled, results, reference, decided_at=WHEN)
    twice, o2, report = apply_review(filled, once, reference, decided_at=WHEN)
    pd.testing.assert_frame_equal(once, twice)
    pd.testing.assert_frame_equal(o1, o2)
    assert report["changed"] == 0


def test_apply_review_accept_with_analyst_cid_and_removed_successor_flags(
        reference: Reference) -> None:
    results = make_results()
    filled = fill(write_review(results, None), {
        # accept with an explicit CID; the new CID is removed in the 2026 list
        rid(results, "China Tin"): ("accept", "CID001105", ""),
    })
    updated, _, _ = apply_review(filled, results, reference, decided_at=WHEN)
    row = updated.set_index("row_id").loc[rid(results, "China Tin")]
    assert row["cid"] == "CID001105" and row["decision"] == "match"
    assert row["flags"] == "analyst_reviewed;removed_cid"
    assert row["rmap_status"] == ""


def test_accept_is_the_proposal_the_analyst_saw_not_the_results_cid_now(
        reference: Reference) -> None:
    """Results matched again after the review was written (another reference, a new model)
    may propose another CID: ``accept`` still means the review's ``proposed_cid``."""
    results = make_results()
    filled = fill(write_review(results, None), {rid(results, "Aida Chem"): ("accept", "", "")})
    rematched = results.copy()
    at = rematched["row_id"] == rid(results, "Aida Chem")
    rematched.loc[at, ["cid", "standard_name"]] = ["CID000015", "Advanced Chemical Company"]
    updated, overrides, _ = apply_review(filled, rematched, reference, decided_at=WHEN)
    assert updated.loc[at, "cid"].iloc[0] == "CID000019"
    assert overrides["cid"].tolist() == ["CID000019"]


def test_a_decided_row_keeps_only_the_flags_about_what_the_supplier_reported(
        reference: Reference) -> None:
    """The matcher's doubts (another candidate the country points to, a shared name part) are
    answered by the analyst; the flags about the supplier's row (no metal, an unknown reported
    CID) stay, and the decided facility's own removal flags are added."""
    results = make_results()
    doubts = "metal_missing;country_points_to=CID002708;name_part_of=CID000015;reported_cid_unknown"
    for name in ("Aida Chem", "Abington | Reldan"):
        results.loc[results["Smelter Name"] == name, "flags"] = doubts
    filled = fill(write_review(results, None), {
        rid(results, "Aida Chem"): ("accept", "", ""),
        rid(results, "Abington | Reldan"): ("not_a_smelter", "", "")})
    updated, _, _ = apply_review(filled, results, reference, decided_at=WHEN)
    flags = updated.set_index("row_id")["flags"]
    assert flags[rid(results, "Aida Chem")] == "metal_missing;reported_cid_unknown;analyst_reviewed"
    assert flags[rid(results, "Abington | Reldan")] == \
        "metal_missing;reported_cid_unknown;analyst_reviewed"


def test_apply_review_accept_in_blind_review_needs_cid(reference: Reference) -> None:
    results = make_results()
    blind = write_review(results, None, blind=True)
    ok = fill(blind, {rid(results, "Aida Chem"): ("accept", "CID000019", "")})
    updated, _, report = apply_review(ok, results, reference, decided_at=WHEN)
    assert report["accept"] == 1
    assert updated.set_index("row_id").loc[rid(results, "Aida Chem"), "decision"] == "match"
    bad = fill(blind, {rid(results, "Aida Chem"): ("accept", "", "")})
    with pytest.raises(ReviewError, match="blind review"):
        apply_review(bad, results, reference)


def test_apply_review_on_sampled_no_match_row(reference: Reference) -> None:
    results = make_results()
    review = write_review(results, None, include_no_match=1.0)
    row = rid(results, "Some refinery")
    with pytest.raises(ReviewError, match="no proposed CID"):
        apply_review(fill(review, {row: ("accept", "", "")}), results, reference)
    updated, _, _ = apply_review(fill(review, {row: ("other", "CID002708", "")}), results,
                                 reference, decided_at=WHEN)
    assert updated.set_index("row_id").loc[row, "cid"] == "CID002708"
    # a no_match row the analyst is unsure about is not left thrown away: review; nor is a
    # match row (matched again since the review, or added by its row_id) left to be filed
    updated, overrides, _ = apply_review(fill(review, {row: ("unsure", "", "")}), results,
                                         reference, decided_at=WHEN)
    assert updated.set_index("row_id").loc[row, "decision"] == "review"
    assert overrides["verdict"].tolist() == ["unsure"]   # (kept in review next time too)
    matched = results.index[results["decision"] == "match"][0]
    doubt = pd.DataFrame({"row_id": [results.loc[matched, "row_id"]],
                          "analyst_verdict": ["unsure"]})
    updated, _, _ = apply_review(doubt, results, reference, decided_at=WHEN)
    assert updated.loc[matched, "decision"] == "review"
    assert updated.loc[matched, "reason"] == "analyst review: unsure"


def test_apply_review_works_without_row_id_column(reference: Reference) -> None:
    results = make_results().drop(columns="row_id")
    review = write_review(results, None)
    aida = review.loc[review["reported_name"] == "Aida Chem", "row_id"].iloc[0]
    updated, _, report = apply_review(fill(review, {aida: ("accept", "", "")}), results,
                                      reference, decided_at=WHEN)
    assert report["accept"] == 1
    assert updated.loc[updated["Smelter Name"] == "Aida Chem", "decision"].iloc[0] == "match"


def test_apply_review_string_typed_results_from_csv(tmp_path: Path,
                                                    reference: Reference) -> None:
    results = make_results()
    results.to_csv(tmp_path / "results.csv", index=False)
    as_read = pd.read_csv(tmp_path / "results.csv", dtype=str, keep_default_na=False)
    filled = fill(write_review(as_read, None), analyst_answers(results))
    updated, _, report = apply_review(filled, as_read, reference, decided_at=WHEN)
    assert report["accept"] == 1
    row = updated.set_index("row_id").loc[rid(results, "Aida Chem")]
    assert row["score"] == 1.0 and row["decision"] == "match"


def test_results_of_a_frame_labelled_by_numbers_or_tuples_round_trip(reference: Reference
                                                                      ) -> None:
    """``Matcher.match`` takes a header-less frame's columns (0, 1) or MultiIndex ones; the
    review and its apply read its output too: ``input_columns={"name": 0}`` was ignored (0 is
    falsy, and the helpers compared labels as text), so the review refused the results asking
    for the ``input_columns`` given, and the annex refused MultiIndex results ("no 'cid'
    column"). The caller's results keep their labels."""
    from smelter_match import Matcher

    names, metals = ["Kennametal Fallon", "ATAkulche", "Asahi Refining"], ["Tungsten", "Gold",
                                                                          "Gold"]
    multi = pd.DataFrame({("s", "name"): names, ("s", "metal"): metals})
    multi.columns = pd.MultiIndex.from_tuples(multi.columns)
    matcher = Matcher(reference, workers=1)
    for frame, given in ((pd.DataFrame({0: names, 1: metals}), {"name": 0, "metal": 1}),
                         (multi, {"name": ("s", "name"), "metal": ("s", "metal")})):
        results = matcher.match(frame, name=given["name"], metal=given["metal"])
        before = results.copy()
        review = write_review(results, None, input_columns=given)
        assert review["reported_name"].tolist() == ["ATAkulche", "Asahi Refining"]
        assert review["reported_metal"].tolist() == ["Gold", "Gold"]
        filled = fill(review, {r: ("accept", "", "") for r in review["row_id"]})
        updated, overrides, report = apply_review(filled, results, reference,
                                                  input_columns=given, decided_at=WHEN)
        assert report["accept"] == 2 and sorted(overrides["reported_name"]) == names[1:]
        assert updated.columns.equals(results.columns)
        assert build_annex(updated, reference)["rows"].sum() == 3
        pd.testing.assert_frame_equal(results, before)


# ------------------------------------------------------------------------------------------------
# apply_review: validation errors


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (("maybe", "", ""), r"review row \d+ \(row_id r[0-9a-f]+\): analyst_verdict 'maybe'"),
        (("other", "", ""), "other needs analyst_cid"),
        (("other", "CID999999", ""), "CID999999 is not in the reference"),
        (("other", "CID001070", ""), "CID001070 is a Tin facility in the reference, but the row "
                                     "is Gold"),
        (("accept", "CID000004", ""), "CID000004 is a Tungsten facility"),
        (("other", "banana", ""), "'banana' is not a CID"),
        (("not_a_smelter", "CID000015", ""), "not_a_smelter but analyst_cid CID000015"),
        (("", "CID000015", ""), "analyst_cid CID000015 given without analyst_verdict"),
        (("unsure", "CID000015", ""), "verdict unsure but analyst_cid CID000015 given"),
    ],
)
def test_apply_review_rejects_bad_rows(reference: Reference, answer: tuple[str, str, str],
                                       message: str) -> None:
    results = make_results()
    filled = fill(write_review(results, None), {rid(results, "Aida Chem"): answer})
    with pytest.raises(ReviewError, match=message) as err:
        apply_review(filled, results, reference)
    assert "\n" not in str(err.value)
    if "row_id" in message or "CID" in message:
        assert rid(results, "Aida Chem") in str(err.value)


def test_apply_review_error_names_the_bad_cid_and_row(reference: Reference) -> None:
    results = make_results()
    review = write_review(results, None)
    line = review.index[review["row_id"] == rid(results, "Aida Chem")][0] + 2
    with pytest.raises(ReviewError, match=f"review row {line} .*CID001070"):
        apply_review(fill(review, {rid(results, "Aida Chem"): ("other", "CID001070", "")}),
                     results, reference)


def test_apply_review_rejects_review_of_other_results(reference: Reference) -> None:
    results = make_results()
    review = write_review(results, None)
    other = results.copy()
    other["source_file"] = "other.xlsx"
    other["row_id"] = make_row_ids(other)
    with pytest.raises(ReviewError, match=rf"{len(review)} of {len(review)} review rows are not in "
                                          rf"these results \(first: row_id '{review.row_id[0]}'"):
        apply_review(review, other, reference)


def test_apply_review_rejects_non_review_file_and_conflicting_duplicates(
        tmp_path: Path, reference: Reference) -> None:
    results = make_results()
    (tmp_path / "x.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ReviewError, match="not a review file"):
        apply_review(tmp_path / "x.csv", results, reference)
    review = write_review(results, None)
    aida = rid(results, "Aida Chem")
    dup = pd.concat([fill(review, {aida: ("accept", "", "")}),
                     fill(review, {aida: ("not_a_smelter", "", "")})], ignore_index=True)
    with pytest.raises(ReviewError, match="twice with different answers"):
        apply_review(dup, results, reference)
    # an identical duplicate (a row copied twice in Excel) is fine
    same = pd.concat([fill(review, {aida: ("accept", "", "")})] * 2, ignore_index=True)
    assert apply_review(same, results, reference, decided_at=WHEN)[2]["accept"] == 1
    blank_id = fill(review, {aida: ("accept", "", "")})
    blank_id.loc[blank_id["row_id"] == aida, "row_id"] = ""
    with pytest.raises(ReviewError, match="row_id is empty"):
        apply_review(blank_id, results, reference)
    # a column the analyst copied: which copy holds the answer cannot be told (was: the answers
    # dropped, or a traceback for a copied row_id); a copied column the tool does not read is fine
    filled = fill(review, {aida: ("accept", "", "")})
    for copied in ("analyst_verdict", "row_id"):
        twice = pd.concat([filled, filled[[copied]]], axis=1)
        twice.to_csv(tmp_path / "twice.csv", index=False)
        for given in (twice, tmp_path / "twice.csv"):
            with pytest.raises(InputError, match=f"column '{copied}' appears 2 times"):
                apply_review(given, results, reference)
    notes = pd.concat([filled, filled[["supplier_company"]]], axis=1)
    assert apply_review(notes, results, reference, decided_at=WHEN)[2]["accept"] == 1


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_errors_name_the_line_the_analyst_sees_also_after_blank_rows(
        tmp_path: Path, reference: Reference, suffix: str) -> None:
    """A blank row the analyst inserted does not shift the line an error names."""
    import openpyxl

    results = make_results()
    path = tmp_path / f"review{suffix}"
    write_review(results, path)
    if suffix == ".csv":
        rows = list(csv.reader(path.open(encoding="utf-8-sig", newline="")))
        rows[2][rows[0].index("analyst_verdict")] = "yes"   # the second review row
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows([rows[0], [""] * 3, *rows[1:]])
    else:
        wb = openpyxl.load_workbook(path)
        ws = wb["Review"]
        col = [c.value for c in ws[1]].index("analyst_verdict") + 1
        ws.insert_rows(2)
        ws.cell(4, col).value = "yes"
        wb.save(path)
    with pytest.raises(ReviewError, match="review row 4 "):
        apply_review(path, results, reference)


def test_apply_review_tolerates_excel_saved_file(tmp_path: Path, reference: Reference) -> None:
    """Semicolon-separated cp1252 (European Excel "CSV"), deleted and re-sorted rows."""
    results = make_results()
    review = fill(write_review(results, None), analyst_answers(results))
    review = review.iloc[::-1].iloc[1:]  # re-sorted, one row deleted
    review.to_csv(tmp_path / "excel.csv", sep=";", index=False, encoding="cp1252")
    _, _, report = apply_review(tmp_path / "excel.csv", results, reference, decided_at=WHEN)
    assert report["rows"] == len(review)


def test_override_conflicts_left_out(reference: Reference) -> None:
    results, review, ids = one_name_twice()
    assert len(ids) == 2
    filled = fill(review, {ids[0]: ("accept", "", ""), ids[1]: ("other", "CID002708", "")})
    _, overrides, report = apply_review(filled, results, reference, decided_at=WHEN)
    assert report["override_conflicts"] == ["Aida Chem"]
    assert "Aida Chem" not in set(overrides["reported_name"])


def test_decisions_on_a_row_without_a_metal_are_about_the_reported_row(
        reference: Reference) -> None:
    # the supplier reported no metal; the matcher proposed a Tungsten facility. The analyst's
    # decision is about the row as reported: its override is keyed on no metal (for any metal,
    # as the analyst decided the name without one), never on the proposal's metal, and a CID of
    # another metal than the proposal's is a valid answer
    results = make_results()
    # as the matcher writes such a row: the proposal's metal, and the flag that none was reported
    results.loc[results["Smelter Name"] == "Tungsten guys", ["Metal", "flags"]] = [
        "", "metal_missing"]
    row = rid(results, "Tungsten guys")
    review = write_review(results, None)
    updated, overrides, _ = apply_review(fill(review, {row: ("not_a_smelter", "", "")}),
                                         results, reference, decided_at=WHEN)
    assert overrides[["reported_name", "metal"]].values.tolist() == [["Tungsten guys", ""]]
    assert updated.set_index("row_id").loc[row, "metal"] == ""
    assert find_override(overrides, "Tungsten guys", "", "Japan")["verdict"] == "not_a_smelter"
    # another CID, of another metal than the proposal's (a Gold refinery for a row proposed a
    # Tungsten facility): accepted, as the row reported no metal
    updated, overrides, _ = apply_review(fill(review, {row: ("other", "CID002708", "")}),
                                         results, reference, decided_at=WHEN)
    assert updated.set_index("row_id").loc[row, ["cid", "metal"]].tolist() == ["CID002708",
                                                                              "Gold"]
    assert overrides[["metal", "cid"]].values.tolist() == [["", "CID002708"]]
    # accepting the proposal accepts its metal
    updated, overrides, _ = apply_review(fill(review, {row: ("accept", "", "")}), results,
                                         reference, decided_at=WHEN)
    assert updated.set_index("row_id").loc[row, ["cid", "metal"]].tolist() == ["CID000004",
                                                                              "Tungsten"]
    assert overrides[["metal", "cid"]].values.tolist() == [["", "CID000004"]]
    # the results' metal is the reported one unless the flags say none was: an input whose metal
    # column has a name the review does not know still keys its decisions on that metal
    renamed = make_results().rename(columns={"Metal": "Metall des Schmelzers"})
    aida = rid(renamed, "Aida Chem")
    _, overrides, _ = apply_review(fill(write_review(renamed, None), {aida: ("accept", "", "")}),
                                   renamed, reference, decided_at=WHEN)
    assert overrides[["reported_name", "metal"]].values.tolist() == [["Aida Chem", "Gold"]]


def test_a_row_added_by_its_row_id_whose_name_columns_disagree_is_asked_about(
        reference: Reference) -> None:
    """A row the analyst added by its row_id alone, in results whose two name columns say
    different things and whose id does not tell which one was read (made elsewhere): asked for
    reported_name, never saved for a guess; filling it (one of the row's cells) answers it,
    as does the column given as input_columns. One name column: no question."""
    results = make_results()
    results.insert(1, "Smelter Look-up", "Acme Trading")
    results["row_id"] = [f"x{i}" for i in range(len(results))]
    aida = results.index[results["Smelter Name"] == "Aida Chem"][0]
    added = pd.DataFrame({"row_id": [f"x{aida}"], "analyst_verdict": ["not_a_smelter"]})
    with pytest.raises(ReviewError, match=r"name columns say different things \('Aida Chem', "
                                          r"'Acme Trading'\); fill reported_name"):
        apply_review(added, results, reference, decided_at=WHEN)
    _, overrides, _ = apply_review(added.assign(reported_name="Acme Trading"), results,
                                   reference, decided_at=WHEN)
    assert overrides["reported_name"].tolist() == ["Acme Trading"]
    _, overrides, _ = apply_review(added, results, reference, decided_at=WHEN,
                                   input_columns={"name": "Smelter Look-up"})
    assert overrides["reported_name"].tolist() == ["Acme Trading"]
    _, overrides, _ = apply_review(added, results.drop(columns="Smelter Look-up"), reference,
                                   decided_at=WHEN)
    assert overrides["reported_name"].tolist() == ["Aida Chem"]


def test_a_country_read_by_an_unrecognised_column_is_asked_for_not_widened(
        reference: Reference) -> None:
    """Matched with --country-col Location, a row added by its row_id alone was saved as an
    override for every country (no column read as the country); a row written by match that
    shows no country (the matcher read none) took another column's country, or stopped the
    whole apply when two of them disagreed (found by a review of this session's changes)."""
    results = make_results().rename(columns={"Smelter Country": "Location"})
    aida = results.index[results["Smelter Name"] == "Aida Chem"][0]
    added = pd.DataFrame({"row_id": [results.loc[aida, "row_id"]],
                          "analyst_verdict": ["not_a_smelter"]})
    with pytest.raises(ReviewError, match=r"no column of the results is read as the country, "
                                          r"but 'Location' holds 'Japan': fill reported_country"):
        apply_review(added, results, reference, decided_at=WHEN)
    _, overrides, _ = apply_review(added.assign(reported_country="Japan"), results, reference,
                                   decided_at=WHEN)
    assert overrides["country"].tolist() == ["JP"]
    # written by match, no country read: none, whatever other columns say
    results = make_results()
    results["Smelter Country"] = ""
    results["Country"], results["Country Location"] = "USA", "Mexico"
    review = write_review(results, None, reported={"country": [""] * len(results)})
    row = review.loc[review["reported_name"] == "Aida Chem", "row_id"].iloc[0]
    _, overrides, _ = apply_review(fill(review, {row: ("not_a_smelter", "", "")}), results,
                                   reference, decided_at=WHEN)
    assert overrides["country"].tolist() == [""]


def test_a_name_column_given_at_match_time_keys_the_override_beside_a_recognised_one(
        reference: Reference) -> None:
    """Read with --name-col Facility and --country-col "Facility Location", an input whose
    recognised "Smelter Name" and "Smelter Country" columns hold something else: the override is
    the facility's name and country, as the review shows them (the row's own cells), not the
    recognised columns'. A name the analyst edited in the review is refused: the decision is
    about the name as the supplier wrote it (case and spacing aside)."""
    results = make_results()
    results.insert(1, "Facility", results["Smelter Name"])
    results.insert(2, "Facility Location", results["Smelter Country"])
    results["Smelter Name"], results["Smelter Country"] = "Acme Corp", "US"
    review = write_review(results, None, input_columns={"name": "Facility",
                                                        "country": "Facility Location"})
    aida = review.loc[review["reported_name"] == "Aida Chem", "row_id"].iloc[0]
    _, overrides, _ = apply_review(fill(review, {aida: ("accept", "", "")}), results, reference,
                                   decided_at=WHEN)
    assert overrides[["reported_name", "country"]].values.tolist() == [["Aida Chem", "JP"]]
    edited = fill(review, {aida: ("accept", "", "")})
    edited.loc[edited["row_id"] == aida, "reported_name"] = "AIDA  chem"   # as Excel may leave it
    _, overrides, _ = apply_review(edited, results, reference, decided_at=WHEN)
    assert overrides["reported_name"].tolist() == ["AIDA  chem"]
    edited.loc[edited["row_id"] == aida, "reported_name"] = "Aida Chemical (fixed)"
    with pytest.raises(ReviewError, match="not what the supplier wrote in this row"):
        apply_review(edited, results, reference, decided_at=WHEN)
    # the country too: an edited one would move the decision ("Switzerland") or widen it to
    # every country (an unrecognised "Japan Tokyo" would be no country)
    for country in ("Switzerland", "Japan Tokyo"):
        moved = fill(review, {aida: ("accept", "", "")})
        moved.loc[moved["row_id"] == aida, "reported_country"] = country
        with pytest.raises(ReviewError, match=re.escape(f"reported_country {country!r} is not")):
            apply_review(moved, results, reference, decided_at=WHEN)


@pytest.mark.parametrize("lose", ["deleted", "placeholder"])
def test_a_lost_reported_country_is_read_from_the_results_not_widened(
        reference: Reference, lose: str) -> None:
    """A review whose reported_country column was deleted (or retitled), or whose cell holds
    "-", saved the decision for every country (an audit as an analyst: "Al Ghaith Gold" accepted
    in the UAE then forced onto the name reported from Germany)."""
    results = make_results()
    review = write_review(results, None)
    row = review.loc[review["reported_name"] == "Aida Chem", "row_id"].iloc[0]
    filled = fill(review, {row: ("not_a_smelter", "", "")})
    if lose == "deleted":
        _, overrides, _ = apply_review(filled.drop(columns=["reported_country"]), results,
                                       reference, decided_at=WHEN)
        assert overrides["country"].tolist() == ["JP"]
    else:
        filled.loc[filled["row_id"] == row, "reported_country"] = "-"
        with pytest.raises(ReviewError, match=r"reported_country '-' is not what the supplier "
                                              r"wrote in this row"):
            apply_review(filled, results, reference, decided_at=WHEN)


def test_a_reported_name_changed_to_another_cell_of_the_row_is_refused(
        reference: Reference) -> None:
    """A CMRT row's look-up cell holds an RMI alias: a reported_name changed to it passed as
    "what the supplier wrote" (one of the row's cells), and the analyst's not_a_smelter moved
    from the name the supplier typed to a conformant refiner's alias."""
    results = make_results()
    results.insert(2, "Smelter Look-up", "")
    aida = results.index[results["Smelter Name"] == "Aida Chem"][0]
    results.loc[aida, "Smelter Look-up"] = "Aida Chemical Industries Co., Ltd."
    filled = _aida_shown_as(results, aida, "Aida Chemical Industries Co., Ltd.")
    with pytest.raises(ReviewError, match=r"not what the supplier wrote in this row \(the row "
                                          r"reports 'Aida Chem'\)"):
        apply_review(filled, results, reference, decided_at=WHEN)


def _aida_shown_as(results: pd.DataFrame, aida: int, shown: str) -> pd.DataFrame:
    """The review of ``results`` with Aida's row decided not_a_smelter and its reported_name
    shown as ``shown``."""
    row = results.loc[aida, "row_id"]
    filled = fill(write_review(results, None), {row: ("not_a_smelter", "", "")})
    filled.loc[filled["row_id"] == row, "reported_name"] = shown
    return filled


def test_a_review_saved_as_ansi_says_so_instead_of_deciding_another_name(
        reference: Reference) -> None:
    """Saved by Excel as "CSV" (cp1252), a Chinese name became "???????": its key is blank,
    like a blank cell's, so the decision was saved for no name, or for every blank one."""
    results = make_results()
    aida = results.index[results["Smelter Name"] == "Aida Chem"][0]
    results.loc[aida, "Smelter Name"] = "郴州金利冶炼厂"
    results["row_id"] = make_row_ids(results.drop(columns=["row_id"]))
    filled = _aida_shown_as(results, aida, "???????")
    with pytest.raises(ReviewError, match=r"reported_name '\?\?\?\?\?\?\?' has lost its "
                                          r"characters: the review was saved as ANSI text"):
        apply_review(filled, results, reference, decided_at=WHEN)
