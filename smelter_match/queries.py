"""Reading input rows as queries: what the matcher decides is one distinct (name, metal,
country, reported CID) as read, not a row.

A query holds the name as text, the metal read (one of the four, or "") and the metal as
written, the country as an ISO code, the reported CID in canonical form and, when the
reported-CID cell has digits but is no CID, that cell's text (:func:`read_reported_cid`).
Rows that read alike are one query, decided once (:func:`distinct_queries`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from smelter_match.cids import read_reported_cid
from smelter_match.countries import normalize_country
from smelter_match.io.tables import cell_text
from smelter_match.placeholders import read_metal

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Query", "distinct_queries", "read_query"]

#: (name, metal, metal_text, country_code, reported_cid, the reported CID cell when it is not
#: read as one: read_reported_cid)
Query = tuple[str, str, str, str, str, str]


def _country(v: object) -> str:
    return normalize_country(cell_text(v)) or ""


def read_query(name: object, metal: object, country: object, cid: object) -> Query:
    """One row's cells as the query the matcher decides."""
    return (cell_text(name), *read_metal(metal), _country(country), *read_reported_cid(cid))


def _may_hide_a_bool(v: object) -> bool:
    """A distinct value pandas may have merged a bool with (a bool, or a number equal to 0 or
    1), so that the column is factorised again as text."""
    return isinstance(v, (bool, np.bool_)) or (isinstance(v, (int, float, np.number))
                                               and v in (0, 1))



def distinct_queries(df: pd.DataFrame, name: str, metal: str | None, country: str | None,
                     reported_cid: str | None) -> tuple[list[Query], np.ndarray]:
    """Distinct queries of the frame and, per row, the position of its query.

    Columns are factorised in C (pandas), so Python work is per distinct combination of
    values, not per row.
    """
    import pandas as pd  # (not at start-up: match_one reads its query with read_query)

    n = len(df)
    combined = np.zeros(n, dtype=np.int64)
    columns = []
    for c in (name, metal, country, reported_cid):
        if c is None:
            columns.append((np.zeros(n, dtype=np.int64), np.array([None], dtype=object)))
            continue
        try:
            codes, values = pd.factorize(df[c], use_na_sentinel=False)
        except (TypeError, NotImplementedError):   # unhashable cells (a list, a dict, an
            # Arrow list): read as text, as match_one does
            codes, values = pd.factorize(df[c].map(cell_text), use_na_sentinel=False)
        if df[c].dtype == object and any(map(_may_hide_a_bool, values)):
            # True == 1 == 1.0 to pandas' hashing, but they read "TRUE" and "1"
            codes, values = pd.factorize(df[c].map(cell_text), use_na_sentinel=False)
        columns.append((codes, np.asarray(values, dtype=object)))
        # re-compress after each column so the packed code never overflows
        combined = np.unique(combined * len(values) + codes, return_inverse=True)[1].ravel()
    _, first, inv = np.unique(combined, return_index=True, return_inverse=True)
    queries: list[Query] = []
    pos: dict[Query, int] = {}
    remap = np.empty(len(first), dtype=np.int64)
    # normalise each column's distinct values once, then assemble the distinct combinations
    parsers = (cell_text, read_metal, _country, read_reported_cid)
    parsed = []
    for (codes, values), parse in zip(columns, parsers):
        table = [parse(v) for v in values]
        parsed.append([table[i] for i in codes[first].tolist()])
    for j, (nm, (metal, metal_text), ctry, (cid, unread)) in enumerate(zip(*parsed)):
        q = (nm, metal, metal_text, ctry, cid, unread)
        remap[j] = pos.setdefault(q, len(queries))
        if remap[j] == len(queries):
            queries.append(q)
    return queries, remap[inv.ravel()]
