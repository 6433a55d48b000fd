"""The review workbook (``smelter_match.review_book``): written by write_review, read by apply."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from _review_data import EXPLANATION, INJECTION, WHEN, analyst_answers, make_results, rid

from smelter_match import Matcher
from smelter_match.overrides import save_overrides
from smelter_match.reference import Reference
from smelter_match.review import read_review, review_columns, write_review
from smelter_match.review_apply import apply_review
from smelter_match.review_book import (
    ANALYST_COLUMNS,
    GUIDE_SHEET,
    REVIEW_SHEET,
    VERDICTS,
    review_guide,
)


def test_guide_explains_every_verdict() -> None:
    guide = review_guide()
    verdicts = guide.loc[guide["topic"] == "verdict", "what"].tolist()
    assert verdicts == [*VERDICTS, "(blank)"]
    assert guide["meaning"].str.len().min() > 10


def test_review_workbook_layout(tmp_path: Path) -> None:
    results = make_results()
    path = tmp_path / "review.xlsx"
    review = write_review(results, path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [REVIEW_SHEET, GUIDE_SHEET]
    ws = wb[REVIEW_SHEET]
    header = [c.value for c in ws[1]]
    assert header == review.columns.tolist()
    assert header[: len(review_columns())] == review_columns()
    # the verdict is a drop-down over every data row
    (dv,) = ws.data_validations.dataValidation
    col = openpyxl.utils.get_column_letter(header.index("analyst_verdict") + 1)
    assert dv.formula1 == '"' + ",".join(VERDICTS) + '"'
    assert str(dv.sqref) == f"{col}2:{col}{len(review) + 1}"
    # header frozen together with the row's identity and the reported name
    assert ws.freeze_panes == f"{openpyxl.utils.get_column_letter(header.index('reported_name') + 2)}2"
    # the candidates with their scores on the row, as numbers; the model's explanation too
    aida = next(r for r in ws.iter_rows(min_row=2, values_only=True)
                if r[0] == rid(results, "Aida Chem"))
    row = dict(zip(header, aida))
    assert (row["cand1_cid"], row["cand1_score"], row["cand2_score"]) == ("CID000019", 0.62, 0.41)
    assert row["explanation"] == EXPLANATION and row["smelter_score"] == 0.6
    # supplier text is text, not a formula
    cell = next(c for c in ws["E"] if c.value == INJECTION)
    assert cell.data_type == "s" and cell.quotePrefix
    # identical input, identical bytes
    write_review(results.copy(), tmp_path / "again.xlsx")
    assert (tmp_path / "again.xlsx").read_bytes() == path.read_bytes()


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_name_holding_an_escape_as_text_comes_back_as_written(
        tmp_path: Path, exports_reference: Reference, suffix: str) -> None:
    """A supplier cell "Kemet Blue_x005F_x000D_ Powder" (Excel's way of writing the text
    "_x000D_") is the name "Kemet Blue_x000D_ Powder": the review shows it so (in the workbook as
    Excel writes it) and reads it back once, not twice as a carriage return, which refused the
    whole review as edited (found by an audit of the review files)."""
    results = make_results()
    at = results["Smelter Name"] == "Aida Chem"
    results.loc[at, "Smelter Name"] = "Kemet Blue_x005F_x000D_ Powder"
    aida = results.loc[at, "row_id"].iloc[0]
    path = tmp_path / f"review{suffix}"
    write_review(results, path)
    if suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        ws = wb[REVIEW_SHEET]
        header = [c.value for c in ws[1]]
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == aida)
        assert ws.cell(row, header.index("reported_name") + 1).value == \
            "Kemet Blue_x005F_x000D_ Powder"   # Excel shows "Kemet Blue_x000D_ Powder"
        ws.cell(row, header.index("analyst_verdict") + 1).value = "not_a_smelter"
        wb.save(path)
    else:
        review = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        review.loc[review["row_id"] == aida, "analyst_verdict"] = "not_a_smelter"
        review.to_csv(path, index=False)
    updated, overrides, _ = apply_review(path, results, exports_reference, decided_at=WHEN)
    assert updated.loc[at, "decision"].iloc[0] == "no_match"
    # the override holds the name as a cell holds it, and decides the name next time
    assert overrides["reported_name"].tolist() == ["Kemet Blue_x005F_x000D_ Powder"]
    save_overrides(overrides, tmp_path / "ov.csv")
    out = Matcher(exports_reference, overrides=tmp_path / "ov.csv").match_one(
        "Kemet Blue_x005F_x000D_ Powder", metal="Gold")
    assert out.decision == "no_match" and "analyst_override" in out.flags


def test_filled_workbook_is_applied(tmp_path: Path, exports_reference: Reference) -> None:
    results = make_results()
    path = tmp_path / "review.xlsx"
    write_review(results, path)
    # the analyst fills the workbook in Excel (here openpyxl) and saves it
    wb = openpyxl.load_workbook(path)
    ws = wb[REVIEW_SHEET]
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) + 1 for name in ANALYST_COLUMNS}
    answers = analyst_answers(results)
    for r in range(2, ws.max_row + 1):
        answer = answers.get(ws.cell(r, 1).value)
        if answer:
            for name, value in zip(ANALYST_COLUMNS, answer):
                ws.cell(r, col[name]).value = value or None
    ws.cell(2, col["analyst_comment"]).value = "=1+1"  # typed as a formula by the analyst
    wb.save(path)

    back = read_review(path)
    assert set(back["analyst_verdict"]) >= {"Accept", "other", "not a smelter", "unsure"}
    updated, overrides, report = apply_review(path, results, exports_reference, decided_at=WHEN)
    assert (report["accept"], report["other"], report["not_a_smelter"]) == (1, 1, 1)
    u = updated.set_index("row_id")
    assert u.loc[rid(results, "Abington | Reldan"), "cid"] == "CID000015"
    assert u.loc[rid(results, INJECTION), "decision"] == "no_match"
    assert len(overrides) == 4   # (accept, other, not_a_smelter, unsure)


def test_blind_workbook_has_no_scores_or_explanation(tmp_path: Path) -> None:
    review = write_review(make_results(), tmp_path / "blind.xlsx", blind=True)
    assert not {"explanation", "smelter_score", "score", "reason"} & set(review.columns)
    header = [c.value for c in openpyxl.load_workbook(tmp_path / "blind.xlsx")[REVIEW_SHEET][1]]
    assert header == review.columns.tolist()


def test_not_a_review_workbook(tmp_path: Path, exports_reference: Reference) -> None:
    from smelter_match.errors import ReviewError
    from smelter_match.io.xlsx import SheetSpec, write_workbook

    path = tmp_path / "other.xlsx"
    write_workbook(path, [SheetSpec("Sheet", pd.DataFrame({"a": ["1"]}))])
    with pytest.raises(ReviewError, match="not a review file"):
        apply_review(path, make_results(), exports_reference)


def test_guide_names_every_review_column() -> None:
    guide = review_guide()
    named = " / ".join(guide.loc[guide["topic"] == "column", "what"])
    for col in review_columns():
        assert col in named or col.rstrip("0123456789").startswith("cand"), col
