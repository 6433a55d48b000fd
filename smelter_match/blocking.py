"""Candidate generation (blocking): which RMI facilities are worth comparing with a reported name.

The reference has ~1,400 names, so comparing every reported name with every reference name is
affordable per name but not per million rows; blocking keeps recall high (the true facility is
among the candidates) with at most ``max_candidates`` facilities per name.

Three indexers, each following recordlinkage's Index protocol (``index(df_a, df_b)`` returning a
``pandas.MultiIndex`` of (query, reference-name) pairs), so they can be plugged into
``recordlinkage.Index`` (see :func:`recordlinkage_index`):

- :class:`ExactKeyIndexer`: exact normalised key, compact key (no spaces), parenthetical variants
  and acronyms;
- :class:`NgramIndexer`: TF-IDF character n-grams of the compact key, top-k by cosine;
- :class:`SortedNeighbourhoodIndexer`: neighbours in the sorted order of compact keys (catches
  truncations and prefix-sharing names that n-grams rank low).

:class:`CandidateGenerator` unions the pairs, rolls names up to facilities and keeps the best
``max_candidates`` facilities per query. It uses its own union by default (importing recordlinkage
costs over a second at start-up); ``use_recordlinkage=True`` runs the same indexers through
``recordlinkage.Index`` and gives the same pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from rapidfuzz import fuzz, process

from smelter_match.index import NameIndex
from smelter_match.sparse import expand_csr, run_starts

if TYPE_CHECKING:
    import pandas as pd

#: Columns a query frame (or mapping of column lists) has for candidate generation.
QUERY_COLUMNS = ("key", "compact", "variants", "acronym")

# -- indexers (recordlinkage protocol) -------------------------------------------------------

class _Indexer:
    """Base for the project's indexers: ``index(queries, names)`` -> MultiIndex of pairs.

    ``queries`` has columns key, compact, variants, acronym; ``names`` is ``NameIndex.frame``.
    The NameIndex is bound at construction because the search structures are precomputed.
    :meth:`arrays` is the vectorised form used on the hot path: positional query rows and name
    rows as two int64 arrays.
    """

    def __init__(self, name_index: NameIndex):
        self.ni = name_index

    def index(self, df_a: pd.DataFrame, df_b: pd.DataFrame | None = None) -> pd.MultiIndex:
        return _pair_index(df_a, *self.arrays(df_a))

    def arrays(self, df_a: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError


def _pair_index(queries: pd.DataFrame, q: np.ndarray, nm: np.ndarray) -> pd.MultiIndex:
    """(query label, name row) pairs as recordlinkage's MultiIndex."""
    import pandas as pd

    return pd.MultiIndex.from_arrays([np.asarray(queries.index)[q], nm], names=["query", "name"])


def _int_arrays(q: list[int], nm: list[int]) -> tuple[np.ndarray, np.ndarray]:
    return np.array(q, dtype=np.int64), np.array(nm, dtype=np.int64)


class ExactKeyIndexer(_Indexer):
    """Pairs whose compact key, a parenthetical variant or an acronym is identical."""

    def arrays(self, df_a):
        qs, nms = [], []
        by = self.ni.by_exact
        for q, (variants, compact, acr) in enumerate(zip(df_a["variants"], df_a["compact"],
                                                         df_a["acronym"])):
            hits: set[int] = set()
            for v in (*variants, compact):
                hits |= by.get(v.replace(" ", ""), set())
            if len(compact) >= 3:  # a reported acronym ("AMMC") against reference acronyms
                hits |= by.get("acr:" + compact, set())
            if len(acr) >= 3:
                hits |= by.get(acr, set())
            for h in sorted(hits):
                qs.append(q)
                nms.append(h)
        return _int_arrays(qs, nms)


class NgramIndexer(_Indexer):
    """Top-``k`` reference names by TF-IDF cosine of character 2-4-grams of the compact key.

    Ties at the k-th place are broken by name row, so the pairs are deterministic.
    """

    def __init__(self, name_index: NameIndex, k: int = 40, min_cosine: float = 0.05):
        super().__init__(name_index)
        self.k, self.min_cosine = k, min_cosine

    def scores(self, df_a: pd.DataFrame) -> np.ndarray:
        """Dense (query x reference name) cosines."""
        return self.ni.cosines(list(df_a["compact"]))

    def arrays(self, df_a):
        return self.top_k(self.scores(df_a))[:2]

    def top_k(self, dense: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query row, name row, cosine) of the top-k names per row of a dense similarity block.

        Names below ``min_cosine`` are never kept; ties at the k-th value go to the lower name
        row, so the result does not depend on the selection algorithm.
        """
        n_rows, n_cols = dense.shape
        if n_rows == 0 or n_cols == 0:
            e = np.zeros(0, dtype=np.int64)
            return e, e, np.zeros(0)
        k = min(self.k, n_cols)
        # the k-th largest value per row (one temporary copy of the block)
        kth = np.partition(dense, n_cols - k, axis=1)[:, n_cols - k:n_cols - k + 1]
        kth = np.maximum(kth, self.min_cosine)
        keep = dense > kth
        tie = dense == kth
        room = k - keep.sum(axis=1)
        # ties at the k-th value fill the remaining room by name row; only rows with more ties
        # than room need counting
        crowded = np.flatnonzero(tie.sum(axis=1) > room)
        keep |= tie
        if len(crowded):
            keep[crowded] &= ~tie[crowded] | (np.cumsum(tie[crowded], axis=1)
                                                <= room[crowded, None])
        rows, cols = np.nonzero(keep)
        return rows.astype(np.int64), cols.astype(np.int64), dense[rows, cols]


class SortedNeighbourhoodIndexer(_Indexer):
    """Reference names within ``window`` positions of the query in sorted compact-key order."""

    def __init__(self, name_index: NameIndex, window: int = 3):
        super().__init__(name_index)
        self.window = window
        self._keys = np.array(name_index.sorted_compact, dtype=str)

    def arrays(self, df_a):
        compact = np.array(list(df_a["compact"]), dtype=str)
        q = np.flatnonzero(compact != "")
        if len(q) == 0 or len(self._keys) == 0:
            return _int_arrays([], [])
        pos = np.searchsorted(self._keys, compact[q], side="left")
        offs = np.arange(-self.window, self.window)
        j = pos[:, None] + offs[None, :]
        ok = (j >= 0) & (j < len(self._keys))
        qq = np.broadcast_to(q[:, None], j.shape)[ok]
        return qq.astype(np.int64), np.asarray(self.ni.sorted_rows, dtype=np.int64)[j[ok]]


def recordlinkage_index(indexers: list[_Indexer]):  # noqa: ANN201 - recordlinkage.Index
    """The same indexers inside a ``recordlinkage.Index`` (for users of that framework)."""
    import recordlinkage

    idx = recordlinkage.Index()
    for ix in indexers:
        idx.add(ix)
    return idx


# -- candidate generation ------------------------------------------------------------------

@dataclass
class Candidates:
    """Candidate facilities per query: parallel arrays, grouped by query in ascending order."""

    query: np.ndarray      # query row (0..n_queries-1)
    fac: np.ndarray        # facility row in reference.facilities
    cosine: np.ndarray     # best TF-IDF cosine over the facility's names
    exact: np.ndarray      # 1 if an exact key/variant/acronym hit
    n_queries: int


def _group_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """For each element of a sorted array, the position where its run of equal values starts."""
    return np.searchsorted(sorted_keys, sorted_keys, side="left")


class CandidateGenerator:
    """Union of the indexers, rolled up to facilities, best ``max_candidates`` per query.

    When a query has a metal, candidates of that metal are kept first; up to ``other_metal``
    facilities of other metals are kept too, so that "known only under another metal" can be
    flagged. Everything after the indexers is numpy: no per-pair Python work, so one name
    (``match_one``) and a 20,000-name batch go through the same code.
    """

    def __init__(self, name_index: NameIndex, max_candidates: int = 20, other_metal: int = 3,
                 use_recordlinkage: bool = False):
        self.ni = name_index
        self.max_candidates, self.other_metal = max_candidates, other_metal
        self.ngram = NgramIndexer(name_index)
        self.indexers: list[_Indexer] = [ExactKeyIndexer(name_index), self.ngram,
                                         SortedNeighbourhoodIndexer(name_index)]
        self.use_recordlinkage = use_recordlinkage

    def pairs(self, queries: pd.DataFrame) -> pd.MultiIndex:
        """Union of all indexers' (query, name) pairs, sorted."""
        q, nm, _, _ = self._union({c: list(queries[c]) for c in QUERY_COLUMNS})
        return _pair_index(queries, q, nm)

    def _union(self, queries: dict[str, list], chunk: int = 2048) -> tuple[np.ndarray, ...]:
        """Sorted distinct (query, name) pairs with their cosine and exact-hit flag.

        The n-gram similarities are made dense ``chunk`` queries at a time (2048 x ~1,400 names
        is ~20 MB), which makes top-k selection and cosine look-ups plain array operations.
        """
        n_names = max(len(self.ni.norm), 1)
        eq, en = self.indexers[0].arrays(queries)
        exact_codes = eq * n_names + en
        qs, nms, coss = [], [], []
        extra = [(eq, en)] + [ix.arrays(queries) for ix in self.indexers[2:]]
        if self.use_recordlinkage:
            import pandas as pd

            mi = recordlinkage_index(self.indexers).index(pd.DataFrame(queries), self.ni.frame)
            extra = [(mi.get_level_values(0).to_numpy(dtype=np.int64),
                      mi.get_level_values(1).to_numpy(dtype=np.int64))]
        extra_codes = np.concatenate([q * n_names + nm for q, nm in extra])
        n = len(queries["compact"])
        for start in range(0, n, chunk):
            part = queries if n <= chunk else {c: v[start:start + chunk] for c, v in queries.items()}
            dense = self.ngram.scores(part)
            lo, hi = start * n_names, (start + len(dense)) * n_names
            mine = extra_codes[(extra_codes >= lo) & (extra_codes < hi)] - lo
            if self.use_recordlinkage:
                local = np.unique(mine)
            else:
                tq, tn, _ = self.ngram.top_k(dense)
                local = np.unique(np.concatenate([tq * n_names + tn, mine]))
            q, nm = local // n_names, local % n_names
            qs.append(q + start)
            nms.append(nm)
            coss.append(dense[q, nm] if len(local) else np.zeros(0))
        if not qs:
            e = np.zeros(0, dtype=np.int64)
            return e, e, np.zeros(0), np.zeros(0, dtype=bool)
        q, nm, cos = np.concatenate(qs), np.concatenate(nms), np.concatenate(coss)
        return q, nm, cos, np.isin(q * n_names + nm, exact_codes)

    def generate(self, queries: pd.DataFrame | dict[str, list],
                 metals: list[str | None]) -> Candidates:
        """Candidates for ``queries`` (a frame or mapping with columns ``QUERY_COLUMNS``).

        Query rows are numbered by position (0..n-1) in the result.
        """
        cols = {c: list(queries[c]) for c in QUERY_COLUMNS}
        n = len(cols["key"])
        # the indexers only look at the name, so each distinct name is searched once
        pos: dict[tuple, int] = {}
        of = np.array([pos.setdefault(t, len(pos)) for t in zip(
            cols["compact"], cols["variants"], cols["acronym"])], dtype=np.int64)
        # key ids are numbered by first appearance (all distinct: each row its own)
        first = np.arange(n) if len(pos) == n else np.unique(of, return_index=True)[1]
        keys = cols if len(first) == n else {c: [v[i] for i in first.tolist()]
                                             for c, v in cols.items()}
        kq, nm, cos, exact = self._union(keys)
        # a cheap second opinion for ranking: Indel similarity of the compact keys (one C call)
        compact = np.array(keys["compact"], dtype=object)
        ratio = process.cpdist(compact[kq].tolist(), self.ni.compact_arr[nm].tolist(),
                               scorer=fuzz.ratio, dtype=np.float64) / 100.0 if len(kq) else \
            np.zeros(0)
        # each query's pairs: its key's (kq ascending), the same pairs when every key is its own
        q, at = (kq, np.arange(len(kq), dtype=np.int64)) if len(first) == n else expand_csr(
            np.searchsorted(kq, np.arange(len(first) + 1)), np.arange(len(kq), dtype=np.int64), of)
        if len(q) == 0:
            e = np.array([], dtype=np.int64)
            return Candidates(e, e, np.array([], dtype=float), e, n)
        # roll name pairs up to (query, facility): best cosine, best ratio, any exact hit
        n_fac = len(self.ni.fac_metal)
        code = q * n_fac + self.ni.fac[nm[at]]
        order = np.argsort(code, kind="stable")
        code, at = code[order], at[order]
        starts = run_starts(code)
        best_cos = np.maximum.reduceat(cos[at], starts)
        best_ratio = np.maximum.reduceat(ratio[at], starts)
        any_exact = np.maximum.reduceat(exact[at].astype(np.int64), starts)
        cq, cf = code[starts] // n_fac, code[starts] % n_fac
        # rank: reported metal first, then exact hit, n-gram cosine + ratio; keep the best few
        qmetal = np.array([m or "" for m in metals], dtype=object)
        same = (qmetal[cq] == "") | (self.ni.fac_metal[cf] == qmetal[cq])
        # rounded so that facilities with identical names tie exactly (then: lower row first)
        rank_key = np.round(any_exact * 10.0 + best_cos + best_ratio, 9)
        order = np.lexsort((cf, -rank_key, ~same, cq))
        group = cq[order] * 2 + (~same[order])
        rank = np.arange(len(order)) - _group_starts(group)
        kept = order[np.where(same[order], rank < self.max_candidates, rank < self.other_metal)]
        return Candidates(cq[kept], cf[kept], best_cos[kept], any_exact[kept], n)
