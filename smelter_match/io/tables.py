"""Any container a user hands us -> sheets of text rows. One rule per fact.

Supplier lists (:mod:`smelter_match.io.inputs`), CMRT workbooks (:mod:`smelter_match.io.cmrt`),
RMI reference files (:mod:`smelter_match.sources`) and analyst-edited files
(:mod:`smelter_match.io.safe_csv`) all read through this module, so a cell means the same text
everywhere:

- :func:`cell_text` is the one cell-to-text rule (integers without ".0", ISO dates, TRUE/FALSE,
  "" for empty, NaN or an Excel error value);
- :func:`file_format` tells a workbook, a legacy .xls, SpreadsheetML XML or CSV text apart by
  content (never by the file name), and is the one check for password-protected workbooks;
- :func:`expand_paths` is the one folder expander (``recursive`` is explicit);
- :func:`read_sheets` reads every container into :class:`Sheet` objects: rows of text, row ``i``
  of the list being spreadsheet row ``i + 1`` (for CSV: the record number; CSV text is decoded
  and parsed by :mod:`smelter_match.io.csv_text`);
- :func:`header_key` is the one way headers are compared ("Smelter Name (*)" == "smelter_name").

Every problem raises :class:`~smelter_match.errors.InputError` with a one-line message naming the
file; callers that read reference data re-raise it as their own error type.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import warnings
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smelter_match.errors import DamagedFileError, InputError
from smelter_match.io.columns import header_text_key
from smelter_match.io.csv_text import csv_records, decode_text

__all__ = [
    "EXCEL_SUFFIXES",
    "Sheet",
    "cell_text",
    "clean_text",
    "escape_cell_text",
    "expand_paths",
    "file_format",
    "header_key",
    "hidden_or_lock",
    "left_out_note",
    "open_workbook",
    "pick_sheet",
    "read_bytes",
    "read_csv_rows",
    "read_sheets",
    "sheet_list",
    "unsaved_note",
]

#: File suffixes of Excel workbooks (.xlsx/.xlsm are zip containers, .xls is OLE2).
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_SS_NS = "urn:schemas-microsoft-com:office:spreadsheet"


# --------------------------------------------------------------------------------------------
# cells and headers


def cell_text(value: Any, *, strip: bool = False) -> str:
    """The text an analyst sees in a cell (``strip``: without surrounding whitespace).

    The one cell-to-text rule, for every reader and writer.
    """
    text = _cell_text(value)
    return text.strip() if strip else text


#: Excel's escape of a character in a cell's XML ("_x000D_" for a carriage return, "_x005F_" for
#: "_"): openpyxl, and so pandas.read_excel, leave it in the text ("Valcambi_x000D_\nSA").
_OOXML_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


#: An underscore that starts what :data:`_OOXML_ESCAPE_RE` would read as an escape.
_ESCAPE_START_RE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def escape_cell_text(text: str) -> str:
    """The cell that :func:`cell_text` reads as ``text``: a literal "_x000D_" is written as Excel
    writes it, "_x005F_x000D_". For text the rule has decoded (a reported name) going back into a
    file the tool reads again (a review): decoded twice, it was refused as edited."""
    return _ESCAPE_START_RE.sub("_x005F_", text) if "_x" in text else text


def _unescape(m: re.Match[str]) -> str:
    """The escaped character, when a cell's XML may hold it (a tab, line break or printable
    character); anything else (a lone surrogate, U+FFFE) stays as written: it could not be
    written out again."""
    c = int(m.group(1), 16)
    ok = c in (0x9, 0xA, 0xD) or 0x20 <= c <= 0xD7FF or 0xE000 <= c <= 0xFFFD
    return chr(c) if ok else m.group()


def _cell_text(value: Any) -> str:
    """
    None, NaN (of any numeric type), pandas NA/NaT -> ""; text unchanged (not stripped) but for
    Excel's escapes of characters (``_x000D_``: a carriage return, as Excel shows it);
    booleans TRUE/FALSE; floats that are whole numbers without ".0" ("2763", not "2763.0"); other
    floats as Python writes them; datetimes as ISO dates ("2024-04-26", with " HH:MM:SS" when
    the time is not midnight); dates and times ISO; bytes decoded as UTF-8; numpy scalars like
    their Python value.
    """
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return ""
    if isinstance(value, str):
        return _OOXML_ESCAPE_RE.sub(_unescape, value) if "_x" in value else value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        # a scalar as its Python value; an array (a list column read from Parquet) as a list
        return _cell_text(value.item() if getattr(value, "ndim", 0) == 0 else value.tolist())
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    try:
        if value != value:  # NaN of any other numeric type (Decimal("NaN"), ...)
            return ""
    except Exception:  # noqa: S110 - a value that cannot be compared is not NaN
        pass
    try:
        return str(value)
    except Exception:  # an object whose __str__ fails is no text
        return ""


def clean_text(value: Any) -> str:
    """:func:`cell_text` without surrounding whitespace (how analyst-edited cells are read)."""
    return cell_text(value, strip=True)


def header_key(text: object) -> str:
    """A header as compared: markers "(*)"/"(1)" dropped, case folded, only letters and digits."""
    return header_text_key(cell_text(text))


# --------------------------------------------------------------------------------------------
# files and folders


def _check_file(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")


def read_bytes(path: Path) -> bytes:
    """The file's bytes (one that cannot be read: an :class:`InputError` naming it)."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _encrypted(path: Path) -> InputError:
    return DamagedFileError(f"{path}: workbook is password-protected (encrypted); open it in Excel, "
                      f"remove the password and save it again")


def file_format(path: str | Path) -> str:
    """``"xlsx"`` (zip workbook), ``"xls"`` (OLE2), ``"xml"`` (SpreadsheetML) or ``"csv"`` (text).

    Decided by content. A password-protected workbook (an OLE2 file holding an
    "EncryptedPackage" stream, which is how Excel saves an encrypted .xlsx) raises InputError.
    """
    p = Path(path)
    _check_file(p)
    try:
        with p.open("rb") as fh:
            head = fh.read(2048)
    except OSError as exc:
        raise InputError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    if head.startswith(_ZIP_MAGIC):
        if b"application/vnd.oasis.opendocument" in head[:120]:   # its first entry: mimetype
            raise InputError(f"{p}: an OpenDocument spreadsheet (.ods), which is not read: save "
                             "it as .xlsx or CSV")
        return "xlsx"
    if head.startswith(_OLE2_MAGIC):
        if _ENCRYPTED_PACKAGE in read_bytes(p):
            raise _encrypted(p)
        return "xls"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"<?xml", b"<Workbook")):
        return "xml"
    return "csv"


def expand_paths(paths: str | Path | Iterable[str | Path], *, suffixes: Collection[str],
                 recursive: bool, what: str = "input files") -> list[Path]:
    """Files as given, folders replaced by the files inside them with one of ``suffixes``.

    A folder's files are sorted by path; with ``recursive`` its subfolders are searched too.
    Excel lock files ("~$...") and hidden files are skipped (:func:`hidden_or_lock`; what a
    folder holds that is not taken: :func:`left_out_note`). A missing path, or a folder without
    such files, raises InputError (``what`` names the files in that message).
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    wanted = {s.lower() for s in suffixes}
    out: list[Path] = []
    for raw in paths:
        p = Path(raw).expanduser()
        if not p.exists():
            raise InputError(f"{p}: file or folder not found")
        if not p.is_dir():
            out.append(p)
            continue
        children = p.rglob("*") if recursive else p.iterdir()
        # (a broken link is listed too: reading it says so, instead of skipping it unseen)
        listed = sorted(c for c in children if (c.is_file() or c.is_symlink() and not c.exists())
                        and c.suffix.lower() in wanted)
        found = [c for c in listed if not hidden_or_lock(c.name)]
        if not found:
            skipped = [c.name for c in listed]   # (hidden or lock files only: say which)
            raise InputError(f"{p}: folder contains no {what} ({', '.join(sorted(wanted))})" + (
                f"; hidden or Excel lock files are not read from a folder: {', '.join(skipped)} "
                "(give such a file by name)" if skipped else ""))
        out.extend(found)
    return out


def hidden_or_lock(name: str) -> bool:
    """Whether a folder's entry is a hidden one (".x") or an Excel lock file ("~$book.xlsx",
    there while the workbook is open in Excel): never read from a folder, only by name."""
    return name.startswith(("~$", "."))


def left_out_note(folder: str | Path, files: Collection[Path], suffixes: Collection[str]) -> str:
    """A one-line note naming what a folder holds besides ``files`` (what :func:`expand_paths`
    took from it with ``suffixes``, not recursively), "" when nothing: files of other kinds (a
    ".txt" list, an ".ods") and subfolders ("sub/"), then how many hidden and Excel lock files
    were skipped, and which. A supplier's file left out of a run should not go unseen."""
    taken = set(files)
    names = sorted(c.name + ("/" if c.is_dir() else "") for c in Path(folder).expanduser().iterdir()
                   if c not in taken)
    left = [n for n in names if not hidden_or_lock(n)]
    hidden = [n for n in names if hidden_or_lock(n)]

    def shown(names: list[str]) -> str:
        return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")

    said = [f"not read, as only {', '.join(suffixes)} files of a folder are (subfolders "
            f"neither): {shown(left)}; give a file by name to read it"] if left else []
    if hidden:
        said.append(f"{len(hidden)} hidden or Excel lock file{'s' if len(hidden) > 1 else ''} "
                    f"skipped: {shown(hidden)}")
    return f"{folder}: {'; '.join(said)}" if said else ""


def read_csv_rows(path: str | Path) -> list[list[str]]:
    """The records of a CSV file as lists of text (decoded and delimiter-sniffed:
    :mod:`smelter_match.io.csv_text`)."""
    p = Path(path)
    _check_file(p)
    return csv_records(decode_text(read_bytes(p), p).rstrip("\x1a"), p)   # (DOS's EOF mark)


# --------------------------------------------------------------------------------------------
# workbooks


@dataclass
class Sheet:
    """One sheet as text: ``rows[i]`` is spreadsheet row ``i + 1`` (CSV: record ``i + 1``)."""

    name: str
    rows: list[list[str]]
    visible: bool = True
    #: (row, column), 1-based, of its formula cells saved without a value (read as "": the
    #: workbook was saved by a program that does not calculate formulas); .xlsx sheets read
    #: with ``merged`` only
    unsaved: list[tuple[int, int]] = field(default_factory=list)


def open_workbook(path: Path, data: bytes | None = None, **kwargs: Any) -> Any:
    """An openpyxl workbook of a zip container (read from bytes: any file name works).

    ``data``: the file's bytes when the caller has read them (:func:`read_bytes`), so that
    a workbook opened twice (values and formulas) is read from disk once."""
    import openpyxl

    try:
        stream = io.BytesIO(read_bytes(path) if data is None else data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Conditional Formatting extension is not supported"
            return openpyxl.load_workbook(stream, **kwargs)
    except InputError:
        raise
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException, XML errors
        raise DamagedFileError(f"{path}: cannot be read as an Excel workbook "
                         f"({type(exc).__name__}: {exc})") from None


def _wanted(names: list[str], only: Collection[str] | None) -> list[str]:
    """The sheet names to read: those in ``only`` when the file has any of them, else all."""
    if only is None or not set(only) & set(names):
        return names
    return [n for n in names if n in only]


def _xlsx_sheets(path: Path, only: Collection[str] | None, merged: bool,
                 max_rows: int | None = None) -> list[Sheet]:
    """Sheets of a zip workbook (cached values; formulas without a cached value read as "").

    ``merged``: fill every cell of a merged range with its top-left value (needs the full, slower
    load), and find the formulas saved without a value (:attr:`Sheet.unsaved`); otherwise the
    workbook is streamed read-only.
    """
    data = read_bytes(path)
    wb = open_workbook(path, data, data_only=True, read_only=not merged)
    out: list[Sheet] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # read-only sheets are parsed lazily, in here
            for name in _wanted(list(wb.sheetnames), only):
                ws = wb[name]
                if merged:
                    rows = _xlsx_rows_merged(ws)
                else:
                    rows = [[cell_text(v) for v in row]
                            for row in ws.iter_rows(max_row=max_rows, values_only=True)]
                out.append(Sheet(name, rows, getattr(ws, "sheet_state", "visible") == "visible"))
    finally:
        wb.close()
    if merged:
        unsaved = _unsaved_formulas(data, [sh.name for sh in out])
        for sh in out:
            sh.unsaved = unsaved.get(sh.name, [])
    return out


#: A formula cell of a sheet's XML saved with an empty value or none (group 1: its attributes).
_FORMULA_NO_VALUE = re.compile(
    rb"<(?:\w+:)?c\b([^>]*?)(?<!/)>\s*<(?:\w+:)?f\b(?:[^>]*?/>|[^>]*>[^<]*</(?:\w+:)?f>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>")
_CELL_ATTRS = re.compile(rb'\b(r|t)="([^"]*)"')


def _unsaved_formulas(data: bytes, names: list[str]) -> dict[str, list[tuple[int, int]]]:
    """(row, column) of the formula cells saved without a value, by sheet of ``names`` of the
    workbook whose bytes are ``data``.

    openpyxl reads such a cell as None, as it does an empty one, and so do its cached-values
    views: only the sheet's XML tells. Excel saves a formula's empty text as an empty value of
    type "str"; a cell without one, or of no type, was never calculated (openpyxl writes it so).
    """
    import zipfile

    from openpyxl.packaging.manifest import Manifest
    from openpyxl.reader.excel import _find_workbook_part
    from openpyxl.reader.workbook import WorkbookParser
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
    from openpyxl.xml.functions import fromstring

    out: dict[str, list[tuple[int, int]]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            manifest = Manifest.from_tree(fromstring(z.read("[Content_Types].xml")))
            book = WorkbookParser(z, _find_workbook_part(manifest).PartName[1:])
            book.parse()
            for sheet, rel in book.find_sheets():
                if sheet.name not in names:
                    continue
                for m in _FORMULA_NO_VALUE.finditer(z.read(rel.target)):
                    attrs = {k.decode(): v.decode() for k, v in _CELL_ATTRS.findall(m.group(1))}
                    if attrs.get("t", "n") == "n" and "r" in attrs:
                        letters, row = coordinate_from_string(attrs["r"])
                        out.setdefault(sheet.name, []).append(
                            (row, column_index_from_string(letters)))
    except Exception:   # a part it cannot find or parse: the sheets were read, this says no more
        return out
    return out


def unsaved_note(where: str | Path, sheet: Sheet) -> str:
    """A one-line note naming the formula cells of ``sheet`` saved without a value
    (:attr:`Sheet.unsaved`), which read as empty; "" when there are none."""
    from openpyxl.utils.cell import get_column_letter

    cells = [f"{get_column_letter(c)}{r}" for r, c in sorted(sheet.unsaved)]
    if not cells:
        return ""
    shown = ", ".join(cells[:5]) + (f" and {len(cells) - 5} more" if len(cells) > 5 else "")
    return (f"{where} (sheet {sheet.name!r}): {len(cells)} cell{'s' if len(cells) > 1 else ''} "
            f"{'are formulas' if len(cells) > 1 else 'is a formula'} saved without a value (the "
            "workbook was last saved by a program that does not calculate formulas, not by "
            f"Excel), read as empty: {shown}; open the file in Excel, save it and read it again")


def _xlsx_rows_merged(ws: Any) -> list[list[str]]:
    """The sheet's rows as text, merged ranges filled with their top-left value, up to the last
    row and column that hold text: a formatted or blank cell far away (Excel's "used range", a
    bold cell at F1048576) made ``max_row`` a million rows, each cell created to be read."""
    def text(cell: Any) -> str:
        return "" if cell.data_type == "e" else cell_text(cell.value)  # e: cached #N/A ...

    held = {key: t for key, cell in ws._cells.items() if (t := text(cell)).strip()}
    for rng in ws.merged_cells.ranges:
        top_left = held.get((rng.min_row, rng.min_col), "")
        if not top_left:
            continue
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                held[(r, c)] = top_left
    max_row = max((r for r, _ in held), default=0)
    max_col = max((c for _, c in held), default=0)
    rows = [[""] * max_col for _ in range(max_row)]
    for (r, c), t in held.items():
        rows[r - 1][c - 1] = t
    return rows


def _open_xls(path: Path, formatting_info: bool) -> Any:
    """An xlrd book (``formatting_info`` is needed for merged ranges and sheet visibility)."""
    import xlrd

    try:
        return xlrd.open_workbook(str(path), formatting_info=formatting_info, on_demand=True,
                                  logfile=io.StringIO())
    except Exception as exc:
        if "encrypt" in str(exc).lower():
            raise _encrypted(path) from None
        raise DamagedFileError(f"{path}: cannot be read as an Excel workbook "
                         f"({type(exc).__name__}: {exc})") from None


def _xls_sheets(path: Path, only: Collection[str] | None) -> list[Sheet]:
    """Sheets of a legacy .xls workbook, merged ranges filled with their top-left value."""
    book = _open_xls(path, formatting_info=True)
    try:
        out = []
        for name in _wanted(list(book.sheet_names()), only):
            sh = book.sheet_by_name(name)
            out.append(Sheet(name, _xls_rows(book, sh), sh.visibility == 0))
        return out
    finally:
        book.release_resources()


def _xls_rows(book: Any, sh: Any) -> list[list[str]]:
    import xlrd

    def text(r: int, c: int) -> str:
        cell = sh.cell(r, c)
        if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
            return ""
        if cell.ctype == xlrd.XL_CELL_BOOLEAN:
            return "TRUE" if cell.value else "FALSE"
        if cell.ctype == xlrd.XL_CELL_DATE:
            try:
                return cell_text(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
            except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                return cell_text(cell.value)
        return cell_text(cell.value)

    fill: dict[tuple[int, int], str] = {}
    for rlo, rhi, clo, chi in getattr(sh, "merged_cells", []) or []:
        v = text(rlo, clo)
        for r in range(rlo, min(rhi, sh.nrows)):
            for c in range(clo, min(chi, sh.ncols)):
                fill[(r, c)] = v
    return [[fill.get((r, c)) or text(r, c) for c in range(sh.ncols)] for r in range(sh.nrows)]


def _spreadsheetml_sheets(path: Path, only: Collection[str] | None) -> list[Sheet]:
    """Sheets of an Excel 2003 SpreadsheetML XML file (RMI's export format)."""
    import xml.etree.ElementTree as ET

    def tag(t: str) -> str:
        return f"{{{_SS_NS}}}{t}"

    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise DamagedFileError(f"{path}: cannot be read as XML ({exc})") from None
    if root.tag != tag("Workbook"):
        raise InputError(f"{path}: XML file is not an Excel 2003 SpreadsheetML workbook")
    worksheets = list(root.iter(tag("Worksheet")))
    names = [ws.get(tag("Name")) or f"sheet{i + 1}" for i, ws in enumerate(worksheets)]
    take = set(_wanted(names, only))
    out = []
    for ws, name in zip(worksheets, names):
        if name not in take:
            continue
        rows: list[list[str]] = []
        table = ws.find(tag("Table"))
        for row in table.iter(tag("Row")) if table is not None else []:
            cells: list[str] = []
            for cell in row.iter(tag("Cell")):
                idx = cell.get(tag("Index"))
                if idx:  # sparse rows: ss:Index is the 1-based position
                    cells.extend([""] * (int(idx) - 1 - len(cells)))
                data = cell.find(tag("Data"))
                cells.append("".join(data.itertext()) if data is not None else "")
            rows.append(cells)
        out.append(Sheet(name, rows))
    return out


def read_sheets(path: str | Path, *, only: Collection[str] | None = None,
                merged: bool = False, max_rows: int | None = None) -> list[Sheet]:
    """Every sheet of a workbook, SpreadsheetML or CSV file (a CSV is one sheet named "csv").

    ``only``: read just the sheets of these names (when the file has any of them; all sheets
    otherwise). ``merged``: fill merged ranges of .xlsx sheets with their top-left value (slower;
    .xls always does). ``max_rows``: the first rows of each sheet only (a look at a sheet; an
    .xlsx sheet is then not read further). Hidden sheets are included, with ``visible=False``.
    """
    p = Path(path)
    fmt = file_format(p)
    try:
        if fmt == "xlsx":
            sheets = _xlsx_sheets(p, only, merged and max_rows is None, max_rows)
        elif fmt == "xls":
            sheets = _xls_sheets(p, only)
        elif fmt == "xml":
            sheets = _spreadsheetml_sheets(p, only)
        else:
            sheets = [Sheet("csv", read_csv_rows(p))]
        return [Sheet(sh.name, sh.rows[:max_rows], sh.visible) for sh in sheets] \
            if max_rows is not None else sheets
    except InputError:
        raise
    except Exception as exc:  # third-party readers raise many types on corrupt files
        raise DamagedFileError(f"{p}: cannot read file ({type(exc).__name__}: {exc})") from None


def sheet_list(path: str | Path) -> list[tuple[str, bool]]:
    """(name, visible) of every sheet, without reading cells ([("csv", True)] for CSV text)."""
    p = Path(path)
    fmt = file_format(p)
    if fmt == "xlsx":
        wb = open_workbook(p, read_only=True)
        try:
            return [(ws.title, ws.sheet_state == "visible") for ws in wb.worksheets]
        finally:
            wb.close()
    if fmt == "xls":
        book = _open_xls(p, formatting_info=False)
        try:
            return [(book.sheet_by_index(i).name, book.sheet_by_index(i).visibility == 0)
                    for i in range(book.nsheets)]
        finally:
            book.release_resources()
    if fmt == "xml":
        return [(s.name, True) for s in _spreadsheetml_sheets(p, None)]
    return [("csv", True)]


def pick_sheet(path: str | Path, listed: list[tuple[str, bool]], sheet: str | int | None) -> str:
    """The name of the sheet a plain table is read from, among ``listed`` (:func:`sheet_list`):
    the first visible one when ``sheet`` is None, else the one of that name (exactly, else
    case-insensitively) or 0-based index (an int, or digits no sheet is named).

    Raises:
        InputError: the workbook has no sheets, or none is ``sheet``; the message lists them.
    """
    names = [n for n, _ in listed]
    if not names:
        raise InputError(f"{path}: workbook has no worksheets")
    if sheet is None:
        return next((n for n, visible in listed if visible), names[0])
    as_index = isinstance(sheet, str) and sheet.isdigit() and sheet not in names
    if isinstance(sheet, int) or as_index:
        idx = int(sheet)
        if 0 <= idx < len(names):
            return names[idx]
    else:
        if sheet in names:
            return sheet
        folded = [n.strip().casefold() for n in names]
        if sheet.strip().casefold() in folded:
            return names[folded.index(sheet.strip().casefold())]
    listed_names = ", ".join(repr(n) for n in names)
    raise InputError(f"{path}: sheet {sheet!r} not found; sheets: {listed_names}")
