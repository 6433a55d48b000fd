"""Why the model hesitated, in words: the ``explanation`` of review and no_match rows.

Each probability (``score`` of the best candidate, ``smelter_score`` of the name) is the sum of
its features' contributions to the log-odds (:meth:`smelter_match.classify.Scorer.contributions`);
the two or three largest, up or down, are said with the phrases of
``reference_data/vocab/feature_phrases.csv`` ("smelter_score 0.03: lowered by words of the name
its best candidate lacks; raised by a legal form"). :func:`explain_many` does a whole batch from
contributions computed in one pass; :func:`explain` one row.
"""

from __future__ import annotations

import numpy as np

from smelter_match._resources import data_csv
from smelter_match.classify import Scorer

__all__ = ["explain", "explain_many"]

_PHRASES = {r["feature"]: (r["up"], r["down"]) for r in data_csv("vocab", "feature_phrases.csv")}


def _drivers(names: list[str], contrib: np.ndarray, n: int) -> list[tuple[list[str], list[str]]]:
    """Per row of ``contrib``: phrases of its ``n`` largest contributions, split into those
    raising and lowering it (one sort for the whole batch)."""
    top = np.argsort(-np.abs(contrib), axis=1, kind="stable")[:, :n]
    values = np.take_along_axis(contrib, top, axis=1)
    phrases = [_PHRASES.get(f, (f, f)) for f in names]
    out = []
    for cols, raising, strong in zip(top.tolist(), (values > 0).tolist(),
                                     (np.abs(values) >= 0.05).tolist()):
        up, down = [], []
        for j, r, ok in zip(cols, raising, strong):
            phrase = phrases[j][0 if r else 1]
            if phrase and ok:
                (up if r else down).append(phrase)
        out.append((up, down))
    return out


def explain(pair: Scorer, smelter: Scorer, x: np.ndarray | None, q: np.ndarray,
            score: float, smelter_score: float) -> str:
    """Why the model hesitated, in one sentence: the two or three features that pulled each
    probability down or up (the largest contributions to its log-odds). ``x``: the best
    candidate's pair features (None without a candidate), ``q``: the query features."""
    pair_contrib = pair.contributions(x[None, :] if x is not None else
                                      np.zeros((0, len(pair.features))))
    return explain_many(pair.features, smelter.features, pair_contrib,
                        np.array([x is not None]), smelter.contributions(q[None, :]),
                        [score], [smelter_score])[0]


def explain_many(pair_names: list[str], smelter_names: list[str], pair_contrib: np.ndarray,
                 with_pair: np.ndarray, smelter_contrib: np.ndarray, scores: list[float],
                 smelter_scores: list[float]) -> list[str]:
    """:func:`explain` for a batch, from contributions computed in one pass: row ``i`` of
    ``smelter_contrib`` is query ``i``'s; ``pair_contrib`` has one row per query with a
    candidate (``with_pair``), in order."""
    smelter_says = _drivers(smelter_names, smelter_contrib, 3)
    pair_says = iter(_drivers(pair_names, pair_contrib, 3))
    out = []
    for i, has in enumerate(with_pair.tolist()):
        parts = []
        for what, said_by, p in (("smelter_score", smelter_says[i], smelter_scores[i]),
                                 ("score", next(pair_says) if has else None, scores[i])):
            if said_by is None:
                continue
            up, down = said_by
            said = []
            if down:
                said.append("lowered by " + ", ".join(down))
            if up:
                said.append("raised by " + ", ".join(up))
            if said:
                parts.append(f"{what} {p:.2f}: " + "; ".join(said))
        out.append(". ".join(parts))
    return out
