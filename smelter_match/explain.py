"""Why the model hesitated, in words: the ``explanation`` of review and no_match rows.

Each probability (``score`` of the best candidate, ``smelter_score`` of the name) is the sum of
its features' contributions to the log-odds (:meth:`smelter_match.classify.Scorer.contributions`);
the two or three largest, up or down, are said with the phrases of
``reference_data/vocab/feature_phrases.csv`` ("smelter_score 0.03: lowered by words of the name
its best candidate lacks; raised by a legal form"). :func:`explain_many` does a whole batch from
contributions computed in one pass.
"""

from __future__ import annotations

import numpy as np

from smelter_match._resources import data_csv

__all__ = ["explain_many"]

_ROWS = data_csv("vocab", "feature_phrases.csv")
_PHRASES = {r["feature"]: (r["up"], r["down"]) for r in _ROWS}
#: Features whose phrase says the row's value (a fact, a count): which phrase is said for 0;
#: and (a share where 1 is all) which phrase is said for 1.
_ZERO = {r["feature"]: 0 if r["zero"] == "up" else 1 for r in _ROWS if r["zero"]}
_ONE = {r["feature"]: 0 if r["one"] == "up" else 1 for r in _ROWS if r["one"]}


def _drivers(names: list[str], contrib: np.ndarray, values: np.ndarray,
             n: int) -> list[tuple[list[str], list[str]]]:
    """Per row of ``contrib``: phrases of its ``n`` largest contributions, split into those
    raising and lowering it (one sort for the whole batch). A fact's phrase is chosen by its
    value in ``values`` (the row's features), not by the sign: a tree may raise a probability
    because no metal was reported, and then says so."""
    top = np.argsort(-np.abs(contrib), axis=1, kind="stable")[:, :n]
    pulls = np.take_along_axis(contrib, top, axis=1)
    seen = np.take_along_axis(np.asarray(values, dtype=float), top, axis=1)
    phrases = [_PHRASES.get(f, (f, f)) for f in names]
    zero, one = [_ZERO.get(f) for f in names], [_ONE.get(f) for f in names]
    out = []
    for cols, raising, strong, vals in zip(top.tolist(), (pulls > 0).tolist(),
                                           (np.abs(pulls) >= 0.05).tolist(), seen.tolist()):
        up, down = [], []
        for j, r, ok, v in zip(cols, raising, strong, vals):
            if zero[j] is not None:
                said = zero[j] if v == 0 else 1 - zero[j]
            elif one[j] is not None:
                said = one[j] if v >= 1 else 1 - one[j]
            else:
                said = 0 if r else 1
            phrase = phrases[j][said]
            if phrase and ok:
                (up if r else down).append(phrase)
        out.append((up, down))
    return out


def explain_many(pair_names: list[str], smelter_names: list[str], pair_contrib: np.ndarray,
                 with_pair: np.ndarray, smelter_contrib: np.ndarray, scores: list[float],
                 smelter_scores: list[float], pair_x: np.ndarray,
                 smelter_q: np.ndarray) -> list[str]:
    """Why the model hesitated, in one sentence per query: the two or three features that
    pulled each probability down or up (the largest contributions to its log-odds), for a
    batch, from contributions computed in one pass: row ``i`` of
    ``smelter_contrib`` (and of the query features ``smelter_q``) is query ``i``'s;
    ``pair_contrib`` (and the best candidate's pair features ``pair_x``) has one row per query
    with a candidate (``with_pair``), in order."""
    smelter_says = _drivers(smelter_names, smelter_contrib, smelter_q, 3)
    pair_says = iter(_drivers(pair_names, pair_contrib, pair_x, 3))
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
