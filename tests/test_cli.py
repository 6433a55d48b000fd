"""The command-line frame: parser, exit codes, one-line errors (commands have their own tests)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _support import ROOT, encrypted_ooxml, python_lines

from smelter_match import cli
from smelter_match.cli import app as cli_main
from smelter_match.cli import reference as cli_reference
from smelter_match.cli._common import CommonOptions, out


@pytest.mark.parametrize("argv", [
    [], ["bogus"], ["reference"], ["reference", "import"], ["reference", "diff", "only-old"],
    ["reference", "diff", "a", "b", "--limit", "many"],
    ["train", "--labels", "labels.csv"],   # no -o: it wrote over the shipped model
    ["match", "a.csv", "-o", "r.csv", "--review", "v.csv", "--review-no-match", "inf"],
])
def test_cli_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "usage:" in err and "Traceback" not in err


def test_cli_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    assert "reference" in capsys.readouterr().out
    assert cli.main(["reference", "diff", "--help"]) == 0


def test_cli_help_and_usage_errors_import_no_pandas() -> None:
    """``--help`` and a usage error answer at once: parsing imports neither pandas nor numpy (the
    package's names are imported when first used), and the lazily imported names still work."""
    code = ("import sys\n"
            "from smelter_match.cli import main\n"
            "codes = [main(['--help']), main(['match']), main(['review', 'apply', '--help'])]\n"
            "print(codes, sorted(m for m in ('pandas', 'numpy') if m in sys.modules))\n"
            "import smelter_match\n"
            "print(smelter_match.Matcher.__name__, 'load_reference' in dir(smelter_match))\n"
            "try:\n    smelter_match.nonexistent\nexcept AttributeError as e:\n    print(e)\n")
    lines = python_lines(code)
    assert lines[-3:] == ["[0, 2, 0] []", "Matcher True",
                          "module 'smelter_match' has no attribute 'nonexistent'"]


def test_cli_keyboard_interrupt_and_oserror(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(args):  # noqa: ANN001, ANN202
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_reference, "get_reference", interrupted)
    assert cli.main(["reference", "info"]) == 2
    assert capsys.readouterr().err == "smelter-match: error: interrupted\n"

    def denied(args):  # noqa: ANN001, ANN202
        raise PermissionError(13, "Permission denied", "/some/file.xlsx")

    monkeypatch.setattr(cli_reference, "get_reference", denied)
    assert cli.main(["reference", "info"]) == 2
    assert capsys.readouterr().err == (
        "smelter-match: error: [Errno 13] Permission denied: '/some/file.xlsx'\n"
    )


def test_cli_command_list_adds_a_command(monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    def add_hello(sub, common: CommonOptions) -> None:  # noqa: ANN001
        p = sub.add_parser("hello", parents=[common.reference, common.output])
        p.add_argument("who")
        p.set_defaults(func=lambda a: out(f"hi {a.who} {a.reference} {a.quiet}") or 0)

    monkeypatch.setattr(cli_main, "COMMANDS", (*cli_main.COMMANDS, add_hello))
    assert cli.main(["-q", "hello", "you", "-r", "x.xlsx"]) == 0
    assert capsys.readouterr().out == "hi you ['x.xlsx'] True\n"
    assert cli.main(["--reference", "y.xml", "hello", "me"]) == 0
    assert capsys.readouterr().out == "hi me ['y.xml'] False\n"


def test_cli_subprocess_no_traceback(tmp_path: Path) -> None:
    locked = encrypted_ooxml(tmp_path / "locked.xlsx")
    env = {**os.environ, "SMELTER_MATCH_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("SMELTER_MATCH_REFERENCE", None)
    for argv in (["reference", "info", "--reference", str(locked)], ["reference", "info"]):
        proc = subprocess.run(
            [sys.executable, "-m", "smelter_match.cli", *argv],
            capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
        )
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("smelter-match: error: "), proc.stderr
        assert proc.stdout == ""
    assert "password-protected" in lines[0] or "no RMI reference" in lines[0]


# ------------------------------------------------------------------------------------------------
# match: help, options and output paths checked before any work


def test_match_help_describes_input_columns_and_examples(capsys: pytest.CaptureFixture[str]) -> None:
    from smelter_match.io.columns import COLUMN_SYNONYMS

    assert cli.main(["match", "--help"]) == 0
    text = capsys.readouterr().out
    assert "INPUT is any mix of" in text and "CMRT" in text and "folders" in text
    for role, names in COLUMN_SYNONYMS.items():  # from reference_data/vocab/column_synonyms.csv
        assert f"{role}:" in text and all(n in text for n in names)
    assert text.count("smelter-match match ") >= 2  # two examples
    for option in ("--workers", "--threads", "--skip-bad-files", "--review", "-o"):
        assert option in text


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_match_workers_must_be_a_count(value: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["match", "x.csv", "-o", str(tmp_path / "r.csv"), "--workers", value]) == 2
    assert "--workers" in capsys.readouterr().err


def test_review_apply_on_a_file_that_is_not_results_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # not "no RMI reference given": the file given as results is the problem
    monkeypatch.delenv("SMELTER_MATCH_REFERENCE", raising=False)
    monkeypatch.setenv("SMELTER_MATCH_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "notres.csv").write_text("a,b\n1,2\n")
    (tmp_path / "rev.csv").write_text("row_id,analyst_verdict\n")
    assert cli.main(["review", "apply", str(tmp_path / "rev.csv"), "--results",
                     str(tmp_path / "notres.csv")]) == 2
    assert "results have no 'decision' column" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["match", "x.csv", "-o", "ov.csv", "--overrides", "ov.csv"],
    ["match", "x.csv", "-o", "r.csv", "--review", "ov.csv", "--overrides", "ov.csv"],
    ["review", "apply", "rev.csv", "--results", "r.csv", "--annex", "r.csv"],
    ["review", "apply", "rev.csv", "--results", "r.csv", "--overrides", "r.csv"],
    ["review", "apply", "rev.csv", "--results", "r.csv", "--export-labels", "r.csv"],
    ["review", "apply", "rev.csv", "--results", "r.csv", "-o", "new.csv", "--annex", "r.csv"],
    ["match", "r_skipped.csv", "--skip-bad-files", "-o", "r.csv"],
    ["match", "x.csv", "--skip-bad-files", "-o", "r.csv", "--annex", "r_skipped.csv"],
    ["match", "x.csv", "-r", "ref.csv", "-o", "ref.csv"],
    ["review", "apply", "rev.csv", "--results", "r.csv", "-r", "ref.csv", "--annex", "ref.csv"],
    ["train", "--labels", "r.csv", "-o", "r.csv"],
    ["train", "--gold", "ov.csv", "-o", "ov.csv"],
])
def test_an_output_may_not_overwrite_an_input(argv: list[str], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """The override file and the results read are inputs: no other output may replace them
    (only review apply's updated results replace --results, by default); nor may the list of
    skipped files (``<results>_skipped.csv``), checked before any work like the others."""
    monkeypatch.chdir(tmp_path)
    for name in ("ov.csv", "r.csv", "rev.csv", "r_skipped.csv", "ref.csv"):
        (tmp_path / name).write_text("kept\n")
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and ("an input" in err[0] or "given as both" in err[0]), err
    assert all((tmp_path / n).read_text() == "kept\n"
               for n in ("ov.csv", "r.csv", "rev.csv", "r_skipped.csv", "ref.csv"))


@pytest.mark.parametrize("value", ["-3", "nan", "some"])
def test_match_review_no_match_must_be_a_count_or_fraction(
        value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["match", "x.csv", "-o", str(tmp_path / "r.csv"), "--review-no-match",
                     value]) == 2
    assert "--review-no-match" in capsys.readouterr().err


def _one_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("smelter-match: error: "), err
    return err[0]


def test_bad_output_paths_are_refused_before_work(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "list.csv"
    src.write_text("Smelter Name\nFoo\n", encoding="utf-8")
    cases = {
        str(tmp_path / "no" / "such" / "r.csv"): "folder .* does not exist",
        str(tmp_path): "it is a folder",
        str(tmp_path / "r.xlsx"): "results cannot be written as .xlsx",
        str(src): "over \\(or into\\) an input",
    }
    for output, message in cases.items():
        assert cli.main(["match", str(src), "-o", output]) == 2
        assert re.search(message, _one_error(capsys)), output
    assert cli.main(["match", str(src), "-o", str(tmp_path / "r.csv"),
                     "--review", str(tmp_path / "r.csv")]) == 2
    assert "given as both the results and the review file" in _one_error(capsys)
    assert cli.main(["match", str(src), "-o", "-", "--annex", "-"]) == 2
    assert "only one output can go to standard output" in _one_error(capsys)
    assert cli.main(["match", str(tmp_path), "-o", str(tmp_path / "r.csv")]) == 2
    assert "into) an input" in _one_error(capsys)  # results would be read as input next time
    assert cli.main(["match", str(src), "-o", str(tmp_path / "r.csv"),
                     "--review", str(tmp_path / "review.xls")]) == 2
    assert "give it a .csv or .xlsx name" in _one_error(capsys)
    assert not (tmp_path / "r.csv").exists() and not Path("-").exists()


def test_progress_bar_only_on_a_terminal_and_not_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from smelter_match.cli.match import _Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Terminal())
    bar = _Progress(1000, enabled=True)
    assert not bar.bar.disable and bar.bar.delay > 0  # shown once a run takes a while
    bar.to(500)
    bar.to(1000)
    assert bar.bar.n == 1000
    bar.close()
    assert _Progress(1000, enabled=False).bar.disable  # --quiet
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert _Progress(1000, enabled=True).bar.disable  # stderr is not a terminal


def test_plural_and_summary_words() -> None:
    import pandas as pd

    from smelter_match.cli._common import plural
    from smelter_match.cli._report import decision_phrase, flag_phrase, match_summary

    assert (plural(1, "row"), plural(0, "row"), plural(2, "facility", "facilities")) == (
        "1 row", "0 rows", "2 facilities")
    assert decision_phrase(["match", "no_match", "match"]) == "2 matched, 1 not matched"
    assert flag_phrase(["removed_cid;successor=CID1;successor=CID2", "removed_cid", ""]) == (
        "removed_cid on 2 rows, successor on 1 row")
    res = pd.DataFrame({"source_file": ["a.csv", "b.csv"], "decision": ["match", "review"],
                        "flags": ["", "ambiguous_name"]})
    lines = match_summary(res, files=2, seconds=1.04, stamp="list x #1")
    assert lines[0] == ("Matched 2 rows from 2 files in 1.0 s (reference list x #1): 1 matched, "
                        "1 to review.")
    assert "  a.csv: 1 row, 1 matched" in lines and "  b.csv: 1 row, 1 to review" in lines
    assert lines[-1] == "Most common flags: ambiguous_name on 1 row."
    assert not any("{" in line for line in lines)


def test_train_holdout_keeps_whole_facilities_and_their_gold_rows_out() -> None:
    """``train --holdout``: the kept-out share is whole facilities, the same ones whatever the
    rows' order, and their gold rows leave training too; 0 keeps nothing out."""
    import pandas as pd

    from smelter_match.cli.model import split_holdout

    own = pd.DataFrame({"group": [f"CID{i:06d}" for i in range(200) for _ in range(2)],
                        "name": [f"n{i}" for i in range(400)]})
    gold = pd.DataFrame({"group": ["CID000001", "CID000002", "CID000150", "NO_MATCH:x"],
                         "name": ["g1", "g2", "g3", "g4"]})
    held, labels = split_holdout(own, gold, 0.2)
    kept = set(held["group"])
    assert 20 <= len(kept) <= 60 and len(held) == 2 * len(kept)      # whole facilities
    assert not kept & set(labels["group"])                           # gold rows of them too
    assert len(labels) == len(own) - len(held) + (~gold["group"].isin(kept)).sum()
    held2, _ = split_holdout(own.iloc[::-1], gold, 0.2)
    assert set(held2["group"]) == kept                               # not the file's order
    none, everything = split_holdout(own, gold, 0)
    assert none is None and len(everything) == len(own) + len(gold)
    assert split_holdout(None, gold, 0.2)[1]["name"].tolist() == gold["name"].tolist()


def test_a_missing_review_file_or_new_reference_fails_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], rmi_dir: Path) -> None:
    """The reference was loaded first, and its note printed before the error: a failed run's
    stderr is its error alone (found by an audit of batch runs)."""
    (tmp_path / "res.csv").write_text("row_id,decision\nr1,match\n", encoding="utf-8")
    assert cli.main(["review", "apply", str(tmp_path / "none.xlsx"), "--results",
                     str(tmp_path / "res.csv")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"smelter-match: error: {tmp_path / 'none.xlsx'}: review file not found"]
    assert cli.main(["reference", "diff", str(rmi_dir / "cmrt" / "RMI_CMRT_6.4.xlsx"),
                     str(tmp_path / "none")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"smelter-match: error: {tmp_path / 'none'}: file or folder not found"]


def test_reference_diff_limit_is_a_count_from_one(capsys: pytest.CaptureFixture[str]) -> None:
    """--limit 0 and --limit -3 were accepted and showed every change, as no limit does (found
    by an audit of batch runs)."""
    for bad in ("0", "-3", "x"):
        assert cli.main(["reference", "diff", "a", "b", "--limit", bad]) == 2
        err = capsys.readouterr().err
        assert "is not a whole number from 1" in err.splitlines()[-1]   # (argparse: usage first)


def test_review_options_without_a_review_are_said(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], rmi_dir: Path) -> None:
    """--blind and --review-no-match shape the review file: given without --review they did
    nothing, silently (found by an audit of batch runs)."""
    (tmp_path / "in.csv").write_text("Smelter Name,Metal\nMinsur,Tin\n", encoding="utf-8")
    assert cli.main(["match", str(tmp_path / "in.csv"), "-r", str(rmi_dir / "exports-2026-08-22"),
                     "-o", str(tmp_path / "r.csv"), "--blind"]) == 0
    assert "without --review they do nothing" in capsys.readouterr().err
    # a run that fails says its error alone, not the note first (found by a helper session)
    bad = tmp_path / "no" / "such" / "r.csv"
    assert cli.main(["match", str(tmp_path / "in.csv"), "-r", str(rmi_dir / "exports-2026-08-22"),
                     "-o", str(bad), "--blind"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "error" in err[0], err


def test_train_model_without_labels_is_said(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        rmi_exports_dir: Path) -> None:
    """train --model is the model the kept-out --labels rows are compared with: given without
    --labels (or with --holdout 0) it was neither read nor checked, and a missing file passed
    without a word (found by an audit of batch runs). It is said to do nothing."""
    import smelter_match.training as training
    from smelter_match.classify import Model

    monkeypatch.setattr(training, "train", lambda *a, **k: Model.load(None))   # (no minutes)
    (tmp_path / "labels.csv").write_text("reported_name,reported_metal,label\nMinsur,Tin,"
                                         "CID001182\n", encoding="utf-8")
    base = ["train", "-r", str(rmi_exports_dir), "--no-gold", "-o", str(tmp_path / "m.json"),
            "--model", str(tmp_path / "missing.json")]
    for more, why in (([], "without --labels"),
                      (["--labels", str(tmp_path / "labels.csv"), "--holdout", "0"],
                       "with --holdout 0")):
        assert cli.main([*base, *more]) == 0
        err = capsys.readouterr().err.splitlines()
        assert [line for line in err if "--model" in line] == [
            "--model names the model the --labels rows kept out (--holdout) are compared with: "
            f"{why} it does nothing"]
    assert cli.main(base[:-2]) == 0   # no --model: nothing said about it
    assert "--model" not in capsys.readouterr().err
