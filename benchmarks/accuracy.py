"""Accuracy on the gold sets: grouped cross-validation and the reported metrics.

Learned or tuned methods are fitted on the training folds and predict only their held-out fold,
so every figure comes from rows the method did not see. Methods without training (``exact``)
predict all rows at once. All methods are scored on the same rows with the same rule
(:func:`benchmarks.gold.is_correct`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from benchmarks.gold import AMBIGUOUS, NO_MATCH, candidate_set, is_correct
from benchmarks.methods import Method

METALS = ("Gold", "Tin", "Tantalum", "Tungsten")


def cross_validate(make_method: Callable[[], Method], gold: pd.DataFrame,
                   folds: np.ndarray, log: Callable[[str], None] = print) -> tuple[pd.DataFrame, dict]:
    """Held-out predictions for every gold row, and per-fold info (thresholds, timings).

    Returns a frame aligned with ``gold`` (PRED_COLUMNS plus ``fold``) and a dict with the
    method's thresholds per fold and whether its figures are held-out.
    """
    method = make_method()
    info: dict = {"learned": method.learned, "folds": []}
    if not method.learned:
        t = time.perf_counter()
        frame = method.predict(gold, with_candidates=True).frame.copy()
        frame["fold"] = -1
        info["folds"].append({"fold": "all", "predict_s": round(time.perf_counter() - t, 3)})
        info["held_out"] = True
        return frame, info
    parts = []
    held_out = True
    for k in sorted(set(folds.tolist())):
        method = make_method()
        t0 = time.perf_counter()
        method.fit(gold[folds != k])
        t1 = time.perf_counter()
        pred = method.predict(gold[folds == k], with_candidates=True).frame.copy()
        pred["fold"] = k
        parts.append(pred)
        held_out = held_out and getattr(method, "held_out", True)
        info["folds"].append({"fold": k, "fit_s": round(t1 - t0, 3),
                              "predict_s": round(time.perf_counter() - t1, 3),
                              "thresholds": method.thresholds()})
        log(f"  {method.name}: fold {k} fitted in {t1 - t0:.1f}s, {method.thresholds()}")
    info["held_out"] = held_out
    return pd.concat(parts).reindex(gold.index), info


def score_rows(gold: pd.DataFrame, pred: pd.DataFrame) -> pd.DataFrame:
    """Per-row outcome flags used by every metric."""
    label, cands = gold["label"], gold["candidate_cids"]
    pred_cid = pred["cid"].fillna("").astype(str)
    correct = np.array([is_correct(p, lab, c) for p, lab, c in zip(pred_cid, label, cands)])
    in_block = np.array([bool(candidate_set(lab, c) & set(cs if isinstance(cs, tuple) else ()))
                         for lab, c, cs in zip(label, cands, pred["candidates"])])
    return pd.DataFrame({
        "dataset": gold["dataset"].to_numpy(),
        "metal": gold["metal_inferred"].to_numpy(),
        "confidence": gold.get("label_confidence", pd.Series("", index=gold.index)).to_numpy(),
        "matchable": (~label.isin([NO_MATCH])).to_numpy(),
        "no_match": (label == NO_MATCH).to_numpy(),
        "ambiguous": (label == AMBIGUOUS).to_numpy(),
        "correct": correct,
        "score": pred["score"].astype(float).fillna(0.0).to_numpy(),
        "decision": pred["decision"].fillna("no_match").to_numpy(),
        "in_block": in_block,
    }, index=gold.index)


def metrics(s: pd.DataFrame, has_blocking: bool) -> dict:
    """The reported numbers for one subset of scored rows (see benchmarks/README.md).

    ``automation_rate`` is the share of rows decided *without review* (decision ``match`` or
    ``no_match``), exactly as :func:`smelter_match.evaluation.metrics` (``smelter-match
    evaluate``) defines it; ``auto_match_rate`` is the share of rows auto-matched.
    """
    n = len(s)
    auto = s["decision"] == "match"
    reviewed = s["decision"] == "review"
    pred_nm = s["decision"] == "no_match"
    matchable = s[s["matchable"]]
    tp_nm = int((pred_nm & s["no_match"]).sum())
    nm_prec = _ratio(tp_nm, int(pred_nm.sum()))
    nm_rec = _ratio(tp_nm, int(s["no_match"].sum()))
    out = {
        "rows": n,
        "matchable": len(matchable),
        "no_match_rows": int(s["no_match"].sum()),
        "top1_accuracy": _ratio(int(matchable["correct"].sum()), len(matchable)),
        "auto_match_precision": _ratio(int((auto & s["correct"]).sum()), int(auto.sum())),
        "automation_rate": _ratio(int((~reviewed).sum()), n),
        "auto_match_rate": _ratio(int(auto.sum()), n),
        "auto_matched": int(auto.sum()),
        "review_rate": _ratio(int(reviewed.sum()), n),
        "no_match_precision": nm_prec,
        "no_match_recall": nm_rec,
        "no_match_f1": (None if nm_prec is None or nm_rec is None or nm_prec + nm_rec == 0
                        else round(2 * nm_prec * nm_rec / (nm_prec + nm_rec), 4)),
    }
    if has_blocking:
        out["blocking_recall"] = _ratio(int(matchable["in_block"].sum()), len(matchable))
    return out


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def breakdown(scored: pd.DataFrame, has_blocking: bool) -> dict:
    """Metrics per dataset (never only pooled), each overall, per metal and high-confidence only."""
    out: dict = {}
    for ds, rows in [*scored.groupby("dataset", sort=True), ("pooled", scored)]:
        entry = {"all": metrics(rows, has_blocking)}
        for metal in METALS:
            sub = rows[rows["metal"] == metal]
            if len(sub):
                entry[metal] = metrics(sub, has_blocking)
        high = rows[rows["confidence"] == "high"]
        if len(high) and len(high) < len(rows):
            entry["high_confidence"] = metrics(high, has_blocking)
        out[ds] = entry
    return out


def precision_automation_curve(scored: pd.DataFrame) -> dict:
    """Auto-match precision vs automation when the match threshold ``t`` is moved.

    For every threshold ``t`` (each distinct score > 0, highest first) the rows are decided as
    follows: a row the method itself decided ``no_match`` stays ``no_match``; every other row is
    auto-matched (to the method's best CID) if its score is >= ``t``, else sent to review. Then

    - ``automation`` = rows decided without review (``no_match`` + auto-matched) / all rows, the
      same definition as :func:`metrics`' ``automation_rate``;
    - ``auto_match_rate`` = auto-matched rows / all rows;
    - ``precision`` = auto-matched rows with a correct CID / auto-matched rows.

    When a method auto-matches exactly the rows it did not reject that score >= its match
    threshold (all four methods do, except that smelter_match sends a high-scoring row to review
    when no metal was reported and the company has facilities under several metals), its
    operating point lies on its curve at ``t`` = that threshold. Returns the points as lists,
    highest threshold first.
    """
    nm = (scored["decision"] == "no_match").to_numpy()
    n = len(scored)
    rest = scored[~nm]
    order = np.argsort(-rest["score"].to_numpy(), kind="stable")
    score = rest["score"].to_numpy()[order]
    correct = rest["correct"].to_numpy()[order]
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
