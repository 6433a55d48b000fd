"""The methods compared: three baselines and smelter_match, behind one small interface.

Every method takes rows with the columns ``name``, ``metal``, ``country`` (what a supplier
reported) and returns, per row, a predicted CID, a score in [0, 1], a decision (``match`` =
auto-matched, ``review`` = a person must look, ``no_match``) and its ranked candidate CIDs (at
most :data:`TOP_K`, best first; top-5 accuracy is read from them):

- ``exact``: exact lookup of the normalised name (``smelter_match.normalize``) among the
  reference's names of the row's metal (all metals when the metal is unknown).
- ``wratio``: rapidfuzz ``process.cdist`` with ``fuzz.WRatio`` (``default_process`` case folding)
  of the distinct names against every reference name of their metal, all cores
  (``workers=-1``), the best name per row; the score cut-off is tuned on training gold rows.
- ``recordlinkage``: the classic recordlinkage pipeline: block on metal, Jaro-Winkler and
  Levenshtein similarities, ``LogisticRegressionClassifier`` trained on training gold rows.
- ``smelter_match``: ``smelter_match.Matcher`` (the shipped model for speed; in the held-out
  protocol, :mod:`benchmarks.heldout` scores the per-fold models directly).

Learned methods implement :meth:`Method.fit` on labelled rows (``truth``: the set of acceptable
CIDs, empty when no RMI facility is meant); :meth:`Method.state` / :meth:`Method.load_state` carry
what was learned to an instance over another reference (the held-out sets' references) or into the
speed subprocesses. Baselines work once per distinct query, as any sensible pipeline would, and
can stop at a deadline, reporting how much they finished, so that a slow baseline is extrapolated
rather than waited for.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

METALS = {"gold": "Gold", "au": "Gold", "tin": "Tin", "sn": "Tin", "tantalum": "Tantalum",
          "ta": "Tantalum", "tungsten": "Tungsten", "w": "Tungsten"}
PRED_COLUMNS = ["cid", "score", "decision", "candidates"]
#: Ranked candidate CIDs kept per row (top-5 accuracy).
TOP_K = 5


class MethodUnavailable(RuntimeError):
    """The method cannot run here (e.g. the recordlinkage extra is not installed)."""


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


def acceptable(truth: frozenset, equivalents: dict[str, set[str]]) -> set[str]:
    """CIDs a prediction may equal: the truth and, for a removed CID, its successors (and back),
    exactly as :func:`smelter_match.evaluation.score_queries` counts them."""
    return set().union(*(equivalents.get(t, {t}) for t in truth)) if truth else set()


class Method:
    """Base class. Subclasses implement :meth:`_match_query` (one query), :meth:`_match_unique`
    (a batch of distinct queries) or override :meth:`predict` (the whole input)."""

    name = "method"
    description = ""
    learned = False        # fit() uses training rows: evaluate on held-out folds only
    fit_for_speed = True   # speed runs use a state fitted on the training gold rows (if learned)
    chunk = 500            # distinct queries per deadline check

    def __init__(self, reference) -> None:
        self.reference = reference
        cid, metal, code = reference.columns("facilities", "cid", "metal", "country_code")
        self._country_code = dict(zip(zip(cid, metal), code))

    # -- training -----------------------------------------------------------------------------
    def fit(self, train: pd.DataFrame) -> None:
        """Learn from labelled rows (``name``, ``metal``, ``country``, ``truth``). Default: no-op."""

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
        import pandas as pd

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

    def speed_run(self, rows: pd.DataFrame, deadline: float | None) -> Predictions:
        """What the speed section times: the method's whole answer for ``rows`` (default:
        :meth:`predict`)."""
        return self.predict(rows, deadline)

    def _match_unique(self, queries: pd.DataFrame, with_candidates: bool) -> pd.DataFrame:
        """Predictions for distinct queries (default: :meth:`_match_query` in a loop)."""
        import pandas as pd

        rows = [self._match_query(n, m, c) for n, m, c in queries.itertuples(index=False)]
        return pd.DataFrame(rows, columns=PRED_COLUMNS, index=queries.index)

    def _match_query(self, name: str, metal: str, country: str) -> tuple:
        """(cid, score, decision, candidates) of one query (default: a one-row batch)."""
        import pandas as pd

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

    def _tune(self, train: pd.DataFrame, pred: pd.DataFrame) -> float:
        """The cut-off maximising decision accuracy on training rows (see :func:`tune_cutoff`)."""
        from smelter_match.evaluation import equivalent_cids

        eq = equivalent_cids(self.reference)
        ok = [acceptable(t, eq) for t in train["truth"]]
        correct = np.array([bool(c) and c in a for c, a in zip(pred["cid"].fillna(""), ok)])
        no_match = np.array([not a for a in ok])
        return tune_cutoff(pred["score"].fillna(0.0).to_numpy(float), correct, no_match)


@functools.lru_cache(maxsize=4096)
def _country_code(text: str) -> str:
    """ISO code of a reported country ("" if unknown)."""
    from smelter_match.countries import normalize_country

    return (normalize_country(text) or "") if text else ""


def tune_cutoff(scores: np.ndarray, correct: np.ndarray, is_no_match: np.ndarray) -> float:
    """Cut-off maximising decision accuracy on training rows.

    A row is handled right if it is auto-matched (score >= cut-off) to the correct CID, or it is a
    row without a right CID left unmatched (score < cut-off). Ties go to the lowest such cut-off.
    """
    grid = np.unique(np.concatenate([[0.0, 1.01], scores]))
    best, best_acc = 1.01, -1.0
    for t in grid:
        auto = scores >= t
        acc = np.mean((auto & correct) | (~auto & is_no_match))
        if acc > best_acc:
            best, best_acc = float(t), acc
    return best


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
        others = sorted({c for c, _ in owners} - {cid})
        return (cid, score, "match" if resolved else "review", tuple([cid, *others][:TOP_K]))


# ------------------------------------------------------------------------------------------------
# (2) rapidfuzz WRatio, process.cdist per metal on all cores
# ------------------------------------------------------------------------------------------------

class WRatioBaseline(Method):
    """The strongest simple baseline: ``process.cdist(names, reference_names, scorer=WRatio,
    workers=-1)`` per metal, the best reference name per row.

    Work is once per distinct (case-folded name, metal): names are folded with
    ``rapidfuzz.utils.default_process`` (the same scores as ``processor=default_process``), and
    reference names once up front. Rows without a metal are compared with every reference name.
    Decision: ``match`` if the best score >= the tuned cut-off, else ``no_match``.

    Speed runs (:meth:`speed_run`) pass the cut-off as ``score_cutoff``, which lets rapidfuzz stop
    early on hopeless pairs: decisions, and the CID of every matched row, are those of the full
    ranking; only a ``no_match`` row's closest (unused) candidate is not computed.
    """

    name = "wratio"
    description = "rapidfuzz process.cdist WRatio per metal, workers=-1, tuned cut-off"
    learned = True
    block = 1024   # distinct queries per cdist call (bounds the score matrix: block x names)

    def __init__(self, reference, **_options) -> None:
        super().__init__(reference)
        from rapidfuzz import fuzz, process, utils

        self._cdist, self._extract = process.cdist, process.extractOne
        self._scorer, self._process = fuzz.WRatio, utils.default_process
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

    def predict(self, rows: pd.DataFrame, deadline: float | None = None,
                with_candidates: bool = False, prune: bool = False) -> Predictions:
        import pandas as pd

        name_codes, names = pd.factorize(rows["name"].fillna("").astype(str))
        metal_codes, metal_texts = pd.factorize(rows["metal"].fillna("").astype(str))
        folded = np.array([self._process(n) for n in names], dtype=object)[name_codes]
        metal = np.array([parse_metal(m) for m in metal_texts], dtype=object)[metal_codes]
        q_codes, q_uniq = pd.factorize(pd.MultiIndex.from_arrays([folded, metal]))
        q_name = np.array([n for n, _ in q_uniq], dtype=object)
        q_metal = np.array([m for _, m in q_uniq], dtype=object)
        best = np.full(len(q_uniq), -1)
        score = np.zeros(len(q_uniq))
        ranked: list[tuple] = [()] * len(q_uniq)
        done = set()
        cutoff = self._score_cutoff() if prune else 0.0
        for m in sorted(set(q_metal)):
            idx = np.flatnonzero(q_metal == m)
            choices = self._choices.get(m, [])
            for start in range(0, len(idx), self.block):
                if deadline is not None and time.perf_counter() > deadline:
                    break
                part = idx[start:start + self.block]
                done.update(part.tolist())
                if not choices:
                    continue
                scores = self._cdist(q_name[part].tolist(), choices, scorer=self._scorer,
                                     processor=None, score_cutoff=cutoff, workers=-1)
                b = scores.argmax(axis=1)
                s = scores[np.arange(len(part)), b].astype(np.float64)
                best[part] = np.where(s > 0, b, -1)
                score[part] = s / 100.0
                if with_candidates:
                    for i, row in zip(part.tolist(), scores):
                        ranked[i] = self._ranked(m, row)
        return self._rows(rows, q_codes, q_metal, best, score, ranked, done)

    def _ranked(self, metal: str, row: np.ndarray) -> tuple[str, ...]:
        """The first TOP_K distinct CIDs by score (names scoring 0 excluded)."""
        top = np.argpartition(-row, min(len(row) - 1, 4 * TOP_K))[:4 * TOP_K + 1]
        out: list[str] = []
        for j in top[np.lexsort((top, -row[top]))]:   # by score, ties by reference order
            if row[j] <= 0:
                break
            for cid in sorted({c for c, _ in self._owners[metal][j]}):
                if cid not in out:
                    out.append(cid)
            if len(out) >= TOP_K:
                break
        return tuple(out[:TOP_K])

    def _rows(self, rows: pd.DataFrame, q_codes: np.ndarray, q_metal: np.ndarray,
              best: np.ndarray, score: np.ndarray, ranked: list[tuple], done: set
              ) -> Predictions:
        """Per row: the best name's owner (resolved by the row's country), score, decision."""
        import pandas as pd

        country_codes, countries = pd.factorize(rows["country"].fillna("").astype(str))
        pair_codes, pairs = pd.factorize(pd.MultiIndex.from_arrays([q_codes, country_codes]))
        out = []
        for q, c in pairs:
            if q not in done:
                out.append((None, np.nan, None, None))
                continue
            if best[q] < 0:
                out.append(("", 0.0, "no_match", ()))
                continue
            cid, _ = self._pick(self._owners[q_metal[q]][best[q]], countries[c])
            cands = (cid, *[x for x in ranked[q] if x != cid])[:TOP_K]
            decision = "match" if score[q] >= self.cutoff else "no_match"
            out.append((cid, float(score[q]), decision, cands))
        res = pd.DataFrame(out, columns=PRED_COLUMNS)
        frame = res.iloc[pair_codes].set_axis(rows.index)
        return Predictions(frame, len(done) == len(best), len(done), len(best))

    def _score_cutoff(self) -> float:
        """The cut-off as rapidfuzz's ``score_cutoff`` (a hair below, so that a score equal to
        the cut-off, which matches, is never dropped by float rounding)."""
        return min(100.0, max(0.0, 100.0 * self.cutoff - 1e-6))

    def speed_run(self, rows: pd.DataFrame, deadline: float | None) -> Predictions:
        return self.predict(rows, deadline, prune=True)

    def match_one(self, name: str, metal: str = "", country: str = "") -> str:
        m = parse_metal(metal)
        hit = self._extract(self._process(name or ""), self._choices[m], scorer=self._scorer,
                            processor=None, score_cutoff=self._score_cutoff())
        return self._pick(self._owners[m][hit[2]], country)[0] if hit else ""

    def fit(self, train: pd.DataFrame) -> None:
        pred = self.predict(train[["name", "metal", "country"]]).frame
        self.cutoff = self._tune(train, pred)

    def state(self) -> dict:
        return {"cutoff": self.cutoff}

    def load_state(self, state: dict) -> None:
        self.cutoff = state["cutoff"]

    def thresholds(self) -> dict:
        return {"match": round(float(self.cutoff), 4)}


# ------------------------------------------------------------------------------------------------
# (3) recordlinkage: block on metal, JW + Levenshtein, logistic regression
# ------------------------------------------------------------------------------------------------

class RecordLinkageBaseline(Method):
    """recordlinkage: ``Index.block('metal')`` (all names when the metal is unknown), Jaro-Winkler
    and Levenshtein on the normalised key and on the case-folded name, logistic regression; the
    best pair per row wins, candidates are the top CIDs by probability."""

    name = "recordlinkage"
    description = "recordlinkage: metal blocking, JW+Levenshtein, logistic regression"
    learned = True
    chunk = 100

    def __init__(self, reference, **_options) -> None:
        import pandas as pd

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
        import pandas as pd

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
        import pandas as pd

        pairs, q = self._pairs(queries)
        if len(pairs) == 0:
            return pd.DataFrame(columns=["jw_key", "lev_key", "jw_low", "lev_low"],
                                index=pairs)
        return self._compare.compute(pairs, q, self._ref).fillna(0.0)

    def _match_unique(self, queries: pd.DataFrame, with_candidates: bool) -> pd.DataFrame:
        return self._decide(self._features(queries), queries.index, with_candidates)

    def _decide(self, feats: pd.DataFrame, index: pd.Index, with_candidates: bool) -> pd.DataFrame:
        """Best-scoring reference name per query; ``match`` if its probability >= cut-off."""
        import pandas as pd

        out = pd.DataFrame({"cid": "", "score": 0.0, "decision": "no_match",
                            "candidates": [()] * len(index)}, index=index)
        if len(feats) == 0:
            return out
        ranked = pd.DataFrame({
            "q": feats.index.get_level_values(0),
            "cid": self._ref["cid"].to_numpy()[feats.index.get_level_values(1)],
            "p": self.classifier.prob(feats),
        }).sort_values(["q", "p", "cid"], ascending=[True, False, True], kind="stable")
        top = ranked.drop_duplicates("q")
        out.loc[top["q"].to_numpy(), "cid"] = top["cid"].to_numpy()
        out.loc[top["q"].to_numpy(), "score"] = top["p"].to_numpy(float)
        out["decision"] = np.where((out["score"] >= self.cutoff) & (out["cid"] != ""), "match",
                                   "no_match")
        if with_candidates:
            best = ranked.drop_duplicates(["q", "cid"]).groupby("q", sort=False).head(TOP_K)
            groups = best.groupby("q", sort=False)["cid"].agg(tuple)
            out["candidates"] = [groups.get(i, ()) for i in out.index]
        return out

    def fit(self, train: pd.DataFrame) -> None:
        from smelter_match.evaluation import equivalent_cids

        rows = train.reset_index(drop=True)
        feats = self._features(rows[["name", "metal", "country"]])
        qidx = feats.index.get_level_values(0)
        ref_cids = self._ref["cid"].to_numpy()[feats.index.get_level_values(1)]
        eq = equivalent_cids(self.reference)
        allowed = [acceptable(t, eq) for t in rows["truth"]]
        is_match = np.array([c in allowed[q] for q, c in zip(qidx, ref_cids)], dtype=bool)
        self.classifier = self._rl.LogisticRegressionClassifier()
        self.classifier.fit(feats, feats.index[is_match])
        self.cutoff = self._tune(rows, self._decide(feats, rows.index, False))

    def state(self) -> dict:
        return {"classifier": self.classifier, "cutoff": self.cutoff}

    def load_state(self, state: dict) -> None:
        self.classifier, self.cutoff = state["classifier"], state["cutoff"]

    def thresholds(self) -> dict:
        return {"match": round(float(self.cutoff), 4)}


# ------------------------------------------------------------------------------------------------
# (4) smelter_match
# ------------------------------------------------------------------------------------------------

class SmelterMatch(Method):
    """``smelter_match.Matcher`` with a given model (default: the shipped one, what users run).

    :meth:`speed_run` times ``Matcher.match`` alone: turning its candidate strings back into CID
    tuples is the benchmark's own work and is not charged to the matcher.
    """

    name = "smelter_match"
    description = "smelter_match.Matcher"
    learned = False        # the held-out protocol trains it itself (benchmarks.heldout)
    fit_for_speed = False

    def __init__(self, reference, model=None, **_options) -> None:  # noqa: ANN001
        super().__init__(reference)
        try:
            from smelter_match.matcher import Matcher
        except ImportError as exc:
            raise MethodUnavailable(f"smelter_match.Matcher not importable: {exc}") from None
        self.matcher = Matcher(reference, model)

    def thresholds(self) -> dict:
        from dataclasses import asdict

        return asdict(self.matcher.model.thresholds)

    def _match(self, rows: pd.DataFrame) -> pd.DataFrame:
        return self.matcher.match(rows[["name", "metal", "country"]], name="name", metal="metal",
                                  country="country")

    def predict(self, rows: pd.DataFrame, deadline: float | None = None,
                with_candidates: bool = False) -> Predictions:
        """One ``Matcher.match`` call (it dedupes internally); ``deadline`` is not supported."""
        import pandas as pd

        out = self._match(rows)
        cands = [candidate_cids(c) for c in out["candidates"]]
        cid = [c or (cs[0] if cs else "") for c, cs in zip(out["cid"].fillna(""), cands)]
        frame = pd.DataFrame({"cid": cid, "score": out["score"].astype(float).to_numpy(),
                              "decision": out["decision"].to_numpy(), "candidates": cands},
                             index=rows.index)
        return Predictions(frame, True, len(rows), len(rows))

    def speed_run(self, rows: pd.DataFrame, deadline: float | None) -> Predictions:
        out = self._match(rows)
        return Predictions(out, True, len(rows), len(rows))

    def match_one(self, name: str, metal: str = "", country: str = "") -> str:
        return self.matcher.match_one(name, metal or None, country or None).cid


def candidate_cids(text: object) -> tuple[str, ...]:
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
