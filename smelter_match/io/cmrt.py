"""CMRT workbooks: the template's layouts, and its Smelter List and Declaration tabs read as rows.

An RMI Conflict Minerals Reporting Template is recognised by its tabs ("Revision", "Declaration",
"Smelter List"). The "Smelter List" tab is read by the template's fixed layout, because its header
and several columns are formulas, without cached values when the workbook was saved by a tool
other than Excel: :data:`CMRT6_LAYOUT` for every 6.x release; other versions derive the layout
from the template's language tab ("L") or cached English header cells. Only rows a supplier filled
in are returned. :func:`smelter_match.io.inputs.read_cmrt` wraps the result into an input table.
"""

from __future__ import annotations

import re
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from smelter_match.errors import DamagedFileError, InputError, InputWarning, NoRowsError
from smelter_match.io.tables import (
    cell_text,
    file_format,
    header_key,
    open_workbook,
    read_bytes,
)

__all__ = ["CMRT6_LAYOUT", "CMRT_FRAME_COLUMNS", "CmrtLayout", "CmrtRows", "is_cmrt",
           "read_cmrt_rows"]


@dataclass
class CmrtRows:
    """The supplier-filled rows of a CMRT's Smelter List, with where they came from."""

    frame: pd.DataFrame        # columns CMRT_FRAME_COLUMNS, every cell text
    row_numbers: list[int]     # worksheet row of each frame row
    company: str | None        # from the Declaration tab
    template_version: str | None
    sheet: str                 # title of the Smelter List tab


@dataclass(frozen=True)
class CmrtLayout:
    """Where the supplier's entries live on a CMRT "Smelter List" tab (1-based columns)."""

    header_row: int
    first_row: int
    #: frame column -> worksheet column number
    columns: dict[str, int] = field(default_factory=dict)
    #: every column the template has a header in, read or not (empty: those of ``columns``)
    headed: frozenset[int] = frozenset()


#: Frame columns of a CMRT table with the CMRT 6.x column letter they are read from.
#: "Smelter Identification Number" is the supplier's entry in A ("Smelter Identification Number
#: Input Column") when present, else column F ("Smelter Identification").
_CMRT6_LETTERS: dict[str, str] = {
    "Smelter Identification Number Input Column": "A",
    "Metal": "B",
    "Smelter Look-up": "C",
    "Smelter Name": "D",
    "Smelter Country": "E",
    "Smelter Identification": "F",
    "Source of Smelter Identification Number": "G",
    "Smelter Street": "H",
    "Smelter City": "I",
    "Smelter Facility Location: State / Province": "J",
    "Smelter Contact Name": "K",
    "Smelter Contact Email": "L",
    "Proposed next steps": "M",
    "Name of Mine(s)": "N",
    "Location (Country) of Mine(s)": "O",
    "100% recycled or scrap": "P",
    "Comments": "Q",
}


def _col_num(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch.upper()) - 64
    return n


#: Layout of every CMRT 6.x release checked (6.01, 6.1, 6.22, 6.31, 6.4, 6.5, English and
#: Chinese display): header on row 4, supplier rows from row 5, columns A-Q.
CMRT6_LAYOUT = CmrtLayout(
    header_row=4,
    first_row=5,
    columns={k: _col_num(v) for k, v in _CMRT6_LETTERS.items()},
)

#: Columns of the frame returned for a CMRT workbook.
CMRT_FRAME_COLUMNS = (
    "Metal",
    "Smelter Look-up",
    "Smelter Name",
    "Smelter Country",
    "Smelter Identification Number",
    "Source of Smelter Identification Number",
    "Smelter Street",
    "Smelter City",
    "Smelter Facility Location: State / Province",
    "Smelter Contact Name",
    "Smelter Contact Email",
    "Proposed next steps",
    "Name of Mine(s)",
    "Location (Country) of Mine(s)",
    "100% recycled or scrap",
    "Comments",
    "reported_name",
)

#: English header text (normalised by _norm_header) of the template's "L" (language) tab, used to
#: derive the layout of CMRT versions other than 6.x.
_CMRT_HEADER_KEYS: dict[str, str] = {
    "smelteridentificationnumberinputcolumn": "Smelter Identification Number Input Column",
    "metal": "Metal",
    "smelterlookup": "Smelter Look-up",
    "smelterreferencelist": "Smelter Look-up",  # 4.x/5.x wording
    "smeltername": "Smelter Name",
    "smeltercountry": "Smelter Country",
    "smelteridentification": "Smelter Identification",
    "smelteridentificationnumber": "Smelter Identification",
    "smelterid": "Smelter Identification",
    "sourceofsmelteridentificationnumber": "Source of Smelter Identification Number",
    "sourceofsmelterid": "Source of Smelter Identification Number",
    "smelterstreet": "Smelter Street",
    "smeltercity": "Smelter City",
    "smelterfacilitylocationstateprovince": "Smelter Facility Location: State / Province",
    "comments": "Comments",
    "smeltercontactname": "Smelter Contact Name",
    "smeltercontactemail": "Smelter Contact Email",
    "proposednextsteps": "Proposed next steps",
    "nameofmines": "Name of Mine(s)",
    "locationcountryofmines": "Location (Country) of Mine(s)",
    "does100ofthesmeltersfeedstockoriginatefromrecycledorscrapsources": "100% recycled or scrap",
    # 2.x wording
    "smelterfacilitycontactname": "Smelter Contact Name",
    "smelterfacilitycontactemail": "Smelter Contact Email",
    "proposednextstepsifapplicable": "Proposed next steps",
    "nameofminesorifrecycledorscrapsourcedstaterecycledorscrap": "Name of Mine(s)",
    "locationcountryofminesorifrecycledorscrapsourcedstaterecycledorscrap":
        "Location (Country) of Mine(s)",
    "standardsmelternames": "Smelter Name",
    "smelterfacilitylocationcountry": "Smelter Country",
    "smelterfacilitylocationstreetaddress": "Smelter Street",
    "smelterfacilitylocationcity": "Smelter City",
}

_CMRT_TABS = ("revision", "declaration", "smelter list")
#: The look-up choices that are no name (the Smelter Name column then holds it, or nothing).
LOOKUP_NOT_A_NAME = frozenset({"smelter not listed", "smelter not yet identified"})
_VERSION_RE = re.compile(r"^\d+(\.\d+)?[a-z]?$")


def is_cmrt(sheet_names: Iterable[str]) -> bool:
    """True for a workbook with the tabs of a CMRT (two of Revision, Declaration, Smelter List)."""
    folded = {n.strip().casefold() for n in sheet_names}
    return sum(t in folded for t in _CMRT_TABS) >= 2


def _sheet(wb: Any, title: str) -> Any | None:
    for name in wb.sheetnames:
        if name.strip().casefold() == title:
            return wb[name]
    return None


def _version_text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    s = str(value).strip()
    return s if _VERSION_RE.match(s) else None


def _cmrt_version(wb: Any) -> str | None:
    """Template version: the last entry of the Revision tab's REVISION column (column B)."""
    rev = _sheet(wb, "revision")
    version: str | None = None
    if rev is not None:
        for (value,) in rev.iter_rows(
            min_row=1, max_row=200, min_col=2, max_col=2, values_only=True
        ):
            v = _version_text(value)
            if v is not None:
                version = v
    if version is None:  # fall back to "Revision 6.4\nApril 26, 2024" on the Smelter List tab
        sl = _sheet(wb, "smelter list")
        if sl is not None:
            for row in sl.iter_rows(min_row=1, max_row=4, values_only=True):
                for value in row:
                    m = re.match(r"\s*Revision\s+(\d+(?:\.\d+)?[a-z]?)", str(value or ""))
                    if m:
                        return m.group(1)
    return version


def _layout_from_language_tab(wb: Any) -> CmrtLayout | None:
    """Derive the Smelter List layout from the "L" tab (sheet, cell, English text) of a template."""
    lang = _sheet(wb, "l")
    if lang is None:
        return None
    cols: dict[str, int] = {}
    header_rows: set[int] = set()
    cells: set[tuple[int, int]] = set()   # (row, column) of every Smelter List cell named
    for row in lang.iter_rows(min_col=2, max_col=4, values_only=True):
        if len(row) < 3 or str(row[0] or "").strip().casefold() != "smelter list":
            continue
        m = re.fullmatch(r"([A-Z]{1,3})(\d+)", str(row[1] or "").strip())
        if not m:
            continue
        cells.add((int(m.group(2)), _col_num(m.group(1))))
        key = header_key(row[2] or "")
        if key not in _CMRT_HEADER_KEYS:
            continue
        cols.setdefault(_CMRT_HEADER_KEYS[key], _col_num(m.group(1)))
        header_rows.add(int(m.group(2)))
    if len(header_rows) != 1 or not {"Metal", "Smelter Name"} <= cols.keys():
        return None
    header = header_rows.pop()
    return CmrtLayout(header_row=header, first_row=header + 1, columns=cols,
                      headed=frozenset(c for r, c in cells if r == header))


def _layout_from_header_values(ws_values: Any) -> CmrtLayout | None:
    """Derive the layout from cached (English) header cells of the Smelter List tab."""
    for r_idx, row in enumerate(ws_values.iter_rows(min_row=1, max_row=15, values_only=True), 1):
        cols: dict[str, int] = {}
        for c_idx, value in enumerate(row, start=1):
            key = header_key(value or "")
            if key in _CMRT_HEADER_KEYS:
                cols.setdefault(_CMRT_HEADER_KEYS[key], c_idx)
        if {"Metal", "Smelter Name"} <= cols.keys():
            return CmrtLayout(header_row=r_idx, first_row=r_idx + 1, columns=cols)
    return None


def _company(wb_formulas: Any, wb_values: Any, version: str | None) -> str | None:
    """Company name from the Declaration tab.

    6.x: cell D8 (next to the "Company Name (*):" label on row 8, in every display language).
    Other versions: the first filled cell right of the label, which is located through the
    language tab ("L") or, failing that, by its cached English text.
    """
    decl = _sheet(wb_values, "declaration")
    if decl is None:
        return None
    rows = list(decl.iter_rows(min_row=1, max_row=40, max_col=15, values_only=True))
    if version is not None and version.split(".")[0] == "6":
        value = rows[7][3] if len(rows) > 7 and len(rows[7]) > 3 else None
        return _clean_company(value)
    label: tuple[int, int] | None = None
    lang = _sheet(wb_formulas, "l")
    if lang is not None:
        for sheet, coord, english in lang.iter_rows(min_col=2, max_col=4, values_only=True):
            m = re.fullmatch(r"([A-Z]{1,3})(\d+)", str(coord or "").strip())
            if (
                str(sheet or "").strip().casefold() == "declaration"
                and m
                and header_key(english or "").startswith("companyname")
            ):
                label = (int(m.group(2)), _col_num(m.group(1)))
                break
    if label is None:
        for r_idx, row in enumerate(rows, start=1):
            for c_idx, value in enumerate(row, start=1):
                if label is None and header_key(value or "").startswith("companyname"):
                    label = (r_idx, c_idx)
    if label is None or label[0] > len(rows):
        return None
    for right in rows[label[0] - 1][label[1] :]:
        if _clean_company(right) is not None:
            return _clean_company(right)
    return None


def _clean_company(value: Any) -> str | None:
    """The company as text, or None when blank. ``value`` comes from the cached-values view: a
    formula there is its cached result (None without one), so text starting with "=" was typed
    as text ("=ABC Corp", entered with a leading apostrophe) and is the company's name."""
    text = cell_text(value).strip()
    return text or None


#: The row number of a reference to a cell ("5" of "A5", "$V5", "4" of "$D$4").
_REF_ROW = re.compile(r"(?<=[A-Za-z$])\d+")
#: How many rows at least hold a column's formula for it to be the template's (6.x and 2.x fill
#: 2,500 rows with each): not a supplier's formulas on all of their rows.
_TEMPLATE_ROWS = 100


def _cmrt_cells(
    ws_formulas: Any, ws_values: Any, layout: CmrtLayout
) -> tuple[list[tuple[int, dict[str, tuple[str, bool]]]], dict[int, list[str]]]:
    """Per data row: frame column -> (text, typed), typed meaning "the supplier's entry": typed,
    or a formula of their own saved without its value; and the rows with such formulas, with
    their columns.

    Formula cells give their cached value, or "" without cache; cached errors such as #N/A and
    cached zeros (what the template's OFFSET look-ups return for an empty cell) also become "".
    A workbook saved by a program that does not calculate formulas (a script writing the
    template with openpyxl) has no cached values: the template's own formulas (a column's
    formula on most of its rows) give what the supplier's entries in the row say (the look-up's
    country and ID), read anyway; any other formula is the supplier's, and what it says is not
    read. Both worksheets are read-only views of the same file, so their rows line up one to one.
    """
    max_col = max(layout.columns.values())
    ws_formulas.reset_dimensions()  # trust the rows in the file, not the stored dimension
    ws_values.reset_dimensions()
    f_rows = ws_formulas.iter_rows(min_row=layout.first_row, max_col=max_col)
    v_rows = ws_values.iter_rows(min_row=layout.first_row, max_col=max_col)
    out: list[tuple[int, dict[str, tuple[str, bool]]]] = []
    unsaved: list[tuple[dict[str, tuple[str, bool]], int, str, str]] = []
    for rownum, (f_row, v_row) in enumerate(zip(f_rows, v_rows, strict=False), layout.first_row):
        entry: dict[str, tuple[str, bool]] = {}
        for name, col in layout.columns.items():
            cell = f_row[col - 1] if col <= len(f_row) else None
            raw = getattr(cell, "value", None)
            if _is_formula(cell):
                v_cell = v_row[col - 1] if col <= len(v_row) else None
                cached = getattr(v_cell, "value", None)
                if cached is None and getattr(v_cell, "data_type", "n") == "n":
                    # no value saved ("" is saved as text): whose formula is told below (the
                    # template's reads the same on every row but for row numbers: "LEN(A#)")
                    unsaved.append((entry, rownum, name, _REF_ROW.sub("#", str(raw))))
                if isinstance(cached, str) and cached.startswith("#"):  # #N/A, #REF!, ...
                    cached = None
                elif cached == 0 and not isinstance(cached, bool):
                    # OFFSET(...) into an empty look-up cell caches 0 (e.g. a smelter without a
                    # street): an Excel artefact, not data
                    cached = None
                entry[name] = (cell_text(cached).strip(), False)
            else:
                text = cell_text(raw).strip()
                entry[name] = (text, bool(text))
        out.append((rownum, entry))
    counts = Counter((name, formula) for _, _, name, formula in unsaved)
    theirs: dict[int, list[str]] = {}
    for entry, rownum, name, formula in unsaved:
        if counts[name, formula] < max(_TEMPLATE_ROWS, len(out) / 2):
            entry[name] = ("", True)
            theirs.setdefault(rownum, []).append(name)
    return out, theirs


def _unsaved_note(p: Path, sheet: str, unsaved: dict[int, list[str]]) -> str:
    """The note on a supplier's formulas saved without their values (:func:`_cmrt_cells`)."""
    by_column: dict[str, list[int]] = {}
    for rownum, names in sorted(unsaved.items()):
        for name in names:
            by_column.setdefault(name, []).append(rownum)

    def rows(nums: list[int]) -> str:
        shown = ", ".join(map(str, nums[:5])) + (f" and {len(nums) - 5} more" if len(nums) > 5
                                                  else "")
        return f"row{'s' if len(nums) > 1 else ''} {shown}"

    cells = sum(map(len, by_column.values()))
    said = "; ".join(f"{name} on {rows(nums)}" for name, nums in by_column.items())
    return (f"{p}: {cells} cell{'s' if cells > 1 else ''} of the '{sheet}' tab "
            f"{'are formulas' if cells > 1 else 'is a formula'} saved without "
            "a value (the workbook was last saved by a program that does not calculate "
            f"formulas, not by Excel), read as empty: {said}; open the file in Excel, save it "
            "and read it again")


def _read_cmrt_parts(
    p: Path, wb_f: Any, wb_v: Any
) -> tuple[str | None, CmrtLayout, str | None, list[tuple[int, dict[str, tuple[str, bool]]]],
           str, dict[int, list[str]]]:
    """Version, layout, company, raw row cells, sheet title and the supplier's formulas saved
    without values (:func:`_cmrt_cells`) of a CMRT workbook."""
    ws_f = _sheet(wb_f, "smelter list")
    if ws_f is None:
        tabs = ", ".join(repr(n) for n in wb_f.sheetnames)
        raise InputError(f"{p}: CMRT workbook without a 'Smelter List' tab (tabs: {tabs})")
    ws_v = _sheet(wb_v, "smelter list")
    version = _cmrt_version(wb_v)
    layout: CmrtLayout | None
    if version is not None and version.split(".")[0] == "6":
        layout = CMRT6_LAYOUT
        _check_header(p, ws_f, layout, version)
    elif (layout := _layout_from_language_tab(wb_f)) is not None:
        # the "L" tab names the cells the template has the headers in, as 6.x's layout does:
        # a column inserted or deleted since would shift every entry right of it
        _check_header(p, ws_f, layout, version or "(version unknown)")
    else:
        layout = _layout_from_header_values(ws_v)
    if layout is None:
        raise InputError(
            f"{p}: CMRT version {version or 'unknown'} has an unrecognised Smelter List "
            f"layout; export the Smelter List tab to CSV and read that instead"
        )
    company = _company(wb_f, wb_v, version)
    cells, unsaved = _cmrt_cells(ws_f, ws_v, layout)
    cells = _fill_merged(cells, _merged_ranges(ws_f), layout)
    return version, layout, company, cells, ws_f.title, unsaved


def _is_formula(cell: Any) -> bool:
    raw = getattr(cell, "value", None)
    return getattr(cell, "data_type", None) == "f" or (isinstance(raw, str) and raw.startswith("="))


#: The labels of the hidden helper columns right of a 6.x Smelter List's last column (R4:T4 in
#: every 6.x template): one of them in a layout column means a column was deleted.
_HELPER_HEADERS = {"standardsmeltername": "(helper)", "countrycode": "(helper)",
                   "stateprovincecode": "(helper)"}


def _check_header(p: Path, ws_f: Any, layout: CmrtLayout, version: str) -> None:
    """Refuse a Smelter List whose columns are not where the template has them.

    The 6.x layout, and that of other versions told by their "L" tab (the cells the template
    has its headers in), is read by position. Each header cell of a 6.x template is a formula
    that shows the label of the column it stands in (``ADDRESS(ROW(), COLUMN())`` looked up in
    the language tab), so after a column is inserted or deleted (possible when the sheet is not
    protected) the labels still look right while every entry right of it is read from the wrong
    column: the names as countries, and the rows as nameless. The header row tells: a layout
    column whose header cell is blank, or holds another column's English label, and a header
    formula right of the last column."""
    from openpyxl.utils.cell import get_column_letter

    headed = layout.headed | set(layout.columns.values())
    last = max(headed)
    row = next(ws_f.iter_rows(min_row=layout.header_row, max_row=layout.header_row,
                              max_col=last + 1), ())
    name_at = {col: name for name, col in layout.columns.items()}
    for col in range(1, last + 2):
        cell = row[col - 1] if col <= len(row) else None
        text = "" if _is_formula(cell) else cell_text(getattr(cell, "value", None)).strip()
        key = header_key(text)
        said = _HELPER_HEADERS.get(key) or _CMRT_HEADER_KEYS.get(key)
        if col in headed and col not in name_at:   # a column the template has, not read
            problem = "is blank" if not text and not _is_formula(cell) else ""
        elif col in name_at:
            problem = ("is blank" if not text and not _is_formula(cell) else
                       f"says {text!r}" if said is not None and said != name_at[col] else "")
        else:
            problem = "holds a header formula" if _is_formula(cell) else (
                f"says {text!r}" if key in _CMRT_HEADER_KEYS else "")
        if problem:
            where = f"{get_column_letter(col)}{layout.header_row}"
            raise InputError(
                f"{p}: the Smelter List's columns are not where the CMRT {version} template has "
                f"them (header cell {where} {problem}: a column inserted, deleted or moved?), so "
                f"its rows cannot be read by the template's layout; undo that change, or export "
                f"the Smelter List tab to CSV with one header row and read that instead")


_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _merged_ranges(ws: Any) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a read-only worksheet as (min_col, min_row, max_col, max_row):
    openpyxl's read-only mode does not parse them, so they are read from the sheet's part of the
    file (none when the workbook does not expose it)."""
    from openpyxl.utils.cell import range_boundaries

    archive, part = getattr(ws.parent, "_archive", None), getattr(ws, "_worksheet_path", None)
    if archive is None or part is None:
        return []
    with archive.open(part) as fh:
        xml = fh.read()
    return [range_boundaries(m.decode()) for m in _MERGE_CELL.findall(xml)]


def _fill_merged(cells: list[tuple[int, dict[str, tuple[str, bool]]]],
                 ranges: list[tuple[int, int, int, int]],
                 layout: CmrtLayout) -> list[tuple[int, dict[str, tuple[str, bool]]]]:
    """Every cell of a merged range in a layout column shows its top-left value, as Excel shows
    it (a supplier merging one smelter name over two metal rows) and as plain tables are read."""
    by_row = dict(cells)
    for min_col, min_row, max_col, max_row in ranges:
        if max_row <= min_row or min_row not in by_row:
            continue
        for name, col in layout.columns.items():
            if col != min_col or max_col < col:
                continue
            top = by_row[min_row].get(name, ("", False))
            for r in range(min_row + 1, max_row + 1):
                if r in by_row and not by_row[r].get(name, ("", False))[0]:
                    by_row[r][name] = top
    return cells


def read_cmrt_rows(path: str | Path) -> CmrtRows:
    """Read the supplier-filled rows of a CMRT workbook's "Smelter List" tab.

    A row counts as filled in when any of its columns has a value (a comment, a mine or a country
    alone too: every row a supplier wrote comes out): typed, or a formula's cached value (the
    template's own formulas cache nothing on rows nobody filled; a supplier's formula linking to
    their own sheet does), or a supplier's formula saved without a value (by a program other
    than Excel), which reads as "" and is named in an :class:`InputWarning`. ``reported_name``
    is the Smelter Name if given, else the Smelter Look-up value, except the look-up choices
    "Smelter not listed" and "Smelter not yet identified", which are not names (then
    ``reported_name`` is ""). The "Smelter Identification Number" column is the supplier's entry
    in the ID input column (A in 6.x) when given, else the "Smelter Identification" column. The
    company comes from the Declaration tab. 6.x workbooks use :data:`CMRT6_LAYOUT`; other
    versions derive the layout from the template's language tab or cached header cells.

    Raises:
        InputError: not a readable workbook, encrypted, no Smelter List tab, unknown layout, a
            Smelter List read by the template's positions whose columns were inserted, deleted
            or moved, or no supplier-filled rows.
    """
    p = Path(path)
    fmt = file_format(p)
    if fmt == "xls":
        raise InputError(
            f"{p}: CMRT in legacy .xls format is not supported; save it as .xlsx in Excel"
        )
    if fmt != "xlsx":
        raise InputError(f"{p}: not an Excel workbook (content is not .xlsx)")
    data = read_bytes(p)
    wb_f = open_workbook(p, data, read_only=True)
    wb_v = open_workbook(p, data, read_only=True, data_only=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # read-only sheets are parsed lazily, in here
            version, layout, company, cells, sheet_title, unsaved = _read_cmrt_parts(
                p, wb_f, wb_v)
    except (ValueError, KeyError, SyntaxError, EOFError, OSError, zipfile.BadZipFile,
            zlib.error) as exc:   # a sheet's XML damaged (cut short, bytes flipped): read now
        if isinstance(exc, InputError):
            raise
        raise DamagedFileError(f"{p}: cannot be read as an Excel workbook, a sheet is damaged "
                               f"({type(exc).__name__}: {exc})") from None
    finally:
        wb_f.close()
        wb_v.close()

    records: list[dict[str, str]] = []
    numbers: list[int] = []
    id_keys = ("Smelter Identification Number Input Column", "Smelter Identification")
    layout_keys = tuple(layout.columns)   # any entry: a comment alone is a row too
    for rownum, entry in cells:

        def text(key: str, entry: dict[str, tuple[str, bool]] = entry) -> str:
            return entry.get(key, ("", False))[0]

        def typed(key: str, entry: dict[str, tuple[str, bool]] = entry) -> bool:
            return entry.get(key, ("", False))[1]

        # a supplier's own formula ("='Our list'!B7") counts by its cached value (without one,
        # as typed): the template's formulas cache "" (or 0, #N/A: read as "") on rows nobody
        # filled
        if not any(typed(k) or text(k) for k in layout_keys):
            continue
        lookup = text("Smelter Look-up")
        name = text("Smelter Name")
        if not name and lookup.casefold() not in LOOKUP_NOT_A_NAME:
            name = lookup
        rec = {col: text(col) for col in CMRT_FRAME_COLUMNS}
        rec["Smelter Identification Number"] = text(id_keys[0]) or text(id_keys[1])
        rec["reported_name"] = name
        records.append(rec)
        numbers.append(rownum)
    if unsaved:
        warnings.warn(_unsaved_note(p, sheet_title, unsaved), InputWarning, stacklevel=3)
    if not records:
        raise NoRowsError(f"{p}: CMRT has no smelter rows filled in on the '{sheet_title}' tab")
    frame = pd.DataFrame(records, columns=list(CMRT_FRAME_COLUMNS), dtype=object)
    return CmrtRows(frame, numbers, company, version, sheet_title)
