"""The methods compared: three baselines and smelter_match, behind one small interface.

Every method takes rows with the columns ``name``, ``metal``, ``country`` (what a supplier
reported) and returns, per row, a predicted CID, a score in [0, 1] and a decision
(``match`` = auto-matched, ``review`` = a person must look, ``no_match``):

- ``exact``: exact lookup of the normalised name (``smelter_match.normalize``) among the
  reference's names of the row's metal (all metals when the metal is unknown).
- ``wratio``: ``rapidfuzz.process.extractOne`` with ``fuzz.WRatio`` (``default_process`` case
  folding) over all reference names of the row's metal; the score cut-off is tuned on the
  training folds.
- ``recordlinkage``: the classic recordlinkage pipeline: block on metal, Jaro-Winkler and
  Levenshtein similarities, ``LogisticRegressionClassifier`` trained on the training folds.
- ``smelter_match``: ``smelter_match.Matcher``.

Learned methods implement :meth:`Method.fit`; :meth:`Method.state` / :meth:`Method.load_state`
carry a fitted method into the speed subprocesses. Baselines work once per distinct
(name, metal, country) — as any sensible pipeline would — and can stop at a deadline, reporting
how much they finished, so that a slow baseline is extrapolated rather than waited for.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from benchmarks.gold import candidate_set

METALS = {"gold": "Gold", "au": "Gold", "tin": "Tin", "sn": "Tin", "tantalum": "Tantalum",
          "ta": "Tantalum", "tungsten": "Tungsten", "w": "Tungsten"}
PRED_COLUMNS = ["cid", "score", "decision", "candidates"]


class MethodUnavailable(RuntimeError):
    """The method cannot run here (e.g. ``smelter_match.Matcher`` is not importable yet)."""


def parse_metal(text: object) -> str:
    """Baselines' metal parser: the four 3TG names or symbols, any case; else ``""``."""
    return METALS.get(str(text or "").strip().lower(), "")


@dataclass
class Predictions:
    """Per-row predictions (``frame`` has PRED_COLUMNS, aligned with the input's index).

    ``complete`` is False when a deadline stopped the method early: then only ``units_done`` of
    ``units_total`` distinct queries were answered and the other rows are empty.
    """

    frame: pd.DataFrame
    complete: bool = True
    units_done: int = 0
    units_total: int = 0


class Method:
    """Base class. Subclasses implement :meth:`_match_query` (one query), :meth:`_match_unique`
    (a batch of distinct queries) or override :meth:`predict` (the whole input)."""

    name = "method"
    description = ""
    learned = False        # fit() uses training rows: evaluate on held-out folds only
    fit_for_speed = True   # speed runs use a state fitted on all gold rows (if learned)
    has_blocking = False   # candidates column is a blocking/candidate set: report its recall
    chunk = 500            # distinct queries per deadline check

    def __init__(self, reference) -> None:
        self.reference = reference
        fac = reference.facilities
        self._country_code = dict(zip(zip(fac["cid"], fac["metal"]), fac["country_code"]))

    # -- training -----------------------------------------------------------------------------
    def fit(self, train: pd.DataFrame) -> None:
        """Learn from gold rows (``name``, ``metal``, ``country``, ``label``, ...). Default: no-op."""

    def state(self) -> dict:
        """What fit() learned, picklable (default: nothing)."""
        return {}

    def load_state(self, state: dict) -> None:
        """Restore what :meth:`state` returned."""

    def thresholds(self) -> dict:
        """The operating thresholds in use (reported in the results)."""
        return {}

    # -- prediction -----------------------------------------------------------------------------
    def predict(self, rows: pd.DataFrame, deadline: float | None = None,
                with_candidates: bool = False) -> Predictions:
        """Predict every row; work once per distinct (name, metal, country), stop at ``deadline``."""
        keys = pd.MultiIndex.from_frame(rows[["name", "metal", "country"]].fillna("").astype(str))
        codes, uniques = pd.factorize(keys)
        uniq = pd.DataFrame(list(uniques), columns=["name", "metal", "country"])
        parts, done = [], 0
        for start in range(0, len(uniq), self.chunk):
            if deadline is not None and time.perf_counter() > deadline:
                break
            part = uniq.iloc[start:start + self.chunk]
            parts.append(self._match_unique(part, with_candidates))
            done += len(part)
        res = pd.concat(parts) if parts else pd.DataFrame(columns=PRED_COLUMNS)
        res = res.reindex(range(len(uniq)))
        frame = res.iloc[codes].set_axis(rows.index)[PRED_COLUMNS]
        return Predictions(frame, done == len(uniq), done, len(uniq))

    def _match_unique(self, queries: pd.DataFrame, with_candidates: bool) -> pd.DataFrame:
        """Predictions for distinct queries (default: :meth:`_match_query` in a loop)."""
        rows = [self._match_query(n, m, c) for n, m, c in queries.itertuples(index=False)]
        return pd.DataFrame(rows, columns=PRED_COLUMNS, index=queries.index)

    def _match_query(self, name: str, metal: str, country: str) -> tuple:
        """(cid, score, decision, candidates) of one query (default: a one-row batch)."""
        q = pd.DataFrame({"name": [name], "metal": [metal], "country": [country]})
        return tuple(self._match_unique(q, False).iloc[0])

    def match_one(self, name: str, metal: str = "", country: str = "") -> str:
        """Predicted CID of one name (for latency measurement)."""
        return self._match_query(name, metal, country)[0]

    # -- helpers ----------------------------------------------------------------------------------
    def _pick(self, owners: list[tuple[str, str]], country: str) -> tuple[str, bool]:
        """Choose among (cid, metal) owners of a name: unique, or the one in the reported country.

        Returns (cid, resolved) where resolved is False when the choice was arbitrary.
        """
        cids = sorted({c for c, _ in owners})
        if len(cids) == 1:
            return cids[0], True
        code = _country_code(country)
        same = sorted({c for c, m in owners if code and self._country_code.get((c, m)) == code})
        if len(same) == 1:
            return same[0], True
        return (same or cids)[0], False


@functools.lru_cache(maxsize=4096)
def _country_code(text: str) -> str:
    """ISO code of a reported country ("" if unknown)."""
    from smelter_match.normalize import normalize_country

    return (normalize_country(text) or "") if text else ""


def _tune_cutoff(scores: np.ndarray, correct: np.ndarray, is_no_match: np.ndarray) -> float:
    """Cut-off maximising decision accuracy on training rows.

    A row is handled right if it is auto-matched (score >= cut-off) to the correct CID, or it is a
    NO_MATCH row left unmatched (score < cut-off). Ties go to the lowest such cut-off.
    """
    grid = np.unique(np.concatenate([[0.0, 1.01], scores]))
    best, best_acc = 1.01, -1.0
    for t in grid:
        auto = scores >= t
        acc = np.mean((auto & correct) | (~auto & is_no_match))
        if acc > best_acc:
            best, best_acc = float(t), acc
    return best


def _training_targets(train: pd.DataFrame, pred: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(correct, is_no_match) arrays for tuning a cut-off on training rows."""
    correct = np.array([c in candidate_set(lab, cand) for c, lab, cand in
                        zip(pred.fillna(""), train["label"], train["candidate_cids"])])
    return correct, (train["label"] == "NO_MATCH").to_numpy()


# ------------------------------------------------------------------------------------------------
# (1) exact normalised alias lookup
# ------------------------------------------------------------------------------------------------

class ExactAlias(Method):
    """Exact normalised-name lookup; a name owned by several CIDs is resolved by country or sent
    to review. Unseen names are ``no_match``. Score: 1 (unique), 0.9 (resolved by country),
    0.5 (arbitrary pick among owners, review), 0 (not found)."""

    name = "exact"
    description = "exact normalised alias lookup"

    def __init__(self, reference, **_options) -> None:
        super().__init__(reference)
        from smelter_match.normalize import normalize_name

        self._normalize = normalize_name
        names = reference.names[reference.names["key"] != ""]
        self._by_metal: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self._by_key: dict[str, list[tuple[str, str]]] = {}
        for cid, metal, key in zip(names["cid"], names["metal"], names["key"]):
            self._by_metal.setdefault((metal, key), []).append((cid, metal))
            self._by_key.setdefault(key, []).append((cid, metal))

    def _match_query(self, name: str, metal_text: str, country: str) -> tuple:
        key = self._normalize(name).key if name else ""
        metal = parse_metal(metal_text)
        owners = (self._by_metal.get((metal, key)) if metal else self._by_key.get(key)) or []
        if not owners:
            return "", 0.0, "no_match", ()
        cid, resolved = self._pick(owners, country)
        unique = len({c for c, _ in owners}) == 1
        score = 1.0 if unique else (0.9 if resolved else 0.5)
        return (cid, score, "match" if resolved else "review",
                tuple(sorted({c for c, _ in owners})))


# ------------------------------------------------------------------------------------------------
# (2) rapidfuzz WRatio
# ------------------------------------------------------------------------------------------------

class WRatioBaseline(Method):
    """``process.extractOne(..., scorer=fuzz.WRatio)`` over the reference names of the row's metal.

    Choices are case-folded once with ``rapidfuzz.utils.default_process`` and the query likewise
    (identical to passing ``processor=default_process``, without re-processing every choice on
    every call). Decision: ``match`` if score >= the tuned cut-off, else ``no_match``.
    """

    name = "wratio"
    description = "rapidfuzz extractOne WRatio, tuned cut-off"
    learned = True
    chunk = 200

    def __init__(self, reference, **_options) -> None:
        super().__init__(reference)
        from rapidfuzz import fuzz, process, utils

        self._extract, self._scorer, self._process = process.extractOne, fuzz.WRatio, \
            utils.default_process
        self.cutoff = 0.9
        self._choices: dict[str, list[str]] = {}
        self._owners: dict[str, list[list[tuple[str, str]]]] = {}
        names = reference.names
        for metal, group in [("", names), *names.groupby("metal")]:
            owners: dict[str, list[tuple[str, str]]] = {}
            for cid, m, name in zip(group["cid"], group["metal"], group["name"]):
                owners.setdefault(self._process(name), []).append((cid, m))
            owners.pop("", None)
            self._choices[metal] = list(owners)
            self._owners[metal] = list(owners.values())

    def _best(self, name: str, metal_text: str, country: str) -> tuple[str, float]:
        metal = parse_metal(metal_text)
        hit = self._extract(self._process(name or ""), self._choices[metal], scorer=self._scorer,
                            processor=None)
        if hit is None or hit[1] <= 0:
            return "", 0.0
        cid, _ = self._pick(self._owners[metal][hit[2]], country)
        return cid, hit[1] / 100.0

    def _match_query(self, name: str, metal: str, country: str) -> tuple:
        cid, score = self._best(name, metal, country)
        decision = "match" if cid and score >= self.cutoff else "no_match"
        return cid, score, decision, (cid,) if cid else ()

    def fit(self, train: pd.DataFrame) -> None:
        pred = self.predict(train[["name", "metal", "country"]]).frame
        correct, no_match = _training_targets(train, pred["cid"])
        self.cutoff = _tune_cutoff(pred["score"].to_numpy(float), correct, no_match)

    def state(self) -> dict:
        return {"cutoff": self.cutoff}

    def load_state(self, state: dict) -> None:
        self.cutoff = state["cutoff"]

    def thresholds(self) -> dict:
        return {"match": self.cutoff}


# ------------------------------------------------------------------------------------------------
# (3) recordlinkage: block on metal, JW + Levenshtein, logistic regression
# ------------------------------------------------------------------------------------------------

class RecordLinkageBaseline(Method):
    """recordlinkage: ``Index.block('metal')`` (all names when the metal is unknown), Jaro-Winkler
    and Levenshtein on the normalised key and on the case-folded name, logistic regression.

    The candidate set of a query is every CID in its block, so blocking recall is the share of
    matchable rows whose reported metal block contains the labelled CID.
    """

    name = "recordlinkage"
    description = "recordlinkage: metal blocking, JW+Levenshtein, logistic regression"
    learned = True
    has_blocking = True
    chunk = 100

    def __init__(self, reference, **_options) -> None:
        super().__init__(reference)
        import logging

        try:
            import recordlinkage
        except ImportError:
            raise MethodUnavailable("recordlinkage is not installed: it is the optional extra "
                                    "smelter-match[recordlinkage] (pandas < 3); run the benchmark "
                                    "in .venv-rl (./dev bench-rl) to include it") from None
        from rapidfuzz import utils

        from smelter_match.normalize import normalize_name

        # "A full index can result in large number of record pairs": expected for unknown metals
        logging.getLogger("recordlinkage").setLevel(logging.ERROR)
        self._rl = recordlinkage
        self._fold, self._normalize = utils.default_process, normalize_name
        names = reference.names
        self._ref = pd.DataFrame({
            "cid": names["cid"].to_numpy(), "metal": names["metal"].to_numpy(),
            "key": names["key"].to_numpy(), "low": [self._fold(n) for n in names["name"]],
        })
        self._compare = recordlinkage.Compare()
        for col in ("key", "low"):
            self._compare.string(col, col, method="jarowinkler", label=f"jw_{col}")
            self._compare.string(col, col, method="levenshtein", label=f"lev_{col}")
        self.classifier = None
        self.cutoff = 0.5

    def _pairs(self, queries: pd.DataFrame) -> tuple[pd.MultiIndex, pd.DataFrame]:
        """Candidate pairs (query index, reference row) and the query frame used to compare."""
        q = pd.DataFrame({
            "metal": [parse_metal(m) for m in queries["metal"]],
            "key": [self._normalize(n).key if n else "" for n in queries["name"]],
            "low": [self._fold(n or "") for n in queries["name"]],
        }, index=queries.index)
        known, unknown = q[q["metal"] != ""], q[q["metal"] == ""]
        indexer = self._rl.Index()
        indexer.block("metal")
        parts = [indexer.index(known, self._ref)] if len(known) else []
        if len(unknown):
            full = self._rl.Index()
            full.full()
            parts.append(full.index(unknown, self._ref))
        pairs = parts[0] if len(parts) == 1 else (parts[0].append(parts[1]) if parts else None)
        if pairs is None:
            pairs = pd.MultiIndex.from_arrays([[], []])
        return pairs, q

    def _features(self, queries: pd.DataFrame) -> pd.DataFrame:
        pairs, q = self._pairs(queries)
        if len(pairs) == 0:
            return pd.DataFrame(columns=["jw_key", "lev_key", "jw_low", "lev_low"],
                                index=pairs)
        return self._compare.compute(pairs, q, self._ref).fillna(0.0)

    def _match_unique(self, queries: pd.DataFrame, with_candidates: bool) -> pd.DataFrame:
        return self._decide(self._features(queries), queries.index, with_candidates)

    def _decide(self, feats: pd.DataFrame, index: pd.Index, with_candidates: bool) -> pd.DataFrame:
        """Best-scoring reference name per query; ``match`` if its probability >= cut-off."""
        out = pd.DataFrame({"cid": "", "score": 0.0, "decision": "no_match",
                            "candidates": [()] * len(index)}, index=index)
        if len(feats) == 0:
            return out
        prob = pd.Series(self.classifier.prob(feats), index=feats.index)
        qidx = feats.index.get_level_values(0)
        ridx = feats.index.get_level_values(1)
        best = prob.groupby(qidx).idxmax()
        out.loc[best.index, "cid"] = self._ref["cid"].to_numpy()[[r for _, r in best]]
        out.loc[best.index, "score"] = prob.loc[list(best)].to_numpy()
        out["decision"] = np.where((out["score"] >= self.cutoff) & (out["cid"] != ""), "match",
                                   "no_match")
        if with_candidates:
            cids = pd.Series(self._ref["cid"].to_numpy()[ridx], index=qidx)
            groups = cids.groupby(level=0).agg(lambda s: tuple(sorted(set(s))))
            out["candidates"] = [groups.get(i, ()) for i in out.index]
        return out

    def fit(self, train: pd.DataFrame) -> None:
        rows = train.reset_index(drop=True)
        feats = self._features(rows[["name", "metal", "country"]])
        qidx = feats.index.get_level_values(0)
        ref_cids = self._ref["cid"].to_numpy()[feats.index.get_level_values(1)]
        allowed = [candidate_set(lab, cand) for lab, cand in
                   zip(rows["label"], rows["candidate_cids"])]
        is_match = np.array([c in allowed[q] for q, c in zip(qidx, ref_cids)], dtype=bool)
        self.classifier = self._rl.LogisticRegressionClassifier()
        self.classifier.fit(feats, feats.index[is_match])
        pred = self._decide(feats, rows.index, False)
        correct, no_match = _training_targets(rows, pred["cid"])
        self.cutoff = _tune_cutoff(pred["score"].to_numpy(float), correct, no_match)

    def state(self) -> dict:
        return {"classifier": self.classifier, "cutoff": self.cutoff}

    def load_state(self, state: dict) -> None:
        self.classifier, self.cutoff = state["classifier"], state["cutoff"]

    def thresholds(self) -> dict:
        return {"match": self.cutoff}


# ------------------------------------------------------------------------------------------------
# (4) smelter_match
# ------------------------------------------------------------------------------------------------

def train_smelter_match(reference, train: pd.DataFrame, inner_folds: int = 4):
    """Train a smelter_match model on the given gold rows only; None if training is unavailable.

    Uses ``smelter_match.training``: synthetic pairs from the reference plus these gold rows, with
    thresholds chosen on inner out-of-fold scores of these rows (``Trainer.final_model``). The
    rows go through ``training.load_gold`` (a temporary CSV) so they get exactly the columns the
    trainer derives from a gold file.
    """
    try:
        from smelter_match import evaluation, training
    except ImportError:
        return None
    if not hasattr(training, "Trainer"):
        return None
    import os
    import tempfile

    with tempfile.TemporaryDirectory(prefix="smelter_bench_train_") as tmp:
        path = os.path.join(tmp, "train.csv")
        train.to_csv(path, index=False)
        rows = evaluation.load_gold(path)
    model, _ = training.Trainer(reference, rows).final_model(inner_folds)
    return model


class SmelterMatch(Method):
    """``smelter_match.Matcher``: retrained on the training folds for accuracy (``train=True``),
    the shipped model for speed (that is what users run)."""

    name = "smelter_match"
    description = "smelter_match.Matcher"
    learned = True
    has_blocking = True
    fit_for_speed = False

    def __init__(self, reference, train: bool = True) -> None:
        super().__init__(reference)
        self.train = train
        try:
            from smelter_match import Matcher
        except ImportError:
            try:
                from smelter_match.matcher import Matcher
            except ImportError as exc:
                raise MethodUnavailable(f"smelter_match.Matcher not importable: {exc}") from None
        self._matcher_cls = Matcher
        self.model = None
        self.held_out = False   # True once fit() trained a model on training rows only
        self.matcher = Matcher(reference)

    def fit(self, train: pd.DataFrame) -> None:
        model = train_smelter_match(self.reference, train) if self.train else None
        if model is not None:
            self.model, self.held_out = model, True
            self.matcher = self._matcher_cls(self.reference, model=model)

    def state(self) -> dict:
        return {"model": self.model}

    def load_state(self, state: dict) -> None:
        if state.get("model") is not None:
            self.model = state["model"]
            self.matcher = self._matcher_cls(self.reference, model=self.model)

    def thresholds(self) -> dict:
        model = getattr(self.matcher, "model", None)
        return {"match": getattr(model, "match_threshold", None),
                "review": getattr(model, "review_threshold", None)}

    def predict(self, rows: pd.DataFrame, deadline: float | None = None,
                with_candidates: bool = False) -> Predictions:
        """One ``Matcher.match`` call (it dedupes internally); ``deadline`` is not supported."""
        out = self.matcher.match(rows[["name", "metal", "country"]], name="name", metal="metal",
                                 country="country")
        cands = [_candidate_cids(c) for c in out["candidates"]]
        cid = [c or (cs[0] if cs else "") for c, cs in zip(out["cid"].fillna(""), cands)]
        frame = pd.DataFrame({"cid": cid, "score": out["score"].astype(float).to_numpy(),
                              "decision": out["decision"].to_numpy(), "candidates": cands},
                             index=rows.index)
        return Predictions(frame, True, len(rows), len(rows))

    def match_one(self, name: str, metal: str = "", country: str = "") -> str:
        return self.matcher.match_one(name, metal or None, country or None).cid


def _candidate_cids(text: object) -> tuple[str, ...]:
    """CIDs of a ``candidates`` cell ("CID|name|score ; ...")."""
    if not isinstance(text, str) or not text:
        return ()
    return tuple(part.strip().split("|")[0] for part in text.split(" ; ") if part.strip())


METHODS: dict[str, type[Method]] = {
    "exact": ExactAlias,
    "wratio": WRatioBaseline,
    "recordlinkage": RecordLinkageBaseline,
    "smelter_match": SmelterMatch,
}
