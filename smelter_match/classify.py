"""Classification: two calibrated probabilities, stored as plain JSON (no pickle).

A :class:`Model` answers the two questions of the decision separately:

- ``pair``: given that a reported name denotes an RMI facility, is this candidate that facility?
  Scored on the pair features of :mod:`smelter_match.compare`; the top candidate's probability is
  a result's ``score``.
- ``smelter``: does the reported name denote an RMI facility at all (rather than a bank, trader,
  solder maker, a smelter RMI does not list, a person or noise)? Scored on the query features of
  :mod:`smelter_match.query_features`; it is a result's ``smelter_score``.

Each head is a :class:`Scorer`: a logistic regression or gradient-boosted trees (exported from
scikit-learn's ``HistGradientBoostingClassifier`` as arrays, evaluated here with numpy), followed
by a Platt calibration (a logistic map of the raw log-odds, fitted on a validation set, smooth:
no plateau at a threshold). The JSON holds learned parameters only, never names or CIDs, and a
model whose feature lists differ from this version's is refused with a clear error.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from smelter_match._resources import model_text
from smelter_match.compare import FEATURES
from smelter_match.errors import ModelError
from smelter_match.parallel import threads_for
from smelter_match.query_features import QUERY_FEATURES

MODEL_FORMAT = 2
KINDS = ("logistic", "trees")
_CHUNK = 512   # rows per vectorised walk of the forest (bounds each thread's memory to a few MB)
#: The ``score`` under which a best candidate is not plausible, for a model file that does not
#: say (trained before the threshold search chose it, see ``thresholds.IMPLAUSIBLE_GRID``).
IMPLAUSIBLE = 0.05


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function of log-odds ``z`` (clipped to +-40: no overflow), elementwise;
    the one probability rule of the heads, the matcher and the threshold search."""
    return 1.0 / (1.0 + np.exp(-np.minimum(np.maximum(z, -40), 40)))


@dataclass
class Scorer:
    """One calibrated binary classifier over named features.

    ``logistic``: ``params`` has ``mean``, ``scale``, ``coef``, ``intercept``. ``trees``: ``params``
    has ``baseline`` and ``trees``, each a dict of equal-length node arrays (``feature``,
    ``threshold``, ``left``, ``right``, ``missing_left``, ``leaf``, ``value``). ``calibration`` is
    (a, b): probability = sigmoid(a * raw log-odds + b).
    """

    kind: str
    features: list[str]
    params: dict
    calibration: tuple[float, float] = (1.0, 0.0)

    def __post_init__(self) -> None:
        if self.kind == "trees":
            self._forest = _pack(self.params["trees"])

    def raw(self, X: np.ndarray, workers: int = 1) -> np.ndarray:
        """Uncalibrated log-odds for each row of ``X`` (columns in ``features`` order).

        ``workers``: threads walking the forest's row chunks (-1: every core; numpy releases
        the GIL in the walk); each row's value does not depend on it."""
        X = np.asarray(X, dtype=float)
        if X.shape[0] == 0:
            return np.zeros(0)
        p = self.params
        if self.kind == "logistic":
            return ((X - np.asarray(p["mean"])) / np.asarray(p["scale"])) @ np.asarray(p["coef"]) \
                + float(p["intercept"])
        out = np.empty(X.shape[0])

        def walk(start: int) -> None:
            out[start:start + _CHUNK] = self._forest_raw(X[start:start + _CHUNK])

        starts = range(0, X.shape[0], _CHUNK)
        threads = min(len(starts), threads_for(workers))
        if threads > 1:
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(walk, starts))
        else:
            for start in starts:
                walk(start)
        return float(p["baseline"]) + out

    def _forest_raw(self, X: np.ndarray) -> np.ndarray:
        """Every tree at once: leaf values of a (rows x trees) walk, summed over the trees."""
        leaf, _, _ = self._walk(X)
        return self._forest["leaf_value"][leaf].sum(axis=1)

    def _walk(self, X: np.ndarray, trace: bool = False) -> tuple:
        """Walk every row down every tree of the heap-packed forest (see :func:`_pack`).

        Returns the global leaf slot per (row, tree) and, with ``trace``, the global heap
        position and the feature tested at every level (for :meth:`contributions`).
        """
        f = self._forest
        n, width = X.shape
        flat = np.ascontiguousarray(X).ravel()
        base = f["base"]                                  # (trees,) first internal slot per tree
        g = np.empty((n, len(base)), dtype=np.int64)       # global slot per (row, tree)
        g[:] = base
        rows = (np.arange(n) * width)[:, None] if n > 1 else 0   # each row's offset in flat
        has_nan = bool(np.isnan(flat).any())
        path, feats = [], []
        for _ in range(f["depth"]):
            feat = f["feature"][g]
            v = flat[feat + rows]
            go_left = v <= f["threshold"][g]
            if has_nan:
                go_left = np.where(np.isnan(v), f["missing_left"][g], go_left)
            if trace:
                path.append(g)
                feats.append(feat)
            g = f["right"][g] - go_left                   # the right child, or the left one
        leaf = f["leaf_base"] + (g - base) - f["internal"]
        return leaf, path, feats

    def proba(self, X: np.ndarray, workers: int = 1) -> np.ndarray:
        """Calibrated probabilities (``workers``: as for :meth:`raw`)."""
        a, b = self.calibration
        return sigmoid(a * self.raw(X, workers) + b)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """How much each feature moved each row's log-odds: (rows x features).

        Logistic: the exact terms of the sum. Trees: by path (each split's change of the mean
        leaf value below it is charged to the split's feature), all trees at once.
        """
        X = np.atleast_2d(np.asarray(X, dtype=float))
        out = np.zeros(X.shape)
        if self.kind == "logistic":
            p = self.params
            return (X - np.asarray(p["mean"])) / np.asarray(p["scale"]) * np.asarray(p["coef"])
        f = self._forest
        for start in range(0, X.shape[0], _CHUNK):
            part = X[start:start + _CHUNK]
            leaf, path, feats = self._walk(part, trace=True)
            if not path:
                continue
            rows = np.arange(part.shape[0])[:, None] * X.shape[1]
            # the mean leaf value below each visited slot, then below its child (the last
            # level's child is the leaf); the change is charged to the feature tested there
            means = [f["mean"][g] for g in path] + [f["leaf_mean"][leaf]]
            idx = np.concatenate([(rows + feat).ravel() for feat in feats])
            delta = np.concatenate([(b - a).ravel() for a, b in zip(means, means[1:])])
            out[start:start + _CHUNK] = np.bincount(idx, weights=delta, minlength=out[
                start:start + _CHUNK].size).reshape(part.shape)
        return out

    def to_dict(self) -> dict:
        return {"kind": self.kind, "features": list(self.features), "params": _jsonable(self.params),
                "calibration": [round(float(c), 10) for c in self.calibration]}

    @classmethod
    def from_dict(cls, d: dict, features: tuple[str, ...], head: str) -> Scorer:
        if d.get("kind") not in KINDS:
            raise ModelError(f"the {head} head has an unknown scorer kind {d.get('kind')!r}")
        if list(d["features"]) != list(features):
            raise ModelError(f"the {head} head was trained with a different feature set; retrain "
                             "it with 'smelter-match train -o FILE'")
        return cls(d["kind"], list(d["features"]), d["params"], tuple(d["calibration"]))


def _pack(trees: list[dict]) -> dict:
    """All trees as complete binary heaps of one depth, end to end, for one vectorised walk.

    Tree ``t`` owns internal slots ``base[t] + 0 .. 2**depth - 2`` (children of heap position
    ``p`` at ``2p+1`` and ``2p+2``) and leaf slots ``leaf_base[t] + 0 .. 2**depth - 1``. A leaf
    above the full depth is copied into every slot below it, so every walk takes exactly
    ``depth`` steps with no leaf test; a copied slot's tests do not matter (equal leaves below)
    and its mean equals the leaf's, so it contributes nothing to :meth:`Scorer.contributions`.
    """
    depth = max((int(t["depth"]) for t in trees), default=0)   # trees: dicts of lists or arrays
    internal, leaves = 2 ** depth - 1, 2 ** depth
    size = len(trees)
    feature = np.zeros(size * internal, dtype=np.int64)
    threshold = np.zeros(size * internal)
    missing_left = np.ones(size * internal, dtype=bool)
    mean = np.zeros(size * internal)
    leaf_value = np.zeros(size * leaves)
    leaf_mean = np.zeros(size * leaves)
    # all trees' nodes end to end; the walk below goes one level at a time over every tree
    first = np.cumsum([0] + [len(t["leaf"]) for t in trees])[:-1].astype(np.int64)
    cat = {k: np.concatenate([np.asarray(t[k]) for t in trees]) if trees else np.zeros(0)
           for k in ("feature", "threshold", "missing_left", "leaf", "value", "mean", "left",
                     "right")}
    tree = np.arange(size, dtype=np.int64)
    node, pos = first.copy(), np.zeros(size, dtype=np.int64)
    for _ in range(depth):
        slot = tree * internal + pos
        mean[slot] = cat["mean"][node]
        leaf = cat["leaf"][node].astype(bool)
        split, at = slot[~leaf], node[~leaf]
        feature[split] = cat["feature"][at]
        threshold[split] = cat["threshold"][at]
        missing_left[split] = cat["missing_left"][at]
        # a leaf above the full depth is its own left and right child
        left = np.where(leaf, node, first[tree] + cat["left"][node].astype(np.int64))
        right = np.where(leaf, node, first[tree] + cat["right"][node].astype(np.int64))
        tree = np.repeat(tree, 2)
        node = np.stack([left, right], axis=1).ravel()
        pos = np.stack([2 * pos + 1, 2 * pos + 2], axis=1).ravel()
    slot = tree * leaves + pos - internal
    leaf_value[slot] = cat["value"][node]
    leaf_mean[slot] = cat["mean"][node]
    mean, leaf_mean = mean.reshape(size, internal), leaf_mean.reshape(size, leaves)
    base = np.arange(size, dtype=np.int64) * internal
    # per internal slot, its right child's slot (base + 2p + 2; the left one is one less; below
    # the last level, the leaf's position counted on from the tree's base)
    right = 2 * np.arange(size * internal, dtype=np.int64) - np.repeat(base, internal) + 2
    return {"depth": depth, "internal": internal, "base": base, "right": right,
            "leaf_base": (np.arange(size, dtype=np.int64) * leaves)[None, :],
            "feature": feature, "threshold": threshold,
            "missing_left": missing_left, "mean": mean.ravel(),
            "leaf_value": leaf_value, "leaf_mean": leaf_mean.ravel(),
            "root_mean": float((mean[:, 0] if internal else leaf_mean[:, 0]).sum())}


def _jsonable(v: object) -> object:
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, np.ndarray):
        return _jsonable(v.tolist())
    if isinstance(v, float | np.floating):
        return round(float(v), 10)
    if isinstance(v, np.integer | np.bool_):
        return v.item()
    return v


@dataclass
class Thresholds:
    """The decision bands (see :mod:`smelter_match.decide`)."""

    match: float                       # score >= this and smelter_score >= smelter_match -> match
    smelter_match: float               # the smelter_score a match needs
    no_match: float                    # smelter_score < this -> no_match, whatever the name
    no_match_kind: float = 0.0         # ... < this, with a word of a non-smelter business
    no_match_implausible: float = 0.0  # ... < this, with no plausible candidate:
    implausible: float = IMPLAUSIBLE   # ... i.e. with score < this
    no_match_unrelated: float = 0.0    # ... < this, when the best candidate explains no word of
    #                                    the name (query_features.unrelated)


@dataclass(frozen=True)
class ExactScores:
    """The two probabilities of a name decided by exact lookup (:func:`decide.decide_exact`),
    which runs no head: measured on the validation queries the thresholds are chosen on, as the
    share of such names that were right (``score``) and that denote an RMI facility
    (``smelter_score``)."""

    score: float
    smelter_score: float


@dataclass
class Model:
    """Learned parameters only: no names, aliases or IDs (those come from the user's reference).

    ``exact``: the probabilities of an exact lookup; ``None`` (a model trained before the lookup
    existed) turns the lookup off, and every name goes through both heads."""

    pair: Scorer
    smelter: Scorer
    thresholds: Thresholds
    metadata: dict = field(default_factory=dict)
    exact: ExactScores | None = None

    @classmethod
    def untrained(cls) -> Model:
        """A model that scores everything 0.5: for computing features before any model exists."""
        def zero(features: tuple[str, ...]) -> Scorer:
            n = len(features)
            return Scorer("logistic", list(features), {"mean": [0.0] * n, "scale": [1.0] * n,
                                                       "coef": [0.0] * n, "intercept": 0.0})

        return cls(zero(FEATURES), zero(QUERY_FEATURES), Thresholds(1.0, 1.0, 0.0),
                   {"untrained": True})

    # -- serialisation --------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"format": MODEL_FORMAT, "pair": self.pair.to_dict(),
                "smelter": self.smelter.to_dict(),
                "thresholds": {k: round(float(v), 6) for k, v in vars(self.thresholds).items()},
                "metadata": self.metadata,
                **({"exact": {k: round(float(v), 6) for k, v in vars(self.exact).items()}}
                   if self.exact is not None else {})}

    @classmethod
    def from_dict(cls, d: dict) -> Model:
        try:
            if d.get("format") != MODEL_FORMAT:
                raise ModelError(f"model format {d.get('format')!r} is not supported "
                                 f"(this version reads format {MODEL_FORMAT}); retrain it with "
                                 "'smelter-match train -o FILE'")
            t = d["thresholds"]
            return cls(Scorer.from_dict(d["pair"], FEATURES, "pair"),
                       Scorer.from_dict(d["smelter"], QUERY_FEATURES, "smelter"),
                       Thresholds(float(t["match"]), float(t["smelter_match"]),
                                  float(t["no_match"]), float(t["no_match_kind"]),
                                  float(t["no_match_implausible"]),
                                  float(t.get("implausible", IMPLAUSIBLE)),
                                  float(t.get("no_match_unrelated", 0.0))),
                       dict(d.get("metadata", {})),
                       ExactScores(float(d["exact"]["score"]), float(d["exact"]["smelter_score"]))
                       if "exact" in d else None)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise ModelError(f"malformed model file ({type(exc).__name__}: {exc})") from None

    def save(self, path: str | Path) -> None:
        """Write the model file (whole or not at all: see ``safe_csv.replaced_whole``)."""
        from smelter_match.io.safe_csv import replaced_whole

        with replaced_whole(path) as tmp:
            tmp.write_text(json.dumps(self.to_dict(), indent=None, sort_keys=True) + "\n",
                           encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path | None = None) -> Model:
        """Load a model file; ``None`` loads the model shipped with the package."""
        try:
            text = model_text() if path is None else Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            if path is not None:   # a path given: most often a typo, not a missing training
                raise ModelError(f"{path}: no such model file (a model is the JSON file "
                                 "'smelter-match train -o' writes)") from None
            raise ModelError("the shipped model file is missing from the installed package; "
                             "reinstall smelter-match") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ModelError(f"{path}: cannot read the model file ({exc})") from None
        try:
            d = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ModelError(f"{path or 'shipped model'}: not JSON ({exc})") from None
        if not isinstance(d, dict):
            raise ModelError(f"{path or 'shipped model'}: not a smelter_match model (a JSON "
                             f"{type(d).__name__}, not an object)")
        try:
            return cls.from_dict(d)
        except ModelError as exc:   # (which file: the error of a format or a head says not)
            raise ModelError(f"{path or 'shipped model'}: {exc}") from None


# --------------------------------------------------------------------------------------------
# fitting (scikit-learn is needed here only, never to score)


def fit_scorer(X: np.ndarray, y: np.ndarray, features: list[str], *, kind: str = "trees",
               weight: np.ndarray | None = None, increasing: tuple[str, ...] = (),
               decreasing: tuple[str, ...] = (), seed: int = 0, **options: float) -> Scorer:
    """Fit one head deterministically; ``increasing``/``decreasing`` name features the
    probability must not fall/rise with (monotonic constraints of the trees)."""
    X = np.asarray(X, dtype=float)
    if kind == "logistic":
        from sklearn.linear_model import LogisticRegression

        mean = X.mean(axis=0)
        scale = X.std(axis=0)
        scale[scale < 1e-9] = 1.0
        lr = LogisticRegression(C=float(options.get("C", 1.0)), max_iter=3000, solver="lbfgs")
        lr.fit((X - mean) / scale, y, sample_weight=weight)
        return Scorer(kind, list(features), {"mean": mean, "scale": scale,
                                             "coef": lr.coef_.ravel(),
                                             "intercept": float(lr.intercept_[0])})
    if kind != "trees":
        raise ValueError(f"unknown scorer kind {kind!r}")
    from sklearn.ensemble import HistGradientBoostingClassifier

    cst = [1 if f in increasing else -1 if f in decreasing else 0 for f in features]
    hgb = HistGradientBoostingClassifier(
        max_iter=int(options.get("max_iter", 200)), learning_rate=float(options.get("lr", 0.08)),
        max_depth=int(options.get("max_depth", 5)),
        min_samples_leaf=int(options.get("min_samples_leaf", 30)),
        l2_regularization=float(options.get("l2", 1.0)), monotonic_cst=cst,
        early_stopping=False, random_state=seed)
    hgb.fit(X, y, sample_weight=weight)
    trees = []
    for (pred,) in hgb._predictors:
        nodes = pred.nodes
        trees.append(_tree_arrays(nodes))
    return Scorer("trees", list(features),
                  {"baseline": float(np.ravel(hgb._baseline_prediction)[0]), "trees": trees})


def _tree_arrays(nodes: np.ndarray) -> dict:
    """One exported tree: node arrays plus each node's mean leaf value (for contributions)."""
    n = len(nodes)
    leaf = nodes["is_leaf"].astype(bool)
    value = np.where(leaf, nodes["value"], 0.0)
    count = nodes["count"].astype(float)
    mean = value.copy()
    for i in range(n - 1, -1, -1):   # children come after their parent
        if not leaf[i]:
            lft, rgt = nodes["left"][i], nodes["right"][i]
            mean[i] = (mean[lft] * count[lft] + mean[rgt] * count[rgt]) / max(count[i], 1.0)
    return {"feature": nodes["feature_idx"].astype(int), "threshold": nodes["num_threshold"],
            "left": nodes["left"].astype(int), "right": nodes["right"].astype(int),
            "missing_left": nodes["missing_go_to_left"].astype(bool), "leaf": leaf,
            "value": value, "mean": mean, "depth": int(nodes["depth"].max())}


def fit_calibration(raw: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling: (a, b) such that sigmoid(a * raw + b) is calibrated on (raw, y)."""
    from sklearn.linear_model import LogisticRegression

    raw = np.asarray(raw, dtype=float).reshape(-1, 1)
    if len(set(np.asarray(y).tolist())) < 2:
        return 1.0, 0.0
    lr = LogisticRegression(C=1e6, max_iter=2000).fit(raw, y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])
