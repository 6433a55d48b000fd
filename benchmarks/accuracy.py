"""Scoring and summarising held-out predictions: every method by the library's own rules.

smelter_match's rows come from :func:`smelter_match.evaluation.score_queries` (what
``smelter-match evaluate --heldout`` runs); a baseline's predictions are turned into the same
columns by :func:`score_predictions`, and every figure is :func:`smelter_match.evaluation.metrics`
of those rows, so the methods are compared on one definition.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from benchmarks.methods import TOP_K, acceptable

#: The figures reported per set, in order (as in ``smelter-match evaluate --heldout``).
FIGURES = ("rows", "top1_accuracy", "top5_accuracy", "auto_decisions_right", "automation_rate",
           "matchable_no_match_rate", "no_match_recall")
#: The group of the held-out sets of names that are not RMI facilities.
NOT_FACILITIES = "not RMI facilities (hidden, non-smelter, wrong metal, near miss)"
METALS = ("Gold", "Tin", "Tantalum", "Tungsten")


def score_predictions(queries: pd.DataFrame, pred: pd.DataFrame,
                      equivalents: dict[str, set[str]]) -> pd.DataFrame:
    """A baseline's predictions as :func:`smelter_match.evaluation.score_queries` rows.

    ``best`` is the predicted CID, else the first ranked candidate; ``candidates`` lists at most
    TOP_K CIDs, best first; ``best_correct`` / ``in_candidates`` use the acceptable CIDs (a
    removed CID and its successors are interchangeable, as in the library).
    """
    n = len(queries)
    truth = [acceptable(t, equivalents) for t in queries["truth"]]
    cands = [c if isinstance(c, tuple) else () for c in pred["candidates"]]
    cid = pred["cid"].fillna("").astype(str).tolist()
    best = [c or (cs[0] if cs else "") for c, cs in zip(cid, cands)]
    listed = [((b,) + tuple(x for x in cs if x != b))[:TOP_K] if b else () for b, cs in
              zip(best, cands)]
    col = queries.get
    res = pd.DataFrame({
        "row_id": (col("row_id") if "row_id" in queries else pd.Series(
            [str(i) for i in range(n)])).to_numpy(),
        "metal": (col("metal_inferred") if "metal_inferred" in queries
                  else queries["metal"]).to_numpy(),
        "label": [";".join(sorted(t)) or "NO_MATCH" for t in queries["truth"]],
        "matchable": [bool(t) for t in truth],
        "score": pred["score"].astype(float).fillna(0.0).to_numpy(),
        "decision": pred["decision"].fillna("no_match").to_numpy(),
        "cid": cid, "best": best, "candidates": [" ; ".join(x) for x in listed],
        "name": queries["name"].to_numpy(), "reason": "",
    })
    res["best_correct"] = [bool(b) and b in t for b, t in zip(best, truth)]
    res["in_candidates"] = [bool(set(x) & t) for x, t in zip(listed, truth)]
    return res


def _clean(value: object) -> object:
    """JSON-friendly figures: NaN (undefined rate) -> None, floats rounded."""
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    return value


def figures(rows: pd.DataFrame, with_calibration: bool = False) -> dict:
    """:func:`smelter_match.evaluation.metrics` of scored rows (undefined rates as None), plus
    the expected calibration error of both probabilities when asked (smelter_match only)."""
    from smelter_match.evaluation import metrics

    out = {k: _clean(v) for k, v in metrics(rows).items()}
    if with_calibration and "smelter_score" in rows:
        from smelter_match.transfer import expected_calibration_error

        sub = rows[rows["matchable"] & (rows["best"] != "")]
        out["ece_score"] = _clean(expected_calibration_error(sub["score"], sub["best_correct"]))
        out["ece_smelter"] = _clean(expected_calibration_error(rows["smelter_score"],
                                                               rows["matchable"]))
    return out


def set_groups(set_names: list[str], held_out: str) -> dict[str, list[str]]:
    """Pooled groups of sets for the summary table, in display order."""
    from smelter_match.transfer import NEGATIVE_SETS

    fam = [s for s in set_names if s.startswith("family:")]
    held = [s for s in fam if s.startswith(f"family:{held_out}:")]
    groups = {
        f"noise families but {held_out}, 1 edit": [s for s in fam if s not in held
                                                   and s.endswith(":1")],
        f"noise families but {held_out}, 2-3 edits": [s for s in fam if s not in held
                                                      and s.endswith(":2-3")],
        f"{held_out} (held out of training), 1 edit": [s for s in held if s.endswith(":1")],
        f"{held_out} (held out of training), 2-3 edits": [s for s in held if s.endswith(":2-3")],
        f"{held_out} (held out of training), all edits": held,
        "clean names": [s for s in set_names if s == "clean"],
        NOT_FACILITIES: [s for s in set_names if s in NEGATIVE_SETS],
        "realistic mix": [s for s in set_names if s == "mix"],
        **{s: [s] for s in set_names if s.startswith("gold:")},
    }
    return {g: sets for g, sets in groups.items() if sets}


def summarise(scored: pd.DataFrame, held_out: str, calibration: bool = False) -> dict:
    """Per set, per pooled group, per metal (gold sets) and the precision/automation curves
    (gold sets and the mix) of one method's scored rows (column ``set``)."""
    names = list(dict.fromkeys(scored["set"]))
    by_set = {s: g for s, g in scored.groupby("set", sort=False)}
    out: dict = {
        "sets": {s: figures(by_set[s], calibration) for s in names},
        "groups": {g: figures(pd.concat([by_set[s] for s in sets]), calibration)
                   for g, sets in set_groups(names, held_out).items()},
        "per_metal": {}, "curves": {},
    }
    for s in names:
        if s.startswith("gold:"):
            out["per_metal"][s] = {m: figures(g) for m, g in by_set[s].groupby("metal")
                                   if m in METALS}
        if s.startswith("gold:") or s == "mix":
            out["curves"][s] = precision_automation_curve(by_set[s])
    return out


def precision_automation_curve(scored: pd.DataFrame) -> dict:
    """Auto-match precision vs automation when the match threshold ``t`` is moved.

    For every threshold ``t`` (each distinct score > 0, highest first) the rows are decided as
    follows: a row the method itself decided ``no_match`` stays ``no_match``; every other row is
    auto-matched (to the method's best CID) if its score is >= ``t``, else sent to review. Then

    - ``automation`` = rows decided without review (``no_match`` + auto-matched) / all rows, the
      definition of ``automation_rate`` in :func:`smelter_match.evaluation.metrics`;
    - ``auto_match_rate`` = auto-matched rows / all rows;
    - ``precision`` = auto-matched rows whose best CID is right / auto-matched rows.

    Returns the points as lists, highest threshold first.
    """
    nm = (scored["decision"] == "no_match").to_numpy()
    n = len(scored)
    rest = scored[~nm]
    order = np.argsort(-rest["score"].to_numpy(), kind="stable")
    score = rest["score"].to_numpy()[order]
    correct = (rest["matchable"] & rest["best_correct"]).to_numpy()[order]
    empty = {"threshold": [], "automation": [], "auto_match_rate": [], "precision": []}
    if len(score) == 0:
        return empty
    cum = np.cumsum(correct)
    last = np.r_[np.nonzero(np.diff(score))[0], len(score) - 1]  # last row of each distinct score
    last = last[score[last] > 0]
    decided_no_match = int(nm.sum())
    return {
        "threshold": [round(float(x), 4) for x in score[last]],
        "automation": [round(float(x), 4) for x in (decided_no_match + last + 1) / n],
        "auto_match_rate": [round(float(x), 4) for x in (last + 1) / n],
        "precision": [round(float(x), 4) for x in cum[last] / (last + 1)],
    }
