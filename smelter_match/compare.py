"""Comparison: the features of each (reported name, candidate facility) pair, computed with rapidfuzz.

Each feature is the best value over *all* names of the candidate facility (current standard name,
former names, Look-up aliases), so a supplier who types a 2014 alias is compared with that alias.
Features are plain floats in a fixed order (``FEATURES``); the classifier learns their weights.

The computation is vectorised: candidate facilities are expanded to their names, the distinct
(normalised key, reference name) pairs are scored once with ``rapidfuzz.process.cpdist`` (C++,
optionally multi-threaded), token features are sums over exploded (pair, token) rows with numpy,
and the per-name values are reduced to per-facility values with ``reduceat``. No Python code runs
per pair, which is what makes a million-row batch affordable.
"""

from __future__ import annotations

import operator

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler

from smelter_match.blocking import Candidates
from smelter_match.folding import GENERIC_WORDS
from smelter_match.index import (
    TOKEN_CODE,
    NameIndex,
    distinct_text,
    ocr_fold,
    sorted_key,
    variants_csr,
)
from smelter_match.normalize import NormalizedName
from smelter_match.sparse import expand_csr as _expand
from smelter_match.sparse import run_starts, run_starts_mask

FEATURES: tuple[str, ...] = (
    "ratio",            # Indel similarity of keys
    "token_sort",       # token-sort similarity of keys
    "token_set",        # token-set similarity of keys
    "partial",          # best partial (substring) similarity of compact keys
    "jaro_winkler",     # Jaro-Winkler of compact keys (prefix-weighted: truncations, glued words)
    "compact_ratio",    # Indel similarity of compact keys (space-insensitive)
    "variant_best",     # best ratio between parenthetical variants of both sides
    "exact",            # exact key / compact / variant / acronym hit
    "acronym",          # reported name is the candidate's acronym or vice versa
    "rare_overlap",     # IDF-weighted share of the query's tokens found (fuzzily) in the candidate
    "ocr_ratio",        # Indel similarity of compact keys with OCR-confusable characters as one class
    "distinct_ratio",   # Indel similarity of the distinctive (non-generic) words, spaces removed
    "explained",        # share of query tokens the candidate explains (exact, inside, fuzzy, abbrev.)
    "cand_covered",     # share of the candidate's distinctive tokens present in the query
    "rare_missing",     # IDF mass of query tokens absent from the candidate (normalised)
    "cand_extra",       # IDF mass of candidate tokens absent from the query (normalised)
    "cosine",           # TF-IDF character n-gram cosine (from blocking)
    "country_agree",    # 1 if the reported country is the facility's (NameIndex.country_agrees)
    "country_disagree", # 1 if both are known and it is not
    "metal_agree",      # 1 if the reported metal equals the facility's
    "metal_unknown",    # 1 if no metal was reported
    "kind_current",     # best-matching name is the current standard name
    "kind_former",      # ... a former standard name
    "removed",          # the facility was removed from the RMI list
    "ambiguous_name",   # the best-matching name maps to several CIDs of the metal
    "gap",              # this candidate's similarity minus the best other candidate's
    "is_top",           # 1 if this candidate has the highest similarity for the query
    "query_generic",    # share of the query's IDF mass made of generic words (e.g. "smelting")
    "query_short",      # 1 if the query key has fewer than 5 characters
    "cid_agree",        # the supplier-reported CID is this facility
    "cid_disagree",     # a supplier-reported CID exists and is another facility
)


_COL = {f: j for j, f in enumerate(FEATURES)}
#: Pair features that say how a reported name compares with a candidate's names: two candidates
#: equal in all of them are, as far as the name goes, the same answer.
NAME_AGREEMENT: tuple[str, ...] = ("ratio", "token_sort", "token_set", "partial", "jaro_winkler",
                                   "compact_ratio", "variant_best", "exact", "acronym",
                                   "rare_overlap", "ocr_ratio", "distinct_ratio", "explained",
                                   "cand_covered")
#: name-similarity features computed per (query key, reference name) and reduced per facility
_NAME_SIMS = ("ratio", "token_sort", "token_set", "partial", "jaro_winkler", "compact_ratio",
              "variant_best", "acronym", "rare_overlap", "ocr_ratio", "distinct_ratio",
              "explained", "cand_covered")
_SIM = {f: j for j, f in enumerate(_NAME_SIMS)}


def _member(codes: np.ndarray, sorted_codes: np.ndarray) -> np.ndarray:
    """``np.isin`` for a sorted haystack (binary search; no sort of the needles)."""
    if len(sorted_codes) == 0:
        return np.zeros(len(codes), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_codes, codes), len(sorted_codes) - 1)
    return sorted_codes[pos] == codes


def _cpdist(a: list[str], b: list[str], scorer, workers: int) -> np.ndarray:  # noqa: ANN001
    if not a:
        return np.zeros(0)
    return process.cpdist(a, b, scorer=scorer, dtype=np.float64, workers=workers)


class _Keys:
    """The distinct normalised keys of a batch with their token tables (batch-local ids).

    Tokens known to the reference keep their reference id; unseen tokens get ids after them
    (weight: the maximum IDF, damped for generic words, as ``NameIndex.token_weight``).
    """

    def __init__(self, queries: list[NormalizedName], ni: NameIndex):
        pos: dict[tuple, int] = {}
        self.of_query = np.array([pos.setdefault((q.key, q.variants, q.acronym), len(pos))
                                  for q in queries], dtype=np.int64)
        first = {}
        for i, k in enumerate(self.of_query.tolist()):
            first.setdefault(k, i)
        self.norm = [queries[i] for i in first.values()]
        known, unseen, extra_w = ni.token_id, {}, []   # unseen: token -> id after known's
        ptr, ids = [0], []
        for n in self.norm:
            for t in dict.fromkeys(n.tokens):
                j = known.get(t)
                if j is None:
                    j = unseen.get(t)
                    if j is None:
                        j = unseen[t] = len(known) + len(unseen)
                        extra_w.append(ni.token_weight(t))
                ids.append(j)
            ptr.append(len(ids))
        self.token_text = np.concatenate((ni.token_arr, np.array(list(unseen), dtype=object)))
        self.token_w = np.concatenate((ni.token_w, np.array(extra_w, dtype=float)))
        self.tok_ptr = np.array(ptr, dtype=np.int64)
        self.tok_ids = np.array(ids, dtype=np.int64)
        owner = np.repeat(np.arange(len(self.norm), dtype=np.int64), np.diff(self.tok_ptr))
        self.tok_codes = np.sort(owner * TOKEN_CODE + self.tok_ids)
        mass = np.bincount(owner, weights=self.token_w[self.tok_ids], minlength=len(self.norm))
        self.mass = np.where(mass > 0, mass, 1.0)
        self.key_arr = np.array([n.key for n in self.norm], dtype=object)
        self.sorted_key_arr = np.array([sorted_key(n) for n in self.norm], dtype=object)
        self.compact_arr = np.array([n.compact for n in self.norm], dtype=object)
        self.compact_len = np.array([len(n.compact) for n in self.norm], dtype=np.int64)
        self.acronym = np.array([n.acronym for n in self.norm], dtype=object)
        self.var_ptr, self.var_arr = variants_csr(self.norm)
        self.ocr_arr = np.array([ocr_fold(n.compact) for n in self.norm], dtype=object)
        self.distinct_arr = np.array([distinct_text(n) for n in self.norm], dtype=object)
        # generic share over the token *list* (repeats count), as the feature is defined
        self.generic = np.array([_generic_share(n, ni) for n in self.norm], dtype=float)


def _generic_share(q: NormalizedName, ni: NameIndex) -> float:
    mass = sum(ni.token_weight(t) for t in q.tokens) or 1.0
    return sum(ni.token_weight(t) for t in q.tokens if t in GENERIC_WORDS) / mass


#: :func:`_contains` tests up to this many rows directly (np.unique costs ~50 us; a test ~0.1 us)
_CONTAINS_DIRECT = 256


def _contains(haystacks: np.ndarray, h: np.ndarray, needles: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``needles[t[i]] in haystacks[h[i]]`` for every i, testing each distinct (h, t) once
    (a few rows: each directly)."""
    if len(h) == 0:
        return np.zeros(0, dtype=bool)
    if len(h) <= _CONTAINS_DIRECT:   # a few tests: cheaper than finding the distinct ones
        return np.array(list(map(operator.contains, haystacks[h].tolist(), needles[t].tolist())),
                        dtype=bool)
    cell, inv = np.unique(h * len(needles) + t, return_inverse=True)
    hits = list(map(operator.contains, haystacks[cell // len(needles)].tolist(),
                    needles[cell % len(needles)].tolist()))
    return np.array(hits, dtype=bool)[inv.ravel()]


def _token_features(keys: _Keys, uk: np.ndarray, un: np.ndarray,
                    ni: NameIndex) -> tuple[np.ndarray, ...]:
    """Token agreement of (key, name) pairs: (overlap, missing, extra, explained, covered), 0-1.

    overlap: share of the query's token mass (IDF) found in the name, exactly or as a fuzzy variant
    (Indel >= 80, tokens of 4+ characters: "honggiao" ~ "hongqiao", weighted by the similarity);
    missing: query mass neither among the name's tokens nor inside its compact key;
    extra: name mass neither among the query's tokens nor inside the query's compact key;
    explained: share of the query's tokens (counted, not weighted) the name explains: the same
    token, inside its compact key (pinyin joined: "jiang" in "jiangxi"), a fuzzy variant, or an
    abbreviation of one of its tokens ("ind" of "industry");
    covered: share of the name's distinctive (non-generic) tokens that are among the query's
    tokens or inside its compact key (all its tokens when none is distinctive).
    """
    n_pairs = len(uk)
    # (pair, query token) rows
    r_pair, r_tok = _expand(keys.tok_ptr, keys.tok_ids, uk)
    r_name = un[r_pair]
    w = keys.token_w[r_tok]
    exact = _member(r_name * TOKEN_CODE + r_tok, ni.name_tok_codes)
    other = np.flatnonzero(~exact)
    texts = keys.token_text
    inside = np.zeros(len(r_pair), dtype=bool)
    inside[other] = _contains(ni.compact_arr, r_name[other], texts, r_tok[other])
    # fuzzy: best similarity between a missing query token and any token of the name
    fuzzy = np.zeros(len(r_pair))
    if len(other):
        distinct = np.unique(r_tok[other])
        neigh = ni.fuzzy_neighbours(texts[distinct].tolist())
        nb_ptr = np.zeros(len(keys.token_w) + 1, dtype=np.int64)
        lens = np.array([len(ids) for ids, _ in neigh], dtype=np.int64)
        nb_ptr[distinct + 1] = lens
        nb_ptr = np.cumsum(nb_ptr)
        nb_ids = np.concatenate([ids for ids, _ in neigh] + [np.zeros(0, dtype=np.int64)])
        nb_sim = np.concatenate([s for _, s in neigh] + [np.zeros(0)])
        f_owner, f_pos = _expand(nb_ptr, np.arange(len(nb_ids), dtype=np.int64), r_tok[other])
        if len(f_pos):
            hit = _member(r_name[other][f_owner] * TOKEN_CODE + nb_ids[f_pos], ni.name_tok_codes)
            best = np.zeros(len(other))
            np.maximum.at(best, f_owner[hit], nb_sim[f_pos][hit])
            fuzzy[other] = best
    found_w = np.where(exact, w, np.where(fuzzy >= 80, w * fuzzy / 100.0, 0.0))
    found = np.bincount(r_pair, weights=found_w, minlength=n_pairs)
    missing = np.bincount(r_pair, weights=np.where(exact | inside, 0.0, w), minlength=n_pairs)
    known = exact | inside | (fuzzy >= 80)
    known[~known] = _abbreviates(keys, r_name[~known], r_tok[~known], ni)
    n_tok = np.bincount(r_pair, minlength=n_pairs)
    explained = np.bincount(r_pair, weights=known.astype(float), minlength=n_pairs) / \
        np.maximum(n_tok, 1)
    # (pair, name token) rows
    s_pair, s_tok = _expand(ni.name_tok_ptr, ni.name_tok_ids, un)
    s_key = uk[s_pair]
    in_query = _member(s_key * TOKEN_CODE + s_tok, keys.tok_codes)
    rest = np.flatnonzero(~in_query)
    inside_q = np.zeros(len(s_pair), dtype=bool)
    inside_q[rest] = _contains(keys.compact_arr, s_key[rest], ni.token_arr, s_tok[rest])
    extra = np.bincount(s_pair, weights=np.where(in_query | inside_q, 0.0, ni.token_w[s_tok]),
                        minlength=n_pairs)
    # distinctive name tokens (all of them for a name made only of generic words)
    name_generic = ni.generic_tok[s_tok]
    any_distinct = np.bincount(s_pair, weights=~name_generic, minlength=n_pairs) > 0
    counted = ~name_generic | ~any_distinct[s_pair]
    covered = np.bincount(s_pair, weights=(counted & (in_query | inside_q)).astype(float),
                          minlength=n_pairs) / \
        np.maximum(np.bincount(s_pair, weights=counted.astype(float), minlength=n_pairs), 1)
    q_mass, n_mass = keys.mass[uk], ni.name_mass[un]
    overlap, missing, extra = found / q_mass, missing / q_mass, extra / n_mass
    # a side without tokens has nothing to agree on
    empty = (np.diff(keys.tok_ptr)[uk] == 0) | (np.diff(ni.name_tok_ptr)[un] == 0)
    overlap[empty], missing[empty], extra[empty] = 0.0, 1.0, 1.0
    explained[empty], covered[empty] = 0.0, 0.0
    return overlap, missing, extra, explained, covered


def _abbreviates(keys: _Keys, names: np.ndarray, toks: np.ndarray, ni: NameIndex) -> np.ndarray:
    """For (name row, query token) rows: the token abbreviates one of the name's tokens."""
    out = np.zeros(len(names), dtype=bool)
    if len(names) == 0:
        return out
    distinct = np.unique(toks)
    neigh = ni.abbreviation_neighbours(keys.token_text[distinct].tolist())
    ptr = np.zeros(len(keys.token_w) + 1, dtype=np.int64)
    ptr[distinct + 1] = [len(ids) for ids in neigh]
    ptr = np.cumsum(ptr)
    ids = np.concatenate([*neigh, np.zeros(0, dtype=np.int64)])
    owner, pos = _expand(ptr, np.arange(len(ids), dtype=np.int64), toks)
    if len(pos):
        hit = _member(names[owner] * TOKEN_CODE + ids[pos], ni.name_tok_codes)
        out[np.unique(owner[hit])] = True
    return out


def name_similarities(keys: _Keys, uk: np.ndarray, un: np.ndarray, ni: NameIndex,
                      workers: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Similarity features of distinct (key, name row) pairs.

    Returns (sims with columns ``_NAME_SIMS``, missing, extra); all in 0-1.
    """
    qk, nk = keys.key_arr[uk].tolist(), ni.key_arr[un].tolist()
    q_c, n_c = keys.compact_arr[uk], ni.compact_arr[un]
    qc, nc = q_c.tolist(), n_c.tolist()
    sims = np.zeros((len(uk), len(_NAME_SIMS)), order="F")
    # the Indel ratio of five texts of each pair in one call (token_sort_ratio is the ratio
    # of each side's words sorted once, index.sorted_key: the same numbers)
    texts = (("ratio", keys.key_arr, ni.key_arr),
             ("token_sort", keys.sorted_key_arr, ni.sorted_key_arr),
             ("compact_ratio", keys.compact_arr, ni.compact_arr),
             ("ocr_ratio", keys.ocr_arr, ni.ocr_arr),
             ("distinct_ratio", keys.distinct_arr, ni.distinct_arr))
    ratios = _cpdist([t for _, q, _ in texts for t in q[uk].tolist()],
                     [t for _, _, n in texts for t in n[un].tolist()], fuzz.ratio,
                     workers).reshape(len(texts), len(uk)) / 100.0
    for (feature, _, _), values in zip(texts, ratios):
        sims[:, _SIM[feature]] = values
    sims[:, _SIM["token_set"]] = _cpdist(qk, nk, fuzz.token_set_ratio, workers) / 100.0
    q_len, n_len = keys.compact_len[uk], ni.compact_len[un]
    long_enough = np.flatnonzero(np.minimum(q_len, n_len) >= 4)
    sims[long_enough, _SIM["partial"]] = _cpdist(
        q_c[long_enough].tolist(), n_c[long_enough].tolist(), fuzz.partial_ratio, workers) / 100.0
    sims[:, _SIM["jaro_winkler"]] = _cpdist(qc, nc, JaroWinkler.normalized_similarity, workers)
    sims[:, _SIM["variant_best"]] = _variant_best(keys, uk, un, ni, sims[:, _SIM["ratio"]], workers)
    sims[:, _SIM["acronym"]] = acronym_hit(q_c, q_len, keys.acronym[uk], n_c, n_len,
                                           ni.acronym_arr[un])
    overlap, missing, extra, explained, covered = _token_features(keys, uk, un, ni)
    sims[:, _SIM["rare_overlap"]] = overlap
    sims[:, _SIM["explained"]] = explained
    sims[:, _SIM["cand_covered"]] = covered
    return sims, missing, extra


def acronym_hit(q_compact, q_len, q_acronym, n_compact, n_len, n_acronym):  # noqa: ANN001, ANN201
    """The ``acronym`` similarity, elementwise (arrays or scalars): the reported name (3+
    characters, spaceless) is the RMI name's acronym, or the RMI name is the reported one's."""
    return ((q_len >= 3) & (q_compact == n_acronym)) | ((n_len >= 3) & (n_compact == q_acronym))


def _variant_best(keys: _Keys, uk: np.ndarray, un: np.ndarray, ni: NameIndex,
                  ratio: np.ndarray, workers: int) -> np.ndarray:
    """Best ratio over the parenthetical variants of both sides (variant 0 is the key itself)."""
    nq, nn = np.diff(keys.var_ptr)[uk], np.diff(ni.var_ptr)[un]
    best = ratio.copy()
    multi = np.flatnonzero((nq > 1) | (nn > 1))
    if len(multi) == 0:
        return best
    combos = nq[multi] * nn[multi]
    owner = np.repeat(multi, combos)
    c = np.arange(len(owner), dtype=np.int64) - np.repeat(np.cumsum(combos) - combos, combos)
    width = nn[owner]
    a = keys.var_arr[keys.var_ptr[uk[owner]] + c // width].tolist()
    b = ni.var_arr[ni.var_ptr[un[owner]] + c % width].tolist()
    np.maximum.at(best, owner, _cpdist(a, b, fuzz.ratio, workers) / 100.0)
    return best


def compute_features(
    queries: list[NormalizedName],
    countries: list[str | None],
    metals: list[str | None],
    reported_cids: list[str | None],
    cands: Candidates,
    ni: NameIndex,
    workers: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Feature matrix (one row per candidate pair, columns ``FEATURES``) and best name row per pair.

    ``workers`` is passed to rapidfuzz (``-1``: all cores); results do not depend on it.
    """
    n = len(cands.query)
    X = np.zeros((n, len(FEATURES)), dtype=float, order="F")
    if n == 0:
        return X, np.zeros(0, dtype=np.int64)
    keys = _Keys(queries, ni)
    # candidate pair -> its facility's names; distinct (key, name form) pairs are scored once
    owner, name_row = _expand(ni.fac_name_ptr, ni.fac_name_idx, cands.fac)
    key_of = keys.of_query[cands.query][owner]
    codes, inv = np.unique(key_of * len(ni.norm) + ni.form_row[name_row], return_inverse=True)
    uk, un = codes // len(ni.norm), codes % len(ni.norm)
    # threads only pay off on batches; a single name stays on the calling thread
    sims, missing, extra = name_similarities(keys, uk, un, ni, workers if len(uk) >= 5000 else 1)
    # reduce names -> facility (owner is ascending, every candidate has >= 1 name)
    starts = run_starts(owner)
    per_name = sims[inv]
    best = np.maximum.reduceat(per_name, starts, axis=0)
    for j, f in enumerate(_NAME_SIMS):
        X[:, _COL[f]] = best[:, j]
    X[:, _COL["rare_missing"]] = np.minimum.reduceat(np.minimum(missing[inv], 1.0), starts)
    X[:, _COL["cand_extra"]] = np.minimum.reduceat(np.minimum(extra[inv], 1.0), starts)
    # the best-matching name of each candidate: first name with the highest combined similarity
    combined = (per_name[:, _SIM["ratio"]] + per_name[:, _SIM["token_set"]]
                + per_name[:, _SIM["compact_ratio"]] + per_name[:, _SIM["rare_overlap"]])
    top = np.maximum.reduceat(combined, starts)
    is_top = np.flatnonzero(combined == top[owner])
    first = is_top[run_starts_mask(owner[is_top])]
    best_name = name_row[first]

    X[:, _COL["exact"]] = cands.exact
    X[:, _COL["cosine"]] = cands.cosine
    f, qi = cands.fac, cands.query
    q_country = np.array([c or "" for c in countries], dtype=object)[qi]
    both = (q_country != "") & ni.has_country[f]
    agrees = ni.country_agrees(f, q_country)
    X[:, _COL["country_agree"]] = both & agrees
    X[:, _COL["country_disagree"]] = both & ~agrees
    q_metal = np.array([m or "" for m in metals], dtype=object)[qi]
    X[:, _COL["metal_unknown"]] = q_metal == ""
    X[:, _COL["metal_agree"]] = (q_metal != "") & (q_metal == ni.fac_metal[f])
    X[:, _COL["kind_current"]] = ni.kind_current[best_name]
    X[:, _COL["kind_former"]] = ni.kind_former[best_name]
    X[:, _COL["removed"]] = ni.fac_removed[f]
    X[:, _COL["ambiguous_name"]] = ni.ambiguous_arr[best_name]
    key_q = keys.of_query[qi]
    X[:, _COL["query_generic"]] = keys.generic[key_q]
    X[:, _COL["query_short"]] = np.array([len(k) < 5 for k in keys.key_arr.tolist()], dtype=bool)[key_q]
    q_cid = np.array([c or "" for c in reported_cids], dtype=object)[qi]
    fac_cid = ni.fac_cid[f]
    X[:, _COL["cid_agree"]] = (q_cid != "") & (q_cid == fac_cid)
    X[:, _COL["cid_disagree"]] = (q_cid != "") & (q_cid != fac_cid)
    # rank features: similarity relative to the query's other candidates
    # (rounded: candidates with identical names must tie exactly, whatever the float noise)
    sim = np.round(X[:, _COL["ratio"]] + X[:, _COL["token_set"]] + X[:, _COL["compact_ratio"]]
                   + X[:, _COL["rare_overlap"]] + 2 * X[:, _COL["exact"]], 9)
    _rank_features(cands.query, sim, X)
    return X, best_name


def _rank_features(query: np.ndarray, sim: np.ndarray, X: np.ndarray) -> None:
    """``is_top``: first candidate with the query's highest similarity; ``gap``: its margin."""
    starts = run_starts(query)
    seg = np.repeat(np.arange(len(starts)), np.diff(starts, append=len(query)))
    top = np.maximum.reduceat(sim, starts)
    hits = np.flatnonzero(sim == top[seg])
    top_pos = hits[run_starts_mask(seg[hits])]
    rest = sim.copy()
    rest[top_pos] = -np.inf
    second = np.maximum.reduceat(rest, starts)
    second[np.isneginf(second)] = 0.0
    is_top = np.zeros(len(sim), dtype=bool)
    is_top[top_pos] = True
    other_best = np.where(is_top, second[seg], top[seg])
    X[:, _COL["gap"]] = (sim - other_best) / 5.0
    X[:, _COL["is_top"]] = is_top
