"""Reading RMI reference files (``smelter_match.sources``): each file by its content, one record set.

Every file of ``shared/rmi`` is recognised by what it holds (the zh-display workbooks translate
their headers), and anything else is refused with a one-line error naming the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _support import encrypted_ooxml

from smelter_match import cli
from smelter_match.errors import ReferenceLoadError
from smelter_match.reference import load_reference
from smelter_match.sources import (
    LOOKUP_COLUMNS,
    REVISION_COLUMNS,
    expand_paths,
    iso_date,
    read_source,
)

pytestmark = pytest.mark.slow

#: (file, kind, label, list date) of every reference file in shared/rmi.
EXPECTED = [
    ("cmrt/CFSI_CMRT_3.01.xls", "legacy", "CMRT 3.01", "2014-01-01"),
    ("cmrt/EICC_GeSI_CMRT_2.03a.xlsx", "legacy", "CMRT 2.03a", "2013-01-01"),
    ("cmrt/RMI_CMRT_6.01_zh-display.xlsx", "lookup", "CMRT 6.01", "2020-03-03"),
    ("cmrt/RMI_CMRT_6.4.xlsx", "lookup", "CMRT 6.4", "2024-02-28"),
    ("cmrt/RMI_CMRT_6.5_zh-display.xlsx", "lookup", "CMRT 6.5", "2025-03-05"),
    ("exports-2026-08-22/CMRT.xml", "lookup", "RMI export 2026-08-22", "2026-08-22"),
    ("exports-2026-08-22/CONFORMANT.xml", "conformant", "RMI conformant list 2026-08-22",
     "2026-08-22"),
    ("exports-2026-08-22/ACTIVE.xml", "active", "RMI active list 2026-08-22", "2026-08-22"),
    ("exports-2026-08-22/REVISIONS.xml", "revisions", "RMI revisions 2026-08-22", "2026-08-22"),
]


@pytest.mark.parametrize(("name", "kind", "label", "list_date"), EXPECTED)
def test_each_file_is_recognised_by_content(rmi_dir: Path, name: str, kind: str, label: str,
                                            list_date: str) -> None:
    data = read_source(rmi_dir / name)
    assert (data.kind, data.label, data.list_date) == (kind, label, list_date)
    assert len(data.rows) > 0
    assert set(data.rows["metal"]) <= {"Gold", "Tantalum", "Tin", "Tungsten"}


def test_lookup_rows_have_the_standard_shape(rmi_dir: Path) -> None:
    rows = read_source(rmi_dir / "exports-2026-08-22" / "CMRT.xml").rows
    assert list(rows.columns) == LOOKUP_COLUMNS
    assert rows["cid"].str.match(r"^CID\d{6}$").all()
    assert len(rows) >= 600 and rows["cid"].nunique() == 347


def test_revision_successors_are_parsed(rmi_dir: Path) -> None:
    rows = read_source(rmi_dir / "exports-2026-08-22" / "REVISIONS.xml").rows
    assert list(rows.columns) == REVISION_COLUMNS
    refs = rows[rows["referenced_cids"] != ""]
    assert len(refs) > 10
    assert all(c not in r.split(";") for c, r in zip(refs["cid"], refs["referenced_cids"]))


def test_folders_are_searched_recursively(tmp_path: Path, rmi_dir: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "CMRT.xml").write_bytes(
        (rmi_dir / "exports-2026-08-22" / "CMRT.xml").read_bytes())
    (tmp_path / "a" / "notes.txt").write_text("not a reference")
    assert expand_paths([tmp_path]) == [tmp_path / "a" / "b" / "CMRT.xml"]
    with pytest.raises(ReferenceLoadError, match="not found"):
        expand_paths([tmp_path / "missing"])


def _workbook_without_lookup(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Declaration"
    ws.append(["Company name", "Acme"])
    ws.append(["Metal", "Smelter name", "Country"])
    ws.append(["Gold", "Some Refinery", "JAPAN"])
    wb.save(path)
    return path


def _zip_with_text(path: Path) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "not a workbook")
    return path


BAD_FILES = {
    "text_renamed_xlsx": ("notes.xlsx", lambda p: p.write_text("just some notes\nline two\n")),
    "empty": ("empty.xlsx", lambda p: p.write_bytes(b"")),
    "encrypted": ("locked.xlsx", encrypted_ooxml),
    "no_lookup_tab": ("plain.xlsx", _workbook_without_lookup),
    "xml_not_spreadsheetml": ("data.xml",
                              lambda p: p.write_text('<?xml version="1.0"?><root><a>1</a></root>')),
    "xml_broken": ("broken.xml", lambda p: p.write_text('<?xml version="1.0"?><Workbook><Work')),
    "csv_wrong_columns": ("list.csv", lambda p: p.write_text("Company,Product\nAcme,Widget\n")),
    "zip_not_workbook": ("archive.xlsx", lambda p: _zip_with_text(p)),
}


@pytest.fixture(params=sorted(BAD_FILES))
def bad_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    name, make = BAD_FILES[request.param]
    folder = tmp_path / "bad"
    folder.mkdir()
    path = folder / name
    make(path)
    return path


def test_bad_file_raises_one_line_error(bad_file: Path) -> None:
    with pytest.raises(ReferenceLoadError) as info:
        load_reference(bad_file)
    message = str(info.value)
    assert "\n" not in message
    assert bad_file.name in message


def test_bad_file_cli_exit_2(bad_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["reference", "info", "--reference", str(bad_file)]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1, captured.err
    assert err[0].startswith("smelter-match: error: ")
    assert bad_file.name in err[0]
    assert captured.out == ""




@pytest.mark.parametrize(("text", "iso"), [
    ("2026-08-04", "2026-08-04"), ("2026-08-04 00:00:00", "2026-08-04"),
    ("08/04/2026", "2026-08-04"), ("8/4/2019", "2019-08-04"), ("13/04/2026", "13/04/2026"),
    ("", "")])
def test_dates_as_rmi_styles_them_read_as_iso(text: str, iso: str) -> None:
    assert iso_date(text) == iso


def test_a_revision_log_saved_as_csv_with_us_dates_orders_by_date(tmp_path: Path) -> None:
    # RMI styles the export's dates MM/dd/yyyy; Excel's CSV keeps that text. Ordered as text,
    # "02/02/2026" (re-added) came before "10/15/2019" (removed): the facility read as removed.
    log = tmp_path / "revisions-2026-08-22.csv"
    log.write_text(
        "Metal,Smelter ID,Standard Smelter Name,Country,Basis for Revision,Details,"
        "Revision Date,Smelter Added Date\n"
        "Tin,CID000313,PT Premium Tin Indonesia,INDONESIA,Removed,No longer operating,"
        "10/15/2019,01/01/2013\n"
        "Tin,CID000313,PT Premium Tin Indonesia,INDONESIA,Added,Returned to operations,"
        "02/02/2026,01/01/2013\n", encoding="utf-8")
    revs = read_source(log).rows
    assert revs["revision_date"].tolist() == ["2019-10-15", "2026-02-02"]
    assert revs["added_date"].tolist() == ["2013-01-01", "2013-01-01"]
