"""The classifier (``smelter_match.classify``): two heads in safe JSON, calibrated probabilities."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from smelter_match.classify import Model, fit_calibration, fit_scorer
from smelter_match.compare import FEATURES
from smelter_match.errors import ModelError
from smelter_match.query_features import QUERY_FEATURES


def test_shipped_model_roundtrip_and_bad_files(tmp_path: Path) -> None:
    m = Model.load()
    p = tmp_path / "m.json"
    m.save(p)
    again = Model.load(p)
    rng = np.random.default_rng(0)
    x, q = rng.random((50, len(FEATURES))), rng.random((50, len(QUERY_FEATURES)))
    assert np.allclose(m.pair.proba(x), again.pair.proba(x))
    assert np.allclose(m.smelter.proba(q), again.smelter.proba(q))
    assert "pickle" not in p.read_text()
    assert again.exact == m.exact and m.exact is not None and 0.99 < m.exact.score < 1
    assert again.thresholds == m.thresholds
    # a model saved before the exact lookup had probabilities loads with the lookup off, and
    # one saved before the "no plausible candidate" bound was learned keeps the old fixed one
    d = m.to_dict()
    del d["exact"], d["thresholds"]["implausible"]
    p.write_text(json.dumps(d))
    assert Model.load(p).exact is None
    assert Model.load(p).thresholds.implausible == 0.05
    for text, match in (('{"format": 99}', "format 99"), ("not json", "not JSON"),
                        ('{"format": 2}', "malformed"), ("[]", "not a smelter_match model"),
                        ('{"format": 2, "pair": []}', "malformed")):
        p.write_text(text)
        with pytest.raises(ModelError, match=match):
            Model.load(p)
    p.write_bytes(b"PK\x03\x04\xff\xfe not a model")   # a workbook given as the model
    with pytest.raises(ModelError, match="no such model file"):   # a typo: no "run train"
        Model.load(tmp_path / "nosuch.json")
    with pytest.raises(ModelError, match="cannot read the model file"):
        Model.load(p)


def test_model_refuses_another_feature_set(tmp_path: Path) -> None:
    d = Model.load().to_dict()
    d["pair"]["features"] = d["pair"]["features"][:-1]
    (tmp_path / "m.json").write_text(json.dumps(d))
    with pytest.raises(ModelError, match="different feature set"):
        Model.load(tmp_path / "m.json")


def test_every_error_about_a_model_file_names_it(tmp_path: Path) -> None:
    """A model file of another format, malformed, or with a head of an unknown kind or
    another feature set was refused without its path ("model format 1 is not supported",
    "pair: unknown scorer kind 'forest'"), unlike a missing one or bad JSON: which of the files
    given was it? (found by an audit of batch runs). Every such error starts with the path."""
    good = Model.load().to_dict()
    bad_kind = json.loads(json.dumps(good))
    bad_kind["pair"]["kind"] = "forest"
    bad_features = json.loads(json.dumps(good))
    bad_features["smelter"]["features"] = ["x"]
    no_thresholds = {k: v for k, v in good.items() if k != "thresholds"}
    p = tmp_path / "my model.json"
    for doc, said in (({"format": 1}, "model format 1 is not supported"),
                      (no_thresholds, "malformed model file (KeyError: 'thresholds')"),
                      (bad_kind, "the pair head has an unknown scorer kind 'forest'"),
                      (bad_features, "the smelter head was trained with a different feature set"),
                      ([1], "not a smelter_match model")):
        p.write_text(json.dumps(doc))
        with pytest.raises(ModelError) as caught:
            Model.load(p)
        assert str(caught.value).startswith(f"{p}: {said}"), str(caught.value)
    for text in ("not json", ""):
        p.write_text(text)
        with pytest.raises(ModelError, match=f"^{re.escape(str(p))}: not JSON"):
            Model.load(p)
    for missing in (tmp_path / "nosuch.json", tmp_path):
        with pytest.raises(ModelError, match=f"^{re.escape(str(missing))}: "):
            Model.load(missing)


def test_threads_walk_the_forest_to_the_same_values() -> None:
    """``workers`` splits the rows between threads; each row's log-odds are the same bits."""
    m = Model.load()
    x = np.random.default_rng(2).random((2000, len(FEATURES)))
    x[::7, 3] = np.nan   # missing values take their learned side in every thread too
    one = m.pair.raw(x)
    for workers in (2, 3, -1):
        assert np.array_equal(m.pair.raw(x, workers), one)


def test_probabilities_in_range() -> None:
    m = Model.load()
    x = np.random.default_rng(1).random((200, len(FEATURES)))
    p = m.pair.proba(x)
    assert ((p >= 0) & (p <= 1)).all()
    assert m.pair.proba(np.zeros((0, len(FEATURES)))).shape == (0,)
    t = m.thresholds
    assert 0 <= t.no_match <= 0.5 <= t.match <= 1 and 0.5 <= t.smelter_match <= 1


@pytest.mark.parametrize("kind", ["logistic", "trees"])
def test_exported_scorer_equals_scikit_learn(kind: str) -> None:
    """The JSON model scores exactly as the fitted scikit-learn model it was exported from."""
    rng = np.random.default_rng(2)
    X = rng.random((600, 3))
    X[::37, 1] = np.nan if kind == "trees" else 0.5
    y = (X[:, 0] + 0.3 * rng.random(600) > 0.65).astype(int)
    s = fit_scorer(X, y, ["a", "b", "c"], kind=kind, increasing=("a",), max_iter=30)
    p = s.proba(X)
    assert ((p > 0) & (p < 1)).all()
    if kind == "trees":
        from sklearn.ensemble import HistGradientBoostingClassifier

        ref = HistGradientBoostingClassifier(max_iter=30, learning_rate=0.08, max_depth=5,
                                             min_samples_leaf=30, l2_regularization=1.0,
                                             monotonic_cst=[1, 0, 0], early_stopping=False,
                                             random_state=0).fit(X, y)
        np.testing.assert_allclose(s.raw(X), ref.decision_function(X), atol=1e-9)
        full = np.nan_to_num(X, nan=0.25)   # the walk's path for rows without missing values
        np.testing.assert_allclose(s.raw(full), ref.decision_function(full), atol=1e-9)
        # monotone in "a": raising it never lowers the probability
        up = X.copy()
        up[:, 0] += 0.2
        assert (s.raw(up) >= s.raw(X) - 1e-12).all()
    contrib = s.contributions(X[:20])
    assert contrib.shape == (20, 3)
    if kind == "trees":   # the path contributions add up to the log-odds (minus the roots)
        roots = s._forest["root_mean"]
        np.testing.assert_allclose(contrib.sum(axis=1), s.raw(X[:20]) - s.params["baseline"]
                                   - roots, atol=1e-9)
    else:
        np.testing.assert_allclose(contrib.sum(axis=1), s.raw(X[:20]) - s.params["intercept"])


def test_platt_calibration_is_smooth() -> None:
    rng = np.random.default_rng(3)
    raw = rng.normal(0, 2, 4000)
    y = (rng.random(4000) < 1 / (1 + np.exp(-(0.5 * raw + 1)))).astype(int)
    a, b = fit_calibration(raw, y)
    assert a == pytest.approx(0.5, abs=0.1) and b == pytest.approx(1.0, abs=0.15)
    assert fit_calibration(raw, np.ones(4000)) == (1.0, 0.0)
