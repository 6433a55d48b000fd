"""End to end from the command line: supplier CMRTs -> match -> analyst review -> review apply."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from _review_data import analyst_answers, fill, make_results, one_name_twice

from smelter_match import cli
from smelter_match.io.safe_csv import read_safe_csv, write_csv
from smelter_match.overrides import OVERRIDE_COLUMNS, load_overrides, save_overrides
from smelter_match.review import write_review

SEED_ROWS = {  # rows as Data I/O's suppliers typed them (from ../shared/seeds)
    5: {"B": "Gold", "C": "Smelter not listed", "D": "ATAkulche", "E": "TURKEY"},
    6: {"B": "Tantalum", "C": "Smelter not listed", "D": "Kemet Blue Powder",
        "E": "UNITED STATES OF AMERICA"},
    7: {"B": "Tin", "C": "Smelter not listed", "D": "Honggiao Metals (Kunshan)", "E": "CHINA"},
    8: {"B": "Gold", "C": "Smelter not listed", "D": "@SUM(1+1)*cmd|' /C calc'!A0", "E": "CHINA"},
    9: {"B": "Gold", "C": "Smelter not listed", "D": "Metalor Technologies S.A.",
        "E": "SWITZERLAND"},
}


@pytest.fixture(scope="module")
def reference_args(rmi_dir: Path, rmi_exports_dir: Path) -> list[str]:
    return ["--reference", str(rmi_dir / "cmrt"), "--reference", str(rmi_exports_dir)]


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_round_trip(make_cmrt, tmp_path: Path, reference_args: list[str],
                    capsys: pytest.CaptureFixture[str]) -> None:
    suppliers = tmp_path / "suppliers"
    suppliers.mkdir()
    for i, template in enumerate(["RMI_CMRT_6.4.xlsx", "RMI_CMRT_6.22_zh-display.xlsx"]):
        src = make_cmrt(template, SEED_ROWS, company=f"Supplier {i}")
        (suppliers / src.name).write_bytes(src.read_bytes())
    results, review, annex = tmp_path / "results.csv", tmp_path / "review.csv", tmp_path / "annex.csv"
    rc = cli.main(["match", str(suppliers), *reference_args, "-o", str(results),
                   "--review", str(review), "--annex", str(annex), "--quiet"])
    assert rc == 0
    res = _read(results)
    assert len(res) == 2 * len(SEED_ROWS)  # every supplier row exactly once
    assert set(res["supplier_company"]) == {"Supplier 0", "Supplier 1"}
    assert res["source_row"].tolist() == ["5", "6", "7", "8", "9"] * 2
    ata = res[res["reported_name"] == "ATAkulche"]
    assert set(ata["cid"]) == {"CID000103"} and set(ata["decision"]) == {"match"}
    assert results.read_bytes().startswith(b"\xef\xbb\xbf")
    raw = results.read_text(encoding="utf-8-sig")
    assert ",@SUM" not in raw and "'@SUM" in raw  # supplier text neutralised for Excel

    # the analyst fills the review file: accept some, reject one as not a smelter
    rows = list(csv.DictReader(review.open(encoding="utf-8-sig")))
    assert rows, "expected rows to review"
    for r in rows:
        if r["reported_name"].startswith("Metalor"):
            r["analyst_verdict"], r["analyst_cid"] = "other", "CID001153"
        elif r["proposed_cid"]:
            r["analyst_verdict"] = "accept"
        else:
            r["analyst_verdict"] = "not_a_smelter"
    with review.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    overrides = tmp_path / "overrides.csv"
    rc = cli.main(["review", "apply", str(review), "--results", str(results), *reference_args,
                   "--annex", str(annex), "--overrides", str(overrides)])
    assert rc == 0
    said = capsys.readouterr().err
    plural = "" if len(rows) == 1 else "s"
    assert f"Applied {review}: {len(rows)} review row{plural};" in said
    assert "Changed " in said and " -> " in said
    updated = _read(results)
    assert len(updated) == len(res)
    assert not (updated["decision"] == "review").any()
    metalor = updated[updated["reported_name"].str.startswith("Metalor")]
    if len(metalor) and "analyst_reviewed" in metalor["flags"].iloc[0]:
        assert set(metalor["cid"]) == {"CID001153"}
    ann = _read(annex)
    assert "CID000103" in set(ann["cid"])
    assert int(ann.loc[ann["cid"] == "CID000103", "suppliers"].iloc[0]) == 2

    # next run: the reviewed names resolve automatically through the overrides
    if overrides.exists() and len(_read(overrides)):
        again = tmp_path / "again.csv"
        rc = cli.main(["match", str(suppliers), *reference_args, "-o", str(again),
                       "--overrides", str(overrides), "--quiet"])
        assert rc == 0
        assert not (_read(again)["decision"] == "review").any()


def test_review_apply_writes_nothing_when_a_file_it_reads_is_bad(
        tmp_path: Path, reference_args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """An override file it cannot merge into (a metal other than the four) stops review apply
    before the results, the annex or the labels are written."""
    results = make_results()
    res, rev = tmp_path / "results.csv", tmp_path / "review.csv"
    write_csv(results, res)
    write_csv(fill(write_review(results, None), analyst_answers(results)), rev)
    bad = pd.DataFrame([{c: "" for c in OVERRIDE_COLUMNS}])
    bad.loc[0, ["reported_name", "metal", "cid", "verdict"]] = ["X", "Copper", "CID000015", "match"]
    write_csv(bad, tmp_path / "ov.csv")
    before = {p: p.read_bytes() for p in (res, rev, tmp_path / "ov.csv")}
    rc = cli.main(["review", "apply", str(rev), "--results", str(res), *reference_args,
                   "--annex", str(tmp_path / "annex.csv"), "--overrides", str(tmp_path / "ov.csv"),
                   "--export-labels", str(tmp_path / "labels.csv")])
    assert rc == 2
    assert "Copper" in capsys.readouterr().err
    assert all(p.read_bytes() == b for p, b in before.items())
    assert not (tmp_path / "annex.csv").exists() and not (tmp_path / "labels.csv").exists()


def test_review_apply_interrupted_while_writing_leaves_every_file_as_it_was(
        tmp_path: Path, reference_args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The results, annex, override file and labels are put in place together: an apply
    stopped after the results were updated left an override file without the analyst's
    decisions (the next run would decide those names again)."""
    import smelter_match.io.safe_csv as safe_csv

    results = make_results()
    res, rev, ov = tmp_path / "results.csv", tmp_path / "review.csv", tmp_path / "ov.csv"
    write_csv(results, res)
    write_csv(fill(write_review(results, None), analyst_answers(results)), rev)
    before = {p: p.read_bytes() for p in (res, rev)}
    written = []
    real = safe_csv.write_csv

    def stops_at_the_third(frame: pd.DataFrame, path: Path) -> None:
        written.append(path)
        if len(written) == 3:
            raise KeyboardInterrupt
        real(frame, path)

    monkeypatch.setattr(safe_csv, "write_csv", stops_at_the_third)
    args = ["review", "apply", str(rev), "--results", str(res), *reference_args,
            "--annex", str(tmp_path / "annex.csv"), "--overrides", str(ov)]
    assert cli.main(args) == 2
    assert all(p.read_bytes() == b for p, b in before.items())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv", "review.csv"]
    monkeypatch.undo()
    assert cli.main(args) == 0
    assert len(load_overrides(ov)) and res.read_bytes() != before[res]


def _aida_decided_earlier(tmp_path: Path, answers: dict[int, tuple[str, str, str]],
                          verdict: str = "accept") -> tuple[Path, Path, Path]:
    """Results and a review of "Aida Chem" reported twice (answers by its rows' positions), and
    an override file in which an earlier decision (``verdict``) made it CID000019 (Gold, JP)."""
    results, review, ids = one_name_twice()
    res, rev, ov = tmp_path / "results.csv", tmp_path / "review.csv", tmp_path / "ov.csv"
    write_csv(results, res)
    write_csv(fill(review, {ids[k]: a for k, a in answers.items()}), rev)
    earlier = pd.DataFrame([{"reported_name": "Aida Chem", "metal": "Gold", "country": "JP",
                             "cid": "CID000019", "verdict": verdict, "comment": "",
                             "decided_at": "2026-01-01T00:00:00Z", "source": "test",
                             "reference_version": ""}])
    save_overrides(earlier, ov)
    return res, rev, ov


def test_review_apply_says_when_an_earlier_override_stays_despite_a_conflicting_review(
        tmp_path: Path, reference_args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """A review that answers a name two ways makes no override for it; an override an earlier
    review saved for it stays in force, and review apply says so."""
    res, rev, ov = _aida_decided_earlier(tmp_path, {0: ("accept", "", ""),
                                                    1: ("other", "CID002708", "")})
    assert cli.main(["review", "apply", str(rev), "--results", str(res), *reference_args,
                     "--overrides", str(ov)]) == 0
    said = capsys.readouterr().err
    assert "left out, as one review answered them differently: Aida Chem" in said
    assert "the earlier override for 'Aida Chem' (Gold, JP: CID000019) still applies" in said


def test_review_apply_says_when_it_replaces_an_earlier_decision(
        tmp_path: Path, reference_args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """A review that decides a name otherwise than the override file (a newer answer, or an
    older review applied again) replaces it, and review apply says so: either may be a
    mistake the analyst should see."""
    res, rev, ov = _aida_decided_earlier(tmp_path, {0: ("other", "CID002708", "")})
    assert cli.main(["review", "apply", str(rev), "--results", str(res), *reference_args,
                     "--overrides", str(ov)]) == 0
    said = capsys.readouterr().err
    assert ("the override for 'Aida Chem' (Gold, JP) was CID000019 (decided "
            "2026-01-01T00:00:00Z) and is now CID002708") in said
    assert cli.main(["review", "apply", str(rev), "--results", str(res), *reference_args,
                     "--overrides", str(ov)]) == 0
    assert "was CID" not in capsys.readouterr().err   # the same review again replaces nothing
    # an answer given with another verdict word (a hand-written "match", a review's "accept")
    # is no replacement
    (tmp_path / "again").mkdir()
    res, rev, ov = _aida_decided_earlier(tmp_path / "again", {0: ("accept", "", "")}, "match")
    assert cli.main(["review", "apply", str(rev), "--results", str(res), *reference_args,
                     "--overrides", str(ov)]) == 0
    assert "was CID" not in capsys.readouterr().err


@pytest.mark.parametrize("header", ["row_id,match_row_id,Smelter Name",
                                    "Smelter Name,cid,match_cid"])
def test_an_input_with_a_column_and_its_match_twin_is_refused_in_one_line(
        header: str, tmp_path: Path, reference_args: list[str],
        capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.csv"
    src.write_text(header + "\n" + ",".join(["Minsur" if h == "Smelter Name" else "x"
                                               for h in header.split(",")]) + "\n")
    rc = cli.main(["match", str(src), *reference_args, "-o", str(tmp_path / "r.csv")])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "rename one" in err[0]
    assert not (tmp_path / "r.csv").exists()


@pytest.mark.parametrize("content,suffix", [
    (b"", ".csv"),                      # empty file
    (b"just,some\n", ".csv"),           # header only / no name column
    (b"not a workbook", ".xlsx"),       # not a workbook
])
def test_bad_inputs_exit_2(tmp_path: Path, reference_args: list[str], content: bytes,
                           suffix: str, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / f"bad{suffix}"
    bad.write_bytes(content)
    rc = cli.main(["match", str(bad), *reference_args, "-o", str(tmp_path / "r.csv")])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("smelter-match: error:")
    assert not (tmp_path / "r.csv").exists()


def test_cp1252_csv_and_missing_file_subprocess(tmp_path: Path, reference_args: list[str]) -> None:
    src = tmp_path / "list.csv"
    src.write_bytes("Smelter Name;Metal;Country\nCendres + Métaux SA;Gold;Switzerland\n".encode("cp1252"))
    out = tmp_path / "out.csv"
    p = subprocess.run([sys.executable, "-m", "smelter_match.cli", "match", str(src),
                        *reference_args, "-o", str(out), "--quiet"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    res = _read(out)
    assert res["Smelter Name"].tolist() == ["Cendres + Métaux SA"]
    assert res["cid"].tolist() == ["CID000189"]
    p = subprocess.run([sys.executable, "-m", "smelter_match.cli", "match", str(tmp_path / "nope.csv"),
                        *reference_args, "-o", str(out)], capture_output=True, text=True)
    assert p.returncode == 2 and "Traceback" not in p.stderr


def test_stdout_skip_bad_files_own_row_id_and_big_cells(
        tmp_path: Path, reference_args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    # a user's own row_id column (not unique) in one file, none in the other
    (folder / "a.csv").write_text("row_id,Smelter Name,Metal,Notes\n7,ATAkulche,Gold," + "x" * 200_000
                                  + "\n7,Bank of China,Gold,\n", encoding="utf-8")
    (folder / "b.csv").write_text("smelter,metal\nCendres + Métaux SA,Gold\n", encoding="utf-8")
    (folder / "c.xlsx").write_bytes(b"not a workbook")
    out = tmp_path / "out" / "results.csv"
    out.parent.mkdir()

    # strict by default: the bad file stops the run, nothing is written
    assert cli.main(["match", str(folder), *reference_args, "-o", str(out)]) == 2
    assert "c.xlsx" in capsys.readouterr().err and not out.exists()

    # --skip-bad-files: the other files are matched; the skipped one is listed on stderr and
    # in a small report beside the results; results go to standard output with "-o -"
    assert cli.main(["match", str(folder), *reference_args, "-o", "-", "--skip-bad-files"]) == 0
    captured = capsys.readouterr()
    assert not Path("-").exists()
    lines = captured.out.splitlines()
    assert lines[0].startswith("match_row_id,source_file,source_row,supplier_company,row_id,")
    assert len(lines) == 4  # header + every readable row once (the 200 KB cell has no newline)
    err = captured.err
    assert f"smelter-match: skipped {folder / 'c.xlsx'}: not an Excel workbook" in err
    assert "Matched 3 rows from 2 files" in err and "Skipped 1 file" in err
    assert f"{folder / 'b.csv'}: 1 row, " in err  # per file, singular
    assert "{" not in err

    assert cli.main(["match", str(folder), *reference_args, "-o", str(out), "--skip-bad-files",
                     "--workers", "1", "--quiet"]) == 0
    quiet = capsys.readouterr()
    assert quiet.out == "" and quiet.err == f"smelter-match: skipped {folder / 'c.xlsx'}: not an " \
                                            f"Excel workbook (content is not .xlsx or .xls)\n"
    res = _read(out)
    assert res["row_id"].tolist() == ["7", "7", ""]  # the user's column, untouched
    assert res["match_row_id"].is_unique and len(res["Notes"].iloc[0]) == 200_000
    skipped = _read(tmp_path / "out" / "results_skipped.csv")
    assert skipped.to_dict("records") == [{
        "file": str(folder / "c.xlsx"),
        "reason": "not an Excel workbook (content is not .xlsx or .xls)"}]
    # every file bad: a clear error
    assert cli.main(["match", str(folder / "c.xlsx"), *reference_args, "-o", str(out),
                     "--skip-bad-files"]) == 2
    assert "the input file could not be read (see above; listed in " in capsys.readouterr().err


@pytest.mark.parametrize(("extra", "processes"), [([], True), (["--threads"], False)])
def test_threads_option_reaches_the_matcher(tmp_path: Path, reference_args: list[str],
                                            monkeypatch, extra: list[str],
                                            processes: bool) -> None:
    """``--threads`` builds the matcher with ``processes=False`` (steps on threads only); by
    default it may fork (``tests/test_parallel.py`` checks what each does)."""
    from smelter_match import matcher as matcher_module

    made: list[bool] = []

    class Recording(matcher_module.Matcher):
        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            super().__init__(*args, **kwargs)
            made.append(self.processes)

    monkeypatch.setattr(matcher_module, "Matcher", Recording)
    src = tmp_path / "in.csv"
    src.write_text("Smelter Name,Metal\nAsahi Refining USA Inc.,Gold\n", encoding="utf-8")
    assert cli.main(["match", str(src), *reference_args, "-o", str(tmp_path / "r.csv"),
                     "--quiet", *extra]) == 0
    assert made == [processes]


def test_a_csv_row_wider_than_the_header_is_matched_with_a_note(
        tmp_path: Path, reference_args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """An unquoted comma in a name shifts the row's cells: the row is still read and written
    (every input row comes out), and the command says which rows to check, once; -q silences it."""
    src = tmp_path / "in.csv"
    src.write_text("Smelter Name,Metal,Country\nMinsur,Tin,Peru\n"
                   "Metalor Technologies, SA,Gold,Switzerland\n")
    out = tmp_path / "r.csv"
    assert cli.main(["match", str(src), *reference_args, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert err.count("note: ") >= 1 and err.count("more cells than the header's 3 (rows 3)") == 1
    assert "Warning" not in err
    assert _read(out)["Smelter Name"].tolist() == ["Minsur", "Metalor Technologies"]
    assert cli.main(["-q", "match", str(src), *reference_args, "-o", str(out)]) == 0
    assert "more cells" not in capsys.readouterr().err


def test_review_apply_leaves_the_inputs_cells_as_they_were(
        tmp_path: Path, reference_args: list[str]) -> None:
    """The updated results keep the input's cells as written (a part number "  0042 " was
    stripped to "0042"): only the matcher's columns of decided rows change."""
    results = make_results()
    results.insert(1, "Part", "  0042 ")
    res, rev, out = tmp_path / "results.csv", tmp_path / "review.csv", tmp_path / "out.csv"
    write_csv(results, res)
    write_csv(fill(write_review(results, None), analyst_answers(results)), rev)
    assert cli.main(["review", "apply", str(rev), "--results", str(res), *reference_args,
                     "-o", str(out)]) == 0
    updated = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert (updated["Part"] == "  0042 ").all()
    # a header padded with spaces (an editor's) is still the column it names
    text = res.read_text(encoding="utf-8-sig").replace(",decision,", ",decision ,", 1)
    res.write_text(text, encoding="utf-8-sig")
    assert cli.main(["review", "apply", str(rev), "--results", str(res), *reference_args,
                     "-o", str(out)]) == 0


def test_review_apply_says_which_decisions_an_unsure_answer_leaves_in_force(
        tmp_path: Path, reference_args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """An unsure answer (Gold, Japan) is saved beside an earlier decision made for the name from
    any country, which still decides the name's rows from other countries: review apply says so
    (found by a review: nothing told the analyst)."""
    res, rev, ov = _aida_decided_earlier(tmp_path, {0: ("unsure", "", "")})
    earlier = load_overrides(ov).assign(country="")
    ov.unlink()
    save_overrides(earlier, ov)
    assert cli.main(["review", "apply", str(rev), "--results", str(res), *reference_args,
                     "--overrides", str(ov)]) == 0
    said = " ".join(capsys.readouterr().err.split())
    assert "'Aida Chem' is still CID000019 for Gold, any country" in said
    assert sorted(load_overrides(ov)["verdict"]) == ["accept", "unsure"]


def test_a_mixed_batchs_review_shows_each_files_own_name(
        tmp_path: Path, reference_args: list[str]) -> None:
    """The review showed every row's name from the first file's name column: a later file's
    "Smelter Look-up" ("Smelter not listed") instead of the "Smelter Name" the matcher read,
    and an override was then keyed on "Smelter not listed" (found by an audit). With
    --name-col, a second file's column headed alike ("HÜTTE") is read too."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text("Metal,Smelter Look-up\nGold,Asahi Refining\n")
    (tmp_path / "in" / "b.csv").write_text("Metal,Smelter Look-up,Smelter Name\n"
                                            "Gold,Smelter not listed,Asahi Refinng\n")
    rv = tmp_path / "rv.csv"
    assert cli.main(["-q", "match", str(tmp_path / "in"), *reference_args, "--review", str(rv),
                     "--review-no-match", "1", "-o", str(tmp_path / "out.csv")]) == 0
    assert read_safe_csv(rv)["reported_name"].tolist() == ["Asahi Refining", "Asahi Refinng"]
    (tmp_path / "h").mkdir()
    (tmp_path / "h" / "a.csv").write_text("Hütte,Metal\nAsahi Refining,Gold\n")
    (tmp_path / "h" / "b.csv").write_text("HÜTTE,Metal\nAsahi Refinng,Gold\n")
    assert cli.main(["-q", "match", str(tmp_path / "h"), *reference_args, "--name-col", "Hütte",
                     "--review", str(rv), "--review-no-match", "1",
                     "-o", str(tmp_path / "out2.csv")]) == 0
    assert read_safe_csv(rv)["reported_name"].tolist() == ["Asahi Refining", "Asahi Refinng"]


def test_a_row_added_to_a_review_by_its_row_id_is_decided_for_the_name_the_matcher_read(
        tmp_path: Path, reference_args: list[str]) -> None:
    """Matched with --name-col Facility beside a recognised "Smelter Name" column, a row the
    analyst added to the review by its row_id alone was saved as an override for the "Smelter
    Name" text (synonyms' order), not the name the matcher read (found in the thirty-ninth
    session). The row's id is made of the name read, which tells the column."""
    src = tmp_path / "in.csv"
    src.write_text("Smelter Name,Facility,Metal,Country\nAcme Trading,Asahi Refining,Gold,JP\n"
                   "Acme Trading,Asahi Refinng Ltd,Gold,JP\n")
    out, rv, ov = tmp_path / "out.csv", tmp_path / "rv.csv", tmp_path / "ov.csv"
    assert cli.main(["-q", "match", str(src), *reference_args, "--name-col", "Facility",
                     "-o", str(out)]) == 0
    results = read_safe_csv(out)
    pd.DataFrame({"row_id": results["row_id"], "analyst_verdict": ["accept", "not_a_smelter"],
                  "analyst_cid": [results["cid"][0], ""]}).to_csv(rv, index=False)
    assert cli.main(["-q", "review", "apply", str(rv), "--results", str(out), *reference_args,
                     "--overrides", str(ov)]) == 0
    assert sorted(load_overrides(ov)["reported_name"]) == ["Asahi Refining", "Asahi Refinng Ltd"]


def test_skipped_files_are_listed_also_when_none_could_be_read_and_a_broken_link_is_one(
        tmp_path: Path, reference_args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """With every file bad, no <results>_skipped.csv was written; a broken link in an input
    folder was left out without a word (found by an audit)."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.csv").write_text("")
    (tmp_path / "in" / "gone.csv").symlink_to(tmp_path / "nowhere.csv")
    out = tmp_path / "r.csv"
    assert cli.main(["match", str(tmp_path / "in"), *reference_args, "--skip-bad-files",
                     "-o", str(out)]) == 2
    assert "listed in" in capsys.readouterr().err
    skipped = read_safe_csv(tmp_path / "r_skipped.csv")
    assert [Path(f).name for f in skipped["file"]] == ["empty.csv", "gone.csv"]
    assert not out.exists()


def test_two_files_whose_columns_clash_are_named(tmp_path: Path, reference_args: list[str],
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """One file with its own "cid", another with "match_cid": each matches alone, together the
    results cannot hold both and the matcher's; the error named neither file (found by an
    audit of batches)."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text("Smelter Name,cid\nMinsur,\n")
    (tmp_path / "in" / "b.csv").write_text("Smelter Name,match_cid\nMinsur,old\n")
    assert cli.main(["match", str(tmp_path / "in"), *reference_args,
                     "-o", str(tmp_path / "r.csv")]) == 2
    err = capsys.readouterr().err
    assert "a.csv has a column 'cid' and" in err and "b.csv one 'match_cid'" in err


def test_files_asked_for_are_written_though_the_reader_of_standard_output_stops(
        tmp_path: Path, reference_args: list[str]) -> None:
    """`match ... -o - --review rv.csv | head -1`: the review was never written (the results
    went first, and the closed pipe ended the run; found by an audit). The files go first."""
    rows = "".join(f"Asahi Refining {i},Gold\n" for i in range(3000))
    (tmp_path / "in.csv").write_text("Smelter Name,Metal\n" + rows)
    cmd = " ".join([sys.executable, "-m", "smelter_match", "-q", "match", str(tmp_path / "in.csv"),
                    *reference_args, "-o", "-", "--review", str(tmp_path / "rv.csv"), "| head -1"])
    done = subprocess.run(f"set -o pipefail; {cmd}", shell=True, check=False,
                          capture_output=True, cwd=tmp_path, executable="/bin/bash")
    assert "reported_name" in read_safe_csv(tmp_path / "rv.csv").columns
    # the reader stopped: SIGPIPE's code, not 2 (a bad input's), and nothing said
    assert done.returncode == 141 and done.stderr == b""


def test_the_review_shows_the_cell_each_file_was_matched_by(
        tmp_path: Path, reference_args: list[str], supplier_cmrt: Path) -> None:
    """A plain file with its own "reported_name" column beside "Smelter Name" (the review read
    the former), and --name-col with a CMRT only (no review, exit 2) or beside a list whose
    column it names (the CMRT's "Smelter not listed" shown and keyed): each row shows the cell
    the matcher read (found by a review of the first fix)."""
    (tmp_path / "both.csv").write_text("Smelter Name,reported_name,Metal\n"
                                       "Asahi Refinng,internal note x,Gold\n")
    rv = tmp_path / "rv.csv"
    assert cli.main(["-q", "match", str(tmp_path / "both.csv"), *reference_args, "--review",
                     str(rv), "--review-no-match", "1", "-o", str(tmp_path / "o1.csv")]) == 0
    assert read_safe_csv(rv)["reported_name"].tolist() == ["Asahi Refinng"]
    assert cli.main(["-q", "match", str(supplier_cmrt), *reference_args, "--name-col", "Hütte",
                     "--review", str(rv), "--review-no-match", "1",
                     "-o", str(tmp_path / "o2.csv")]) == 0
    cmrt = read_safe_csv(rv)
    assert "Late Row Refinery" in set(cmrt["reported_name"])
    assert "Smelter not listed" not in set(cmrt["reported_name"])


def _sigterm(*_args: object) -> None:
    os.kill(os.getpid(), signal.SIGTERM)


def _ctrl_c(*_args: object) -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize(("stop", "code"), [(_ctrl_c, 2), (_sigterm, 143)],
                         ids=["ctrl-c", "sigterm"])
def test_an_interrupted_run_leaves_the_old_set_of_outputs_not_new_results_beside_an_old_review(
        tmp_path: Path, reference_args: list[str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], stop: object, code: int) -> None:
    """The results, the review and the annex are put in place together once all are written:
    a run stopped while writing the annex left new results beside the old review (an analyst
    would review rows the results no longer hold) and the old annex. SIGTERM stops a run as
    Ctrl-C does (its default action killed the process and left the temporary files)."""
    import smelter_match.annex

    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL

    (tmp_path / "in.csv").write_text("Smelter Name,Metal\nMinsur,Tin\nHengda Trading,Gold\n")
    outs = {"-o": tmp_path / "res.csv", "--review": tmp_path / "rv.xlsx",
            "--annex": tmp_path / "annex.csv"}
    for path in outs.values():
        path.write_bytes(b"the old file")
    args = ["-q", "match", str(tmp_path / "in.csv"), *reference_args,
            *[str(a) for pair in outs.items() for a in pair]]

    monkeypatch.setattr(smelter_match.annex, "write_annex", stop)
    assert cli.main(args) == code
    assert capsys.readouterr().err.endswith(("interrupted\n", "terminated\n"))
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL   # put back
    assert [p.read_bytes() for p in outs.values()] == [b"the old file"] * 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["annex.csv", "in.csv", "res.csv",
                                                          "rv.xlsx"]   # no temporary file
    monkeypatch.undo()
    assert cli.main(args) == 0
    assert _read(outs["-o"])["decision"].tolist()[0] == "match"
    assert all(p.read_bytes() != b"the old file" for p in outs.values())


def test_a_file_whose_own_columns_clash_is_skipped_with_skip_bad_files(
        tmp_path: Path, reference_args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """A file with both "cid" and "match_cid" stopped the whole batch, also with
    --skip-bad-files, after every file was read, and the error named the file twice (found by
    an audit of batch runs): it is a bad file, skipped and listed."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text("Smelter Name,Metal\nMinsur,Tin\n")
    (tmp_path / "in" / "b.csv").write_text("Smelter Name,cid,match_cid\nMinsur,,\n")
    out = tmp_path / "r.csv"
    assert cli.main(["match", str(tmp_path / "in"), *reference_args, "-o", str(out)]) == 2
    assert "b.csv: it has a column 'cid' and one 'match_cid'" in capsys.readouterr().err
    assert cli.main(["match", str(tmp_path / "in"), *reference_args, "-o", str(out),
                     "--skip-bad-files"]) == 0
    assert _read(out)["source_file"].str.endswith("a.csv").all()
    skipped = _read(tmp_path / "r_skipped.csv")
    assert skipped["file"].str.endswith("b.csv").tolist() == [True]


def test_an_earlier_runs_list_of_skipped_files_is_not_left_beside_new_results(
        tmp_path: Path, reference_args: list[str]) -> None:
    """A run with --skip-bad-files wrote r_skipped.csv; a later run over good files only, without
    the option, left it beside its new results, listing files of another run (found by an
    audit of batch runs): it is written again, empty."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text("Smelter Name,Metal\nMinsur,Tin\n")
    (tmp_path / "in" / "b.csv").write_bytes(b"")
    out = tmp_path / "r.csv"
    assert cli.main(["-q", "match", str(tmp_path / "in"), *reference_args, "-o", str(out),
                     "--skip-bad-files"]) == 0
    assert len(_read(tmp_path / "r_skipped.csv")) == 1
    assert cli.main(["-q", "match", str(tmp_path / "in" / "a.csv"), *reference_args,
                     "-o", str(out)]) == 0
    assert len(_read(tmp_path / "r_skipped.csv")) == 0
