"""The review workbook: the Excel file an analyst fills (``--review review.xlsx``).

The same columns as the review CSV (:func:`smelter_match.review.review_columns`) on a sheet
"Review", laid out for work in Excel, plus a sheet "How to review" that explains the verdicts and
the columns (``reference_data/vocab/review_guide.csv``). Writing goes through
:mod:`smelter_match.io.xlsx` (never a formula from supplier text, identical bytes for identical
input); :func:`smelter_match.review.read_review` reads it back.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smelter_match._resources import data_csv
from smelter_match.io.xlsx import SheetSpec, write_workbook

__all__ = ["ANALYST_COLUMNS", "GUIDE_SHEET", "REVIEW_SHEET", "VERDICTS", "review_guide",
           "write_review_workbook"]

#: Words allowed in ``analyst_verdict``.
VERDICTS: tuple[str, ...] = ("accept", "other", "not_a_smelter", "unsure")
#: The analyst's columns, right after the proposal (before the candidates) so they are in view.
ANALYST_COLUMNS: tuple[str, ...] = ("analyst_verdict", "analyst_cid", "analyst_comment")
#: The sheet of a review workbook that holds the rows, and the one that explains them.
REVIEW_SHEET, GUIDE_SHEET = "Review", "How to review"


def review_guide() -> pd.DataFrame:
    """The "How to review" sheet: steps, verdicts and columns (``vocab/review_guide.csv``)."""
    rows = data_csv("vocab", "review_guide.csv")
    return pd.DataFrame([(r["kind"], r["name"], r["meaning"]) for r in rows],
                        columns=["topic", "what", "meaning"], dtype=object)


def write_review_workbook(review: pd.DataFrame, path: str | Path) -> None:
    """Write a review frame (from :func:`smelter_match.review.write_review`) as an Excel workbook.

    Sheet "Review": the same columns as the CSV, a bold frozen header (with the row's identity and
    the reported name staying visible when scrolling right), filter buttons, widths from the
    content, ``analyst_verdict`` as a drop-down of :data:`VERDICTS`, the analyst columns shaded,
    scores as numbers. Sheet "How to review": :func:`review_guide`. Supplier text is never a
    formula; the same review gives the same bytes.
    """
    freeze = review.columns.get_loc("reported_name") + 1 if "reported_name" in review else 0
    scores = [c for c in review.columns if str(c).endswith("score")]
    sheet = SheetSpec(REVIEW_SHEET, review, choices={"analyst_verdict": VERDICTS},
                      highlight=ANALYST_COLUMNS, number_formats=dict.fromkeys(scores, "0.000"),
                      widths={"analyst_verdict": 16.0, "analyst_cid": 14.0,
                              "analyst_comment": 30.0, "explanation": 50.0, "reason": 40.0},
                      freeze_columns=int(freeze))
    guide = SheetSpec(GUIDE_SHEET, review_guide(), widths={"topic": 10.0, "what": 34.0,
                                                             "meaning": 110.0},
                      wrap={"meaning"}, autofilter=False)
    write_workbook(path, [sheet, guide])


