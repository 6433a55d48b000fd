"""The classifier (``smelter_match.classify``): a safe JSON model, calibrated probabilities."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from smelter_match.classify import Model
from smelter_match.errors import ModelError


def test_model_roundtrip_and_bad_model(tmp_path: Path) -> None:
    m = Model.load()
    p = tmp_path / "m.json"
    m.save(p)
    again = Model.load(p)
    x = np.random.default_rng(0).random((5, len(m.features)))
    assert np.allclose(m.predict_proba(x), again.predict_proba(x))
    p.write_text('{"format": 99}')
    with pytest.raises(ModelError):
        Model.load(p)
    p.write_text("not json")
    with pytest.raises(ModelError):
        Model.load(p)


def test_model_refuses_another_feature_set(tmp_path: Path) -> None:
    d = Model.load().to_dict()
    d["features"] = d["features"][:-1]
    (tmp_path / "m.json").write_text(json.dumps(d))
    with pytest.raises(ModelError, match="different feature set"):
        Model.load(tmp_path / "m.json")


def test_probabilities_are_in_range_and_calibration_is_monotone() -> None:
    m = Model.load()
    x = np.random.default_rng(1).random((200, len(m.features)))
    p = m.predict_proba(x)
    assert ((p >= 0) & (p <= 1)).all()
    assert (np.diff(m.calib_y) >= 0).all()
    assert m.predict_proba(np.zeros((0, len(m.features)))).shape == (0,)
