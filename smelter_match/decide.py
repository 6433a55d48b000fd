"""Decision: from scored candidates to one answer per reported name (match / review / no_match).

Two probabilities meet here: ``score``, the probability that the best candidate of the reported
metal is the facility *if the name denotes an RMI facility*, and ``smelter_score``, the
probability that it denotes one at all (:mod:`smelter_match.classify`). The rule:

- a cell that names no facility (:func:`smelter_match.placeholders.placeholder_text`: "N/A",
  "Not a 3TG smelter", "see tab 2") is ``no_match`` before any search, unless an analyst
  override says otherwise;
- ``no_match`` needs positive evidence (:func:`no_match_evidence`): a low ``smelter_score``
  together with a word of a business that is not a smelter ("not a smelter (bank)"), or with no
  plausible candidate ("no plausible candidate": the best candidate's ``score`` is very low, or
  the best candidate explains none of the name's own words, "no plausible candidate (the
  closest, X, explains none of the name's own words)", since ``score`` is conditional on the
  name being a facility and can be high for the best of nothing), or a very low
  ``smelter_score`` alone ("not an RMI facility (closest: X)"); "no candidate facility" when
  nothing of the metal comes close;
  a name that fits a facility of another metal better (``other_metal`` of :func:`rule_facts`)
  says so in every decision's reason ("no Tin facility has this name; RMI's Gold facility X
  fits the name better: wrong metal?"), not only in its flag;
- ``match`` when the name is exactly an RMI name of one facility of the reported metal (of one
  facility of any metal when no metal is reported) with nothing against it (``sure`` of
  :func:`rule_facts`: no other facility of the metal has that name, the country does not differ,
  no reported CID points elsewhere), whatever the scores: most such names are settled before any
  search by :func:`exact_lookup` (the first pass, no comparison and no head;
  :func:`decide_exact` gives them the lookup's measured probabilities). A name that is such a
  name but for OCR-confusable characters ("A8C Refinery", ``index.ocr_fold``) counts as exactly
  it when no other facility of the metal has a name that reads the same (``NameIndex.ocr_sole``),
  and so does such a name but for a few typing slips ("Tanaka Kikinzku Kogyo") when every
  other facility's names are further from it by two edits or more (``NameIndex.edit_gaps``),
  none begins with it, and no facility of another metal fits it better, and so does such a name
  but for abbreviated words ("Avon Spe. Metals Ltd.") when no other facility's name reads as it
  (``readings.abbreviated_facility``); the full search settles those
  (:mod:`smelter_match.readings`). Or ``match`` when
  the best candidate is confidently right (``score`` >= the ``match`` threshold) and the name is
  confidently a facility (``smelter_score`` >= ``smelter_match``);
- ``review`` otherwise: a plausible first candidate with an uncertain score goes to a person
  ("probably X, not sure"), never to no_match; so does a name RMI gives to several facilities
  when neither the country nor a reported CID tells which (flag ``ambiguous_name``; "probably
  X, RMI gives this name to several facilities: which one?"), a name whose reported country
  is not the best candidate's but that of another candidate explaining as much of the name
  (flag ``country_points_to``; "probably X, the reported country is that of Y, which fits the
  name as well: which one?"), a name that is a part common to several facilities' names (flag
  ``name_part_of``; "probably X, the name is part of Y's name too: which one?"), and, with no
  metal reported, a name that fits facilities of several metals (flag ``several_metals``;
  "..., it fits facilities of several metals: which metal?").

The rules run on arrays over a whole batch of searched queries (:func:`rule_facts`,
:func:`no_match_evidence`, :func:`decide_many`); only the output is built query by query.

Flags describe the row's answer: a ``no_match`` row carries no facts about a rejected candidate
(those stay in ``candidates``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from smelter_match.classify import ExactScores, Thresholds
from smelter_match.compare import FEATURES, acronym_hit
from smelter_match.normalize import NormalizedName
from smelter_match.query_features import Ranking
from smelter_match.readings import ABBREVIATED, SLIPS
from smelter_match.results import removal_flags

if TYPE_CHECKING:
    from smelter_match.index import NameIndex

_COL = {f: j for j, f in enumerate(FEATURES)}
#: With no metal reported, a runner-up of another metal this close to the best is reviewed.
SEVERAL_METALS_MARGIN = 0.05


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
    candidates: tuple[tuple[int, float], ...]   # top-k (facility row, score), best first
    flags: tuple[str, ...]
    smelter_score: float = 0.0
    explanation: str = ""   # why the model hesitated (review and no_match rows)


#: The positive evidence for no_match (:func:`no_match_evidence`), by code (0: none).
EVIDENCE = ("", "kind", "implausible", "model", "unrelated")


def no_match_evidence(smelter_score: np.ndarray, score: np.ndarray, kind_word: np.ndarray,
                      thresholds: Thresholds,
                      unrelated: np.ndarray | None = None) -> np.ndarray:
    """Which positive evidence makes each row no_match, as a code into :data:`EVIDENCE` (0 when
    none does; elementwise):

    ``kind``: the name carries a word of a business that is not a smelter (bank, trader, solder
    maker ...) that its best candidate does not explain (``kind_word``), and ``smelter_score`` is
    below the ``no_match_kind`` threshold; ``implausible``: even its best candidate is implausible
    (``score`` below the model's ``implausible`` bound, 0.05 or 0.1, chosen with the thresholds)
    and ``smelter_score`` is below ``no_match_implausible``; ``unrelated``: the best candidate
    explains none of the name's own words (``unrelated``, :func:`query_features.unrelated`:
    however it scores, it is the best of nothing) and ``smelter_score`` is below
    ``no_match_unrelated``; ``model``: whatever the name, ``smelter_score`` is below ``no_match``.
    """
    t = thresholds
    unrelated = np.zeros(np.shape(smelter_score), dtype=bool) if unrelated is None else unrelated
    return np.select([kind_word & (smelter_score < t.no_match_kind),
                      (score < t.implausible) & (smelter_score < t.no_match_implausible),
                      unrelated & (smelter_score < t.no_match_unrelated),
                      smelter_score < t.no_match], [1, 2, 4, 3], 0)


#: Pair features that say how a reported name compares with a candidate's names: two candidates
#: equal in all of them are, as far as the name goes, the same answer.
_NAME_COLS = [_COL[f] for f in ("ratio", "token_sort", "token_set", "partial", "jaro_winkler",
                                "compact_ratio", "variant_best", "exact", "acronym",
                                "rare_overlap", "ocr_ratio", "distinct_ratio", "explained",
                                "cand_covered")]


def close_runner_up_of_another_metal(no_metal, other_metal, best, runner_up):  # noqa: ANN001, ANN201
    """The score clause of the several-metals rule (:func:`decide_many`): no metal reported and
    the runner-up, of another metal, within ``SEVERAL_METALS_MARGIN`` of the best. Elementwise on
    arrays as on scalars (the threshold search applies it to calibrated validation scores)."""
    return no_metal & other_metal & (runner_up >= best - SEVERAL_METALS_MARGIN)


def contradicts(reported_cid: str | None, cid: str, cid_metals: dict[str, list[str]]) -> bool:
    """A reported CID that this reference knows points at another facility than ``cid``."""
    return bool(reported_cid) and reported_cid != cid and reported_cid in cid_metals


@dataclass(frozen=True)
class RuleFacts:
    """What the decision rules read from a batch's ranked candidates, one entry per query.

    Candidate rows index the batch's ``fac_rows``, ``scores`` and ``X``; -1 where there is none.
    The decision (:func:`decide_many`) and the threshold search
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
      (not shared with another facility of the metal; with no metal reported, with no other
      candidate of any metal), the reported country does not differ and no reported CID points
      elsewhere. RMI's own name of one facility is decided ``match`` whatever the scores: the
      heads can score such a hit under the match threshold ("Hunan Chenzhou Mining Co., Ltd."
      under tungsten: 0.935), and no feature can make a name more certainly that facility's.
      With no metal reported the name itself says which metal: RMI lists it under one facility.
      A name read through typing slips or abbreviated words (:data:`SLIPS`,
      :data:`ABBREVIATED`) is sure only if no candidate of another metal fits it better
      (``other_metal``): the differences might be the metal's name changing.
    - ``ambiguous``: the best candidate's best-matching name belongs to several facilities of the
      metal, and neither a reported CID nor the reported country tells which: no country agrees,
      or another candidate with the same name agreement is in the reported country too ("Aurubis
      AG, Hamburg" is two gold CIDs in Germany).
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
    """
    n = len(ranking.starts) - 1
    order = ranking.order
    none = np.full(n, -1, dtype=np.int64)
    no = np.zeros(n, dtype=bool)
    if not len(order):
        return RuleFacts(none, none, no, no, np.zeros(n, dtype=np.int8), no, no, none, none,
                         none)
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
    sure = key_best & ~of_best("ambiguous_name") & ~of_best("country_disagree") & \
        ~contradicted & (metal_given | ~_any_per(owner, key_later, n))
    twin = later & (X[order, _COL["country_agree"]] != 0) & np.all(
        X[np.ix_(order, _NAME_COLS)] == xb[np.ix_(owner, _NAME_COLS)], axis=1)
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
    sure &= ~(np.isin(reading, (SLIPS, ABBREVIATED)) & (other >= 0))
    def col(feature: str) -> np.ndarray:
        return X[order, _COL[feature]]

    # a later candidate of the best's metal (with no metal reported, other metals' candidates
    # are the several-metals rule's) explaining as much of the name as the best: as many of
    # its words, as much of their rarity
    as_much = later & (cand_metal == cand_metal[ranking.starts[owner]]) & (
        col("explained") >= xb[owner, _COL["explained"]]) & (
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
    return RuleFacts(best, second, contradicted, sure, reading, ambiguous, several_names, other,
                     choice, shared)


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


def exact_lookup(metal: str | None, reported_cid: str | None, country: str,
                 nn: NormalizedName, ni: NameIndex, cid_metals: dict[str, list[str]]) -> int | None:
    """The first pass: the name row that decides the query as an exact hit (``sure`` of
    :func:`rule_facts`) from the name index alone, before any search, or ``None`` (the query goes
    through the full search).

    It applies when the name is exactly (same normalised key) an RMI name of one facility of the
    reported metal (of any metal when none is reported: then no facility of another metal may
    have the name either) and nothing speaks against it: the reported country does not differ
    and no reported CID points elsewhere. The full search decides such a name ``match`` as well,
    whatever the scores (checked in ``tests/test_decide.py`` against the full path)."""
    r = ni.sole_name(nn.key, metal or None)
    if r is None or ni.ambiguous_arr[r]:
        return None
    f = int(ni.fac[r])
    if country and ni.has_country[f] and country != ni.fac_country[f]:
        return None
    if contradicts(reported_cid, ni.fac_cid[f], cid_metals):
        return None
    return r


def decide_exact(name_row: int, metal: str, metal_text: str, reported_cid: str | None,
                 country: str, nn: NormalizedName, ni: NameIndex, fac: dict[str, np.ndarray],
                 cid_metals: dict[str, list[str]], exact: ExactScores) -> Decision:
    """The ``match`` of a query :func:`exact_lookup` settled on ``name_row``, with the reason
    and flags the full path gives it. No comparison and no head ran, so ``score`` and
    ``smelter_score`` are the measured probabilities of the lookup
    (:class:`~smelter_match.classify.ExactScores`) and the candidates are that facility alone."""
    f = int(ni.fac[name_row])
    cid = fac["cid"][f]
    # the feature row the full path gives the pair, as far as the reason reads it
    x = np.zeros(len(FEATURES))
    x[[_COL["exact"], _COL["ratio"], _COL["compact_ratio"], _COL["variant_best"]]] = 1.0
    x[_COL["kind_current"]] = ni.kind_current[name_row]
    x[_COL["kind_former"]] = ni.kind_former[name_row]
    names = ni.fac_name_idx[ni.fac_name_ptr[f]:ni.fac_name_ptr[f + 1]]   # as compare: any name
    x[_COL["acronym"]] = acronym_hit(nn.compact, len(nn.compact), nn.acronym, ni.compact_arr[names],
                                     ni.compact_len[names], ni.acronym_arr[names]).any()
    # exact_lookup settled only names whose reported country does not differ
    x[_COL["country_agree"]] = bool(country) and bool(ni.has_country[f])
    x[_COL["cid_agree"]] = bool(reported_cid) and reported_cid == cid
    flags = [*query_flags(metal, metal_text, reported_cid, cid_metals),
             *removal_flags(fac["removed"][f], fac["successors"][f])]
    return Decision(cid, fac["standard_name"][f], fac["metal"][f], fac["country"][f],
                    fac["rmap_status"][f], exact.score, "match", _reason(x),
                    ((f, exact.score),), tuple(flags), exact.smelter_score)


def _reason(x: np.ndarray, reading: int = 0) -> str:
    """How the name compares with the candidate, in words. "exact" only when the name is one of
    the candidate's names. The exact lookup also hits through initials ("LAM" for "Lianyou
    Advanced Materials", "Nohon Material Corporatiin" whose initials are Navoi's alias "NMC") and
    through one part of a bracketed name ("GuangXi" for "CNMC (Guangxi) PGMA"); the features do
    not say which, so such a hit is described by its similarity, or as "initials or part". A
    name equal to an RMI name only once a bracketed part or a trailing country is left out of
    one of them ("Asahi Refining" for "Asahi Refining USA Inc.") is "exact ... but for a
    bracketed part or country": the analyst sees that the two are not the same text; a name
    that is the RMI name's acronym (in brackets or not, "AMMC") is "acronym of an RMI name".
    ``reading``: the code of :mod:`smelter_match.readings` the name reads as the candidate by."""
    near = max(x[_COL["ratio"]], x[_COL["compact_ratio"]]) >= 0.9
    whole = max(x[_COL["ratio"]], x[_COL["compact_ratio"]]) >= 1.0
    identical = whole or x[_COL["variant_best"]] >= 1.0
    if x[_COL["exact"]] >= 1 and not identical:
        what = "near-identical name" if near else "initials or part of an RMI name"
    elif x[_COL["exact"]] >= 1:
        if x[_COL["acronym"]] and (not whole or not (x[_COL["kind_current"]]
                                                     or x[_COL["kind_former"]])):
            # also the bracketed acronym of a standard name ("AMMC" for "Almalyk Mining and
            # Metallurgical Complex (AMMC)"): the name is not the standard name but for a part
            what = "acronym of an RMI name"
        else:
            what = ("exact RMI standard name" if x[_COL["kind_current"]] else
                    "exact former RMI standard name" if x[_COL["kind_former"]] else
                    "exact RMI alias")
            if not whole:   # equal once a bracketed part or a trailing country is left out
                what += " but for a bracketed part or country"
    elif x[_COL["acronym"]]:
        what = "acronym of an RMI name"
    elif x[_COL["ocr_ratio"]] >= 1.0:
        what = "an RMI name but for OCR-confusable characters"
    elif reading == SLIPS:
        what = "an RMI name but for a few typing slips"
    elif reading == ABBREVIATED:
        what = "an RMI name but for abbreviated words"
    elif near:
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


def _doubt(several_metals: bool, ambiguous: bool, sure_which: bool, sure_facility: bool,
           there: str = "", also: str = "") -> str:
    """Why a reviewed row was not matched, in the reason's words. When both heads were sure
    enough to match, the rule that reviewed it: the name fits facilities of several metals and
    none was reported (that rule applies only then), or RMI gives the name to several facilities
    and neither country nor reported CID tells which, or the reported country is that of
    another facility that fits the name as well (``there``, its name), or the name is part of
    another facility's name as well (``also``, its name). Otherwise the heads' doubt (whether
    the name is an RMI facility at all, or which facility it is), with the shared name said
    too."""
    if several_metals:
        return "it fits facilities of several metals: which metal?"
    if ambiguous and sure_which and sure_facility:
        return "RMI gives this name to several facilities: which one?"
    if there and sure_which and sure_facility:
        return f"the reported country is that of {there}, which fits the name as well: which one?"
    if also and sure_which and sure_facility:
        return f"the name is part of {also}'s name too: which one?"
    doubt = "not sure" if sure_facility else "not sure it is an RMI facility"
    return doubt + ("; RMI gives this name to several facilities" if ambiguous else "") + (
        f"; the reported country is that of {there}" if there else "") + (
        f"; the name is part of {also}'s name too" if also else "")


def query_flags(metal: str | None, metal_text: str, reported_cid: str | None,
                cid_metals: dict[str, list[str]]) -> list[str]:
    """Flags about the reported metal and CID themselves, whatever the answer."""
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
    return flags


def decide_many(
    metals: list[str | None],
    metal_texts: list[str],
    reported_cids: list[str | None],
    ranking: Ranking,
    fac_rows: np.ndarray,
    scores: np.ndarray,
    X: np.ndarray,
    fac: dict[str, np.ndarray],
    cid_metals: dict[str, list[str]],
    smelter_scores: np.ndarray,
    nonsmelter_kinds: list[str],
    thresholds: Thresholds,
    top_k: int = 5,
    same_key: np.ndarray | None = None,
    unrelated: np.ndarray | None = None,
) -> list[Decision]:
    """Decide a batch of queries: the rules run on arrays (:func:`rule_facts`,
    :func:`no_match_evidence`), and only the output, one :class:`Decision` per query, is built
    query by query.

    Per query ``i``: ``metals[i]``, ``metal_texts[i]`` (the metal as reported),
    ``reported_cids[i]``, ``smelter_scores[i]`` and ``nonsmelter_kinds[i]`` (the kind of its
    unexplained non-smelter word, "" for none); ``ranking``: its candidate rows, the reported
    metal's best first (indexes into ``fac_rows``, ``scores`` and ``X``); ``same_key``: per
    candidate row, whether the name is exactly its best-matching RMI name; ``unrelated``: per
    query, whether its best candidate explains none of its own words
    (:func:`smelter_match.query_features.unrelated`).
    """
    n = len(metals)
    facts = rule_facts(ranking, fac_rows, X, same_key, metals, reported_cids, fac["cid"],
                       fac["metal"], cid_metals)
    has = facts.best >= 0
    b, b2 = np.maximum(facts.best, 0), np.maximum(facts.second, 0)
    p = np.where(has, scores[b], 0.0) if len(scores) else np.zeros(n)
    s = np.asarray(smelter_scores, dtype=float)
    t = thresholds
    evidence = np.where(facts.sure | ~has, 0, no_match_evidence(
        s, p, np.array([bool(k) for k in nonsmelter_kinds], dtype=bool), t, unrelated))
    match = has & (evidence == 0) & (facts.sure | ((p >= t.match) & (s >= t.smelter_match)))
    match &= ~facts.ambiguous   # RMI gives this name to several facilities: the name cannot decide
    match &= ~(facts.country_choice >= 0)   # nor when the country points to another that fits
    match &= ~(facts.shared_part >= 0)      # nor when the name is part of several names
    if len(scores):
        f, f2 = fac_rows[b], fac_rows[b2]
        no_metal = np.array([not m for m in metals], dtype=bool)
        close = close_runner_up_of_another_metal(
            no_metal, (facts.second >= 0) & (fac["metal"][f2] != fac["metal"][f]), p, scores[b2])
        several = match & ~facts.sure & (close | facts.several_names)
    else:
        f, several = b, np.zeros(n, dtype=bool)
    match &= ~several
    # facility rows, not names: a cached decision stays small (a million-row batch keeps tens of
    # thousands); the matcher turns them into CIDs and names at the output
    ranked_fac = fac_rows[ranking.order].tolist()
    ranked_score = scores[ranking.order].tolist()
    starts, shown = ranking.starts.tolist(), np.minimum(ranking.n_same, top_k).tolist()
    columns = (has.tolist(), f.tolist(), p.tolist(), s.tolist(), evidence.tolist(),
               match.tolist(), several.tolist(), facts.other_metal.tolist(), facts.reading.tolist(),
               facts.contradicted.tolist(), (X[b, _COL["ambiguous_name"]] != 0).tolist()
               if len(X) else [False] * n, facts.country_choice.tolist(),
               facts.shared_part.tolist())
    ambiguous = facts.ambiguous.tolist()
    out = []
    for i, (has_i, f_i, p_i, s_i, ev, is_match, sev, other, read, contra, amb, choice, part) in \
            enumerate(zip(*columns)):
        metal = metals[i]
        flags = query_flags(metal, metal_texts[i], reported_cids[i], cid_metals)
        elsewhere = ""
        if other >= 0:
            o = fac_rows[other]
            flags.append(f"name_known_under_other_metal={fac['cid'][o]}({fac['metal'][o]})")
            # said in words too: a no_match row is otherwise not looked at again
            elsewhere = (f"; RMI's {fac['metal'][o]} facility {fac['standard_name'][o]} fits "
                         "the name better: wrong metal?")
        a = starts[i]
        top = tuple(zip(ranked_fac[a:a + shown[i]], ranked_score[a:a + shown[i]]))
        if not has_i:
            reason = f"no {metal} facility has this name" if elsewhere else "no candidate facility"
            out.append(Decision("", "", metal or "", "", "", 0.0, "no_match", reason + elsewhere,
                                top, tuple(flags), s_i))
            continue
        name = fac["standard_name"][f_i]
        if ev:
            # with a better fit under another metal, every band's own words (a non-smelter
            # word, the metal's closest facility) are about the wrong candidates: say the fit
            reason = f"no {metal} facility has this name" if elsewhere else {
                "kind": f"not a smelter ({nonsmelter_kinds[i]})",
                "implausible": "no plausible candidate",
                "unrelated": f"no plausible candidate (the closest, {name}, explains none of "
                             "the name's own words)",
                "model": f"not an RMI facility (closest: {name})"}[EVIDENCE[ev]]
            out.append(Decision("", "", metal or "", "", "", p_i, "no_match", reason + elsewhere,
                                top, tuple(flags), s_i))
            continue
        if sev:
            flags.append("several_metals")
        flags += removal_flags(fac["removed"][f_i], fac["successors"][f_i])
        if amb:
            flags.append("ambiguous_name")
        if contra:
            flags.append("reported_cid_contradicts_name")
        there = also = ""
        if choice >= 0:
            c = fac_rows[choice]
            flags.append(f"country_points_to={fac['cid'][c]}")
            there = fac["standard_name"][c]
        if part >= 0:
            c = fac_rows[part]
            flags.append(f"name_part_of={fac['cid'][c]}")
            also = fac["standard_name"][c]
        how = _reason(X[facts.best[i]], read)
        if is_match:
            reason = how + elsewhere
        else:
            doubt = _doubt(sev, ambiguous[i], p_i >= t.match, s_i >= t.smelter_match, there,
                           also)
            reason = (f"{'probably' if p_i >= 0.5 else 'perhaps'} {name}, {doubt} ({how})"
                      + elsewhere)
        out.append(Decision(fac["cid"][f_i], name, fac["metal"][f_i], fac["country"][f_i],
                            fac["rmap_status"][f_i], p_i, "match" if is_match else "review",
                            reason, top, tuple(flags), s_i))
    return out


def decide(
    metal: str | None,
    metal_text: str,
    reported_cid: str | None,
    rows: np.ndarray,
    other_rows: np.ndarray,
    fac_rows: np.ndarray,
    scores: np.ndarray,
    X: np.ndarray,
    fac: dict[str, np.ndarray],
    cid_metals: dict[str, list[str]],
    smelter_score: float,
    nonsmelter_kind: str,
    thresholds: Thresholds,
    top_k: int = 5,
    same_key: np.ndarray | None = None,
    unrelated: bool = False,
) -> Decision:
    """:func:`decide_many` for one query. ``rows``: its candidate rows of the reported metal,
    best first (indexes into ``fac_rows``, ``scores`` and ``X``); ``other_rows``: its
    other-metal rows."""
    ranking = Ranking(np.array([0, len(rows) + len(other_rows)]),
                      np.concatenate([rows, other_rows]).astype(np.int64), np.array([len(rows)]))
    return decide_many([metal], [metal_text], [reported_cid], ranking, fac_rows, scores, X, fac,
                       cid_metals, np.array([smelter_score]), [nonsmelter_kind], thresholds,
                       top_k, same_key, np.array([unrelated]))[0]
