"""Excel workbooks analysts open (``smelter_match.io.xlsx``): formula-safe, deterministic, read back."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from smelter_match.errors import InputError
from smelter_match.io.xlsx import (
    SheetSpec,
    is_workbook_path,
    read_analyst_file,
    read_workbook_frame,
    write_workbook,
)

INJECTIONS = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2", "@SUM(A1)",
              "=cmd|' /C calc'!A0"]


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "name": ["Aida Chem", *INJECTIONS, "云南锡业"],
        "score": [0.5, 0.25, None, 1.0, 0.0, 0.125, 0.75],
        "verdict": [""] * 7,
    })


def test_text_is_never_a_formula(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_workbook(path, [SheetSpec("Data", _frame())])
    ws = openpyxl.load_workbook(path)["Data"]
    cells = {c.value: c for c in ws["A"][1:]}
    for text in INJECTIONS:
        assert cells[text].data_type == "s"        # stored as text, not as a formula
        assert cells[text].quotePrefix             # and stays text when the analyst edits it
    assert not cells["Aida Chem"].quotePrefix
    raw = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in raw
    # numbers stay numbers; a missing number is an empty cell
    assert [c.value for c in ws["B"][1:4]] == [0.5, 0.25, None]


def test_layout_dropdown_frozen_header_widths(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_workbook(path, [
        SheetSpec("Data", _frame(), choices={"verdict": ("yes", "no")}, highlight={"verdict"},
                  number_formats={"score": "0.000"}, freeze_columns=1, widths={"name": 33}),
        SheetSpec("Help", pd.DataFrame({"what": ["x"], "meaning": ["y"]}), autofilter=False,
                  wrap={"meaning"}),
    ])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Data", "Help"] and wb.active.title == "Data"
    ws = wb["Data"]
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref == "A1:C8"
    (dv,) = ws.data_validations.dataValidation
    assert dv.formula1 == '"yes,no"' and str(dv.sqref) == "C2:C8" and dv.allow_blank
    assert ws["A1"].font.bold
    assert ws.column_dimensions["A"].width == 33
    assert 6 <= ws.column_dimensions["B"].width <= 60
    assert ws["B2"].number_format == "0.000"
    assert ws["C1"].fill.start_color.rgb != ws["A1"].fill.start_color.rgb  # to be filled
    assert wb["Help"].freeze_panes == "A2" and wb["Help"]["B2"].alignment.wrap_text


def test_same_frame_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_workbook(a, [SheetSpec("Data", _frame())])
    write_workbook(b, [SheetSpec("Data", _frame().copy())])
    assert a.read_bytes() == b.read_bytes()


def test_read_back_as_text(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    df = _frame()
    write_workbook(path, [SheetSpec("Data", df), SheetSpec("Other", pd.DataFrame({"x": ["1"]}))])
    back = read_workbook_frame(path, sheet="Data")
    assert back["name"].tolist() == df["name"].tolist()
    assert back["score"].tolist() == ["0.5", "0.25", "", "1", "0", "0.125", "0.75"]
    assert read_workbook_frame(path, sheet="Other")["x"].tolist() == ["1"]
    assert read_workbook_frame(path, sheet="missing")["name"].iloc[0] == "Aida Chem"  # first
    # an analyst types into the file and saves it (here: with openpyxl)
    wb = openpyxl.load_workbook(path)
    wb["Data"]["C2"] = "yes"
    wb["Data"]["C3"] = 2763
    wb.save(path)
    back = read_analyst_file(path, sheet="Data")
    assert back["verdict"].tolist()[:2] == ["yes", "2763"]
    # a CSV goes through the Excel-safe CSV reader
    csv = tmp_path / "t.csv"
    csv.write_text("name;verdict\n'=x;yes\n", encoding="cp1252")
    assert read_analyst_file(csv).to_dict("records") == [{"name": "=x", "verdict": "yes"}]


def test_errors_and_names(tmp_path: Path) -> None:
    assert is_workbook_path("review.XLSX") and not is_workbook_path("review.csv")
    with pytest.raises(InputError):
        write_workbook(tmp_path / "x.xlsx", [])
    empty = tmp_path / "e.xlsx"
    write_workbook(empty, [SheetSpec("Data", pd.DataFrame())])
    with pytest.raises(InputError, match="review file is empty"):
        read_analyst_file(empty, what="review file")
    with pytest.raises(InputError, match="not found"):
        read_analyst_file(tmp_path / "nope.xlsx")


def test_control_characters_xml_cannot_hold_are_written_as_spaces(tmp_path: Path) -> None:
    # a vertical tab pasted from Word: openpyxl refused the whole workbook (a traceback)
    frame = pd.DataFrame({"name": ["Metalor Tech\x0bnologies", "A\x01B", "\x1f=1+1"]})
    write_workbook(tmp_path / "t.xlsx", [SheetSpec("Data", frame)])
    back = read_workbook_frame(tmp_path / "t.xlsx")
    assert back["name"].tolist() == ["Metalor Tech nologies", "A B", "=1+1"]
