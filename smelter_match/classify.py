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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from smelter_match._resources import model_text
from smelter_match.compare import FEATURES
from smelter_match.errors import ModelError
from smelter_match.query_features import QUERY_FEATURES

MODEL_FORMAT = 2
KINDS = ("logistic", "trees")
_CHUNK = 2048   # rows per vectorised walk of the forest (bounds its memory to a few MB)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


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
            self._trees = [{k: np.asarray(v) for k, v in t.items()} for t in self.params["trees"]]
            self._forest = _pack(self._trees)

    def raw(self, X: np.ndarray) -> np.ndarray:
        """Uncalibrated log-odds for each row of ``X`` (columns in ``features`` order)."""
        X = np.asarray(X, dtype=float)
        if X.shape[0] == 0:
            return np.zeros(0)
        p = self.params
        if self.kind == "logistic":
            return ((X - np.asarray(p["mean"])) / np.asarray(p["scale"])) @ np.asarray(p["coef"]) \
                + float(p["intercept"])
        out = np.empty(X.shape[0])
        for start in range(0, X.shape[0], _CHUNK):
            out[start:start + _CHUNK] = self._forest_raw(X[start:start + _CHUNK])
        return float(p["baseline"]) + out

    def _forest_raw(self, X: np.ndarray) -> np.ndarray:
        """Every tree at once: a (rows x trees) array of positions in the packed forest."""
        f = self._forest
        node = np.broadcast_to(f["root"], (X.shape[0], len(f["root"]))).copy()
        rows = np.arange(X.shape[0])[:, None]
        for _ in range(f["depth"]):
            v = X[rows, f["feature"][node]]
            go_left = np.where(np.isnan(v), f["missing_left"][node], v <= f["threshold"][node])
            nxt = np.where(go_left, f["left"][node], f["right"][node])
            node = np.where(f["leaf"][node], node, nxt)
        return f["value"][node].sum(axis=1)

    def proba(self, X: np.ndarray) -> np.ndarray:
        """Calibrated probabilities."""
        a, b = self.calibration
        return _sigmoid(a * self.raw(X) + b)

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
            node = np.broadcast_to(f["root"], (part.shape[0], len(f["root"]))).copy()
            rows = np.broadcast_to(np.arange(part.shape[0])[:, None], node.shape)
            acc = out[start:start + _CHUNK]
            for _ in range(f["depth"]):
                feat = f["feature"][node]
                v = part[rows, feat]
                go_left = np.where(np.isnan(v), f["missing_left"][node],
                                   v <= f["threshold"][node])
                nxt = np.where(f["leaf"][node], node,
                               np.where(go_left, f["left"][node], f["right"][node]))
                delta = f["mean"][nxt] - f["mean"][node]
                np.add.at(acc, (rows.ravel(), feat.ravel()), delta.ravel())
                node = nxt
        return out

    def to_dict(self) -> dict:
        return {"kind": self.kind, "features": list(self.features), "params": _jsonable(self.params),
                "calibration": [round(float(c), 10) for c in self.calibration]}

    @classmethod
    def from_dict(cls, d: dict, features: tuple[str, ...], head: str) -> Scorer:
        if d.get("kind") not in KINDS:
            raise ModelError(f"{head}: unknown scorer kind {d.get('kind')!r}")
        if list(d["features"]) != list(features):
            raise ModelError(f"{head}: model was trained with a different feature set; retrain it "
                             "with 'smelter-match train'")
        return cls(d["kind"], list(d["features"]), d["params"], tuple(d["calibration"]))


def _pack(trees: list[dict]) -> dict:
    """All trees' node arrays end to end, child links made global, for one vectorised walk."""
    sizes = [len(t["leaf"]) for t in trees]
    offsets = np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64)
    cat = {k: np.concatenate([np.asarray(t[k]) for t in trees]) if trees else np.zeros(0)
           for k in ("feature", "threshold", "missing_left", "leaf", "value", "mean")}
    left = np.concatenate([np.asarray(t["left"]) + o for t, o in zip(trees, offsets)]) \
        if trees else np.zeros(0, dtype=np.int64)
    right = np.concatenate([np.asarray(t["right"]) + o for t, o in zip(trees, offsets)]) \
        if trees else np.zeros(0, dtype=np.int64)
    return {"root": offsets, "feature": cat["feature"].astype(np.int64),
            "threshold": cat["threshold"].astype(float),
            "missing_left": cat["missing_left"].astype(bool), "leaf": cat["leaf"].astype(bool),
            "value": cat["value"].astype(float), "mean": cat["mean"].astype(float),
            "left": left.astype(np.int64),
            "right": right.astype(np.int64),
            "depth": max((int(t["depth"]) for t in trees), default=0)}


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
    no_match_implausible: float = 0.0  # ... < this, with no plausible candidate


@dataclass
class Model:
    """Learned parameters only: no names, aliases or IDs (those come from the user's reference)."""

    pair: Scorer
    smelter: Scorer
    thresholds: Thresholds
    metadata: dict = field(default_factory=dict)

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
                "metadata": self.metadata}

    @classmethod
    def from_dict(cls, d: dict) -> Model:
        try:
            if d.get("format") != MODEL_FORMAT:
                raise ModelError(f"model format {d.get('format')!r} is not supported "
                                 f"(this version reads format {MODEL_FORMAT}); retrain it with "
                                 "'smelter-match train'")
            t = d["thresholds"]
            return cls(Scorer.from_dict(d["pair"], FEATURES, "pair"),
                       Scorer.from_dict(d["smelter"], QUERY_FEATURES, "smelter"),
                       Thresholds(float(t["match"]), float(t["smelter_match"]),
                                  float(t["no_match"]), float(t["no_match_kind"]),
                                  float(t["no_match_implausible"])),
                       dict(d.get("metadata", {})))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"malformed model file ({type(exc).__name__}: {exc})") from None

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=None, sort_keys=True) + "\n",
                              encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path | None = None) -> Model:
        """Load a model file; ``None`` loads the model shipped with the package."""
        try:
            text = model_text() if path is None else Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ModelError(f"model file not found: {path or 'shipped default'}; run "
                             "'smelter-match train'") from None
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as exc:
            raise ModelError(f"{path or 'shipped model'}: not JSON ({exc})") from None


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
