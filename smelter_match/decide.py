"""Decision: from scored candidates to one answer per reported name (match / review / no_match).

The classifier scores each candidate; this stage picks the best candidate of the reported metal,
applies the model's thresholds, and explains the result: a short ``reason`` for people and
machine-readable ``flags`` (removed CID and successors, metal mismatch, reported CID problems,
ambiguous names).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smelter_match.compare import FEATURES
from smelter_match.normalize import NormalizedName
from smelter_match.results import removal_flags

_COL = {f: j for j, f in enumerate(FEATURES)}


@dataclass(frozen=True)
class Decision:
    """The decided answer for one distinct query (before it is copied onto its input rows)."""

    cid: str
    standard_name: str
    metal: str
    country: str
    rmap_status: str
    score: float
    decision: str
    reason: str
    candidates: tuple[tuple[str, str, float], ...]   # top-k (cid, standard name, score)
    flags: tuple[str, ...]
    ranked: tuple[tuple[int, float, int], ...] = ()   # (facility row, score, pair row), best first


def _reason(x: np.ndarray, kind_alias: bool) -> str:
    if x[_COL["exact"]] >= 1:
        if x[_COL["kind_current"]]:
            what = "exact RMI standard name"
        elif x[_COL["kind_former"]]:
            what = "exact former RMI standard name"
        elif x[_COL["acronym"]]:
            what = "acronym of an RMI name"
        else:
            what = "exact RMI alias" if kind_alias else "exact RMI name"
    elif x[_COL["acronym"]]:
        what = "acronym of an RMI name"
    elif max(x[_COL["ratio"]], x[_COL["compact_ratio"]]) >= 0.9:
        what = "near-identical name"
    else:
        what = "fuzzy name"
    if x[_COL["country_agree"]]:
        what += ", country agrees"
    elif x[_COL["country_disagree"]]:
        what += ", country differs"
    if x[_COL["cid_agree"]]:
        what += ", reported CID agrees"
    return what


def decide(
    q: NormalizedName,
    metal: str | None,
    metal_text: str,
    reported_cid: str | None,
    pair_rows: np.ndarray,
    fac_rows: np.ndarray,
    scores: np.ndarray,
    X: np.ndarray,
    fac: dict[str, np.ndarray],
    cid_metals: dict[str, list[str]],
    match_t: float,
    review_t: float,
    top_k: int = 5,
) -> Decision:
    """Decide for one query given its candidate pairs (rows into ``X``/``scores``)."""
    flags: list[str] = []
    if metal_text and not metal:
        flags.append("metal_unrecognised")
    if not metal:
        flags.append("metal_missing")
    if reported_cid:
        metals_of = cid_metals.get(reported_cid)
        if metals_of is None:
            flags.append("reported_cid_unknown")
        elif metal and metal not in metals_of:
            flags.append(f"reported_cid_other_metal={'/'.join(metals_of)}")

    is_same = (fac["metal"][fac_rows] == metal) if metal else np.ones(len(fac_rows), dtype=bool)
    same = np.flatnonzero(is_same)
    other = np.flatnonzero(~is_same).tolist()
    cids = fac["cid"][fac_rows]
    order = same[np.lexsort((cids[same], -scores[same]))].tolist() if len(same) else []
    ranked = tuple(zip(fac_rows[order].tolist(), scores[order].tolist(), pair_rows[order].tolist()))
    top = tuple((cids[i], fac["standard_name"][fac_rows[i]], float(scores[i])) for i in order[:top_k])

    if other and metal:
        # a much better name match under another metal: the supplier may have picked the wrong metal
        best_same_sim = max((X[pair_rows[i], _COL["ratio"]] for i in same), default=0.0)
        for i in sorted(other, key=lambda i: -X[pair_rows[i], _COL["ratio"]]):
            x = X[pair_rows[i]]
            if (x[_COL["exact"]] or x[_COL["ratio"]] >= 0.9) and x[_COL["ratio"]] > best_same_sim:
                f = fac_rows[i]
                flags.append(f"name_known_under_other_metal={fac['cid'][f]}({fac['metal'][f]})")
                break

    if not order:
        return Decision("", "", metal or "", "", "", 0.0, "no_match", "no candidate facility",
                        top, tuple(flags), ranked)

    best = order[0]
    f, p = fac_rows[best], float(scores[best])
    x = X[pair_rows[best]]
    decision = "match" if p >= match_t else ("review" if p >= review_t else "no_match")
    if decision == "match" and not metal and len(order) > 1:
        f2 = fac_rows[order[1]]
        if fac["metal"][f2] != fac["metal"][f] and scores[order[1]] >= p - 0.05:
            # same company under several metals and no metal reported: a person must choose
            decision = "review"
            flags.append("several_metals")
    flags += removal_flags(fac["removed"][f], fac["successors"][f])
    if x[_COL["ambiguous_name"]]:
        flags.append("ambiguous_name")
    if reported_cid and reported_cid != fac["cid"][f] and reported_cid in cid_metals:
        flags.append("reported_cid_contradicts_name")
    if decision == "no_match":
        reason = f"best candidate too weak ({_reason(x, True)})"
        return Decision("", "", metal or "", "", "", p, "no_match", reason, top,
                        tuple(flags), ranked)
    return Decision(
        fac["cid"][f], fac["standard_name"][f], fac["metal"][f], fac["country"][f],
        fac["rmap_status"][f], p, decision, _reason(x, True), top, tuple(flags), ranked,
    )
