"""CSV text (``smelter_match.io.csv_text``): encodings told from the bytes, mixed ones refused,
records read with the delimiter found, a quote never closed refused. Files through
``read_table``: tests/test_inputs.py."""

from __future__ import annotations

import codecs
import warnings

import pytest

from smelter_match.errors import InputError, InputWarning
from smelter_match.io.csv_text import csv_records, decode_text, sniff_delimiter


@pytest.mark.parametrize("text", ["Smelter Name;Metal\r\nMétaux SA;Gold\r\n",
                                  "Smelter Name,Metal\r\n江西铜业股份有限公司,Tin\r\n"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_unicode_text_is_read_with_or_without_its_mark(text: str, encoding: str) -> None:
    assert decode_text(text.encode(encoding), "in.csv") == text


def test_code_pages_are_told_from_the_text_and_mixed_encodings_refused() -> None:
    western = "Smelter Name\r\nKöhler & Söhne\r\nMétaux SA\r\n"
    assert decode_text(western.encode("cp1252"), "in.csv") == western
    cyrillic = ("Smelter Name;Country\r\nАО Уралэлектромедь;Россия\r\n"
                "ОАО Красцветмет;Россия\r\n")
    assert decode_text(cyrillic.encode("cp1251"), "in.csv") == cyrillic
    with pytest.raises(InputError, match="marked as UTF-8 text"):
        decode_text(codecs.BOM_UTF8 + western.encode("cp1252"), "in.csv")
    with pytest.raises(InputError, match="binary file"):
        decode_text(b"\x00\x01\x02\x03" * 50, "in.csv")


def test_records_with_the_delimiter_found_or_named() -> None:
    assert csv_records("a;b\r\n1;2\r\n", "x") == [["a", "b"], ["1", "2"]]
    assert csv_records("sep=,\r\na;b,c\r\n", "x") == [["a;b", "c"]]
    assert sniff_delimiter("name\tmetal\nFoo, Inc.\tGold\n") == "\t"
    with pytest.raises(InputError, match="never closed"):
        csv_records('a,b,c\r\n"x,1,2\r\ny,3,4\r\n', "x")


def test_a_nul_byte_is_refused_saying_on_which_line() -> None:
    """A list with one NUL byte was refused whole as "binary file" without saying where
    (found by an audit of batch runs): the line of the first is said, with how many there are;
    Windows', Unix's and old Macs' line ends count alike."""
    for end in ("\r\n", "\n", "\r"):
        text = end.join(["Smelter Name,Metal", "Minsur,Tin", "Aurubis AG,Copper\x00", "Foo,Gold"])
        with pytest.raises(InputError) as caught:
            decode_text(text.encode(), "in.csv")
        assert str(caught.value) == ("in.csv: binary file, not a CSV text file (a NUL byte, "
                                     "0x00, on line 3)")
    with pytest.raises(InputError, match=r"\(3 NUL bytes, 0x00, the first on line 2\)$"):
        decode_text(b"Smelter Name\nFoo\x00\x00\nBar\x00\n", "in.csv")


@pytest.mark.parametrize(("text", "encoding", "words"), [
    ("Smelter Name;Metal\r\nKovohutě Příbram nástupnická, a.s.;Tin\r\n", "cp1250",
     "'Kovohutì' holds"),
    ("Smelter Name,Metal\nKGHM Polska Miedź Spółka Akcyjna,Silver\n", "cp1250",
     "'MiedŸ', 'Spó³ka' hold"),
    ("Smelter Name;Metal\r\nNadir Metal Rafineri San. Ve Tic. A.Ş.;Gold\r\n", "cp1254",
     "'A.Þ.' holds"),
    ("Smelter Name,Metal\nİstanbul Altın Rafinerisi,Gold\n", "cp1254", "'Altýn', 'Ýstanbul' hold"),
])
def test_central_european_or_turkish_text_read_as_western_is_said(text: str, encoding: str,
                                                                  words: str) -> None:
    """Windows' Central European (1250) and Turkish (1254) code pages share most bytes with
    Western (1252) and no detector tells them apart in a few names (charset-normalizer reads
    "Peñoles" as cp1250's "Peńoles"): read as cp1252 as before, "Kovohutě" was "Kovohutì"
    without a word. Letters rare in Western names are named in a note; Western text says
    nothing."""
    with pytest.warns(InputWarning, match=f"^in.csv: not UTF-8, read as Western European text "
                                          f"\\(Windows-1252\\), but {words} letters rare in it"):
        decode_text(text.encode(encoding), "in.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputWarning)
        for western in ("Smelter Name\r\nKöhler & Söhne\r\nMétaux – “Cendres”\r\n",
                        "Name,Metal\nMet-Mex Peñoles S.A.,Gold\nSÃO JOÃO Metais,Tin\n"
                        "Operações Metalúrgicas,Tin\nHydro Ålesund,Gold\nFjørde Crème,Gold\n"):
            assert decode_text(western.encode("cp1252"), "in.csv") == western
