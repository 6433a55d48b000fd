"""Excel-safe CSV output.

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

import csv
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "neutralise", "write_csv"]

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
    return neutralise(value) if isinstance(value, str) else value


def write_csv(df: pd.DataFrame, path: str | Path) -> None:
    """Write ``df`` to ``path`` as an Excel-safe CSV.

    UTF-8 with BOM, comma-separated, ``\\n`` line endings, minimal quoting, no index; missing
    values are written as empty cells. Every text cell, and every column name, is passed through
    :func:`neutralise`. The output depends only on ``df``, so equal frames give identical bytes.
    """
    out = df.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(_neutralise_cell)
    out.columns = [_neutralise_cell(str(c)) for c in out.columns]
    out.to_csv(
        Path(path),
        index=False,
        encoding="utf-8-sig",
        lineterminator="\n",
        quoting=csv.QUOTE_MINIMAL,
        na_rep="",
    )
