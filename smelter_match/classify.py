"""Classification: turn pair features into the probability that a candidate is the right facility.

The model is a logistic regression over standardised features followed by an isotonic calibration
map, stored as plain JSON (feature names, means, scales, weights, calibration points, decision
thresholds, training metadata). JSON keeps the shipped model safe to load (no pickle) and readable
across library versions: a model whose feature list differs from this version's is refused with a
clear error instead of silently scoring garbage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from smelter_match._resources import model_text
from smelter_match.compare import FEATURES
from smelter_match.errors import ModelError

MODEL_FORMAT = 1


@dataclass
class Model:
    """Learned parameters only: no names, aliases or IDs (those come from the user's reference)."""

    features: list[str]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    calib_x: np.ndarray          # isotonic map: raw probability -> calibrated (piecewise linear)
    calib_y: np.ndarray
    match_threshold: float       # calibrated score >= this -> decision "match"
    review_threshold: float      # >= this (and < match) -> "review"; below -> "no_match"
    metadata: dict = field(default_factory=dict)

    def raw_proba(self, X: np.ndarray) -> np.ndarray:
        z = ((X - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Calibrated probability that each candidate pair is a true match."""
        if X.shape[0] == 0:
            return np.zeros(0)
        p = self.raw_proba(X)
        if len(self.calib_x) >= 2:
            p = np.interp(p, self.calib_x, self.calib_y)
        return np.clip(p, 0.0, 1.0)

    def contributions(self, x: np.ndarray) -> dict[str, float]:
        """Per-feature contribution to the log-odds of one pair (for review explanations)."""
        z = (x - self.mean) / self.scale * self.coef
        return {f: float(v) for f, v in zip(self.features, z)}

    # -- serialisation --------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "format": MODEL_FORMAT,
            "kind": "logistic_regression+isotonic",
            "features": list(self.features),
            "mean": _r(self.mean), "scale": _r(self.scale), "coef": _r(self.coef),
            "intercept": round(float(self.intercept), 10),
            "calibration": {"x": _r(self.calib_x), "y": _r(self.calib_y)},
            "thresholds": {"match": self.match_threshold, "review": self.review_threshold},
            "metadata": self.metadata,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Model:
        try:
            if d.get("format") != MODEL_FORMAT:
                raise ModelError(f"model format {d.get('format')!r} is not supported "
                                 f"(this version reads format {MODEL_FORMAT})")
            if list(d["features"]) != list(FEATURES):
                raise ModelError("model was trained with a different feature set; retrain it "
                                 "with 'smelter-match train'")
            return cls(
                features=list(d["features"]), mean=np.array(d["mean"], float),
                scale=np.array(d["scale"], float), coef=np.array(d["coef"], float),
                intercept=float(d["intercept"]),
                calib_x=np.array(d["calibration"]["x"], float),
                calib_y=np.array(d["calibration"]["y"], float),
                match_threshold=float(d["thresholds"]["match"]),
                review_threshold=float(d["thresholds"]["review"]),
                metadata=dict(d.get("metadata", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"malformed model file ({type(exc).__name__}: {exc})") from None

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True) + "\n",
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


def _r(a: np.ndarray) -> list[float]:
    return [round(float(v), 10) for v in np.asarray(a).ravel()]


def fit_model(X: np.ndarray, y: np.ndarray, *, C: float = 1.0, sample_weight: np.ndarray | None = None,
              calib_X: np.ndarray | None = None, calib_y: np.ndarray | None = None,
              match_threshold: float = 0.9, review_threshold: float = 0.3,
              metadata: dict | None = None) -> Model:
    """Fit the logistic regression (deterministic lbfgs) and, if given, an isotonic calibration."""
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import LogisticRegression

    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale < 1e-9] = 1.0
    lr = LogisticRegression(C=C, max_iter=2000, solver="lbfgs")
    lr.fit((X - mean) / scale, y, sample_weight=sample_weight)
    model = Model(list(FEATURES), mean, scale, lr.coef_.ravel(), float(lr.intercept_[0]),
                  np.array([]), np.array([]), match_threshold, review_threshold, metadata or {})
    if calib_X is not None and calib_y is not None and len(set(calib_y)) == 2:
        raw = model.raw_proba(calib_X)
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, calib_y)
        model.calib_x = np.asarray(iso.X_thresholds_, float)
        model.calib_y = np.asarray(iso.y_thresholds_, float)
    return model
