"""The results' columns and cells (``smelter_match.results``): one rule per column name, flag
and candidate cell, shared by the matcher, the review, the annex and the CLI."""

from __future__ import annotations

import pandas as pd
import pytest

from smelter_match.errors import InputError
from smelter_match.results import (
    coalesce,
    column_text,
    format_candidates,
    format_flags,
    input_roles,
    make_row_ids,
    meta_column,
    own_columns,
    parse_candidates,
    parse_flags,
    read_no_name,
    removal_flags,
    result_column,
    tool_column_name,
)


def test_the_tools_columns_give_way_to_the_inputs() -> None:
    assert tool_column_name("cid", ["Smelter Name"]) == "cid"
    assert tool_column_name("cid", ["cid"]) == "match_cid"
    with pytest.raises(InputError, match="'cid' and 'match_cid'"):
        tool_column_name("cid", ["cid", "match_cid"])
    # the later of name / match_name is the matcher's (it appends after the input's columns)
    results = pd.DataFrame(columns=["cid", "Smelter Name", "match_cid", "row_id", "decision"])
    assert result_column(results, "cid") == "match_cid"
    assert result_column(results, "score", required=False) is None
    with pytest.raises(InputError, match="no 'score' column"):
        result_column(results, "score")
    assert meta_column(results, "row_id") == "row_id"
    assert own_columns(results) == ["cid", "Smelter Name"]


def test_flag_and_candidate_cells_round_trip() -> None:
    flags = ["removed_cid", "successor=CID002550"]
    assert parse_flags(format_flags(flags)) == flags
    assert parse_flags(" removed_cid ; ;") == ["removed_cid"]
    cands = [("CID000103", "Atasay | Kuyumculuk", 0.9876), ("CID000015", "Advanced", 0.5)]
    assert parse_candidates(format_candidates(cands)) == [
        ("CID000103", "Atasay | Kuyumculuk", 0.988), ("CID000015", "Advanced", 0.5)]
    assert parse_candidates("CID000001|No score") == [("CID000001", "No score", None)]
    assert removal_flags(False, "CID1") == []
    assert removal_flags(True, "CID000001;CID000002") == [
        "removed_cid", "successor=CID000001", "successor=CID000002"]


def test_input_roles_and_row_ids() -> None:
    results = pd.DataFrame({"Smelter Name": ["Metalor", " "], "reported_name": ["", "Asahi"],
                            "Metal": ["Gold", "Gold"], "cid": ["", ""], "decision": ["", ""]})
    roles = input_roles(results)
    assert set(roles["name"]) == {"Smelter Name", "reported_name"}
    # per row the first of them that is not empty (results concatenated from several layouts)
    assert coalesce(results, roles["name"]) == ["Metalor", "Asahi"]
    # ... which for a row the matcher read no name in is another column's: its reason says so
    assert [read_no_name(r) for r in ("empty name", "no name, but the reported CID is X's: is "
                                      "it?", "exact RMI standard name", "")] == [
        True, True, False, False]
    assert roles["metal"] == ["Metal"]
    assert column_text(results, "Smelter Name") == ["Metalor", ""]
    assert column_text(results, "nowhere") == ["", ""]
    ids = make_row_ids(results, name_col="Smelter Name")
    assert ids.str.match(r"^r[0-9a-f]{12}$").all() and ids.is_unique
    assert ids.tolist() == make_row_ids(results.copy(), name_col="Smelter Name").tolist()
