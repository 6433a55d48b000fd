"""Excel workbooks analysts open: written formula-safe and byte-deterministic, read back as text.

:func:`write_workbook` writes one or more :class:`SheetSpec` tables with openpyxl. What makes the
file safe and pleasant to work in:

- **No formulas from data.** openpyxl turns any string starting with ``=`` into a formula; every
  text cell here is stored as a string (``data_type = "s"``), and one that a spreadsheet would read
  as a formula when re-typed (``= + - @``, tab, CR) also gets Excel's *quote prefix* style, so it
  stays text even after the analyst edits it. Numbers stay numbers.
- **Easy to work in.** A bold header row that stays put (frozen panes, optionally with the first
  columns too), an autofilter, column widths from the content (capped), highlighted columns for
  the analyst to fill, and drop-down lists (data validation) for columns with a fixed vocabulary.
- **Deterministic.** The same tables give the same bytes: the document's created/modified times
  and the zip entries' timestamps are fixed.

:func:`read_workbook_frame` reads a sheet back as a DataFrame of stripped text (through the one
cell-to-text rule of :mod:`smelter_match.io.tables`), and :func:`read_analyst_file` does the same
for either a workbook or an Excel-saved CSV.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import re
import zipfile
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from smelter_match.errors import InputError
from smelter_match.io import tables
from smelter_match.io.safe_csv import FORMULA_PREFIXES, read_safe_csv, replaced_whole, text_frame

__all__ = ["SheetSpec", "is_workbook_path", "read_analyst_file", "read_workbook_frame",
           "read_workbook_sheets",
           "write_workbook"]

#: File suffixes written as Excel workbooks.
WORKBOOK_SUFFIXES = (".xlsx",)
_FIXED_TIME = _dt.datetime(2000, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_MIN_WIDTH, _MAX_WIDTH = 6.0, 60.0


@dataclass
class SheetSpec:
    """One sheet of a workbook.

    ``frame``: the table (its columns become the header row). ``choices``: column -> allowed
    values, offered as a drop-down (blank stays allowed). ``highlight``: columns the reader is
    meant to fill (shaded). ``number_formats``: column -> Excel number format (e.g. "0.000").
    ``widths``: column -> width, overriding the width measured from the content.
    ``freeze_columns``: how many leading columns stay visible when scrolling right.
    ``autofilter``: add filter buttons to the header. ``wrap``: columns whose text wraps.
    """

    name: str
    frame: pd.DataFrame
    choices: Mapping[str, Sequence[str]] = field(default_factory=dict)
    highlight: Collection[str] = ()
    number_formats: Mapping[str, str] = field(default_factory=dict)
    widths: Mapping[str, float] = field(default_factory=dict)
    freeze_columns: int = 0
    autofilter: bool = True
    wrap: Collection[str] = ()


def is_workbook_path(path: str | Path) -> bool:
    """Whether a file name asks for an Excel workbook (``.xlsx``)."""
    return Path(str(path)).suffix.lower() in WORKBOOK_SUFFIXES


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _width(header: str, values: Sequence[object]) -> float:
    longest = max([len(header), *(len(tables.cell_text(v)) for v in values[:500])])
    return min(_MAX_WIDTH, max(_MIN_WIDTH, longest + 2.0))


def _fill_sheet(ws, spec: SheetSpec) -> None:  # noqa: ANN001 - openpyxl Worksheet
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    df = spec.frame
    columns = [str(c) for c in df.columns]
    bold = Font(bold=True)
    header_fill = PatternFill("solid", start_color="FFDDDDDD", end_color="FFDDDDDD")
    todo_fill = PatternFill("solid", start_color="FFFFF2CC", end_color="FFFFF2CC")
    wrap = Alignment(wrap_text=True, vertical="top")
    for j, name in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=j)
        _set(cell, name)
        cell.font = bold
        cell.fill = todo_fill if name in spec.highlight else header_fill
    numeric = {c for c in columns if pd.api.types.is_numeric_dtype(df[c])
               and not pd.api.types.is_bool_dtype(df[c])}
    for i, row in enumerate(df.itertuples(index=False, name=None), start=2):
        for j, (name, value) in enumerate(zip(columns, row), start=1):
            cell = ws.cell(row=i, column=j)
            if _is_missing(value):
                pass
            elif name in numeric:
                cell.value = float(value) if isinstance(value, float) else int(value)
                if name in spec.number_formats:
                    cell.number_format = spec.number_formats[name]
            else:   # text as it is: a cell's own text, escapes included, is what Excel shows
                _set(cell, value if isinstance(value, str) else tables.cell_text(value))
            if name in spec.highlight:
                cell.fill = todo_fill
            if name in spec.wrap:
                cell.alignment = wrap
    last_row = max(len(df) + 1, 2)
    for j, name in enumerate(columns, start=1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = spec.widths.get(name, _width(name, df[name].tolist()))
        if name in spec.choices:
            allowed = ",".join(spec.choices[name])
            dv = DataValidation(type="list", formula1=f'"{allowed}"', allow_blank=True,
                                showErrorMessage=True, errorTitle=name,
                                error=f"Choose one of: {', '.join(spec.choices[name])}",
                                showDropDown=False)
            dv.add(f"{letter}2:{letter}{last_row}")
            ws.add_data_validation(dv)
    ws.freeze_panes = ws.cell(row=2, column=spec.freeze_columns + 1).coordinate
    if spec.autofilter and columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(df) + 1}"


def _set(cell, text: str) -> None:  # noqa: ANN001 - openpyxl Cell
    """Store ``text`` as a string cell, never a formula (see the module docstring). Control
    characters XML cannot hold (a vertical tab pasted from Word) are written as spaces, as the
    name keys read them: openpyxl refused the whole workbook."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub(" ", text)
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True


def _deterministic(raw: bytes) -> bytes:
    """The same workbook with fixed document times and zip timestamps."""
    fixed = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + fixed,
                              data)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, data)
    return out.getvalue()


def write_workbook(path: str | Path, sheets: Sequence[SheetSpec]) -> None:
    """Write ``sheets`` (in order; the first is active) as an .xlsx workbook at ``path``."""
    import openpyxl

    if not sheets:
        raise InputError("a workbook needs at least one sheet")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        _fill_sheet(wb.create_sheet(spec.name[:31]), spec)
    wb.active = 0
    wb.properties.creator = "smelter_match"
    wb.properties.created = wb.properties.modified = _FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    with replaced_whole(path) as tmp:   # (never a workbook cut short)
        tmp.write_bytes(_deterministic(buf.getvalue()))


def read_workbook_frame(path: str | Path, *, sheet: str | None = None,
                        what: str = "workbook") -> pd.DataFrame:
    """A sheet of a workbook as text (header = first non-empty row; blank rows skipped), each
    cell as :func:`~smelter_match.io.tables.cell_text` reads it (a literal "_x000D_" as Excel
    writes it, "_x005F_x000D_", as in a CSV of the same table).

    ``sheet``: the sheet of that name when the workbook has it, else the first visible sheet.

    Raises:
        InputError: not a readable workbook, or the sheet is empty.
    """
    p = Path(path)
    chosen = _chosen(tables.read_sheets(p, only={sheet} if sheet else None), sheet)
    return text_frame(_sheet_rows(chosen), f"{p} (sheet {chosen.name!r})", what)


def read_workbook_sheets(path: str | Path, *, sheet: str | None = None, what: str = "workbook"
                         ) -> tuple[pd.DataFrame, str, dict[str, list[list[str]]]]:
    """:func:`read_workbook_frame`'s frame and the name of its sheet, and every other sheet's
    rows as text by name (read in the same pass: a caller that looks at them too, as a review
    with verdicts on a copied sheet, does not read the file twice).

    Raises:
        InputError: not a readable workbook, or the sheet is empty.
    """
    p = Path(path)
    found = tables.read_sheets(p)
    chosen = _chosen(found, sheet)
    frame = text_frame(_sheet_rows(chosen), f"{p} (sheet {chosen.name!r})", what)
    return frame, chosen.name, {s.name: _sheet_rows(s) for s in found if s is not chosen}


def _chosen(found: list, sheet: str | None):  # noqa: ANN202 (a tables.Sheet)
    """The sheet named ``sheet`` when there is one, else the first visible sheet."""
    chosen = next((s for s in found if s.name == sheet), None) if sheet else None
    return chosen if chosen is not None else next((s for s in found if s.visible), found[0])


def _sheet_rows(sheet) -> list[list[str]]:  # noqa: ANN001 (a tables.Sheet)
    """A sheet's cells as a CSV gives them (Excel's escapes kept, as cell_text reads them once
    at use)."""
    return [[tables.escape_cell_text(c) for c in row] for row in sheet.rows]


def read_analyst_file(path: str | Path, *, sheet: str | None = None,
                      what: str = "file") -> pd.DataFrame:
    """A table an analyst may have edited: an .xlsx/.xls workbook (see
    :func:`read_workbook_frame`) or a CSV (see :func:`~smelter_match.io.safe_csv.read_safe_csv`),
    told apart by content. Every cell is stripped text.
    """
    p = Path(path)
    if tables.file_format(p) in ("xlsx", "xls"):
        return read_workbook_frame(p, sheet=sheet, what=what)
    return read_safe_csv(p, what=what)
