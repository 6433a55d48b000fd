"""Training: the two heads of the model, fitted so that no facility's names leak into validation.

Training data (``smelter-match train``):

- synthetic queries (:mod:`smelter_match.synthetic`) made from the reference with the noise model
  (:mod:`smelter_match.noise`), matched against a copy of the reference with some facilities and
  aliases hidden, so that real smelters RMI does not list and aliases it does not know are among
  them; ``TRAINING_DRAWS`` independent draws of them, weighing together as one (more distinct
  damaged names, same balance against the gold rows);
- the hand-labelled gold rows (``reference_data/gold``) and, optionally, the user's own reviewed
  rows (``--labels``), weighted higher than synthetic rows because they are real.

Fitting (:func:`fit_heads`, :func:`~smelter_match.thresholds.calibrate`), for a set of
training data and a disjoint validation set:

1. the *pair* head on every candidate pair of the queries that denote an RMI facility (the
   probability is conditional on that);
2. the *smelter* head on every query, from query features built with *out-of-fold* pair
   log-odds (pair heads fitted on the other CID groups), so it never sees optimistic pair scores;
3. Platt calibration of both heads and the decision thresholds, chosen on the validation set
   (whose mix resembles real supplier lists), never on the training rows; each threshold is the
   median of the choices on bootstrap resamples of that set
   (:func:`~smelter_match.thresholds.bagged_thresholds`).

The shipped model takes its calibration and thresholds from pooled out-of-fold validation
(:func:`train`): for each of ``folds`` CID-group folds, heads fitted on a reference without that
fold's facilities score that fold's validation queries and gold rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from smelter_match.classify import (
    Model,
    Scorer,
    Thresholds,
    fit_scorer,
)
from smelter_match.compare import FEATURES
from smelter_match.countries import normalize_country
from smelter_match.decide import exact_lookup
from smelter_match.evaluation import equivalent_cids
from smelter_match.matcher import Matcher
from smelter_match.metals import normalize_metal
from smelter_match.normalize import normalize_name
from smelter_match.placeholders import names_no_business, no_letters, placeholder_text
from smelter_match.query_features import QUERY_FEATURES, unrelated
from smelter_match.reference import Reference
from smelter_match.rules import rule_facts
from smelter_match.synthetic import (
    TRAINING_MIX,
    VALIDATION_MIX,
    cid_groups,
    group_folds,
    make_queries,
    no_facility_group,
)
from smelter_match.thresholds import calibrate, exact_counts

SEED = 20261121
#: Weight of a real (gold or reviewed) row relative to a synthetic one.
REAL_WEIGHT = 3.0
#: Weights of the smelter head's training queries by kind: the pair head needs many damaged
#: names to rank well, but the smelter head learns a posterior, so its mix is brought closer to
#: that of real lists (mostly drop-down names).
SMELTER_KIND_WEIGHT = {"noisy": 0.4, "gold": REAL_WEIGHT}
#: Independent draws of synthetic training queries (each its own noise, hidden facilities and
#: non-smelter names); each draw's rows weigh ``1 / TRAINING_DRAWS``, so the synthetic rows
#: together weigh as one draw did against the gold rows. Three instead of one: held out under two
#: seeds, more noisy names decided automatically with as many right (``MODEL_CARD.md``).
TRAINING_DRAWS = 3

#: Pair features the probability may only rise with / fall with (monotonic constraints).
PAIR_INCREASING = ("ratio", "token_sort", "token_set", "partial", "jaro_winkler", "compact_ratio",
                   "variant_best", "exact", "acronym", "rare_overlap", "ocr_ratio",
                   "distinct_ratio", "explained", "cand_covered", "cosine", "country_agree",
                   "metal_agree", "gap", "is_top", "cid_agree")
PAIR_DECREASING = ("rare_missing", "cand_extra", "country_disagree", "cid_disagree")
SMELTER_INCREASING = ("top_logit", "logit_margin", "has_candidate", "top_ratio", "top_token_set",
                      "top_ocr_ratio", "top_distinct_ratio", "top_explained", "top_cand_covered",
                      "top_rare_overlap", "top_exact", "top_partial", "top_jaro_winkler",
                      "top_acronym", "top_cosine", "top_country_agree", "translated_words")
SMELTER_DECREASING = ("top_rare_missing", "top_cand_extra", "other_metal_gain",
                      "nonsmelter_unexplained", "top_country_disagree", "distinct_unexplained",
                      "known_unexplained")


# --------------------------------------------------------------------------------------------
# labelled queries with their features


@dataclass
class Data:
    """Labelled queries compared against one reference (features computed once)."""

    queries: pd.DataFrame            # name, metal, country, truth, kind, families, group, weight
    matcher: Matcher                 # over the reference the queries are matched against
    qs: list[tuple]
    nns: list
    cands: object                    # blocking.Candidates
    X: np.ndarray
    best_name: np.ndarray
    acceptable: list[set[str]]
    y_pair: np.ndarray = field(default=None)   # type: ignore[assignment]
    synthetic_weight: float = 1.0    # weight of a synthetic (not gold) query

    @property
    def matchable(self) -> np.ndarray:
        return np.array([bool(a) for a in self.acceptable])


def featurize(reference: Reference, queries: pd.DataFrame, workers: int = -1,
              equivalents: dict[str, set[str]] | None = None) -> Data:
    """Blocking and comparison of labelled queries against ``reference``."""
    matcher = Matcher(reference, model=Model.untrained(), workers=workers)
    qs = [(str(n), normalize_metal(m) or "", str(m), normalize_country(c) or "", "", "")
          for n, m, c in zip(queries["name"], queries["metal"], queries["country"])]
    nns = [normalize_name(q[0]) for q in qs]
    cands, X, best_name = matcher.candidate_features(qs, nns)
    eq = equivalents or equivalent_cids(reference)
    acceptable = [set().union(*(eq.get(t, {t}) for t in tr)) if tr else set()
                  for tr in queries["truth"]]
    fac_cid = matcher.index.fac_cid[cands.fac]
    y = np.array([c in acceptable[q] for q, c in zip(cands.query.tolist(), fac_cid.tolist())])
    return Data(queries.reset_index(drop=True), matcher, qs, nns, cands, X, best_name, acceptable,
                y.astype(int))


def gold_queries(gold: pd.DataFrame, groups: dict[str, str]) -> pd.DataFrame:
    """Gold (or reviewed) rows as labelled queries, grouped by CID group (NO_MATCH by name)."""
    def group(truth: frozenset, name: str) -> str:
        if not truth:   # the same group as the synthetic non-smelter of that name
            return no_facility_group(name)
        return groups.get(min(truth), min(truth))

    return pd.DataFrame({
        "name": gold["reported_name"].to_numpy(), "metal": gold["reported_metal"].to_numpy(),
        "country": gold["reported_country"].to_numpy(), "truth": gold["truth"].to_numpy(),
        "kind": "gold", "families": [()] * len(gold), "edits": 0,
        "group": [group(t, n) for t, n in zip(gold["truth"], gold["reported_name"])],
        "source_name": gold["reported_name"].to_numpy(),
        "row_id": gold["row_id"].to_numpy() if "row_id" in gold else "",
    })


def without_cids(ref: Reference, cids: set[str]) -> Reference:
    """``ref`` with the facilities of ``cids`` removed entirely (names and facility rows)."""
    fac, names = ref.facilities, ref.names
    return Reference(fac[~fac["cid"].isin(cids)].reset_index(drop=True),
                     names[~names["cid"].isin(cids)].reset_index(drop=True), ref.revisions,
                     ref.version, use_cache=False)   # one run's: not kept in the user cache


# --------------------------------------------------------------------------------------------
# fitting


def _weights(d: Data, by_kind: dict[str, float]) -> np.ndarray:
    """Per query of ``d``: the weight of its kind (``by_kind``, default 1), times
    ``d.synthetic_weight`` unless it is a gold row."""
    return np.array([by_kind.get(k, 1.0) * (1.0 if k == "gold" else d.synthetic_weight)
                     for k in d.queries["kind"]])


def fit_pair(data: list[Data], kind: str, seed: int, query_mask: list[np.ndarray] | None = None
             ) -> Scorer:
    """The pair head on the candidate pairs of queries that denote an RMI facility."""
    Xs, ys, ws = [], [], []
    for i, d in enumerate(data):
        keep = d.matchable.copy()
        if query_mask is not None:
            keep &= query_mask[i]
        rows = keep[d.cands.query]
        Xs.append(d.X[rows])
        ys.append(d.y_pair[rows])
        ws.append(_weights(d, {"gold": REAL_WEIGHT})[d.cands.query[rows]])
    return fit_scorer(np.vstack(Xs), np.concatenate(ys), list(FEATURES), kind=kind,
                      weight=np.concatenate(ws), increasing=PAIR_INCREASING,
                      decreasing=PAIR_DECREASING, seed=seed)


def _query_matrix(d: Data, pair: Scorer, logit: np.ndarray) -> np.ndarray:
    """Query features of ``d`` with the given (out-of-fold) pair log-odds."""
    model = Model(pair, Model.untrained().smelter, Thresholds(1, 1, 0))
    return d.matcher.score_candidates(model, d.qs, d.nns, d.cands, d.X, d.best_name, logit).Q


def fit_heads(data: list[Data], kind: str = "trees", seed: int = SEED, inner: int = 3
              ) -> tuple[Scorer, Scorer]:
    """Both heads, uncalibrated: pair on all data, smelter on out-of-fold pair log-odds."""
    pair = fit_pair(data, kind, seed)
    # out-of-fold pair log-odds: one pair head per inner fold of groups, over every data set
    folds = [np.array([_fold_of(g, inner, seed) for g in d.queries["group"].astype(str)])
             for d in data]
    logits = [np.zeros(len(d.cands.query)) for d in data]
    for k in range(inner):
        held = [f[d.cands.query] == k for f, d in zip(folds, data)]
        if not any(h.any() for h in held):
            continue
        head = fit_pair(data, kind, seed, [f != k for f in folds])
        for logit, d, h in zip(logits, data, held):
            if h.any():
                logit[h] = head.raw(d.X[h])
    Qs, ys, ws = [], [], []
    for d, logit in zip(data, logits):
        Qs.append(_query_matrix(d, pair, logit))
        ys.append(d.matchable.astype(int))
        ws.append(_weights(d, SMELTER_KIND_WEIGHT))
    smelter = fit_scorer(np.vstack(Qs), np.concatenate(ys), list(QUERY_FEATURES), kind=kind,
                         weight=np.concatenate(ws), increasing=SMELTER_INCREASING,
                         decreasing=SMELTER_DECREASING, seed=seed)
    return pair, smelter


def _fold_of(group: str, folds: int, seed: int) -> int:
    import zlib

    return zlib.crc32(f"{seed}:{group}".encode()) % folds


def query_scores(d: Data, pair: Scorer, smelter: Scorer) -> pd.DataFrame:
    """Per query: raw log-odds of the top candidate and of the smelter head, the labels, and what
    the decision rules settle whatever the scores (:mod:`smelter_match.rules`): ``sure``, an
    exact hit it matches; ``blocked``, a name it reviews whatever the scores (ambiguous, a
    reported country pointing to another candidate, a part of several names, a short name
    another candidate reads exactly, a name that is only a place or company forms:
    :func:`~smelter_match.placeholders.names_no_business`); ``second_raw`` and
    ``second_other_metal``, for its several-metals rule once the scores are calibrated. The
    decision's two rules on what a supplier reported beside the name (a metal other than the
    four, a reported CID of another facility: :func:`~smelter_match.decide.decide_many`) have
    no rows here: training and validation queries carry neither."""
    model = Model(pair, smelter, Thresholds(1, 1, 0))
    sc = d.matcher.score_candidates(model, d.qs, d.nns, d.cands, d.X, d.best_name)
    index, cid_metals = d.matcher.index, d.matcher.cid_metals
    facts = rule_facts(sc.ranking, d.cands.fac, d.X, sc.same_key, [q[1] or None for q in d.qs],
                       [q[4] or None for q in d.qs], index.fac_cid, index.fac_metal, cid_metals)
    has, best, second = facts.best >= 0, facts.best, facts.second
    fac_cid = index.fac_cid[d.cands.fac]
    fac_metal = index.fac_metal[d.cands.fac]
    logit = sc.logit if len(sc.logit) else np.zeros(1)   # (rows without a candidate: masked)
    top_raw = np.where(has, logit[np.maximum(best, 0)], -10.0)
    second_raw = np.where(second >= 0, logit[np.maximum(second, 0)], -np.inf)
    other_metal = (second >= 0) & (fac_metal[np.maximum(second, 0)] != fac_metal[np.maximum(
        best, 0)]) if len(fac_metal) else np.zeros(len(best), dtype=bool)
    correct = [bool(h) and fac_cid[b] in ok for h, b, ok in zip(has, best, d.acceptable)]
    sure = facts.sure
    plain = np.array([names_no_business(nn) for nn in d.nns], dtype=bool)
    blocked = facts.ambiguous | facts.several_names | (facts.country_choice >= 0) | (
        facts.shared_part >= 0) | (facts.exact_other >= 0) | (plain & ~sure)
    kinds = [bool(k) for k in sc.kinds]
    first_pass = [exact_lookup(q[1], q[4], q[3], nn, index, cid_metals, q[2]) is not None
                  for q, nn in zip(d.qs, d.nns)]
    q = d.queries
    return pd.DataFrame({
        "pair_raw": top_raw, "smelter_raw": smelter.raw(sc.Q), "has_candidate": has,
        "matchable": d.matchable, "correct": correct, "kind": q["kind"].to_numpy(),
        "families": q["families"].to_numpy(), "group": q["group"].to_numpy(),
        "prejudged": [not n.key or placeholder_text(n) or no_letters(n, index) for n in d.nns],
        "blocked": blocked,
        "kind_word": kinds, "sure": sure, "no_metal": [not q[1] for q in d.qs], "second_raw": second_raw,
        "second_other_metal": other_metal, "first_pass": first_pass, "unrelated": unrelated(sc.Q),
    })


# --------------------------------------------------------------------------------------------
# the whole procedure


@dataclass
class Trainer:
    """Builds training and validation data per CID-group fold and fits models from them.

    ``families``: the noise families synthetic training and validation queries may use (default
    all; leave one out to measure transfer to it: it then reaches neither the heads nor the
    calibration and thresholds). ``labels``: gold-format rows (gold sets, reviewed rows).
    ``draws``: independent draws of synthetic training queries (:data:`TRAINING_DRAWS`).
    """

    reference: Reference
    labels: pd.DataFrame | None = None
    kind: str = "trees"
    families: tuple[str, ...] | None = None
    seed: int = SEED
    folds: int = 5
    workers: int = -1
    log: object = None
    draws: int = TRAINING_DRAWS

    def __post_init__(self) -> None:
        if self.draws < 1:
            raise ValueError(f"draws must be at least 1, not {self.draws}")
        self.groups = cid_groups(self.reference)
        self.fold_of = group_folds(self.reference, self.folds, self.seed)
        self.eq = equivalent_cids(self.reference)
        self.gold = gold_queries(self.labels, self.groups) if self.labels is not None else None

    def _say(self, text: str) -> None:
        if callable(self.log):
            self.log(text)

    def gold_fold(self) -> np.ndarray:
        """The CID-group fold of each gold row (NO_MATCH rows as a non-smelter name of theirs
        is: "Nihon Superior Co., Ltd." was a Data I/O NO_MATCH row of one fold and a training
        non-smelter of the model that scored it)."""
        if self.gold is None:
            return np.zeros(0, dtype=int)
        out = []
        for truth, name, group in zip(self.gold["truth"], self.gold["name"],
                                      self.gold["group"]):
            if not truth:   # the fold its synthetic non-smelter namesake is in
                out.append(_ns_fold(name, self.folds))
                continue
            out.append(self.fold_of.get(min(truth), _fold_of(group, self.folds, self.seed)))
        return np.array(out, dtype=int)

    def training_data(self, exclude: set[int], gold_rows: np.ndarray | None = None
                      ) -> list[Data]:
        """Synthetic training queries and gold rows with the facilities of the ``exclude`` folds
        removed from everything: from the queries and from the reference they are matched
        against; their non-smelter names stay out too. Synthetic queries are matched against
        that reference with some facilities and aliases hidden, gold rows against all of it."""
        held = {c for c, f in self.fold_of.items() if f in exclude}
        ref = without_cids(self.reference, held) if held else self.reference
        out = []
        for draw in range(self.draws):
            reduced, q = make_queries(
                ref, mix=TRAINING_MIX, families=self.families,
                seed=self.seed + 17 * sum(2 ** f for f in exclude) + 104_729 * draw,
                keep_non_smelter=lambda name: _ns_fold(name, self.folds) not in exclude)
            d = featurize(reduced, q, self.workers, self.eq)
            d.synthetic_weight = 1.0 / self.draws
            out.append(d)
        if self.gold is not None and gold_rows is not None and len(gold_rows):
            g = self.gold.iloc[gold_rows]
            g = g[[not (t & held) for t in g["truth"]]]
            out.append(featurize(ref, g, self.workers, self.eq))
        return out

    def validation_data(self, fold: int, families: tuple[str, ...] | None = None,
                        gold_rows: np.ndarray | None = None, mix=VALIDATION_MIX,
                        edits: int | None = None, seed_offset: int = 0) -> list[Data]:
        """Queries of one fold's facilities, against the whole reference with some of that
        fold's facilities and aliases hidden; and the fold's gold rows, against all of it.
        ``families``: the noise families of the queries, by default the trainer's own."""
        cids = {c for c, f in self.fold_of.items() if f == fold}
        reduced, q = make_queries(self.reference, cids=cids, mix=mix,
                                  families=self.families if families is None else families,
                                  edits=edits, seed=self.seed + 1000 + 31 * fold + seed_offset,
                                  keep_non_smelter=lambda name: _ns_fold(name, self.folds) == fold)
        out = [featurize(reduced, q, self.workers, self.eq)]
        if self.gold is not None and gold_rows is not None and len(gold_rows):
            out.append(featurize(self.reference, self.gold.iloc[gold_rows], self.workers, self.eq))
        return out

    def pooled_model(self, folds: list[int], exclude: set[int] = frozenset()
                     ) -> tuple[Model, pd.DataFrame]:
        """Heads fitted on all folds but ``exclude``; calibration and thresholds from pooled
        out-of-fold validation over ``folds`` (each scored by heads that never saw it).

        Gold rows go where their facility's fold goes: into training for the other folds, into
        validation for their own fold, nowhere for an excluded fold.
        """
        gold_fold = self.gold_fold()
        oof = []
        for k in folds:
            self._say(f"validation fold {k + 1}/{self.folds}: heads fitted without it")
            train = self.training_data(exclude | {k},
                                       np.flatnonzero(~np.isin(gold_fold, [*exclude, k])))
            pair, smelter = fit_heads(train, self.kind, self.seed)
            valid = self.validation_data(k, gold_rows=np.flatnonzero(gold_fold == k))
            oof += [query_scores(d, pair, smelter).assign(fold=k) for d in valid]
        self._say("heads on every facility" + (" but the held-out fold's" if exclude else ""))
        train = self.training_data(set(exclude), np.flatnonzero(~np.isin(gold_fold, [*exclude])))
        pair, smelter = fit_heads(train, self.kind, self.seed)
        # (the thresholds' resamples drawn as ever, whatever the trainer's seed)
        return calibrate(pd.concat(oof, ignore_index=True), pair, smelter, seed=SEED)

    def fold_model(self, fold: int) -> tuple[Model, pd.DataFrame]:
        """A model that never saw ``fold``'s facilities, nor its gold rows, in training,
        calibration or thresholds."""
        return self.pooled_model([k for k in range(self.folds) if k != fold], {fold})

    def final_model(self) -> tuple[Model, pd.DataFrame]:
        """The shipped model: heads on all data; calibration and thresholds from pooled
        out-of-fold validation over every fold."""
        return self.pooled_model(list(range(self.folds)))


def _ns_fold(name: str, folds: int) -> int:
    """The fold of a non-smelter name (training and validation use disjoint names)."""
    import zlib

    return zlib.crc32(normalize_name(name).key.encode("utf-8")) % folds


def train(reference: Reference, labels: pd.DataFrame | None, out_path: str, *,
          kind: str = "trees", folds: int = 5, log: object = None,
          sources: list[str] | None = None) -> Model:
    """Train and save the model deterministically (see the module docstring)."""
    trainer = Trainer(reference, labels, kind=kind, folds=folds, log=log)
    model, scored = trainer.final_model()
    model.metadata = {
        "trained_with": {"reference": reference.version.stamp, "labels": sources or [],
                         "label_rows": 0 if labels is None else len(labels), "seed": SEED,
                         "kind": kind, "folds": folds},
        "calibrated_on": "pooled out-of-fold validation queries (each CID-group fold scored by "
                         "heads fitted without its facilities) plus the gold rows of that fold",
        "validation_rows": int(len(scored)),
        "exact_lookup_rows": exact_counts(scored),   # what model.exact was measured on
    }
    model.save(out_path)
    return model
