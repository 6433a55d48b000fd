"""Input reading: supplier smelter lists from CSV files, Excel tables and CMRT workbooks.

Everything a user hands to smelter_match goes through :func:`read_input` (one file) or
:func:`read_inputs` (files and folders). The result is an :class:`InputTable`: the rows as text,
the columns that hold the reported name / metal / country / smelter ID, and, for each row, the row
number an analyst sees when opening the source in Excel.

Three kinds of input are recognised:

``csv``
    A delimited text file. The encoding is detected (UTF-16 with BOM, UTF-8 with or without BOM,
    else cp1252, else latin-1) and the delimiter sniffed (comma, semicolon or tab). Every cell is
    read as text, so leading zeros and IDs survive untouched.
``xlsx``
    A plain table in an Excel workbook (.xlsx/.xlsm, or legacy .xls): the first visible sheet unless
    ``sheet`` is given; the header is the first non-empty row. Merged cells read as their top-left
    value in every cell of the merged range; formula cells give their cached value, or "" when the
    file was saved without cached values (e.g. by openpyxl) - formula text is never a name.
``cmrt``
    An RMI Conflict Minerals Reporting Template, detected by its tabs ("Revision", "Declaration",
    "Smelter List"). The "Smelter List" tab is read by the template's fixed layout (its header and
    several columns are formulas, without cached values when the workbook was saved by a tool other
    than Excel), see :data:`CMRT6_LAYOUT`. Only rows a supplier filled in are returned.

For plain tables the role columns are recognised by name (see :data:`COLUMN_SYNONYMS`; matching
ignores case, whitespace, underscores, punctuation and CMRT markers such as "(*)" or "(1)"); when
several columns could hold a role, the first synonym in the list wins (so "Smelter Name" beats
"Smelter Look-up", which beats "Standard Smelter Name"). Explicit overrides always win. Column
overrides are ignored for CMRT workbooks, whose layout is fixed.

Every problem with an input raises :class:`~smelter_match.errors.InputError` with a one-line message
naming the file.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from smelter_match.errors import InputError

__all__ = [
    "CMRT6_LAYOUT",
    "CMRT_FRAME_COLUMNS",
    "COLUMN_SYNONYMS",
    "EXCEL_SUFFIXES",
    "INPUT_SUFFIXES",
    "CmrtLayout",
    "InputTable",
    "find_columns",
    "read_cmrt",
    "read_input",
    "read_inputs",
    "read_table",
]

#: File suffixes read as Excel workbooks.
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
#: File suffixes picked up when a folder is given to :func:`read_inputs`.
INPUT_SUFFIXES = (".csv", *EXCEL_SUFFIXES)

#: Column names recognised for each role, in order of preference (compared after normalisation).
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "smelter_name",
        "Smelter Name",
        "Smelter Look-up",
        "name",
        "smelter",
        "Standard Smelter Name",
        "reported_name",
    ),
    "metal": ("metal", "Metal"),
    "country": ("country", "Smelter Country", "Country Location", "reported_country"),
    "cid": (
        "smelter_id",
        "Smelter Identification",
        "Smelter Identification Number",
        "Smelter ID",
        "cid",
    ),
}

_OVERRIDE_FLAGS = {
    "name": "--name-col",
    "metal": "--metal-col",
    "country": "--country-col",
    "cid": "--cid-col",
}

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


@dataclass
class InputTable:
    """One input table, ready for matching.

    ``frame`` holds the rows in their original order with the input's own columns, every cell as
    text (empty cells are ``""``, never NaN). ``row_numbers[i]`` is the 1-based row number of
    ``frame.iloc[i]`` in the source sheet or file, as an analyst sees it in Excel (the header of a
    CSV file is row 1 when it is on the first line). For CMRT workbooks the frame has the columns
    listed in :data:`CMRT_FRAME_COLUMNS` and ``name_col`` is the derived ``"reported_name"``.
    """

    frame: pd.DataFrame
    name_col: str
    metal_col: str | None
    country_col: str | None
    cid_col: str | None
    source: str
    kind: str
    company: str | None
    row_numbers: list[int]
    #: CMRT template version from the Revision tab (e.g. "6.4"); None for plain tables.
    template_version: str | None = None
    #: Worksheet the rows come from; None for CSV files.
    sheet: str | None = None


# --------------------------------------------------------------------------------------------
# column recognition


def _norm_header(text: object) -> str:
    """Normalise a header for comparison: drop markers "(*)"/"(1)", case, spaces, punctuation."""
    s = re.sub(r"\(\s*[*\d]+\s*\)", "", str(text))
    return "".join(ch for ch in s.casefold() if ch.isalnum())


def find_columns(
    columns: Iterable[object],
    *,
    name_col: str | None = None,
    metal_col: str | None = None,
    country_col: str | None = None,
    cid_col: str | None = None,
    source: str | None = None,
) -> dict[str, str | None]:
    """Map each role ("name", "metal", "country", "cid") to a column of ``columns``.

    Explicit overrides win; an override is matched exactly first, then after normalisation. A role
    without a matching column maps to None, except "name", which is required.

    Raises:
        InputError: an override names a column that does not exist, or no name column is found.
    """
    cols = [str(c) for c in columns]
    where = f"{source}: " if source else ""
    available = ", ".join(repr(c) for c in cols) or "(none)"
    overrides = {"name": name_col, "metal": metal_col, "country": country_col, "cid": cid_col}
    result: dict[str, str | None] = {}
    for role, wanted in overrides.items():
        if wanted is not None:
            found = _match_override(cols, wanted)
            if found is None:
                raise InputError(
                    f"{where}column {wanted!r} given with {_OVERRIDE_FLAGS[role]} not found; "
                    f"available columns: {available}"
                )
            result[role] = found
        else:
            result[role] = _match_synonyms(cols, COLUMN_SYNONYMS[role])
    if result["name"] is None:
        raise InputError(
            f"{where}no smelter name column recognised among columns: {available}; "
            f"name it e.g. 'Smelter Name' or pass --name-col COLUMN"
        )
    return result


def _match_override(cols: Sequence[str], wanted: str) -> str | None:
    if wanted in cols:
        return wanted
    key = _norm_header(wanted)
    return next((c for c in cols if key and _norm_header(c) == key), None)


def _match_synonyms(cols: Sequence[str], synonyms: Sequence[str]) -> str | None:
    normed = [_norm_header(c) for c in cols]
    for syn in synonyms:
        key = _norm_header(syn)
        for col, n in zip(cols, normed, strict=True):
            if n == key:
                return col
    return None


# --------------------------------------------------------------------------------------------
# generic helpers


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")


def _read_head(path: Path, n: int = 8) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(n)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def _is_encrypted_ole(path: Path) -> bool:
    """True for an OLE2 compound file with an "EncryptedPackage" stream (encrypted OOXML)."""
    data = path.read_bytes()
    return data.startswith(_OLE2_MAGIC) and _ENCRYPTED_PACKAGE in data


def _encrypted_error(path: Path) -> InputError:
    return InputError(
        f"{path}: workbook is password-protected (encrypted); open it in Excel, remove the "
        f"password and save it again"
    )


def _cell_text(value: Any) -> str:
    """Render a cell value as the text an analyst sees (integers without ".0", ISO dates)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    return str(value)


def _unique_headers(raw: Sequence[str]) -> list[str]:
    """Strip header names, name blank ones ``column_<n>`` and de-duplicate with ``.1``, ``.2``."""
    out: list[str] = []
    seen: set[str] = set()
    for i, h in enumerate(raw, start=1):
        base = h.strip() or f"column_{i}"
        name, k = base, 1
        while name in seen:
            name = f"{base}.{k}"
            k += 1
        seen.add(name)
        out.append(name)
    return out


def _build_table(
    rows: Iterable[tuple[int, list[str]]],
    *,
    path: Path,
    kind: str,
    sheet: str | None,
    overrides: dict[str, str | None],
) -> InputTable:
    """Turn (row number, cells) pairs into an :class:`InputTable` (header = first non-empty row)."""
    header: list[str] | None = None
    data: list[list[str]] = []
    numbers: list[int] = []
    for rownum, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = list(cells)
            continue
        data.append(list(cells))
        numbers.append(rownum)
    where = f"{path}" + (f" (sheet {sheet!r})" if sheet is not None else "")
    if header is None:
        if sheet is not None:
            raise InputError(f"{where}: no rows, the sheet is empty; pick another with --sheet")
        raise InputError(f"{where}: no rows, the file is empty")
    if not data:
        raise InputError(f"{where}: no rows, only a header line")
    # widen the header for data cells beyond it; drop trailing empty header-only columns
    width = max(len(header), *(len(r) for r in data))
    header += [""] * (width - len(header))
    while (
        len(header) > 1
        and not header[-1].strip()
        and all(len(r) < len(header) or not r[len(header) - 1].strip() for r in data)
    ):
        header.pop()
    width = len(header)
    data = [(r + [""] * (width - len(r)))[:width] for r in data]
    columns = _unique_headers(header)
    frame = pd.DataFrame(data, columns=columns, dtype=object)
    roles = find_columns(columns, source=where, **overrides)
    name_col = roles["name"]
    assert name_col is not None  # find_columns raises otherwise
    return InputTable(
        frame=frame,
        name_col=name_col,
        metal_col=roles["metal"],
        country_col=roles["country"],
        cid_col=roles["cid"],
        source=str(path),
        kind=kind,
        company=None,
        row_numbers=numbers,
        sheet=sheet,
    )


# --------------------------------------------------------------------------------------------
# CSV


def decode_csv_bytes(path: Path, raw: bytes) -> str:
    """Decode CSV bytes: UTF-16 (BOM), UTF-8 (BOM or not), else cp1252, else latin-1."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: invalid UTF-16 text ({exc.reason})") from exc
    if b"\x00" in raw:
        raise InputError(f"{path}: binary file, not a CSV text file")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def sniff_delimiter(text: str) -> str:
    """Pick comma, semicolon or tab: the most consistent, widest split of the first lines.

    When none of them splits the header line, the file has a single column and every line is one
    value (a name such as "Foo, Inc." is not split): the ASCII unit separator is returned.
    """
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    best, best_score = "\x1f", (0.0, 1)
    for delim in (",", ";", "\t"):
        try:
            parsed = list(csv.reader(lines, delimiter=delim))
        except csv.Error:
            continue
        widths = [len(r) for r in parsed if r]
        if not widths or widths[0] < 2:
            continue
        consistent = sum(w == widths[0] for w in widths) / len(widths)
        score = (round(consistent, 1), widths[0])
        if score > best_score:
            best, best_score = delim, score
    return best


def _read_csv(path: Path, overrides: dict[str, str | None]) -> InputTable:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    text = decode_csv_bytes(path, raw)
    delim = sniff_delimiter(text)
    old_limit = csv.field_size_limit(2**31 - 1)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
        rows: list[tuple[int, list[str]]] = []
        # a record's row number is its position among records, as Excel numbers them
        for rownum, rec in enumerate(reader, start=1):
            rows.append((rownum, rec))
    except csv.Error as exc:
        raise InputError(f"{path}: malformed CSV ({exc})") from exc
    finally:
        csv.field_size_limit(old_limit)
    return _build_table(rows, path=path, kind="csv", sheet=None, overrides=overrides)


# --------------------------------------------------------------------------------------------
# Excel: opening, plain tables


def _open_openpyxl(path: Path, **kwargs: Any) -> Any:
    import openpyxl

    try:
        # from bytes, so that the file name's extension does not matter (openpyxl checks it)
        data = io.BytesIO(path.read_bytes())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Conditional Formatting extension is not supported"
            return openpyxl.load_workbook(data, **kwargs)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException, XML errors
        raise InputError(
            f"{path}: cannot be read as an Excel workbook ({type(exc).__name__}: {exc})"
        ) from exc


def _workbook_format(path: Path) -> str:
    """Return "xlsx" (zip container) or "xls" (OLE2), or raise InputError for anything else."""
    head = _read_head(path)
    if head.startswith(_ZIP_MAGIC):
        return "xlsx"
    if head.startswith(_OLE2_MAGIC):
        if _is_encrypted_ole(path):
            raise _encrypted_error(path)
        return "xls"
    if not head:
        raise InputError(f"{path}: not an Excel workbook (the file is empty)")
    raise InputError(f"{path}: not an Excel workbook (content is not .xlsx or .xls)")


def _pick_sheet(
    path: Path, names: Sequence[str], visible: Sequence[bool], sheet: str | int | None
) -> int:
    if not names:
        raise InputError(f"{path}: workbook has no worksheets")
    if sheet is None:
        return next((i for i, v in enumerate(visible) if v), 0)
    as_index = isinstance(sheet, str) and sheet.isdigit() and sheet not in names
    if isinstance(sheet, int) or as_index:
        idx = int(sheet)
        if 0 <= idx < len(names):
            return idx
    else:
        if sheet in names:
            return names.index(sheet)
        folded = [n.strip().casefold() for n in names]
        if sheet.strip().casefold() in folded:
            return folded.index(sheet.strip().casefold())
    listed = ", ".join(repr(n) for n in names)
    raise InputError(f"{path}: sheet {sheet!r} not found; sheets: {listed}")


def _xlsx_rows(ws: Any) -> list[tuple[int, list[str]]]:
    """Rows of an openpyxl worksheet (loaded with data_only=True) as text, merged ranges filled."""
    max_row, max_col = ws.max_row, ws.max_column
    merged: dict[tuple[int, int], Any] = {}
    for rng in ws.merged_cells.ranges:
        top_left = ws.cell(rng.min_row, rng.min_col)
        value = None if top_left.data_type == "e" else top_left.value
        for r in range(rng.min_row, min(rng.max_row, max_row) + 1):
            for c in range(rng.min_col, min(rng.max_col, max_col) + 1):
                merged[(r, c)] = value
    out: list[tuple[int, list[str]]] = []
    for r_idx, row in enumerate(ws.iter_rows(min_row=1, max_row=max_row, max_col=max_col), 1):
        cells: list[str] = []
        for c_idx, cell in enumerate(row, start=1):
            if (r_idx, c_idx) in merged:
                value = merged[(r_idx, c_idx)]
            elif cell.data_type == "e":  # cached error such as #N/A
                value = None
            else:
                value = cell.value
            cells.append(_cell_text(value))
        out.append((r_idx, cells))
    return out


def _xls_rows(book: Any, sh: Any) -> list[tuple[int, list[str]]]:
    """Rows of an xlrd sheet as text, merged ranges filled with their top-left value."""
    import xlrd

    def text(r: int, c: int) -> str:
        cell = sh.cell(r, c)
        if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
            return ""
        if cell.ctype == xlrd.XL_CELL_BOOLEAN:
            return "TRUE" if cell.value else "FALSE"
        if cell.ctype == xlrd.XL_CELL_DATE:
            try:
                return _cell_text(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
            except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                return _cell_text(cell.value)
        return _cell_text(cell.value)

    merged: dict[tuple[int, int], str] = {}
    for rlo, rhi, clo, chi in getattr(sh, "merged_cells", []) or []:
        v = text(rlo, clo)
        for r in range(rlo, min(rhi, sh.nrows)):
            for c in range(clo, min(chi, sh.ncols)):
                merged[(r, c)] = v
    return [
        (r + 1, [merged.get((r, c)) or text(r, c) for c in range(sh.ncols)])
        for r in range(sh.nrows)
    ]


def _open_xls(path: Path) -> Any:
    import xlrd

    try:
        return xlrd.open_workbook(
            str(path), formatting_info=True, on_demand=True, logfile=io.StringIO()
        )
    except Exception as exc:
        if "encrypt" in str(exc).lower():
            raise _encrypted_error(path) from exc
        raise InputError(
            f"{path}: cannot be read as an Excel workbook ({type(exc).__name__}: {exc})"
        ) from exc


def _read_excel_table(
    path: Path, fmt: str, sheet: str | int | None, overrides: dict[str, str | None]
) -> InputTable:
    if fmt == "xls":
        book = _open_xls(path)
        try:
            names = book.sheet_names()
            visible = [book.sheet_by_index(i).visibility == 0 for i in range(len(names))]
            idx = _pick_sheet(path, names, visible, sheet)
            rows = _xls_rows(book, book.sheet_by_index(idx))
        finally:
            book.release_resources()
    else:
        wb = _open_openpyxl(path, data_only=True)
        try:
            worksheets = wb.worksheets
            names = [ws.title for ws in worksheets]
            visible = [ws.sheet_state == "visible" for ws in worksheets]
            idx = _pick_sheet(path, names, visible, sheet)
            rows = _xlsx_rows(worksheets[idx])
        finally:
            wb.close()
    return _build_table(rows, path=path, kind="xlsx", sheet=names[idx], overrides=overrides)


def read_table(
    path: str | Path,
    *,
    name_col: str | None = None,
    metal_col: str | None = None,
    country_col: str | None = None,
    cid_col: str | None = None,
    sheet: str | int | None = None,
) -> InputTable:
    """Read a plain table (CSV, or one sheet of an Excel workbook) into an :class:`InputTable`.

    Files named .xlsx/.xlsm/.xls must be workbooks; any other file is read as CSV text, unless
    its content is a workbook. ``sheet`` is a sheet name (case-insensitive) or a 0-based index;
    by default the first visible sheet is read.

    Raises:
        InputError: missing/unreadable file, not a workbook, encrypted workbook, empty sheet/file,
            header only, unknown sheet, or no recognisable name column.
    """
    p = Path(path)
    _check_file(p)
    overrides = {
        "name_col": name_col,
        "metal_col": metal_col,
        "country_col": country_col,
        "cid_col": cid_col,
    }
    head = _read_head(p)
    if p.suffix.lower() in EXCEL_SUFFIXES or head.startswith((_ZIP_MAGIC, _OLE2_MAGIC)):
        fmt = _workbook_format(p)
        table = _read_excel_table(p, fmt, sheet, overrides)
    else:
        table = _read_csv(p, overrides)
    table.source = str(path)
    return table


# --------------------------------------------------------------------------------------------
# CMRT


@dataclass(frozen=True)
class CmrtLayout:
    """Where the supplier's entries live on a CMRT "Smelter List" tab (1-based columns)."""

    header_row: int
    first_row: int
    #: frame column -> worksheet column number
    columns: dict[str, int] = field(default_factory=dict)


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
}

_CMRT_TABS = ("revision", "declaration", "smelter list")
_NOT_A_NAME = {"smelter not listed", "smelter not yet identified"}
_VERSION_RE = re.compile(r"^\d+(\.\d+)?[a-z]?$")


def _is_cmrt_sheetnames(names: Iterable[str]) -> bool:
    folded = {n.strip().casefold() for n in names}
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
    for row in lang.iter_rows(min_col=2, max_col=4, values_only=True):
        if len(row) < 3 or str(row[0] or "").strip().casefold() != "smelter list":
            continue
        m = re.fullmatch(r"([A-Z]{1,3})(\d+)", str(row[1] or "").strip())
        key = _norm_header(row[2] or "")
        if not m or key not in _CMRT_HEADER_KEYS:
            continue
        cols.setdefault(_CMRT_HEADER_KEYS[key], _col_num(m.group(1)))
        header_rows.add(int(m.group(2)))
    if len(header_rows) != 1 or not {"Metal", "Smelter Name"} <= cols.keys():
        return None
    header = header_rows.pop()
    return CmrtLayout(header_row=header, first_row=header + 1, columns=cols)


def _layout_from_header_values(ws_values: Any) -> CmrtLayout | None:
    """Derive the layout from cached (English) header cells of the Smelter List tab."""
    for r_idx, row in enumerate(ws_values.iter_rows(min_row=1, max_row=15, values_only=True), 1):
        cols: dict[str, int] = {}
        for c_idx, value in enumerate(row, start=1):
            key = _norm_header(value or "")
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
                and _norm_header(english or "").startswith("companyname")
            ):
                label = (int(m.group(2)), _col_num(m.group(1)))
                break
    if label is None:
        for r_idx, row in enumerate(rows, start=1):
            for c_idx, value in enumerate(row, start=1):
                if label is None and _norm_header(value or "").startswith("companyname"):
                    label = (r_idx, c_idx)
    if label is None or label[0] > len(rows):
        return None
    for right in rows[label[0] - 1][label[1] :]:
        if _clean_company(right) is not None:
            return _clean_company(right)
    return None


def _clean_company(value: Any) -> str | None:
    if value is None or isinstance(value, str) and value.startswith("="):
        return None
    text = _cell_text(value).strip()
    return text or None


def _cmrt_cells(
    ws_formulas: Any, ws_values: Any, layout: CmrtLayout
) -> list[tuple[int, dict[str, tuple[str, bool]]]]:
    """Per data row: frame column -> (text, typed), typed meaning "entered, not a formula".

    Formula cells give their cached value, or "" without cache; cached errors such as #N/A and
    cached zeros (what the template's OFFSET look-ups return for an empty cell) also become "".
    Both worksheets are read-only views of the same file, so their rows line up one to one.
    """
    max_col = max(layout.columns.values())
    ws_formulas.reset_dimensions()  # trust the rows in the file, not the stored dimension
    ws_values.reset_dimensions()
    f_rows = ws_formulas.iter_rows(min_row=layout.first_row, max_col=max_col)
    v_rows = ws_values.iter_rows(min_row=layout.first_row, max_col=max_col, values_only=True)
    out: list[tuple[int, dict[str, tuple[str, bool]]]] = []
    for rownum, (f_row, v_row) in enumerate(zip(f_rows, v_rows, strict=False), layout.first_row):
        entry: dict[str, tuple[str, bool]] = {}
        for name, col in layout.columns.items():
            cell = f_row[col - 1] if col <= len(f_row) else None
            raw = getattr(cell, "value", None)
            if getattr(cell, "data_type", None) == "f" or (
                isinstance(raw, str) and raw.startswith("=")
            ):
                cached = v_row[col - 1] if col <= len(v_row) else None
                if isinstance(cached, str) and cached.startswith("#"):  # #N/A, #REF!, ...
                    cached = None
                elif cached == 0 and not isinstance(cached, bool):
                    # OFFSET(...) into an empty look-up cell caches 0 (e.g. a smelter without a
                    # street): an Excel artefact, not data
                    cached = None
                entry[name] = (_cell_text(cached).strip(), False)
            else:
                text = _cell_text(raw).strip()
                entry[name] = (text, bool(text))
        out.append((rownum, entry))
    return out


def _read_cmrt_parts(
    p: Path, wb_f: Any, wb_v: Any
) -> tuple[str | None, CmrtLayout, str | None, list[tuple[int, dict[str, tuple[str, bool]]]], str]:
    """Version, layout, company, raw row cells and sheet title of a CMRT workbook."""
    ws_f = _sheet(wb_f, "smelter list")
    if ws_f is None:
        tabs = ", ".join(repr(n) for n in wb_f.sheetnames)
        raise InputError(f"{p}: CMRT workbook without a 'Smelter List' tab (tabs: {tabs})")
    ws_v = _sheet(wb_v, "smelter list")
    version = _cmrt_version(wb_v)
    layout: CmrtLayout | None
    if version is not None and version.split(".")[0] == "6":
        layout = CMRT6_LAYOUT
    else:
        layout = _layout_from_language_tab(wb_f) or _layout_from_header_values(ws_v)
    if layout is None:
        raise InputError(
            f"{p}: CMRT version {version or 'unknown'} has an unrecognised Smelter List "
            f"layout; export the Smelter List tab to CSV and read that instead"
        )
    company = _company(wb_f, wb_v, version)
    cells = _cmrt_cells(ws_f, ws_v, layout)
    return version, layout, company, cells, ws_f.title


def read_cmrt(path: str | Path) -> InputTable:
    """Read the supplier-filled rows of a CMRT workbook's "Smelter List" tab.

    A row counts as filled in when the supplier typed (not a template formula) at least one of
    Metal, Smelter Look-up, Smelter Name or a smelter ID. ``reported_name`` is the Smelter Name if
    given, else the Smelter Look-up value, except the look-up choices "Smelter not listed" and
    "Smelter not yet identified", which are not names (then ``reported_name`` is ""). The
    "Smelter Identification Number" column is the supplier's entry in the ID input column (A in
    6.x) when given, else the "Smelter Identification" column. The company comes from the
    Declaration tab. 6.x workbooks use :data:`CMRT6_LAYOUT`; other versions derive the layout from
    the template's language tab or cached header cells.

    Raises:
        InputError: not a readable workbook, encrypted, no Smelter List tab, unknown layout, or
            no supplier-filled rows.
    """
    p = Path(path)
    _check_file(p)
    fmt = _workbook_format(p)
    if fmt == "xls":
        raise InputError(
            f"{p}: CMRT in legacy .xls format is not supported; save it as .xlsx in Excel"
        )
    wb_f = _open_openpyxl(p, read_only=True)
    wb_v = _open_openpyxl(p, read_only=True, data_only=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # read-only sheets are parsed lazily, in here
            version, layout, company, cells, sheet_title = _read_cmrt_parts(p, wb_f, wb_v)
    finally:
        wb_f.close()
        wb_v.close()

    records: list[dict[str, str]] = []
    numbers: list[int] = []
    id_keys = ("Smelter Identification Number Input Column", "Smelter Identification")
    for rownum, entry in cells:

        def text(key: str, entry: dict[str, tuple[str, bool]] = entry) -> str:
            return entry.get(key, ("", False))[0]

        def typed(key: str, entry: dict[str, tuple[str, bool]] = entry) -> bool:
            return entry.get(key, ("", False))[1]

        if not any(typed(k) for k in ("Metal", "Smelter Look-up", "Smelter Name", *id_keys)):
            continue
        lookup = text("Smelter Look-up")
        name = text("Smelter Name")
        if not name and lookup.casefold() not in _NOT_A_NAME:
            name = lookup
        rec = {col: text(col) for col in CMRT_FRAME_COLUMNS}
        rec["Smelter Identification Number"] = text(id_keys[0]) or text(id_keys[1])
        rec["reported_name"] = name
        records.append(rec)
        numbers.append(rownum)
    if not records:
        raise InputError(f"{p}: CMRT has no smelter rows filled in on the '{sheet_title}' tab")
    frame = pd.DataFrame(records, columns=list(CMRT_FRAME_COLUMNS), dtype=object)
    return InputTable(
        frame=frame,
        name_col="reported_name",
        metal_col="Metal",
        country_col="Smelter Country",
        cid_col="Smelter Identification Number",
        source=str(path),
        kind="cmrt",
        company=company,
        row_numbers=numbers,
        template_version=version,
        sheet=sheet_title,
    )


# --------------------------------------------------------------------------------------------
# dispatch


def _workbook_sheetnames(path: Path, fmt: str) -> list[str]:
    if fmt == "xls":
        book = _open_xls(path)
        try:
            return list(book.sheet_names())
        finally:
            book.release_resources()
    wb = _open_openpyxl(path, read_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def read_input(path: str | Path, **overrides: Any) -> InputTable:
    """Read one input file: a CMRT workbook (detected by its tabs) or a plain table.

    ``overrides`` are the keyword arguments of :func:`read_table` (``name_col``, ``metal_col``,
    ``country_col``, ``cid_col``, ``sheet``). Passing ``sheet`` reads that sheet of a CMRT as a
    plain table; column overrides are ignored for CMRT workbooks.
    """
    unknown = set(overrides) - {"name_col", "metal_col", "country_col", "cid_col", "sheet"}
    if unknown:
        raise TypeError(f"read_input() got unexpected keyword arguments: {sorted(unknown)}")
    p = Path(path)
    _check_file(p)
    head = _read_head(p)
    if p.suffix.lower() in EXCEL_SUFFIXES or head.startswith((_ZIP_MAGIC, _OLE2_MAGIC)):
        fmt = _workbook_format(p)
        if overrides.get("sheet") is None and _is_cmrt_sheetnames(_workbook_sheetnames(p, fmt)):
            return read_cmrt(path)
    return read_table(path, **overrides)


def _expand(path: Path) -> list[Path]:
    if not path.exists():
        raise InputError(f"{path}: file or folder not found")
    if not path.is_dir():
        return [path]
    found = sorted(
        (
            child
            for child in path.iterdir()
            if child.is_file()
            and child.suffix.lower() in INPUT_SUFFIXES
            and not child.name.startswith(("~$", "."))
        ),
        key=lambda c: c.name,
    )
    if not found:
        raise InputError(f"{path}: folder contains no input files ({', '.join(INPUT_SUFFIXES)})")
    return found


def read_inputs(paths: str | Path | Iterable[str | Path], **overrides: Any) -> list[InputTable]:
    """Read every input: files as given, folders expanded to their .csv/.xlsx/.xlsm/.xls files.

    Folders are not searched recursively; their files are read in name order, skipping Excel lock
    files ("~$...") and hidden files.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    tables: list[InputTable] = []
    for given in paths:
        p = Path(given)
        files = _expand(p)
        for f in files:
            tables.append(read_input(given if f == p else f, **overrides))
    return tables
