"""CSV text (``smelter_match.io.csv_text``): encodings told from the bytes, mixed ones refused,
records read with the delimiter found, a quote never closed refused. Files through
``read_table``: tests/test_inputs.py."""

from __future__ import annotations

import codecs

import pytest

from smelter_match.errors import InputError
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
