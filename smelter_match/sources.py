"""Readers for RMI reference files: each file becomes one :class:`SourceData` in a common shape.

RMI publishes the same facts in many containers: the "Smelter Look-up" tab of every CMRT workbook
(6.x, also saved with Chinese display language), legacy CMRT 3.01 (.xls) and 2.03a (.xlsx) with
old-format smelter IDs, and the live exports (SpreadsheetML 2003 XML, or the same saved as CSV or
XLSX). This module only *reads*: it recognises a file by its content (never by its name or by
English header text alone), and returns rows with standard column names. Merging several sources
into one reference happens in :mod:`smelter_match.reference`.

Recognised kinds:

- ``lookup``: CMRT 6.x Look-up tab or the CMRT export (alias, standard name, country, CID, city, state)
- ``legacy``: CMRT 3.01 / 2.03a standard-name and alias tabs (old IDs, new IDs where present)
- ``conformant`` / ``active``: RMAP facility lists
- ``revisions``: the Standard Smelter List revision log
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from smelter_match.errors import ReferenceLoadError

METALS_3TG = ("Gold", "Tantalum", "Tin", "Tungsten")
CID_RE = re.compile(r"^CID\d{6}$")
CID_FIND_RE = re.compile(r"CID\d{6}")
OLD_ID_RE = re.compile(r"^\d[A-Z]{3}\d{3}$")
_DATE_IN_TEXT_RE = re.compile(r"as of ([A-Z][a-z]+ \d{1,2}, \d{4})")
_ISO_DATE_RE = re.compile(r"(20\d\d-\d\d-\d\d)")
_SS_NS = "urn:schemas-microsoft-com:office:spreadsheet"

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
    """Expand folders (recursively) into the supported files inside them, sorted; keep files as given.

    Files inside a folder that turn out not to be RMI sources are skipped later by the caller;
    a file named explicitly must be a recognisable source.
    """
    out: list[Path] = []
    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_dir():
            found = sorted(
                f for f in p.rglob("*")
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES
                and not f.name.startswith(("~$", "."))
            )
            if not found:
                raise ReferenceLoadError(f"{p}: folder holds no reference files (.xlsx, .xls, .xml, .csv)")
            out.extend(found)
        elif p.exists():
            out.append(p)
        else:
            raise ReferenceLoadError(f"{p}: no such file or folder")
    return out


# --------------------------------------------------------------------------------------------
# Generic table access: every container becomes a list of sheets, each a list of rows of text.
# --------------------------------------------------------------------------------------------

def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _sniff(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(2048)
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<?xml") or stripped.startswith(b"<Workbook"):
        return "xml"
    return "text"


def _is_encrypted_ole(path: Path) -> bool:
    with open(path, "rb") as fh:
        data = fh.read(1 << 16)
    return "EncryptedPackage".encode("utf-16-le") in data


def read_sheets(path: Path) -> dict[str, list[list[str]]]:
    """Read every sheet of a workbook/XML/CSV file as rows of text cells (hidden sheets included)."""
    kind = _sniff(path)
    try:
        if kind == "zip":
            return _read_xlsx(path)
        if kind == "ole":
            if _is_encrypted_ole(path):
                raise ReferenceLoadError(f"{path}: workbook is password-protected; save an unprotected copy")
            return _read_xls(path)
        if kind == "xml":
            return _read_spreadsheetml(path)
        return {"csv": _read_csv(path)}
    except ReferenceLoadError:
        raise
    except (zipfile.BadZipFile, ET.ParseError, KeyError, ValueError, OSError) as exc:
        raise ReferenceLoadError(f"{path}: cannot read file ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # third-party readers raise many types on corrupt files
        raise ReferenceLoadError(f"{path}: cannot read file ({type(exc).__name__}: {exc})") from None


def _read_xlsx(path: Path) -> dict[str, list[list[str]]]:
    import warnings

    import openpyxl

    # RMI's workbooks carry header/footer codes openpyxl cannot parse; they are irrelevant here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return _read_xlsx_sheets(openpyxl.load_workbook(path, read_only=True, data_only=True))


def _read_xlsx_sheets(wb) -> dict[str, list[list[str]]]:  # noqa: ANN001 - openpyxl Workbook
    try:
        wanted = {"Smelter Look-up", "Revision", "Standard Smelter Names", "K"}
        names = wb.sheetnames
        # A CMRT has ~10 tabs, most irrelevant and some large: read only the ones the reference uses.
        take = [n for n in names if n in wanted] if wanted & set(names) else names
        sheets: dict[str, list[list[str]]] = {}
        for name in take:
            ws = wb[name]
            sheets[name] = [[_text(c) for c in row] for row in ws.iter_rows(values_only=True)]
        return sheets
    finally:
        wb.close()


def _read_xls(path: Path) -> dict[str, list[list[str]]]:
    import xlrd

    book = xlrd.open_workbook(str(path), logfile=io.StringIO(), on_demand=True)
    try:
        sheets: dict[str, list[list[str]]] = {}
        for name in book.sheet_names():
            if name not in {"Smelter Look-up", "Revision", "Standard Smelter Names", "K"}:
                continue
            sh = book.sheet_by_name(name)
            sheets[name] = [[_text(v) for v in sh.row_values(i)] for i in range(sh.nrows)]
        return sheets
    finally:
        book.release_resources()


def _read_spreadsheetml(path: Path) -> dict[str, list[list[str]]]:
    tag = lambda t: f"{{{_SS_NS}}}{t}"  # noqa: E731
    root = ET.parse(path).getroot()
    if root.tag != tag("Workbook"):
        raise ReferenceLoadError(f"{path}: XML file is not an Excel 2003 SpreadsheetML workbook")
    sheets: dict[str, list[list[str]]] = {}
    for ws in root.iter(tag("Worksheet")):
        rows: list[list[str]] = []
        table = ws.find(tag("Table"))
        for row in table.iter(tag("Row")) if table is not None else []:
            cells: list[str] = []
            for cell in row.iter(tag("Cell")):
                idx = cell.get(tag("Index"))
                if idx:  # sparse rows: ss:Index is 1-based position
                    while len(cells) < int(idx) - 1:
                        cells.append("")
                data = cell.find(tag("Data"))
                cells.append(_text("".join(data.itertext())) if data is not None else "")
            rows.append(cells)
        sheets[ws.get(tag("Name")) or f"sheet{len(sheets) + 1}"] = rows
    return sheets


def _read_csv(path: Path) -> list[list[str]]:
    from smelter_match.readers import decode_csv_bytes, sniff_delimiter

    text = decode_csv_bytes(path, path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    return [[c.strip() for c in row] for row in reader]


# --------------------------------------------------------------------------------------------
# Recognition and parsing by content
# --------------------------------------------------------------------------------------------

def _metal(value: str) -> str | None:
    v = value.strip().title()
    return v if v in METALS_3TG else None


def _header_index(rows: Sequence[Sequence[str]], required: Sequence[str], limit: int = 30) -> int | None:
    """Index of the first row whose folded cells contain every required (folded) header."""
    need = [_fold_header(r) for r in required]
    for i, row in enumerate(rows[:limit]):
        cells = {_fold_header(c) for c in row if c}
        if all(n in cells for n in need):
            return i
    return None


def _fold_header(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _col(header: Sequence[str], *names: str) -> int | None:
    folded = [_fold_header(h) for h in header]
    for n in names:
        f = _fold_header(n)
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
        cid_col = next((j for j, c in enumerate(row) if CID_RE.match(c.strip())), None)
        if metal_col is not None and cid_col is not None and cid_col > metal_col + 2:
            return i, metal_col, cid_col
    return None


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
        if not metal or not CID_RE.match(cid):
            continue
        out.append([metal, _cell(row, m + 1), _cell(row, m + 2), _cell(row, m + 3), cid,
                    _cell(row, city), _cell(row, state)])
    return pd.DataFrame(out, columns=LOOKUP_COLUMNS)


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
        new = new if CID_RE.match(new) else ""
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
            new = cid if CID_RE.match(cid) else new
            out.append([metal, alias, name, _cell(row, c_country), old, new, False])
    return pd.DataFrame(out, columns=LEGACY_COLUMNS).drop_duplicates(ignore_index=True)


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
        if metal and CID_RE.match(cid):
            audit = _cell(row, c_audit)[:10]
            # region is "City, State" (or just one of them)
            city, _, state = _cell(row, c_region).partition(",")
            out.append([metal, cid, _cell(row, c_name), _cell(row, c_country), audit,
                        city.strip(), state.strip()])
    return kind, pd.DataFrame(out, columns=STATUS_COLUMNS)


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
        if not metal or not CID_RE.match(cid):
            continue
        refs = ";".join(x for x in dict.fromkeys(CID_FIND_RE.findall(details)) if x != cid)
        out.append([metal, cid, name, country, basis, details, rdate[:10], adate[:10], refs])
    return pd.DataFrame(out, columns=REVISION_COLUMNS)


def _date_from_path(path: Path) -> str | None:
    m = _ISO_DATE_RE.search(str(path))
    return m.group(1) if m else None


def read_source(path: str | Path) -> SourceData:
    """Read one reference file; raise :class:`ReferenceLoadError` if it is not a recognised source."""
    p = Path(path)
    if not p.exists():
        raise ReferenceLoadError(f"{p}: no such file")
    if p.stat().st_size == 0:
        raise ReferenceLoadError(f"{p}: file is empty")
    sheets = read_sheets(p)
    digest = file_sha256(p)
    version, list_date = _template_version(sheets)

    if "Smelter Look-up" in sheets:
        rows = _parse_lookup_tab(sheets["Smelter Look-up"])
        if rows is None or rows.empty:
            raise ReferenceLoadError(f"{p}: 'Smelter Look-up' tab has no smelter rows")
        label = f"CMRT {version}" if version else f"CMRT {p.stem}"
        return SourceData(str(p), "lookup", label, list_date or _date_from_path(p) or "", digest,
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
        when = _date_from_path(p) or _date_from_path(Path(name)) or ""
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
