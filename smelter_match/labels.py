"""Training labels from an analyst's filled review: the decided rows as labelled examples.

``smelter-match review apply --export-labels FILE`` writes them; ``smelter-match train --labels``
reads them (:func:`smelter_match.evaluation.load_gold`). They are kept apart from the hand-labelled
gold sets: writing into a ``reference_data/gold`` folder is refused.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smelter_match.cids import parse_cid
from smelter_match.errors import InputError, ReviewError
from smelter_match.io.safe_csv import sheet_lines, unneutralise, write_csv
from smelter_match.io.tables import clean_text, escape_cell_text
from smelter_match.results import (
    coalesce,
    column_text,
    input_roles,
    result_column,
    row_ids,
    text_labelled,
)
from smelter_match.review import normalise_verdict, read_review

__all__ = ["LABEL_COLUMNS", "NO_MATCH_LABEL", "check_labels_path", "export_training_labels"]

#: Columns of :func:`export_training_labels` files.
LABEL_COLUMNS: tuple[str, ...] = (
    "row_id", "reported_name", "metal", "country", "label", "source", "comment",
)
NO_MATCH_LABEL = "NO_MATCH"


def _inside_gold(path: Path) -> bool:
    parts = [x.casefold() for x in path.resolve().parts]
    pairs = zip(parts, parts[1:], strict=False)
    return any(a == "reference_data" and b == "gold" for a, b in pairs)


def check_labels_path(path: str | Path) -> None:
    """Refuse a path for training labels inside ``reference_data/gold`` (:class:`InputError`)."""
    if _inside_gold(Path(path)):
        raise InputError(
            f"{path}: training labels from reviews are not gold labels; write them outside "
            f"reference_data/gold"
        )


def export_training_labels(review_df: pd.DataFrame | str | Path, path: str | Path | None,
                           *, source: str = "analyst_review",
                           results: pd.DataFrame | None = None) -> pd.DataFrame:
    """Write the decided rows of a filled review file as labelled training rows to ``path``
    (``None``: only return them); return them.

    One row per review row with verdict accept, other or not_a_smelter (``unsure`` and blank rows
    are left out): row_id, reported_name, metal and country as the supplier reported them, label
    (the CID decided - ``analyst_cid``, else for ``accept`` the proposed CID - or ``NO_MATCH``),
    source, comment. Run :func:`apply_review` first: it validates the CIDs against the reference.
    With ``results`` (as :func:`apply_review` returned them) the decided CID and, where the review
    row lacks them (a row the analyst added), the reported name, metal and country come from there.

    These labels are kept apart from the hand-labelled gold sets: writing into a
    ``reference_data/gold`` folder is refused.

    Raises:
        InputError: ``path`` is inside ``reference_data/gold``.
        ReviewError: a verdict is not one of the allowed words, or an ``accept``/``other`` row has
            no CID to use.
    """
    if path is not None:
        check_labels_path(path)
    rev = review_df if isinstance(review_df, pd.DataFrame) else read_review(review_df)
    known: dict[str, tuple[str, ...]] = {}
    if results is not None:
        results = text_labelled(results)
        roles = input_roles(results)
        known = dict(zip(row_ids(results), zip(
            *(coalesce(results, roles[r]) for r in ("name", "metal", "country")),
            column_text(results, result_column(results, "cid")), strict=True)))
    rows = []
    for line, rec in zip(sheet_lines(rev), rev.to_dict("records")):
        verdict = normalise_verdict(rec.get("analyst_verdict"), line=line,
                                    row_id=clean_text(rec.get("row_id")))
        if verdict in ("", "unsure"):
            continue
        fallback = known.get(clean_text(rec.get("row_id")), ("", "", "", ""))
        if verdict == "not_a_smelter":
            label = NO_MATCH_LABEL
        else:
            where = f"review row {line} (row_id {clean_text(rec.get('row_id'))})"
            label = parse_cid(rec.get("analyst_cid"), alone=True)
            if label is None:
                raise ReviewError(f"{where}: analyst_cid {clean_text(rec.get('analyst_cid'))!r} "
                                  "is not a CID alone (like CID002763)")
            if not label and verdict == "accept":   # the proposal the analyst saw
                label = parse_cid(rec.get("proposed_cid")) or ""
            label = label or parse_cid(fallback[3]) or ""
            if not label:
                raise ReviewError(f"{where}: verdict {verdict} but no CID to label it with")
        rows.append({
            "row_id": clean_text(rec.get("row_id")),
            # text as a cell holds it (Excel's escapes: read once when the file is read)
            "reported_name": escape_cell_text(
                unneutralise(clean_text(rec.get("reported_name"))) or fallback[0]),
            "metal": clean_text(rec.get("reported_metal")) or fallback[1],
            "country": escape_cell_text(
                unneutralise(clean_text(rec.get("reported_country"))) or fallback[2]),
            "label": label,
            "source": source,
            "comment": escape_cell_text(unneutralise(clean_text(rec.get("analyst_comment")))),
        })
    out = pd.DataFrame(rows, columns=list(LABEL_COLUMNS), dtype=object)
    out = out.sort_values("row_id", kind="stable").reset_index(drop=True)
    if path is not None:
        write_csv(out, path)
    return out
