"""Ten scored rows covering every outcome, for metric-definition tests (no reference needed)."""

from __future__ import annotations

import pandas as pd

# (label is a CID / NO_MATCH, decision, best CID correct, score)
ROWS = [
    ("CID1", "match", True, 0.99),
    ("CID2", "match", True, 0.95),
    ("CID3", "match", False, 0.93),     # wrong auto-match
    ("CID4", "review", True, 0.70),
    ("CID5", "review", False, 0.60),    # wrong top-1, reviewed
    ("CID6", "no_match", False, 0.10),  # missed match
    ("NO_MATCH", "review", False, 0.55),    # safe: sent to review
    ("NO_MATCH", "match", False, 0.92),     # NO_MATCH auto-matched
    ("NO_MATCH", "no_match", False, 0.05),
    ("NO_MATCH", "no_match", False, 0.02),
]


def library_scored() -> pd.DataFrame:
    """ROWS as ``smelter_match.evaluation.score_gold`` returns them."""
    return pd.DataFrame({
        "row_id": [f"r{i}" for i in range(len(ROWS))], "metal": "Gold",
        "label": [lab for lab, *_ in ROWS],
        "matchable": [lab != "NO_MATCH" for lab, *_ in ROWS],
        "score": [sc for *_, sc in ROWS], "decision": [d for _, d, _, _ in ROWS],
        "cid": "", "best": [f"B{i}" for i in range(len(ROWS))],
        "best_correct": [ok for _, _, ok, _ in ROWS], "in_candidates": True,
        "candidates": "", "name": [f"name {i}" for i in range(len(ROWS))],
    })
