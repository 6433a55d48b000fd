"""Decision: from scored candidates to one answer per reported name (match / review / no_match).

Two probabilities meet here: ``score``, the probability that the best candidate of the reported
metal is the facility *if the name denotes an RMI facility*, and ``smelter_score``, the
probability that it denotes one at all (:mod:`smelter_match.classify`). The rule:

- a cell that names no facility (:func:`smelter_match.placeholders.placeholder_text`: "N/A",
  "Not a 3TG smelter", "see tab 2") is ``no_match`` before any search, unless an analyst
  override says otherwise, or its reported CID is in the reference (``review`` proposing that
  facility, :func:`decide_reported_cid`);
- ``no_match`` needs positive evidence (:func:`no_match_evidence`): a low ``smelter_score``
  together with a word of a business that is not a smelter ("not a smelter (bank)"), or with no
  plausible candidate ("no plausible candidate": the best candidate's ``score`` is very low, or
  the best candidate explains none of the name's own words, "no plausible candidate (the
  closest, X, explains none of the name's own words)", since ``score`` is conditional on the
  name being a facility and can be high for the best of nothing), or a very low
  ``smelter_score`` alone ("not an RMI facility (closest: X)"); "no candidate facility" when
  nothing of the metal comes close;
  a name that fits a facility of another metal better (``other_metal`` of
  :func:`~smelter_match.rules.rule_facts`) says so in every decision's reason ("no Tin
  facility has this name; RMI's Gold facility X fits the name better: wrong metal?"), not only
  in its flag;
- ``match`` when the name is exactly an RMI name of one facility of the reported metal (of one
  facility of any metal when no metal is reported) with nothing against it (``sure`` of
  :func:`~smelter_match.rules.rule_facts`: no other facility of the metal has that name, the
  country does not differ, no reported CID points elsewhere), whatever the scores: most such
  names are settled before any search by :func:`exact_lookup` (the first pass, no comparison and no head;
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
  ``name_part_of``; "probably X, the name is part of Y's name too: which one?"), a short name
  that another candidate reads exactly, as its name or its initials, unless the name is
  exactly RMI's name of the best alone (and a few more exceptions, see
  :func:`~smelter_match.rules.rule_facts`; flag ``name_exact_for``; "probably X, the name is
  exactly Y's name or initials: which one?"), and, with no metal reported, a name that fits
  facilities of several metals (flag ``several_metals``; "..., it fits facilities of several
  metals: which metal?").

The rules run on arrays over a whole batch of searched queries (:func:`~smelter_match.rules.rule_facts`,
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
from smelter_match.metals import other_metal_said
from smelter_match.normalize import NormalizedName
from smelter_match.query_features import Ranking
from smelter_match.readings import ABBREVIATED, SLIPS
from smelter_match.results import removal_flags
from smelter_match.rules import contradicts, rule_facts

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
    # the first that holds, in this order (np.where nested: np.select costs more on few rows)
    return np.where(kind_word & (smelter_score < t.no_match_kind), 1, np.where(
        (score < t.implausible) & (smelter_score < t.no_match_implausible), 2, np.where(
            unrelated & (smelter_score < t.no_match_unrelated), 4,
            np.where(smelter_score < t.no_match, 3, 0))))


def close_runner_up_of_another_metal(no_metal, other_metal, best, runner_up):  # noqa: ANN001, ANN201
    """The score clause of the several-metals rule (:func:`decide_many`): no metal reported and
    the runner-up, of another metal, within ``SEVERAL_METALS_MARGIN`` of the best. Elementwise on
    arrays as on scalars (the threshold search applies it to calibrated validation scores)."""
    return no_metal & other_metal & (runner_up >= best - SEVERAL_METALS_MARGIN)


def exact_lookup(metal: str | None, reported_cid: str | None, country: str,
                 nn: NormalizedName, ni: NameIndex, cid_metals: dict[str, list[str]],
                 metal_text: str = "") -> int | None:
    """The first pass: the name row that decides the query as an exact hit (``sure`` of
    :func:`~smelter_match.rules.rule_facts`) from the name index alone, before any search, or
    ``None`` (the query goes through the full search).

    It applies when the name is exactly (same normalised key) an RMI name of one facility of the
    reported metal (of any metal when none is reported: then no facility of another metal may
    have the name either) and nothing speaks against it: the reported country does not differ
    and no reported CID points elsewhere, and no metal other than the four was reported
    (``metal_text`` without ``metal``: :func:`decide_many` reviews such a row). The full search
    decides such a name ``match`` as well, whatever the scores (checked in
    ``tests/test_decide.py`` against the full path)."""
    if metal_text and not metal:
        return None
    r = ni.sole_name(nn.key, metal or None)
    if r is None or ni.ambiguous_arr[r]:
        return None
    f = int(ni.fac[r])
    if country and ni.has_country[f] and not ni.country_agrees(f, country):
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


def decide_reported_cid(why: str, metal: str, metal_text: str, reported_cid: str | None,
                        fac: dict[str, np.ndarray], fac_row: dict[tuple[str, str], int],
                        cid_metals: dict[str, list[str]]) -> Decision | None:
    """A row whose name names nothing (``why``: "no name", "placeholder text") but whose
    reported CID is in the reference: ``review`` proposing that facility, or ``None`` (no such
    CID: the row stays ``no_match``). Without a name there is nothing to compare, and a reported
    CID alone is no match (suppliers copy IDs between rows), but dropping the row would drop a
    facility the supplier did name, by its RMI ID (a CMRT filled through its ID column).
    The facility is the CID's of the reported metal, else of its only metal, else its first
    (the flags say ``reported_cid_other_metal``); no model ran, so both scores are 0."""
    metals_of = cid_metals.get(reported_cid or "")
    if not metals_of:
        return None
    f = fac_row[(reported_cid, metal if metal in metals_of else sorted(metals_of)[0])]
    flags = [*query_flags(metal, metal_text, reported_cid, cid_metals),
             *removal_flags(fac["removed"][f], fac["successors"][f])]
    name = fac["standard_name"][f]
    return Decision(reported_cid, name, fac["metal"][f], fac["country"][f],
                    fac["rmap_status"][f], 0.0, "review",
                    f"{why}, but the reported CID is {name}'s: is it?", ((f, 0.0),),
                    tuple(flags), 0.0)


def _reason(x: np.ndarray, reading: int = 0, current: bool = False) -> str:
    """How the name compares with the candidate, in words. "exact" only when the name is one of
    the candidate's names. The exact lookup also hits through initials ("LAM" for "Lianyou
    Advanced Materials", "Nohon Material Corporatiin" whose initials are Navoi's alias "NMC") and
    through one part of a bracketed name ("GuangXi" for "CNMC (Guangxi) PGMA"); the features do
    not say which, so such a hit is described by its similarity, or as "initials or part". A
    name equal to an RMI name only once a bracketed part or a trailing country is left out of
    one of them ("Asahi Refining" for "Asahi Refining USA Inc.") is "exact ... but for a
    bracketed part or country": the analyst sees that the two are not the same text; a name
    that is the RMI name's acronym (in brackets or not, "AMMC") is "acronym of an RMI name".
    ``reading``: the code of :mod:`smelter_match.readings` the name reads as the candidate by;
    ``current``: the name is the candidate's current standard name once normalised (its best
    reading may be a former name spelt alike, "Asaka Riken Co Ltd": the features say "former")."""
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
            what = ("exact RMI standard name" if x[_COL["kind_current"]] or current else
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
           there: str = "", also: str = "", exactly: str = "", off_metal: str = "",
           reported: str = "", plain: bool = False) -> str:
    """Why a reviewed row was not matched, in the reason's words. When both heads were sure
    enough to match, the rule that reviewed it: the name fits facilities of several metals and
    none was reported (that rule applies only then), or RMI gives the name to several facilities
    and neither country nor reported CID tells which, or the reported country is that of
    another facility that fits the name as well (``there``, its name), or the name is part of
    another facility's name as well (``also``, its name), or it is exactly another facility's
    name or initials (``exactly``, its name), or the reported metal is none of the four
    (``off_metal``, as reported), or the reported CID is another facility's (``reported``), or
    the name is only a place or company forms (``plain``: ``names_no_business``). Otherwise the
    heads' doubt (whether the name is an RMI facility at all, or which facility
    it is), with the shared name said too."""
    off = other_metal_said(off_metal)
    cid_says = f"the reported CID {reported} is another facility"
    if off_metal and sure_which and sure_facility:
        return f"{off}: which metal?"
    if reported and sure_which and sure_facility:
        return f"{cid_says}: which one?"
    if several_metals:
        return "it fits facilities of several metals: which metal?"
    if ambiguous and sure_which and sure_facility:
        return "RMI gives this name to several facilities: which one?"
    if there and sure_which and sure_facility:
        return f"the reported country is that of {there}, which fits the name as well: which one?"
    if also and sure_which and sure_facility:
        return f"the name is part of {also}'s name too: which one?"
    if exactly and sure_which and sure_facility:
        return f"the name is exactly {exactly}'s name or initials: which one?"
    if plain and sure_which and sure_facility:
        return "the name says where or what kind of business, not which: which one?"
    doubt = "not sure" if sure_facility else "not sure it is an RMI facility"
    return doubt + ("; RMI gives this name to several facilities" if ambiguous else "") + (
        f"; the reported country is that of {there}" if there else "") + (
        f"; the name is part of {also}'s name too" if also else "") + (
        f"; the name is exactly {exactly}'s name or initials" if exactly else "") + (
        "; the name says where or what kind of business, not which" if plain else "") + (
        f"; {off}" if off_metal else "") + (f"; {cid_says}" if reported else "")


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


def _successor_links(fac: dict[str, np.ndarray]) -> set[tuple[str, str]]:
    """(CID, CID) pairs of a removed facility and its successors, both ways: one answer."""
    links: set[tuple[str, str]] = set()
    for r in np.flatnonzero(fac["successors"] != "").tolist():
        for succ in str(fac["successors"][r]).split(";"):
            links |= {(fac["cid"][r], succ), (succ, fac["cid"][r])}
    return links


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
    query_keys: list[str] | None = None,
    no_business: np.ndarray | None = None,
) -> list[Decision]:
    """Decide a batch of queries: the rules run on arrays (:func:`~smelter_match.rules.rule_facts`,
    :func:`no_match_evidence`), and only the output, one :class:`Decision` per query, is built
    query by query.

    Per query ``i``: ``metals[i]``, ``metal_texts[i]`` (the metal as reported),
    ``reported_cids[i]``, ``smelter_scores[i]`` and ``nonsmelter_kinds[i]`` (the kind of its
    unexplained non-smelter word, "" for none); ``ranking``: its candidate rows, the reported
    metal's best first (indexes into ``fac_rows``, ``scores`` and ``X``); ``same_key``: per
    candidate row, whether the name is exactly its best-matching RMI name; ``unrelated``: per
    query, whether its best candidate explains none of its own words
    (:func:`smelter_match.query_features.unrelated`); ``query_keys``: per query, its normalised
    key, compared with ``fac["current_key"]`` (each facility's current standard name's key):
    a name that is RMI's current name of a facility is said to be its standard name, and a
    name RMI gives to several facilities, reviewed, proposes the one that bears it now;
    ``no_business``: per query, whether the name is only a place or company forms
    (:func:`~smelter_match.placeholders.names_no_business`), matched only as exactly an RMI name.
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
    match &= ~(facts.exact_other >= 0)      # nor when another candidate reads it exactly
    plain = np.zeros(n, dtype=bool) if no_business is None else np.asarray(no_business, bool)
    match &= ~(plain & ~facts.sure)   # "Germany", "Corp.": a likeness to a name says nothing
    if len(scores):
        f, f2 = fac_rows[b], fac_rows[b2]
        no_metal = np.array([not m for m in metals], dtype=bool)
        close = close_runner_up_of_another_metal(
            no_metal, (facts.second >= 0) & (fac["metal"][f2] != fac["metal"][f]), p, scores[b2])
        several = match & ~facts.sure & (close | facts.several_names)
    else:
        f, several = b, np.zeros(n, dtype=bool)
    match &= ~several
    # a metal reported that is none of the four ("Cobalt", "Copper"): the row is about another
    # metal, whatever facility of the four the name fits (searched as if no metal was reported)
    off_metal = [t if t and not m else "" for m, t in zip(metals, metal_texts, strict=True)]
    match &= ~np.array([bool(t) for t in off_metal], dtype=bool)
    # a reported CID of another facility (not the best's predecessor or successor): the name and
    # the CID disagree, and a person decides which (the flag alone left such rows matched)
    disputed = facts.contradicted.copy()
    if disputed.any():   # (rare: the links are read only then)
        links = _successor_links(fac)
        best_cid = fac["cid"][fac_rows[b]]
        disputed &= np.array([(r, c) not in links for r, c in zip(
            reported_cids, best_cid.tolist(), strict=True)], dtype=bool)
    match &= ~disputed
    # facility rows, not names: a cached decision stays small (a million-row batch keeps tens of
    # thousands); the matcher turns them into CIDs and names at the output
    ranked_fac = fac_rows[ranking.order].tolist()
    ranked_score = scores[ranking.order].tolist()
    starts, shown = ranking.starts.tolist(), np.minimum(ranking.n_same, top_k).tolist()
    columns = (has.tolist(), f.tolist(), p.tolist(), s.tolist(), evidence.tolist(),
               match.tolist(), several.tolist(), facts.other_metal.tolist(), facts.reading.tolist(),
               facts.contradicted.tolist(), (X[b, _COL["ambiguous_name"]] != 0).tolist()
               if len(X) else [False] * n, facts.country_choice.tolist(),
               facts.shared_part.tolist(), facts.exact_other.tolist(), disputed.tolist(),
               plain.tolist())
    ambiguous = facts.ambiguous.tolist()
    current_key = fac.get("current_key")
    keys = query_keys if query_keys is not None and current_key is not None else [None] * n
    out = []
    for i, (has_i, f_i, p_i, s_i, ev, is_match, sev, other, read, contra, amb, choice, part,
            exact_o, dispute, plain_i) in enumerate(zip(*columns)):
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
        r_best = int(facts.best[i])
        if ambiguous[i] and not is_match and keys[i] and current_key[f_i] != keys[i]:
            # the pair head cannot tell two facilities that share a name apart ("KEMET Blue
            # Powder": CID002568's name, and a former name of CID000963, removed for it): the
            # one that bears the name now is the one to propose (the row stays in review)
            bearer = next((int(r) for r in ranking.order[a:a + ranking.n_same[i]]
                           if current_key[fac_rows[r]] == keys[i]), -1)
            if bearer >= 0:
                r_best, f_i, p_i = bearer, int(fac_rows[bearer]), float(scores[bearer])
                top = ((f_i, p_i), *[c for c in top if c[0] != f_i])[:max(shown[i], 1)]
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
        # the review rules that name another candidate: its CID in a flag, its name in the reason
        others = []
        for flag, row in (("country_points_to", choice), ("name_part_of", part),
                          ("name_exact_for", exact_o)):
            other_name = ""
            if row >= 0:
                c = fac_rows[row]
                flags.append(f"{flag}={fac['cid'][c]}")
                other_name = fac["standard_name"][c]
            others.append(other_name)
        how = _reason(X[r_best], read, bool(keys[i]) and current_key[f_i] == keys[i])
        if is_match:
            reason = how + elsewhere
        else:
            doubt = _doubt(sev, ambiguous[i], p_i >= t.match, s_i >= t.smelter_match, *others,
                           off_metal=off_metal[i], reported=reported_cids[i] if dispute else "",
                           plain=plain_i)
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
    query_key: str | None = None,
) -> Decision:
    """:func:`decide_many` for one query. ``rows``: its candidate rows of the reported metal,
    best first (indexes into ``fac_rows``, ``scores`` and ``X``); ``other_rows``: its
    other-metal rows."""
    ranking = Ranking(np.array([0, len(rows) + len(other_rows)]),
                      np.concatenate([rows, other_rows]).astype(np.int64), np.array([len(rows)]))
    return decide_many([metal], [metal_text], [reported_cid], ranking, fac_rows, scores, X, fac,
                       cid_metals, np.array([smelter_score]), [nonsmelter_kind], thresholds,
                       top_k, same_key, np.array([unrelated]),
                       None if query_key is None else [query_key])[0]
