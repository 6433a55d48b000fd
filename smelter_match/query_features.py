"""Query features: the evidence on whether a reported name denotes an RMI facility at all.

The pair model (:mod:`smelter_match.compare`, :class:`smelter_match.classify.Model` ``pair``) says
how well each candidate fits a name. Whether the name is an RMI facility in the first place is a
separate question (``smelter`` head), answered from:

- how well the best candidates fit: the top candidate's pair log-odds, the margin to the second,
  and the top candidate's similarities (a real smelter RMI does not list fits nothing well);
- words of the name that are real words (metals, or distinctive words RMI writes in other
  names) and that the best candidate's name lacks as spelled (``known_unexplained``, the count
  of :func:`smelter_match.readings.missing_words`, countries aside): "Korea Zinc" is not
  "Korea Metal", nor "Eco-System Recycling West Plant" the East Plant, whereas a misspelt word
  ("Edlemeytaal") is no such evidence, nor another generic word, in English or in another
  language ("Kogyo" for "Industry", "Fundicion" for "Smelting": suppliers swap those freely),
  and the words the best candidate has in another language (``translated_words``: "Kinzoku"
  against "Metals"), so that a translation does not look like a near miss;
- what the name says about itself: words of businesses that are not smelters (``bank``,
  ``trading``, ``solder``, ``electronics``; ``reference_data/vocab/non_smelter_words.csv``) that the
  best candidate does not explain, smelting words, its shape (length, digits, a legal form);
- whether a much better fit exists under another metal (a name reported under the wrong metal).

:func:`query_features` computes them for a batch of distinct queries in one pass and also returns
the ranking the decision uses (best candidate of the reported metal first) and, for a reason
text, the kind of the strongest non-smelter word ("bank", "trader", ...).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz

from smelter_match._resources import data_csv
from smelter_match.compare import NAME_AGREEMENT
from smelter_match.countries import COUNTRY_WORDS
from smelter_match.folding import GENERIC_WORDS, METAL_WORDS, STOP_WORDS, fold
from smelter_match.index import NameIndex, abbreviates, ocr_fold
from smelter_match.normalize import NormalizedName
from smelter_match.readings import missing_words

__all__ = ["NON_SMELTER_WORDS", "QUERY_FEATURES", "Ranking", "query_features", "unrelated"]

#: Word -> kind of business that is not a smelter (the kind names the no_match reason).
NON_SMELTER_WORDS: dict[str, str] = {r["word"]: r["kind"]
                                     for r in data_csv("vocab", "non_smelter_words.csv")}
#: Pair features of the top candidate that enter the query features (as ``top_<name>``).
TOP_PAIR_FEATURES = ("ratio", "token_set", "ocr_ratio", "distinct_ratio", "explained",
                     "cand_covered", "rare_overlap", "rare_missing", "cand_extra", "exact",
                     "partial", "jaro_winkler", "acronym", "cosine", "country_agree",
                     "country_disagree")
QUERY_FEATURES: tuple[str, ...] = (
    "top_logit",              # pair log-odds of the best candidate of the reported metal
    "second_logit",           # ... of the second best (-10 when there is none)
    "logit_margin",           # top_logit - second_logit
    "has_candidate",          # 1 when a candidate of the reported metal exists
    *(f"top_{f}" for f in TOP_PAIR_FEATURES),
    "other_metal_gain",       # how much better a name of another metal fits (Indel ratio gain)
    "distinct_tokens",        # distinctive (non-generic) words of the name
    "distinct_unexplained",   # ... that the best candidate's name does not explain
    "known_unexplained",      # real words (metals, RMI's distinctive words) the best's name lacks
    "translated_words",       # words the best's name has in another language ("Kinzoku": Metal)
    "nonsmelter_words",       # words of non-smelter businesses in the name
    "nonsmelter_unexplained", # ... that the best candidate's name does not contain
    "smelting_words",         # metal / smelting / refining words in the name
    "n_tokens",               # key words
    "key_length",             # characters of the key
    "digit_share",            # share of digits in the key
    "generic_share",          # share of key words that are generic (metal, group, industry ...)
    "has_legal_form",         # the name carried a legal form (Co., Ltd., GmbH ...)
    "metal_unknown",          # no metal reported
)
_QC = {f: j for j, f in enumerate(QUERY_FEATURES)}
_TOP_COLS = [_QC[f"top_{f}"] for f in TOP_PAIR_FEATURES]
_NO_CANDIDATE = -10.0
#: Generic words as written in other languages or romanisations (``romanisations.csv``:
#: "Fundicion" for Smelting, "Kogyo" for Industry; some are RMI's distinctive words too, "Timah").
GENERIC_OTHER_LANGUAGES: frozenset[str] = frozenset(
    t for r in data_csv("vocab", "romanisations.csv") for t in fold(r["written_as"]).split())
#: Words ``known_unexplained`` does not count: a country (the country features weigh it) and a
#: generic word in another language (a supplier's translation).
_NOT_COUNTED = COUNTRY_WORDS | GENERIC_OTHER_LANGUAGES


#: Words shorter than this are not translated (``translated_words``): a pinyin syllable "Xi" or
#: "Wu" is far more often part of a place ("Wu Xi", "Guang Xi") than tin or tungsten.
TRANSLATED_MIN = 3


def _translations() -> dict[str, frozenset[str]]:
    """Folded word -> the words ``romanisations.csv`` says mean the same, both ways ("kinzoku"
    -> metal, metals; "metal" -> kinzoku, jinshu, geumsok), words of :data:`TRANSLATED_MIN`
    letters or more only."""
    same: dict[str, set[str]] = {}
    for r in data_csv("vocab", "romanisations.csv"):
        for english in fold(r["word"]).split():
            for written in fold(r["written_as"]).split():
                if min(len(english), len(written)) >= TRANSLATED_MIN:
                    same.setdefault(written, set()).add(english)
                    same.setdefault(english, set()).add(written)
    return {w: frozenset(s) for w, s in same.items()}


TRANSLATIONS: dict[str, frozenset[str]] = _translations()


def translated_words(nn: NormalizedName, cand: NormalizedName) -> int:
    """How many words of the name the candidate's name lacks as written but has in another
    language or in English (``romanisations.csv``): "Kinzoku" against "Metals", "Industry"
    against "Kogyo". A supplier's translation, not another company's word: the query feature
    ``translated_words`` lets the smelter head tell it from a near miss ("Korea Zinc" for "Korea
    Metal"), which the heads are trained to doubt. One candidate word translates one word of
    the name at most ("Kabushiki Kaisha" against "Corporation" is one), and only a word the
    name itself lacks ("Metals Kinzoku" against "Metals" is none)."""
    ours, theirs = set(nn.tokens), set(cand.tokens)
    free = theirs - ours
    count = 0
    for t in dict.fromkeys(nn.tokens):
        if t in theirs:
            continue
        hit = min(TRANSLATIONS.get(t, frozenset()) & free, default=None)
        if hit is not None:
            free.discard(hit)
            count += 1
    return count


def _explains(cand: NormalizedName | None, token: str) -> bool:
    """The candidate name explains a query word: the same word, inside its spaceless key, a
    fuzzy variant (Indel >= 75 once OCR-confusable letters are one class; 4+ characters, or a
    digit among letters: "e5r") or an abbreviation of one of its words."""
    if cand is None:
        return False
    if token in cand.tokens or (len(token) >= 3 and token in cand.compact):
        return True
    folded = _ocr_word(token) if len(token) >= 4 or not (token.isalpha() or token.isdigit()) \
        else ""
    for t in cand.tokens:
        if folded and fuzz.ratio(folded, _ocr_word(t)) >= 75:
            return True
        if abbreviates(token, t):
            return True
    return False


def _covers(nn: NormalizedName, cand: NormalizedName) -> bool:
    """The name explains every distinctive word of the candidate's name (the converse of
    :func:`_explains` over the candidate's words): nothing of the candidate is missing."""
    return all(_explains(nn, t) for t in dict.fromkeys(cand.tokens) if t not in GENERIC_WORDS)


@lru_cache(maxsize=1 << 16)
def _ocr_word(token: str) -> str:
    """:func:`ocr_fold` of one word, cached (candidates' words recur across queries)."""
    return ocr_fold(token)


class Ranking:
    """Per query: the candidate rows in decision order (reported metal first, best first)."""

    def __init__(self, starts: np.ndarray, order: np.ndarray, n_same: np.ndarray):
        self.starts, self.order, self.n_same = starts, order, n_same

    def rows(self, q: int) -> np.ndarray:
        """Candidate rows of query ``q`` of the reported metal, best first."""
        return self.order[self.starts[q]:self.starts[q] + self.n_same[q]]

    def other(self, q: int) -> np.ndarray:
        """Candidate rows of query ``q`` of other metals."""
        return self.order[self.starts[q] + self.n_same[q]:self.starts[q + 1]]

    def best(self) -> np.ndarray:
        """Per query, its best candidate row of the reported metal (-1: none)."""
        first = np.minimum(self.starts[:-1], max(len(self.order) - 1, 0))
        return np.where(self.n_same > 0, self.order[first] if len(self.order) else -1, -1)


def rank_candidates(query: np.ndarray, n_queries: int, same: np.ndarray, logit: np.ndarray,
                    cid: np.ndarray, agree: np.ndarray | None = None,
                    names: np.ndarray | None = None) -> Ranking:
    """Order candidate rows: by query, reported metal first, then pair log-odds (ties by CID;
    ``cid``: the CIDs or their ranks in sorted order, ``NameIndex.fac_cid_rank``).

    ``agree`` (per row: the reported CID is this candidate's) with ``names`` (per row: its name
    agreement, ``compare.NAME_AGREEMENT``): a candidate of the reported CID that reads the name
    exactly as well as the best comes first. The pair head cannot tell two facilities that
    share a name apart, and may rank the other one first ("Metalor Technologies S.A." is RMI's
    name of CID001153 and a former name of CID001149); the supplier's CID can."""
    key = np.round(logit, 9)
    order = np.lexsort((cid, -key, ~same, query))
    starts = np.searchsorted(query[order], np.arange(n_queries + 1))
    # per query, its candidates of the reported metal (a cumulative sum: queries without
    # candidates may come last, where ``reduceat`` would index past the end)
    cum = np.concatenate(([0], np.cumsum(same[order], dtype=np.int64)))
    n_same = cum[starts[1:]] - cum[starts[:-1]]
    ranking = Ranking(starts, order, n_same)
    if agree is None or names is None or not agree.any():
        return ranking
    best = ranking.best()[query]
    b = np.maximum(best, 0)
    twin = agree & same & (best >= 0) & (b != np.arange(len(query))) & np.all(
        names == names[b], axis=1)
    if not twin.any():
        return ranking
    order = np.lexsort((cid, -np.where(twin, np.inf, key), ~same, query))
    return Ranking(starts, order, n_same)


def query_features(norms: list[NormalizedName], metals: list[str | None], query: np.ndarray,
                   fac: np.ndarray, X: np.ndarray, logit: np.ndarray, best_name: np.ndarray,
                   ni: NameIndex, features: tuple[str, ...]) -> tuple[np.ndarray, Ranking, list]:
    """Query feature matrix (columns QUERY_FEATURES), the candidate ranking, non-smelter kinds.

    ``query``/``fac``: candidate rows (query position, facility row); ``X``: their pair features
    (columns ``features``); ``logit``: their pair log-odds; ``best_name``: their best-matching
    reference name row.
    """
    n = len(norms)
    col = {f: j for j, f in enumerate(features)}
    qmetal = np.array([m or "" for m in metals], dtype=object)
    same = (qmetal[query] == "") | (ni.fac_metal[fac] == qmetal[query]) if len(query) else \
        np.zeros(0, dtype=bool)
    ranking = rank_candidates(query, n, same, logit, ni.fac_cid_rank[fac],
                              X[:, col["cid_agree"]] != 0,
                              X[:, [col[f] for f in NAME_AGREEMENT]])
    Q = np.zeros((n, len(QUERY_FEATURES)))
    qc = _QC
    first = ranking.starts[:-1]
    top = np.where(ranking.n_same > 0, ranking.order[np.minimum(first, max(len(query) - 1, 0))]
                   if len(query) else -1, -1)
    second = np.where(ranking.n_same > 1,
                      ranking.order[np.minimum(first + 1, max(len(query) - 1, 0))]
                      if len(query) else -1, -1)
    has = top >= 0
    Q[:, qc["top_logit"]] = np.where(has, logit[top] if len(query) else 0.0, _NO_CANDIDATE)
    Q[:, qc["second_logit"]] = np.where(second >= 0, logit[second] if len(query) else 0.0,
                                        _NO_CANDIDATE)
    Q[:, qc["logit_margin"]] = Q[:, qc["top_logit"]] - Q[:, qc["second_logit"]]
    Q[:, qc["has_candidate"]] = has
    if len(query):
        Q[:, _TOP_COLS] = np.where(has[:, None], X[top][:, [col[f] for f in TOP_PAIR_FEATURES]],
                                   0.0)
    Q[~has, qc["top_rare_missing"]] = 1.0
    Q[~has, qc["top_cand_extra"]] = 1.0
    # a better name fit under another metal: best other-metal ratio minus the top's ratio
    sizes = np.diff(ranking.starts)
    n_other = sizes - ranking.n_same
    if n_other.any():
        owner = np.repeat(np.arange(n), sizes)
        same_metal = np.arange(len(owner)) - ranking.starts[owner] < ranking.n_same[owner]
        ratio = np.where(same_metal, -np.inf, X[ranking.order, col["ratio"]])
        with_rows = np.flatnonzero(sizes > 0)
        best_other = np.maximum.reduceat(ratio, ranking.starts[with_rows])
        seg = with_rows[n_other[with_rows] > 0]
        best_other = best_other[n_other[with_rows] > 0]
        top_ratio = np.where(has[seg], X[top[seg], col["ratio"]], 0.0)
        Q[seg, qc["other_metal_gain"]] = np.maximum(0.0, best_other - top_ratio)
    best_rows = np.where(has, best_name[top] if len(query) else -1, -1).tolist()
    against = [_against(ni.norm[r] if r >= 0 else None, nn) for r, nn in zip(best_rows, norms)]
    kinds = [a[1] for a in against]
    if n:
        facts = np.array([_name_facts(nn) for nn in norms], dtype=float).reshape(n, -1)
        for j, f in enumerate(_FACTS):
            Q[:, qc[f]] = facts[:, j]
        Q[:, qc["distinct_unexplained"]] = [a[0] for a in against]
        Q[:, qc["known_unexplained"]] = [
            missing_words(ni, [t for t in nn.tokens if t not in _NOT_COUNTED], r,
                          places=False, generic=METAL_WORDS) if r >= 0 else 0
            for r, nn in zip(best_rows, norms)]
        Q[:, qc["translated_words"]] = [
            translated_words(nn, ni.norm[r]) if r >= 0 else 0 for r, nn in zip(best_rows, norms)]
        Q[:, qc["nonsmelter_unexplained"]] = [a[2] for a in against]
        Q[:, qc["metal_unknown"]] = [not m for m in metals]
    return Q, ranking, kinds


def unrelated(Q: np.ndarray) -> np.ndarray:
    """Per query (rows of a :func:`query_features` matrix): the name has words of its own (not
    generic) and its best candidate explains none of them, nor is the name its acronym.

    Why it is evidence apart from ``score``: ``score`` is the probability that the candidate is
    right *if* the name denotes a facility, so a name that shares nothing but "Tin Co., Ltd."
    with its best candidate ("Hezhou Jinwei Tin Co., Ltd." against China Tin Group) can score
    0.6 for want of a better one. A candidate that explains nothing of the name is no plausible
    answer however it scores (:func:`smelter_match.decide.no_match_evidence`, ``unrelated``)."""
    qc = _QC
    own = Q[:, qc["distinct_tokens"]]
    return ((Q[:, qc["has_candidate"]] > 0) & (own >= 1)
            & (Q[:, qc["distinct_unexplained"]] >= own) & (Q[:, qc["top_acronym"]] == 0))


#: The query features :func:`_name_facts` returns, in its order.
_FACTS = ("distinct_tokens", "nonsmelter_words", "smelting_words", "n_tokens", "key_length",
          "digit_share", "generic_share", "has_legal_form")


@lru_cache(maxsize=200_000)
def _name_facts(nn: NormalizedName) -> tuple:
    """What a name says about itself (cached per name)."""
    tokens = nn.tokens
    distinct = [t for t in dict.fromkeys(tokens) if t not in GENERIC_WORDS]
    generic = sum(t in GENERIC_WORDS for t in tokens)
    folded = [t for t in nn.folded.split() if t not in STOP_WORDS]
    return (len(distinct), sum(t in NON_SMELTER_WORDS for t in tokens), generic, len(tokens),
            len(nn.compact), sum(map(nn.compact.count, "0123456789")) / max(len(nn.compact), 1),
            generic / max(len(tokens), 1), float(len(folded) > len(tokens)))


@lru_cache(maxsize=200_000)
def _against(cand: NormalizedName | None, nn: NormalizedName) -> tuple[int, str, int]:
    """(distinctive words the candidate's name does not explain, kind of the first non-smelter
    word it does not explain, how many non-smelter words it does not explain) - cached per
    (candidate name, name).

    A non-smelter word is explained only when the candidate has it *and* explains another
    distinctive word of the name, or when the two names explain each other's distinctive words
    entirely (a country named in the name aside): RMI's own names carry such words ("Central
    Bank of the DPR of Korea", "Da Nang Processing Import and Export", the alias "ANZ Bank",
    "Noble Metal Services", whose only distinctive word is the business word), and a candidate
    that shares nothing but the business word ("Arrow Electronics" against "E.S.R.
    Electronics", "Toronto-Dominion Bank" against "ANZ Bank", "Electronics Co." against "E.S.R.
    Electronics") is no reason to doubt the word.
    """
    distinct = [t for t in dict.fromkeys(nn.tokens) if t not in GENERIC_WORDS]
    is_explained = {t: _explains(cand, t) for t in distinct}
    supported = cand is not None and (
        any(ok for t, ok in is_explained.items() if t not in NON_SMELTER_WORDS)
        or (any(is_explained.values()) and _covers(nn, cand) and all(
            ok or t in COUNTRY_WORDS for t, ok in is_explained.items())))
    explained = set(cand.tokens) if supported else set()
    unexplained = [t for t in nn.tokens if t in NON_SMELTER_WORDS and t not in explained]
    return (sum(not ok for ok in is_explained.values()),
            NON_SMELTER_WORDS[unexplained[0]] if unexplained else "", len(unexplained))
