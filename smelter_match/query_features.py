"""Query features: the evidence on whether a reported name denotes an RMI facility at all.

The pair model (:mod:`smelter_match.compare`, :class:`smelter_match.classify.Model` ``pair``) says
how well each candidate fits a name. Whether the name is an RMI facility in the first place is a
separate question (``smelter`` head), answered from:

- how well the best candidates fit: the top candidate's pair log-odds, the margin to the second,
  and the top candidate's similarities (a real smelter RMI does not list fits nothing well);
- what the name says about itself: words of businesses that are not smelters (``bank``,
  ``trading``, ``solder``, ``electronics``; ``reference_data/vocab/non_smelter_words.csv``) that the
  best candidate does not explain, smelting words, its shape (length, digits, a legal form);
- whether a much better fit exists under another metal (a name reported under the wrong metal).

:func:`query_features` computes them for a batch of distinct queries in one pass and also returns
the ranking the decision uses (best candidate of the reported metal first) and, for a reason
text, the kind of the strongest non-smelter word ("bank", "trader", ...).
"""

from __future__ import annotations

import numpy as np
from rapidfuzz import fuzz

from smelter_match._resources import data_csv
from smelter_match.index import NameIndex, abbreviates, ocr_fold
from smelter_match.normalize import GENERIC_WORDS, STOP_WORDS, NormalizedName

__all__ = ["NON_SMELTER_WORDS", "QUERY_FEATURES", "Ranking", "query_features"]

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
_NO_CANDIDATE = -10.0


def _explains(cand: NormalizedName | None, token: str) -> bool:
    """The candidate name explains a query word: the same word, inside its spaceless key, a
    fuzzy variant (Indel >= 75 once OCR-confusable letters are one class, 4+ letters) or an
    abbreviation of one of its words."""
    if cand is None:
        return False
    if token in cand.tokens or (len(token) >= 3 and token in cand.compact):
        return True
    folded = ocr_fold(token)
    for t in cand.tokens:
        if len(token) >= 4 and fuzz.ratio(folded, ocr_fold(t)) >= 75:
            return True
        if abbreviates(token, t):
            return True
    return False


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


def rank_candidates(query: np.ndarray, n_queries: int, same: np.ndarray, logit: np.ndarray,
                    cid: np.ndarray) -> Ranking:
    """Order candidate rows: by query, reported metal first, then pair log-odds (ties by CID)."""
    order = np.lexsort((cid, -np.round(logit, 9), ~same, query))
    starts = np.searchsorted(query[order], np.arange(n_queries + 1))
    n_same = np.add.reduceat(same[order].astype(np.int64), starts[:-1]) if len(order) else \
        np.zeros(n_queries, dtype=np.int64)
    n_same = np.where(np.diff(starts) > 0, n_same, 0)
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
    ranking = rank_candidates(query, n, same, logit, ni.fac_cid[fac])
    Q = np.zeros((n, len(QUERY_FEATURES)))
    qc = {f: j for j, f in enumerate(QUERY_FEATURES)}
    kinds: list[str] = []
    for i, nn in enumerate(norms):
        rows = ranking.rows(i)
        top = rows[0] if len(rows) else -1
        q = Q[i]
        q[qc["top_logit"]] = logit[top] if top >= 0 else _NO_CANDIDATE
        q[qc["second_logit"]] = logit[rows[1]] if len(rows) > 1 else _NO_CANDIDATE
        q[qc["logit_margin"]] = q[qc["top_logit"]] - q[qc["second_logit"]]
        q[qc["has_candidate"]] = top >= 0
        if top >= 0:
            for f in TOP_PAIR_FEATURES:
                q[qc[f"top_{f}"]] = X[top, col[f]]
        else:
            q[qc["top_rare_missing"]] = q[qc["top_cand_extra"]] = 1.0
        other = ranking.other(i)
        if len(other):
            best_other = X[other, col["ratio"]].max()
            q[qc["other_metal_gain"]] = max(0.0, best_other - (X[top, col["ratio"]] if top >= 0
                                                               else 0.0))
        tokens = nn.tokens
        cand = ni.norm[best_name[top]] if top >= 0 else None
        explained = set(cand.tokens) if cand is not None else set()
        distinct = [t for t in dict.fromkeys(tokens) if t not in GENERIC_WORDS]
        q[qc["distinct_tokens"]] = len(distinct)
        q[qc["distinct_unexplained"]] = sum(not _explains(cand, t) for t in distinct)
        hits = [t for t in tokens if t in NON_SMELTER_WORDS]
        unexplained = [t for t in hits if t not in explained]
        q[qc["nonsmelter_words"]] = len(hits)
        q[qc["nonsmelter_unexplained"]] = len(unexplained)
        kinds.append(NON_SMELTER_WORDS[unexplained[0]] if unexplained else "")
        q[qc["smelting_words"]] = sum(t in GENERIC_WORDS for t in tokens)
        q[qc["n_tokens"]] = len(tokens)
        q[qc["key_length"]] = len(nn.compact)
        q[qc["digit_share"]] = sum(c.isdigit() for c in nn.compact) / max(len(nn.compact), 1)
        q[qc["generic_share"]] = sum(t in GENERIC_WORDS for t in tokens) / max(len(tokens), 1)
        folded = [t for t in nn.folded.split() if t not in STOP_WORDS]
        q[qc["has_legal_form"]] = len(folded) > len(tokens)
        q[qc["metal_unknown"]] = not metals[i]
    return Q, ranking, kinds
