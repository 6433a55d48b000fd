"""Comparison: the features of each (reported name, candidate facility) pair, computed with rapidfuzz.

Each feature is the best value over *all* names of the candidate facility (current standard name,
former names, Look-up aliases), so a supplier who types a 2014 alias is compared with that alias.
Features are plain floats in a fixed order (``FEATURES``); the classifier learns their weights.
"""

from __future__ import annotations

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from smelter_match.blocking import Candidates, NameIndex
from smelter_match.normalize import GENERIC_WORDS, NormalizedName

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
    "rare_missing",     # IDF mass of query tokens absent from the candidate (normalised)
    "cand_extra",       # IDF mass of candidate tokens absent from the query (normalised)
    "cosine",           # TF-IDF character n-gram cosine (from blocking)
    "country_agree",    # 1 if the reported country equals the facility's
    "country_disagree", # 1 if both are known and differ
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


def _token_overlap(q: NormalizedName, n: NormalizedName, ni: NameIndex) -> tuple[float, float, float]:
    qt, nt = set(q.tokens), set(n.tokens)
    if not qt or not nt:
        return 0.0, 1.0, 1.0
    q_mass = sum(ni.token_weight(t) for t in qt) or 1.0
    n_mass = sum(ni.token_weight(t) for t in nt) or 1.0
    found = 0.0
    for t in qt:
        if t in nt:
            found += ni.token_weight(t)
        elif len(t) >= 4:
            best = max(fuzz.ratio(t, u) for u in nt)
            if best >= 80:  # OCR / typo variants of a token ("honggiao" ~ "hongqiao")
                found += ni.token_weight(t) * best / 100.0
    joined_q, joined_n = q.compact, n.compact
    extra = sum(ni.token_weight(t) for t in nt if t not in qt and t not in joined_q)
    missing = sum(ni.token_weight(t) for t in qt if t not in nt and t not in joined_n)
    return found / q_mass, missing / q_mass, extra / n_mass


def pair_features(q: NormalizedName, name_rows: list[int], ni: NameIndex) -> tuple[list[float], int]:
    """Name-similarity features of a query against one facility's names; returns (values, best name row)."""
    best = [0.0] * 10
    best_row, best_combined = name_rows[0], -1.0
    best_missing, best_extra = 1.0, 1.0
    for i in name_rows:
        n = ni.norm[i]
        ratio = fuzz.ratio(q.key, n.key) / 100.0
        tsort = fuzz.token_sort_ratio(q.key, n.key) / 100.0
        tset = fuzz.token_set_ratio(q.key, n.key) / 100.0
        partial = fuzz.partial_ratio(q.compact, n.compact) / 100.0 if min(
            len(q.compact), len(n.compact)) >= 4 else 0.0
        jw = JaroWinkler.normalized_similarity(q.compact, n.compact)
        cratio = fuzz.ratio(q.compact, n.compact) / 100.0
        variant = max(fuzz.ratio(a, b) for a in q.variants for b in n.variants) / 100.0 \
            if q.variants and n.variants else ratio
        acr = 1.0 if (len(q.compact) >= 3 and q.compact == n.acronym) or (
            len(n.compact) >= 3 and n.compact == q.acronym) else 0.0
        overlap, missing, extra = _token_overlap(q, n, ni)
        vals = [ratio, tsort, tset, partial, jw, cratio, variant, acr, overlap, 0.0]
        for j in range(9):
            if vals[j] > best[j]:
                best[j] = vals[j]
        best_missing, best_extra = min(best_missing, missing), min(best_extra, extra)
        combined = ratio + tset + cratio + overlap
        if combined > best_combined:
            best_combined, best_row = combined, i
    best[9] = best_missing
    return best + [best_extra], best_row


def compute_features(
    queries: list[NormalizedName],
    countries: list[str | None],
    metals: list[str | None],
    reported_cids: list[str | None],
    cands: Candidates,
    ni: NameIndex,
) -> tuple[np.ndarray, np.ndarray]:
    """Feature matrix (one row per candidate pair, columns ``FEATURES``) and best name row per pair."""
    fac = ni.reference.facilities
    fac_country = fac["country_code"].to_numpy(dtype=object)
    fac_metal = fac["metal"].to_numpy(dtype=object)
    fac_cid = fac["cid"].to_numpy(dtype=object)
    fac_removed = fac["removed"].to_numpy(dtype=bool)
    n = len(cands.query)
    X = np.zeros((n, len(FEATURES)), dtype=float)
    best_name = np.zeros(n, dtype=np.int64)
    col = {f: j for j, f in enumerate(FEATURES)}
    generic_share = {}
    for k in range(n):
        qi, f = int(cands.query[k]), int(cands.fac[k])
        q = queries[qi]
        sims, row = pair_features(q, ni.names_of_fac[f], ni)
        X[k, :7] = sims[:7]
        X[k, col["exact"]] = cands.exact[k]
        X[k, col["acronym"]] = sims[7]
        X[k, col["rare_overlap"]] = sims[8]
        X[k, col["rare_missing"]] = sims[9]
        X[k, col["cand_extra"]] = sims[10]
        X[k, col["cosine"]] = cands.cosine[k]
        c = countries[qi]
        if c and fac_country[f]:
            X[k, col["country_agree"]] = float(c == fac_country[f])
            X[k, col["country_disagree"]] = float(c != fac_country[f])
        m = metals[qi]
        X[k, col["metal_unknown"]] = float(not m)
        X[k, col["metal_agree"]] = float(bool(m) and m == fac_metal[f])
        kind = ni.kind[row]
        X[k, col["kind_current"]] = float(kind == "current_standard_name")
        X[k, col["kind_former"]] = float(kind == "former_standard_name")
        X[k, col["removed"]] = float(fac_removed[f])
        X[k, col["ambiguous_name"]] = float(ni.ambiguous[row])
        if qi not in generic_share:
            mass = sum(ni.token_weight(t) for t in q.tokens) or 1.0
            generic_share[qi] = sum(ni.token_weight(t) for t in q.tokens
                                    if t in GENERIC_WORDS) / mass
        X[k, col["query_generic"]] = generic_share[qi]
        X[k, col["query_short"]] = float(len(q.key) < 5)
        rc = reported_cids[qi]
        if rc:
            X[k, col["cid_agree"]] = float(rc == fac_cid[f])
            X[k, col["cid_disagree"]] = float(rc != fac_cid[f])
        best_name[k] = row
    # rank features: similarity relative to the query's other candidates
    sim = X[:, col["ratio"]] + X[:, col["token_set"]] + X[:, col["compact_ratio"]] + \
        X[:, col["rare_overlap"]] + 2 * X[:, col["exact"]]
    _rank_features(cands.query, sim, X, col)
    return X, best_name


def _rank_features(query: np.ndarray, sim: np.ndarray, X: np.ndarray, col: dict[str, int]) -> None:
    if len(query) == 0:
        return
    starts = np.flatnonzero(np.r_[True, query[1:] != query[:-1]])
    ends = np.r_[starts[1:], len(query)]
    for s, e in zip(starts, ends):
        block = sim[s:e]
        order = np.argsort(-block, kind="stable")
        top, second = block[order[0]], (block[order[1]] if e - s > 1 else 0.0)
        for j in range(s, e):
            other_best = second if sim[j] == top and j - s == order[0] else top
            X[j, col["gap"]] = (sim[j] - other_best) / 5.0
            X[j, col["is_top"]] = float(j - s == order[0])
