"""Tests for smelter_match.io.safe_csv: CSV-injection neutralising and the Excel-friendly writer."""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smelter_match.io.safe_csv import FORMULA_PREFIXES, neutralise, read_safe_csv, write_csv


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("-5", "'-5"),  # bare negative numbers too, by design
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Asahi Pretec Corp.", "Asahi Pretec Corp."),
        ("a=b", "a=b"),
        ("", ""),
        ("'already quoted", "'already quoted"),
    ],
)
def test_neutralise(value: str, expected: str) -> None:
    assert neutralise(value) == expected


@pytest.mark.parametrize("value", [None, 5, -5, -1.5, True])
def test_neutralise_leaves_non_strings(value: object) -> None:
    assert neutralise(value) is value


@given(st.text())
def test_neutralise_property(value: str) -> None:
    out = neutralise(value)
    assert not out.startswith(FORMULA_PREFIXES)
    assert out in (value, "'" + value)


def test_write_csv_round_trip_with_bom(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "reported_name": ["江西铜业股份有限公司", "Cendres + Métaux SA", "=cmd()", "-5", None],
            "country": ["CHINA", "SWITZERLAND", "РОССИЯ", "", "JAPAN"],
            "score": [0.9, 1.0, -0.5, 0.0, float("nan")],
            "count": [1, -2, 3, 4, 5],
        }
    )
    path = tmp_path / "out.csv"
    write_csv(df, path)
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    assert b"\r\n" not in raw
    back = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back["reported_name"].tolist() == [
        "江西铜业股份有限公司",
        "Cendres + Métaux SA",
        "'=cmd()",
        "'-5",
        "",
    ]
    assert back["country"].tolist() == ["CHINA", "SWITZERLAND", "РОССИЯ", "", "JAPAN"]
    # numeric columns stay numbers, never prefixed
    assert back["score"].tolist() == ["0.9", "1.0", "-0.5", "0.0", ""]
    assert back["count"].tolist() == ["1", "-2", "3", "4", "5"]
    assert df["reported_name"][2] == "=cmd()"  # input frame untouched


def test_write_csv_neutralises_headers_and_is_deterministic(tmp_path: Path) -> None:
    df = pd.DataFrame({"=evil": ["@x", "a,b", 'say "hi"', "line\nbreak"]}, index=[7, 3, 5, 1])
    write_csv(df, tmp_path / "a.csv")
    write_csv(df.copy(), tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    text = (tmp_path / "a.csv").read_text(encoding="utf-8-sig")
    assert text == '\'=evil\n\'@x\n"a,b"\n"say ""hi"""\n"line\nbreak"\n'


def test_a_carriage_return_inside_a_cell_cannot_start_a_row(tmp_path: Path) -> None:
    """The csv module does not quote a cell for a carriage return when rows end with a line
    feed, and Excel ends the row there: "Metalor\\r=2+3" would put a live formula in a row of
    its own. A carriage return is written as a line feed, inside the quoted cell."""
    df = pd.DataFrame({"name": ["Metalor\r=2+3", "A\r\nB", "\r=1+1"], "n": [1, 2, 3]})
    write_csv(df, tmp_path / "a.csv")
    raw = (tmp_path / "a.csv").read_bytes().decode("utf-8-sig")
    assert "\r" not in raw
    assert raw == 'name,n\n"Metalor\n\'=2+3",1\n"A\nB",2\n"\n\'=1+1",3\n'
    back = read_safe_csv(tmp_path / "a.csv", strip=False)
    # a leading carriage return comes back as the line feed it was written as (it came back
    # as "'\n", the apostrophe of the carriage return it no longer was)
    assert back["name"].tolist() == ["Metalor\n=2+3", "A\nB", "\n=1+1"]
    assert len(back) == 3


def test_write_csv_to_a_stream_has_no_bom() -> None:
    import io

    buf = io.StringIO()
    write_csv(pd.DataFrame({"name": ["=1+1", "Aida"], "score": [0.5, 1.0]}), buf)
    assert buf.getvalue() == "name,score\n'=1+1,0.5\nAida,1.0\n"


def test_a_write_error_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk raises OSError without a file name from inside pandas; the CLI's one-line
    error then says which output could not be written."""
    def full(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    with pytest.raises(OSError, match="No space left") as exc:
        write_csv(pd.DataFrame({"a": [1]}), tmp_path / "out.csv")
    assert exc.value.filename == str(tmp_path / "out.csv")


def test_text_after_a_semicolon_cannot_start_a_formula(tmp_path: Path) -> None:
    """Excel set to a ";" list separator (European locales) splits every line at ";", quoted or
    not: the text after one is a cell of its own, so it is neutralised like a cell's start."""
    names = ["Foo Refining;=cmd|' /C calc'!A0;", 'A; "+1', "Tin; Tungsten", "a;-b"]
    write_csv(pd.DataFrame({"name": names}), tmp_path / "a.csv")
    raw = (tmp_path / "a.csv").read_text(encoding="utf-8-sig")
    for line in raw.splitlines()[1:]:
        for part in line.split(";")[1:]:
            assert not part.lstrip(' "').startswith(FORMULA_PREFIXES), line
    assert "Tin; Tungsten" in raw
    assert read_safe_csv(tmp_path / "a.csv")["name"].tolist() == [n.strip() for n in names]


def test_text_after_a_line_break_in_a_cell_cannot_start_a_formula(tmp_path: Path) -> None:
    """Read by Excel set to a ";" list separator, a quote that does not open its cell is text,
    so a line break inside a quoted cell ends the row and the text after it starts a cell
    ("Kemet Blue Powder\\n=cmd|..."): neutralised like a cell's start (found by an audit), and
    read back as written."""
    names = ["Kemet Blue Powder\n=cmd|' /C calc'!A0;x", "Foo\r\n+1", 'a\n "@b', "two\nlines"]
    write_csv(pd.DataFrame({"name": names, "metal": ["Tin"] * 4}), tmp_path / "a.csv")
    raw = (tmp_path / "a.csv").read_text(encoding="utf-8-sig")
    for line in raw.split("\n")[1:]:
        for part in line.split(";"):
            assert not part.lstrip(' "').startswith(FORMULA_PREFIXES), line
    assert "two\nlines" in raw
    back = read_safe_csv(tmp_path / "a.csv", strip=False)["name"].tolist()
    assert back == [n.replace("\r\n", "\n") for n in names]


def test_an_interrupted_write_leaves_the_old_file_whole(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while writing results cut them short, in place: a file that reads as whole, or,
    for review apply writing over its results, the results lost (found by an audit). The new
    file replaces the old one only once written; nothing else is left beside it."""
    path = tmp_path / "results.csv"
    write_csv(pd.DataFrame({"name": ["old"] * 3}), path)
    path.chmod(0o640)
    before = path.read_bytes()

    def cut_short(self, target, **kw):  # noqa: ANN001, ANN202
        Path(target).write_text("name\npart")
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(pd.DataFrame, "to_csv", cut_short)
        with pytest.raises(KeyboardInterrupt):
            write_csv(pd.DataFrame({"name": ["new"] * 9}), path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["results.csv"]
    write_csv(pd.DataFrame({"name": ["new"]}), path)
    assert read_safe_csv(path)["name"].tolist() == ["new"] and path.stat().st_mode & 0o777 == 0o640


def test_a_link_is_written_through_and_a_device_as_it_is(tmp_path: Path) -> None:
    """Writing whole must not replace a link by a file (a results file linked into a shared
    folder), nor try to replace /dev/stdout."""
    (tmp_path / "shared").mkdir()
    real = tmp_path / "shared" / "results.csv"
    link = tmp_path / "results.csv"
    link.symlink_to(real)
    write_csv(pd.DataFrame({"name": ["x"]}), link)
    assert link.is_symlink() and read_safe_csv(real)["name"].tolist() == ["x"]
    write_csv(pd.DataFrame({"name": ["x"]}), "/dev/null")


def test_a_hard_linked_file_is_written_in_place_and_a_home_path_expanded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Replacing a file with other hard links would split them; "~/r.csv" failed after the work
    (the temp file's folder was not expanded; found by a review)."""
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    write_csv(pd.DataFrame({"name": ["old"]}), one)
    two.hardlink_to(one)
    write_csv(pd.DataFrame({"name": ["new"]}), one)
    assert read_safe_csv(two)["name"].tolist() == ["new"]
    monkeypatch.setenv("HOME", str(tmp_path))
    write_csv(pd.DataFrame({"name": ["x"]}), "~/home.csv")
    assert (tmp_path / "home.csv").is_file()
