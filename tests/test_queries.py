"""Reading input rows as queries (``smelter_match.queries``): one query per distinct reading."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smelter_match.queries import distinct_queries, read_query


def test_a_row_is_read_as_the_matcher_decides_it() -> None:
    assert read_query(" Minsur ", "Sn", "Peru (Lima)", "CID-001182") == (
        " Minsur ", "Tin", "Sn", "PE", "CID001182", "")
    assert read_query(None, None, None, "1AUS046") == ("", "", "", "", "", "1AUS046")
    assert read_query("Minsur", "Cobalt", "Atlantis", "N/A") == (
        "Minsur", "", "Cobalt", "", "", "")


def test_rows_that_read_alike_are_one_query_and_values_that_read_apart_are_not() -> None:
    df = pd.DataFrame({"name": ["Minsur", "Minsur", "Minsur", True, 1, "1"],
                       "metal": ["Tin", "Tin", "Gold", None, None, None],
                       "country": ["PE", "Peru", "PE", None, None, None]})
    queries, row_q = distinct_queries(df, "name", "metal", "country", None)
    assert row_q.tolist()[:3] == [0, 0, 1]
    assert [q[0] for q in queries] == ["Minsur", "Minsur", "TRUE", "1"]   # "PE" is "Peru"
    assert row_q[4] == row_q[5] and row_q[3] != row_q[4]   # True reads "TRUE", 1 reads "1"
    assert isinstance(row_q, np.ndarray) and len(row_q) == len(df)
