"""End to end from the command line: supplier CMRTs -> match -> analyst review -> review apply."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from smelter_match import cli

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


def test_round_trip(make_cmrt, tmp_path: Path, reference_args: list[str]) -> None:
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
                   "--annex", str(annex), "--overrides", str(overrides), "--quiet"])
    assert rc == 0
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
