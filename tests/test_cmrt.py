"""CMRT workbooks (``smelter_match.io.cmrt``), read through ``read_input`` / ``read_cmrt``."""

from __future__ import annotations

import shutil
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from _support import with_cached_values
from _tables_data import make_xlsx, one_line

from smelter_match.errors import DamagedFileError, InputError, InputWarning
from smelter_match.io.cmrt import CMRT6_LAYOUT, CMRT_FRAME_COLUMNS, _cmrt_version, _layout_from_language_tab
from smelter_match.io.inputs import read_cmrt, read_input

# --------------------------------------------------------------------------------------------
# CMRT workbooks

def test_cmrt_rows_order_company_and_row_numbers(supplier_cmrt: Path) -> None:
    t = read_input(supplier_cmrt)
    assert t.kind == "cmrt"
    assert t.company == "Acme Components GmbH"
    assert t.template_version == "6.4"
    assert t.sheet == "Smelter List"
    assert t.source == str(supplier_cmrt)
    assert t.row_numbers == [5, 6, 7, 9, 11, 13, 2600]  # no template rows; a comment-only row
    assert list(t.frame.columns) == list(CMRT_FRAME_COLUMNS)
    assert (t.name_col, t.metal_col, t.country_col, t.cid_col) == (
        "reported_name",
        "Metal",
        "Smelter Country",
        "Smelter Identification Number",
    )
    f = t.frame
    assert f["reported_name"].tolist() == [
        "Asahi Pretec Corp.",
        "Cendres + Métaux SA",
        "",
        "ULBA",
        "",
        "",
        "Late Row Refinery",
    ]
    assert f["Metal"].tolist() == ["Gold", "Tin", "", "Tantalum", "Tungsten", "", "Gold"]
    assert f["Comments"].tolist()[5] == "see attached"
    assert f["Smelter Look-up"].tolist()[:2] == ["Asahi Pretec Corp.", "Smelter not listed"]
    assert f["Smelter Country"].tolist()[:2] == ["JAPAN", "SWITZERLAND"]
    assert f["Smelter Identification Number"].tolist()[:3] == ["", "CID000189", "CID002763"]


def test_cmrt_frame_is_all_text_without_nan(supplier_cmrt: Path) -> None:
    f = read_cmrt(supplier_cmrt).frame
    assert not f.isna().any().any()
    assert all(isinstance(v, str) for v in f.to_numpy().ravel())
    # formula cells without cached values never leak formula text
    assert not f.apply(lambda col: col.str.startswith("=")).any().any()


def test_cmrt_zh_display_template(make_cmrt: Callable[..., Path]) -> None:
    path = make_cmrt(
        "RMI_CMRT_6.22_zh-display.xlsx",
        {
            5: {"B": "Gold", "C": "Smelter not listed", "D": "江西铜业股份有限公司", "E": "CHINA"},
            6: {"B": "Tin", "C": "Alpha", "E": "UNITED STATES OF AMERICA"},
        },
        company="深圳市示例电子有限公司",
    )
    t = read_input(path)
    assert t.template_version == "6.22"
    assert t.company == "深圳市示例电子有限公司"
    assert t.frame["reported_name"].tolist() == ["江西铜业股份有限公司", "Alpha"]
    assert t.row_numbers == [5, 6]


def test_cmrt_placeholder_declaration_company(make_cmrt: Callable[..., Path]) -> None:
    path = make_cmrt(
        "RMI_CMRT_6.22_filled-placeholder-declaration.xlsx",
        {8: {"B": "Gold", "D": "Some Refinery"}},
    )
    t = read_cmrt(path)
    assert t.company == "ABC"
    assert t.row_numbers == [8]


def test_cmrt_company_typed_as_text_starting_with_equals(make_cmrt: Callable[..., Path],
                                                         tmp_path: Path) -> None:
    """A company name typed as text that starts with "=" (Excel keeps it as text after a leading
    apostrophe) is the company; a formula in the cell without a cached value is none."""
    import openpyxl

    path = make_cmrt("RMI_CMRT_6.4.xlsx", {5: {"B": "Tin", "D": "Minsur"}}, company="x")
    wb = openpyxl.load_workbook(path)
    cell = wb["Declaration"]["D8"]
    cell.value = "=ABC Corp"
    cell.data_type = "s"     # typed text, not a formula
    wb.save(tmp_path / "typed.xlsx")
    assert read_cmrt(tmp_path / "typed.xlsx").company == "=ABC Corp"
    cell.value = "=Sheet9!A1"      # a formula: openpyxl saves no cached value
    wb.save(tmp_path / "formula.xlsx")
    assert read_cmrt(tmp_path / "formula.xlsx").company is None


def test_cmrt_unknown_version_uses_language_tab_layout(make_cmrt: Callable[..., Path]) -> None:
    # a future template: version 7.0 in the Revision tab -> layout derived from the "L" tab
    path = make_cmrt(
        "RMI_CMRT_6.4.xlsx",
        {5: {"B": "Tin", "D": "Future Smelter"}},
        company="Acme",
        extra={"Revision": {"B60": 7.0}},
    )
    t = read_cmrt(path)
    assert t.template_version == "7"
    assert t.frame["reported_name"].tolist() == ["Future Smelter"]
    assert t.company == "Acme"  # found next to the "Company Name" label


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("RMI_CMRT_6.01_zh-display.xlsx", "6.01"),
        ("RMI_CMRT_6.1_zh-display.xlsx", "6.1"),
        ("RMI_CMRT_6.22_filled-placeholder-declaration.xlsx", "6.22"),
        ("RMI_CMRT_6.22_zh-display.xlsx", "6.22"),
        ("RMI_CMRT_6.31_zh-display.xlsx", "6.31"),
        ("RMI_CMRT_6.4.xlsx", "6.4"),
        ("RMI_CMRT_6.4_zh-display.xlsx", "6.4"),
        ("RMI_CMRT_6.5_zh-display.xlsx", "6.5"),
    ],
)
def test_cmrt6_layout_matches_every_template(cmrt_dir: Path, name: str, version: str) -> None:
    """The fixed 6.x layout agrees with the header cells listed in each template's "L" tab."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(cmrt_dir / name, read_only=True)
    try:
        assert _cmrt_version(wb) == version
        derived = _layout_from_language_tab(wb)
    finally:
        wb.close()
    assert derived is not None
    assert (derived.header_row, derived.first_row) == (4, 5)
    for col, num in derived.columns.items():
        assert CMRT6_LAYOUT.columns[col] == num, col


def test_a_2x_cmrt_is_read_by_its_cached_headers(cmrt_dir: Path, tmp_path: Path) -> None:
    """EICC-GeSI 2.03a names its columns "Standard Smelter Names (*)" and "Smelter Facility
    Location: Country (*)"; the template ships with four example rows, read as a supplier's."""
    path = Path(shutil.copy(cmrt_dir / "EICC_GeSI_CMRT_2.03a.xlsx", tmp_path / "old.xlsx"))
    t = read_cmrt(path)
    assert t.frame["reported_name"].tolist() == ["Allgemeine Gold", "Alpha Metal",
                                                 "Cabot Supermetals", "Ganzhou Huaxing Tungsten"]
    assert t.frame[t.metal_col].tolist() == ["Gold", "Tin", "Tantalum", "Tungsten"]
    assert t.frame[t.country_col].tolist()[0] == "GERMANY"


def test_a_2x_cmrt_gives_its_contact_and_mine_columns_and_rows(cmrt_dir: Path,
                                                              tmp_path: Path) -> None:
    """2.03a words its columns "Smelter Facility Contact Name", "Name of Mine(s) or if recycled
    or scrap sourced, ...": read as the 6.x columns, and a row with only a mine is a row (found
    by a review: only 6.x templates gave them)."""
    path = Path(shutil.copy(cmrt_dir / "EICC_GeSI_CMRT_2.03a.xlsx", tmp_path / "old.xlsx"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(path)
    ws = wb["Smelter List"]
    ws["J5"], ws["M5"], ws["M10"], ws["N10"], ws["O11"] = ("Jane Doe", "Mine A", "Mine B",
                                                           "PERU", "only a comment")
    wb.save(path)
    t = read_cmrt(path)
    assert t.row_numbers == [5, 6, 7, 8, 10, 11]
    f = t.frame
    assert (f["Smelter Contact Name"][0], f["Name of Mine(s)"][0]) == ("Jane Doe", "Mine A")
    assert (f["Name of Mine(s)"][4], f["Location (Country) of Mine(s)"][4]) == ("Mine B", "PERU")
    assert f["Comments"][5] == "only a comment"


def test_blank_template_has_no_rows(cmrt_dir: Path, tmp_path: Path) -> None:
    path = Path(shutil.copy(cmrt_dir / "RMI_CMRT_6.4.xlsx", tmp_path / "blank.xlsx"))
    with pytest.raises(InputError, match="no smelter rows filled in") as exc:
        read_input(path)
    assert str(path) in one_line(exc)


def test_template_saved_by_openpyxl_without_rows(make_cmrt: Callable[..., Path]) -> None:
    path = make_cmrt("RMI_CMRT_6.4.xlsx", {}, company="Nobody")
    with pytest.raises(InputError, match="no smelter rows filled in"):
        read_cmrt(path)


def test_zh_64_template_ships_with_a_filled_row(cmrt_dir: Path, tmp_path: Path) -> None:
    """The 6.4 zh-display copy has a leftover typed row 5 (Tin / Alpha Metals) - read as data."""
    path = Path(shutil.copy(cmrt_dir / "RMI_CMRT_6.4_zh-display.xlsx", tmp_path / "zh.xlsx"))
    t = read_input(path)
    assert t.row_numbers == [5]
    row = t.frame.iloc[0]
    assert (row["Metal"], row["reported_name"]) == ("Tin", "Alpha Metals")
    # cached look-up results (saved by Excel) are used for formula cells; cached 0 is not data
    assert row["Smelter Country"] == "UNITED STATES OF AMERICA"
    assert row["Smelter City"] == "Altoona"
    assert row["Smelter Street"] == ""
    assert t.company is None


def test_cmrt_without_smelter_list_tab(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "cmrt.xlsx", {"Revision": [["x"]], "Declaration": [["y"]], "Checker": [["z"]]}
    )
    with pytest.raises(InputError, match="without a 'Smelter List' tab") as exc:
        read_input(path)
    one_line(exc)


def test_single_smelter_list_tab_is_a_plain_table(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "export.xlsx", {"Smelter List": [["Metal", "Smelter Name"], ["Gold", "Foo"]]}
    )
    t = read_input(path)
    assert t.kind == "xlsx" and t.name_col == "Smelter Name" and t.metal_col == "Metal"


def test_a_cmrt_with_a_damaged_sheet_is_a_one_line_error(supplier_cmrt: Path,
                                                         tmp_path: Path) -> None:
    """A sheet's XML cut short inside a CMRT (a broken download) gave a ParseError traceback,
    also under --skip-bad-files (found by an audit of supplier files): the sheets are parsed
    only while the rows are read. A plain workbook's damage was already a one-line error."""
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(supplier_cmrt) as src, zipfile.ZipFile(damaged, "w") as dst:
        sheets = [n for n in src.namelist() if n.startswith("xl/worksheets/sheet")]
        biggest = max(sheets, key=lambda n: src.getinfo(n).file_size)
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, data[: len(data) // 2] if item.filename == biggest else data)
    with pytest.raises(DamagedFileError, match="a sheet is damaged") as exc:
        read_input(damaged)
    one_line(exc)


def test_a_copied_smelter_list_tab_is_named_not_lost(make_cmrt: Callable[..., Path],
                                                     tmp_path: Path) -> None:
    """A supplier copied the Smelter List tab (Excel names it "Smelter List (2)") and filled
    it: its rows were left out without a word (found by an audit of supplier files)."""
    path = make_cmrt("RMI_CMRT_6.4.xlsx", {5: {"B": "Gold", "C": "Smelter not listed",
                                               "D": "Aurubis AG"}})
    wb = openpyxl.load_workbook(path)
    wb.copy_worksheet(wb["Smelter List"]).title = "Smelter List (2)"
    wb.save(tmp_path / "copied.xlsx")
    with pytest.warns(InputWarning, match=r"tabs 'Smelter List \(2\)' are not read"):
        assert read_input(tmp_path / "copied.xlsx").frame["reported_name"].tolist() == [
            "Aurubis AG"]
    empty = make_cmrt("RMI_CMRT_6.4.xlsx", {})
    wb = openpyxl.load_workbook(empty)
    wb.copy_worksheet(wb["Smelter List"]).title = "Smelter List (2)"
    wb.save(tmp_path / "only_copy.xlsx")
    with pytest.raises(InputError, match=r"no smelter rows .*'Smelter List \(2\)' are not read"):
        read_input(tmp_path / "only_copy.xlsx")


def test_legacy_xls_cmrt_is_rejected(cmrt_dir: Path, tmp_path: Path) -> None:
    path = Path(shutil.copy(cmrt_dir / "CFSI_CMRT_3.01.xls", tmp_path / "old.xls"))
    with pytest.raises(InputError, match="legacy .xls"):
        read_input(path)


def test_column_overrides_are_ignored_for_cmrt(supplier_cmrt: Path) -> None:
    t = read_input(supplier_cmrt, name_col="Supplier Smelter", cid_col="ID")
    assert t.kind == "cmrt" and t.name_col == "reported_name"




def test_rows_a_supplier_filled_with_formulas_are_read(make_cmrt: Callable[..., Path]) -> None:
    # Metal and Look-up linked to the supplier's own sheet, as Excel saves them (cached values):
    # the row was silently dropped, as only typed cells counted
    path = make_cmrt("RMI_CMRT_6.4.xlsx", {
        5: {"B": "Gold", "C": "Asahi Refining Canada Ltd."},
        7: {"B": "='Our list'!A1", "C": "='Our list'!B1"},
        8: {"B": "Tin", "C": "Smelter not listed", "D": '=UPPER("yunnan tin")'}})
    with_cached_values(path, "Smelter List", {"B7": "Gold", "C7": "Metalor Technologies S.A.",
                                              "D8": "YUNNAN TIN"})
    t = read_input(path)
    assert t.row_numbers == [5, 7, 8]
    assert t.frame["reported_name"].tolist() == ["Asahi Refining Canada Ltd.",
                                                "Metalor Technologies S.A.", "YUNNAN TIN"]
    assert t.frame["Metal"].tolist() == ["Gold", "Gold", "Tin"]


def test_a_name_merged_over_two_rows_is_read_on_both(cmrt_dir: Path, tmp_path: Path) -> None:
    # a supplier merged one smelter name over two metal rows: Excel shows it on both, and plain
    # tables are read so; the CMRT reader (read-only) gave the second row an empty name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(cmrt_dir / "RMI_CMRT_6.4.xlsx")
    ws = wb["Smelter List"]
    for r, metal in ((9, "Tin"), (10, "Tungsten")):
        ws[f"B{r}"], ws[f"C{r}"] = metal, "Smelter not listed"
    ws["D9"] = "Global Tungsten & Powders Corp."
    ws.merge_cells("D9:D10")
    wb.save(tmp_path / "merged.xlsx")
    t = read_input(tmp_path / "merged.xlsx")
    assert t.row_numbers == [9, 10]
    assert t.frame["reported_name"].tolist() == ["Global Tungsten & Powders Corp."] * 2
    assert t.frame["Metal"].tolist() == ["Tin", "Tungsten"]


def test_every_row_a_supplier_wrote_comes_with_every_column(make_cmrt: Callable[..., Path]) -> None:
    """Columns K-P (contact, next steps, mines, recycled or scrap) come out with the others,
    and a row holding only a mine and "recycled: Yes" is a row too: it was dropped without a
    word (found by an audit of the CMRT inputs)."""
    path = make_cmrt("RMI_CMRT_6.4.xlsx", {
        5: {"B": "Tin", "C": "Smelter not listed", "D": "Contact Row Smelter", "K": "Mr X",
            "L": "x@example.com", "M": "audit", "N": "Mine A", "O": "BOLIVIA", "P": "No"},
        7: {"N": "Bisie mine", "P": "Yes"},
    })
    t = read_input(path)
    assert t.row_numbers == [5, 7]
    first = t.frame.iloc[0]
    assert (first["Smelter Contact Name"], first["Smelter Contact Email"],
            first["Proposed next steps"], first["Name of Mine(s)"],
            first["Location (Country) of Mine(s)"], first["100% recycled or scrap"]) == (
        "Mr X", "x@example.com", "audit", "Mine A", "BOLIVIA", "No")
    assert (t.frame.iloc[1]["reported_name"], t.frame.iloc[1]["100% recycled or scrap"]) == ("", "Yes")


def _template_with(cmrt_dir: Path, tmp_path: Path, change: Callable[..., None]) -> Path:
    """The English 6.4 template with one filled row (Tin, not listed, Minsur, PERU) and
    ``change`` made to its Smelter List tab, saved by openpyxl."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(cmrt_dir / "RMI_CMRT_6.4.xlsx")
    ws = wb["Smelter List"]
    ws["B5"], ws["C5"], ws["D5"], ws["E5"] = "Tin", "Smelter not listed", "Minsur", "PERU"
    change(ws)
    path = tmp_path / "changed.xlsx"
    wb.save(path)
    return path


@pytest.mark.parametrize(("change", "cell"), [
    # a column inserted before the names (the sheet unprotected): the header formulas move
    # right and still show the labels of where they stand; the names were read as countries
    (lambda ws: ws.insert_cols(4), "D4"),
    (lambda ws: ws.delete_cols(3), "Q4"),        # the look-up column deleted
    (lambda ws: ws.move_range("C4:C5", cols=15), "C4"),
], ids=["inserted", "deleted", "moved"])
def test_a_smelter_list_whose_columns_moved_is_refused_not_misread(
        cmrt_dir: Path, tmp_path: Path, change: Callable[..., None], cell: str) -> None:
    path = _template_with(cmrt_dir, tmp_path, change)
    with pytest.raises(InputError, match=f"header cell {cell}") as err:
        read_input(path)
    assert "column inserted, deleted or moved" in one_line(err)


def test_header_labels_pasted_as_text_where_the_template_has_them_are_read(
        cmrt_dir: Path, tmp_path: Path) -> None:
    """A header row pasted as values (English labels, or labels in another language) is the
    template's: the rows are read by its layout; English labels in other columns are refused."""
    def paste(ws) -> None:  # noqa: ANN001
        for letter, label in (("B", "Metal (*)"), ("C", "Smelter Look-up (*)"),
                              ("D", "Smelter Name (1)"), ("E", "冶炼厂所在国家或地区 (*)")):
            ws[f"{letter}4"] = label

    t = read_input(_template_with(cmrt_dir, tmp_path, paste))
    assert t.frame["reported_name"].tolist() == ["Minsur"]
    assert t.frame["Smelter Country"].tolist() == ["PERU"]
    # a column added after the template's last one moves nothing
    t = read_input(_template_with(cmrt_dir, tmp_path, lambda ws: ws.insert_cols(18)))
    assert t.frame["reported_name"].tolist() == ["Minsur"]

    def swapped(ws) -> None:  # noqa: ANN001
        ws["D4"], ws["E4"] = "Smelter Country (*)", "Smelter Name (1)"

    with pytest.raises(InputError, match="header cell D4 says 'Smelter Country"):
        read_input(_template_with(cmrt_dir, tmp_path, swapped))


@pytest.mark.parametrize(("change", "cell"), [
    (lambda ws: ws.insert_cols(3), "C4"),        # before the look-up: names read as look-ups
    (lambda ws: ws.delete_cols(3), "O4"),        # the look-up deleted: countries read as names
], ids=["inserted", "deleted"])
def test_an_older_cmrt_whose_columns_moved_is_refused_not_misread(
        cmrt_dir: Path, tmp_path: Path, change: Callable[..., None], cell: str) -> None:
    """A 2.x Smelter List is read by the cells its "L" tab names, as 6.x's is by its fixed
    layout, but was not checked for a column inserted or deleted: every entry right of it was
    read from the wrong column ("GERMANY" as the smelter's name), without a word."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(cmrt_dir / "EICC_GeSI_CMRT_2.03a.xlsx")
    change(wb["Smelter List"])
    wb.save(tmp_path / "old.xlsx")
    with pytest.raises(InputError, match=f"template has them \\(header cell {cell}") as err:
        read_input(tmp_path / "old.xlsx")
    assert "column inserted, deleted or moved" in one_line(err)


def test_a_suppliers_formulas_saved_without_values_are_named_not_lost(
        make_cmrt: Callable[..., Path]) -> None:
    """A CMRT written by a program that does not calculate formulas (a script filling the
    template with openpyxl) saves them without values: a supplier's formula linking their own
    sheet read as "", silently, so the row was "empty name", or not read at all when all of its
    cells were such formulas. Those rows are read and the cells named in a note; the template's
    own formulas (the look-up's country and ID, the metal of an ID typed in column A) give what
    the row's typed cells say, and are not named."""
    path = make_cmrt("RMI_CMRT_6.4.xlsx", {
        5: {"B": "Gold", "C": "Asahi Refining Canada Ltd."},
        7: {"B": "Tin", "C": "Smelter not listed", "D": "='Our list'!B2"},
        9: {"B": "='Our list'!A3", "C": "='Our list'!B3"},
        11: {"A": "CID002763"}})
    with pytest.warns(InputWarning) as said:
        t = read_input(path)
    assert t.row_numbers == [5, 7, 9, 11]
    assert t.frame["reported_name"].tolist() == ["Asahi Refining Canada Ltd.", "", "", ""]
    (note,) = [str(w.message) for w in said if "saved without" in str(w.message)]
    assert note.startswith(f"{path}: 3 cells of the 'Smelter List' tab are formulas saved "
                           "without a value")
    assert note.endswith("read as empty: Smelter Name on row 7; Metal on row 9; Smelter "
                         "Look-up on row 9; open the file in Excel, save it and read it again")
    with warnings.catch_warnings():   # the template's formulas alone: nothing to say
        warnings.simplefilter("error", InputWarning)
        assert read_input(make_cmrt("RMI_CMRT_6.4.xlsx", {5: {"B": "Gold", "C": "Asahi "
                                    "Refining Canada Ltd."}, 6: {"A": "CID002763"}})).row_numbers \
            == [5, 6]
