"""Readers for RMI reference files: each file becomes one :class:`SourceData` in a common shape.

RMI publishes the same facts in many containers: the "Smelter Look-up" tab of every CMRT workbook
(6.x, also saved with Chinese display language), legacy CMRT 3.01 (.xls) and 2.03a (.xlsx) with
old-format smelter IDs, and the live exports (SpreadsheetML 2003 XML, or the same saved as CSV or
XLSX). This module only *reads*: it recognises a file by its content (never by its name or by
English header text alone), and returns rows with standard column names. Merging several sources
into one reference happens in :mod:`smelter_match.merge`.

Recognised kinds:

- ``lookup``: CMRT 6.x Look-up tab or the CMRT export (alias, standard name, country, CID, city, state)
- ``legacy``: CMRT 3.01 / 2.03a standard-name and alias tabs (old IDs, new IDs where present)
- ``conformant`` / ``active``: RMAP facility lists
- ``revisions``: the Standard Smelter List revision log
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from smelter_match.cids import find_cids, is_cid
from smelter_match.errors import DamagedFileError, DamagedReferenceError, InputError, ReferenceLoadError
from smelter_match.io import tables
from smelter_match.io.tables import header_key

if TYPE_CHECKING:
    import pandas as pd

METALS_3TG = ("Gold", "Tantalum", "Tin", "Tungsten")
OLD_ID_RE = re.compile(r"^\d[A-Z]{3}\d{3}$")
_DATE_IN_TEXT_RE = re.compile(r"as of ([A-Z][a-z]+ \d{1,2}, \d{4})")
_ISO_DATE_RE = re.compile(r"(20\d\d-\d\d-\d\d)")

LOOKUP_COLUMNS = ["metal", "name", "standard_name", "country", "cid", "city", "state_province"]
LEGACY_COLUMNS = ["metal", "name", "standard_name", "country", "old_id", "cid", "is_standard"]
STATUS_COLUMNS = ["metal", "cid", "standard_name", "country", "last_audit_date", "city",
                  "state_province"]
REVISION_COLUMNS = [
    "metal", "cid", "standard_name", "country", "basis", "details", "revision_date",
    "added_date", "referenced_cids",
]
SUPPORTED_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xml", ".csv"}


@dataclass
class SourceData:
    """One reference file, read into a standard shape.

    ``rows`` has the columns of the kind (``LOOKUP_COLUMNS`` etc.), all text, 3TG metals only.
    ``label`` names the version in outputs ("CMRT 6.4", "RMI export 2026-08-22").
    ``list_date`` is the date the list reflects (ISO), used to order sources from old to new.
    """

    path: str
    kind: str
    label: str
    list_date: str
    sha256: str
    rows: pd.DataFrame
    template_version: str | None = None
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)


def file_sha256(path: Path) -> str:
    """Content hash of a file (the cache key of everything compiled from it)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Folders (searched recursively) replaced by the reference files inside them; files as given.

    Files inside a folder that turn out not to be RMI sources are skipped later by the caller;
    a file named explicitly must be a recognisable source.
    """
    try:
        return tables.expand_paths(paths, suffixes=SUPPORTED_SUFFIXES, recursive=True,
                                   what="reference files")
    except InputError as exc:
        raise ReferenceLoadError(str(exc)) from None


#: The tabs of a CMRT workbook the reference uses (others are not read: some are large).
_REFERENCE_TABS = frozenset({"Smelter Look-up", "Revision", "Standard Smelter Names", "K"})


def read_sheets(path: Path) -> dict[str, list[list[str]]]:
    """Every sheet of a reference file (hidden ones included) as rows of stripped text cells.

    Of a CMRT workbook only the tabs the reference uses are read.
    """
    try:
        sheets = tables.read_sheets(path, only=_REFERENCE_TABS)
    except DamagedFileError as exc:
        raise DamagedReferenceError(f"{exc}; a damaged file among the reference files (a download "
                                    "cut short?): replace it, or move it out of the folder") from None
    except InputError as exc:
        raise ReferenceLoadError(str(exc)) from None
    return {sh.name: [[c.strip() for c in row] for row in sh.rows] for sh in sheets}


# --------------------------------------------------------------------------------------------
# Recognition and parsing by content
# --------------------------------------------------------------------------------------------

def _metal(value: str) -> str | None:
    v = value.strip().title()
    return v if v in METALS_3TG else None


def _header_index(rows: Sequence[Sequence[str]], required: Sequence[str], limit: int = 30) -> int | None:
    """Index of the first row whose folded cells contain every required (folded) header."""
    need = [header_key(r) for r in required]
    for i, row in enumerate(rows[:limit]):
        cells = {header_key(c) for c in row if c}
        if all(n in cells for n in need):
            return i
    return None


def _col(header: Sequence[str], *names: str) -> int | None:
    folded = [header_key(h) for h in header]
    for n in names:
        f = header_key(n)
        if f in folded:
            return folded.index(f)
    return None


def _cell(row: Sequence[str], idx: int | None) -> str:
    return row[idx].strip() if idx is not None and idx < len(row) else ""


def _template_version(sheets: dict[str, list[list[str]]]) -> tuple[str | None, str | None]:
    """Template version and smelter-list date from the Revision tab (last numbered revision row)."""
    rows = sheets.get("Revision") or []
    version, list_date = None, None
    for row in rows:
        first = next((c.strip() for c in row if c.strip()), "")
        if re.fullmatch(r"\d+(\.\d+)?[a-z]?", first):
            version = first
            text = " ".join(row)
            m = _DATE_IN_TEXT_RE.search(text)
            list_date = None
            if m:
                try:
                    list_date = datetime.strptime(m.group(1), "%B %d, %Y").date().isoformat()
                except ValueError:
                    list_date = None
            if list_date is None:
                for cell in row[1:4]:
                    d = _ISO_DATE_RE.search(cell)
                    if d:
                        list_date = d.group(1)
                        break
    return version, list_date


def _find_lookup_table(rows: list[list[str]]) -> tuple[int, int, int] | None:
    """Locate a Look-up table by content: (first data row, metal column, CID column).

    The zh-display workbooks translate the header cells, so the table is found from its data:
    the first row holding a 3TG metal in one cell and a ``CID000000`` in a later cell.
    """
    for i, row in enumerate(rows[:60]):
        metal_col = next((j for j, c in enumerate(row) if _metal(c)), None)
        cid_col = next((j for j, c in enumerate(row) if is_cid(c.strip())), None)
        if metal_col is not None and cid_col is not None and cid_col > metal_col + 2:
            return i, metal_col, cid_col
    return None


def _frame(rows: list[list[str]], columns: list[str]) -> pd.DataFrame:
    """A parsed table. pandas is imported here, not with the module: a reference read from the
    cache finds its files (:func:`expand_paths`, :func:`date_from_path`) without it."""
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)


def _parse_lookup_tab(rows: list[list[str]]) -> pd.DataFrame | None:
    found = _find_lookup_table(rows)
    if found is None:
        return None
    first, m, c = found
    # Layout (all 6.x, and the export): Metal, Look-up/alias, Standard name, Country, CID, ...
    # City and State follow the CID in the workbooks (Source, Street, City, State) and the export
    # (City, State). Use English headers when present, otherwise the workbook layout.
    header = rows[first - 1] if first > 0 else []
    city = _col(header, "Smelter City", "City")
    state = _col(header, "Smelter Facility Location: State / Province", "State Province",
                 "State/Province")
    if city is None or state is None:
        width = max(len(r) for r in rows[first:first + 5])
        if width >= c + 5:  # workbook layout: CID, Source, Street, City, State
            city, state = c + 3, c + 4
        else:  # export layout: CID, City, State
            city, state = c + 1, c + 2
    out = []
    for row in rows[first:]:
        metal = _metal(_cell(row, m))
        cid = _cell(row, c)
        if not metal or not is_cid(cid):
            continue
        out.append([metal, _cell(row, m + 1), _cell(row, m + 2), _cell(row, m + 3), cid,
                    _cell(row, city), _cell(row, state)])
    return _frame(out, LOOKUP_COLUMNS)


def _parse_legacy(sheets: dict[str, list[list[str]]]) -> pd.DataFrame | None:
    """CMRT 2.03a / 3.01: 'Standard Smelter Names' (standard names, old IDs, new IDs in 3.01)
    plus the hidden 'K' alias tab (alias, country, standard name, CID in 3.01)."""
    std = sheets.get("Standard Smelter Names")
    if not std:
        return None
    h = _header_index(std, ["Metal", "Standard Smelter Names"])
    if h is None:
        return None
    header = std[h]
    c_name = _col(header, "Standard Smelter Names")
    c_alias = _col(header, "Known alias")
    c_country = _col(header, "Smelter Facility Location: Country")
    c_old = _col(header, "Old Smelter ID", "Smelter ID")
    c_new = _col(header, "New Smelter ID")
    out: list[list[object]] = []
    std_ids: dict[tuple[str, str], tuple[str, str]] = {}
    for row in std[h + 1:]:
        metal = _metal(_cell(row, 0))
        name = _cell(row, c_name)
        if not metal or not name:
            continue
        old = _cell(row, c_old)
        new = _cell(row, c_new)
        old = old if OLD_ID_RE.match(old) else ""
        new = new if is_cid(new) else ""
        country = _cell(row, c_country)
        std_ids[(metal, name)] = (old, new)
        out.append([metal, name, name, country, old, new, True])
        # 2.03a lists known aliases comma-separated in one cell
        for alias in filter(None, (a.strip() for a in _cell(row, c_alias).split(","))):
            out.append([metal, alias, name, country, old, new, False])
    k = sheets.get("K") or []
    kh = _header_index(k, ["Smelter Names", "Common Name"])
    if kh is not None:
        header = k[kh]
        c_alias, c_std = _col(header, "Smelter Names"), _col(header, "Common Name")
        c_country, c_cid = _col(header, "Country location"), _col(header, "Smelter ID")
        for row in k[kh + 1:]:
            metal = _metal(_cell(row, 0))
            alias, name = _cell(row, c_alias), _cell(row, c_std)
            if not metal or not alias or not name:
                continue
            old, new = std_ids.get((metal, name), ("", ""))
            cid = _cell(row, c_cid)
            new = cid if is_cid(cid) else new
            out.append([metal, alias, name, _cell(row, c_country), old, new, False])
    return _frame(out, LEGACY_COLUMNS).drop_duplicates(ignore_index=True)


def _parse_status(rows: list[list[str]]) -> tuple[str, pd.DataFrame] | None:
    h = _header_index(rows, ["Metal", "Smelter ID", "Last Audit Date"])
    kind = "conformant"
    if h is None:
        h = _header_index(rows, ["Metal", "Smelter_ID", "Standard_Smelter_Name"])
        kind = "active"
    if h is None:
        return None
    header = rows[h]
    c_cid = _col(header, "Smelter ID", "Smelter_ID")
    c_name = _col(header, "Standard Smelter Name", "Standard_Smelter_Name")
    c_country = _col(header, "Country Location", "Country_Location", "Country")
    c_audit = _col(header, "Last Audit Date")
    c_region = _col(header, "State/ Province/ Region", "Company_State_Province_Region")
    out = []
    for row in rows[h + 1:]:
        metal = _metal(_cell(row, 0))
        cid = _cell(row, c_cid)
        if metal and is_cid(cid):
            audit = iso_date(_cell(row, c_audit))
            # region is "City, State" (or just one of them)
            city, _, state = _cell(row, c_region).partition(",")
            out.append([metal, cid, _cell(row, c_name), _cell(row, c_country), audit,
                        city.strip(), state.strip()])
    return kind, _frame(out, STATUS_COLUMNS)


def _parse_revisions(rows: list[list[str]]) -> pd.DataFrame | None:
    h = _header_index(rows, ["Metal", "Smelter ID", "Basis for Revision"])
    if h is None:
        return None
    header = rows[h]
    cols = [_col(header, n) for n in ("Smelter ID", "Standard Smelter Name", "Country",
                                       "Basis for Revision", "Details", "Revision Date",
                                       "Smelter Added Date")]
    out = []
    for row in rows[h + 1:]:
        metal = _metal(_cell(row, 0))
        cid, name, country, basis, details, rdate, adate = (_cell(row, c) for c in cols)
        if not metal or not is_cid(cid):
            continue
        refs = ";".join(x for x in dict.fromkeys(find_cids(details)) if x != cid)
        out.append([metal, cid, name, country, basis, details, iso_date(rdate), iso_date(adate),
                    refs])
    return _frame(out, REVISION_COLUMNS)


_US_DATE_RE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\b")


def iso_date(text: str) -> str:
    """A date cell as ISO text ("2026-08-04"): a date cell reads as ISO already; RMI's exports
    style their dates MM/dd/yyyy, which a copy saved from Excel as CSV keeps as text
    ("08/04/2026"), and ordered as text such dates put 2019 after 2026. Other text is kept (cut
    to 10 characters)."""
    m = _US_DATE_RE.match(text)
    if m:
        month, day, year = (int(g) for g in m.groups())
        with contextlib.suppress(ValueError):
            return datetime(year, month, day).date().isoformat()
    return text.strip()[:10]


def date_from_path(path: str | Path) -> str | None:
    """The ISO date a file's path names (``exports-2026-08-22/CMRT.xml``): RMI's exports carry
    their list date only in their file or folder name."""
    found = _ISO_DATE_RE.findall(str(path))   # the one nearest the file: its name, its folder
    return found[-1] if found else None


def read_source(path: str | Path) -> SourceData:
    """Read one reference file; raise :class:`ReferenceLoadError` if it is not a recognised source."""
    p = Path(path)
    if not p.exists():   # (found in a folder: a broken link, never skipped unseen)
        raise DamagedReferenceError(f"{p}: no such file (a broken link?)")
    if p.stat().st_size == 0:   # (a download cut short at nothing: never skipped in a folder)
        raise DamagedReferenceError(f"{p}: file is empty; a damaged file among the reference "
                                    "files: replace it, or move it out of the folder")
    sheets = read_sheets(p)
    digest = file_sha256(p)
    version, list_date = _template_version(sheets)

    if "Smelter Look-up" in sheets:
        rows = _parse_lookup_tab(sheets["Smelter Look-up"])
        if rows is None or rows.empty:
            raise ReferenceLoadError(f"{p}: 'Smelter Look-up' tab has no smelter rows")
        label = f"CMRT {version}" if version else f"CMRT {p.stem}"
        return SourceData(str(p), "lookup", label, list_date or date_from_path(p) or "", digest,
                          rows, template_version=version)
    if "Standard Smelter Names" in sheets:
        rows = _parse_legacy(sheets)
        if rows is None or rows.empty:
            raise ReferenceLoadError(f"{p}: 'Standard Smelter Names' tab has no smelter rows")
        label = f"CMRT {version}" if version else f"CMRT {p.stem}"
        # Legacy templates carry release dates like "May 30th, 2014"; the year is enough to order.
        year = re.search(r"(20\d\d)", " ".join(" ".join(r) for r in sheets.get("Revision", [])[-6:]))
        ld = f"{year.group(1)}-01-01" if year else ""
        return SourceData(str(p), "legacy", label, ld, digest, rows, template_version=version)

    for name, rows_ in sheets.items():
        if name == "Revision":
            continue
        when = date_from_path(p) or date_from_path(Path(name)) or ""
        # Most specific header first: the four exports share Metal / Smelter ID / name columns.
        revs = _parse_revisions(rows_)
        if revs is not None:
            return SourceData(str(p), "revisions", f"RMI revisions {when}".strip(),
                              when or max(revs["revision_date"], default=""), digest, revs)
        if _header_index(rows_, ["Metal", "Smelter Reference", "Standard Smelter Name"]) is not None:
            lk = _parse_lookup_tab(rows_)
            if lk is not None and not lk.empty:
                return SourceData(str(p), "lookup", f"RMI export {when}".strip(), when, digest, lk)
        status = _parse_status(rows_)
        if status is not None:
            kind, df = status
            return SourceData(str(p), kind, f"RMI {kind} list {when}".strip(), when, digest, df)
    raise ReferenceLoadError(
        f"{p}: not a recognised RMI reference file (expected a CMRT workbook with a 'Smelter Look-up' "
        "tab, a legacy CMRT, or an RMI export: smelter reference, conformant, active or revisions)"
    )


# ------------------------------------------------------------------------------------------------
# what the files say, for the merge (smelter_match.merge.merge_sources)

#: ``rmap_status`` of every facility when no RMAP list is among the reference files (a CMRT
#: workbook alone), and of a facility not on the one list loaded when the other is missing:
#: whether it is conformant was not checked, which "" (on neither list) would misstate.
NOT_CHECKED = "Not checked"


def source_notes(data: list[SourceData], old_to_cid: dict[tuple[str, str], str]) -> tuple[str, ...]:
    """What a user should know about the files read: lists without a date (ordered as the
    oldest, so an undated copy of RMI's newest list loses to an older CMRT), old-format IDs no
    file maps to CIDs (their names are not used), and no RMAP list (no status is known)."""
    notes = []
    for d in data:
        # (named by file name and kind: the notes are cached with the merge, whose key is
        # the files' contents and dates, not where they were found)
        if not d.list_date and d.kind != "legacy":
            notes.append(f"{Path(d.path).name} ({d.label}): its list date is unknown (RMI's "
                         "exports carry none; name the file or its folder with the date, e.g. "
                         "exports-2026-08-22): it is ordered as the oldest list")
        if d.kind == "legacy" and not old_to_cid:   # (no file maps old IDs: 2.03a alone)
            lost = sum(bool(o) and not c for o, c in zip(d.rows.old_id, d.rows.cid))
            if lost:
                notes.append(f"{Path(d.path).name} ({d.label}): {lost} names have only "
                             "old-format IDs, which no file maps to CIDs, and are not used; "
                             "load CMRT 3.01 with it")
    rmap_note = rmap_lists_note({d.kind for d in data})
    return tuple(notes) + ((rmap_note,) if rmap_note else ())


def rmap_lists_note(kinds: set[str]) -> str | None:
    """What a user should know when the files (of these kinds) lack one or both RMAP lists."""
    rmap = kinds & {"active", "conformant"}
    if not rmap:
        return ("no RMAP list (RMI's conformant or active facilities) among the files: "
                f"every facility's rmap_status is '{NOT_CHECKED}'")
    if len(rmap) == 1:
        (kind,) = rmap
        other = ({"active", "conformant"} - rmap).pop()
        return (f"RMI's {kind} facilities list is among the files but not its {other} list: "
                f"a facility not on the {kind} list may be on the other, so its rmap_status "
                f"is '{NOT_CHECKED}' (load both lists)")
    return None


def removals(rev: pd.DataFrame) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(cid, metal) -> (date, reason, successors) when the facility's latest add/remove is a removal."""
    out: dict[tuple[str, str], tuple[str, str, str]] = {}
    ev = rev[rev["basis"].str.lower().isin(["removed", "added"])].sort_values(
        ["revision_date", "basis"], kind="stable"
    )
    for r in ev.itertuples(index=False):
        if r.basis.lower() == "removed":
            out[(r.cid, r.metal)] = (r.revision_date, r.details, r.referenced_cids)
        else:
            out.pop((r.cid, r.metal), None)
    return out


def last_revisions(rev: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(cid, metal) -> its newest revision as "<date> <basis>: <details>"."""
    out: dict[tuple[str, str], str] = {}
    for r in rev.sort_values("revision_date", kind="stable").itertuples(index=False):
        out[(r.cid, r.metal)] = f"{r.revision_date} {r.basis}: {r.details}".strip()
    return out
