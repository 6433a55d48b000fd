"""Training and evaluation of the classifier, reproducibly (``smelter-match train`` / ``evaluate``).

Training pairs come from the real pipeline (blocking + features) run on:

- *synthetic queries* made from the reference itself: realistic perturbations of RMI names (typos,
  OCR confusions, truncation, legal-form changes, glued words, word order, case), aliases hidden
  from the index (a supplier typing a name RMI does not list), whole facilities hidden from the
  index (a real smelter that is not an RMI facility: every candidate is a hard negative), names
  reported under a metal the company has no facility for, and non-smelter names
  (``reference_data/training/non_smelters.txt``);
- the *gold training folds* (hand-labelled supplier rows), when given.

Evaluation is nested: outer 5-fold GroupKFold over the gold rows (grouped by label CID, NO_MATCH by
normalised name); inside each outer training part, an inner GroupKFold produces out-of-fold scores
on which the thresholds are chosen; the outer held-out fold is then scored once. No reported
figure comes from a row the model was trained or tuned on.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from smelter_match._resources import data_csv, data_lines
from smelter_match.classify import Model, fit_model
from smelter_match.evaluation import (
    equivalent_cids,
    error_rows,
    load_gold,
    metrics,
    metrics_by_metal,
    score_gold,
)
from smelter_match.matcher import Matcher
from smelter_match.normalize import normalize_country, normalize_metal, normalize_name, parse_cid
from smelter_match.reference import Reference

SEED = 20261121
TARGET_PRECISION = 0.995
OCR = [(r["text"], r["read_as"]) for r in data_csv("training", "ocr_confusions.csv")]
LEGAL = [*data_lines("training", "legal_forms_typed.txt"), ""]


# -- synthetic queries ---------------------------------------------------------------------------

def perturb(name: str, rng: random.Random) -> str:
    """One realistic corruption of a name (a supplier's typing, an OCR pass, a half-remembered name)."""
    ops = rng.sample(["typo", "ocr", "truncate", "legal", "glue", "order", "case", "drop", "space"],
                     k=rng.choice([1, 1, 2]))
    s = name
    for op in ops:
        words = s.split()
        if op == "typo" and len(s) > 4:
            i = rng.randrange(1, len(s) - 1)
            kind = rng.choice("dsit")
            c = rng.choice("abcdefghijklmnopqrstuvwxyz")
            s = {"d": s[:i] + s[i + 1:], "s": s[:i] + c + s[i + 1:], "i": s[:i] + c + s[i:],
                 "t": s[:i - 1] + s[i] + s[i - 1] + s[i + 1:]}[kind]
        elif op == "ocr":
            a, b = rng.choice(OCR)
            idx = [m.start() for m in re.finditer(re.escape(a), s)]
            if idx:
                i = rng.choice(idx)
                s = s[:i] + b + s[i + len(a):]
        elif op == "truncate" and len(words) > 2:
            s = " ".join(words[: rng.randrange(2, len(words))])
        elif op == "legal":
            base = normalize_name(s).key.title() if rng.random() < 0.5 else s
            s = f"{base} {rng.choice(LEGAL)}".strip()
        elif op == "glue" and len(words) > 1:
            i = rng.randrange(len(words) - 1)
            s = " ".join(words[:i] + [words[i] + words[i + 1]] + words[i + 2:])
        elif op == "order" and len(words) > 2:
            i = rng.randrange(len(words) - 1)
            words[i], words[i + 1] = words[i + 1], words[i]
            s = " ".join(words)
        elif op == "case":
            s = rng.choice([s.upper(), s.lower(), s.title()])
        elif op == "drop" and len(words) > 2:
            del words[rng.randrange(len(words))]
            s = " ".join(words)
        elif op == "space":
            s = s.replace(" ", "  ", 1).replace(",", " ,", 1)
    return s


@dataclass
class TrainingSet:
    """Pair features and labels, plus one row per query for threshold work."""

    X: np.ndarray
    y: np.ndarray
    query: np.ndarray      # query id per pair
    weight: np.ndarray


def _reduced_reference(ref: Reference, rng: random.Random, hide_fac: float, hide_alias: float):
    """A copy of the reference with some facilities and some aliases hidden."""
    fac = ref.facilities
    keys = sorted(set(zip(fac.cid, fac.metal)))
    hidden_fac = set(rng.sample(keys, int(len(keys) * hide_fac)))
    names = ref.names
    alias_rows = [i for i, k in enumerate(names["kind"]) if k != "current_standard_name"]
    hidden_alias = set(rng.sample(alias_rows, int(len(alias_rows) * hide_alias)))
    keep_names = [i for i, (c, m) in enumerate(zip(names.cid, names.metal))
                  if (c, m) not in hidden_fac and i not in hidden_alias]
    keep_fac = [(c, m) not in hidden_fac for c, m in zip(fac.cid, fac.metal)]
    reduced = Reference(fac[keep_fac].reset_index(drop=True),
                        names.iloc[keep_names].reset_index(drop=True), ref.revisions, ref.version)
    return reduced, hidden_fac, names.iloc[sorted(hidden_alias)]


def synthetic_queries(ref: Reference, seed: int = SEED) -> tuple[Reference, pd.DataFrame]:
    """A reduced reference and queries against it: name, metal, country, true cid ('' = none)."""
    rng = random.Random(seed)
    reduced, hidden_fac, hidden_alias = _reduced_reference(ref, rng, 0.12, 0.25)
    fac = ref.facilities.set_index(["cid", "metal"])
    rows: list[tuple[str, str, str, str]] = []

    def country_for(cid: str, metal: str) -> str:
        r = rng.random()
        real = fac.loc[(cid, metal), "country"]
        if r < 0.6:
            return real
        if r < 0.65:
            return rng.choice(list(fac["country"].unique()))
        return ""

    def metal_for(metal: str) -> str:
        return "" if rng.random() < 0.1 else rng.choice([metal, metal, metal.upper(), metal[:2]])

    by_fac = reduced.names.groupby(["cid", "metal"])["name"].apply(list)
    for (cid, metal), names in by_fac.items():
        for _ in range(2):
            rows.append((perturb(rng.choice(names), rng), metal_for(metal),
                         country_for(cid, metal), cid))
        rows.append((rng.choice(names), metal_for(metal), country_for(cid, metal), cid))
    for r in hidden_alias.itertuples(index=False):
        if (r.cid, r.metal) not in hidden_fac:
            name = r.name if rng.random() < 0.6 else perturb(r.name, rng)
            rows.append((name, metal_for(r.metal), country_for(r.cid, r.metal), r.cid))
    all_names = ref.names.groupby(["cid", "metal"])["name"].apply(list)
    for cid, metal in sorted(hidden_fac):
        name = rng.choice(all_names[(cid, metal)])
        rows.append((name if rng.random() < 0.6 else perturb(name, rng), metal_for(metal),
                     country_for(cid, metal), ""))
    # names reported under a metal the company has no facility for
    reduced_keys = {(normalize_name(n).key, m) for n, m in zip(reduced.names.name, reduced.names.metal)}
    metals = ["Gold", "Tantalum", "Tin", "Tungsten"]
    for (_cid, metal), names in list(by_fac.items())[::3]:
        other = rng.choice([m for m in metals if m != metal])
        name = rng.choice(names)
        if (normalize_name(name).key, other) not in reduced_keys:
            rows.append((name, other, "", ""))
    non = data_lines("training", "non_smelters.txt")
    for s in non:
        for _ in range(2):
            rows.append((s if rng.random() < 0.5 else perturb(s, rng), rng.choice(metals + [""]),
                         "", ""))
    q = pd.DataFrame(rows, columns=["name", "metal", "country", "cid"])
    return reduced, q


# -- pairs from the real pipeline ----------------------------------------------------------------

def pairs_for(matcher: Matcher, names, metals, countries, truths, cids=None) -> tuple:
    """Run blocking + comparison for labelled queries. ``truths``: sets of acceptable CIDs."""
    cids = cids if cids is not None else [""] * len(names)
    qs = [(str(n), normalize_metal(m) or "", str(m), normalize_country(c) or "", parse_cid(r) or "")
          for n, m, c, r in zip(names, metals, countries, cids)]
    nns = [normalize_name(q[0]) for q in qs]
    cands, X = matcher.candidate_features(qs, nns)
    fac_cid = matcher._fac["cid"]
    y = np.array([fac_cid[f] in truths[q] for q, f in zip(cands.query, cands.fac)], dtype=int)
    return cands, X, y


def choose_thresholds(scored: pd.DataFrame, target: float = TARGET_PRECISION) -> tuple[float, float]:
    """(match, review) thresholds from held-out scores.

    match: the lowest score at which auto-matches still reach ``target`` precision.
    review: the highest score below which at most 1% of the correct answers lie, capped at 0.5 so
    that a candidate the model finds more likely right than wrong is never rejected unseen.
    """
    s = scored.sort_values("score", ascending=False)
    correct = (s["matchable"] & s["best_correct"]).to_numpy()
    scores = s["score"].to_numpy()
    match_t = 1.0
    for t in sorted(set(np.round(scores, 4)), reverse=True):
        sel = scores >= t
        if sel.sum() and correct[sel].mean() >= target:
            match_t = float(t)
    total_correct = max(correct.sum(), 1)
    review_t = 0.01
    for t in sorted(set(np.round(scores, 4))):
        if correct[scores < t].sum() / total_correct <= 0.01:
            review_t = float(t)
    match_t = max(match_t, 0.5)
    return match_t, min(review_t, 0.5, match_t)


# -- training ------------------------------------------------------------------------------------

class Trainer:
    """Precomputes pair features once, then fits models for any subset of gold rows quickly."""

    def __init__(self, reference: Reference, gold: pd.DataFrame | None, seed: int = SEED):
        self.reference = reference
        bootstrap = Model.load()  # only for its (unused) thresholds; features do not depend on it
        reduced, q = synthetic_queries(reference, seed)
        syn_matcher = Matcher(reduced, model=bootstrap)
        truths = [frozenset([c]) if c else frozenset() for c in q["cid"]]
        c, X, y = pairs_for(syn_matcher, q["name"], q["metal"], q["country"], truths)
        self.syn = TrainingSet(X, y, c.query, np.ones(len(y)))
        self.n_synthetic_queries = len(q)
        self.full_matcher = Matcher(reference, model=bootstrap)
        self.gold = gold
        if gold is not None:
            c, X, y = pairs_for(self.full_matcher, gold["reported_name"], gold["reported_metal"],
                                gold["reported_country"],
                                [self._acceptable(t) for t in gold["truth"]])
            self.gold_pairs = TrainingSet(X, y, c.query, np.full(len(y), 3.0))

    def _acceptable(self, truth: frozenset) -> frozenset:
        eq = equivalent_cids(self.reference)
        return frozenset(set().union(*(eq.get(t, {t}) for t in truth))) if truth else frozenset()

    def fit(self, gold_rows: np.ndarray | None = None, thresholds=(0.9, 0.3)) -> Model:
        """Fit on synthetic pairs plus the pairs of the given gold row positions."""
        X, y, w = self.syn.X, self.syn.y, self.syn.weight
        if gold_rows is not None and len(gold_rows) and self.gold is not None:
            sel = np.isin(self.gold_pairs.query, gold_rows)
            X = np.vstack([X, self.gold_pairs.X[sel]])
            y = np.concatenate([y, self.gold_pairs.y[sel]])
            w = np.concatenate([w, self.gold_pairs.weight[sel]])
        # calibrate on the synthetic pairs (isotonic on raw scores); thresholds are set separately
        model = fit_model(X, y, C=1.0, sample_weight=w, calib_X=self.syn.X, calib_y=self.syn.y,
                          match_threshold=thresholds[0], review_threshold=thresholds[1])
        return model

    def matcher_for(self, model: Model) -> Matcher:
        m = Matcher(self.reference, model=model)
        return m

    def nested_cv(self, folds: int = 5, seed: int = SEED) -> tuple[pd.DataFrame, list[dict]]:
        """Outer held-out predictions (with inner-chosen thresholds) for every gold row."""
        from sklearn.model_selection import GroupKFold

        g = self.gold
        outer = GroupKFold(n_splits=folds, shuffle=True, random_state=seed)
        parts, info = [], []
        for k, (tr, te) in enumerate(outer.split(g, groups=g["group"])):
            inner_scores = []
            inner = GroupKFold(n_splits=4, shuffle=True, random_state=seed + k)
            sub = g.iloc[tr]
            for itr, ite in inner.split(sub, groups=sub["group"]):
                m = self.fit(tr[itr])
                inner_scores.append(score_gold(self.matcher_for(m), sub.iloc[ite]))
            mt, rt = choose_thresholds(pd.concat(inner_scores))
            model = self.fit(tr, thresholds=(mt, rt))
            scored = score_gold(self.matcher_for(model), g.iloc[te])
            scored["fold"] = k
            parts.append(scored)
            info.append({"fold": k, "match_threshold": mt, "review_threshold": rt,
                         "train_rows": int(len(tr)), "test_rows": int(len(te))})
        return pd.concat(parts).sort_index(), info

    def final_model(self, folds: int = 5, seed: int = SEED) -> tuple[Model, dict]:
        """Model on synthetic + all gold; thresholds from pooled out-of-fold scores."""
        from sklearn.model_selection import GroupKFold

        g = self.gold
        if g is None:
            model = self.fit(None)
            return model, {}
        oof = []
        for tr, te in GroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(
                g, groups=g["group"]):
            oof.append(score_gold(self.matcher_for(self.fit(tr)), g.iloc[te]))
        mt, rt = choose_thresholds(pd.concat(oof))
        return self.fit(np.arange(len(g)), thresholds=(mt, rt)), {"match": mt, "review": rt}


# -- the train / evaluate jobs (CLI entry points) ------------------------------------------------

def evaluate_cv(reference: Reference, gold_path: str, folds: int = 5) -> dict:
    """Nested cross-validated evaluation on a gold file (the model never sees a test row)."""
    gold = load_gold(gold_path)
    trainer = Trainer(reference, gold)
    scored, info = trainer.nested_cv(folds)
    return {"how": (f"Nested {folds}-fold GroupKFold (groups = label CID; NO_MATCH by name): each "
                    "outer fold scored by a model trained on synthetic pairs + the other folds, "
                    "with thresholds chosen by an inner 4-fold CV on those training folds only."),
            "overall": metrics(scored), "per_metal": metrics_by_metal(scored), "folds": info,
            "errors": error_rows(scored), "scored": scored}


def train(reference: Reference, gold_path: str | None, out_path: str, folds: int = 5) -> Model:
    """Train the shipped model deterministically: synthetic pairs + all gold rows of ``gold_path``."""
    gold = load_gold(gold_path) if gold_path else None
    trainer = Trainer(reference, gold)
    model, thresholds = trainer.final_model(folds)
    model.metadata = {
        "trained_with": {"reference": reference.version.stamp,
                         "gold": gold_path or "", "gold_rows": 0 if gold is None else len(gold),
                         "synthetic_queries": trainer.n_synthetic_queries,
                         "synthetic_pairs": int(len(trainer.syn.y)), "seed": SEED},
        "thresholds_from": f"pooled out-of-fold scores, {folds}-fold GroupKFold on the gold rows, "
                           f"target auto-match precision {TARGET_PRECISION}",
        "thresholds": thresholds,
    }
    model.save(out_path)
    return model
