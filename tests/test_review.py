"""The review file (``smelter_match.review``): writing, reading and its columns (applying one:
test_review_apply.py).

Results are the synthetic frame of ``tests/_review_data.py``; the reference is RMI's 2026-08-22
export (fixture ``exports_reference``).
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pytest
from _review_data import (
    AIDA,
    INJECTION,
    STAMP,
    WHEN,
    _cands,
    fill,
    make_results,
    rid,
)

from smelter_match.cids import parse_cid
from smelter_match.errors import InputError, ReviewError
from smelter_match.reference import Reference
from smelter_match.results import RESULT_COLUMNS, make_row_ids, result_column
from smelter_match.review import (
    ANALYST_COLUMNS,
    normalise_verdict,
    read_review,
    review_columns,
    write_review,
)
from smelter_match.review_apply import apply_review
from smelter_match.review_book import write_review_workbook


@pytest.fixture
def reference(exports_reference: Reference) -> Reference:
    """RMI's 2026-08-22 exports (the CIDs of ``_review_data`` are real facilities there)."""
    return exports_reference

# ------------------------------------------------------------------------------------------------
# helpers


def test_result_column_resolves_prefixed_matcher_columns() -> None:
    df = pd.DataFrame(columns=["cid", "name", "match_cid", "score"])
    assert result_column(df, "cid") == "match_cid"
    assert result_column(df, "score") == "score"
    # an input column literally named match_cid comes first; the matcher's "cid" is later
    assert result_column(pd.DataFrame(columns=["match_cid", "cid"]), "cid") == "cid"
    assert result_column(df, "flags", required=False) is None
    with pytest.raises(InputError, match="'flags'"):
        result_column(df, "flags")


def test_make_row_ids_stable_unique_and_text_safe() -> None:
    df = pd.DataFrame({"source_file": ["a.csv", "a.csv", "a.csv"], "source_row": [2, 3, 3],
                       "Smelter Name": ["X", "Y", "Y"]})
    ids = make_row_ids(df)
    assert ids.iloc[0].startswith("r") and len(ids.iloc[0]) == 13
    assert ids.iloc[2] == ids.iloc[1] + "-2"
    # the same rows read back from a CSV (row numbers as text) get the same ids
    as_text = df.astype(str)
    assert make_row_ids(as_text).tolist() == ids.tolist()
    # float row numbers (a CSV column with blanks) too
    assert make_row_ids(df.astype({"source_row": float})).tolist() == ids.tolist()
    assert make_row_ids(df.iloc[::-1]).iloc[-1] == ids.iloc[0]  # order does not matter


def test_normalise_helpers() -> None:
    assert parse_cid(" cid 2763 ") == "CID002763"
    assert parse_cid("2763") == "CID002763"
    assert parse_cid("") == ""
    assert parse_cid("ABC") is None
    assert normalise_verdict(" Not a smelter ") == "not_a_smelter"
    assert normalise_verdict("ACCEPT") == "accept"
    assert normalise_verdict(None) == ""
    with pytest.raises(ReviewError, match="'maybe'"):
        normalise_verdict("maybe")


# ------------------------------------------------------------------------------------------------
# write_review


def test_review_selects_review_rows_with_columns(tmp_path: Path) -> None:
    results = make_results()
    review = write_review(results, tmp_path / "review.csv")
    assert review["row_id"].tolist() == results.loc[results["decision"] == "review",
                                                    "row_id"].tolist()
    cols = review_columns(top_k=5)
    assert review.columns.tolist()[: len(cols)] == cols
    # the input's other columns follow; the role columns are the reported_* columns
    assert review.columns.tolist()[len(cols):] == ["Comments"]
    row = review.set_index("row_id").loc[rid(results, "Aida Chem")]
    assert row["reported_name"] == "Aida Chem"
    assert row["reported_metal"] == "Gold" and row["reported_country"] == "Japan"
    assert row["supplier_company"] == "Acme Corp" and row["source_row"] == 6
    assert row["proposed_cid"] == "CID000019" and row["score"] == 0.62
    assert (row["cand1_cid"], row["cand2_cid"], row["cand3_cid"]) == (
        "CID000019", "CID002708", "CID000015")
    assert row["cand2_score"] == 0.41 and row["cand4_cid"] == "" and pd.isna(row["cand4_score"])
    assert all(row[c] == "" for c in ANALYST_COLUMNS)
    # a "|" inside a candidate name survives the parsing
    abi = review.set_index("row_id").loc[rid(results, "Abington | Reldan")]
    assert abi["cand1_name"] == "Abington Reldan Metals, LLC"


def test_review_top_k_limits_candidate_columns() -> None:
    review = write_review(make_results(), None, top_k=2)
    assert "cand2_cid" in review.columns and "cand3_cid" not in review.columns
    with pytest.raises(InputError):
        write_review(make_results(), None, top_k=-1)


def test_review_no_match_sample_count_fraction_and_determinism() -> None:
    results = make_results()
    n_review = int((results["decision"] == "review").sum())
    no_match_ids = set(results.loc[results["decision"] == "no_match", "row_id"])
    two = write_review(results, None, include_no_match=2, seed=1)
    assert len(two) == n_review + 2
    sampled = set(two["row_id"]) & no_match_ids
    assert len(sampled) == 2
    assert set(two.loc[two["decision"] == "no_match", "row_id"]) == sampled
    assert (two.loc[two["decision"] == "no_match", "proposed_cid"] == "").all()
    # reproducible, and independent of the row order of the results
    again = write_review(results.iloc[::-1], None, include_no_match=2, seed=1)
    assert set(again["row_id"]) == set(two["row_id"])
    # a fraction is rounded up; 1.0 and a big count mean all of them
    assert len(write_review(results, None, include_no_match=0.25)) == n_review + 1
    assert len(write_review(results, None, include_no_match=1.0)) == n_review + 4
    assert len(write_review(results, None, include_no_match=99)) == n_review + 4
    # another seed gives another sample of the same size (for these ids)
    seeds = {frozenset(set(write_review(results, None, include_no_match=2, seed=s)["row_id"])
                       & no_match_ids) for s in range(6)}
    assert len(seeds) > 1
    for bad in (-1, 1.5, "3", True):
        with pytest.raises(InputError, match="include_no_match"):
            write_review(results, None, include_no_match=bad)  # type: ignore[arg-type]


def test_blind_review_hides_proposal_and_shuffles(tmp_path: Path) -> None:
    results = make_results()
    blind = write_review(results, tmp_path / "blind.csv", blind=True, seed=3)
    hidden = {"decision", "proposed_cid", "proposed_name", "score", "reason", "flags"}
    assert not hidden & set(blind.columns)
    assert not any(c.endswith("_score") for c in blind.columns)
    text = (tmp_path / "blind.csv").read_text(encoding="utf-8-sig")
    assert "fuzzy name" not in text and "0.62" not in text
    row = blind.set_index("row_id").loc[rid(results, "Aida Chem")]
    shown = [row["cand1_cid"], row["cand2_cid"], row["cand3_cid"]]
    assert sorted(shown) == ["CID000015", "CID000019", "CID002708"]
    # the shuffle is deterministic per seed and differs across seeds for some row
    assert write_review(results, None, blind=True, seed=3).equals(blind)
    orders = {tuple(write_review(results, None, blind=True, seed=s).set_index("row_id").loc[
        rid(results, "Aida Chem"), ["cand1_cid", "cand2_cid", "cand3_cid"]]) for s in range(8)}
    assert len(orders) > 1


def test_review_file_is_bom_utf8_neutralised_and_deterministic(tmp_path: Path) -> None:
    results = make_results()
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_review(results, a, include_no_match=2)
    write_review(results.copy(), b, include_no_match=2)
    raw = a.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    assert raw == b.read_bytes()
    text = raw.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'=cmd|" in text and "'-Japan" in text
    assert ",=" not in text and "\n=" not in text
    # read back: the neutralised cells are restored to their text
    back = read_review(a)
    row = back.set_index("row_id").loc[rid(results, INJECTION)]
    assert row["reported_name"] == INJECTION and row["supplier_company"] == "=cmd|' /C calc'!A0"


def test_review_handles_prefixed_result_columns_and_missing_provenance() -> None:
    # a plain input that had its own "cid" and "metal" columns; no CLI provenance columns
    df = pd.DataFrame({
        "name": ["Aida Chem"], "metal": ["gold"], "cid": ["CID000019"],
        "match_cid": ["CID000019"], "standard_name": ["Aida Chemical Industries Co., Ltd."],
        "match_metal": ["Gold"], "country": ["JAPAN"], "rmap_status": ["Conformant"],
        "score": [0.7], "decision": ["review"], "reason": ["fuzzy"],
        "candidates": [_cands(AIDA)], "flags": [""], "reference_version": [STAMP],
    })
    review = write_review(df, None)
    row = review.iloc[0]
    assert row["reported_metal"] == "gold" and row["reported_cid"] == "CID000019"
    assert row["proposed_metal"] == "Gold" and row["row_id"] == make_row_ids(df).iloc[0]
    assert row["source_file"] == "" and pd.isna(row["source_row"])


def test_results_fixture_has_matcher_columns() -> None:
    results = make_results()
    assert all(c in results.columns for c in RESULT_COLUMNS)


def test_non_latin_text_survives_review_round_trip(tmp_path: Path) -> None:
    results = make_results()
    results.loc[results["Smelter Name"] == "China Tin", "Smelter Name"] = "云南锡业股份有限公司"
    results.loc[results["Smelter Name"] == "Aida Chem", "supplier_company"] = "Société Générale"
    write_review(results, tmp_path / "r.csv")
    back = read_review(tmp_path / "r.csv").set_index("row_id")
    assert back.loc[rid(results, "云南锡业股份有限公司"), "reported_name"] == "云南锡业股份有限公司"
    assert back.loc[rid(results, "Aida Chem"), "supplier_company"] == "Société Générale"


def test_custom_name_column(reference: Reference) -> None:
    """An input read with --name-col: the CLI passes it as input_columns to write_review."""
    results = make_results().rename(columns={"Smelter Name": "Lieferant Hütte"})
    with pytest.raises(InputError, match="no column recognised as the reported name"):
        write_review(results, None)  # not recognisable on its own: the analyst would see none
    review = write_review(results, None, input_columns={"name": "Lieferant Hütte"})
    assert "Aida Chem" in set(review["reported_name"])
    assert "Lieferant Hütte" not in review.columns
    aida = review.loc[review["reported_name"] == "Aida Chem", "row_id"].iloc[0]
    # review apply does not know the column: the review file's reported_name keys the override
    _, overrides, _ = apply_review(fill(review, {aida: ("accept", "", "")}), results, reference,
                                   decided_at=WHEN)
    assert overrides["reported_name"].tolist() == ["Aida Chem"]
    with pytest.raises(InputError, match="no input column 'nope'"):
        write_review(results, None, input_columns={"name": "nope"})


def test_results_with_bad_row_ids_are_rejected() -> None:
    results = make_results()
    results.loc[1, "row_id"] = results.loc[0, "row_id"]
    with pytest.raises(InputError, match="more than once"):
        write_review(results, None)
    results.loc[1, "row_id"] = ""
    with pytest.raises(InputError, match="without row_id"):
        write_review(results, None)


def test_an_input_row_id_column_taken_as_the_tool_s_says_so(reference: Reference) -> None:
    """Matcher.match's results of a frame with its own row_id column (repeated values): the
    column is taken as the tool's row id, and the error read as if the results were damaged
    (found by an audit of the Python API). It says why and what to do."""
    from smelter_match.matcher import Matcher

    df = pd.DataFrame({"row_id": [1, 1, 2], "name": ["Minsur", "Minsur", "Bank of China"]})
    results = Matcher(reference, workers=1).match(df)
    with pytest.raises(InputError, match="an input column called row_id is taken as the tool's "
                                         "row id: rename it"):
        write_review(results, None)


def test_retitled_review_headers_are_read_as_the_columns_they_name(reference: Reference) -> None:
    """"Reported Name", "Analyst Verdict", "Analyst Comment": the name was taken for blank (the
    decision then left out as nameless) and the comment dropped (found by an audit as an
    analyst); a column there twice under two titles is refused."""
    results = make_results()
    review = write_review(results, None)
    row = review.loc[review["reported_name"] == "Aida Chem", "row_id"].iloc[0]
    filled = fill(review, {row: ("not_a_smelter", "", "a trader")})
    titled = filled.rename(columns={"reported_name": "Reported Name",
                                    "analyst_verdict": "Analyst Verdict",
                                    "analyst_comment": "ANALYST COMMENT"})
    _, plain, _ = apply_review(filled, results, reference, decided_at=WHEN)
    _, overrides, _ = apply_review(titled, results, reference, decided_at=WHEN)
    pd.testing.assert_frame_equal(overrides, plain)
    assert overrides[["reported_name", "comment"]].values.tolist() == [["Aida Chem", "a trader"]]
    with pytest.raises(InputError, match="column .reported_name. appears 2 times"):
        apply_review(titled.assign(reported_name=""), results, reference, decided_at=WHEN)


def test_verdicts_on_a_copied_review_sheet_are_named_not_ignored(tmp_path: Path) -> None:
    """A "Review (2)" sheet holding the verdicts gave "no verdicts" and exit 0 (found by an
    audit as an analyst): an error when the sheet read has none, else a warning."""
    import openpyxl

    from smelter_match.errors import InputWarning

    review = write_review(make_results(), None)
    path = tmp_path / "review.xlsx"
    write_review_workbook(review, path)
    wb = openpyxl.load_workbook(path)
    copy = wb.copy_worksheet(wb["Review"])
    verdict = [c.value for c in copy[1]].index("analyst_verdict") + 1
    copy.cell(row=2, column=verdict, value="not_a_smelter")
    wb.save(path)
    with pytest.raises(ReviewError, match=r"the verdicts are on sheet 'Review Copy', and sheet "
                                          r"'Review', the one read, has none"):
        read_review(path)
    wb["Review"].cell(row=3, column=verdict, value="unsure")
    wb.save(path)
    with pytest.warns(InputWarning, match=r"sheet 'Review Copy' holds verdicts too; only sheet "
                                          r"'Review' is read"):
        assert read_review(path)["analyst_verdict"].tolist()[1] == "unsure"
