"""Supplier lists -> input tables: CSV files, Excel tables, SpreadsheetML and CMRT workbooks.

Everything a user hands to smelter_match goes through :func:`read_input` (one file) or
:func:`read_inputs` (files and folders). The result is an :class:`InputTable`: the rows as text,
the columns that hold the reported name / metal / country / smelter ID, and, for each row, the row
number an analyst sees when opening the source in Excel.

Three kinds of input are recognised:

``csv``
    A delimited text file. The encoding is detected (UTF-16 with or without BOM, UTF-8 with or
    without BOM, else a Chinese, Japanese, Korean, Cyrillic, Greek, Hebrew, Arabic or Thai code
    page for text in such a script, else cp1252, else latin-1; mixed encodings refused:
    :func:`~smelter_match.io.csv_text.decode_text`) and the delimiter sniffed
    (comma, semicolon or tab). Every cell is read as text, so leading zeros and IDs survive
    untouched.
``xlsx``
    A plain table in an Excel workbook (.xlsx/.xlsm, or legacy .xls): the first visible sheet unless
    ``sheet`` is given; the header is the first non-empty row. Merged cells read as their top-left
    value in every cell of the merged range; formula cells give their cached value, or "" (named in
    a note) when saved without one (e.g. by openpyxl) - formula text is never a name.
``cmrt``
    An RMI Conflict Minerals Reporting Template, detected by its tabs ("Revision", "Declaration",
    "Smelter List"). The "Smelter List" tab is read by the template's fixed layout (its header and
    several columns are formulas, without cached values when the workbook was saved by a tool other
    than Excel), see :data:`CMRT6_LAYOUT`. Only rows a supplier filled in are returned.

For plain tables the role columns are recognised by name (:data:`COLUMN_SYNONYMS`, read from
``reference_data/vocab/column_synonyms.csv``; matching
ignores case, whitespace, underscores, punctuation and CMRT markers such as "(*)" or "(1)"); when
several columns could hold a role, the first synonym in the list wins (so "Smelter Name" beats
"Smelter Look-up", which beats "Standard Smelter Name"). Explicit overrides always win. Column
overrides are ignored for CMRT workbooks, whose layout is fixed.

Every problem with an input raises :class:`~smelter_match.errors.InputError` with a one-line message
naming the file.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from smelter_match.errors import ColumnNotFoundError, InputError, InputWarning, NoRowsError
from smelter_match.io import tables
from smelter_match.io.cmrt import LOOKUP_NOT_A_NAME, is_cmrt, read_cmrt_rows
from smelter_match.io.columns import COLUMN_SYNONYMS
from smelter_match.io.tables import EXCEL_SUFFIXES, header_key
from smelter_match.metals import normalize_metal

__all__ = [
    "COLUMN_SYNONYMS", "INPUT_SUFFIXES", "InputTable", "find_columns", "read_cmrt", "read_input",
    "read_inputs", "read_table",
]

#: File suffixes picked up when a folder is given to :func:`read_inputs`.
INPUT_SUFFIXES = (".csv", *EXCEL_SUFFIXES)

_OVERRIDE_FLAGS = {"name": "--name-col", "metal": "--metal-col", "country": "--country-col",
                   "cid": "--cid-col"}


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
                raise ColumnNotFoundError(
                    f"{where}column {wanted!r} given with {_OVERRIDE_FLAGS[role]} not found; "
                    f"available columns: {available}", role)
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
    key = header_key(wanted)
    return next((c for c in cols if key and header_key(c) == key), None)


def _match_synonyms(cols: Sequence[str], synonyms: Sequence[str]) -> str | None:
    normed = [header_key(c) for c in cols]
    for syn in synonyms:
        key = header_key(syn)
        for col, n in zip(cols, normed, strict=True):
            if n == key:
                return col
    return None


# --------------------------------------------------------------------------------------------
# plain tables


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
    """Turn (row number, cells) pairs into an :class:`InputTable` (header = the first non-empty
    row, or a row under it that names the name column: :func:`_header_at`)."""
    filled = [(n, list(c)) for n, c in rows if any(x.strip() for x in c)]
    where = f"{path}" + (f" (sheet {sheet!r})" if sheet is not None else "")
    at = _header_at(filled, overrides, where)
    header = filled[at][1] if filled else None
    data = [c for _, c in filled[at + 1:]]
    numbers = [n for n, _ in filled[at + 1:]]
    if header is None:
        raise InputError(f"{where}: no rows, the {'file' if sheet is None else 'sheet'} is empty")
    if not data:
        raise InputError(f"{where}: no rows, only a header line")
    if kind == "csv":
        _refuse_swallowed_rows(where, len(header), data, numbers)
        _note_ragged_rows(where, len(header), data, numbers)
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
    for role, col in roles.items():
        if col is None or overrides.get(f"{role}_col") is not None:
            continue   # (a column the user chose is clear)
        key = header_key(header[columns.index(col)])   # as written, before "Metal.1"
        same = [i + 1 for i, h in enumerate(header) if header_key(h) == key]
        if len(same) > 1:   # the second ("Metal.1", "METAL:") would never be looked at
            headed = ", ".join(f"{j} ({header[j - 1].strip()!r})" for j in same)
            raise InputError(f"{where}: {len(same)} columns are headed as the {role} (columns "
                             f"{headed}): which one holds it is not clear; rename or delete the "
                             f"others, or choose one with {_OVERRIDE_FLAGS[role]}")
    name_col = roles["name"]
    assert name_col is not None  # find_columns raises otherwise
    if overrides.get("name_col") is None:
        name_col = _name_or_lookup(frame, name_col)
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


def _name_or_lookup(frame: pd.DataFrame, name_col: str) -> str:
    """A list laid out like a CMRT's Smelter List (a "Smelter Look-up" column beside "Smelter
    Name") is read like one: a row's name is its Smelter Name, else its look-up choice unless
    that is "Smelter not listed" (a row picked from the drop-down alone was read as having no
    name). When a row needs it, the name read goes into a ``reported_name`` column, as a CMRT's
    does, and that column is the name column; otherwise the table is left as it is."""
    key = header_key("Smelter Look-up")
    lookup = next((c for c in frame.columns if header_key(c) == key), None)
    if lookup is None or lookup == name_col or any(
            header_key(c) == header_key("reported_name") for c in frame.columns):
        return name_col
    names = [n if n.strip() else ("" if look.strip().casefold() in LOOKUP_NOT_A_NAME else look)
             for n, look in zip(frame[name_col], frame[lookup], strict=True)]
    if names == frame[name_col].tolist():
        return name_col
    frame["reported_name"] = names
    return "reported_name"


#: How many rows under the first are looked at for the header (a title above it).
_HEADER_LOOK = 10


def _header_at(filled: list[tuple[int, list[str]]], overrides: dict[str, str | None],
               where: str) -> int:
    """Which of the first non-empty rows is the header: the first, unless it names no name
    column and one of the next rows does (a title or a note above the list: "Smelter list
    2024", "Supplier: Acme"), with a note; a list with no such row fails on the first row's
    header as before."""
    if not filled or _names(filled[0][1], overrides):
        return 0
    for k, (number, cells) in enumerate(filled[1:_HEADER_LOOK + 1], 1):
        if _names(cells, overrides):
            warnings.warn(f"{where}: the header is row {number}; the rows above it are not "
                          "read (a title?)", InputWarning, stacklevel=5)
            return k
    return 0


def _names(cells: list[str], overrides: dict[str, str | None]) -> bool:
    """Whether a row is a header the table can be read by (its name column, and the columns
    given by name)."""
    try:
        find_columns(cells, **overrides)
    except InputError:
        return False
    return True


def _refuse_swallowed_rows(where: str, width: int, data: list[list[str]],
                           numbers: list[int]) -> None:
    """A stray quote closed some lines later makes those lines one cell, and the rows in it are
    lost without a word ('"Aurubis AG,Gold,Germany' ... 'Bank of China 4",Gold,China' is one
    row). A cell whose lines include one that splits into as many fields as the header has
    (three or more), one of them a metal, holds such rows: refused, naming the row. (An
    address over several lines, "Gejiu City, Yunnan, China", has no metal.)"""
    if width < 3:
        return
    for number, row in zip(numbers, data, strict=True):
        for cell in row:
            if "\n" not in cell and "\r" not in cell:
                continue
            for line in cell.splitlines():
                if any(line.count(d) == width - 1 and any(normalize_metal(f) for f in
                                                          line.split(d)) for d in ",;\t"):
                    raise InputError(
                        f"{where}: row {number} has a cell over several lines holding what "
                        f"reads as a whole row ({line[:60]!r}): a quote opened on one line and "
                        "closed on another? Fix the quote")


def _note_ragged_rows(where: str, width: int, data: list[list[str]], numbers: list[int]) -> None:
    """Warn (:class:`InputWarning`) about CSV rows holding text beyond the header's columns.

    Spreadsheets write every record of a CSV file with as many cells as the header, so such a
    row most often has a delimiter inside a name written without quotes ("Metalor Technologies,
    SA,Gold,Switzerland"): its cells are read in order, which shifts the metal and country over
    by one. The rows are still read (extra cells as ``column_<n>``), and the note says which."""
    ragged = [n for n, r in zip(numbers, data) if any(c.strip() for c in r[width:])]
    if ragged:
        shown = ", ".join(map(str, ragged[:10])) + (", ..." if len(ragged) > 10 else "")
        warnings.warn(f"{where}: {len(ragged)} row(s) have more cells than the header's {width} "
                      f"(rows {shown}): a delimiter inside a name not in quotes? Their cells are "
                      "read in order, the extra ones as column_<n>; check their name, metal and "
                      "country", InputWarning, stacklevel=4)


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
    by default the first visible sheet is read (never another: when it holds no list, the
    error names the other visible sheets that have the columns).

    Raises:
        InputError: missing/unreadable file, not a workbook, encrypted workbook, empty sheet/file,
            header only, unknown sheet, or no recognisable name column.
    """
    p = Path(path)
    overrides = {"name_col": name_col, "metal_col": metal_col, "country_col": country_col,
                 "cid_col": cid_col}
    fmt = tables.file_format(p)
    if p.suffix.lower() in EXCEL_SUFFIXES and fmt not in ("xlsx", "xls"):
        what = "the file is empty" if p.stat().st_size == 0 else "content is not .xlsx or .xls"
        raise InputError(f"{p}: not an Excel workbook ({what})")
    if fmt == "csv":
        rows = tables.read_sheets(p)[0].rows
        table = _build_table(enumerate(rows, 1), path=p, kind="csv", sheet=None, overrides=overrides)
    else:
        listed = tables.sheet_list(p)
        name = tables.pick_sheet(p, listed, sheet)
        (chosen,) = tables.read_sheets(p, only={name}, merged=True)
        if said := tables.unsaved_note(p, chosen):
            warnings.warn(said, InputWarning, stacklevel=2)
        others = [n for n, v in listed if v and n != name] if sheet is None else []
        try:
            table = _build_table(enumerate(chosen.rows, 1), path=p, kind="xlsx", sheet=name,
                                 overrides=overrides)
        except InputError as exc:
            if sheet is not None:
                raise
            raise _list_elsewhere(exc, p, chosen.rows, others, overrides) from None
        if others and (lists := _other_lists(p, others, {})):
            warnings.warn(f"{p}: sheets {', '.join(map(repr, lists))} hold lists too, not read: "
                          "only the first visible sheet of a workbook is; save each as its own "
                          "file (or read it with read_table(..., sheet=...))", InputWarning,
                          stacklevel=3)
    table.source = str(path)
    return table


def _list_elsewhere(exc: InputError, path: Path, rows: list[list[str]], others: list[str],
                    overrides: dict[str, str | None]) -> InputError:
    """``exc``, raised reading the first visible sheet of a workbook, saying where the list is
    when that sheet has no header it can be read by: the other visible sheets that have the
    columns are named (a list behind an instructions sheet was refused without a word of it);
    none is read instead, as no rule says which. Of an empty sheet, that only the first is read.
    Otherwise ``exc`` as it is."""
    filled = [r for r in rows if any(c.strip() for c in r)][:_HEADER_LOOK + 1]
    lists = [] if any(_names(r, overrides) for r in filled) else _other_lists(path, others,
                                                                               overrides)
    if not lists and filled:
        return exc
    has = (f"sheet {lists[0]!r} has the columns, but " if len(lists) == 1 else
           f"sheets {', '.join(map(repr, lists))} have the columns, but " if lists else "")
    said = (f"{exc}; {has}only the first visible sheet of a workbook is read: move the list "
            "there" + (f", or save {'it' if len(lists) == 1 else 'each'} as its own file"
                       if lists else ""))
    return ColumnNotFoundError(said, exc.role) if isinstance(exc, ColumnNotFoundError) else \
        InputError(said)


#: How many rows of another sheet are looked at for a list (its header and a row under it).
_LOOK_ROWS = 50


def _other_lists(path: Path, others: list[str], overrides: dict[str, str | None]) -> list[str]:
    """Which of the workbook's sheets ``others`` hold a list (a header with a smelter name
    column, and the columns given in ``overrides``, and a row under it). Only the first visible
    sheet is read: a supplier's "Tin" sheet beside its "Gold" one was left out unseen, and a
    list behind an instructions sheet was refused without a word of where it is."""
    lists = []
    for other in tables.read_sheets(path, only=set(others), max_rows=_LOOK_ROWS) if others else []:
        filled = [r for r in other.rows if any(c.strip() for c in r)]
        if len(filled) > 1 and _names(filled[0], overrides):
            lists.append(other.name)
    return lists


# --------------------------------------------------------------------------------------------
# CMRT workbooks and dispatch


def _path(value: object) -> Path:
    """An input's path as given (a str or any path object), else one clear error: None or a
    number reached pathlib as a TypeError from deep inside."""
    if not isinstance(value, str | os.PathLike):
        raise InputError(f"not the path of an input file or folder: {value!r}")
    return Path(value)


def read_cmrt(path: str | Path) -> InputTable:
    """Read the supplier-filled rows of a CMRT workbook's "Smelter List" tab.

    See :func:`smelter_match.io.cmrt.read_cmrt_rows` for which rows count and how
    ``reported_name`` and the smelter ID are chosen. The company comes from the Declaration tab.

    Raises:
        InputError: not a readable workbook, encrypted, no Smelter List tab, unknown layout, or
            no supplier-filled rows.
    """
    path = _path(path)
    # a supplier's copy of the tab ("Smelter List (2)"), filled too: only the tab is read
    copies = [n for n, visible in tables.sheet_list(path)
              if visible and n.strip().casefold().startswith("smelter list")
              and n.strip().casefold() != "smelter list"]
    said = f"tabs {', '.join(map(repr, copies))} are not read"
    try:
        c = read_cmrt_rows(path)
    except InputError as exc:
        if copies and "no smelter rows" in str(exc):
            raise InputError(f"{exc}; {said}: move their rows there") from None
        raise
    copies = [n for n in copies if n != c.sheet]
    if copies:
        warnings.warn(f"{path}: {said}: only the {c.sheet!r} tab of a CMRT is; move their rows "
                      "there", InputWarning, stacklevel=3)
    return InputTable(frame=c.frame, name_col="reported_name", metal_col="Metal",
                      country_col="Smelter Country", cid_col="Smelter Identification Number",
                      source=str(path), kind="cmrt", company=c.company, row_numbers=c.row_numbers,
                      template_version=c.template_version, sheet=c.sheet)


def read_input(path: str | Path, **overrides: Any) -> InputTable:
    """Read one input file: a CMRT workbook (detected by its tabs) or a plain table.

    ``overrides`` are the keyword arguments of :func:`read_table` (``name_col``, ``metal_col``,
    ``country_col``, ``cid_col``, ``sheet``). Passing ``sheet`` reads that sheet of a CMRT as a
    plain table; column overrides are ignored for CMRT workbooks.
    """
    unknown = set(overrides) - {"name_col", "metal_col", "country_col", "cid_col", "sheet"}
    if unknown:
        raise TypeError(f"read_input() got unexpected keyword arguments: {sorted(unknown)}")
    p = _path(path)
    fmt = tables.file_format(p)
    if fmt in ("xlsx", "xls") and overrides.get("sheet") is None \
            and is_cmrt([n for n, _ in tables.sheet_list(p)]):
        return read_cmrt(path)
    return read_table(path, **overrides)


def read_inputs(paths: str | Path | Iterable[str | Path], *,
                on_bad_file: Callable[[str, str], None] | None = None,
                **overrides: Any) -> list[InputTable]:
    """Read every input: files as given, folders expanded to their .csv/.xlsx/.xlsm/.xls files.

    Folders are not searched recursively; their files are read in name order, skipping Excel lock
    files ("~$...") and hidden files; those and what else a folder holds are named in an
    :class:`InputWarning`. A file given more than once (by the same path or another,
    or through its folder) is read once, where it first comes, with an :class:`InputWarning`;
    copies of a file under other names are other inputs.

    ``on_bad_file``: by default the first file that cannot be read raises. With a callback, such a
    file (or a given path that does not exist) is skipped instead and reported as
    ``on_bad_file(path, one_line_reason)``; the other files are still read.

    Column options (``name_col``, ...) among several inputs apply to the files that have the
    column; the others are read by their headers for that role, named in an
    :class:`InputWarning` (a CMRT's layout is fixed anyway).

    Raises:
        InputError: a path is none (None, a DataFrame), a file cannot be read (without
            ``on_bad_file``), or no input has a column given by name
            (:class:`~smelter_match.errors.ColumnNotFoundError`).
    """
    if isinstance(paths, pd.DataFrame):   # (iterating it gives its column names)
        raise InputError("read_inputs reads files and folders: match a DataFrame with "
                         "Matcher.match")
    paths = [paths] if isinstance(paths, str | os.PathLike) or not isinstance(
        paths, Iterable) else list(paths)
    for p in paths:
        _path(p)
    out: list[InputTable] = []
    seen: set[Path] = set()
    # a column option (--name-col) for some of several inputs: the others are read by headers
    given_roles = [r for r in ("name", "metal", "country", "cid") if overrides.get(r + "_col")]
    several = len(paths) > 1 or any(Path(p).is_dir() for p in paths)
    used: set[str] = set()
    by_headers: dict[str, list[tuple[str, ColumnNotFoundError]]] = {}
    for given in paths:
        p = Path(given)
        try:
            files = tables.expand_paths([p], suffixes=INPUT_SUFFIXES, recursive=False)
        except InputError as exc:
            if on_bad_file is None:
                raise
            on_bad_file(str(given), _reason(exc, given))
            continue
        if p.is_dir() and (said := tables.left_out_note(p, files, INPUT_SUFFIXES)):
            warnings.warn(said, InputWarning, stacklevel=2)
        for f in files:
            where = given if f == p else f
            if f.resolve() in seen:   # a file given twice (also through its folder): read once
                warnings.warn(f"{where}: given more than once; its rows are read once",
                              InputWarning, stacklevel=2)
                continue
            seen.add(f.resolve())
            try:
                table, dropped = _read_with_columns(where, overrides, several)
            except NoRowsError as exc:
                if not several:
                    raise
                # a supplier declaring no smelters: said, not a file that could not be read
                warnings.warn(f"{' '.join(str(exc).split())}: no rows from it", InputWarning,
                              stacklevel=2)
                continue
            except (InputError, OSError) as exc:
                if on_bad_file is None:
                    raise
                on_bad_file(str(where), _reason(exc, where))
                continue
            out.append(table)
            for role, exc in dropped.items():
                by_headers.setdefault(role, []).append((str(where), exc))
            if table.kind != "cmrt":
                used.update(r for r in given_roles if r not in dropped)
    for role, files in by_headers.items():
        if role not in used:   # no input has the column: a typo, not another file's layout
            raise files[0][1]
        flag = _OVERRIDE_FLAGS[role]
        shown = ", ".join(f for f, _ in files[:3]) + (
            f" and {len(files) - 3} more" if len(files) > 3 else "")
        warnings.warn(f"{shown}: no column {overrides[role + '_col']!r} (given with {flag}): "
                      "read by its headers", InputWarning, stacklevel=2)
    return out


def _read_with_columns(where: str | Path, overrides: dict[str, Any], several: bool
                       ) -> tuple[InputTable, dict[str, ColumnNotFoundError]]:
    """One input read with the column options given; among ``several`` inputs, a file without
    a given column is read by its headers for that role (a folder of supplier files mixes
    layouts: ``--name-col Hütte`` for the one list headed so refused every other file). Returns
    the table and the roles read by headers, with why."""
    dropped: dict[str, ColumnNotFoundError] = {}
    kwargs = dict(overrides)
    while True:
        try:
            return read_input(where, **kwargs), dropped
        except ColumnNotFoundError as exc:
            if not several or exc.role in dropped:
                raise
            dropped[exc.role] = exc
            kwargs.pop(exc.role + "_col", None)
        except InputError:
            if dropped:   # read by its headers, it fails too: the column given is the news
                raise next(iter(dropped.values())) from None
            raise


def _reason(exc: BaseException, path: str | Path) -> str:
    """The error's message without the leading file name (the report names the file)."""
    text = " ".join(str(exc).split())
    for name in (f"{path}", f"{Path(path)}"):   # "folder/" is written "folder" by Path
        if text.startswith(f"{name}: "):
            return text[len(name) + 2:]
        if text.startswith(f"{name} (sheet "):   # "... (sheet 'Empty'): no rows"
            return text[len(name) + 1:]
    return text
