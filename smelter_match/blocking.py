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

from smelter_match.normalize import GENERIC_WORDS, normalize_name
from smelter_match.reference import Reference

NGRAM_SIZES = (2, 3, 4)


def _ngrams(text: str) -> list[str]:
    padded = f" {text} "
    return [padded[i:i + n] for n in NGRAM_SIZES for i in range(len(padded) - n + 1)]


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
        # facility row -> its name rows
        self.names_of_fac: dict[int, list[int]] = defaultdict(list)
        for i, f in enumerate(self.fac):
            self.names_of_fac[int(f)].append(i)
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
        for idxs in self.names_of_fac.values():
            for t in {t for i in idxs for t in self.norm[i].tokens}:
                df_count[t] += 1
        n_fac = max(len(self.names_of_fac), 1)
        self.idf = {t: math.log((n_fac + 1) / (c + 0.5)) for t, c in df_count.items()}
        self.max_idf = math.log((n_fac + 1) / 0.5)
        # character n-gram TF-IDF (sublinear tf, l2-normalised rows)
        vocab: dict[str, int] = {}
        data, ind, ptr = [], [], [0]
        for n in self.norm:
            grams = _ngrams(n.compact)
            counts: dict[int, int] = defaultdict(int)
            for g in grams:
                counts[vocab.setdefault(g, len(vocab))] += 1
            ind.extend(counts.keys())
            data.extend(1.0 + math.log(c) for c in counts.values())
            ptr.append(len(ind))
        self.vocab = vocab
        mat = sp.csr_matrix((np.array(data), np.array(ind), np.array(ptr)),
                            shape=(len(self.norm), max(len(vocab), 1)))
        dfreq = np.bincount(mat.indices, minlength=mat.shape[1])
        self.gram_idf = np.log((1 + mat.shape[0]) / (1 + dfreq)) + 1.0
        self.matrix = _l2(mat.multiply(self.gram_idf).tocsr())
        self.matrix_t = self.matrix.T.tocsr()
        order = np.argsort(np.array([n.compact for n in self.norm], dtype=object), kind="stable")
        self.sorted_rows = order
        self.sorted_compact = [self.norm[i].compact for i in order]

    def vectorize(self, compacts: list[str]) -> sp.csr_matrix:
        """TF-IDF vectors of query compact keys in this index's n-gram space."""
        data, ind, ptr = [], [], [0]
        for text in compacts:
            counts: dict[int, int] = defaultdict(int)
            for g in _ngrams(text):
                j = self.vocab.get(g)
                if j is not None:
                    counts[j] += 1
            ind.extend(counts.keys())
            data.extend(1.0 + math.log(c) for c in counts.values())
            ptr.append(len(ind))
        mat = sp.csr_matrix((np.array(data, dtype=float), np.array(ind, dtype=np.int64),
                             np.array(ptr)), shape=(len(compacts), self.matrix.shape[1]))
        return _l2(mat.multiply(self.gram_idf).tocsr())

    def token_weight(self, token: str) -> float:
        """IDF of a token; unseen tokens are rare (max IDF), generic domain words are damped."""
        w = self.idf.get(token, self.max_idf)
        return w * 0.3 if token in GENERIC_WORDS else w


def _l2(mat: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(mat.multiply(mat).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ mat)


# -- indexers (recordlinkage protocol) -------------------------------------------------------

class _Indexer:
    """Base for the project's indexers: ``index(queries, names)`` -> MultiIndex of pairs.

    ``queries`` has columns key, compact, variants, acronym; ``names`` is ``NameIndex.frame``.
    The NameIndex is bound at construction because the search structures are precomputed.
    """

    def __init__(self, name_index: NameIndex):
        self.ni = name_index

    def index(self, df_a: pd.DataFrame, df_b: pd.DataFrame | None = None) -> pd.MultiIndex:
        pairs = self._link_index(df_a, df_b if df_b is not None else self.ni.frame)
        return pd.MultiIndex.from_tuples(pairs, names=["query", "name"]) if pairs else \
            pd.MultiIndex.from_arrays([[], []], names=["query", "name"])

    def _link_index(self, df_a: pd.DataFrame, df_b: pd.DataFrame) -> list[tuple[int, int]]:
        raise NotImplementedError


class ExactKeyIndexer(_Indexer):
    """Pairs whose compact key, a parenthetical variant or an acronym is identical."""

    def _link_index(self, df_a, df_b):
        out = []
        by = self.ni.by_exact
        for q, variants, compact, acr in zip(df_a.index, df_a["variants"], df_a["compact"],
                                             df_a["acronym"]):
            hits: set[int] = set()
            for v in (*variants, compact):
                hits |= by.get(v.replace(" ", ""), set())
            if len(compact) >= 3:  # a reported acronym ("AMMC") against reference acronyms
                hits |= by.get("acr:" + compact, set())
            if len(acr) >= 3:
                hits |= by.get(acr, set())
            out.extend((q, h) for h in sorted(hits))
        return out


class NgramIndexer(_Indexer):
    """Top-``k`` reference names by TF-IDF cosine of character 2-4-grams of the compact key."""

    def __init__(self, name_index: NameIndex, k: int = 40, min_cosine: float = 0.05):
        super().__init__(name_index)
        self.k, self.min_cosine = k, min_cosine

    def scores(self, df_a: pd.DataFrame) -> sp.csr_matrix:
        return (self.ni.vectorize(list(df_a["compact"])) @ self.ni.matrix_t).tocsr()

    def _link_index(self, df_a, df_b):
        return self.link_from_scores(df_a, self.scores(df_a))

    def link_from_scores(self, df_a: pd.DataFrame, sims: sp.csr_matrix) -> list[tuple[int, int]]:
        """Top-k pairs from an already computed query x name similarity matrix."""
        out = []
        for row, q in enumerate(df_a.index):
            lo, hi = sims.indptr[row], sims.indptr[row + 1]
            idx, val = sims.indices[lo:hi], sims.data[lo:hi]
            keep = val >= self.min_cosine
            idx, val = idx[keep], val[keep]
            if len(idx) > self.k:
                top = np.argpartition(-val, self.k)[: self.k]
                idx = idx[top]
            out.extend((q, int(i)) for i in sorted(idx))
        return out


class SortedNeighbourhoodIndexer(_Indexer):
    """Reference names within ``window`` positions of the query in sorted compact-key order."""

    def __init__(self, name_index: NameIndex, window: int = 3):
        super().__init__(name_index)
        self.window = window

    def _link_index(self, df_a, df_b):
        import bisect

        keys, rows = self.ni.sorted_compact, self.ni.sorted_rows
        out = []
        for q, compact in zip(df_a.index, df_a["compact"]):
            if not compact:
                continue
            pos = bisect.bisect_left(keys, compact)
            for j in range(max(0, pos - self.window), min(len(keys), pos + self.window)):
                out.append((q, int(rows[j])))
        return out


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


class CandidateGenerator:
    """Union of the indexers, rolled up to facilities, best ``max_candidates`` per query.

    When a query has a metal, candidates of that metal are kept first; up to ``other_metal``
    facilities of other metals are kept too, so that "known only under another metal" can be
    flagged.
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
        if self.use_recordlinkage:
            return recordlinkage_index(self.indexers).index(queries, self.ni.frame).sort_values()
        exact, sims = self._exact_and_sims(queries)
        return self._union(queries, exact, sims)

    def _exact_and_sims(self, queries: pd.DataFrame) -> tuple[set[tuple[int, int]], sp.csr_matrix]:
        return set(self.indexers[0]._link_index(queries, self.ni.frame)), self.ngram.scores(queries)

    def _union(self, queries: pd.DataFrame, exact: set[tuple[int, int]],
               sims: sp.csr_matrix) -> pd.MultiIndex:
        tuples = set(exact)
        tuples.update(self.ngram.link_from_scores(queries, sims))
        for ix in self.indexers[2:]:
            tuples.update(ix._link_index(queries, self.ni.frame))
        return pd.MultiIndex.from_tuples(sorted(tuples), names=["query", "name"]) if tuples else \
            pd.MultiIndex.from_arrays([[], []], names=["query", "name"])

    def generate(self, queries: pd.DataFrame, metals: list[str | None]) -> Candidates:
        """Candidates for ``queries`` (index 0..n-1; columns key, compact, variants, acronym)."""
        # exact hits and n-gram similarities are computed once and serve both the union and ranking
        exact_pairs, sims = self._exact_and_sims(queries)
        mi = (self.pairs(queries) if self.use_recordlinkage
              else self._union(queries, exact_pairs, sims))
        n = len(queries)
        if len(mi) == 0:
            e = np.array([], dtype=np.int64)
            return Candidates(e, e, np.array([], dtype=float), e, n)
        q = mi.get_level_values(0).to_numpy(dtype=np.int64)
        nm = mi.get_level_values(1).to_numpy(dtype=np.int64)
        cos = np.asarray(sims[q, nm]).ravel()
        ex = np.fromiter(((a, b) in exact_pairs for a, b in zip(q, nm)), dtype=bool, count=len(q))
        fac = self.ni.fac[nm]
        df = pd.DataFrame({"query": q, "fac": fac, "cos": cos, "exact": ex.astype(np.int64)})
        df = df.groupby(["query", "fac"], sort=True).agg(cos=("cos", "max"),
                                                           exact=("exact", "max")).reset_index()
        fac_metal = self.ni.reference.facilities["metal"].to_numpy(dtype=object)
        qmetal = np.array([m or "" for m in metals], dtype=object)
        same = (qmetal[df["query"].to_numpy()] == "") | (
            fac_metal[df["fac"].to_numpy()] == qmetal[df["query"].to_numpy()])
        df["same"] = same
        df["rank_key"] = df["exact"] * 10.0 + df["cos"]
        df = df.sort_values(["query", "same", "rank_key", "fac"],
                            ascending=[True, False, False, True], kind="stable")
        df["pos_same"] = df.groupby(["query", "same"]).cumcount()
        keep = (df["same"] & (df["pos_same"] < self.max_candidates)) | (
            ~df["same"] & (df["pos_same"] < self.other_metal))
        df = df[keep]
        return Candidates(df["query"].to_numpy(np.int64), df["fac"].to_numpy(np.int64),
                          df["cos"].to_numpy(float), df["exact"].to_numpy(np.int64), n)
