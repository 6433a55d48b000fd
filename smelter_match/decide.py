"""Decision: from scored candidates to one answer per reported name (match / review / no_match).

Two probabilities meet here: ``score``, the probability that the best candidate of the reported
metal is the facility *if the name denotes an RMI facility*, and ``smelter_score``, the
probability that it denotes one at all (:mod:`smelter_match.classify`). The rule:

- a cell that names no facility (:func:`placeholder_text`: "N/A", "Not a 3TG smelter", "see tab
  2") is ``no_match`` before any search, unless an analyst override says otherwise;
- ``no_match`` needs positive evidence (:func:`no_match_evidence`): a low ``smelter_score``
  together with a word of a business that is not a smelter ("not a smelter (bank)"), or with no
  plausible candidate ("no plausible candidate"), or a very low ``smelter_score`` alone ("not an
  RMI facility (closest: X)"); "no candidate facility" when nothing of the metal comes close;
- ``match`` when the name is exactly an RMI name of one facility of the reported metal (of one
  facility of any metal when no metal is reported) with nothing against it (:func:`exact_hit`:
  no other facility of the metal has that name, the country does not differ, no reported CID
  points elsewhere), whatever the scores: most such
  names are settled before any search by :func:`exact_lookup` (the first pass, no comparison and
  no head; :func:`decide_exact` gives them the lookup's measured probabilities); or when the
  best candidate is confidently right (``score`` >= the ``match`` threshold) and the name is
  confidently a facility (``smelter_score`` >= ``smelter_match``);
- ``review`` otherwise: a plausible first candidate with an uncertain score goes to a person
  ("probably X, not sure"), never to no_match; so does a name RMI gives to several facilities
  when neither the country nor a reported CID tells which (flag ``ambiguous_name``).

Flags describe the row's answer: a ``no_match`` row carries no facts about a rejected candidate
(those stay in ``candidates``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from smelter_match._resources import data_csv, data_lines
from smelter_match.classify import ExactScores, Scorer, Thresholds
from smelter_match.compare import FEATURES, acronym_hit
from smelter_match.normalize import GENERIC_WORDS, NormalizedName, normalize_country, normalize_name
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


#: Normalised keys of texts that are not names at all ("Smelter not listed", "N/A", ...).
PLACEHOLDERS: frozenset[str] = frozenset(
    normalize_name(s).key for s in data_lines("vocab", "placeholders.txt"))


def _placeholder_phrases() -> tuple[tuple[tuple[str, ...], ...], frozenset[str]]:
    rows = data_csv("vocab", "placeholder_phrases.csv")
    says = tuple(tuple(normalize_name(r["text"]).key.split()) for r in rows if r["role"] == "says")
    filler = frozenset(normalize_name(r["text"]).folded for r in rows if r["role"] == "filler")
    return says, filler


_SAYS, _FILLER = _placeholder_phrases()
_FIRST_SAID = frozenset(phrase[0] for phrase in _SAYS)


def _filler(token: str) -> bool:
    return len(token) == 1 or token.isdigit() or token in _FILLER or token in GENERIC_WORDS


def placeholder_text(nn: NormalizedName) -> bool:
    """The cell names no facility, so it is ``no_match`` before any search: a placeholder text
    ("Smelter not listed", "N/A"), or a phrase saying so ("not a 3TG smelter", "see tab 2",
    "Confidential") with nothing else that could name a facility (``placeholder_phrases.csv``).
    A facility name with such a note keeps its distinctive words ("Jiangxi Copper (not
    listed)"), so it is searched like any other name."""
    if nn.key in PLACEHOLDERS:
        return True
    tokens = nn.key.split()
    if _FIRST_SAID.isdisjoint(tokens):   # the common case, decided at once
        return False
    said = [False] * len(tokens)
    for phrase in _SAYS:
        n = len(phrase)
        for i in range(len(tokens) - n + 1):
            if tuple(tokens[i:i + n]) == phrase:
                said[i:i + n] = [True] * n
    if not any(said):
        return False
    # what is left must be filler, or runs of words that name a country ("Hong Kong")
    runs, run = [], []
    for s, t in zip(said, tokens):
        if s or _filler(t):
            runs.append(run)
            run = []
        else:
            run.append(t)
    runs.append(run)
    return all(normalize_country(" ".join(r)) is not None for r in runs if r)


_PHRASES = {r["feature"]: (r["up"], r["down"]) for r in data_csv("vocab", "feature_phrases.csv")}


def _drivers(names: list[str], contrib: np.ndarray, n: int) -> tuple[list[str], list[str]]:
    """Phrases of the ``n`` largest contributions, split into those raising and lowering it."""
    up, down = [], []
    for j in np.argsort(-np.abs(contrib), kind="stable")[:n]:
        v = float(contrib[j])
        phrase = _PHRASES.get(names[j], (names[j], names[j]))[0 if v > 0 else 1]
        if phrase and abs(v) >= 0.05:
            (up if v > 0 else down).append(phrase)
    return up, down


def explain(pair: Scorer, smelter: Scorer, x: np.ndarray | None, q: np.ndarray,
            score: float, smelter_score: float) -> str:
    """Why the model hesitated, in one sentence: the two or three features that pulled each
    probability down or up (the largest contributions to its log-odds). ``x``: the best
    candidate's pair features (None without a candidate), ``q``: the query features; both may
    be contribution rows already (see :func:`explain_many`)."""
    return explain_rows(pair.features, smelter.features,
                        None if x is None else pair.contributions(x)[0],
                        smelter.contributions(q)[0], score, smelter_score)


def explain_rows(pair_names: list[str], smelter_names: list[str], pair_contrib: np.ndarray | None,
                 smelter_contrib: np.ndarray, score: float, smelter_score: float) -> str:
    """:func:`explain` from contribution rows computed in a batch."""
    parts = []
    for what, names, row, p in (("smelter_score", smelter_names, smelter_contrib, smelter_score),
                                ("score", pair_names, pair_contrib, score)):
        if row is None:
            continue
        up, down = _drivers(names, row, 3)
        said = []
        if down:
            said.append("lowered by " + ", ".join(down))
        if up:
            said.append("raised by " + ", ".join(up))
        if said:
            parts.append(f"{what} {p:.2f}: " + "; ".join(said))
    return ". ".join(parts)


def no_match_evidence(smelter_score: float, score: float, nonsmelter_kind: str,
                      thresholds: Thresholds) -> str:
    """Which positive evidence makes a row no_match ("" when none does):

    ``kind``: the name carries a word of a business that is not a smelter (bank, trader, solder
    maker ...) that its best candidate does not explain, and ``smelter_score`` is below the
    ``no_match_kind`` threshold; ``implausible``: even its best candidate is implausible (``score``
    below the model's ``implausible`` bound, 0.05 or 0.1, chosen with the thresholds) and
    ``smelter_score`` is below ``no_match_implausible``; ``model``: whatever the
    name, ``smelter_score`` is below ``no_match``.
    """
    if nonsmelter_kind and smelter_score < thresholds.no_match_kind:
        return "kind"
    if score < thresholds.implausible and smelter_score < thresholds.no_match_implausible:
        return "implausible"
    if smelter_score < thresholds.no_match:
        return "model"
    return ""


#: Pair features that say how a reported name compares with a candidate's names: two candidates
#: equal in all of them are, as far as the name goes, the same answer.
_NAME_COLS = [_COL[f] for f in ("ratio", "token_sort", "token_set", "partial", "jaro_winkler",
                                "compact_ratio", "variant_best", "exact", "acronym",
                                "rare_overlap", "ocr_ratio", "distinct_ratio", "explained",
                                "cand_covered")]


def ambiguous(X: np.ndarray, rows: np.ndarray) -> bool:
    """The best candidate's (``rows[0]``) best-matching name belongs to several facilities of the
    metal, and neither a reported CID nor the reported country tells which: no country agrees, or
    another candidate with the same name agreement is in the reported country too ("Aurubis AG,
    Hamburg" is two gold CIDs in Germany)."""
    x = X[rows[0]]
    if not x[_COL["ambiguous_name"]] or x[_COL["cid_agree"]]:
        return False
    if not x[_COL["country_agree"]]:
        return True
    return any(X[r, _COL["country_agree"]] and np.array_equal(X[r, _NAME_COLS], x[_NAME_COLS])
               for r in rows[1:])


def several_metals(metal: str | None, rows: np.ndarray, fac_rows: np.ndarray,
                   scores: np.ndarray, fac_metal: np.ndarray,
                   same_key: np.ndarray | None = None) -> bool:
    """No metal reported, and the runner-up, a facility of another metal, scores within
    ``SEVERAL_METALS_MARGIN`` of the best, or :func:`named_under_several_metals`: the same
    company under several metals, which a person must choose between."""
    if metal or len(rows) < 2:
        return False
    if close_runner_up_of_another_metal(
            True, fac_metal[fac_rows[rows[1]]] != fac_metal[fac_rows[rows[0]]],
            scores[rows[0]], scores[rows[1]]):
        return True
    return named_under_several_metals(metal, rows, fac_rows, fac_metal, same_key)


def close_runner_up_of_another_metal(no_metal, other_metal, best, runner_up):  # noqa: ANN001, ANN201
    """The score clause of :func:`several_metals`: no metal reported and the runner-up, of
    another metal, within ``SEVERAL_METALS_MARGIN`` of the best. Elementwise on arrays as on
    scalars (the threshold search applies it to calibrated validation scores)."""
    return no_metal & other_metal & (runner_up >= best - SEVERAL_METALS_MARGIN)


def named_under_several_metals(metal: str | None, rows: np.ndarray, fac_rows: np.ndarray,
                               fac_metal: np.ndarray, same_key: np.ndarray | None) -> bool:
    """No metal reported and the name is exactly RMI's name of the best candidate and of a
    facility of another metal ("Dowa")."""
    if metal or len(rows) < 2 or same_key is None or not same_key[rows[0]]:
        return False
    best_metal = fac_metal[fac_rows[rows[0]]]
    return any(same_key[r] and fac_metal[fac_rows[r]] != best_metal for r in rows[1:])


def contradicts(reported_cid: str | None, cid: str, cid_metals: dict[str, list[str]]) -> bool:
    """A reported CID that this reference knows points at another facility than ``cid``."""
    return bool(reported_cid) and reported_cid != cid and reported_cid in cid_metals


def exact_hit(metal: str | None, rows: np.ndarray, same_key: np.ndarray | None, X: np.ndarray,
              contradicted: bool) -> bool:
    """The name is exactly an RMI name of its best candidate (``rows[0]``), a facility of the
    reported metal, and nothing speaks against it: the name is that facility's alone (not shared
    with another facility of the metal; with no metal reported, with no other candidate of any
    metal), the reported country does not differ and no reported CID points elsewhere. RMI's own
    name of one facility is decided ``match`` whatever the scores: the heads can score such a hit
    under the match threshold ("Hunan Chenzhou Mining Co., Ltd." under tungsten: 0.935), and no
    feature can make a name more certainly that facility's. With no metal reported the name
    itself says which metal: RMI lists it under one facility only."""
    if not len(rows) or same_key is None or not same_key[rows[0]]:
        return False
    x = X[rows[0]]
    if x[_COL["ambiguous_name"]] or x[_COL["country_disagree"]] or contradicted:
        return False
    return bool(metal) or not same_key[rows[1:]].any()


def exact_lookup(metal: str | None, reported_cid: str | None, country: str,
                 nn: NormalizedName, ni: NameIndex, cid_metals: dict[str, list[str]]) -> int | None:
    """The first pass: the name row that decides the query by :func:`exact_hit` from the name
    index alone, before any search, or ``None`` (the query goes through the full search).

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


def _reason(x: np.ndarray) -> str:
    """How the name compares with the candidate, in words. "exact" only when the name is one of
    the candidate's names. The exact lookup also hits through initials ("LAM" for "Lianyou
    Advanced Materials", "Nohon Material Corporatiin" whose initials are Navoi's alias "NMC") and
    through one part of a bracketed name ("GuangXi" for "CNMC (Guangxi) PGMA"); the features do
    not say which, so such a hit is described by its similarity, or as "initials or part"."""
    near = max(x[_COL["ratio"]], x[_COL["compact_ratio"]]) >= 0.9
    identical = max(x[_COL["ratio"]], x[_COL["compact_ratio"]], x[_COL["variant_best"]]) >= 1.0
    if x[_COL["exact"]] >= 1 and not identical:
        what = "near-identical name" if near else "initials or part of an RMI name"
    elif x[_COL["exact"]] >= 1:
        if x[_COL["kind_current"]]:
            what = "exact RMI standard name"
        elif x[_COL["kind_former"]]:
            what = "exact former RMI standard name"
        elif x[_COL["acronym"]]:
            what = "acronym of an RMI name"
        else:
            what = "exact RMI alias"
    elif x[_COL["acronym"]]:
        what = "acronym of an RMI name"
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
) -> Decision:
    """Decide for one query. ``rows``: its candidate rows of the reported metal, best first
    (indexes into ``fac_rows``, ``scores`` and ``X``); ``other_rows``: its other-metal rows;
    ``same_key``: per candidate row, whether the name is exactly (same normalised key) the
    candidate's best-matching RMI name (see :func:`exact_hit`)."""
    flags = query_flags(metal, metal_text, reported_cid, cid_metals)
    shown = rows[:top_k]
    # facility rows, not names: a cached decision stays small (a million-row batch keeps tens of
    # thousands); the matcher turns them into CIDs and names at the output
    top = tuple(zip(fac_rows[shown].tolist(), scores[shown].tolist()))
    s = float(smelter_score)
    if len(other_rows) and metal:
        # a much better name match under another metal: the supplier may have picked the wrong metal
        best_same = float(X[rows, _COL["ratio"]].max()) if len(rows) else 0.0
        for i in sorted(other_rows.tolist(), key=lambda i: -X[i, _COL["ratio"]]):
            x = X[i]
            if (x[_COL["exact"]] or x[_COL["ratio"]] >= 0.9) and x[_COL["ratio"]] > best_same:
                f = fac_rows[i]
                flags.append(f"name_known_under_other_metal={fac['cid'][f]}({fac['metal'][f]})")
                break

    if not len(rows):
        return Decision("", "", metal or "", "", "", 0.0, "no_match", "no candidate facility",
                        top, tuple(flags), s)
    best = int(rows[0])
    f, p, x = fac_rows[best], float(scores[best]), X[best]
    name = fac["standard_name"][f]
    contradicted = contradicts(reported_cid, fac["cid"][f], cid_metals)
    sure = exact_hit(metal, rows, same_key, X, contradicted)
    evidence = "" if sure else no_match_evidence(s, p, nonsmelter_kind, thresholds)
    if evidence:
        reason = {"kind": f"not a smelter ({nonsmelter_kind})",
                  "implausible": "no plausible candidate",
                  "model": f"not an RMI facility (closest: {name})"}[evidence]
        return Decision("", "", metal or "", "", "", p, "no_match", reason, top, tuple(flags), s)
    decision = "match" if sure or (p >= thresholds.match and s >= thresholds.smelter_match) \
        else "review"
    if decision == "match" and ambiguous(X, rows):
        decision = "review"   # RMI gives this name to several facilities: the name cannot decide
    if decision == "match" and not sure and several_metals(metal, rows, fac_rows, scores,
                                                           fac["metal"], same_key):
        decision = "review"
        flags.append("several_metals")
    flags += removal_flags(fac["removed"][f], fac["successors"][f])
    if x[_COL["ambiguous_name"]]:
        flags.append("ambiguous_name")
    if contradicted:
        flags.append("reported_cid_contradicts_name")
    if decision == "match":
        reason = _reason(x)
    else:
        doubt = "not sure it is an RMI facility" if s < thresholds.smelter_match else "not sure"
        reason = f"{'probably' if p >= 0.5 else 'perhaps'} {name}, {doubt} ({_reason(x)})"
    return Decision(fac["cid"][f], name, fac["metal"][f], fac["country"][f],
                    fac["rmap_status"][f], p, decision, reason, top, tuple(flags), s)
