"""The merged RMI reference (``smelter_match.reference``) and the ``reference`` CLI commands.

The full reference (all 14 files of ``shared/rmi/cmrt`` and ``shared/rmi/exports-2026-08-22``) is
loaded once per session (fixture ``full_reference``) and cross-checked against the independent
flattening in ``shared/rmi/derived`` (read here only; it is never an input of the library).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from smelter_match import cli
from smelter_match import reference as reference_module
from smelter_match.countries import normalize_country
from smelter_match.errors import ReferenceLoadError, ReferenceWarning
from smelter_match.reference import NOT_CHECKED, Reference, load_reference, reference_for_stamp

pytestmark = pytest.mark.slow

CMRT_6X = [
    "RMI_CMRT_6.01_zh-display.xlsx",
    "RMI_CMRT_6.1_zh-display.xlsx",
    "RMI_CMRT_6.22_zh-display.xlsx",
    "RMI_CMRT_6.22_filled-placeholder-declaration.xlsx",
    "RMI_CMRT_6.31_zh-display.xlsx",
    "RMI_CMRT_6.4.xlsx",
    "RMI_CMRT_6.4_zh-display.xlsx",
    "RMI_CMRT_6.5_zh-display.xlsx",
]

# Intended differences in the *current standard name* (18 CIDs). The merge takes the newest dated
# standard name (revision-log names are dated by their revision date, RMAP-list names by the list
# date), derived/ prefers names from smelter lists:
#   CID       metal     ours                                        derived
#   CID000328 Gold      "Daejin Indus Co., Ltd."                    "Daejin Indus Co. Ltd"
#   CID000988 Gold      "Korea Metal Co., Ltd."                     "Korea Metal Co. Ltd"
#   CID001322 Gold      "Elemetal Refining, LLC"                    "Ohio Precious Metals, LLC"
#   CID001573 Gold      "Schone Edelmetaal B.V."                    "Schone Edelmetaal"
#   CID000731 Tantalum  "Hi-Temp Specialty Metals, Inc."            "Hi-Temp"
#   CID000963 Tantalum  "Kemet Blue Metal"                          "Kemet Blue Powder"
#   CID000973 Tantalum  "King-Tan Tantalum Industry Ltd."           "... Industry Ltd"
#   CID001634 Tantalum  "Shanghai Jiangxi Metals Co., Ltd."         "... Co. Ltd"
#   CID002232 Tantalum  "Zhuzhou Cemented Carbide Group Co., Ltd."  "Zhuzhou Cement Carbide"
#   CID002307 Tantalum  "Yichun Jin Yang Rare Metal Co., Ltd."      "... Co., Ltd" (no dot)
#   CID002547 Tantalum  "QSIL Metals Hermsdorf GmbH"                "H.C. Starck Hermsdorf GmbH"
#   CID000244 Tin       "Jiangxi Ketai Advanced Material Co., Ltd." "China Rare Metal Materials
#                                                                    Company"
#   CID000278 Tin       "CNMC (Guangxi) PGMA Co., Ltd."             "... PGMA Co. Ltd."
#   CID000295 Tin       "Cooperativa Metalurgica de Rondônia Ltda." "Cooper Santa"
#   CID001063 Tin       "Linwu Xianggui Ore Smelting Co., Ltd."     "Linwu Xianggui Smelter Co"
#   CID002011 Tungsten  "Vietnam Youngsun Tungsten Industry Co., Ltd." "... Co., Ltd"
# For these 16 the chosen name is one of the facility's names in derived/aliases.csv. Two more
# come from the 2026 RMAP conformant list, whose names derived/ does not collect at all (both CIDs
# are in CMRT 6.4 only, not in 6.5 nor the 2026 export):
#   CID004604 Gold "Impala Platinum - Base Metal Refinery (BMR)"
#                  derived "Impala Refineries – Base Metals Refinery (BMR)"
#   CID004610 Gold "Impala Platinum - Rustenburg Smelter"   derived "Impala Rustenburg"
NAME_FROM_NEWER_SOURCE = {
    "CID000328", "CID000988", "CID001322", "CID001573", "CID000731", "CID000963", "CID000973",
    "CID001634", "CID002232", "CID002307", "CID002547", "CID000244", "CID000278", "CID000295",
    "CID001063", "CID002011",
}
NAME_FROM_RMAP_LIST = {"CID004604", "CID004610"}


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def derived(rmi_derived_dir: Path) -> dict[str, pd.DataFrame]:
    """The derived/ tables (read-only cross-check material)."""
    return {
        name: _csv(rmi_derived_dir / f"{name}.csv")
        for name in ("reference", "aliases", "revisions", "v2_id_crosswalk")
    }


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache dir and no ``SMELTER_MATCH_REFERENCE``: nothing configured."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("SMELTER_MATCH_CACHE_DIR", str(cache))
    monkeypatch.delenv("SMELTER_MATCH_REFERENCE", raising=False)
    return cache


def _pairs(df: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(df["cid"], df["metal"], strict=True))


# ------------------------------------------------------------------------------------------------
# Full reference vs derived/
# ------------------------------------------------------------------------------------------------

def test_full_reference_loads_every_file(full_reference) -> None:
    files = full_reference.version.files
    assert len(files) == 14
    kinds = pd.Series([f["kind"] for f in files]).value_counts().to_dict()
    assert kinds == {"lookup": 9, "legacy": 2, "revisions": 1, "conformant": 1, "active": 1}
    assert full_reference.version.template_version == "6.5"
    assert full_reference.version.list_date == "2026-08-22"
    assert "CMRT 6.5" in full_reference.version.stamp


def test_same_cid_metal_set_and_cids_per_metal(full_reference, derived) -> None:
    fac, ref = full_reference.facilities, derived["reference"]
    assert len(fac) == len(ref) == 547
    assert _pairs(fac) == _pairs(ref)
    assert fac.groupby("metal").size().to_dict() == ref.groupby("metal").size().to_dict() == {
        "Gold": 225, "Tantalum": 70, "Tin": 152, "Tungsten": 100,
    }
    assert int(fac["in_latest_list"].sum()) == int((ref["in_rmi_export_2026_08_22"] == "yes").sum())
    assert int(fac["in_latest_list"].sum()) == 347


def test_every_derived_alias_is_a_name(full_reference, derived) -> None:
    names = set(zip(full_reference.names["cid"], full_reference.names["metal"],
                    full_reference.names["name"], strict=True))
    aliases = derived["aliases"]
    expected = {(c, m, _ws(a)) for c, m, a in zip(aliases["cid"], aliases["metal"],
                                                   aliases["alias"], strict=True)}
    assert len(expected) == 1325
    assert expected - names == set()
    # The only extra names are the two RMAP-list standard names derived/ does not collect.
    assert {c for c, _, _ in names - expected} == NAME_FROM_RMAP_LIST
    assert len(names - expected) == 2


def test_standard_names_match_derived_except_known(full_reference, derived) -> None:
    fac = full_reference.facilities.set_index(["cid", "metal"])["standard_name"]
    ref = derived["reference"].set_index(["cid", "metal"])["standard_name"]
    differ = {cid for (cid, metal), name in ref.items() if fac[(cid, metal)] != name}
    assert differ == NAME_FROM_NEWER_SOURCE | NAME_FROM_RMAP_LIST

    aliases = derived["aliases"]
    for cid in NAME_FROM_NEWER_SOURCE:
        known = {_ws(a) for a in aliases.loc[aliases["cid"] == cid, "alias"]}
        chosen = full_reference.facility(cid)["standard_name"]
        assert chosen in known, (cid, chosen)
    names = full_reference.names
    for cid in NAME_FROM_RMAP_LIST:
        row = full_reference.facility(cid)
        assert row["versions"] == "CMRT 6.4; RMI conformant list 2026-08-22"
        own = names[names["cid"] == cid].set_index("name")["kind"]
        assert own[row["standard_name"]] == "current_standard_name"
        assert own[ref[(cid, "Gold")]] == "former_standard_name"


def test_name_kinds_match_derived(full_reference, derived) -> None:
    ours = full_reference.names.set_index(["cid", "metal", "name"])["kind"]
    aliases = derived["aliases"]
    counts = {"same": 0, "swapped": 0}
    for r in aliases.itertuples(index=False):
        kind = ours[(r.cid, r.metal, _ws(r.alias))]
        if kind == r.alias_kind:
            counts["same"] += 1
            continue
        # only the current/former swap caused by the intended standard-name differences
        assert r.cid in NAME_FROM_NEWER_SOURCE | NAME_FROM_RMAP_LIST, (r.cid, r.alias, kind)
        assert {kind, r.alias_kind} == {"current_standard_name", "former_standard_name"}
        counts["swapped"] += 1
    assert counts == {"same": 1291, "swapped": 34}
    kinds = full_reference.names["kind"].value_counts().to_dict()
    assert kinds == {"current_standard_name": 547, "lookup_alias": 533,
                     "former_standard_name": 247}


def test_rmap_status_equal(full_reference, derived) -> None:
    fac = full_reference.facilities.set_index(["cid", "metal"])["rmap_status"]
    ref = derived["reference"].set_index(["cid", "metal"])["rmap_status"]
    assert fac.sort_index().equals(ref.sort_index())
    assert fac.value_counts().to_dict() == {"": 305, "Conformant": 234, "Active": 8}
    # SOURCES.md quirks: removed in 2022 yet conformant; conformant yet absent from 6.4/6.5.
    assert full_reference.facility("CID001758")["rmap_status"] == "Conformant"
    assert full_reference.facility("CID001758")["removed"]
    assert full_reference.facility("CID000211")["rmap_status"] == "Conformant"


def test_removed_set_and_last_revision(full_reference, derived) -> None:
    # derived encodes the facility's newest revision as "<date> <Basis>: <details>"; a facility is
    # removed when that newest revision is a removal. Ours: the newest Added/Removed event is a
    # removal. Both give the same 173 (cid, metal), and the same last-revision text for all 547.
    ref = derived["reference"]
    derived_removed = {
        (c, m) for c, m, last in zip(ref["cid"], ref["metal"], ref["last_revision"], strict=True)
        if re.match(r"^\d{4}-\d\d-\d\d Removed:", last)
    }
    fac = full_reference.facilities
    ours = _pairs(fac[fac["removed"]])
    # but six the newest smelter list (2026-08-22) carries after their removal
    relisted = _pairs(fac[fac["in_latest_list"]]) & derived_removed
    assert len(relisted) == 6
    assert ours == derived_removed - relisted
    assert len(ours) == 167
    merged = ref.merge(fac, on=["cid", "metal"], suffixes=("_d", ""))
    assert (merged["last_revision_d"] == merged["last_revision"]).all()


def test_successors_equal_referenced_cids(full_reference, derived) -> None:
    revs = derived["revisions"]
    removed_rows = revs[revs["basis"].str.lower() == "removed"]
    expected = removed_rows.groupby(["cid", "metal"])["referenced_cids"].agg(
        lambda s: frozenset(" ".join(s).split())
    )
    fac = full_reference.facilities
    removed = fac[fac["removed"]]
    with_successors = 0
    for r in removed.itertuples(index=False):
        got = frozenset(filter(None, r.successors.split(";")))
        assert got == expected[(r.cid, r.metal)], r.cid
        with_successors += bool(got)
    assert with_successors == 13
    assert full_reference.facility("CID000963")["successors"] == "CID002568;CID002539"
    assert len(full_reference.revisions) == len(revs) == 496


def test_country_and_city_mostly_equal(full_reference, derived) -> None:
    merged = derived["reference"].merge(full_reference.facilities, on=["cid", "metal"],
                                        suffixes=("_d", ""))
    # the country as the lists write it (the revision log's text, "UNITED STATES OF AMERICA"
    # for three removed US facilities the lists write "UNITED STATES", no longer wins)
    assert (merged["country_d"] == merged["country"]).all()
    assert (merged["country_d"].map(normalize_country).fillna("") == merged["country_code"]).all()
    assert (merged["country_code"] != "").all()
    assert (merged["city_d"] != merged["city"]).sum() <= 5
    assert (merged["state_province_d"] != merged["state_province"]).sum() <= 5


def test_ambiguous_names_cover_derived(full_reference, derived) -> None:
    aliases = derived["aliases"]
    derived_amb = {(c, _ws(a)) for c, a, x in zip(aliases["cid"], aliases["alias"],
                                                   aliases["also_maps_to"], strict=True) if x}
    names = full_reference.names
    ours = set(zip(names.loc[names["ambiguous"], "cid"], names.loc[names["ambiguous"], "name"],
                   strict=True))
    assert len(derived_amb) == 26
    # Our name key also drops legal forms, so it finds more collisions ("Johnson Matthey Inc" /
    # "Johnson Matthey Limited", "H.C. Starck ..."): a superset of derived's 26.
    assert derived_amb <= ours


def test_reference_summary(full_reference) -> None:
    s = full_reference.summary()
    assert s["facilities"] == 547 and s["removed"] == 167 and s["current"] == 347


# ------------------------------------------------------------------------------------------------
# Single files, language copies, legacy templates, cache
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", CMRT_6X)
def test_each_6x_workbook_loads_alone(rmi_dir: Path, name: str) -> None:
    ref = load_reference(rmi_dir / "cmrt" / name)
    assert [f["kind"] for f in ref.version.files] == ["lookup"]
    assert ref.version.template_version.startswith("6.")
    assert 300 <= len(ref.facilities) <= 600
    assert set(ref.facilities["metal"]) == {"Gold", "Tantalum", "Tin", "Tungsten"}
    assert ref.facilities["in_latest_list"].all()
    assert (ref.facilities["standard_name"] != "").all()
    assert not ref.facilities["removed"].any()


def test_english_and_zh_display_64_are_identical(rmi_dir: Path) -> None:
    en = load_reference(rmi_dir / "cmrt" / "RMI_CMRT_6.4.xlsx")
    zh = load_reference(rmi_dir / "cmrt" / "RMI_CMRT_6.4_zh-display.xlsx")
    pd.testing.assert_frame_equal(en.facilities, zh.facilities)
    pd.testing.assert_frame_equal(en.names, zh.names)
    assert en.version.content_hash != zh.version.content_hash  # different files ...
    assert en.version.list_date == zh.version.list_date == "2024-02-28"  # ... same list


def test_203a_needs_301_for_cids(rmi_dir: Path, derived) -> None:
    cmrt = rmi_dir / "cmrt"
    with pytest.raises(ReferenceLoadError, match="old-format IDs"):
        load_reference(cmrt / "EICC_GeSI_CMRT_2.03a.xlsx")
    only_301 = load_reference(cmrt / "CFSI_CMRT_3.01.xls")
    both = load_reference(cmrt / "CFSI_CMRT_3.01.xls", cmrt / "EICC_GeSI_CMRT_2.03a.xlsx")
    known = set(zip(only_301.names["cid"], only_301.names["name"], strict=True))
    new = both.names[[(c, n) not in known for c, n in zip(both.names["cid"], both.names["name"],
                                                            strict=True)]]
    assert len(new) > 100
    assert new["cid"].str.match(r"^CID\d{6}$").all()
    assert (new["versions"] == "CMRT 2.03a").all()
    # derived marks 195 names seen only in the 2013 template: all are mapped, to the same CID.
    aliases = derived["aliases"]
    v2 = aliases[aliases["only_via_v2_crosswalk"] == "yes"]
    assert len(v2) == 195
    ours = set(zip(both.names["cid"], both.names["metal"], both.names["name"], strict=True))
    missing = {(c, m, _ws(a)) for c, m, a in zip(v2["cid"], v2["metal"], v2["alias"], strict=True)}
    assert missing - ours == set()


def test_cache_second_load_reads_no_file_and_is_equal(full_reference, rmi_dir: Path,
                                                      rmi_exports_dir: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    load_reference(rmi_dir / "cmrt", rmi_exports_dir)  # (re)builds the cache if code changed

    def no_parsing(path):  # noqa: ANN001, ANN202
        raise AssertionError(f"{path} parsed although the compiled reference is cached")

    monkeypatch.setattr(reference_module, "read_source", no_parsing)
    again = load_reference(rmi_dir / "cmrt", rmi_exports_dir)
    assert again.version == full_reference.version
    for attr in ("facilities", "names", "revisions"):
        pd.testing.assert_frame_equal(getattr(again, attr), getattr(full_reference, attr))


def test_a_truncated_compiled_reference_is_an_error_and_a_damaged_cache_is_rebuilt(
        rmi_exports_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMELTER_MATCH_CACHE_DIR", str(tmp_path / "cache"))
    first = load_reference(rmi_exports_dir)
    (compiled,) = (tmp_path / "cache" / "compiled").glob("*.json.gz")
    compiled.write_bytes(compiled.read_bytes()[:3000])   # a copy cut short
    with pytest.raises(ReferenceLoadError, match="not a compiled smelter_match reference"):
        Reference.load_compiled(compiled)
    again = load_reference(rmi_exports_dir)   # rebuilt from the sources, not a traceback
    assert again.version == first.version
    assert Reference.load_compiled(compiled).version == first.version


@pytest.mark.parametrize("tables", [{"names": "damaged"}, {"names": [1, 2, 3]},
                                    {"facilities": None}, {"revisions": [["CID000001"]]}])
def test_a_compiled_reference_whose_tables_are_not_rows_is_refused_and_the_cache_rebuilt(
        tables: dict, rmi_exports_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Valid JSON of another shape (a table that is no list of rows) is no compiled reference:
    refused when it is read, as before tables were kept as rows (an AttributeError when the
    matcher first read a column, and a damaged cache entry that was never rebuilt)."""
    monkeypatch.setenv("SMELTER_MATCH_CACHE_DIR", str(tmp_path / "cache"))
    first = load_reference(rmi_exports_dir)
    (compiled,) = (tmp_path / "cache" / "compiled").glob("*.json.gz")
    doc = json.loads(gzip.decompress(compiled.read_bytes()))
    compiled.write_bytes(gzip.compress(json.dumps({**doc, **tables}).encode()))
    with pytest.raises(ReferenceLoadError, match="not a compiled smelter_match reference"):
        Reference.load_compiled(compiled)
    again = load_reference(rmi_exports_dir)   # rebuilt from the sources, not a traceback
    for table in ("facilities", "names", "revisions"):
        pd.testing.assert_frame_equal(getattr(again, table), getattr(first, table))
    assert Reference.load_compiled(compiled).columns("names", "cid") == \
        first.columns("names", "cid")


def test_a_file_given_twice_or_copied_counts_once(rmi_dir: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The stamp names the data: the same file given twice, or a byte-identical copy beside it,
    is read once (results of the same data keep the same reference_version)."""
    monkeypatch.setenv("SMELTER_MATCH_CACHE_DIR", str(tmp_path / "cache"))
    one = rmi_dir / "cmrt" / "RMI_CMRT_6.4.xlsx"
    alone = load_reference(one).version
    assert load_reference(one, one).version == alone
    (tmp_path / "copies").mkdir()
    for name in ("a.xlsx", "b.xlsx"):
        (tmp_path / "copies" / name).write_bytes(one.read_bytes())
    assert load_reference(tmp_path / "copies").version.stamp == alone.stamp


def test_sources_may_be_any_iterable_of_paths(rmi_dir: Path) -> None:
    """A generator (``Path.glob``) is read once and loaded, not used up by a check and then
    replaced by the default reference."""
    one = rmi_dir / "cmrt" / "RMI_CMRT_6.4.xlsx"
    assert load_reference(p for p in [one]).version == load_reference([one]).version


@pytest.mark.parametrize("sources", [(5,), (None,), ("x.JSON.GZ", "y.xlsx")])
def test_sources_that_are_no_reference_files_are_a_clear_error(sources: tuple) -> None:
    with pytest.raises(ReferenceLoadError, match="not a path|loaded alone"):
        load_reference(*sources)


def test_a_reference_variable_naming_nothing_is_an_error_not_a_recursion(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMELTER_MATCH_REFERENCE", os.pathsep)
    with pytest.raises(ReferenceLoadError, match="names no file or folder"):
        load_reference()


def test_the_cache_follows_every_step_of_normalisation(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    """Compiled keys come from cell text, transliteration and the normaliser: a change to any
    of their files is another fingerprint (a stale cached ``ambiguous`` flag could let the exact
    lookup match a shared name)."""
    from smelter_match import normalize, transliterate
    from smelter_match.io import tables

    before = reference_module._normaliser_fingerprint()
    for module in (tables, transliterate, normalize):
        copy = tmp_path / Path(module.__file__).name
        copy.write_bytes(Path(module.__file__).read_bytes() + b"\n# changed\n")
        monkeypatch.setattr(module, "__file__", str(copy))
        assert reference_module._normaliser_fingerprint() != before, module.__name__
        monkeypatch.undo()


def test_stamp_names_the_data_not_the_code(rmi_exports_dir: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A new normaliser rebuilds the cache but keeps the reference's content hash (its stamp)."""
    before = load_reference(rmi_exports_dir)
    monkeypatch.setattr(reference_module, "_normaliser_fingerprint", lambda: "another-version")
    parsed = []
    real = reference_module.read_source
    monkeypatch.setattr(reference_module, "read_source", lambda p: parsed.append(p) or real(p))
    after = load_reference(rmi_exports_dir)
    assert parsed, "a different normaliser must rebuild the compiled reference"
    assert after.version.stamp == before.version.stamp


def test_a_reference_read_from_the_cache_gives_what_a_merged_one_gives(
        full_reference: Reference, rmi_dir: Path, rmi_exports_dir: Path) -> None:
    """Read from the cache, a reference keeps its tables as the rows read until one is asked
    for as a DataFrame (so that ``match_one`` needs no pandas); its columns, its frames and a
    pickled copy are those of the reference the merge built."""
    import pickle

    cached = load_reference(rmi_dir / "cmrt", rmi_exports_dir)
    for table in ("facilities", "names", "revisions"):
        frame = getattr(full_reference, table)
        assert cached.columns(table, *frame.columns) == [frame[c].tolist() for c in frame.columns]
        assert full_reference.columns(table, *frame.columns) == \
            [frame[c].tolist() for c in frame.columns]
    copied = pickle.loads(pickle.dumps(cached))
    for ref in (cached, copied):
        for table in ("facilities", "names", "revisions"):
            pd.testing.assert_frame_equal(getattr(ref, table), getattr(full_reference, table))
    assert cached.columns("facilities", "cid", "no such column")[1] is None
    assert full_reference.columns("facilities", "no such column") == [None]
    # a table set by hand is what is read from then on
    cached.names = cached.names.iloc[:2]
    assert cached.columns("names", "cid") == [cached.names["cid"].tolist()]
    assert repr(cached) == f"Reference({cached.version.stamp!r})"


def test_a_table_set_on_a_copy_of_a_reference_is_the_copys_alone(
        rmi_exports_dir: Path) -> None:
    """``copy.copy`` gives a reference whose tables are set apart from the original's (as when
    it was a dataclass): a variant with fewer names left the original with them too."""
    import copy

    ref, again = load_reference(rmi_exports_dir), load_reference(rmi_exports_dir)
    assert ref.facility("CID000035", "Gold") is not None   # (the facility index, built)
    variant = copy.copy(ref)
    variant.names = variant.names.iloc[:2]
    variant.facilities = variant.facilities.iloc[:0]
    assert variant.columns("names", "cid") == [again.columns("names", "cid")[0][:2]]
    assert variant.facility("CID000035", "Gold") is None
    assert ref.columns("names", "cid") == again.columns("names", "cid")
    assert ref.columns("facilities", "cid") == again.columns("facilities", "cid")
    assert ref.facility("CID000035", "Gold") == again.facility("CID000035", "Gold")


def test_compiled_reference_from_another_normaliser_gets_fresh_keys(
        rmi_exports_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An imported or remembered compiled file outlives upgrades: keys made by another
    normaliser are recomputed on load, never used as stored."""
    ref = load_reference(rmi_exports_dir)
    path = tmp_path / "ref.json.gz"
    ref.save(path)
    pd.testing.assert_frame_equal(Reference.load_compiled(path).names, ref.names)
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    for row in data["names"]:
        row["key"], row["also_maps_to"], row["ambiguous"] = "stale", "CID999999", True
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        json.dump(data, fh)
    # same normaliser: the file is trusted as written
    assert set(Reference.load_compiled(path).names["key"]) == {"stale"}
    # another normaliser wrote it: keys, ambiguity and other owners come from this version
    monkeypatch.setattr(reference_module, "_normaliser_fingerprint", lambda: "another-version")
    pd.testing.assert_frame_equal(Reference.load_compiled(path).names, ref.names)


def test_changed_content_changes_hash(rmi_exports_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "CMRT.xml"
    shutil.copyfile(rmi_exports_dir / "CMRT.xml", path)
    first = load_reference(path)
    assert load_reference(path).version.content_hash == first.version.content_hash
    text = path.read_text(encoding="utf-8")
    assert ">Advanced Chemical Company<" in text
    path.write_text(text.replace(">Advanced Chemical Company<", ">Advanced Chemical Co. X<"),
                    encoding="utf-8")
    second = load_reference(path)
    assert second.version.content_hash != first.version.content_hash
    assert second.facility("CID000015")["standard_name"] == "Advanced Chemical Co. X"


# ------------------------------------------------------------------------------------------------
# Bad input: one-line ReferenceLoadError, CLI exit 2
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["missing_file", "empty_folder"])
def test_missing_or_empty_path(case: str, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nowhere.xlsx"
    if case == "empty_folder":
        path = tmp_path / "folder"
        path.mkdir()
    with pytest.raises(ReferenceLoadError, match=re.escape(str(path))):
        load_reference(path)
    assert cli.main(["reference", "info", "-r", str(path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_no_reference_configured(fresh_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ReferenceLoadError, match="no RMI reference given"):
        load_reference()
    assert cli.main(["reference", "info"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("smelter-match: error: no RMI reference given")
    assert err.count("\n") == 1


# ------------------------------------------------------------------------------------------------
# CLI
# ------------------------------------------------------------------------------------------------

def test_cli_import_then_info_uses_default(fresh_cache: Path, rmi_exports_dir: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["reference", "import", str(rmi_exports_dir)]) == 0
    out = capsys.readouterr().out
    assert "Saved as the default reference" in out
    assert (fresh_cache / "default_reference.json.gz").is_file()
    assert re.search(r"Total\s+538\s+347\s+167\s+234\s+8", out), out

    assert cli.main(["reference", "info"]) == 0
    out = capsys.readouterr().out
    assert "RMI export 2026-08-22" in out
    assert re.search(r"Total\s+538\s+347\s+167\s+234\s+8", out), out
    assert "Ambiguous names" in out

    assert cli.main(["-q", "reference", "import", str(rmi_exports_dir)]) == 0
    assert capsys.readouterr().out == ""


def test_cli_info_with_reference(full_reference, rmi_dir: Path, rmi_exports_dir: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    args = ["reference", "info", "--reference", str(rmi_dir / "cmrt"),
            "--reference", str(rmi_exports_dir)]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert full_reference.version.stamp in out
    assert re.search(r"Gold\s+225\s+", out)
    assert re.search(r"Total\s+547\s+347\s+167\s+234\s+8", out), out
    assert "Names: 1327" in out
    # --reference also works before the command name; --json gives the same counts
    assert cli.main(["--reference", str(rmi_exports_dir), "reference", "info", "--json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["facilities"] >= 347 and data["by_metal"]["Tin"]["facilities"] > 0


# ------------------------------------------------------------------------------------------------
# references remembered by stamp (so later commands find the one that produced a results file)


def test_reference_for_stamp_finds_what_was_loaded(rmi_exports_dir: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from smelter_match.reference import reference_for_stamp

    monkeypatch.setenv("SMELTER_MATCH_CACHE_DIR", str(tmp_path / "cache"))
    copy = tmp_path / "exports"
    shutil.copytree(rmi_exports_dir, copy)
    ref = load_reference(copy)
    stamp = ref.version.stamp
    again = reference_for_stamp(stamp)
    assert again.version == ref.version
    pd.testing.assert_frame_equal(again.facilities, ref.facilities)
    # the files are gone: the compiled copy kept by stamp still answers
    shutil.rmtree(copy)
    assert reference_for_stamp(f"  {stamp} ").version.content_hash == ref.version.content_hash
    # stamps this computer never saw, and text that is no stamp, are clear errors
    with pytest.raises(ReferenceLoadError, match="not known on this computer.*--reference"):
        reference_for_stamp("CMRT 6.5 / list 2026-08-22 #0123456789ab")
    with pytest.raises(ReferenceLoadError, match="is not a reference stamp"):
        reference_for_stamp("yesterday's list")


def test_compiled_reference_is_remembered_too(rmi_exports_dir: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from smelter_match.reference import reference_for_stamp

    monkeypatch.setenv("SMELTER_MATCH_CACHE_DIR", str(tmp_path / "cache"))
    compiled = tmp_path / "ref.json.gz"
    load_reference(rmi_exports_dir, use_cache=False).save(compiled)
    ref = load_reference(compiled)
    assert reference_for_stamp(ref.version.stamp).version == ref.version


def test_the_stamp_counts_the_rmi_files_only(rmi_exports_dir: Path, tmp_path: Path) -> None:
    # a folder holding the same RMI file and the analyst's notes is the same reference (one stamp
    # for the review round trip to compare), while the cache is keyed on every file found
    folder = tmp_path / "rmi"
    folder.mkdir()
    shutil.copyfile(rmi_exports_dir / "CMRT.xml", folder / "CMRT.xml")
    alone = load_reference(folder / "CMRT.xml")
    (folder / "notes.csv").write_text("what,who\nchecked the list,me\n", encoding="utf-8")
    with_notes = load_reference(folder)
    assert with_notes.version.stamp == alone.version.stamp
    assert [f["name"] for f in with_notes.version.files] == ["CMRT.xml"]



@pytest.mark.parametrize("damaged", ["REVISIONS.xml", "list.xlsx", "empty.xml"])
def test_a_damaged_file_in_a_reference_folder_stops_the_load(
        rmi_exports_dir: Path, tmp_path: Path, fresh_cache: Path, damaged: str) -> None:
    """A revision log cut short by a download (not well-formed XML) or a corrupt workbook
    inside a folder was skipped as "not an RMI file": removed facilities then went into a
    filing unflagged, and the cache of that load then let the same files named one by one load
    without an error (found by an audit of the reference loading). It stops the load, named,
    every time."""
    folder = tmp_path / "exports-2026-08-22"
    folder.mkdir()
    for f in ("CMRT.xml", "CONFORMANT.xml", "ACTIVE.xml"):
        shutil.copyfile(rmi_exports_dir / f, folder / f)
    (folder / "notes.csv").write_text("what,who\nchecked the list,me\n", encoding="utf-8")
    load_reference(folder)    # other files of the folder are skipped
    whole = b"" if damaged == "empty.xml" else (rmi_exports_dir / "REVISIONS.xml").read_bytes() \
        if damaged.endswith(".xml") else b"PK\x03\x04" + b"\0" * 200
    (folder / damaged).write_bytes(whole[:200_000])
    for _ in range(2):
        with pytest.raises(ReferenceLoadError, match=f"{damaged}: .*damaged file"):
            load_reference(folder)


# ------------------------------------------------------------------------------------------------
# what a filing relies on: status from the newest lists, removals, notes


def test_without_an_rmap_list_the_status_is_not_checked(rmi_exports_dir: Path) -> None:
    with pytest.warns(ReferenceWarning, match="no RMAP list"):
        ref = load_reference(rmi_exports_dir / "CMRT.xml", use_cache=False)
    assert set(ref.facilities["rmap_status"]) == {NOT_CHECKED}
    assert any("no RMAP list" in n for n in ref.notes)


@pytest.mark.parametrize(("loaded", "missing"), [("CONFORMANT", "active"), ("ACTIVE", "conformant")])
def test_with_one_rmap_list_a_facility_not_on_it_is_not_checked(
        rmi_exports_dir: Path, full_reference: Reference, loaded: str, missing: str) -> None:
    """With RMI's conformant list alone, an Active facility is not "" (on neither list, the
    annex's Unknown): it may be on the list not loaded (found by an audit of the annex)."""
    with pytest.warns(ReferenceWarning, match=f"not its {missing} list"):
        ref = load_reference(rmi_exports_dir / "CMRT.xml", rmi_exports_dir / f"{loaded}.xml",
                             use_cache=False)
    full = full_reference.facilities.set_index(["cid", "metal"])["rmap_status"]
    one = ref.facilities.set_index(["cid", "metal"])["rmap_status"]
    kept = loaded.title()
    assert (one[full == kept] == kept).all() and (full == kept).any()
    assert set(one[full != kept]) == {NOT_CHECKED} and (full == missing.title()).any()
    # a compiled file of the same files made before (statuses "", no note) reads the same
    old = ref.to_json_dict()
    old["notes"] = [n for n in old["notes"] if "not its" not in n]
    for f in old["facilities"]:
        f["rmap_status"] = f["rmap_status"].replace(NOT_CHECKED, "")
    again = Reference.from_json_dict(old)
    pd.testing.assert_frame_equal(again.facilities, ref.facilities)
    assert again.notes == ref.notes and again.version.stamp == ref.version.stamp


def test_an_undated_export_is_noted_and_cached_apart_from_a_dated_copy(
        rmi_exports_dir: Path, tmp_path: Path, fresh_cache: Path) -> None:
    undated = tmp_path / "exports"
    undated.mkdir()
    for name in ("CMRT.xml", "REVISIONS.xml"):
        shutil.copy(rmi_exports_dir / name, undated / name)
    with pytest.warns(ReferenceWarning, match=r"^CMRT.xml \(RMI export\): its list date is"):
        a = load_reference(undated)
    assert a.facility("CID000113", "Gold") is not None
    b = load_reference(rmi_exports_dir / "CMRT.xml", rmi_exports_dir / "REVISIONS.xml")
    assert not b.notes or all("list date" not in n for n in b.notes)
    assert [f["list_date"] for f in b.version.files if f["kind"] == "lookup"] == ["2026-08-22"]
    # the same bytes read with another date are another list: another stamp, and both copies
    # given together merge alike whatever their order
    assert a.version.stamp != b.version.stamp
    dated = rmi_exports_dir / "CMRT.xml"
    one = load_reference(dated, undated / "CMRT.xml", use_cache=False)
    two = load_reference(undated / "CMRT.xml", dated, use_cache=False)
    assert one.version.stamp == two.version.stamp
    assert one.facilities.equals(two.facilities)


def test_a_path_dates_a_file_by_the_date_nearest_it(tmp_path: Path) -> None:
    from smelter_match.sources import date_from_path

    assert date_from_path("/filings/2026-01-15-sd/exports-2026-08-22/CMRT.xml") == "2026-08-22"
    assert date_from_path("/x/CMRT-2026-09-30.xml") == "2026-09-30"
    assert date_from_path("/x/CMRT.xml") is None


def test_203a_without_301_is_noted(rmi_dir: Path) -> None:
    cmrt = rmi_dir / "cmrt"
    with pytest.warns(ReferenceWarning, match="old-format IDs"):
        load_reference(cmrt / "RMI_CMRT_6.01_zh-display.xlsx", cmrt / "EICC_GeSI_CMRT_2.03a.xlsx",
                       use_cache=False)


def test_cli_prints_reference_notes_once(rmi_exports_dir: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["-r", str(rmi_exports_dir / "CMRT.xml"), "reference", "info"]) == 0
    err = capsys.readouterr().err
    assert err.count("note: no RMAP list") == 1 and "Warning" not in err
    # both sides of a diff say it: once
    cmrt = str(rmi_exports_dir / "CMRT.xml")
    assert cli.main(["reference", "diff", cmrt, cmrt]) == 0
    assert capsys.readouterr().err.count("note: no RMAP list") == 1
    assert cli.main(["-q", "reference", "diff", cmrt, cmrt]) == 0
    assert "note:" not in capsys.readouterr().err


@pytest.mark.parametrize("damage", [b"", b'{"stamp": "list', b"\xff\xfe\x00garbage", b"[]",
                                    b'{"sources": 3, "compiled": []}'])
def test_a_damaged_stamp_entry_in_the_user_cache_only_costs_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rmi_exports_dir: Path,
        damage: bytes) -> None:
    """An emptied or cut-short ``stamps/<hash>.json`` made every later load a JSONDecodeError
    traceback until someone deleted the cache (found by an audit of batch runs); "[]" broke
    finding the reference a results file names."""
    monkeypatch.setenv("SMELTER_MATCH_CACHE_DIR", str(tmp_path))
    ref = load_reference(rmi_exports_dir)
    (entry,) = (tmp_path / "stamps").glob("*.json")
    entry.write_bytes(damage)
    assert reference_for_stamp(ref.version.stamp).version.stamp == ref.version.stamp
    entry.write_bytes(damage)
    assert load_reference(rmi_exports_dir).version.stamp == ref.version.stamp
    assert json.loads(entry.read_text(encoding="utf-8"))["stamp"] == ref.version.stamp
