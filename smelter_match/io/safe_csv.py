"""Excel-safe CSV files: writing them, and reading back what an analyst saved from Excel.

Results are opened by analysts in Excel, and they contain text that came from suppliers. A cell
starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is run as a formula by
Excel and other spreadsheet programs ("CSV injection", OWASP). :func:`neutralise` defuses such a
cell the way OWASP recommends, by prefixing an apostrophe, which spreadsheets show as text.

The rule is applied to every text cell without exception: a text cell holding a bare negative
number such as ``"-5"`` is written as ``'-5`` too. That costs nothing in this project (names, IDs
and countries are never negative numbers) and keeps the rule simple enough to audit. Numeric
columns (int/float dtypes) are written as numbers and are never prefixed.

:func:`write_csv` writes UTF-8 with a byte-order mark (``utf-8-sig``) so that Excel detects the
encoding and shows non-Latin names (Chinese, Cyrillic, accented Latin) correctly.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from smelter_match.errors import InputError
from smelter_match.io.tables import read_csv_rows

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMULA_PREFIXES", "neutralise", "read_safe_csv", "refuse_duplicate_columns",
           "replaced_whole", "sheet_lines", "text_frame", "unneutralise", "write_csv"]

#: First characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

T = TypeVar("T")


def neutralise(value: T) -> T | str:
    """Return ``value`` with a leading apostrophe if it is text that a spreadsheet would execute.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a ``'`` prefix
    (so ``"-5"`` becomes ``"'-5"``); any other value, including non-strings, is returned unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _neutralise_cell(value: Any) -> Any:
    """:func:`neutralise` (also of the text after each ``;`` or line break, see
    :data:`_AFTER_BREAK`),
    and a carriage return inside the text written as a line feed: the
    csv module quotes a cell for the line feed it ends rows with, not for a carriage return,
    which Excel reads as the end of the row (the rest of the cell would start a row of its own,
    formula prefixes unchecked). Excel itself keeps a line break inside a cell as a line feed."""
    if not isinstance(value, str):
        return value
    if "\r" in value:   # (first: a leading one, a line feed now, needs no apostrophe)
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = neutralise(value)
    if ";" in value or "\n" in value:
        value = _AFTER_BREAK.sub(r"\1\2'", value)
    return value


#: A formula prefix right after a semicolon or a line break (spaces or a quote between): Excel
#: set to a ``;`` list separator (German, French, Dutch ... locales) splits a line at every
#: ``;``, quoted or not, so the text after one starts a cell of its own ("Foo;=cmd|' /C
#: calc'!A0"), and a quote that does not open its cell there is text, so a line break inside a
#: quoted cell ends the row and the text after it starts one ("Foo\n=cmd|...").
_AFTER_BREAK = re.compile(r'([;\n])([ \t"]*)(?=[=+\-@])')


def write_csv(df: pd.DataFrame, path: str | Path | TextIO) -> None:
    """Write ``df`` to ``path`` as an Excel-safe CSV.

    UTF-8 with BOM, comma-separated, ``\\n`` line endings, minimal quoting, no index; missing
    values are written as empty cells. Every text cell, and every column name, is passed through
    :func:`neutralise`; a carriage return inside one is written as a line feed (quoted). The
    output depends only on ``df``, so equal frames give identical bytes. ``path`` may also be
    an open text stream (e.g. ``sys.stdout``): the same CSV without the BOM, which belongs to
    files, not to pipes.
    """
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(_neutralise_cell)
    out.columns = [_neutralise_cell(str(c)) for c in out.columns]
    stream = hasattr(path, "write")
    try:
        with contextlib.nullcontext(path) if stream else replaced_whole(path) as target:
            out.to_csv(
                target,  # type: ignore[arg-type]
                index=False,
                encoding=None if stream else "utf-8-sig",
                lineterminator="\n",
                quoting=csv.QUOTE_MINIMAL,
                na_rep="",
            )
    except OSError as exc:   # a full disk says which file it could not write (not the temp)
        if stream or exc.errno is None:
            raise
        raise OSError(exc.errno, exc.strerror, str(path)) from None


@contextlib.contextmanager
def replaced_whole(path: str | Path) -> Iterator[Path]:
    """A temporary file beside ``path`` to write; when the block ends without an error it
    replaces ``path`` at once (an interrupted or failed write leaves the old file, or none,
    never one cut short that reads as whole), with the old file's permissions or the usual
    ones (and owner, where allowed). A link is followed (the file it names is replaced, not the
    link); a device, a pipe (``/dev/stdout``) or a file with other hard links is written as it
    is."""
    path = Path(os.path.realpath(os.path.expanduser(path)))
    if path.exists() and (not path.is_file() or path.stat().st_nlink > 1):
        yield path
        return
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if path.exists():
            shutil.copymode(path, tmp)
            st = path.stat()
            with contextlib.suppress(OSError):   # (only root may give a file away)
                os.chown(tmp, st.st_uid, st.st_gid)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _umask() -> int:
    """The process's umask, read without changing it (Linux); else the usual 022."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    return 0o022


def unneutralise(value: str) -> str:
    """Undo :func:`write_csv`'s neutralising: ``'=x`` -> ``=x``, ``a;'=b`` -> ``a;=b``,
    ``a\\n'=b`` -> ``a\\n=b`` (any other text is returned unchanged)."""
    if ";" in value or "\n" in value:
        value = _NEUTRALISED_AFTER_BREAK.sub(r"\1\2", value)
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


_NEUTRALISED_AFTER_BREAK = re.compile(r"([;\n])([ \t\"]*)'(?=[=+\-@])")


def read_safe_csv(path: str | Path, *, what: str = "file", strip: bool = True) -> pd.DataFrame:
    """Read a CSV an analyst may have edited in Excel: every cell as stripped text ("" for blank;
    ``strip=False``: cells as written, for a file whose cells go back out, such as results;
    headers are stripped either way).

    The encoding is UTF-8 (with or without BOM), else cp1252 (Excel's "CSV" on Windows); the
    delimiter is sniffed among comma, semicolon (European Excel) and tab. Cells neutralised by
    :func:`write_csv` (``'=...``) are restored to their text. Blank lines are skipped.

    Raises:
        InputError: the file is missing, unreadable or empty (``what`` names it then).
    """
    p = Path(path)
    return text_frame(read_csv_rows(p), str(p), what, strip)


def text_frame(rows: list[list[str]], where: str, what: str, strip: bool = True) -> pd.DataFrame:
    """The rows of a sheet or CSV as a frame of stripped, un-neutralised text: the first
    non-blank row is the header (trailing blank header cells dropped), blank rows are skipped.
    ``attrs["lines"]`` holds each row's line in the sheet (:func:`sheet_lines`), so that errors
    name the row an analyst sees, also after blank rows.

    Raises:
        InputError: no row has any text (``where``: the file; ``what``: what it is).
    """
    numbered = [(n, r) for n, r in enumerate(rows, start=1) if any(c.strip() for c in r)]
    if not numbered:
        raise InputError(f"{where}: {what} is empty")
    header = list(numbered[0][1])
    while header and not header[-1].strip():
        header.pop()
    width = len(header)
    body = [[unneutralise(c.strip() if strip else c) for c in (r + [""] * (width - len(r)))[:width]]
            for _, r in numbered[1:]]
    import pandas as pd

    frame = pd.DataFrame(body, columns=[unneutralise(h.strip()) for h in header], dtype=object)
    frame.attrs["lines"] = [n for n, _ in numbered[1:]]
    return frame


def sheet_lines(df: pd.DataFrame) -> list[int]:
    """Each row's line in the sheet it was read from (:func:`text_frame`); for a frame made
    otherwise, as if written with a header and no blank rows (2, 3, ...)."""
    lines = df.attrs.get("lines")
    return list(lines) if lines is not None and len(lines) == len(df) else \
        list(range(2, len(df) + 2))


def refuse_duplicate_columns(frame: pd.DataFrame, read: Iterable[str], where: str) -> None:
    """Raise :class:`InputError` when a column the caller reads (``read``) is in ``frame`` twice
    (an analyst copied a column: which of the two holds the answer cannot be told; columns the
    caller does not read may repeat)."""
    counts = Counter(map(str, frame.columns))
    twice = [c for c in dict.fromkeys(read) if counts[c] > 1]
    if twice:
        raise InputError(f"{where}: column {twice[0]!r} appears {counts[twice[0]]} times; keep "
                         "one (which one holds the answer cannot be told)")
