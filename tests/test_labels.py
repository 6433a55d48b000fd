"""Training labels from a filled review (``smelter_match.labels``)."""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pytest
from _review_data import INJECTION, analyst_answers, fill, make_results

from smelter_match.errors import InputError
from smelter_match.labels import LABEL_COLUMNS, export_training_labels
from smelter_match.review import read_review, write_review


def test_export_training_labels(tmp_path: Path) -> None:
    results = make_results()
    filled = fill(write_review(results, None), analyst_answers(results))
    labels = export_training_labels(filled, tmp_path / "labels.csv")
    assert labels.columns.tolist() == list(LABEL_COLUMNS)
    by_name = labels.set_index("reported_name")
    assert by_name.loc["Aida Chem", "label"] == "CID000019"
    assert by_name.loc["Abington | Reldan", "label"] == "CID000015"
    assert by_name.loc[INJECTION, "label"] == "NO_MATCH"
    assert "China Tin" not in by_name.index  # unsure
    assert (labels["source"] == "analyst_review").all()
    assert by_name.loc["Aida Chem", "metal"] == "Gold"
    assert by_name.loc["Aida Chem", "country"] == "Japan"
    raw = (tmp_path / "labels.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8) and "'=HYPERLINK" in raw.decode("utf-8-sig")
    export_training_labels(filled, tmp_path / "labels2.csv")
    assert (tmp_path / "labels2.csv").read_bytes() == raw
    # also from the file on disk
    write_review(results, tmp_path / "r.csv")
    fill(read_review(tmp_path / "r.csv"), analyst_answers(results)).to_csv(
        tmp_path / "r.csv", index=False)
    pd.testing.assert_frame_equal(export_training_labels(tmp_path / "r.csv",
                                                         tmp_path / "l3.csv"), labels)
    gold = tmp_path / "reference_data" / "gold"
    gold.mkdir(parents=True)
    with pytest.raises(InputError, match="not gold labels"):
        export_training_labels(filled, gold / "labels.csv")
    assert not list(gold.iterdir())


def test_a_label_is_the_cid_the_analyst_decided(tmp_path: Path) -> None:
    """``accept`` labels the proposal the analyst saw, also with results matched again since;
    an analyst_cid with a note beside it is refused, as review apply refuses it."""
    from _review_data import rid

    from smelter_match.errors import ReviewError

    results = make_results()
    review = write_review(results, None)
    aida = rid(results, "Aida Chem")
    rematched = results.copy()
    rematched.loc[rematched["row_id"] == aida, "cid"] = "CID000015"
    labels = export_training_labels(fill(review, {aida: ("accept", "", "")}), None,
                                    results=rematched)
    assert labels.set_index("row_id").loc[aida, "label"] == "CID000019"
    hedged = fill(review, {aida: ("other", "maybe CID000015", "")})
    with pytest.raises(ReviewError, match="not a CID alone"):
        export_training_labels(hedged, None)
