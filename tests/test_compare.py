"""The vectorised compare stage equals the plain per-pair definition of every feature.

``compute_features`` scores distinct (key, name) pairs with ``rapidfuzz.process.cpdist`` and sums
token weights over exploded numpy rows. The oracle below is the straightforward Python loop the
features are defined by (one pair at a time, one name at a time); the two must agree on real
supplier names, on generated messy ones and on edge cases.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _support import GOLD_DIR as GOLD
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from smelter_match import Matcher
from smelter_match.classify import Model
from smelter_match.compare import FEATURES, compute_features
from smelter_match.evaluation import load_gold
from smelter_match.folding import GENERIC_WORDS
from smelter_match.index import abbreviates, distinct_text, ocr_fold
from smelter_match.normalize import normalize_name

COL = {f: j for j, f in enumerate(FEATURES)}
NAME_FEATURES = ("ratio", "token_sort", "token_set", "partial", "jaro_winkler", "compact_ratio",
                 "variant_best", "acronym", "rare_overlap", "ocr_ratio", "distinct_ratio",
                 "explained", "cand_covered", "rare_missing", "cand_extra")


def _explained(q, n) -> float:  # noqa: ANN001
    """Share of the query's distinct tokens the name explains (the feature's definition)."""
    toks = list(dict.fromkeys(q.tokens))
    if not toks or not n.tokens:
        return 0.0
    def ok(t: str) -> bool:
        return (t in n.tokens or t in n.compact
                or (len(t) >= 4 and max(fuzz.ratio(t, u) for u in n.tokens) >= 80)
                or any(abbreviates(t, u) for u in n.tokens))
    return sum(map(ok, toks)) / len(toks)


def _covered(q, n) -> float:  # noqa: ANN001
    """Share of the name's distinctive tokens present in the query."""
    if not q.tokens or not n.tokens:
        return 0.0
    toks = list(dict.fromkeys(n.tokens))
    counted = [t for t in toks if t not in GENERIC_WORDS] or toks
    return sum(t in q.tokens or t in q.compact for t in counted) / len(counted)


def _token_overlap(q, n, ni) -> tuple[float, float, float]:  # noqa: ANN001
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
            if best >= 80:
                found += ni.token_weight(t) * best / 100.0
    extra = sum(ni.token_weight(t) for t in nt if t not in qt and t not in q.compact)
    missing = sum(ni.token_weight(t) for t in qt if t not in nt and t not in n.compact)
    return found / q_mass, missing / q_mass, extra / n_mass


def oracle(q, name_rows, ni) -> tuple[dict[str, float], int]:  # noqa: ANN001
    """Per-pair definition: best value of each name feature over the facility's names."""
    best = dict.fromkeys(NAME_FEATURES[:-2], 0.0) | {"rare_missing": 1.0, "cand_extra": 1.0}
    best_row, best_combined = name_rows[0], -1.0
    for i in name_rows:
        n = ni.norm[i]
        overlap, missing, extra = _token_overlap(q, n, ni)
        vals = {
            "ratio": fuzz.ratio(q.key, n.key) / 100.0,
            "token_sort": fuzz.token_sort_ratio(q.key, n.key) / 100.0,
            "token_set": fuzz.token_set_ratio(q.key, n.key) / 100.0,
            "partial": fuzz.partial_ratio(q.compact, n.compact) / 100.0
            if min(len(q.compact), len(n.compact)) >= 4 else 0.0,
            "jaro_winkler": JaroWinkler.normalized_similarity(q.compact, n.compact),
            "compact_ratio": fuzz.ratio(q.compact, n.compact) / 100.0,
            "variant_best": max(fuzz.ratio(a, b) for a in q.variants for b in n.variants) / 100.0,
            "acronym": float((len(q.compact) >= 3 and q.compact == n.acronym)
                             or (len(n.compact) >= 3 and n.compact == q.acronym)),
            "rare_overlap": overlap,
            "ocr_ratio": fuzz.ratio(ocr_fold(q.compact), ocr_fold(n.compact)) / 100.0,
            "distinct_ratio": fuzz.ratio(distinct_text(q), distinct_text(n)) / 100.0,
            "explained": _explained(q, n),
            "cand_covered": _covered(q, n),
        }
        for f, v in vals.items():
            best[f] = max(best[f], v)
        best["rare_missing"] = min(best["rare_missing"], missing)
        best["cand_extra"] = min(best["cand_extra"], extra)
        combined = vals["ratio"] + vals["token_set"] + vals["compact_ratio"] + overlap
        if combined > best_combined:
            best_combined, best_row = combined, i
    return best, best_row


def _check(matcher: Matcher, names: list[str], metals: list[str | None],
           countries: list[str | None] | None = None, cids: list[str | None] | None = None) -> None:
    nns = [normalize_name(x) for x in names]
    keep = [i for i, n in enumerate(nns) if n.key]
    nns = [nns[i] for i in keep]
    metals = [metals[i] for i in keep]
    countries = [countries[i] for i in keep] if countries else [None] * len(keep)
    cids = [cids[i] for i in keep] if cids else [None] * len(keep)
    frame = pd.DataFrame({"key": [n.key for n in nns], "compact": [n.compact for n in nns],
                          "variants": [n.variants for n in nns], "acronym": [n.acronym for n in nns]})
    ni = matcher.index
    cands = matcher.generator.generate(frame, metals)
    X, best_name = compute_features(nns, countries, metals, cids, cands, ni)
    assert X.shape == (len(cands.query), len(FEATURES))
    fac = matcher.reference.facilities
    for k in range(len(cands.query)):
        q, f = nns[cands.query[k]], int(cands.fac[k])
        rows = list(ni.fac_name_idx[ni.fac_name_ptr[f]:ni.fac_name_ptr[f + 1]])
        assert rows == [i for i in range(len(ni.norm)) if ni.fac[i] == f]
        want, want_row = oracle(q, rows, ni)
        got = [X[k, COL[c]] for c in NAME_FEATURES]
        np.testing.assert_allclose(got, [want[c] for c in NAME_FEATURES], atol=1e-9,
                                   err_msg=f"{q.key!r} vs facility {f}")
        assert best_name[k] == want_row
        assert X[k, COL["kind_current"]] == (ni.kind[want_row] == "current_standard_name")
        assert X[k, COL["ambiguous_name"]] == float(ni.ambiguous[want_row])
        mass = sum(ni.token_weight(t) for t in q.tokens) or 1.0
        generic = sum(ni.token_weight(t) for t in q.tokens if t in GENERIC_WORDS) / mass
        assert X[k, COL["query_generic"]] == pytest.approx(generic)
        c, fc = countries[cands.query[k]], fac["country_code"].iat[f]
        assert X[k, COL["country_agree"]] == float(bool(c and fc) and c == fc)
        rc = cids[cands.query[k]]
        assert X[k, COL["cid_agree"]] == float(bool(rc) and rc == fac["cid"].iat[f])
        assert X[k, COL["cid_disagree"]] == float(bool(rc) and rc != fac["cid"].iat[f])
    # rank features: exactly one top candidate per query, and gap > 0 only for it
    for qi in np.unique(cands.query):
        rows = np.flatnonzero(cands.query == qi)
        assert X[rows, COL["is_top"]].sum() == 1
        assert (X[rows, COL["gap"]] <= 0).sum() >= len(rows) - 1


@pytest.fixture(scope="module")
def matcher(full_reference) -> Matcher:  # noqa: ANN001
    return Matcher(full_reference, model=Model.untrained(), workers=1)


def test_features_equal_oracle_on_gold(matcher: Matcher) -> None:
    gold = load_gold(GOLD / "dataio_2020.csv").head(250)
    _check(matcher, list(gold["reported_name"]), list(gold["metal_inferred"].replace("", None)),
           list(gold["reported_country"]), [None] * len(gold))


def test_features_equal_oracle_on_edge_cases(matcher: Matcher) -> None:
    names = ["ATAkulche", "Honggiao Metals", "AMMC", "Kemet Blue Powder", "Metallo Chimique (MCB)",
             "a", "Gold", "Smelting Co Ltd", "Jiangxi Tungsten", "jiangxitungsten", "PT Timah",
             "Tanaka Kikinzoku Kogyo K.K.", "Tanaka Kikinzoku Kogyo K.K.", "Mitsubishi Materials"]
    metals = ["Gold", None, "Gold", "Tantalum", "Tin", "Gold", "Gold", None, "Tungsten",
              "Tungsten", "Tin", "Gold", None, "Gold"]
    countries = ["TR", None, "UZ", "US", "BE", None, None, None, "CN", "CN", "ID", "JP", "JP", None]
    cids = ["CID000103", None, None, "CID999999", None, None, None, None, None, None, None, None,
            "CID001875", None]
    _check(matcher, names, metals, countries, cids)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet="abcdeghilmnoqrstu .()&-", min_size=1, max_size=30),
                min_size=1, max_size=6))
def test_features_equal_oracle_on_generated_names(matcher: Matcher, names: list[str]) -> None:
    _check(matcher, names, ["Tin"] * len(names))


def test_workers_do_not_change_results(full_reference) -> None:  # noqa: ANN001
    gold = load_gold(GOLD / "inogen_2020.csv")
    cols = ["reported_name", "reported_metal", "reported_country"]
    a = Matcher(full_reference, Model.untrained(), workers=1).match(gold[cols], *cols)
    b = Matcher(full_reference, Model.untrained(), workers=2).match(gold[cols], *cols)
    pd.testing.assert_frame_equal(a, b)
