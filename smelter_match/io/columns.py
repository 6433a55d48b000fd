"""The column names a plain supplier table is read by, per role (name, metal, country, CID).

Kept apart from :mod:`smelter_match.io.inputs` so that reading them costs no pandas import: the
command line shows them in ``match --help``.
"""

from __future__ import annotations

from smelter_match._resources import data_csv

__all__ = ["COLUMN_SYNONYMS", "ROLES"]

#: The roles a column can play, in the order they are listed.
ROLES = ("name", "metal", "country", "cid")


def _column_synonyms() -> dict[str, tuple[str, ...]]:
    rows = data_csv("vocab", "column_synonyms.csv")
    return {role: tuple(r["column"] for r in rows if r["role"] == role) for role in ROLES}


#: Column names recognised for each role, in order of preference (compared by ``header_key``;
#: from ``reference_data/vocab/column_synonyms.csv``).
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = _column_synonyms()
