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

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from rapidfuzz import fuzz, process

from smelter_match.normalize import GENERIC_WORDS, NormalizedName, normalize_name
from smelter_match.reference import Reference

NGRAM_SIZES = (2, 3, 4)
#: Columns a query frame (or mapping of column lists) has for candidate generation.
QUERY_COLUMNS = ("key", "compact", "variants", "acronym")
#: Multiplier that packs (row, token id) into one int64 code for fast membership tests.
TOKEN_CODE = 1 << 32


def _gram_codes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Character 2-4-grams of ``" " + text + " "`` for every text, as (text row, gram code).

    Vectorised: the padded texts are laid end to end in one byte buffer and every n-gram is read
    as a base-128 integer (compact keys are ASCII ``[a-z0-9]``; anything else reads as ``?``).
    The code of an n-gram also encodes ``n``, so different sizes never collide.
    """
    if not texts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    padded = [f" {t} " for t in texts]
    lens = np.fromiter((len(p) for p in padded), dtype=np.int64, count=len(padded))
    buf = np.frombuffer("".join(padded).encode("ascii", "replace"), dtype=np.uint8).astype(np.int64)
    row = np.repeat(np.arange(len(padded), dtype=np.int64), lens)
    pos = np.arange(len(buf), dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
    rows, codes = [], []
    for n in NGRAM_SIZES:
        m = len(buf) - n + 1
        if m <= 0:
            continue
        code = np.full(m, n, dtype=np.int64)
        for k in range(n):
            code = code * 128 + buf[k:k + m]
        ok = pos[:m] <= lens[row[:m]] - n
        rows.append(row[:m][ok])
        codes.append(code[ok])
    return np.concatenate(rows), np.concatenate(codes)


def _tfidf(rows: np.ndarray, ids: np.ndarray, n_rows: int, n_cols: int,
           idf: np.ndarray | None = None) -> tuple[sp.csr_matrix, np.ndarray]:
    """L2-normalised TF-IDF rows (tf = 1 + log count) from (row, column id) occurrences.

    ``idf=None`` computes it from these rows (``log((1 + n) / (1 + df)) + 1``). Built in numpy
    and wrapped in one CSR matrix, so a single name (``match_one``) pays for one construction.
    Returns (matrix, idf).
    """
    cell, counts = np.unique(rows * n_cols + ids, return_counts=True)
    r, c = cell // n_cols, cell % n_cols
    if idf is None:
        idf = np.log((1 + n_rows) / (1 + np.bincount(c, minlength=n_cols))) + 1.0
    w = (1.0 + np.log(counts)) * idf[c]
    norm = np.sqrt(np.bincount(r, weights=w * w, minlength=n_rows))
    norm[norm == 0] = 1.0
    indptr = np.r_[0, np.cumsum(np.bincount(r, minlength=n_rows))]
    return sp.csr_matrix((w / norm[r], c, indptr), shape=(n_rows, n_cols)), idf


class NameIndex:
    """Searchable view of a Reference's names, built once per Reference (~0.2 s).

    Rows are reference names (one per (cid, metal, name) with a non-empty key); ``fac`` maps each
    name row to its facility row in ``reference.facilities``.
    """

    def __init__(self, reference: Reference):
        self.reference = reference
        fac = reference.facilities.reset_index(drop=True)
        fac_pos = {(c, m): i for i, (c, m) in enumerate(zip(fac["cid"], fac["metal"]))}
        names = reference.names
        rows = []
        for cid, metal, name, kind, amb in zip(names["cid"], names["metal"], names["name"],
                                               names["kind"], names["ambiguous"]):
            n = normalize_name(name)
            if n.key and (cid, metal) in fac_pos:
                rows.append((cid, metal, name, kind, n, fac_pos[(cid, metal)], bool(amb)))
        self.cid = np.array([r[0] for r in rows], dtype=object)
        self.metal = np.array([r[1] for r in rows], dtype=object)
        self.name = [r[2] for r in rows]
        self.kind = [r[3] for r in rows]
        self.norm = [r[4] for r in rows]
        self.fac = np.array([r[5] for r in rows], dtype=np.int64)
        self.ambiguous = [r[6] for r in rows]   # name maps to several CIDs of its metal
        self.frame = pd.DataFrame({
            "cid": self.cid, "metal": self.metal, "key": [n.key for n in self.norm],
            "compact": [n.compact for n in self.norm],
        })
        names_of_fac: dict[int, list[int]] = defaultdict(list)
        for i, f in enumerate(self.fac):
            names_of_fac[int(f)].append(i)
        # exact lookups
        self.by_exact: dict[str, set[int]] = defaultdict(set)
        for i, n in enumerate(self.norm):
            for v in (*n.variants, n.compact):
                if v:
                    self.by_exact[v.replace(" ", "")].add(i)
            if len(n.acronym) >= 3:
                self.by_exact["acr:" + n.acronym].add(i)
        # token IDF over facilities (a token shared by many facilities says little)
        df_count: dict[str, int] = defaultdict(int)
        for idxs in names_of_fac.values():
            for t in {t for i in idxs for t in self.norm[i].tokens}:
                df_count[t] += 1
        n_fac = max(len(names_of_fac), 1)
        self.idf = {t: math.log((n_fac + 1) / (c + 0.5)) for t, c in df_count.items()}
        self.max_idf = math.log((n_fac + 1) / 0.5)
        self._build_arrays(len(fac))
        # character n-gram TF-IDF (sublinear tf, l2-normalised rows)
        rows, codes = _gram_codes([n.compact for n in self.norm])
        self.gram_codes, ids = np.unique(codes, return_inverse=True)
        self.matrix, self.gram_idf = _tfidf(rows, ids.ravel(), len(self.norm),
                                            max(len(self.gram_codes), 1))
        self.matrix_t = self.matrix.T.tocsr()
        order = np.argsort(np.array([n.compact for n in self.norm], dtype=object), kind="stable")
        self.sorted_rows = order
        self.sorted_compact = [self.norm[i].compact for i in order]

    def _build_arrays(self, n_facilities: int) -> None:
        """Flat numpy views used by the vectorised compare stage (see :mod:`smelter_match.compare`)."""
        norm = self.norm
        # facility -> name rows (ascending), as CSR
        self.fac_name_idx = np.argsort(self.fac, kind="stable").astype(np.int64)
        counts = np.bincount(self.fac, minlength=n_facilities)
        self.fac_name_ptr = np.r_[0, np.cumsum(counts)].astype(np.int64)
        self.key_arr = np.array([n.key for n in norm], dtype=object)
        self.compact_arr = np.array([n.compact for n in norm], dtype=object)
        self.acronym_arr = np.array([n.acronym for n in norm], dtype=object)
        self.compact_len = np.array([len(n.compact) for n in norm], dtype=np.int64)
        self.var_ptr, self.var_arr = variants_csr(norm)
        # facility columns the hot path reads (by facility row)
        fac = self.reference.facilities
        self.fac_country = fac["country_code"].to_numpy(dtype=object)
        self.has_country = np.array([bool(c) for c in self.fac_country], dtype=bool)
        self.fac_metal = fac["metal"].to_numpy(dtype=object)
        self.fac_cid = fac["cid"].to_numpy(dtype=object)
        self.fac_removed = fac["removed"].to_numpy(dtype=bool)
        self.kind_current = np.array([k == "current_standard_name" for k in self.kind], dtype=bool)
        self.kind_former = np.array([k == "former_standard_name" for k in self.kind], dtype=bool)
        self.ambiguous_arr = np.array(self.ambiguous, dtype=bool)
        # reference token vocabulary: id -> text / weight; name -> distinct token ids (CSR)
        self.token_id: dict[str, int] = {}
        ptr, ids = [0], []
        for n in norm:
            for t in dict.fromkeys(n.tokens):
                ids.append(self.token_id.setdefault(t, len(self.token_id)))
            ptr.append(len(ids))
        self.token_text = list(self.token_id)
        self.token_arr = np.array(self.token_text, dtype=object)
        self.token_w = np.array([self.token_weight(t) for t in self.token_text], dtype=float)
        self.name_tok_ptr = np.array(ptr, dtype=np.int64)
        self.name_tok_ids = np.array(ids, dtype=np.int64)
        rows = np.repeat(np.arange(len(norm), dtype=np.int64), np.diff(self.name_tok_ptr))
        self.name_tok_codes = np.sort(rows * TOKEN_CODE + self.name_tok_ids)
        mass = np.bincount(rows, weights=self.token_w[self.name_tok_ids], minlength=len(norm))
        self.name_mass = np.where(mass > 0, mass, 1.0)
        self.fuzzy_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def fuzzy_neighbours(self, tokens: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Reference tokens within Indel similarity >= 80 of each token (ids, similarities 0-100).

        Only tokens of 4+ characters get neighbours (shorter ones are too easily confused).
        Results are cached per token text, so a batch job pays once per distinct token.
        """
        todo = [t for t in dict.fromkeys(tokens) if len(t) >= 4 and t not in self.fuzzy_cache]
        for start in range(0, len(todo), 2000):
            chunk = todo[start:start + 2000]
            sims = process.cdist(chunk, self.token_text, scorer=fuzz.ratio, score_cutoff=80,
                                 dtype=np.float64)
            for t, row in zip(chunk, sims):
                nz = np.flatnonzero(row)
                self.fuzzy_cache[t] = (nz.astype(np.int64), row[nz])
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0))
        return [self.fuzzy_cache.get(t, empty) if len(t) >= 4 else empty for t in tokens]

    def vectorize(self, compacts: list[str]) -> sp.csr_matrix:
        """TF-IDF vectors of query compact keys in this index's n-gram space (unknown grams dropped)."""
        rows, codes = _gram_codes(compacts)
        if len(self.gram_codes):
            ids = np.minimum(np.searchsorted(self.gram_codes, codes), len(self.gram_codes) - 1)
            known = self.gram_codes[ids] == codes
        else:
            ids, known = np.zeros(len(codes), dtype=np.int64), np.zeros(len(codes), dtype=bool)
        return _tfidf(rows[known], ids[known], len(compacts), self.matrix.shape[1],
                      self.gram_idf)[0]

    def token_weight(self, token: str) -> float:
        """IDF of a token; unseen tokens are rare (max IDF), generic domain words are damped."""
        w = self.idf.get(token, self.max_idf)
        return w * 0.3 if token in GENERIC_WORDS else w


def variants_csr(norm: list[NormalizedName]) -> tuple[np.ndarray, np.ndarray]:
    """Parenthetical variants of each name, flattened: (pointer per name, variant texts)."""
    lens = np.array([len(n.variants) for n in norm], dtype=np.int64)
    flat = np.array([v for n in norm for v in n.variants], dtype=object)
    return np.r_[0, np.cumsum(lens)].astype(np.int64), flat


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
        q, nm = self.arrays(df_a)
        labels = np.asarray(df_a.index)
        return pd.MultiIndex.from_arrays([labels[q], nm], names=["query", "name"])

    def arrays(self, df_a: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError


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

    def scores(self, df_a: pd.DataFrame) -> sp.csr_matrix:
        return (self.ni.vectorize(list(df_a["compact"])) @ self.ni.matrix_t).tocsr()

    def arrays(self, df_a):
        return self.top_k(self.scores(df_a).toarray())[:2]

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
        kth = -np.partition(-dense, k - 1, axis=1)[:, k - 1:k]
        kth = np.maximum(kth, self.min_cosine)
        above = dense > kth
        tie = dense == kth
        room = k - above.sum(axis=1, keepdims=True)
        keep = above | (tie & (np.cumsum(tie, axis=1) <= room))
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


def expand_csr(ptr: np.ndarray, idx: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR expansion: for each ``rows[i]``, its entries ``idx[ptr[r]:ptr[r+1]]``.

    Returns (owner position i per entry, entry values), owners ascending.
    """
    counts = ptr[rows + 1] - ptr[rows]
    owner = np.repeat(np.arange(len(rows), dtype=np.int64), counts)
    offset = np.arange(len(owner), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, idx[np.repeat(ptr[rows], counts) + offset]


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
        labels = np.asarray(queries.index)
        return pd.MultiIndex.from_arrays([labels[q], nm], names=["query", "name"])

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
            mi = recordlinkage_index(self.indexers).index(pd.DataFrame(queries), self.ni.frame)
            extra = [(mi.get_level_values(0).to_numpy(dtype=np.int64),
                      mi.get_level_values(1).to_numpy(dtype=np.int64))]
        extra_codes = np.concatenate([q * n_names + nm for q, nm in extra])
        n = len(queries["compact"])
        for start in range(0, n, chunk):
            part = queries if n <= chunk else {c: v[start:start + chunk] for c, v in queries.items()}
            dense = self.ngram.scores(part).toarray()
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
        first = np.unique(of, return_index=True)[1]   # key ids are numbered by first appearance
        keys = cols if len(first) == n else {c: [v[i] for i in first.tolist()]
                                             for c, v in cols.items()}
        kq, nm, cos, exact = self._union(keys)
        # a cheap second opinion for ranking: Indel similarity of the compact keys (one C call)
        compact = np.array(keys["compact"], dtype=object)
        ratio = process.cpdist(compact[kq].tolist(), self.ni.compact_arr[nm].tolist(),
                               scorer=fuzz.ratio, dtype=np.float64) / 100.0 if len(kq) else \
            np.zeros(0)
        q, at = expand_csr(np.searchsorted(kq, np.arange(len(first) + 1)),
                           np.arange(len(kq), dtype=np.int64), of)
        if len(q) == 0:
            e = np.array([], dtype=np.int64)
            return Candidates(e, e, np.array([], dtype=float), e, n)
        # roll name pairs up to (query, facility): best cosine, best ratio, any exact hit
        n_fac = len(self.ni.fac_metal)
        code = q * n_fac + self.ni.fac[nm[at]]
        order = np.argsort(code, kind="stable")
        code, at = code[order], at[order]
        starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
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
