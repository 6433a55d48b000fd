"""The column names a plain supplier table is read by, per role (name, metal, country, CID).

Kept apart from :mod:`smelter_match.io.inputs` so that reading them costs no pandas import: the
command line shows them in ``match --help``.
"""

from __future__ import annotations

import re

from smelter_match._resources import data_csv

__all__ = ["COLUMN_SYNONYMS", "ROLES", "header_text_key", "names_a_name_column"]

#: The roles a column can play, in the order they are listed.
ROLES = ("name", "metal", "country", "cid")


def _column_synonyms() -> dict[str, tuple[str, ...]]:
    rows = data_csv("vocab", "column_synonyms.csv")
    return {role: tuple(r["column"] for r in rows if r["role"] == role) for role in ROLES}


#: Column names recognised for each role, in order of preference (compared by ``header_key``;
#: from ``reference_data/vocab/column_synonyms.csv``).
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = _column_synonyms()

_HEADER_MARKER_RE = re.compile(r"\(\s*[*\d]+\s*\)")


def header_text_key(text: str) -> str:
    """A header as compared: markers "(*)"/"(1)" dropped, case folded, only letters and digits
    (:func:`smelter_match.io.tables.header_key` reads any cell this way)."""
    s = _HEADER_MARKER_RE.sub("", text)
    return "".join(ch for ch in s.casefold() if ch.isalnum())


_NAME_KEYS = frozenset(header_text_key(c) for c in COLUMN_SYNONYMS["name"])


def names_a_name_column(cells: list[str]) -> bool:
    """Whether a row of cells holds a header the name column is recognised by."""
    return any(header_text_key(c) in _NAME_KEYS for c in cells)
