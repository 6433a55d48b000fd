"""CSV text: decoding a text file's bytes and reading its records.

:func:`decode_text` tells the encoding (UTF-16 and UTF-8 by their marks, UTF-8 by its bytes,
code pages of other scripts by charset-normalizer, else cp1252, with a note when its words
look Central European or Turkish) and refuses files that mix encodings; :func:`csv_records`
reads the records with the delimiter Excel's "sep=" line names or :func:`sniff_delimiter`
finds, and refuses a quote never closed. Files are read by
:func:`smelter_match.io.tables.read_csv_rows`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from smelter_match.errors import InputError, InputWarning
from smelter_match.io.columns import names_a_name_column

__all__ = ["csv_records", "decode_text", "sniff_delimiter"]

#: Legacy code pages of Chinese, Japanese and Korean Windows (what Excel's "CSV" writes there).
_EAST_ASIAN = ("gb18030", "big5", "cp932", "euc_jp", "cp949")
#: Windows' and DOS's one-byte code pages of other scripts, as Excel's "CSV" on Cyrillic, Greek,
#: Hebrew, Arabic or Thai Windows writes them (read as cp1252, their names would be garbled:
#: "ÀÎ Óðàëýëåêòðîìåäü" for "АО Уралэлектромедь").
_OTHER_SCRIPTS = ("cp1251", "koi8_r", "cp866", "cp1253", "cp1255", "cp1256", "cp874")
#: How much less garbled (charset-normalizer's "chaos") the best reading must be than any other
#: to be taken: a text of a few characters reads about as well in two code pages, and a guess
#: garbles it as silently as cp1252 would.
_CLEARLY = 0.05
#: The words (between blanks, delimiters and quotes) that hold non-ASCII bytes.
_WORD = re.compile(rb"[^\s,;\t\"']*[\x80-\xff][^\s,;\t\"']*")


#: What Windows-1252 reads of the letters of Central European (1250) and Turkish (1254) code
#: pages where they differ, and are rare in Western names ("ì" for "ě", "Þ" for "Ş", "ý" for
#: "ı"; not "ø", "è", "ñ", "õ"...): letters, and signs next to a letter ("Spó³ka" for
#: "Spółka"), as are control characters (latin-1's reading of bytes Windows-1252 leaves
#: undefined: "Ť"). A word holding one.
_RARE_LETTERS = "ÌìÒòÙùÏïÐðÞþÝýŸŒœ"
_RARE_SIGNS = "£¥¹³¾¼ªº¿\x80-\x9f"
_RARE_IN_WORD = re.compile(rf"[^\s,;\t\"']*(?:[{_RARE_LETTERS}]|(?<=[^\W\d_])[{_RARE_SIGNS}]|"
                           rf"[{_RARE_SIGNS}](?=[^\W\d_]))[^\s,;\t\"']*")
#: A UTF-8 letter of Latin-1's upper half ("Ö" is C3 96): in a cp1252 text, "Ã–" is hardly ever
#: written.
_UTF8_LATIN = re.compile(rb"[\xc2\xc3][\x80-\xbf]")
#: A well-formed UTF-8 character of two to four bytes.
_UTF8_CHAR = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|"
                        rb"[\xf0-\xf4][\x80-\xbf]{3}")


def decode_text(raw: bytes, where: str | Path) -> str:
    """Decode a text file: UTF-16 (BOM), UTF-8 (BOM or not), else the code page of a script
    other than Latin when the text is written in one, else cp1252, else latin-1.

    In a Western file the words with non-ASCII bytes have few of them ("Métaux", "Ürün"); in
    GBK, Big5, Shift-JIS or EUC-KR most of their bytes are (two per character), as in Cyrillic,
    Greek, Hebrew, Arabic or Thai one-byte code pages (one per letter). Only then is the code
    page detected (charset-normalizer, among those code pages): read as cp1252, such a file's
    names would be silently garbled. A short text may read about as well in two code pages
    (four bytes are two Chinese or two Korean characters): refused, with a hint, rather than
    guessed; so is such a text no code page reads. A file that mixes encodings, as when lines
    from two files were pasted together, is refused, since any one reading garbles part: mostly
    UTF-8 (twice as many of its non-ASCII bytes make UTF-8 characters as do not) but not all of
    it; UTF-8's mark (a BOM) at its start and other bytes after; or another encoding with
    UTF-8's accented letters in it (two or more: "Ã–gussa"). Central European and Turkish code
    pages share most bytes with cp1252, and no detector tells them apart in a few names: a text
    read as cp1252 whose words hold letters rare in Western names (cp1252's reading of "ě",
    "ł", "Ş", "ı") is read so, with an :class:`InputWarning` naming those words."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{where}: invalid UTF-16 text ({exc.reason})") from None
    if b"\x00" in raw:
        # UTF-16 without its byte-order mark (written by a tool other than Excel): text of
        # Latin letters has a NUL in every other byte, on one side only
        odd, even = raw[1::2].count(0), raw[0::2].count(0)
        half = len(raw) // 2 or 1
        for nuls, other, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
            if nuls >= 0.3 * half and other <= 0.01 * half and len(raw) % 2 == 0:
                try:
                    text = raw.decode(codec)
                except UnicodeDecodeError:
                    break
                if sum(c.isprintable() or c in "\r\n\t" for c in text) >= 0.99 * len(text):
                    return text
                break
        raise _nul_error(raw, where)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:   # (its offsets count from after a BOM)
        bad = exc.start + (len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0)

    def mixed(how: str) -> InputError:
        line = raw.count(b"\n", 0, bad) + 1
        return InputError(f"{where}: {how} (line {line}, byte 0x{raw[bad]:02X}): it mixes "
                          "encodings; save it as 'CSV UTF-8' and read it again")

    if raw.startswith(codecs.BOM_UTF8):
        raise mixed("marked as UTF-8 text (a BOM), but not all of it is")
    words = _WORD.findall(raw)
    per_word = [sum(ch >= 0x80 for ch in w) for w in words]
    # two characters at least in one word, and two thirds of those words' bytes non-ASCII
    other_script = max(per_word, default=0) >= 4 and 3 * sum(per_word) >= 2 * sum(
        map(len, words))
    if other_script:
        import charset_normalizer  # only for such files: its import costs start-up time

        fits = list(charset_normalizer.from_bytes(
            raw, cp_isolation=[*_EAST_ASIAN, *_OTHER_SCRIPTS]))
        if fits:
            least = min(m.chaos for m in fits)
            close = sorted(m.encoding for m in fits if m.chaos < least + _CLEARLY)
            if len(close) == 1:
                return str(next(m for m in fits if m.chaos == least))
            raise InputError(
                f"{where}: not UTF-8, and its text in another script than Latin reads about "
                f"as well in {' and '.join(close)}: save the file as 'CSV UTF-8' (or as a "
                "workbook) and read it again")
    high = sum(b >= 0x80 for b in raw)   # (no code page fits:) mostly UTF-8, but not all?
    utf8 = sum(map(len, _UTF8_CHAR.findall(raw)))
    if utf8 >= 2 and utf8 >= 2 * (high - utf8):
        raise mixed("mostly UTF-8 text, but not all of it")
    if len(_UTF8_LATIN.findall(raw)) >= 2:
        raise mixed("UTF-8's accented letters in text of another encoding")
    if other_script:
        raise InputError(f"{where}: not UTF-8, and no code page reads its text in another "
                         "script than Latin: save the file as 'CSV UTF-8' (or as a workbook) "
                         "and read it again")
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    if rare := sorted({m.group() for m in _RARE_IN_WORD.finditer(text)}):
        shown = ", ".join(repr(w) for w in rare[:3]) + (" ..." if len(rare) > 3 else "")
        warnings.warn(f"{where}: not UTF-8, read as Western European text (Windows-1252), but "
                      f"{shown} hold{'s' if len(rare) == 1 else ''} letters rare in it: if the "
                      "file was saved in a Central European or Turkish code page, its names are "
                      "misread (\"Kovohutě\" as \"Kovohutì\", \"Şti\" as \"Þti\"); save it as "
                      "'CSV UTF-8' and read it again", InputWarning, stacklevel=2)
    return text


def _nul_error(raw: bytes, where: str | Path) -> InputError:
    """Why a file with NUL bytes (not UTF-16) is no CSV text, saying where the first is: a list
    with one (a damaged row, a byte pasted in) was refused whole as "binary" without a word of
    where to look; a binary file has many, the first on line 1 most often."""
    first = raw.index(b"\x00")
    line = raw[:first].replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1
    n = raw.count(b"\x00")
    what = f"a NUL byte, 0x00, on line {line}" if n == 1 else \
        f"{n:,} NUL bytes, 0x00, the first on line {line}"
    return InputError(f"{where}: binary file, not a CSV text file ({what})")


@contextmanager
def _no_field_limit() -> Iterator[None]:
    """Let the csv module read cells of any size (its default limit is 128 KB)."""
    old = csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def sniff_delimiter(text: str) -> str:
    """Pick comma, semicolon or tab: the most consistent, widest split of the first lines.

    When none of them splits the header line, the file has a single column and every line is one
    value (a name such as "Foo, Inc." is not split): the ASCII unit separator is returned. The
    header line is the first, unless it names no name column and one of the next ten does (a
    title above the list).
    """
    lines = [ln for ln in text.splitlines()[:60] if ln.strip()]
    # a title above the header ("Acme Inc. smelter list 2024"): sniffed from the header
    split = [[ln.split(d) for d in (",", ";", "\t")] for ln in lines[:11]]
    if split and not any(names_a_name_column(f) for f in split[0]):
        lines = lines[next((k for k, s in enumerate(split) if any(
            names_a_name_column(f) for f in s)), 0):]
    lines = lines[:50]
    best, best_score = "\x1f", (0.0, 1)
    with _no_field_limit():
        for delim in (",", ";", "\t"):
            try:
                parsed = list(csv.reader(lines, delimiter=delim))
            except csv.Error:
                continue
            widths = [len(r) for r in parsed if r]
            if not widths or widths[0] < 2:
                continue
            consistent = sum(w == widths[0] for w in widths) / len(widths)
            score = (round(consistent, 1), widths[0])
            if score > best_score:
                best, best_score = delim, score
    return best


_SEP_LINE = re.compile(r"\A\ufeff?sep=(.)[ \t]*(?:\r\n|\r|\n)", re.IGNORECASE)


def csv_records(text: str, where: str | Path) -> list[list[str]]:
    """The records of a CSV text as lists of text (the delimiter named by a "sep=" first line,
    else sniffed).

    Raises:
        InputError: a quote never closed (every line after it would be one cell), or text that
            is no CSV at all.
    """
    hint = _SEP_LINE.match(text)
    if hint:   # Excel's "sep=;" first line names the delimiter; Excel shows it as no row
        text, delim = text[hint.end():], hint.group(1)
    else:
        delim = sniff_delimiter(text)
    rows: list[list[str]] = []
    try:
        with _no_field_limit():
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
            # a quote never closed swallows every line after it into one cell: the rows would
            # be lost without a word (a cell over several lines at the end is checked strictly)
            if rows and any("\n" in cell or "\r" in cell for cell in rows[-1]):
                list(csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True))
    except csv.Error as exc:
        if "end of data" in str(exc):
            raise InputError(f"{where}: a quote in record {len(rows)} is never closed, so every "
                             "line after it would be one cell; fix the quote") from None
        if not rows:
            raise InputError(f"{where}: malformed CSV ({exc})") from None
        # else a lenient reading of other quirks ('"Foo" Inc' reads as 'Foo Inc')
    return rows
