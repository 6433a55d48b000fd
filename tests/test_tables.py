"""Containers to rows of text (``smelter_match.io.tables``): one rule per fact."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _support import encrypted_ooxml, with_cached_values
from _tables_data import make_xlsx, write_bytes, write_text

from smelter_match.errors import InputError, InputWarning
from smelter_match.io.csv_text import sniff_delimiter
from smelter_match.io.inputs import read_input
from smelter_match.io.tables import (
    cell_text,
    clean_text,
    escape_cell_text,
    expand_paths,
    file_format,
    header_key,
    read_csv_rows,
    read_sheets,
    sheet_list,
    unsaved_note,
)


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (float("nan"), ""), (math.nan, ""), (Decimal("NaN"), ""), (pd.NA, ""),
    (pd.NaT, ""), ("  Gold ", "  Gold "), (2763.0, "2763"), (0.5, "0.5"), (12, "12"),
    (True, "TRUE"), (False, "FALSE"), (np.int64(7), "7"), (np.float64(3.0), "3"),
    (dt.datetime(2024, 4, 26), "2024-04-26"), (dt.datetime(2024, 4, 26, 9, 5), "2024-04-26 09:05:00"),
    (dt.date(2020, 5, 19), "2020-05-19"), (np.array(["a", "b"]), "['a', 'b']"),
    (b"Cendres + M\xc3\xa9taux", "Cendres + Métaux"),
    # Excel's escapes, which openpyxl leaves in the text: a carriage return, an escaped "_"
    ("Valcambi_x000D_\nSA", "Valcambi\r\nSA"), ("_x005F_x000D_", "_x000D_"), ("a_xZZZZ_b", "a_xZZZZ_b"),
    # characters no cell can hold stay as written (they could not be written out again)
    ("Minsur_xD83D_", "Minsur_xD83D_"), ("Minsur_xFFFE_", "Minsur_xFFFE_"), ("a_x0001_", "a_x0001_"),
])
def test_cell_text_is_the_one_rule(value: object, text: str) -> None:
    assert cell_text(value) == text


@pytest.mark.parametrize("text", ["_x000D_", "_x005F_x000D_", "a_x005F_b_x0041_", "_x_x000D_x",
                                  "Minsur_xD83D_", "plain", "Valcambi\r\nSA"])
def test_escape_cell_text_is_what_cell_text_reads_back(text: str) -> None:
    assert cell_text(escape_cell_text(text)) == text


def test_clean_text_strips() -> None:
    assert clean_text("  CID002763 \n") == "CID002763"
    assert clean_text(None) == ""


@pytest.mark.parametrize(("header", "key"), [
    ("Smelter Name (*)", "smeltername"), ("smelter_name", "smeltername"),
    ("Smelter Look-up (1)", "smelterlookup"), ("  METAL ", "metal"), ("冶炼厂名称", "冶炼厂名称"),
])
def test_header_key(header: str, key: str) -> None:
    assert header_key(header) == key


def test_file_format_by_content(tmp_path: Path) -> None:
    xlsx = make_xlsx(tmp_path / "t.xlsx", {"S": [["name"], ["Foo"]]})
    misnamed = write_bytes(tmp_path / "t.csv", xlsx.read_bytes())
    assert file_format(xlsx) == file_format(misnamed) == "xlsx"
    assert file_format(write_text(tmp_path / "a.xlsx", "name\nFoo\n")) == "csv"
    assert file_format(write_text(tmp_path / "x.xml", '<?xml version="1.0"?><Workbook/>')) == "xml"
    with pytest.raises(InputError, match="password-protected"):
        file_format(encrypted_ooxml(tmp_path / "locked.xls"))
    with pytest.raises(InputError, match="not found"):
        file_format(tmp_path / "nope.csv")


def test_expand_paths_recursive_flag(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for rel in ("b.csv", "a.xlsx", "sub/c.csv", "~$a.xlsx", ".hidden.csv", "notes.txt"):
        (tmp_path / rel).write_text("x")
    flat = expand_paths(tmp_path, suffixes=(".csv", ".xlsx"), recursive=False)
    deep = expand_paths(tmp_path, suffixes=(".csv", ".xlsx"), recursive=True)
    assert [p.name for p in flat] == ["a.xlsx", "b.csv"]
    assert [p.relative_to(tmp_path).as_posix() for p in deep] == ["a.xlsx", "b.csv", "sub/c.csv"]
    single = tmp_path / "notes.txt"
    assert expand_paths([single], suffixes=(".csv",), recursive=False) == [single]
    with pytest.raises(InputError, match="no input files"):
        expand_paths(tmp_path / "sub", suffixes=(".xml",), recursive=True)


def test_read_sheets_spreadsheetml_sparse_cells(tmp_path: Path) -> None:
    ns = "urn:schemas-microsoft-com:office:spreadsheet"
    xml = (f'<?xml version="1.0"?><Workbook xmlns="{ns}" xmlns:ss="{ns}">'
           '<Worksheet ss:Name="List"><Table>'
           '<Row><Cell><Data ss:Type="String">Metal</Data></Cell>'
           '<Cell ss:Index="3"><Data ss:Type="String">Name</Data></Cell></Row>'
           '<Row><Cell><Data ss:Type="String">Gold</Data></Cell></Row>'
           '</Table></Worksheet></Workbook>')
    (sheet,) = read_sheets(write_text(tmp_path / "l.xml", xml))
    assert sheet.name == "List" and sheet.rows == [["Metal", "", "Name"], ["Gold"]]
    assert sheet_list(tmp_path / "l.xml") == [("List", True)]


def test_read_sheets_only_and_hidden(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "A"
    wb.active.append(["x"])
    hidden = wb.create_sheet("B")
    hidden.append([1.0, None])
    hidden.sheet_state = "hidden"
    wb.save(tmp_path / "w.xlsx")
    assert sheet_list(tmp_path / "w.xlsx") == [("A", True), ("B", False)]
    assert [s.name for s in read_sheets(tmp_path / "w.xlsx")] == ["A", "B"]
    (b,) = read_sheets(tmp_path / "w.xlsx", only={"B"})
    assert (b.rows, b.visible) == ([["1", ""]], False)
    # names the file does not have: every sheet is read
    assert len(read_sheets(tmp_path / "w.xlsx", only={"Z"})) == 2


def test_csv_cell_over_the_csv_module_limit(tmp_path: Path) -> None:
    """A cell larger than the csv module's 128 KB default is read, also by the sniffer."""
    big = "Yunnan Tin " * 20_000
    path = write_text(tmp_path / "big.csv", f'Smelter Name,Metal\n"{big}",Tin\nFoo,Gold\n')
    assert sniff_delimiter(path.read_text()) == ","
    assert read_csv_rows(path)[1] == [big, "Tin"]
    table = read_input(path)
    assert table.name_col == "Smelter Name" and table.frame["Metal"].tolist() == ["Tin", "Gold"]


def test_a_formatted_cell_far_away_does_not_stretch_the_sheet(tmp_path: Path) -> None:
    # Excel's "used range": a bold empty cell at A200000 and a blank at XFD1 made every row of
    # 200,000 x 16,384 cells be created to be read (minutes, gigabytes)
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Smelter Name", "Metal"])
    ws.append(["Metalor", "Gold"])
    ws.merge_cells("A3:A4")
    ws["A3"] = "Asahi"
    ws["B3"], ws["B4"] = "Gold", "Tin"
    ws["A200000"].font = Font(bold=True)
    ws["XFD1"] = " "
    wb.save(tmp_path / "w.xlsx")
    (sheet,) = read_sheets(tmp_path / "w.xlsx", merged=True)
    assert sheet.rows == [["Smelter Name", "Metal"], ["Metalor", "Gold"], ["Asahi", "Gold"],
                          ["Asahi", "Tin"]]


def test_excels_sep_line_names_the_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("sep=;\nSmelter Name;Metal\nMetalor, S.A.;Gold\n", encoding="utf-8")
    assert read_csv_rows(path) == [["Smelter Name", "Metal"], ["Metalor, S.A.", "Gold"]]


def test_formulas_saved_without_a_value_are_told_from_empty_text(tmp_path: Path) -> None:
    """A list a script wrote with openpyxl keeps its formulas without values: a name given by
    a formula read as "" without a word (the row "empty name"). The cells are named; a formula
    whose value was saved, also empty text (as Excel saves ""), is not."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Smelters"
    ws.append(["Smelter Name", "Metal", "Raw name"])
    ws.append(["=UPPER(C2)", "Gold", "asahi refining canada ltd."])
    ws.append(["Minsur", "Tin", None])
    ws.append(["=UPPER(C4)", "=B3", "x"])
    ws.append(["=UPPER(C5)", "Gold", "y"])
    wb.save(tmp_path / "list.xlsx")
    with_cached_values(tmp_path / "list.xlsx", "Smelters", {"A4": "X", "A5": ""})
    (sheet,) = read_sheets(tmp_path / "list.xlsx", merged=True)
    assert [row[0] for row in sheet.rows] == ["Smelter Name", "", "Minsur", "X", ""]
    assert sheet.unsaved == [(2, 1), (4, 2)]
    assert unsaved_note("list.xlsx", sheet) == (
        "list.xlsx (sheet 'Smelters'): 2 cells are formulas saved without a value (the workbook "
        "was last saved by a program that does not calculate formulas, not by Excel), read as "
        "empty: A2, B4; open the file in Excel, save it and read it again")
    with pytest.warns(InputWarning, match=r"list\.xlsx \(sheet 'Smelters'\): 2 cells are "):
        read_input(tmp_path / "list.xlsx")
