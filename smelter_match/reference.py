"""The RMI reference: every CMRT / RMI file merged into one versioned, fast-loading object.

``load_reference(*sources)`` reads any mix of CMRT workbooks (6.x, 3.01, 2.03a) and RMI exports
(XML, CSV or XLSX; :mod:`smelter_match.sources`) and merges them (:mod:`smelter_match.merge`):

- ``facilities``: one row per (CID, metal): the newest standard name and location, RMAP status
  (Conformant / Active from the RMAP lists; empty means "on neither list", never "non-conformant"),
  removal (date, reason) and successor CIDs parsed from the revision log;
- ``names``: every name ever seen for a facility (current standard name, former standard names,
  Look-up aliases) with the versions it appeared in; names whose normalised key points to more than
  one CID of the same metal are marked ``ambiguous``;
- ``revisions``: the revision log (removals, name/location corrections, additions);
- ``version``: files, template version, list date, a hash of the RMI files read. Every output has it.

The merged result is cached (JSON, keyed by the content hash of the input files) in the user cache
directory, so a second load of the same files takes a fraction of a second, and imports no pandas:
a reference read from the cache keeps its tables as the rows read until one is asked for as a
DataFrame (:meth:`Reference.columns` reads them without). Every reference loaded
from files is also *remembered by its stamp* (:func:`reference_for_stamp`): outputs carry the
stamp in ``reference_version``, so later commands (``review apply``, a ``match`` with an override
file) find the reference that produced a results file without being told again.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import math
import os
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

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
from smelter_match.merge import (  # noqa: F401 (the tables' layouts: re-exported)
    FACILITY_COLUMNS,
    NAME_COLUMNS,
    REVISION_COLUMNS,
    in_merge_order,
    merge_sources,
)
from smelter_match.sources import (
    NOT_CHECKED,
    SourceData,
    date_from_path,
    expand_paths,
    read_source,
    rmap_lists_note,
)

if TYPE_CHECKING:
    import pandas as pd

#: Bump when the merge logic or the cached layout changes: old caches are then ignored.
SCHEMA_VERSION = 2   # 2: RMAP status from each list's newest copy, relisted removals, notes
#: In the cache key, not the stamp: bump when compiled files change (2: normaliser, 3: stamp,
#: 4: notes, RMAP status from each list's newest copy; 5: a damaged file stops the load, one
#: RMAP list alone leaves the facilities not on it 'Not checked'; 6: the log's countries rank
#: below the lists').
CACHE_LAYOUT = 6

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


class _Rows:
    """A table as the rows a compiled reference holds (dicts), until a DataFrame is wanted."""

    def __init__(self, rows: list[dict], columns: list[str]):
        if not (isinstance(rows, list) and all(isinstance(r, dict) for r in rows)):
            # (valid JSON of another shape: refused on load, as a DataFrame of it was)
            raise ValueError("a table is not a list of rows")
        self.rows, self.columns = rows, columns

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)

    def column(self, name: str) -> list | None:
        """The column's values (NaN where a row lacks it, as in the DataFrame); None when the
        table has no such column."""
        if name not in self.columns:
            return None
        return [r.get(name, math.nan) for r in self.rows]


class Reference:
    """The merged RMI reference. Inspect ``facilities``, ``names`` and ``revisions`` as DataFrames.

    A reference read from the cache or a compiled file keeps its tables as the rows read until
    a table is first asked for as a DataFrame: the matcher reads the columns it needs through
    :meth:`columns`, so a process that only builds a :class:`~smelter_match.matcher.Matcher` and
    calls ``match_one`` never imports pandas (~0.3 s of a cold start).
    """

    def __init__(self, facilities: pd.DataFrame | _Rows, names: pd.DataFrame | _Rows,
                 revisions: pd.DataFrame | _Rows, version: ReferenceVersion,
                 notes: tuple[str, ...] = (), use_cache: bool = True):
        self._tables = {"facilities": facilities, "names": names, "revisions": revisions}
        self.version = version
        #: what a user should know about the files read (an undated list, unmapped old IDs, no
        #: RMAP list); :func:`load_reference` also issues each as a :class:`ReferenceWarning`
        self.notes = tuple(notes)
        #: whether work derived from it may be kept in and read from the user cache (the name
        #: index's, :mod:`smelter_match.cache`); False when loaded with ``use_cache=False``
        self.use_cache = use_cache
        self._by_key: dict = {}

    def __repr__(self) -> str:
        return f"Reference({self.version.stamp!r})"

    def __copy__(self) -> Reference:
        """A copy sharing the tables, whose tables are set apart from this one's (as a
        dataclass's copy): a table set on it is not set here."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new._tables, new._by_key = dict(self._tables), dict(self._by_key)
        return new

    def _frame(self, table: str) -> pd.DataFrame:
        value = self._tables[table]
        if isinstance(value, _Rows):
            value = self._tables[table] = value.frame()
        return value

    def _set(self, table: str, value: pd.DataFrame) -> None:
        self._tables[table] = value
        self._by_key.clear()

    facilities = property(lambda self: self._frame("facilities"),
                          lambda self, v: self._set("facilities", v),
                          doc="One row per (CID, metal): names, location, RMAP status, removal.")
    names = property(lambda self: self._frame("names"), lambda self, v: self._set("names", v),
                     doc="Every name seen for a facility, with its normalised key.")
    revisions = property(lambda self: self._frame("revisions"),
                         lambda self, v: self._set("revisions", v), doc="The revision log.")

    def columns(self, table: str, *cols: str) -> list[list]:
        """Columns of ``table`` ("facilities", "names", "revisions") as lists, in row order,
        without building its DataFrame when it is not built yet; a column the table lacks is
        None."""
        value = self._tables[table]
        if isinstance(value, _Rows):
            return [value.column(c) for c in cols]
        return [value[c].tolist() if c in value else None for c in cols]

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
        names: pd.DataFrame | _Rows = _Rows(data["names"], NAME_COLUMNS)
        if data.get("normaliser") != _normaliser_fingerprint():
            # keyed by another version's normaliser (a compiled file outlives upgrades)
            from smelter_match.merge import with_name_keys

            names = with_name_keys(names.frame())
        facilities: pd.DataFrame | _Rows = _Rows(data["facilities"], FACILITY_COLUMNS)
        notes = tuple(data.get("notes", ()))
        note = rmap_lists_note({f.get("kind", "") for f in version.files})
        if note and note not in notes:
            # compiled before one RMAP list alone left the facilities not on it 'Not checked'
            # (same files, same stamp: the same merge as a new load)
            facilities = facilities.frame()
            facilities["rmap_status"] = facilities["rmap_status"].replace("", NOT_CHECKED)
            notes += (note,)
        return cls(facilities, names, _Rows(data["revisions"], REVISION_COLUMNS), version, notes)

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
    ref = _merged(data, _content_hash(f"{d.sha256}@{d.list_date}" for d in data))
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


def _merged(data: list[SourceData], content_hash: str) -> Reference:
    """The Reference of read sources: their merged tables (:mod:`smelter_match.merge`), stamped
    with what they were read from."""
    tables = merge_sources(data)
    files = tuple(
        {"path": d.path, "name": Path(d.path).name, "kind": d.kind, "label": d.label,
         "list_date": d.list_date, "sha256": d.sha256}
        for d in in_merge_order(data)
    )
    templates = [d for d in in_merge_order(data) if d.template_version]
    tv = templates[-1].template_version if templates else ""
    list_date = max((d.list_date for d in data if d.list_date), default="")
    version = ReferenceVersion(files, tv or "", list_date, content_hash)
    return Reference(tables.facilities, tables.names, tables.revisions, version, tables.notes)
