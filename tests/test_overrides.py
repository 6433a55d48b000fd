"""Override files (``smelter_match.overrides``) and the matcher honouring them."""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pytest
from _review_data import INJECTION, WHEN, analyst_answers, fill, make_results

from smelter_match import Matcher
from smelter_match.errors import InputError, InputWarning
from smelter_match.overrides import (
    OVERRIDE_COLUMNS,
    OverrideIndex,
    find_override,
    load_overrides,
    override_key,
    recorded_references,
    save_overrides,
)
from smelter_match.reference import Reference
from smelter_match.results import result_column
from smelter_match.review import write_review
from smelter_match.review_apply import apply_review


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
    # nor does applying the same review again later: the decisions keep their first date
    _, again, _ = apply_review(filled, results, reference, decided_at="2026-12-01T00:00:00Z")
    save_overrides(again, path)
    assert path.read_bytes() == first

    # a newer decision for the same name (other spelling), metal and country replaces the old
    # one; an older one does not; a blank-country decision sits beside a country's own
    newer = pd.DataFrame([{"reported_name": "AIDA CHEM.", "metal": "gold", "country": "Japan",
                           "cid": "cid19", "verdict": "match", "comment": "",
                           "decided_at": "2026-09-01T00:00:00Z", "source": "hand"},
                          {"reported_name": "Abington | Reldan", "metal": "Gold",
                           "country": "usa", "cid": "CID002708", "verdict": "match",
                           "comment": "older", "decided_at": "2020-01-01T00:00:00Z",
                           "source": "hand"},
                          {"reported_name": "Aida Chem", "metal": "Gold", "cid": "CID000019",
                           "verdict": "match", "decided_at": "2026-09-01T00:00:00Z",
                           "source": "hand, any country"}])
    merged = save_overrides(newer, path)
    assert len(merged) == 5   # (the four of the review, "unsure" too, and the any-country one)
    assert find_override(merged, "Aida Chem", "Gold", "JP")["source"] == "hand"
    assert find_override(merged, "Aida Chem", "Gold")["source"] == "hand, any country"
    assert find_override(merged, "Aida Chem", "Gold", "China")["source"] == "hand, any country"
    assert find_override(OverrideIndex(merged), "Abington Reldan", "Gold",
                         "US")["cid"] == "CID000015"
    keys = merged[["metal", "key", "country"]].apply(tuple, axis=1).tolist()
    assert keys == sorted(keys)
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
    path.write_text(header.replace("source", "source,country")
                    + "Foo,Gold,CID000015,match,,,,Atlantis\n", encoding="utf-8")
    with pytest.raises(InputError, match="country 'Atlantis' is not a country"):
        load_overrides(path)
    # a hand-written file (as written before the country and reference_version columns): no key
    # column, metal blank = any metal, blank lines skipped
    path.write_text(header + "Foo Smelting Co,,15,match,,,\n,,,,,,\n", encoding="utf-8")
    loaded = load_overrides(path)
    assert loaded.columns.tolist() == list(OVERRIDE_COLUMNS)
    assert loaded["cid"].tolist() == ["CID000015"] and loaded["key"].tolist() == ["foo smelting co"]
    assert (loaded["country"].tolist(), loaded["reference_version"].tolist()) == ([""], [""])
    assert find_override(loaded, "FOO SMELTING CO.", "Tin", "Peru")["cid"] == "CID000015"
    # the key keeps every word, the legal form included
    assert find_override(loaded, "foo smelting", "Tin") is None
    assert find_override(loaded, "Foo Smelting Ltd", "Tin") is None


def test_an_override_folder_is_refused_as_a_folder(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """match --overrides FOLDER said "FOLDER: override file not found" of a folder that is
    there (found by an audit of batch runs): one line says it is a folder, before any
    matching."""
    from smelter_match import cli

    folder = tmp_path / "overrides"
    folder.mkdir()
    with pytest.raises(InputError, match=r"is a folder, not an override file"):
        load_overrides(folder)
    (tmp_path / "in.csv").write_text("Smelter Name\nMinsur\n", encoding="utf-8")
    assert cli.main(["match", str(tmp_path / "in.csv"), "-o", str(tmp_path / "r.csv"),
                     "--overrides", str(folder)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"smelter-match: error: {folder}: is a folder, not an override file; give the file "
        "'review apply --overrides' wrote"]


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


def test_an_override_file_is_any_path_like_the_model(reference: Reference,
                                                     tmpdir) -> None:  # noqa: ANN001
    """A path object that is not a ``pathlib.Path`` (pytest's ``tmpdir``, a py.path) names an
    override file as it names a model file: it was refused ("overrides must be a DataFrame or
    the path of an override file, not LocalPath")."""
    results = make_results()
    filled = fill(write_review(results, None), analyst_answers(results))
    _, overrides, _ = apply_review(filled, results, reference, decided_at=WHEN)
    save_overrides(overrides, Path(tmpdir) / "ov.csv")
    out = Matcher(reference, overrides=tmpdir / "ov.csv").match_one("abington reldan", "Gold")
    assert (out.cid, out.decision) == ("CID000015", "match")




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


# ------------------------------------------------------------------------------------------------
# what an override applies to: the name as the analyst saw it, the metal, the country


def _override(name: str, cid: str, verdict: str = "other", *, metal: str = "Gold",
              country: str = "", when: str = WHEN) -> dict:
    return {"reported_name": name, "metal": metal, "country": country, "cid": cid,
            "verdict": verdict, "comment": "", "decided_at": when, "source": "test",
            "reference_version": "list 2026-08-22 #abc"}


def test_override_key_keeps_chinese_characters_read_alike_apart() -> None:
    """Three smelters whose names read alike in pinyin ("jin li") are three keys; the same
    characters with other spacing or in full-width punctuation are one."""
    keys = {override_key(n) for n in ("郴州金利冶炼厂", "郴州金力冶炼厂", "郴州锦利冶炼厂")}
    assert len(keys) == 3
    assert override_key("郴州金利冶炼厂（有限公司）") == override_key("郴州金利冶炼厂 (有限公司)")
    assert override_key("Metalor Technologies S.A.") == "metalor technologies sa"


def test_override_key_keeps_cjk_letters_not_their_punctuation() -> None:
    """Only letters count as written: "・" is punctuation (it does not matter, as in Latin
    names), "々" repeats the character before it (it does), and so do the CJK extensions."""
    assert override_key("三菱マテリアル・直島製錬所") == override_key("三菱マテリアル 直島製錬所")
    assert override_key("佐々木金属") != override_key("佐木金属")
    assert override_key("𠮷野金属") != override_key("吉野金属")


def test_override_key_keeps_the_legal_form() -> None:
    assert override_key("Metalor Technologies S.A.") == override_key("METALOR TECHNOLOGIES SA")
    assert override_key("Metalor Technologies S.A.") != override_key("Metalor Technologies Ltd.")
    assert override_key("Metalor Technologies S.A.") != override_key("Metalor Technologies")


def test_lookup_by_country() -> None:
    index = OverrideIndex(pd.DataFrame([
        _override("Metalor Technologies S.A.", "CID001153", country="Switzerland"),
        _override("Metalor Technologies S.A.", "CID001152", country="HK"),
        _override("Acme Trading", "", "not_a_smelter", country="CN"),
    ]))
    key = override_key("Metalor Technologies S.A.")
    assert index.lookup(key, "Gold", "CH").row["cid"] == "CID001153"
    assert index.lookup(key, "Gold", "HK").row["cid"] == "CID001152"
    other = index.lookup(key, "Gold", "CN")
    assert other.row is None and {r["country"] for r in other.elsewhere} == {"CH", "HK"}
    # no country on the row: the two countries' answers disagree, so neither is forced
    assert index.lookup(key, "Gold", "").row is None
    # ... but one country's answer applies to a row whose country is unknown
    acme = override_key("Acme Trading")
    assert index.lookup(acme, "Gold", "").row["verdict"] == "not_a_smelter"
    assert index.lookup(acme, "Gold", "US").row is None
    assert index.lookup(acme, "Tin", "CN") is None  # another metal
    assert index.lookup(override_key("Acme Trading Ltd"), "Gold", "CN") is None


def test_recorded_references_newest_first() -> None:
    rows = pd.DataFrame([_override("A", "CID000015", when="2026-01-01T00:00:00Z"),
                         _override("B", "CID000019", when="2026-05-01T00:00:00Z")])
    rows.loc[1, "reference_version"] = "list 2026-05-01 #def"
    assert recorded_references(rows) == ["list 2026-05-01 #def", "list 2026-08-22 #abc"]
    assert recorded_references(rows.drop(columns="reference_version")) == []


def test_matcher_applies_an_override_only_where_the_analyst_decided(
        reference: Reference) -> None:
    """Regression (issue 12): an 'other' override was keyed without legal form and country, so
    "Metalor Technologies S.A." (Switzerland) also forced "Metalor Technologies Ltd." reported in
    China onto the Swiss CID."""
    ov = pd.DataFrame([_override("Metalor Technologies S.A.", "CID001153",
                                 country="SWITZERLAND")])
    matcher = Matcher(reference, overrides=ov)
    inp = pd.DataFrame({
        "name": ["Metalor Technologies S.A.", "METALOR TECHNOLOGIES SA", "Metalor Technologies S.A.",
                 "Metalor Technologies Ltd."],
        "metal": ["Gold"] * 4, "country": ["Switzerland", "", "CHINA", "CHINA"]})
    out = matcher.match(inp, name="name", metal="metal", country="country")
    c, d, f = (result_column(out, n) for n in ("cid", "decision", "flags"))
    # the analyst's own name and country, and the same name without a country: forced
    for i in (0, 1):
        assert (out[c].iloc[i], out[d].iloc[i]) == ("CID001153", "match")
        assert "analyst_override" in out[f].iloc[i]
    # the same name from another country: the model answers, a person decides, flagged
    assert out[d].iloc[2] == "review"
    assert "override_other_country=CH" in out[f].iloc[2].split(";")
    assert "analyst_override" not in out[f].iloc[2]
    assert out[result_column(out, "reason")].iloc[2].startswith(
        "analyst override decided for CH, this row says CN")
    # another legal form is another name: no override at all
    assert "override" not in out[f].iloc[3]


def test_an_override_not_applied_gives_the_rows_own_answer_for_review(reference: Reference) -> None:
    """An override made for another country leaves the row the answer it gets without any
    override (the exact lookup's, for an exact RMI name: its probabilities, one candidate), sent
    to review with the flag; only the decision, reason and flags differ."""
    q = ("Abington Reldan Metals, LLC", "Gold", "UNITED STATES OF AMERICA")
    ov = pd.DataFrame([_override(q[0], "CID002708", country="AQ")])
    plain = Matcher(reference).match_one(*q)
    held = Matcher(reference, overrides=ov).match_one(*q)
    assert plain.decision == "match" and held.decision == "review"
    assert "override_other_country=AQ" in held.flags
    assert held.reason == f"analyst override decided for AQ, this row says US; model: {plain.reason}"
    assert (held.cid, held.score, held.smelter_score, held.candidates) == (
        plain.cid, plain.score, plain.smelter_score, plain.candidates)


def test_override_to_a_cid_the_reference_lacks_goes_to_review(reference: Reference) -> None:
    """Never silently ignored: a CID not in the reference for the row's metal is flagged."""
    ov = pd.DataFrame([_override("Abington Reldan Metals", "CID001070", metal="")])  # a Tin CID
    out = Matcher(reference, overrides=ov).match_one("Abington Reldan Metals", metal="Gold")
    assert out.decision == "review"
    assert "override_cid_not_in_reference=CID001070" in out.flags


def test_an_override_outranks_the_placeholder_rule(reference: Reference) -> None:
    """A text the placeholder rule decides no_match ("Unknown (Peru)") that an analyst mapped
    to a facility gets the analyst's answer."""
    ov = pd.DataFrame([_override("Unknown (Peru)", "CID001153", country="")])
    matcher = Matcher(reference, overrides=ov)
    assert Matcher(reference).match_one("Unknown (Peru)", metal="Gold").decision == "no_match"
    out = matcher.match_one("Unknown (Peru)", metal="Gold")
    assert (out.decision, out.cid) == ("match", "CID001153")
    assert "analyst_override" in out.flags


def test_an_override_outranks_the_exact_lookup(reference: Reference) -> None:
    """RMI's own name of one facility is settled by the first pass (no search); an analyst who
    mapped that name elsewhere, or decided it is not a smelter, still gets the analyst's answer."""
    name = "Abington Reldan Metals, LLC"
    plain = Matcher(reference).match_one(name, metal="Gold")
    assert (plain.decision, plain.cid, len(plain.candidates)) == ("match", "CID002708", 1)
    ov = pd.DataFrame([_override(name, "CID002763")])
    out = Matcher(reference, overrides=ov).match_one(name, metal="Gold")
    assert (out.decision, out.cid) == ("match", "CID002763") and "analyst_override" in out.flags
    ov = pd.DataFrame([_override(name, "", "not_a_smelter")])
    out = Matcher(reference, overrides=ov).match_one(name, metal="Gold")
    assert (out.decision, out.cid) == ("no_match", "") and "analyst_override" in out.flags


def test_a_forced_answer_keeps_the_flags_about_what_the_supplier_reported(
        reference: Reference) -> None:
    """An override decided without a metal forces a row without one, and a reported CID
    unknown to the reference: the row still says so (``metal_missing``,
    ``reported_cid_unknown``), as ``review apply`` keeps those flags on the rows it decides."""
    name = "Abington Reldan Metals"
    for verdict, cid in (("other", "CID002708"), ("not_a_smelter", "")):
        ov = pd.DataFrame([_override(name, cid, verdict, metal="")])
        out = Matcher(reference, overrides=ov).match_one(name, reported_cid="CID999999")
        assert out.cid == cid and "analyst_override" in out.flags
        assert {"metal_missing", "reported_cid_unknown"} <= set(out.flags)
    out = Matcher(reference, overrides=ov).match_one(name, metal="Gold")
    assert out.flags == ("analyst_override",)


def test_an_override_for_any_metal_is_not_forced_onto_another_metal(reference: Reference) -> None:
    """An override decided on a row without a metal is for any of the four; a row reporting
    another metal ("Cobalt") is sent to review, flagged, not matched to the 3TG facility. Its
    not_a_smelter decision still holds (a non-smelter is one for any metal)."""
    name = "Abington Reldan Metals"
    matcher = Matcher(reference, overrides=pd.DataFrame([_override(name, "CID002708", metal="")]))
    assert (matcher.match_one(name).decision, matcher.match_one(name).cid) == ("match", "CID002708")
    assert matcher.match_one(name, metal="Gold").decision == "match"
    out = matcher.match_one(name, metal="Cobalt")
    assert out.decision == "review" and "override_for_no_metal" in out.flags
    assert "analyst_override" not in out.flags
    assert out.reason.startswith("analyst override to CID002708 decided without a metal, this "
                                 "row says Cobalt")
    ov = pd.DataFrame([_override(name, "", "not_a_smelter", metal="")])
    out = Matcher(reference, overrides=ov).match_one(name, metal="Cobalt")
    assert (out.decision, out.cid) == ("no_match", "")


def _decide_aida(reference: Reference, cells: dict[str, str],
                 answer: tuple[str, str, str]) -> tuple[pd.Series, pd.DataFrame, dict]:
    """The review's "Aida Chem" row with ``cells`` edited into its results, decided ``answer``:
    (its updated results row, the overrides, the report)."""
    results = make_results()
    at = results["Smelter Name"] == "Aida Chem"
    for col, value in cells.items():
        results.loc[at, col] = value
    aida = results.loc[at, "row_id"].iloc[0]
    updated, overrides, report = apply_review(fill(write_review(results, None), {aida: answer}),
                                              results, reference, decided_at=WHEN)
    return updated[at].iloc[0], overrides, report


def test_a_decision_on_a_row_of_another_metal_gives_no_override_for_any_metal(
        reference: Reference) -> None:
    """A row reporting "Copper" decided to a CID updates the row; its override would be for
    any metal (the file holds the four or none) and is left out, named in the report."""
    copper = {"Metal": "Copper", "metal": "Copper", "flags": "metal_unrecognised;metal_missing"}
    row, overrides, report = _decide_aida(reference, copper, ("other", "CID000019", ""))
    assert row["cid"] == "CID000019"
    assert overrides.empty and report["override_other_metal"] == ["Aida Chem"]
    # nor "not a smelter": of a copper smelter it is not of the same name's gold refinery
    row, overrides, report = _decide_aida(reference, copper, ("not_a_smelter", "", ""))
    assert row["decision"] == "no_match"
    assert overrides.empty and report["override_other_metal"] == ["Aida Chem"]


def test_a_decision_on_a_row_whose_country_is_not_read_gives_no_override_for_every_country(
        reference: Reference) -> None:
    """A row reporting "Jiangsu" (not read as a country) decided to a CID updates the row, but
    its override would be for any country and force the name reported from Brazil (found by
    an audit of the round trip): left out, named in the report. "Jiangsu, China" is China's."""
    row, overrides, report = _decide_aida(reference, {"Smelter Country": "Jiangsu"},
                                          ("other", "CID000019", ""))
    assert row["cid"] == "CID000019"
    assert overrides.empty and report["override_unread_country"] == ["Aida Chem"]
    _, overrides, _ = _decide_aida(reference, {"Smelter Country": "Jiangsu, China"},
                                   ("other", "CID000019", ""))
    assert overrides["country"].tolist() == ["CN"]


def test_a_row_reporting_another_metal_gives_no_override_also_when_decided_without_a_search(
        reference: Reference) -> None:
    """A name the matcher decides without a search (a placeholder: no flags on its row) reported
    as "Copper" gives no override either (it was one for every metal: the same placeholder's
    Gold row with a reported CID went from review to no_match)."""
    rows = pd.DataFrame({"name": ["Unknown"], "metal": ["Copper"], "country": ["China"]})
    results = Matcher(reference).match(rows, name="name", metal="metal", country="country")
    results.insert(0, "row_id", ["r000000000001"])
    review = write_review(results, None, include_no_match=1)
    _, overrides, report = apply_review(fill(review, {"r000000000001": ("not_a_smelter", "", "")}),
                                        results, reference, decided_at=WHEN)
    assert overrides.empty and report["override_other_metal"] == ["Unknown"]


def test_a_blank_reported_name_in_the_review_is_no_name(reference: Reference) -> None:
    """A review shows the name the matcher read (``--name-col``): a row whose cell there is
    blank is decided without a name, and its decision is no override for another column's text
    (was: the recognised "Smelter Name" beside it, text the analyst never saw)."""
    rows = pd.DataFrame({"Supplier smelter": ["", "Aida Chemical Industries Co., Ltd."],
                         "Smelter Name": ["Zzyzx Refining Works", "Aida"],
                         "Metal": ["Gold", "Gold"]})
    results = Matcher(reference).match(rows, name="Supplier smelter", metal="Metal")
    results.insert(0, "row_id", ["r000000000001", "r000000000002"])
    review = write_review(results, None, include_no_match=2,
                          input_columns={"name": "Supplier smelter"})
    assert review.loc[review["row_id"] == "r000000000001", "reported_name"].tolist() == [""]
    _, overrides, report = apply_review(fill(review, {"r000000000001": ("not_a_smelter", "", "")}),
                                        results, reference, decided_at=WHEN)
    assert overrides.empty and report["override_nameless"] == ["r000000000001"]


def test_a_row_without_a_name_is_reviewed_as_such_and_gives_no_override(
        reference: Reference) -> None:
    """A plain table with "Smelter Look-up" beside "Smelter Name": the matcher read the name
    column, so a row whose name is empty shows no name in the review (not the look-up's text,
    which another row's override would then be keyed on), and a decision on it updates the row
    but is no override (one for "" would decide every row without a name)."""
    rows = pd.DataFrame({"Smelter Look-up": ["Metalor Technologies S.A."] * 2,
                         "Smelter Name": ["", "Metalor Technologies S.A."],
                         "Metal": ["Gold", "Gold"], "Country": ["Switzerland"] * 2})
    results = Matcher(reference).match(rows, name="Smelter Name", metal="Metal",
                                       country="Country")
    results.insert(0, "row_id", ["r000000000001", "r000000000002"])
    review = write_review(results, None, include_no_match=2)
    assert review["reported_name"].tolist()[:1] == [""]
    updated, overrides, report = apply_review(
        fill(review, {"r000000000001": ("other", "CID001153", "")}), results, reference,
        decided_at=WHEN)
    assert updated["cid"].tolist()[0] == "CID001153"
    assert overrides.empty and report["override_nameless"] == ["r000000000001"]


def test_an_override_file_with_a_column_twice_is_refused(tmp_path: Path) -> None:
    """Which of two "cid" columns an analyst meant cannot be told: a one-line error."""
    path = tmp_path / "ov.csv"
    path.write_text("reported_name,metal,country,cid,verdict,cid\n"
                    "Aida Chem,Gold,JP,CID000019,match,CID000103\n", encoding="utf-8")
    with pytest.raises(InputError, match="column 'cid' appears 2 times"):
        load_overrides(path)


def test_a_name_with_an_excel_escape_keeps_its_decision(reference: Reference) -> None:
    """A supplier cell holding Excel's escape "_x000D_" (as openpyxl leaves it) is the same name
    in the results, in the review the analyst saw (where it reads as the character) and in the
    override key: the decision is applied and then honoured (was: "edited?", whole review
    refused)."""
    rows = pd.DataFrame({"name": ["Kunshan_x000D_Metals Refinery"], "metal": ["Gold"],
                         "country": ["China"]})
    results = Matcher(reference).match(rows, name="name", metal="metal", country="country")
    review = write_review(results, None, include_no_match=1)
    review["analyst_verdict"] = "not_a_smelter"
    _, overrides, _ = apply_review(review, results, reference, decided_at=WHEN)
    again = Matcher(reference, overrides=overrides).match(rows, name="name", metal="metal",
                                                         country="country")
    assert again["decision"].tolist() == ["no_match"]
    assert "analyst_override" in again["flags"].iloc[0]


def test_an_override_for_a_chinese_name_is_not_widened_to_one_read_alike(
        reference: Reference) -> None:
    """The matcher looks overrides up by the same key the file holds: a decision for
    "郴州金利冶炼厂" forces that name, not "郴州金力冶炼厂" (another company, the same pinyin)."""
    ov = pd.DataFrame([_override("郴州金利冶炼厂", "", "not_a_smelter", metal="Tin",
                                 country="")])
    m = Matcher(reference, overrides=ov)
    assert "analyst_override" in m.match_one("郴州金利冶炼厂", metal="Tin").flags
    assert "analyst_override" not in m.match_one("郴州金力冶炼厂", metal="Tin").flags
    assert find_override(ov, "郴州金利冶炼厂", "Tin") is not None
    assert find_override(ov, "郴州金力冶炼厂", "Tin") is None


def test_an_unsure_override_keeps_the_name_in_review(tmp_path: Path, reference: Reference) -> None:
    """'unsure' is a decision too: saved, it keeps the name in review with the model's own
    answer, also where the model (or an earlier override) would decide it automatically; it
    replaces an earlier answer for the same name (found by a review: an unsure on a row an
    override had matched lasted until the next run, which filed the facility again)."""
    name = "Abington Reldan Metals, LLC"
    plain = Matcher(reference).match_one(name, metal="Gold")
    assert plain.decision == "match"
    path = tmp_path / "ov.csv"
    save_overrides(pd.DataFrame([_override(name, "CID002708")]), path)
    save_overrides(pd.DataFrame([_override(name, "", "unsure", when="2026-09-01T00:00:00Z")]),
                   path)
    assert load_overrides(path)["verdict"].tolist() == ["unsure"]
    out = Matcher(reference, overrides=path).match_one(name, metal="Gold")
    assert (out.decision, out.cid) == ("review", plain.cid)
    assert out.flags == ("analyst_unsure",)
    assert out.reason == f"an analyst was unsure about this name; model: {plain.reason}"
    pd.DataFrame([_override(name, "CID002708", "unsure")]).to_csv(tmp_path / "bad.csv",
                                                                  index=False)
    with pytest.raises(InputError, match="verdict unsure with cid"):
        load_overrides(tmp_path / "bad.csv")


def test_a_placeholder_country_is_no_country_for_an_override(tmp_path: Path,
                                                             reference: Reference) -> None:
    """A row whose country says none ("N/A", "-", "unknown") gives an override for any country,
    as before; only a country text not read as one ("Jiangsu") gives none (found by a
    review of that rule)."""
    for blank in ("N/A", "-", "unknown"):
        _, overrides, report = _decide_aida(reference, {"Smelter Country": blank},
                                            ("accept", "", "see _x005F_x000D_"))
        assert overrides[["reported_name", "country"]].values.tolist() == [["Aida Chem", ""]]
        assert report["override_unread_country"] == []
    # a comment holding the text "_x000D_" is read once, saved and read back as it is
    assert overrides["comment"].tolist() == ["see _x005F_x000D_"]
    save_overrides(overrides, tmp_path / "ov.csv")
    assert load_overrides(tmp_path / "ov.csv")["comment"].tolist() == ["see _x005F_x000D_"]


def test_a_decision_from_namibia_is_for_namibia(tmp_path: Path, reference: Reference) -> None:
    """Namibia's code is "NA", which a supplier's cell means as "N/A": a decision on a row from
    Namibia was saved as "NA" and read back as no country, an override for every country (it
    then decided the name from China and Germany `no_match`; found by a review)."""
    _, overrides, _ = _decide_aida(reference, {"Smelter Country": "Namibia"},
                                   ("not_a_smelter", "", ""))
    assert overrides["country"].tolist() == ["NA"]
    save_overrides(overrides, tmp_path / "ov.csv")
    assert load_overrides(tmp_path / "ov.csv")["country"].tolist() == ["NA"]
    matcher = Matcher(reference, overrides=tmp_path / "ov.csv")
    assert matcher.match_one("Aida Chem", "Gold", "Namibia").decision == "no_match"
    other = matcher.match_one("Aida Chem", "Gold", "China")
    assert other.decision == "review" and "override_other_country=NA" in other.flags


def _hand_edited(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hand.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_date_excel_rewrote_day_first_never_beats_a_newer_decision(tmp_path: Path) -> None:
    """Excel in a European locale rewrites "2026-08-12T10:00:00Z" as "12/08/2026 10:00", which
    was read as 8 December and beat a decision made in between (found by an audit). A date that
    reads two ways counts as the oldest; one that reads one way ("25/11/2026") is that day."""
    path = _hand_edited(tmp_path, "reported_name,metal,country,cid,verdict,decided_at\n"
                        "Gejiu Yunxi Group Corp.,Tin,CN,CID001908,accept,12/08/2026 10:00\n")
    newer = pd.DataFrame([_override("Gejiu Yunxi Group Corp.", "", "not_a_smelter", metal="Tin",
                                    country="CN", when="2026-11-01T00:00:00Z")])
    assert save_overrides(newer, path)["verdict"].tolist() == ["not_a_smelter"]
    path = _hand_edited(tmp_path, "reported_name,metal,country,cid,verdict,decided_at\n"
                        "Gejiu Yunxi Group Corp.,Tin,CN,CID001908,accept,25/11/2026 10:00\n")
    assert save_overrides(newer, path)["verdict"].tolist() == ["accept"]


def test_a_metal_or_country_column_headed_otherwise_or_gone_never_widens(tmp_path: Path) -> None:
    """"Metal" and "Country" (as Excel users type them) were not read: every decision became one
    for any metal and any country, and review apply wrote that back (found by an audit).
    Headers are read as input tables' are; a file without a metal column is refused, one
    without a country column read as any country with a note."""
    body = "Bank of China,Gold,CN,,not_a_smelter,2026-12-07T11:46:53Z\n"
    loaded = load_overrides(_hand_edited(tmp_path, "Reported Name,Metal,Country,CID,Verdict,"
                                                   "Decided At\n" + body))
    assert loaded[["metal", "country"]].values.tolist() == [["Gold", "CN"]]
    with pytest.raises(InputError, match="lacks column.*metal"):
        load_overrides(_hand_edited(tmp_path, "reported_name,country,cid,verdict\n"
                                              "Bank of China,CN,,not_a_smelter\n"))
    with pytest.warns(InputWarning, match="no country column"):
        load_overrides(_hand_edited(tmp_path, "reported_name,metal,cid,verdict\n"
                                              "Bank of China,Gold,,not_a_smelter\n"))


def test_two_answers_of_one_date_are_refused_and_a_placeholder_country_too(
        tmp_path: Path) -> None:
    """A row copied and answered otherwise, its date kept: which answer held depended on the
    rows' order (found by an audit); "N/A" in the country column meant any country, where the
    metal column refuses it."""
    same = "2026-12-07T11:46:53Z"
    with pytest.raises(InputError, match="dated alike"):
        load_overrides(_hand_edited(tmp_path, "reported_name,metal,country,cid,verdict,decided_at\n"
                                    f"Gejiu Yunxi Group Corp.,Tin,CN,CID001908,accept,{same}\n"
                                    f"GEJIU YUNXI GROUP CORP,Tin,China,,not_a_smelter,{same}\n"))
    with pytest.raises(InputError, match="'N/A' is not a country"):
        load_overrides(_hand_edited(tmp_path, "reported_name,metal,country,cid,verdict\n"
                                              "Gejiu Yunxi Group Corp.,Tin,N/A,CID001908,accept\n"))


def test_a_column_of_the_analysts_own_survives_saving(tmp_path: Path) -> None:
    """"my_notes" ("ticket 4711") was dropped when review apply saved the file (found by an
    audit); it is kept, blank on the rows a review adds."""
    path = _hand_edited(tmp_path, "reported_name,metal,country,cid,verdict,decided_at,my_notes\n"
                        "Bank of China,Gold,CN,,not_a_smelter,2026-12-07T11:46:53Z,ticket 4711\n")
    merged = save_overrides(pd.DataFrame([_override("Aida Chem", "CID000019")]), path)
    assert merged.columns.tolist() == [*OVERRIDE_COLUMNS, "my_notes"]
    again = load_overrides(path).set_index("reported_name")["my_notes"].to_dict()
    assert again == {"Bank of China": "ticket 4711", "Aida Chem": ""}


@pytest.mark.parametrize(("name", "country", "reported_cid"), [
    ("nonferrous Metals Group Co.,Ltd", "China", None),   # the rule on names of only kinds
    ("Bank of China", "CN", "CID001182"),                  # the reported CID kept
])
def test_an_override_not_applied_gives_the_models_own_answer(
        tmp_path: Path, reference: Reference, name: str, country: str,
        reported_cid: str | None) -> None:
    """An override the matcher does not apply (unsure; decided for another country) sends the
    row to review with the model's answer, which was made by another code path than every
    other row's: without the rule on names that say only where or what kind ("model: fuzzy
    name", a confident answer the model never gave) and without the reported CID's facility
    (found by an audit of batch runs)."""
    plain = Matcher(reference).match_one(name, "Gold", country, reported_cid=reported_cid)
    for verdict, where in (("unsure", ""), ("not_a_smelter", "DE")):
        path = tmp_path / f"{verdict}.csv"
        save_overrides(pd.DataFrame([_override(name, "", verdict, country=where)]), path)
        out = Matcher(reference, overrides=path).match_one(name, "Gold", country,
                                                           reported_cid=reported_cid)
        assert (out.decision, out.cid) == ("review", plain.cid)
        assert out.reason.endswith(f"; model: {plain.reason}")
        assert out.explanation
