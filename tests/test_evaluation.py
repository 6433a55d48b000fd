"""Evaluation (``smelter_match.evaluation``): gold loading, metric definitions, the report."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from _scored_data import library_scored
from _support import GOLD_DIR

from smelter_match.errors import InputError
from smelter_match.evaluation import (
    equivalent_cids,
    error_rows,
    evaluate_model,
    load_gold,
    metrics,
    metrics_by_metal,
    write_evaluation,
)


def test_load_gold_truth_and_groups() -> None:
    g = load_gold(GOLD_DIR / "dataio_2020.csv")
    assert len(g) == 608
    assert {"truth", "matchable", "group"} <= set(g.columns)
    nm = g[g["label"] == "NO_MATCH"]
    assert (nm["truth"].map(len) == 0).all() and not nm["matchable"].any()
    # NO_MATCH rows are grouped by name, labelled rows by their CID
    assert nm["group"].str.startswith("NO_MATCH:").all()
    amb = g[g["label"] == "AMBIGUOUS"]
    assert (amb["truth"].map(len) >= 2).all()


def test_metric_definitions() -> None:
    m = metrics(library_scored())
    assert m["rows"] == 10 and m["matchable_rows"] == 6
    assert m["automation_rate"] == pytest.approx(0.7)
    assert m["auto_match_rate"] == pytest.approx(0.4)
    assert m["auto_match_precision"] == pytest.approx(0.5)   # CID1, CID2 right of 4
    assert m["top1_accuracy"] == pytest.approx(3 / 6)
    assert m["no_match_recall"] == pytest.approx(0.5)        # 2 of 4 NO_MATCH rows
    assert m["no_match_precision"] == pytest.approx(2 / 3)


def test_equivalent_cids_follow_successors(exports_reference) -> None:
    eq = equivalent_cids(exports_reference)
    fac = exports_reference.facilities
    row = fac[fac["successors"] != ""].iloc[0]
    succ = row["successors"].split(";")[0]
    assert succ in eq[row["cid"]] and row["cid"] in eq[succ]


def test_evaluation_report_separates_safe_reviews_from_errors(tmp_path: Path) -> None:

    scored = library_scored()
    errors = error_rows(scored)
    result = {"how": "test", "overall": metrics(scored), "per_metal": metrics_by_metal(scored),
              "errors": errors, "scored": scored}
    md = write_evaluation(result, "Eval", str(tmp_path / "evaluation_x"))
    assert "## Errors (4)" in md
    assert "## Sent to review, no correct CID (safe outcomes, not errors) (1)" in md
    errors_part, safe_part = md.split("## Sent to review")
    assert "name 6" in safe_part and "name 6" not in errors_part
    for i in (2, 4, 5, 7):
        assert f"name {i}" in errors_part
    for kind in ("wrong auto-match", "wrong top-1 CID, sent to review", "missed match",
                 "NO_MATCH row auto-matched"):
        assert kind in errors_part
    # metrics, the JSON and the CSV are unchanged by the split
    payload = json.loads((tmp_path / "evaluation_x.json").read_text())
    assert payload["n_errors"] == len(errors) == 5
    assert payload["overall"]["automation_rate"] == pytest.approx(0.7)
    assert len(pd.read_csv(tmp_path / "evaluation_x_errors.csv")) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == [   # whole files, no temporary one
        "evaluation_x.json", "evaluation_x.md", "evaluation_x_errors.csv"]


def test_the_evaluations_error_list_is_safe_to_open_in_excel(tmp_path: Path) -> None:
    """The errors hold the reported names: a formula there stays text (they were written with
    pandas' ``to_csv`` as they were)."""
    scored = library_scored()
    scored.loc[scored.index[2], "name"] = "=HYPERLINK(\"http://x\",\"Y\")"
    errors = error_rows(scored)
    assert errors["name"].str.startswith("=").any()
    write_evaluation({"how": "test", "overall": metrics(scored),
                      "per_metal": metrics_by_metal(scored), "errors": errors, "scored": scored},
                     "Eval", str(tmp_path / "evaluation_x"))
    text = (tmp_path / "evaluation_x_errors.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text




def test_a_labels_file_without_rows_or_with_bare_ambiguous_labels_is_refused(
        tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("reported_name,label\n")
    with pytest.raises(InputError, match="no labelled row"):
        load_gold(tmp_path / "empty.csv")
    (tmp_path / "amb.csv").write_text("reported_name,label\nKemet Blue Powder,AMBIGUOUS\n")
    with pytest.raises(InputError, match="row 2: label AMBIGUOUS needs its acceptable CIDs"):
        load_gold(tmp_path / "amb.csv")


def test_an_evaluation_says_which_rows_repeat_the_models_training_rows(
        tmp_path: Path, exports_reference) -> None:  # noqa: ANN001
    """A file's rows that repeat a training row (same name, case and spacing aside, and metal)
    are counted and their figures given apart; a file made only of them is refused."""
    from smelter_match import Matcher

    train = tmp_path / "train.csv"
    train.write_text("reported_name,reported_metal,label\nAida Chemical Industries,Gold,"
                     "CID000019\nAdvanced Chemical Company,Gold,CID000015\n")
    gold = tmp_path / "gold.csv"
    gold.write_text("reported_name,reported_metal,label\nAIDA  chemical industries,Gold,"
                    "CID000019\nAsahi Pretec Corp.,Gold,CID000082\n")
    m = Matcher(exports_reference, workers=1)
    result = evaluate_model(m, str(gold), trained_with=[str(train)])
    assert "1 of 2 rows repeat a row of its training labels (train.csv" in result["how"]
    assert result["overall"]["rows"] == 2 and result["overall_not_in_training"]["rows"] == 1
    with pytest.raises(InputError, match="every row repeats a row"):
        evaluate_model(m, str(train), trained_with=[str(train)])
    # a training file not here: its rows cannot be told apart, so no figure is given (it was a
    # note, and run from another folder the shipped model's figures counted its training rows)
    with pytest.raises(InputError, match="gone.csv, not found here"):
        evaluate_model(m, str(gold), trained_with=[str(train), str(tmp_path / "gone.csv")])
    anyway = evaluate_model(m, str(gold), trained_with=[str(tmp_path / "gone.csv")],
                            unchecked=True)
    assert "NOT HELD OUT for certain" in anyway["how"] and anyway["overall"]["rows"] == 2


def test_the_shipped_models_training_labels_are_found_from_any_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped model records its labels as reference_data/gold/...: found from any folder
    (in a checkout, and in an installed package, which carries them); a model trained now
    records the package's files so, and other files by their absolute path."""
    from smelter_match._resources import find_recorded, recorded_path
    from smelter_match.classify import Model

    labels = Model.load(None).metadata["trained_with"]["labels"]
    monkeypatch.chdir(tmp_path)
    assert labels and all(find_recorded(p) is not None for p in labels)
    assert recorded_path(find_recorded(labels[0])) == labels[0]
    assert recorded_path("mine.csv") == str(tmp_path / "mine.csv")


def test_labels_naming_a_cid_the_reference_lacks_are_said(tmp_path: Path,
                                                          exports_reference) -> None:  # noqa: ANN001
    """A typo, or a facility only another reference lists: said, not refused (the shipped gold
    sets name removed facilities that only the CMRT lists carry)."""
    from smelter_match import Matcher

    (tmp_path / "g.csv").write_text("reported_name,reported_metal,label\nX,Gold,CID999999\n"
                                    "Aida,Gold,CID000019\n")
    how = evaluate_model(Matcher(exports_reference, workers=1), str(tmp_path / "g.csv"))["how"]
    assert "In g.csv: 1 label(s) name a CID this reference does not have (first: row g:2, " \
           "CID999999" in how


@pytest.mark.parametrize(("args", "said"), [
    (["--folds", "0"], "not a whole number from 3 to 20"),
    (["--folds", "1"], "not a whole number from 3 to 20"),
    (["--train-gold", "dataio"], "--train-gold 'dataio' is not the name of one of the gold files"),
    (["--out", "FILE"], "not a folder"),
])
def test_a_bad_heldout_argument_is_said_before_any_work(
        args: list[str], said: str, tmp_path: Path, rmi_exports_dir: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """--folds 0 gave a traceback, a --train-gold naming no gold file trained without gold
    without a word, and an --out that is a file failed after the protocol's minutes (found by
    an audit): each is one line before the protocol starts."""
    import smelter_match.transfer as transfer
    from smelter_match import cli

    monkeypatch.setattr(transfer, "heldout_evaluation", lambda *a, **k: pytest.fail("ran"))
    (tmp_path / "FILE").write_text("x")
    args = [str(tmp_path / a) if a == "FILE" else a for a in args]
    assert cli.main(["evaluate", "--heldout", "-r", str(rmi_exports_dir), *args]) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err


@pytest.mark.parametrize("out", ["FILE", "FILE/reports"])
def test_an_evaluate_out_that_is_a_file_is_said_before_any_work(
        out: str, tmp_path: Path, rmi_exports_dir: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """evaluate GOLD --out FILE scored the whole gold set first, then failed with
    "[Errno 17] File exists: 'FILE'" (found by an audit of batch runs): one line, before the
    evaluation, as with --heldout."""
    import smelter_match.evaluation as evaluation
    from smelter_match import cli

    monkeypatch.setattr(evaluation, "evaluate_model", lambda *a, **k: pytest.fail("ran"))
    (tmp_path / "FILE").write_text("x")
    given = str(tmp_path / out)
    assert cli.main(["evaluate", str(GOLD_DIR / "inogen_2020.csv"), "-r", str(rmi_exports_dir),
                     "--out", given]) == 2
    said = "is a file" if out == "FILE" else f"{tmp_path / 'FILE'} is a file"
    assert capsys.readouterr().err.splitlines() == [
        f"smelter-match: error: --out {given}: {said}, not a folder; the reports are written "
        "into a folder"]
    assert (tmp_path / "FILE").read_text() == "x"


def test_a_labels_file_with_a_column_twice_is_refused(tmp_path: Path) -> None:
    """A repeated "reported_name" gave a traceback, a repeated "label" a false error about row 2
    (found by an audit)."""
    for header in ("reported_name,label,reported_name", "reported_name,label,label"):
        (tmp_path / "l.csv").write_text(f"{header}\nValcambi SA,CID002003,x\n")
        with pytest.raises(InputError, match="appears 2 times"):
            load_gold(tmp_path / "l.csv")
