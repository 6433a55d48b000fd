"""The RMI reference: every CMRT / RMI file merged into one versioned, fast-loading object.

``load_reference(*sources)`` reads any mix of CMRT workbooks (6.x, 3.01, 2.03a) and RMI exports
(XML, CSV or XLSX) and merges them:

- ``facilities``: one row per (CID, metal): the newest standard name and location, RMAP status
  (Conformant / Active from the RMAP lists; empty means "on neither list", never "non-conformant"),
  removal (date, reason) and successor CIDs parsed from the revision log;
- ``names``: every name ever seen for a facility (current standard name, former standard names,
  Look-up aliases) with the versions it appeared in; names whose normalised key points to more than
  one CID of the same metal are marked ``ambiguous``;
- ``revisions``: the revision log (removals, name/location corrections, additions);
- ``version``: files, template version, list date, a hash of the RMI files read. Every output has it.

The merged result is cached (JSON, keyed by the content hash of the input files) in the user cache
directory, so a second load of the same files takes a fraction of a second. Every reference loaded
from files is also *remembered by its stamp* (:func:`reference_for_stamp`): outputs carry the
stamp in ``reference_version``, so later commands (``review apply``, a ``match`` with an override
file) find the reference that produced a results file without being told again.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from smelter_match.cache import (  # noqa: F401 (ENV_CACHE, file_hashes: re-exported)
    ENV_CACHE,
    cache_dir,
    file_hashes,
    read_json,
    write_json,
)
from smelter_match.cache import exists as _exists
from smelter_match.cache import normaliser_fingerprint as _normaliser_fingerprint
from smelter_match.errors import DamagedReferenceError, ReferenceLoadError, ReferenceWarning
from smelter_match.sources import (
    NOT_CHECKED,
    SourceData,
    date_from_path,
    expand_paths,
    last_revisions,
    read_source,
    removals,
    rmap_lists_note,
    source_notes,
)

#: Bump when the merge logic or the cached layout changes: old caches are then ignored.
SCHEMA_VERSION = 2   # 2: RMAP status from each list's newest copy, relisted removals, notes
#: In the cache key, not the stamp: bump when compiled files change (2: normaliser, 3: stamp,
#: 4: notes, RMAP status from each list's newest copy; 5: a damaged file stops the load, one
#: RMAP list alone leaves the facilities not on it 'Not checked'; 6: the log's countries rank
#: below the lists').
CACHE_LAYOUT = 6

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
ENV_REFERENCE = "SMELTER_MATCH_REFERENCE"


@dataclass(frozen=True)
class ReferenceVersion:
    """What a reference was built from; carried by every output row as ``reference_version``."""

    files: tuple[dict, ...]
    template_version: str
    list_date: str
    content_hash: str
    schema: int = SCHEMA_VERSION

    @property
    def stamp(self) -> str:
        """Short human-readable stamp, e.g. ``CMRT 6.5 + RMI 2026-08-22 #1a2b3c4d5e6f``."""
        parts = []
        if self.template_version:
            parts.append(f"CMRT {self.template_version}")
        parts.append(f"list {self.list_date or 'undated'}")
        return f"{' / '.join(parts)} #{self.content_hash[:12]}"

    def __str__(self) -> str:
        return self.stamp


@dataclass
class Reference:
    """The merged RMI reference. Inspect ``facilities``, ``names`` and ``revisions`` as DataFrames."""

    facilities: pd.DataFrame
    names: pd.DataFrame
    revisions: pd.DataFrame
    version: ReferenceVersion
    #: what a user should know about the files read (an undated list, unmapped old IDs, no RMAP
    #: list); :func:`load_reference` also issues each as a :class:`ReferenceWarning`
    notes: tuple[str, ...] = ()
    _by_key: dict = field(default_factory=dict, repr=False)
    #: whether work derived from it may be kept in and read from the user cache (the name
    #: index's, :mod:`smelter_match.cache`); False when loaded with ``use_cache=False``
    use_cache: bool = field(default=True, compare=False, repr=False)

    def facility(self, cid: str, metal: str | None = None) -> dict | None:
        """The facility row for a CID (of a metal, if given) as a dict, or None."""
        fac = self._facility_index()
        if metal:
            return fac.get((cid, metal))
        return next((v for (c, _), v in fac.items() if c == cid), None)

    def metals_of(self, cid: str) -> list[str]:
        """Metals under which a CID exists (normally one)."""
        return sorted(m for (c, m) in self._facility_index() if c == cid)

    def _facility_index(self) -> dict[tuple[str, str], dict]:
        if "facility" not in self._by_key:
            recs = self.facilities.to_dict("records")
            self._by_key["facility"] = {(r["cid"], r["metal"]): r for r in recs}
        return self._by_key["facility"]

    def summary(self) -> dict:
        """Counts an analyst wants to see: facilities per metal, statuses, removed, names."""
        f = self.facilities
        return {
            "version": self.version.stamp,
            "files": [x["label"] for x in self.version.files],
            "facilities": len(f),
            "current": int(f["in_latest_list"].sum()),
            "removed": int(f["removed"].sum()),
            "by_metal": f.groupby("metal").size().to_dict(),
            "rmap_status": f["rmap_status"].replace("", "(neither list)").value_counts().to_dict(),
            "names": len(self.names),
            "ambiguous_names": int(self.names["ambiguous"].sum()),
        }

    # -- serialisation (the cache): plain JSON, no pickle ----------------------------------------
    def to_json_dict(self) -> dict:
        return {
            "schema": SCHEMA_VERSION,
            "normaliser": _normaliser_fingerprint(),
            "version": asdict(self.version),
            "facilities": self.facilities.to_dict("records"),
            "names": self.names.to_dict("records"),
            "revisions": self.revisions.to_dict("records"),
            "notes": list(self.notes),
        }

    @classmethod
    def from_json_dict(cls, data: dict) -> Reference:
        if data.get("schema") != SCHEMA_VERSION:
            raise ReferenceLoadError("compiled reference was built by another version; re-import it")
        v = data["version"]
        version = ReferenceVersion(tuple(v["files"]), v["template_version"], v["list_date"],
                                   v["content_hash"], v.get("schema", SCHEMA_VERSION))
        names = pd.DataFrame(data["names"], columns=NAME_COLUMNS)
        if data.get("normaliser") != _normaliser_fingerprint():
            # keyed by another version's normaliser (a compiled file outlives upgrades)
            names = _with_name_keys(names)
        facilities = pd.DataFrame(data["facilities"], columns=FACILITY_COLUMNS)
        notes = tuple(data.get("notes", ()))
        note = rmap_lists_note({f.get("kind", "") for f in version.files})
        if note and note not in notes:
            # compiled before one RMAP list alone left the facilities not on it 'Not checked'
            # (same files, same stamp: the same merge as a new load)
            facilities["rmap_status"] = facilities["rmap_status"].replace("", NOT_CHECKED)
            notes += (note,)
        return cls(facilities, names, pd.DataFrame(data["revisions"], columns=REVISION_COLUMNS),
                   version, notes)

    def save(self, path: str | Path) -> None:
        """Write the compiled reference (gzip JSON)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        with gzip.open(tmp, "wt", encoding="utf-8") as fh:
            json.dump(self.to_json_dict(), fh, ensure_ascii=True, separators=(",", ":"))
        os.replace(tmp, path)

    @classmethod
    def load_compiled(cls, path: str | Path) -> Reference:
        """Read a compiled reference written by :meth:`save`."""
        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                return cls.from_json_dict(json.load(fh))
        except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ReferenceLoadError(f"{path}: not a compiled smelter_match reference ({exc})") from None


# ------------------------------------------------------------------------------------------------
# Loading with a cache
# ------------------------------------------------------------------------------------------------

def load_reference(*sources: str | Path | Iterable[str | Path], use_cache: bool = True) -> Reference:
    """Load and merge RMI reference files (files or folders) into one :class:`Reference`.

    With no argument, uses ``SMELTER_MATCH_REFERENCE`` (paths separated by ``os.pathsep``), else the
    last ``smelter-match reference import``. A compiled file (``*.json.gz``) is loaded directly,
    and alone. A file given twice, or a byte-identical copy of one, counts once.

    Raises:
        ReferenceLoadError: a source is no path, a path is missing or no RMI file, a compiled
            file is given with others, or no smelter list is among the files.
    """
    flat: list[str | Path] = []
    for s in sources:
        items = [s] if isinstance(s, (str, os.PathLike)) else list(s) \
            if isinstance(s, Iterable) else [s]   # (a generator is read once, here)
        for x in items:
            if not isinstance(x, (str, os.PathLike)):
                raise ReferenceLoadError(f"not a path to RMI reference files: {x!r}")
            flat.append(x)
    if not flat:
        return default_reference(use_cache)
    compiled = [p for p in flat if str(p).lower().endswith(".json.gz")]
    if compiled and len(flat) > 1:
        raise ReferenceLoadError(f"{compiled[0]}: a compiled reference is loaded alone, not "
                                 "merged with other files; give it, or the RMI files it was made of")
    if compiled:
        ref = Reference.load_compiled(flat[0])
        ref.use_cache = use_cache
        if use_cache:
            _remember(ref, compiled=flat[0])
        return ref
    seen: set[Path] = set()
    paths = [p for p in expand_paths(flat)   # each file once, however often it was given
             if not (p.resolve() in seen or seen.add(p.resolve()))]
    # The cache key covers every file found (the sources among them are known only once read)
    # and this code's version; the stamp covers the sources alone (see _content_hash)
    # (with the dates the paths give: the same files in an undated folder merge differently)
    files_hash = _content_hash(f"{digest}@{date_from_path(p) or ''}"
                               for p, digest in zip(paths, file_hashes(paths, use_cache)))
    key = hashlib.sha256(f"{files_hash}:{_normaliser_fingerprint()}:{CACHE_LAYOUT}".encode())
    cached = cache_dir() / "compiled" / f"{key.hexdigest()[:32]}.json.gz"
    if use_cache and _exists(cached):
        try:
            ref = Reference.load_compiled(cached)
            _remember(ref, sources=paths)
            return _warned(ref)
        except ReferenceLoadError:
            pass  # stale or damaged: rebuild below
    explicit = {str(Path(p).expanduser()) for p in flat if Path(p).expanduser().is_file()}
    data: list[SourceData] = []
    for p in paths:
        try:
            data.append(read_source(p))
        except DamagedReferenceError:
            raise   # never skipped: an RMI list cut short would go missing without a word
        except ReferenceLoadError:
            if str(p) in explicit:
                raise
            # a non-RMI file inside a folder (notes, derived tables) is skipped, not fatal
    if not any(d.kind in ("lookup", "legacy") for d in data):
        raise ReferenceLoadError(
            "no smelter list among the reference files: give a CMRT workbook or the RMI CMRT export"
        )
    # a copy counts once; a copy its path dates otherwise (an export in an undated folder) is
    # another list, and both the stamp and the merge say so, whatever order they were given in
    seen_as: set[tuple[str, str]] = set()
    data = [d for d in data if not ((d.sha256, d.list_date) in seen_as
                                    or seen_as.add((d.sha256, d.list_date)))]
    ref = merge_sources(data, _content_hash(f"{d.sha256}@{d.list_date}" for d in data))
    ref.use_cache = use_cache
    if use_cache:
        with contextlib.suppress(OSError):  # a read-only cache dir only costs speed
            ref.save(cached)
        _remember(ref, sources=paths)
    return _warned(ref)


def _warned(ref: Reference) -> Reference:
    """Issue each of the reference's notes as a :class:`ReferenceWarning`."""
    for n in ref.notes:
        warnings.warn(n, ReferenceWarning, stacklevel=3)
    return ref


def _content_hash(sha256s: Iterable[str]) -> str:
    """Hash of file contents, whatever their paths or order (of the RMI files read: the stamp,
    which the review round trip compares; notes or tables beside them do not change it). Each
    file counts with the list date it was read with (RMI's exports are dated by their path:
    the same bytes in an undated folder merge differently, so they must not share a stamp)."""
    return hashlib.sha256(json.dumps([SCHEMA_VERSION, sorted(sha256s)]).encode()).hexdigest()


def _with_name_keys(names: pd.DataFrame) -> pd.DataFrame:
    """Set ``key``, ``also_maps_to`` (same key, other CIDs of the metal) and ``ambiguous``."""
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


def import_reference(*sources: str | Path) -> tuple[Reference, Path]:
    """Load sources and remember the compiled result as the default reference for later runs."""
    ref = load_reference(*sources, use_cache=False)
    target = cache_dir() / "default_reference.json.gz"
    ref.save(target)
    _remember(ref, sources=expand_paths(list(sources)))
    return ref, target


# ------------------------------------------------------------------------------------------------
# References remembered by their stamp
# ------------------------------------------------------------------------------------------------

def _stamp_hash(stamp: str) -> str:
    """The content-hash prefix a stamp ends with (``... #1a2b3c4d5e6f``), or ""."""
    _, sep, tail = stamp.strip().rpartition("#")
    tail = tail.strip().lower()
    return tail if sep and tail and all(c in "0123456789abcdef" for c in tail) else ""


def _remember(ref: Reference, *, sources: Iterable[str | Path] = (),
              compiled: str | Path | None = None) -> None:
    """Note where the reference with this stamp can be loaded from again (best effort)."""
    short = _stamp_hash(ref.version.stamp)
    if not short:
        return
    entry = {"stamp": ref.version.stamp, "content_hash": ref.version.content_hash,
             "sources": sorted(str(Path(p).expanduser().resolve()) for p in sources),
             "compiled": str(Path(compiled).expanduser().resolve()) if compiled else ""}
    target = cache_dir() / "stamps" / f"{short}.json"
    if read_json(target) != entry:   # (missing, damaged or another: written again)
        write_json(target, entry)
    with contextlib.suppress(OSError, ReferenceLoadError):
        # a copy that survives the files moving: the compiled reference, stored by stamp
        copy = cache_dir() / "stamps" / f"{short}.json.gz"
        if not copy.exists():
            ref.save(copy)


def reference_for_stamp(stamp: str) -> Reference:
    """The reference whose ``version.stamp`` is ``stamp``, as loaded earlier on this computer.

    Tried in order: the files it was built from (through the cache, so current normalisation
    applies), the compiled file it was loaded from, a compiled copy kept by stamp. Each candidate
    is accepted only if its content hash is the stamp's.

    Raises:
        ReferenceLoadError: the stamp is malformed, or no reference with it is known here.
    """
    short = _stamp_hash(stamp)
    if not short:
        raise ReferenceLoadError(f"{stamp!r} is not a reference stamp (like 'list 2026-08-22 #...')")
    folder = cache_dir() / "stamps"
    entry = read_json(folder / f"{short}.json")
    entry = entry if isinstance(entry, dict) else {}   # (missing or damaged: as unknown)
    if not (isinstance(entry.get("sources", []), list)
            and all(isinstance(p, str) for p in entry.get("sources", []))
            and isinstance(entry.get("compiled", ""), str)):
        entry = {}

    def ok(ref: Reference) -> bool:
        return ref.version.content_hash.startswith(short)

    sources = [p for p in entry.get("sources", []) if Path(p).exists()]
    if sources and len(sources) == len(entry.get("sources", [])):
        with contextlib.suppress(ReferenceLoadError, OSError):
            ref = load_reference(*sources)
            if ok(ref):
                return ref
    for compiled in (entry.get("compiled"), folder / f"{short}.json.gz"):
        if compiled and Path(compiled).is_file():
            with contextlib.suppress(ReferenceLoadError):
                ref = Reference.load_compiled(compiled)
                if ok(ref):
                    return ref
    raise ReferenceLoadError(
        f"the RMI reference {stamp!r} is not known on this computer; pass it with "
        f"--reference PATH (the CMRT workbooks / RMI exports it was built from)"
    )


def has_default_reference() -> bool:
    """Whether :func:`default_reference` has one to give (the variable is set, or an import)."""
    return bool(os.environ.get(ENV_REFERENCE)) or _exists(cache_dir() / "default_reference.json.gz")


def default_reference(use_cache: bool = True) -> Reference:
    """``SMELTER_MATCH_REFERENCE`` if set, else the last imported reference, else a clear error
    (``use_cache``: as for :func:`load_reference`)."""
    env = os.environ.get(ENV_REFERENCE)
    if env:
        paths = [p for p in env.split(os.pathsep) if p.strip()]
        if not paths:
            raise ReferenceLoadError(f"{ENV_REFERENCE} is set but names no file or folder: "
                                     f"{env!r}")
        return load_reference(*paths, use_cache=use_cache)
    imported = cache_dir() / "default_reference.json.gz"
    if _exists(imported):
        ref = Reference.load_compiled(imported)
        ref.use_cache = use_cache
        return ref
    raise ReferenceLoadError(
        "no RMI reference given: pass --reference PATH (a CMRT workbook, RMI export or folder), set "
        f"{ENV_REFERENCE}, or run 'smelter-match reference import PATH' once"
    )


# ------------------------------------------------------------------------------------------------
# Merging
# ------------------------------------------------------------------------------------------------

#: Prefixed to the rank of the revision log's countries: below every list's (a list's starts
#: with its date), whatever the dates: the log's country column is not always the lists' (a
#: "Name correction" row of 2026-06-18 gives Mitsui Kinzoku, in Japan on every list, KOREA).
_LOG_RANK = "0000|"


def merge_sources(data: list[SourceData], content_hash: str) -> Reference:
    """Merge read sources into one Reference. Newer list dates win for names and locations."""
    from smelter_match.countries import normalize_country

    # Old to new; at the same date a smelter list outranks the RMAP lists, which outrank the
    # revision log (whose name column can hold the name *before* a correction); the log's
    # countries rank below every list's (_LOG_RANK).
    priority = {"revisions": 0, "active": 1, "conformant": 1, "legacy": 2, "lookup": 3}
    data = sorted(data, key=lambda d: (d.list_date or "0000", priority[d.kind], d.label, d.path))
    order = {d.label: i for i, d in enumerate(data)}
    # An observation's rank orders it in time: the list date of its file, or for the revision log
    # the date of that revision, then the kind priority at equal dates.
    def rank_of(d: SourceData, when: str | None = None) -> str:
        return f"{when or d.list_date or '0000'}|{priority[d.kind]}|{order[d.label]:03d}"

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
    names = _with_name_keys(grouped)[NAME_COLUMNS].reset_index(drop=True)

    files = tuple(
        {"path": d.path, "name": Path(d.path).name, "kind": d.kind, "label": d.label,
         "list_date": d.list_date, "sha256": d.sha256}
        for d in data
    )
    templates = [d for d in data if d.template_version]
    tv = templates[-1].template_version if templates else ""
    list_date = max((d.list_date for d in data if d.list_date), default="")
    version = ReferenceVersion(files, tv or "", list_date, content_hash)
    return Reference(facilities, names, revisions, version, notes)


def _ordered_labels(labels: pd.Series, order: dict[str, int]) -> str:
    return "; ".join(sorted(set(labels), key=lambda x: (order.get(x, -1), x)))
