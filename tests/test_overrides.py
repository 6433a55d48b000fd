"""Override files (``smelter_match.overrides``) and the matcher honouring them."""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pytest
from _review_data import INJECTION, WHEN, analyst_answers, fill, make_results

from smelter_match import Matcher
from smelter_match.errors import InputError
from smelter_match.overrides import (
    OverrideIndex,
    find_override,
    load_overrides,
    save_overrides,
)
from smelter_match.reference import Reference
from smelter_match.results import result_column
from smelter_match.review import apply_review, write_review


@pytest.fixture
def reference(exports_reference: Reference) -> Reference:
    """RMI's 2026-08-22 exports (the CIDs of ``_review_data`` are real facilities there)."""
    return exports_reference

# ------------------------------------------------------------------------------------------------
# override files and training labels


def test_save_overrides_merges_newest_wins_deterministically(tmp_path: Path,
                                                             reference: Reference) -> None:
    results = make_results()
    filled = fill(write_review(results, None), analyst_answers(results))
    _, overrides, _ = apply_review(filled, results, reference, decided_at=WHEN)
    path = tmp_path / "overrides.csv"
    save_overrides(overrides, path)
    first = path.read_bytes()
    assert first.startswith(codecs.BOM_UTF8)
    assert "'=HYPERLINK" in first.decode("utf-8-sig")  # neutralised in the file ...
    loaded = load_overrides(path)
    assert INJECTION in set(loaded["reported_name"])  # ... and restored on reading
    pd.testing.assert_frame_equal(loaded, overrides)
    save_overrides(overrides, path)  # saving the same again changes nothing
    assert path.read_bytes() == first

    # a newer decision for the same name (other spelling) and metal replaces the old one
    newer = pd.DataFrame([{"reported_name": "AIDA CHEM.", "metal": "gold", "cid": "cid19",
                           "verdict": "match", "comment": "", "decided_at": "2026-09-01T00:00:00Z",
                           "source": "hand"},
                          {"reported_name": "Abington | Reldan", "metal": "Gold",
                           "cid": "CID002708", "verdict": "match", "comment": "older",
                           "decided_at": "2020-01-01T00:00:00Z", "source": "hand"}])
    merged = save_overrides(newer, path)
    assert len(merged) == 3
    m = merged.set_index("key")
    aida = find_override(merged, "Aida Chem", "Gold")
    assert aida["source"] == "hand" and aida["cid"] == "CID000019"
    assert find_override(OverrideIndex(merged), "Abington Reldan", "Gold")["cid"] == "CID000015"
    assert list(m.index) == sorted(m.index)
    # order of the merged input does not matter
    other = tmp_path / "o2.csv"
    save_overrides(newer, other)
    save_overrides(overrides, other)
    assert other.read_bytes() == path.read_bytes()


def test_load_overrides_validation(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    with pytest.raises(InputError, match="not found"):
        load_overrides(path)
    header = "reported_name,metal,cid,verdict,comment,decided_at,source\n"
    cases = {
        "Foo,Gold,CID000015,perhaps,,,\n": "verdict 'perhaps'",
        "Foo,Gold,XYZ,match,,,\n": "'XYZ' is not a CID",
        "Foo,Gold,CID000015,not_a_smelter,,,\n": "not_a_smelter with cid",
        "Foo,Gold,,match,,,\n": "needs a cid",
        ",Gold,CID000015,match,,,\n": "reported_name is empty",
    }
    for line, message in cases.items():
        path.write_text(header + line, encoding="utf-8")
        with pytest.raises(InputError, match=message):
            load_overrides(path)
    path.write_text("name,cid\nFoo,CID000015\n", encoding="utf-8")
    with pytest.raises(InputError, match="lacks column"):
        load_overrides(path)
    # a hand-written file: no key column, metal blank = any metal, blank lines skipped
    path.write_text(header + "Foo Smelting Co,,15,match,,,\n,,,,,,\n", encoding="utf-8")
    loaded = load_overrides(path)
    assert loaded["cid"].tolist() == ["CID000015"] and loaded["key"].iloc[0]
    assert find_override(loaded, "foo smelting", "Tin")["cid"] == "CID000015"


def test_saved_overrides_drive_the_matcher(tmp_path: Path, reference: Reference) -> None:
    """Contract with smelter_match.matcher: a saved override decides the name next time."""
    results = make_results()
    filled = fill(write_review(results, None), analyst_answers(results))
    _, overrides, _ = apply_review(filled, results, reference, decided_at=WHEN)
    save_overrides(overrides, tmp_path / "ov.csv")
    matcher = Matcher(reference, overrides=tmp_path / "ov.csv")
    inp = pd.DataFrame({"name": ["abington  reldan", INJECTION, "Abington Reldan"],
                        "metal": ["Gold", "Gold", "Tin"]})
    out = matcher.match(inp, name="name", metal="metal")
    c, d = result_column(out, "cid"), result_column(out, "decision")
    assert (out[c].iloc[0], out[d].iloc[0]) == ("CID000015", "match")
    assert (out[c].iloc[1], out[d].iloc[1]) == ("", "no_match")
    assert out[c].iloc[2] != "CID000015"  # the override was for Gold only




def test_not_a_smelter_override_is_honoured(tmp_path: Path, reference: Reference) -> None:
    """A not_a_smelter verdict (empty CID) decides the name; the model is not asked."""
    rows = pd.DataFrame([{"reported_name": "Metalor Technologies S.A.", "metal": "Gold", "cid": "",
                          "verdict": "not_a_smelter", "comment": "", "decided_at": WHEN,
                          "source": "test"}])
    save_overrides(rows, tmp_path / "ov.csv")
    out = Matcher(reference, overrides=tmp_path / "ov.csv").match_one(
        "Metalor Technologies S.A.", metal="Gold")
    assert (out.decision, out.cid) == ("no_match", "")
    assert "analyst_override" in out.flags


def test_override_metal_must_be_a_3tg_metal(tmp_path: Path) -> None:
    (tmp_path / "ov.csv").write_text("reported_name,metal,cid,verdict\nFoo,Cobalt,CID000015,match\n")
    with pytest.raises(InputError, match="metal 'Cobalt' is not one of"):
        load_overrides(tmp_path / "ov.csv")
    (tmp_path / "ov.csv").write_text("reported_name,metal,cid,verdict\nFoo,gold,CID000015,match\n")
    assert load_overrides(tmp_path / "ov.csv")["metal"].tolist() == ["Gold"]
