"""What the decision rules read from a batch's ranked candidates (:func:`rule_facts`).

The decision (:func:`smelter_match.decide.decide_many`) and the threshold search
(:func:`smelter_match.training.query_scores`) apply the same rules, so both read their facts
here: whether the name is an exact hit of its best candidate (``sure``), whether RMI gives the
best's name to several facilities, whether another candidate fits the reported country, shares
the name as a part of its own, or reads the name exactly. (One rule reads the name alone,
not the candidates: a name that is only a place or company forms,
:func:`smelter_match.placeholders.names_no_business`; both apply it too.) Everything runs on
arrays over a whole batch of queries; no Python call per candidate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smelter_match.compare import FEATURES, NAME_AGREEMENT
from smelter_match.query_features import Ranking
from smelter_match.readings import ABBREVIATED, SLIPS

__all__ = ["RuleFacts", "contradicts", "rule_facts"]

_COL = {f: j for j, f in enumerate(FEATURES)}


_NAME_COLS = [_COL[f] for f in NAME_AGREEMENT]
#: What says a candidate holds the name as exactly as another: an exact hit, the best variant.
_SHARED_COLS = [_COL["exact"], _COL["variant_best"]]


def contradicts(reported_cid: str | None, cid: str, cid_metals: dict[str, list[str]]) -> bool:
    """A reported CID that this reference knows points at another facility than ``cid``."""
    return bool(reported_cid) and reported_cid != cid and reported_cid in cid_metals


@dataclass(frozen=True)
class RuleFacts:
    """What the decision rules read from a batch's ranked candidates, one entry per query.

    Candidate rows index the batch's ``fac_rows``, ``scores`` and ``X``; -1 where there is none.
    The decision (:func:`smelter_match.decide.decide_many`) and the threshold search
    (:func:`smelter_match.training.query_scores`) read the same facts.
    """

    best: np.ndarray          # best candidate of the reported metal
    second: np.ndarray        # runner-up of the reported metal
    contradicted: np.ndarray  # a reported CID this reference knows points at another facility
    sure: np.ndarray          # an exact hit: matched whatever the scores
    reading: np.ndarray       # how the name reads as the best's name (readings code; 0: none)
    ambiguous: np.ndarray     # RMI gives the best's name to several facilities; nothing tells which
    several_names: np.ndarray  # no metal, and the name is RMI's name under two metals ("Dowa")
    other_metal: np.ndarray   # a much better name match under another metal (-1: none)
    country_choice: np.ndarray  # a candidate in the reported country fits as well (-1: none)
    shared_part: np.ndarray   # another candidate's name contains the name as well (-1: none)
    exact_other: np.ndarray   # another candidate reads the name exactly (-1: none)


def rule_facts(ranking: Ranking, fac_rows: np.ndarray, X: np.ndarray,
               same_key: np.ndarray | None, metals: list[str | None],
               reported_cids: list[str | None], fac_cid: np.ndarray, fac_metal: np.ndarray,
               cid_metals: dict[str, list[str]]) -> RuleFacts:
    """The rules' facts for every query of a batch at once (no Python call per candidate).

    ``ranking``: candidate rows per query, reported metal first, best first; ``same_key``: per
    candidate row, whether the name reads as its best-matching RMI name (the codes of
    :func:`smelter_match.readings.same_name`).

    - ``sure`` (an exact hit): the name is exactly an RMI name of its best candidate, a facility
      of the reported metal, and nothing speaks against it: the name is that facility's alone
      (not shared with another facility of the metal, unless the reported CID is the best's:
      the supplier's CID tells which; with no metal reported, with no other candidate of any
      metal), the reported country does not differ and no reported CID points elsewhere.
      RMI's own name of one facility is decided ``match`` whatever the scores: the
      heads can score such a hit under the match threshold ("Hunan Chenzhou Mining Co., Ltd."
      under tungsten: 0.935), and no feature can make a name more certainly that facility's.
      With no metal reported the name itself says which metal: RMI lists it under one facility.
      A name read through typing slips or abbreviated words (:data:`SLIPS`,
      :data:`ABBREVIATED`) is sure only if no candidate of another metal fits it better
      (``other_metal``): the differences might be the metal's name changing.
    - ``ambiguous``: the best candidate's best-matching name belongs to several facilities of the
      metal, and neither a reported CID nor the reported country tells which: no country agrees,
      or another candidate whose best-matching name is shared too, as exact a hit (``exact``,
      ``variant_best`` at least the best's), is in the reported country too ("Aurubis AG,
      Hamburg" is two gold CIDs in Germany).
    - ``several_names``: no metal reported and the name is exactly RMI's name of the best
      candidate and of a facility of another metal ("Dowa").
    - ``other_metal``: a metal was reported and a candidate of another metal has the name (or a
      ratio >= 0.9) and fits better than every candidate of the metal: the supplier may have
      picked the wrong metal (the best such candidate; ties: the first ranked).
    - ``country_choice``: the reported country differs from the best candidate's and another
      candidate of the best's metal (also with no metal reported: another metal's facility is
      the several-metals rule's) is in the reported country and explains as much of the name
      (features ``explained`` and ``rare_overlap`` at least the best's; a
      company's facilities: "Global Advanced Metals" reported in Japan, where RMI lists "Global
      Advanced Metals Aizu"): the name cannot decide between them and the country points to
      the other (the first ranked such candidate; -1: none). Not when a reported CID agrees
      with the best.
    - ``shared_part``: the name is a part common to several facilities' names of the best's metal
      ("Asahi Refining", "KGHM"): the best candidate explains all of its words but has words
      it lacks, and so does another candidate, explaining as much of the name's rarity, in the
      reported country whenever the best is (the first ranked such candidate; -1: none). A
      generic word the name lacks counts (``cand_extra``: "Korea Co., Ltd." is part of "Korea
      Zinc" and of "Korea Metal", whose distinctive words it all has). Not for an exact hit,
      nor when a reported CID agrees with the best. A whole name damaged counts too
      ("Planasee": RMI's "Plansee" lacks none of its words, but the name lacks "Plansee" as
      typed; RMI lists several Plansee facilities).
    - ``exact_other``: the name is short (under five characters: ``query_short``, an acronym
      as a rule) and another candidate of the best's metal reads it exactly (its name or its
      initials: feature ``exact``) and the best is no exact hit of RMI's name of one facility
      (``sure``): "OPMI" is the initials of Ohura Precious Metal Industry, yet one letter from
      Elemetal's "OPM", which the pair head may rank first; "GAMB" is Global Advanced Metals
      Boyertown's initials, and the pair head prefers the company's removed CID; "AGR" is an
      RMI name of the Perth Mint and the initials of African Gold Refinery. An exact reading of
      another facility is evidence for it that a person should weigh (the first ranked such
      candidate; -1: none), if it is in the reported country whenever the best is. Only a short
      name counts: a longer name's own initials can equal a short RMI name by chance ("African
      Gold Refihery": the Perth Mint's "AGR"), and two long names can read exactly once their
      bracketed parts are left out ("Metalor Technologies (Suzhou) Ltd. China" and Metalor
      Technologies (Hong Kong) Ltd.), where the rest of the name decides. Not when a reported
      CID agrees with the best, nor when RMI gives the best's name to several facilities
      (with or without a country telling which: the ambiguous-name rule's case).
    """
    n = len(ranking.starts) - 1
    order = ranking.order
    none = np.full(n, -1, dtype=np.int64)
    no = np.zeros(n, dtype=bool)
    if not len(order):
        return RuleFacts(none, none, no, no, np.zeros(n, dtype=np.int8), no, no, none, none,
                         none, none)
    owner = np.repeat(np.arange(n), np.diff(ranking.starts))
    pos = np.arange(len(order)) - ranking.starts[owner]
    in_same = pos < ranking.n_same[owner]
    later = in_same & (pos > 0)          # the reported metal's candidates after the best
    first = np.minimum(ranking.starts[:-1], len(order) - 1)
    has = ranking.n_same > 0
    best = np.where(has, order[first], -1)
    second = np.where(ranking.n_same > 1, order[np.minimum(first + 1, len(order) - 1)], -1)
    b = np.maximum(best, 0)
    xb = X[b]

    def of_best(feature: str) -> np.ndarray:
        return has & (xb[:, _COL[feature]] != 0)

    metal_given = np.array([bool(m) for m in metals], dtype=bool)
    code = np.zeros(len(fac_rows), dtype=np.int8) if same_key is None else same_key
    key = code > 0
    cand_metal = fac_metal[fac_rows[order]]
    contradicted = has & np.array([contradicts(c, cid, cid_metals) for c, cid in zip(
        reported_cids, fac_cid[fac_rows[b]].tolist())], dtype=bool)
    key_best = has & key[b]
    key_later = later & key[order]
    sure = key_best & (~of_best("ambiguous_name") | of_best("cid_agree")) & \
        ~of_best("country_disagree") & ~contradicted & (metal_given | ~_any_per(owner, key_later, n))
    # another holder of a shared name in the reported country whose name is as exact a hit as
    # the best's (its other names may fit the rest of the text differently: "Zhao Yuan Gold Mine
    # (China)", "Zhao Yuan Jin Kuang（中国）")
    twin = later & (X[order, _COL["country_agree"]] != 0) & (
        X[order, _COL["ambiguous_name"]] != 0)
    for j in _SHARED_COLS:
        twin &= X[order, j] >= xb[owner, j]
    ambiguous = of_best("ambiguous_name") & ~of_best("cid_agree") & (
        ~of_best("country_agree") | _any_per(owner, twin, n))
    several_names = ~metal_given & key_best & _any_per(
        owner, key_later & (cand_metal != cand_metal[ranking.starts[owner]]), n)
    # the other-metal flag: the best name fit of another metal, if it beats the metal's own
    ratio = X[order, _COL["ratio"]]
    best_same = np.full(n, -np.inf)
    np.maximum.at(best_same, owner[in_same], ratio[in_same])
    best_same = np.where(has, best_same, 0.0)
    hit = np.flatnonzero(~in_same & metal_given[owner] & (ratio > best_same[owner]) & (
        (X[order, _COL["exact"]] != 0) | (ratio >= 0.9)))
    other = none.copy()
    if len(hit):
        hit = hit[np.lexsort((hit, -ratio[hit], owner[hit]))]   # per query: best ratio first
        firsts = hit[np.unique(owner[hit], return_index=True)[1]]
        other[owner[firsts]] = order[firsts]
    reading = np.where(has, code[b], 0).astype(np.int8)
    sure &= ~(((reading == SLIPS) | (reading == ABBREVIATED)) & (other >= 0))
    def col(feature: str) -> np.ndarray:
        return X[order, _COL[feature]]

    # a later candidate of the best's metal (with no metal reported, other metals' candidates
    # are the several-metals rule's) ...
    rival = later & (cand_metal == cand_metal[ranking.starts[owner]])
    # ... explaining as much of the name as the best: as many of its words, as much of their
    # rarity
    as_much = rival & (col("explained") >= xb[owner, _COL["explained"]]) & (
        col("rare_overlap") >= xb[owner, _COL["rare_overlap"]])
    # the country choice: such a candidate in the reported country, the best's country differs
    doubt = of_best("country_disagree") & ~of_best("cid_agree")
    choice = _first_per(owner, order, as_much & doubt[owner] & (col("country_agree") != 0), n)
    # the shared part: both explain the whole name, both have words it lacks (distinctive
    # words, cand_covered; or generic ones, cand_extra: "Korea Zinc" and "Korea Metal")
    part = has & ~sure & ~of_best("cid_agree") & (xb[:, _COL["explained"]] >= 1) & (
        (xb[:, _COL["cand_covered"]] < 1) | (xb[:, _COL["cand_extra"]] > 0))
    shared = _first_per(owner, order, as_much & part[owner] & (col("explained") >= 1) & (
        (col("cand_covered") < 1) | (col("cand_extra") > 0)) & (
        col("country_agree") >= xb[owner, _COL["country_agree"]]), n)
    # a short name another candidate of the best's metal reads exactly, the best no sure hit
    open_to_rival = has & ~sure & ~of_best("cid_agree") & ~of_best("ambiguous_name")
    exact_other = _first_per(owner, order, rival & open_to_rival[owner] & (col("exact") != 0) & (
        col("query_short") != 0) & (col("country_agree") >= xb[owner, _COL["country_agree"]]), n)
    return RuleFacts(best, second, contradicted, sure, reading, ambiguous, several_names, other,
                     choice, shared, exact_other)


def _first_per(owner: np.ndarray, order: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Per query: the candidate row of its first ranked position in ``mask`` (-1: none)."""
    out = np.full(n, -1, dtype=np.int64)
    at = np.flatnonzero(mask)
    if len(at):
        firsts = at[np.unique(owner[at], return_index=True)[1]]   # positions run in rank order
        out[owner[firsts]] = order[firsts]
    return out


def _any_per(owner: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Per query: whether any of its candidate positions is in ``mask``."""
    return np.bincount(owner[mask], minlength=n) > 0
