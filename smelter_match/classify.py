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

    def raw(self, X: np.ndarray) -> np.ndarray:
        """Uncalibrated log-odds for each row of ``X`` (columns in ``features`` order)."""
        X = np.asarray(X, dtype=float)
        if X.shape[0] == 0:
            return np.zeros(0)
        p = self.params
        if self.kind == "logistic":
            return ((X - np.asarray(p["mean"])) / np.asarray(p["scale"])) @ np.asarray(p["coef"]) \
                + float(p["intercept"])
        rows = np.arange(X.shape[0])
        out = np.full(X.shape[0], float(p["baseline"]))
        for t in self._trees:
            node = np.zeros(X.shape[0], dtype=np.int64)
            for _ in range(int(t["depth"])):
                leaf = t["leaf"][node]
                if leaf.all():
                    break
                v = X[rows, t["feature"][node]]
                go_left = np.where(np.isnan(v), t["missing_left"][node], v <= t["threshold"][node])
                node = np.where(leaf, node, np.where(go_left, t["left"][node], t["right"][node]))
            out += t["value"][node]
        return out

    def proba(self, X: np.ndarray) -> np.ndarray:
        """Calibrated probabilities."""
        a, b = self.calibration
        return _sigmoid(a * self.raw(X) + b)

    def contributions(self, x: np.ndarray) -> dict[str, float]:
        """How much each feature moved one row's log-odds (logistic: exact; trees: by path)."""
        x = np.asarray(x, dtype=float)
        if self.kind == "logistic":
            p = self.params
            z = (x - np.asarray(p["mean"])) / np.asarray(p["scale"]) * np.asarray(p["coef"])
            return {f: float(v) for f, v in zip(self.features, z)}
        out = dict.fromkeys(self.features, 0.0)
        for t in self._trees:
            node = 0
            while not t["leaf"][node]:
                f = int(t["feature"][node])
                v = x[f]
                nxt = int(t["left"][node] if (t["missing_left"][node] if np.isnan(v)
                                              else v <= t["threshold"][node]) else t["right"][node])
                out[self.features[f]] += float(t["mean"][nxt] - t["mean"][node])
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
