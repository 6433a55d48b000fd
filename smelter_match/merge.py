"""Merging read RMI files (:mod:`smelter_match.sources`) into the reference's three tables.

Newer list dates win for names and locations; the RMAP lists give the status; the revision log
gives removals and successors. :func:`merge_sources` returns the tables (DataFrames) and the
notes for :func:`smelter_match.reference.load_reference`, which stamps and caches them.

pandas is imported by the merge itself, not with this module: the tables' layouts live here,
and a reference read from the cache (a process that only calls ``match_one``) needs no pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from smelter_match.errors import ReferenceLoadError
from smelter_match.sources import (
    NOT_CHECKED,
    SourceData,
    last_revisions,
    removals,
    source_notes,
)

if TYPE_CHECKING:
    import pandas as pd

FACILITY_COLUMNS = [
    "cid", "metal", "standard_name", "country", "country_code", "state_province", "city",
    "rmap_status", "last_audit_date", "removed", "removed_date", "removed_reason", "successors",
    "in_latest_list", "last_revision", "versions", "removed_in_log",
]
NAME_COLUMNS = ["cid", "metal", "name", "kind", "versions", "key", "ambiguous", "also_maps_to"]
REVISION_COLUMNS = [
    "cid", "metal", "standard_name", "country", "basis", "details", "revision_date", "added_date",
    "referenced_cids",
]

#: Prefixed to the rank of the revision log's countries: below every list's (a list's starts
#: with its date), whatever the dates: the log's country column is not always the lists' (a
#: "Name correction" row of 2026-06-18 gives Mitsui Kinzoku, in Japan on every list, KOREA).
_LOG_RANK = "0000|"


#: At the same list date a smelter list outranks the RMAP lists, which outrank the revision log.
_PRIORITY = {"revisions": 0, "active": 1, "conformant": 1, "legacy": 2, "lookup": 3}


def in_merge_order(data: list[SourceData]) -> list[SourceData]:
    """Sources old to new, as the merge reads them (and the reference's version lists them)."""
    return sorted(data, key=lambda d: (d.list_date or "0000", _PRIORITY[d.kind], d.label, d.path))


class Merged(NamedTuple):
    """The reference's tables as merged, and what a user should know about the files."""

    facilities: pd.DataFrame
    names: pd.DataFrame
    revisions: pd.DataFrame
    notes: tuple[str, ...]


def merge_sources(data: list[SourceData]) -> Merged:
    """Merge read sources (sorted here) into the tables. Newer list dates win for names and
    locations.

    Raises:
        ReferenceLoadError: no facility with a CID among the files (CMRT 2.03a alone).
    """
    import pandas as pd

    from smelter_match.countries import normalize_country

    # Old to new; at the same date a smelter list outranks the RMAP lists, which outrank the
    # revision log (whose name column can hold the name *before* a correction); the log's
    # countries rank below every list's (_LOG_RANK).
    data = in_merge_order(data)
    order = {d.label: i for i, d in enumerate(data)}
    # An observation's rank orders it in time: the list date of its file, or for the revision log
    # the date of that revision, then the kind priority at equal dates.
    def rank_of(d: SourceData, when: str | None = None) -> str:
        return f"{when or d.list_date or '0000'}|{_PRIORITY[d.kind]}|{order[d.label]:03d}"

    # Old-format IDs (2013) -> CIDs, from any legacy source that lists both (CMRT 3.01).
    old_to_cid: dict[tuple[str, str], str] = {}
    for d in data:
        if d.kind == "legacy":
            both = d.rows[(d.rows["old_id"] != "") & (d.rows["cid"] != "")]
            old_to_cid.update({(m, o): c for m, o, c in zip(both.metal, both.old_id, both.cid)})

    # Observations: (cid, metal, name, is_standard, label, rank, country, city, state)
    obs: list[tuple] = []
    for d in data:
        rank = rank_of(d)
        if d.kind == "lookup":
            for r in d.rows.itertuples(index=False):
                obs.append((r.cid, r.metal, r.standard_name, True, d.label, rank, r.country,
                            r.city, r.state_province))
                if r.name and r.name != r.standard_name:
                    obs.append((r.cid, r.metal, r.name, False, d.label, rank, r.country,
                                r.city, r.state_province))
        elif d.kind == "legacy":
            for r in d.rows.itertuples(index=False):
                cid = r.cid or old_to_cid.get((r.metal, r.old_id), "")
                if cid:
                    obs.append((cid, r.metal, r.name, bool(r.is_standard), d.label, rank,
                                r.country, "", ""))
    # The revision log is cumulative: the newest one given supersedes older copies.
    rev_sources = [d for d in data if d.kind == "revisions"]
    revisions = (rev_sources[-1].rows if rev_sources else pd.DataFrame(columns=REVISION_COLUMNS))
    revisions = revisions[REVISION_COLUMNS].reset_index(drop=True)
    for d in rev_sources[-1:]:
        for r in d.rows.itertuples(index=False):
            if not r.standard_name:
                continue
            # its name by its date; its country only where no list has one (_LOG_RANK), but
            # for a "Location correction" row's
            rank = rank_of(d, r.revision_date)
            obs.append((r.cid, r.metal, r.standard_name, True, d.label, rank, "", "", ""))
            moved = r.basis.strip().lower() == "location correction"
            obs.append((r.cid, r.metal, r.standard_name, False, d.label,
                        rank if moved else _LOG_RANK + rank, r.country, "", ""))
    # RMAP status: of each list (conformant, active) only the newest copy counts (a facility
    # that left the conformant list is not conformant because an older copy lists it); a
    # facility on both lists takes the newer one's status, Conformant at the same date.
    rmap = [d for d in data if d.kind in ("active", "conformant")]
    newest_of = {k: max((d.list_date for d in rmap if d.kind == k), default="")
                 for k in ("active", "conformant")}
    statuses: dict[tuple[str, str], tuple[str, str, tuple[str, bool]]] = {}
    for d in rmap:
        for r in d.rows.itertuples(index=False):
            if r.standard_name:
                obs.append((r.cid, r.metal, r.standard_name, True, d.label, rank_of(d),
                            r.country, r.city, r.state_province))
            if d.list_date != newest_of[d.kind]:
                continue   # an older copy of the list: superseded
            when = (d.list_date, d.kind == "conformant")
            prev = statuses.get((r.cid, r.metal))
            if prev is None or when > prev[2]:
                statuses[(r.cid, r.metal)] = (d.kind.title(), r.last_audit_date, when)
    notes = source_notes(data, old_to_cid)

    o = pd.DataFrame(obs, columns=["cid", "metal", "name", "is_standard", "label", "rank",
                                   "country", "city", "state_province"])
    # Whitespace runs are typing accidents; cells without a letter or digit ("~", "`") are junk.
    o["name"] = o["name"].astype(str).str.replace(r"\s+", " ", regex=True).str.strip()
    o = o[o["name"].str.contains(r"\w", regex=True)]
    if o.empty:
        # e.g. CMRT 2.03a alone: its old-format IDs map to CIDs only through CMRT 3.01's table
        raise ReferenceLoadError(
            "no facility with a smelter ID (CID) in the reference files: CMRT 2.03a has only "
            "old-format IDs; load it together with CMRT 3.01 or a newer CMRT / RMI export"
        )

    # Current standard name and location: newest standard-name observation; lookup beats revisions
    # at equal date because it carries the location.
    std = o[o["is_standard"]].sort_values(["rank"], kind="stable")
    latest = std.groupby(["cid", "metal"], sort=True).tail(1).set_index(["cid", "metal"])
    loc = o[o["country"] != ""].sort_values(["rank"], kind="stable")
    latest_loc = loc.groupby(["cid", "metal"]).tail(1).set_index(["cid", "metal"])
    # City/state: a smelter list's structured columns beat the RMAP lists' free-text region
    # ("Bangka, 33211, Indonesia"), which is used only for facilities no smelter list locates.
    list_labels = {d.label for d in data if d.kind in ("lookup", "legacy")}
    city_src = o[(o["city"] != "") | (o["state_province"] != "")].assign(
        _from_list=lambda x: x["label"].isin(list_labels)
    ).sort_values(["_from_list", "rank"], kind="stable")
    latest_city = city_src.groupby(["cid", "metal"]).tail(1).set_index(["cid", "metal"])
    seen = o.groupby(["cid", "metal"])["label"].agg(lambda s: _ordered_labels(s, order))
    newest_list = max((order[d.label] for d in data if d.kind in ("lookup", "legacy")), default=-1)
    newest_label = next((d.label for d in data if order[d.label] == newest_list), "")
    newest_date = next((d.list_date for d in data if order[d.label] == newest_list), "")

    removed = removals(revisions)
    last_rev = last_revisions(revisions)
    # with one of the two lists alone, a facility not on it may be on the other: not checked
    neither = "" if {d.kind for d in rmap} == {"active", "conformant"} else NOT_CHECKED

    rows = []
    for (cid, metal) in sorted(set(zip(o.cid, o.metal))):
        name = latest.loc[(cid, metal), "name"] if (cid, metal) in latest.index else ""
        country = latest_loc.loc[(cid, metal), "country"] if (cid, metal) in latest_loc.index else ""
        city = state = ""
        if (cid, metal) in latest_city.index:
            city = latest_city.loc[(cid, metal), "city"]
            state = latest_city.loc[(cid, metal), "state_province"]
        status, audit, _ = statuses.get((cid, metal), (neither, "", None))
        rem = removed.get((cid, metal))
        versions = seen.get((cid, metal), "")
        listed = newest_label in versions.split("; ")
        in_log = rem is not None   # the log's last add/remove is a removal (a model feature)
        if rem is not None and listed and newest_date > rem[0]:
            # the newest smelter list, dated after the removal, carries the facility: RMI's
            # 2026-08-22 list has six whose last revision is a removal (five Conformant or
            # Active; the log lacks their return). Not removed; ``last_revision`` keeps it.
            rem = None
        rows.append({
            "cid": cid, "metal": metal, "standard_name": name, "country": country,
            "country_code": normalize_country(country) or "", "state_province": state,
            "city": city, "rmap_status": status, "last_audit_date": audit,
            "removed": rem is not None, "removed_date": rem[0] if rem else "",
            "removed_reason": rem[1] if rem else "", "successors": rem[2] if rem else "",
            "in_latest_list": listed, "removed_in_log": in_log,
            "last_revision": last_rev.get((cid, metal), ""), "versions": versions,
        })
    facilities = pd.DataFrame(rows, columns=FACILITY_COLUMNS)

    current = dict(zip(zip(facilities.cid, facilities.metal), facilities.standard_name))
    grouped = o.groupby(["cid", "metal", "name"], sort=True).agg(
        is_standard=("is_standard", "any"),
        versions=("label", lambda s: _ordered_labels(s, order)),
    ).reset_index()
    kinds = []
    for r in grouped.itertuples(index=False):
        if current.get((r.cid, r.metal)) == r.name:
            kinds.append("current_standard_name")
        elif r.is_standard:
            kinds.append("former_standard_name")
        else:
            kinds.append("lookup_alias")
    grouped["kind"] = kinds
    names = with_name_keys(grouped)[NAME_COLUMNS].reset_index(drop=True)
    return Merged(facilities, names, revisions, notes)


def _ordered_labels(labels: pd.Series, order: dict[str, int]) -> str:
    return "; ".join(sorted(set(labels), key=lambda x: (order.get(x, -1), x)))


def with_name_keys(names: pd.DataFrame) -> pd.DataFrame:
    """Set ``key``, ``also_maps_to`` (same key, other CIDs of the metal) and ``ambiguous``
    (also for a compiled reference keyed by another version's normaliser)."""
    from smelter_match.normalize import normalize_name

    names["key"] = [normalize_name(n).key for n in names["name"]]
    cids_by_key = names[names["key"] != ""].groupby(["metal", "key"])["cid"].agg(
        lambda s: sorted(set(s))
    )
    also = []
    for r in names.itertuples(index=False):
        others = [c for c in cids_by_key.get((r.metal, r.key), []) if c != r.cid]
        also.append(";".join(others))
    names["also_maps_to"] = also
    names["ambiguous"] = names["also_maps_to"] != ""
    return names
