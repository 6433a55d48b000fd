"""Supplier lists (``smelter_match.io.inputs``): CSV, Excel tables, column recognition, errors, folders."""

from __future__ import annotations

import codecs
import shutil
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from _support import encrypted_ooxml
from _tables_data import make_xlsx, one_line, write_bytes, write_text

from smelter_match.errors import ColumnNotFoundError, InputError, InputWarning
from smelter_match.io.inputs import (
    InputTable,
    find_columns,
    read_cmrt,
    read_input,
    read_inputs,
    read_table,
)

# --------------------------------------------------------------------------------------------
# CSV


def test_csv_basic_all_text_leading_zeros(tmp_path: Path) -> None:
    path = write_text(
        tmp_path / "in.csv",
        "Smelter Name,Metal,Country,Smelter ID,code\n"
        "Asahi Pretec Corp.,Gold,JAPAN,CID000082,007\n"
        ",Tin,,, \n",
    )
    t = read_table(path)
    assert t.kind == "csv" and t.company is None and t.sheet is None
    assert (t.name_col, t.metal_col, t.country_col, t.cid_col) == (
        "Smelter Name",
        "Metal",
        "Country",
        "Smelter ID",
    )
    assert t.frame["code"].tolist() == ["007", " "]
    assert t.frame["Smelter Name"].tolist() == ["Asahi Pretec Corp.", ""]
    assert t.frame.dtypes.eq(object).all()
    assert t.row_numbers == [2, 3]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    text = "smelter_name;metal\nCendres + Métaux SA;Gold\nKöhler & Söhne;Tin\n"
    raw = text.encode(encoding)
    if encoding == "latin-1":
        raw += "Ümlaut\x81;Gold\n".encode("latin-1")  # 0x81 is undefined in cp1252
    t = read_table(write_bytes(tmp_path / "in.csv", raw))
    assert t.frame["smelter_name"].tolist()[:2] == ["Cendres + Métaux SA", "Köhler & Söhne"]
    assert list(t.frame.columns) == ["smelter_name", "metal"]  # BOM not glued to the header


def test_csv_cp1252_specific_characters(tmp_path: Path) -> None:
    raw = "name\nMétaux – “Cendres”\n".encode("cp1252")
    assert read_table(write_bytes(tmp_path / "in.csv", raw)).frame["name"][0] == (
        "Métaux – “Cendres”"
    )


@pytest.mark.parametrize(("encoding", "names"), [
    ("gbk", ["江西铜业股份有限公司", "云南锡业股份有限公司"]),       # Excel's CSV on Chinese Windows
    ("big5", ["光洋應用材料科技股份有限公司", "Umicore"]),
    ("cp932", ["三菱マテリアル株式会社", "アサヒプリテック"]),        # Shift-JIS: ASCII trail bytes
    ("euc_kr", ["고려아연 주식회사", "LS니꼬동제련"]),
])
def test_csv_in_an_east_asian_code_page_is_read_not_garbled(tmp_path: Path, encoding: str,
                                                           names: list[str]) -> None:
    text = "Smelter Name,Metal\n" + "".join(f"{n},Gold\n" for n in names)
    t = read_table(write_bytes(tmp_path / "in.csv", text.encode(encoding)))
    assert t.frame["Smelter Name"].tolist() == names


@pytest.mark.parametrize(("encoding", "names", "country"), [
    # Excel's CSV on Russian and Greek Windows
    ("cp1251", ["АО Уралэлектромедь", "ОАО Красцветмет", "Новосибирский завод"], "Россия"),
    ("cp1253", ["Ελληνικός Χρυσός ΑΕ", "Μεταλλεία Κασσάνδρας", "Χαλκουργία"], "Ελλάδα"),
])
def test_csv_in_a_one_byte_code_page_of_another_script_is_read_not_garbled(
        tmp_path: Path, encoding: str, names: list[str], country: str) -> None:
    """Read as cp1252 they were "ÀÎ Óðàëýëåêòðîìåäü" (Krastsvetmet, an RMI refiner, then
    no_match; found by an audit of supplier files). A text too short to tell Cyrillic from
    Greek or Thai code pages is refused, never garbled."""
    text = "Smelter Name;Metal;Country\r\n" + "".join(f"{n};Gold;{country}\r\n" for n in names)
    t = read_table(write_bytes(tmp_path / "in.csv", text.encode(encoding)))
    assert t.frame["Smelter Name"].tolist() == names
    short = write_bytes(tmp_path / "short.csv", f"Smelter Name\r\n{names[1]}\r\n".encode(encoding))
    try:
        assert read_table(short).frame["Smelter Name"].tolist() == [names[1]]
    except InputError as exc:
        assert "reads about as well in" in str(exc)


@pytest.mark.parametrize(("raw", "says"), [
    # "copy a.csv+b.csv": an ASCII "CSV UTF-8" file's BOM, then cp1252 ("ï»¿Smelter ID" read)
    (codecs.BOM_UTF8 + "Smelter ID,Smelter Name\r\nCID000113,Métaux SA\r\n".encode("cp1252"),
     r"marked as UTF-8 text \(a BOM\), but not all of it is \(line 2, byte 0xE9\)"),
    # mostly cp1252, one line pasted from a UTF-8 file ("Ã–gussa" read)
    ("Smelter Name\r\nMétaux SA\r\nKöhler & Söhne\r\nFundição Metálica Ltda\r\n".encode("cp1252")
     + "Ögussa Österreichische\r\n".encode(), "UTF-8's accented letters in text of another"),
])
def test_csv_mixing_encodings_either_way_is_refused(tmp_path: Path, raw: bytes, says: str) -> None:
    with pytest.raises(InputError, match=says):
        read_table(write_bytes(tmp_path / "in.csv", raw))
    # a cp1252 text that has "Ã" before a plain letter is no UTF-8
    ok = "Smelter Name\r\nSÃO JOÃO Metais\r\n".encode("cp1252")
    assert read_table(write_bytes(tmp_path / "ok.csv", ok)).frame["Smelter Name"][0] == (
        "SÃO JOÃO Metais")


def test_a_header_that_says_smelter_beats_a_bare_name_or_country(tmp_path: Path) -> None:
    """A supplier's own "Country" (its head office) was read before "Smelter Country", and a
    contact's "Name" before "Smelter": Asahi Refining reported from Canada was matched to
    Asahi Refining USA, "country agrees" (found by an audit of supplier files)."""
    path = write_text(tmp_path / "in.csv", "Supplier,Country,Name,Smelter,Smelter Country,Metal\n"
                                           "Acme Inc.,USA,J. Doe,Asahi Refining,Canada,Gold\n")
    t = read_input(path)
    assert (t.name_col, t.country_col) == ("Smelter", "Smelter Country")


def test_csv_too_short_to_tell_its_code_page_is_refused(tmp_path: Path) -> None:
    # four bytes: two Chinese characters in GBK, or two Korean ones in cp949
    path = write_bytes(tmp_path / "in.csv", "Smelter Name,Metal\n江西铜业,Gold\n".encode("gbk"))
    with pytest.raises(InputError, match="save the file as 'CSV UTF-8'"):
        read_table(path)


@pytest.mark.parametrize("tail", ["Cendres + Métaux SA,Gold\n".encode("cp1252"),  # pasted in
                                  b"Stray \xe9 byte,Gold\n"])
def test_csv_mostly_utf8_but_not_all_is_refused_not_garbled(tmp_path: Path, tail: bytes) -> None:
    """Read as cp1252, the UTF-8 lines would be garbled ("æ ªæ´²ç¡¬è´¨"); as UTF-8, the
    other ones: the file mixes encodings, and says where."""
    head = "Smelter Name,Metal\n株洲硬质合金集团有限公司,Tungsten\nMétaux SA,Gold\n".encode()
    with pytest.raises(InputError, match=r"mostly UTF-8 text, but not all of it \(line 4"):
        read_table(write_bytes(tmp_path / "in.csv", head + tail))


def test_csv_quote_never_closed_is_an_error_not_one_long_name(tmp_path: Path) -> None:
    path = write_text(tmp_path / "in.csv",
                      'name,metal\nAsahi,Gold\n"unterminated,Gold\nMitsubishi,Gold\nX,Tin\n')
    with pytest.raises(InputError, match="quote in record 3 is never closed"):
        read_table(path)
    # a cell over several lines, and a stray quote inside a cell, still read
    ok = write_text(tmp_path / "ok.csv", 'name,metal\n"Foo\nBar",Gold\n"Baz" Inc,Tin\n')
    assert read_table(ok).frame["name"].tolist() == ["Foo\nBar", "Baz Inc"]
    last = write_text(tmp_path / "last.csv", 'name,metal\nX,Tin\n"Foo\nBar",Gold\n')
    assert read_table(last).frame["name"].tolist() == ["X", "Foo\nBar"]


def test_csv_stray_quote_closed_lines_later_is_an_error_not_lost_rows(tmp_path: Path) -> None:
    """A quote opened in one row and closed a few lines later made the rows between one name
    cell: Aurubis and MSC never got a row, without a word (found by an audit of supplier
    files). A cell over several lines that is a comment still reads."""
    path = write_text(tmp_path / "in.csv",
                      'Smelter Name,Metal,Country\r\n"Aurubis AG,Gold,Germany\r\n'
                      "Malaysia Smelting Corporation (MSC),Tin,Malaysia\r\n"
                      'Bank of China 4",Gold,China\r\nAsahi Refining USA Inc.,Gold,USA\r\n')
    with pytest.raises(InputError, match=r"row 2 has a cell over several lines holding what "
                                         r"reads as a whole row \('Aurubis AG,Gold,Germany'\)"):
        read_table(path)
    # an address over several lines, a comment: no metal among their fields, read as they are
    ok = write_text(tmp_path / "ok.csv", 'Smelter Name,Metal,Address\r\n'
                                         'Yunnan Tin,Tin,"No. 1 Jinhu Road\r\nGejiu City, Yunnan, '
                                         'China"\r\nAurubis AG,Gold,"see the audit,\r\npage 2"\r\n')
    assert read_table(ok).frame["Address"].tolist() == [
        "No. 1 Jinhu Road\r\nGejiu City, Yunnan, China", "see the audit,\r\npage 2"]


def test_files_other_tools_write_are_read_or_named(tmp_path: Path) -> None:
    """Found by an audit of supplier files: UTF-16 without its byte-order mark was "binary
    file"; DOS's end-of-file mark (Ctrl-Z) became a row; an .ods file gave "KeyError: There is
    no item named '[Content_Types].xml'"."""
    for codec in ("utf-16-le", "utf-16-be"):
        path = write_bytes(tmp_path / f"{codec}.csv", "Smelter Name,Metal\r\nMinsur,Tin\r\n"
                           .encode(codec))
        assert read_table(path).frame["Smelter Name"].tolist() == ["Minsur"]
    path = write_bytes(tmp_path / "dos.csv", b"Smelter Name,Metal\r\nMinsur,Tin\r\n\x1a")
    assert read_table(path).frame["Smelter Name"].tolist() == ["Minsur"]
    ods = tmp_path / "list.ods"
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(InputError, match=r"an OpenDocument spreadsheet \(\.ods\), which is not "
                                         "read: save it as .xlsx or CSV") as exc:
        read_input(ods)
    one_line(exc)


def test_csv_utf16_tab_delimited_excel_unicode_text(tmp_path: Path) -> None:
    path = write_text(tmp_path / "in.txt", "Smelter Name\tMetal\r\n江西铜业\tGold\r\n", "utf-16")
    t = read_table(path)
    assert t.frame["Smelter Name"].tolist() == ["江西铜业"]


@pytest.mark.parametrize(
    ("text", "expected_cols"),
    [
        ('name,metal\n"Foo, Inc.",Gold\n', ["name", "metal"]),
        ("name;metal\nFoo, Inc.;Gold\n", ["name", "metal"]),
        ("name\tmetal\nFoo; Inc., Ltd\tGold\n", ["name", "metal"]),
        ("name\nFoo, Inc.\n", ["name"]),  # one column: no delimiter to find
    ],
)
def test_csv_delimiter_sniffing(tmp_path: Path, text: str, expected_cols: list[str]) -> None:
    t = read_table(write_text(tmp_path / "in.csv", text))
    assert list(t.frame.columns) == expected_cols
    assert t.frame["name"][0].startswith("Foo")


def test_csv_row_numbers_with_blank_lines_and_multiline_cells(tmp_path: Path) -> None:
    path = write_text(tmp_path / "in.csv", '\nname,comment\nA,"two\nlines"\n\nB,x\n,\nC,y\n')
    t = read_table(path)
    assert t.frame["name"].tolist() == ["A", "B", "C"]
    # Excel rows: 1 blank, 2 header, 3 A (multi-line record), 4 blank, 5 B, 6 empty, 7 C
    assert t.row_numbers == [3, 5, 7]


def test_csv_ragged_rows_and_duplicate_headers(tmp_path: Path) -> None:
    path = write_text(tmp_path / "in.csv", "name,note,note,\nA,B\nC,D,E,F,G\n")
    with pytest.warns(InputWarning, match=r"in.csv: 1 row\(s\) have more cells than the "
                                          r"header's 4 \(rows 3\): a delimiter inside a name"):
        t = read_table(path)
    assert list(t.frame.columns) == ["name", "note", "note.1", "column_4", "column_5"]
    assert t.frame.iloc[0].tolist() == ["A", "B", "", "", ""]
    assert t.name_col == "name"


def test_csv_rows_no_wider_than_the_header_say_nothing(tmp_path: Path) -> None:
    """Short rows, and cells beyond the header that are empty (a trailing delimiter), are
    ordinary: no note."""
    path = write_text(tmp_path / "in.csv", "name,metal\nA\nB,Gold,,\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        t = read_table(path)
    assert t.frame["name"].tolist() == ["A", "B"]


def test_csv_very_long_cell(tmp_path: Path) -> None:
    long = "X" * 300_000
    t = read_table(write_text(tmp_path / "in.csv", f'name\n"{long}"\n'))
    assert t.frame["name"][0] == long


# --------------------------------------------------------------------------------------------
# column recognition


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("smelter_name", "name"),
        ("SMELTER NAME", "name"),
        ("Smelter Look-up", "name"),
        ("Smelter Look-up (*)", "name"),
        ("Smelter Name (1)", "name"),
        (" Name ", "name"),
        ("smelter", "name"),
        ("Standard Smelter Name", "name"),
        ("reported_name", "name"),
        ("Metal (*)", "metal"),
        ("METAL", "metal"),
        ("reported_metal", "metal"),
        ("Smelter Country", "country"),
        ("country_location", "country"),
        ("reported_country", "country"),
        ("Smelter Identification Number", "cid"),
        ("Smelter-ID", "cid"),
        ("CID", "cid"),
        ("smelter_id", "cid"),
        ("Smelter Identification", "cid"),
        ("reported_cid", "cid"),
    ],
)
def test_find_columns_synonyms(header: str, role: str) -> None:
    cols = ["Smelter Name", header] if role != "name" else [header]
    assert find_columns(cols)[role] == header


def test_find_columns_preference_order() -> None:
    cols = ["Standard Smelter Name", "Smelter Look-up", "Smelter Name", "Metal"]
    assert find_columns(cols)["name"] == "Smelter Name"
    assert find_columns(cols[:2])["name"] == "Smelter Look-up"
    roles = find_columns(["x", "name"])
    assert roles == {"name": "name", "metal": None, "country": None, "cid": None}


def test_overrides_win_and_are_normalised(tmp_path: Path) -> None:
    path = write_text(tmp_path / "in.csv", "Smelter Name,Supplier Smelter,Land,Mtl\nA,B,DE,Tin\n")
    t = read_table(path, name_col="supplier smelter", country_col="Land", metal_col="Mtl")
    assert (t.name_col, t.country_col, t.metal_col) == ("Supplier Smelter", "Land", "Mtl")
    assert t.frame[t.name_col].tolist() == ["B"]


def test_override_missing_column(tmp_path: Path) -> None:
    path = write_text(tmp_path / "in.csv", "Smelter Name,Metal\nA,Tin\n")
    with pytest.raises(InputError, match="--cid-col") as exc:
        read_table(path, cid_col="ID")
    msg = one_line(exc)
    assert "'ID'" in msg and "'Smelter Name', 'Metal'" in msg and str(path) in msg


def test_no_name_column(tmp_path: Path) -> None:
    path = write_text(tmp_path / "in.csv", "Supplier,Metal\nA,Tin\n")
    with pytest.raises(InputError, match="--name-col") as exc:
        read_table(path)
    msg = one_line(exc)
    assert "'Supplier', 'Metal'" in msg and str(path) in msg


# --------------------------------------------------------------------------------------------
# Excel tables


def test_xlsx_header_row_numbers_and_cell_types(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "in.xlsx",
        {
            "Data": [
                [None, None],
                ["Smelter Name", "Metal", "Smelter ID", "Qty"],
                ["Foo", "Gold", "007", 12.0],
                [None, None, None, None],
                ["Bar", "Tin", None, 1.5],
            ]
        },
    )
    t = read_table(path)
    assert t.kind == "xlsx" and t.sheet == "Data"
    assert t.row_numbers == [3, 5]
    assert t.frame["Qty"].tolist() == ["12", "1.5"]
    assert t.frame["Smelter ID"].tolist() == ["007", ""]


def test_xlsx_merged_cells_and_formulas(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Smelters"
    ws.append(["Metal", "Smelter Name", "Note"])
    ws.append(["Gold", "Foo", "=A2&B2"])  # formula without cached value -> ""
    ws.append([None, "Bar", "ok"])
    ws.append([None, "Baz", "ok"])
    ws.merge_cells("A2:A4")
    ws.merge_cells("C3:C4")
    wb.save(tmp_path / "m.xlsx")
    t = read_table(tmp_path / "m.xlsx")
    assert t.frame["Metal"].tolist() == ["Gold", "Gold", "Gold"]
    assert t.frame["Note"].tolist() == ["", "ok", "ok"]


def test_xlsx_very_long_cell(tmp_path: Path) -> None:
    long = "Y" * 32_000  # Excel's own cell limit is 32,767 characters
    t = read_table(make_xlsx(tmp_path / "l.xlsx", {"S": [["name"], [long]]}))
    assert t.frame["name"][0] == long


def test_xlsx_sheet_selection(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "s.xlsx",
        {
            "Empty": [],
            "Second": [["name"], ["two"]],
        },
    )
    with pytest.raises(InputError, match="no rows") as exc:
        read_table(path)
    assert "'Empty'" in one_line(exc)
    assert read_table(path, sheet="second").frame["name"].tolist() == ["two"]
    assert read_table(path, sheet=1).frame["name"].tolist() == ["two"]
    with pytest.raises(InputError, match="sheet 'Nope' not found.*'Empty', 'Second'"):
        read_table(path, sheet="Nope")


def test_xlsx_first_visible_sheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "lists"
    hidden.append(["junk"])
    hidden.sheet_state = "hidden"
    ws = wb.create_sheet("Data")
    ws.append(["Smelter Name"])
    ws.append(["Foo"])
    wb.save(tmp_path / "h.xlsx")
    assert read_table(tmp_path / "h.xlsx").sheet == "Data"


# --------------------------------------------------------------------------------------------
# errors


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found") as exc:
        read_input(tmp_path / "nope.csv")
    one_line(exc)
    with pytest.raises(InputError, match="not found"):
        read_inputs([tmp_path / "nope"])


def test_read_inputs_takes_any_path_object_and_refuses_what_is_none(tmp_path: Path,
                                                                   tmpdir) -> None:  # noqa: ANN001
    """A path object that is not a ``pathlib.Path`` (pytest's ``tmpdir``, a py.path) is a path,
    as to load_reference: it was iterated ("'LocalPath' object is not iterable"); None was a
    TypeError, and a DataFrame was read as its column names (none: no input, silently)."""
    (Path(tmpdir) / "list.csv").write_text("Smelter Name,Metal\nKennametal Fallon,Tungsten\n",
                                           encoding="utf-8")
    tables = read_inputs(tmpdir / "list.csv")
    assert [t.frame["Smelter Name"].tolist() for t in tables] == [["Kennametal Fallon"]]
    assert len(read_inputs([tmpdir / "list.csv"])) == 1
    for wrong, says in ((None, "not the path of an input file or folder: None"),
                        ([tmp_path, 3], "not the path of an input file or folder: 3"),
                        (pd.DataFrame(), "match a DataFrame with Matcher.match")):
        with pytest.raises(InputError, match=says) as exc:
            read_inputs(wrong)
        one_line(exc)
    # read_cmrt and read_input likewise (a pathlib TypeError; found by an audit of the API)
    for read in (read_cmrt, read_input):
        with pytest.raises(InputError, match="not the path of an input file or folder: None"):
            read(None)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "no rows, the file is empty"),
        (b"\n\n  \n", "no rows, the file is empty"),
        (b"Smelter Name,Metal\n", "no rows, only a header"),
        (b"Smelter Name,Metal\n,\n\n", "no rows, only a header"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
    ],
)
def test_csv_errors(tmp_path: Path, content: bytes, match: str) -> None:
    path = write_bytes(tmp_path / "in.csv", content)
    with pytest.raises(InputError, match=match) as exc:
        read_input(path)
    assert str(path) in one_line(exc)


@pytest.mark.parametrize(
    "content",
    [b"Smelter Name,Metal\nFoo,Gold\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b""],
)
def test_not_a_workbook(tmp_path: Path, content: bytes) -> None:
    path = write_bytes(tmp_path / "fake.xlsx", content)
    with pytest.raises(InputError, match="not an Excel workbook") as exc:
        read_input(path)
    assert str(path) in one_line(exc)


def test_corrupt_zip_workbook(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "broken.xlsx", b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(InputError, match="cannot be read as an Excel workbook") as exc:
        read_input(path)
    one_line(exc)


@pytest.mark.parametrize("name", ["locked.xlsx", "locked.xls", "locked.csv"])
def test_encrypted_workbook(tmp_path: Path, name: str) -> None:
    path = encrypted_ooxml(tmp_path / name)
    with pytest.raises(InputError, match="password-protected") as exc:
        read_input(path)
    one_line(exc)


def test_garbage_ole_file(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "old.xls", bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 600)
    with pytest.raises(InputError, match="cannot be read as an Excel workbook"):
        read_input(path)


# --------------------------------------------------------------------------------------------
# folders and dispatch


def test_read_inputs_expands_folders(tmp_path: Path, supplier_cmrt: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    write_text(folder / "b.csv", "name\nFoo\n")
    shutil.copy(supplier_cmrt, folder / "a_supplier.xlsx")
    write_bytes(folder / "~$a_supplier.xlsx", b"\x00lock")  # Excel lock file
    write_text(folder / "notes.txt", "not an input")
    (folder / "sub").mkdir()
    write_text(folder / "sub" / "c.csv", "name\nBar\n")
    extra = write_text(tmp_path / "single.csv", "Smelter Name\nBaz\n")
    # what a folder holds that is not read is named (a ".txt" list was left out unseen: found
    # by an audit of supplier files); lock and hidden files in the same note
    with pytest.warns(InputWarning, match=r"inbox: not read, .*: notes\.txt, sub/; give a file "
                                          r"by name to read it; 1 hidden or Excel lock file "
                                          r"skipped: ~\$a_supplier\.xlsx$"):
        tables = read_inputs([folder, str(extra)])
    assert [Path(t.source).name for t in tables] == ["a_supplier.xlsx", "b.csv", "single.csv"]
    assert [t.kind for t in tables] == ["cmrt", "csv", "csv"]
    assert tables[2].source == str(extra)  # path as given
    assert all(isinstance(t, InputTable) for t in tables)


def test_hidden_and_lock_files_of_a_folder_are_named_not_read(tmp_path: Path) -> None:
    """A folder's hidden files (".x") and Excel lock files ("~$x.xlsx") were skipped without
    a word (found by an audit of batch runs): one note says how many and which; they are still
    not read, and a hidden file given by name still is."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    write_text(folder / "list.csv", "Smelter Name\nFoo\n")
    hidden = write_text(folder / ".list copy.csv", "Smelter Name\nBar\n")
    write_bytes(folder / "~$book.xlsx", b"\x00lock")
    (folder / ".git").mkdir()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tables = read_inputs([folder])
    assert [str(w.message) for w in caught] == [
        f"{folder}: 3 hidden or Excel lock files skipped: .git/, .list copy.csv, ~$book.xlsx"]
    assert [Path(t.source).name for t in tables] == ["list.csv"]
    assert [t.frame["Smelter Name"].tolist() for t in read_inputs([hidden])] == [["Bar"]]
    # a folder holding only such files: the error names them (found by a helper session)
    only = tmp_path / "only"
    only.mkdir()
    write_text(only / ".list.csv", "Smelter Name\nBar\n")
    with pytest.raises(InputError, match=r"no input files .*hidden or Excel lock files are not "
                                         r"read from a folder: \.list\.csv \(give such a file"):
        read_inputs([only])


def test_a_list_laid_out_like_a_cmrt_reads_the_look_up_where_the_name_is_empty(
        tmp_path: Path) -> None:
    """The Smelter List tab exported as CSV: a row picked from the drop-down alone (Smelter
    Name empty) was read as having no name and decided no_match (found by an audit of supplier
    files). It reads as a CMRT does, into reported_name; a list that needs no look-up is left
    as it is."""
    path = write_text(tmp_path / "in.csv",
                      "Metal (*),Smelter Look-up (*),Smelter Name (1),Smelter Country (*)\r\n"
                      "Gold,Asahi Pretec Corp.,,JAPAN\r\nGold,Smelter not listed,Foo Refinery,"
                      "CHINA\r\nTin,Smelter not listed,,PERU\r\n")
    t = read_input(path)
    assert t.name_col == "reported_name"
    assert t.frame["reported_name"].tolist() == ["Asahi Pretec Corp.", "Foo Refinery", ""]
    assert t.frame["Smelter Name (1)"].tolist() == ["", "Foo Refinery", ""]   # as it was
    plain = write_text(tmp_path / "plain.csv", "Smelter Look-up,Smelter Name\r\n"
                                               "Smelter not listed,Foo Refinery\r\n")
    t = read_input(plain)
    assert t.name_col == "Smelter Name" and "reported_name" not in t.frame.columns


def test_a_title_above_the_header_is_read_past_with_a_note(tmp_path: Path) -> None:
    """A title row above the header was refused ("no smelter name column") with a hint,
    --name-col, that could not help (found by an audit of supplier files): a row under it that
    names the name column is the header, and a note says so."""
    path = write_text(tmp_path / "in.csv", "Acme Inc. smelter list 2024\n\n"
                                           "Smelter Name,Metal\nMinsur,Tin\n")
    with pytest.warns(InputWarning, match="the header is row 3; the rows above it are not read"):
        t = read_table(path)
    assert t.frame["Smelter Name"].tolist() == ["Minsur"] and t.row_numbers == [4]
    book = make_xlsx(tmp_path / "in.xlsx", {"List": [["Supplier: Acme"], ["Hütte", "Metal"],
                                                     ["Minsur", "Tin"]]})
    with pytest.warns(InputWarning, match="the header is row 2"):
        assert read_table(book, name_col="Hütte").frame["Hütte"].tolist() == ["Minsur"]
    none = write_text(tmp_path / "none.csv", "Acme list\nFoo,Bar\nMinsur,Tin\n")
    with pytest.raises(InputError, match="name"):
        read_table(none)


def test_other_sheets_holding_lists_are_named(tmp_path: Path) -> None:
    """A supplier's "Tin" sheet beside its "Gold" one was left out without a word (found by an
    audit of supplier files): only the first visible sheet is read, and a note names the
    others that hold a list (not an instructions sheet)."""
    path = make_xlsx(tmp_path / "lists.xlsx", {
        "Gold": [["Smelter Name", "Metal"], ["Aurubis AG", "Gold"]],
        "Tin": [["Smelter Name", "Metal"], ["Malaysia Smelting Corporation (MSC)", "Tin"]],
        "Notes": [["Read me first"], ["These are our smelters"]]})
    with pytest.warns(InputWarning, match=r"sheets 'Tin' hold lists too, not read"):
        t = read_input(path)
    assert t.frame["Smelter Name"].tolist() == ["Aurubis AG"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_input(path, sheet="Tin").frame["Metal"].tolist() == ["Tin"]


def test_a_list_on_another_sheet_than_the_first_is_named_in_the_error(tmp_path: Path) -> None:
    """A workbook whose first sheet is instructions (or empty) and whose list is on the next
    was refused without a hint (found by an audit of batch runs): the error names the sheets
    that have the columns. The first visible sheet is still the one read (no rule picks
    another), and a workbook with no list anywhere is refused as before."""
    columns = ["Smelter Name", "Metal"]
    path = make_xlsx(tmp_path / "in.xlsx", {"Instructions": [["List your smelters on the next "
                                                              "sheet"], ["Contact: a@b.c"]],
                                            "Smelters": [columns, ["Minsur", "Tin"]],
                                            "Notes": [["Read me"], ["again"]]})
    with pytest.raises(InputError) as exc:
        read_input(path)
    assert one_line(exc) == (
        f"{path} (sheet 'Instructions'): no smelter name column recognised among columns: "
        "'List your smelters on the next sheet'; name it e.g. 'Smelter Name' or pass --name-col "
        "COLUMN; sheet 'Smelters' has the columns, but only the first visible sheet of a "
        "workbook is read: move the list there, or save it as its own file")
    assert read_input(path, sheet="Smelters").frame["Smelter Name"].tolist() == ["Minsur"]
    empty = make_xlsx(tmp_path / "empty.xlsx", {"Cover": [], "Gold": [["Hütte"], ["A"]],
                                                "Tin": [["Hütte"], ["B"]]})
    with pytest.raises(InputError, match=r"\(sheet 'Cover'\): no rows, the sheet is empty; "
                       r"sheets 'Gold', 'Tin' have the columns, but only the first visible "
                       r"sheet of a workbook is read: move the list there, or save each as its "
                       r"own file$"):
        read_input(empty, name_col="Hütte")
    with pytest.raises(InputError, match=r"the sheet is empty; only the first visible sheet of "
                                         r"a workbook is read: move the list there$"):
        read_input(empty)   # ("Hütte" names no name column)
    other = make_xlsx(tmp_path / "other.xlsx", {"Gold": [["Smelter Name"], ["A"]],
                                                "Tin": [["Hütte"], ["B"]]})
    with pytest.raises(ColumnNotFoundError, match=r"--name-col not found; .*; sheet 'Tin' has "
                                                  r"the columns, but") as exc:
        read_input(other, name_col="Hütte")
    assert exc.value.role == "name"   # (among several inputs: read by its headers)
    none = make_xlsx(tmp_path / "none.xlsx", {"Data": [["Company", "Metal"], ["x", "Tin"]],
                                              "Other": [["notes"]]})
    with pytest.raises(InputError, match=r"pass --name-col COLUMN$"):
        read_input(none)


def test_a_file_given_twice_is_read_once(tmp_path: Path) -> None:
    """"a.csv a.csv", or a file and its folder: the rows came out twice, doubling the annex's
    counts (found by an audit); a copy under another name is another supplier's file."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    a = write_text(folder / "a.csv", "name\nFoo\n")
    write_text(folder / "copy.csv", "name\nFoo\n")
    with pytest.warns(InputWarning, match="given more than once"):
        tables = read_inputs([a, folder, str(folder / ".." / "inbox" / "a.csv")])
    assert [Path(t.source).name for t in tables] == ["a.csv", "copy.csv"]


def test_read_inputs_single_path_and_overrides(tmp_path: Path) -> None:
    path = write_text(tmp_path / "x.csv", "Supplier Smelter\nFoo\n")
    (table,) = read_inputs(path, name_col="Supplier Smelter")
    assert table.name_col == "Supplier Smelter"


def test_folder_without_inputs(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    write_text(tmp_path / "empty" / "readme.txt", "hi")
    with pytest.raises(InputError, match="no input files") as exc:
        read_inputs([tmp_path / "empty"])
    one_line(exc)


def test_csv_content_with_xlsx_magic_is_read_as_workbook(tmp_path: Path) -> None:
    make_xlsx(tmp_path / "real.xlsx", {"S": [["name"], ["Foo"]]})
    path = Path(shutil.copy(tmp_path / "real.xlsx", tmp_path / "misnamed.csv"))
    t = read_input(path)
    assert t.kind == "xlsx" and t.frame["name"].tolist() == ["Foo"]


def test_frame_has_no_nan(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "n.xlsx", {"S": [["name", "metal"], ["Foo", None], [None, "Tin"]]})
    f = read_table(path).frame
    assert not f.isna().any().any()
    pd.testing.assert_frame_equal(
        f, pd.DataFrame({"name": ["Foo", ""], "metal": ["", "Tin"]}, dtype=object)
    )


def test_read_inputs_can_skip_bad_files(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.csv").write_text("Smelter Name\nFoo\n", encoding="utf-8")
    (folder / "b.xlsx").write_bytes(b"not a workbook")
    (folder / "c.csv").write_text("just,some\n1,2\n", encoding="utf-8")
    (folder / "d.csv").write_text("smelter\nBar\n", encoding="utf-8")
    with pytest.raises(InputError, match="b.xlsx"):
        read_inputs(folder)  # strict by default
    skipped: list[tuple[str, str]] = []
    tables = read_inputs([folder, tmp_path / "missing.csv"],
                         on_bad_file=lambda p, why: skipped.append((p, why)))
    assert [Path(t.source).name for t in tables] == ["a.csv", "d.csv"]
    assert [Path(p).name for p, _ in skipped] == ["b.xlsx", "c.csv", "missing.csv"]
    assert skipped[0][1].startswith("not an Excel workbook")
    assert "no smelter name column" in skipped[1][1]
    assert skipped[2][1] == "file or folder not found"
    assert all("\n" not in why for _, why in skipped)


def test_two_columns_with_a_role_header_are_an_error(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("Smelter Name,Metal,metal \nATAkulche,Gold,Tin\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"2 columns are headed as the metal \(columns 2 "
                                         r"\('Metal'\), 3 \('metal'\)\).*--metal-col"):
        read_input(path)
    # headers the role matcher reads alike count alike; a column the user chose is clear
    path.write_text("Smelter Name,Metal (*),METAL:\nATAkulche,Gold,Tin\n", encoding="utf-8")
    with pytest.raises(InputError, match="headed as the metal"):
        read_input(path)
    assert read_table(path, metal_col="METAL:").metal_col == "METAL:"
    # a repeated header no role reads stays, de-duplicated
    path.write_text("Smelter Name,Note,Note\nATAkulche,a,b\n", encoding="utf-8")
    assert read_input(path).frame.columns.tolist() == ["Smelter Name", "Note", "Note.1"]


def test_a_skipped_workbooks_reason_names_its_sheet_not_the_file_again(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Empty"
    wb.save(tmp_path / "e.xlsx")
    skipped: list[tuple[str, str]] = []
    read_inputs([tmp_path / "e.xlsx"], on_bad_file=lambda p, why: skipped.append((p, why)))
    assert skipped[0][1].startswith("(sheet 'Empty'): no rows")
    assert str(tmp_path) not in skipped[0][1]


def test_a_column_option_applies_to_the_inputs_that_have_the_column(tmp_path: Path) -> None:
    """``--name-col Hütte`` for the one list headed so, beside files headed as usual: every
    other file was refused (skipped with --skip-bad-files; found by an audit of batch runs).
    They are read by their headers, with a note; no input with the column is a typo: refused."""
    (tmp_path / "hutte.csv").write_text("Hütte,Metal\nMinsur,Tin\n", encoding="utf-8")
    more = tmp_path / "more"
    more.mkdir()
    (more / "a.csv").write_text("Smelter Name,Metal\nAsahi Refining,Gold\n", encoding="utf-8")
    with pytest.warns(InputWarning, match=r"a\.csv: no column 'Hütte' \(given with --name-col\): "
                                          r"read by its headers"):
        tables = read_inputs([tmp_path / "hutte.csv", more], name_col="Hütte")
    assert [t.name_col for t in tables] == ["Hütte", "Smelter Name"]
    with pytest.raises(InputError, match="column 'Hüte' given with --name-col not found"):
        read_inputs([tmp_path / "hutte.csv", more], name_col="Hüte")
    with pytest.raises(InputError, match="column 'Hütte' given with --name-col not found"):
        read_inputs([more / "a.csv"], name_col="Hütte")


def test_a_blank_cmrt_among_inputs_is_a_note_not_a_bad_file(make_cmrt, tmp_path: Path) -> None:  # noqa: ANN001
    """A supplier declaring no smelters returns a CMRT whose Smelter List is empty: it stopped
    a batch, or was counted among the files that could not be read (found by an audit of batch
    runs). Alone it is still "no rows"."""
    blank = make_cmrt("RMI_CMRT_6.4.xlsx", {}, company="Nobody")
    (tmp_path / "a.csv").write_text("Smelter Name,Metal\nMinsur,Tin\n", encoding="utf-8")
    bad: list[tuple[str, str]] = []
    with pytest.warns(InputWarning, match="CMRT has no smelter rows filled in .*: no rows from it"):
        tables = read_inputs([blank, tmp_path / "a.csv"],
                             on_bad_file=lambda p, why: bad.append((p, why)))
    assert [len(t.frame) for t in tables] == [1] and bad == []
    with pytest.raises(InputError, match="no smelter rows filled in"):
        read_inputs(blank)
