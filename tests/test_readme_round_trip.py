"""The README's analyst round trip, run as written (``./dev run`` is the CLI).

The commands are read from the first ``bash`` block of the README's "Analyst round trip" section
and run in a scratch project folder whose ``../shared`` is the real shared data, with a fresh
cache (so nothing but what the commands themselves do tells step 3 and 4 which reference to use).
Between step 1 and step 3 an "analyst" fills review.xlsx with openpyxl, as Excel would save it.
The assertions are about the analyst's decisions being honoured, never about how the model
splits fuzzy names between match and review.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from _support import ROOT, SHARED_DIR

from smelter_match.results import parse_flags

#: The supplier rows of the README's suppliers/ folder (a CSV with its own row_id column).
SUPPLIER_CSV = [
    ("row_id", "Smelter Name", "Metal", "Country"),
    ("1", "Metalor Technologies (Hong Kong) Ltd.", "Gold", "HONG KONG"),
    ("1", "Metalor Technologies S.A.", "Gold", "SWITZERLAND"),
    ("2", "Honggiao Metals (Kunshan)", "Tin", "CHINA"),
    ("3", "Kemet Blue Powder", "Tantalum", "UNITED STATES OF AMERICA"),
]
CMRT_ROWS = {
    5: {"B": "Gold", "C": "Smelter not listed", "D": "ATAkulche", "E": "TURKEY"},
    6: {"B": "Gold", "C": "Smelter not listed", "D": "@SUM(1+1)*cmd|' /C calc'!A0", "E": "CHINA"},
}
#: The analyst's own decisions (whatever the model proposed): name -> (verdict, cid).
DECIDED = {
    "Metalor Technologies (Hong Kong) Ltd.": ("not_a_smelter", ""),  # issue 12: was ignored
    "Metalor Technologies S.A.": ("other", "CID001153"),
}


def readme_commands() -> list[list[str]]:
    """The commands of the README's round trip, each as an argv."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Analyst round trip", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    commands, current = [], ""
    for line in block.splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        current += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            commands.append(shlex.split(current))
            current = ""
    return commands


def _write_csv(path: Path, rows: list[tuple[str, ...]]) -> None:
    path.write_text("".join(",".join(r) + "\n" for r in rows), encoding="utf-8")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _fill_review(path: Path, results: pd.DataFrame) -> None:
    """The analyst's work in Excel: every row decided, the DECIDED rows as decided (added to the
    sheet if the matcher did not ask about them)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Review"]
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) + 1 for name in header}
    wanted = {results.loc[results["Smelter Name"] == name, "match_row_id"].iloc[0]: answer
              for name, answer in DECIDED.items()}
    seen = set()
    for r in range(2, ws.max_row + 1):
        rid = ws.cell(r, col["row_id"]).value
        seen.add(rid)
        verdict, cid = wanted.get(rid) or (
            ("accept", "") if ws.cell(r, col["proposed_cid"]).value else ("not_a_smelter", ""))
        ws.cell(r, col["analyst_verdict"]).value = verdict
        ws.cell(r, col["analyst_cid"]).value = cid or None
    for rid, (verdict, cid) in wanted.items():
        if rid not in seen:
            row = ws.max_row + 1
            ws.cell(row, col["row_id"]).value = rid
            ws.cell(row, col["analyst_verdict"]).value = verdict
            ws.cell(row, col["analyst_cid"]).value = cid or None
    wb.save(path)


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    assert argv[:2] == ["./dev", "run"], argv
    proc = subprocess.run([sys.executable, "-m", "smelter_match.cli", *argv[2:]], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{shlex.join(argv)}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    return proc


@pytest.mark.slow
def test_readme_round_trip_verbatim(tmp_path: Path, make_cmrt, full_reference,
                                    _session_cache_dir: Path) -> None:
    commands = readme_commands()
    assert [c[2:4] for c in commands] == [["match", "suppliers/"], ["review", "apply"],
                                          ["match", "new_suppliers/"]]
    # a project folder beside the shared data, as in the README
    (tmp_path / "shared").symlink_to(SHARED_DIR, target_is_directory=True)
    proj = tmp_path / "project"
    (proj / "suppliers").mkdir(parents=True)
    (proj / "new_suppliers").mkdir()
    _write_csv(proj / "suppliers" / "list.csv", SUPPLIER_CSV)
    shutil.copy(make_cmrt("RMI_CMRT_6.4.xlsx", CMRT_ROWS, company="Acme"),
                proj / "suppliers" / "acme_cmrt.xlsx")
    _write_csv(proj / "new_suppliers" / "q3.csv", [
        ("Smelter Name", "Metal", "Country"),
        *[r[1:] for r in SUPPLIER_CSV[1:]],
        ("Metalor Technologies S.A.", "Gold", "CHINA"),      # the analyst's name, other country
        ("Metalor Technologies Ltd.", "Gold", "SWITZERLAND"),  # another legal form: another name
    ])
    # a fresh cache (nothing remembered, no default reference) that need not rebuild the merge
    cache = tmp_path / "cache"
    shutil.copytree(_session_cache_dir / "compiled", cache / "compiled")
    env = {**os.environ, "SMELTER_MATCH_CACHE_DIR": str(cache)}
    env.pop("SMELTER_MATCH_REFERENCE", None)

    # 1. match
    step1 = _run(commands[0], proj, env)
    results = _read(proj / "results.csv")
    assert len(results) == len(SUPPLIER_CSV) - 1 + len(CMRT_ROWS)  # every row once
    from_csv = results["source_file"] == "suppliers/list.csv"  # files are read in name order
    assert results.loc[from_csv, "row_id"].tolist() == ["1", "1", "2", "3"]  # the supplier's own
    assert results.loc[~from_csv, "row_id"].tolist() == ["", ""]  # a CMRT has no such column
    assert results["match_row_id"].is_unique
    assert "Matched 6 rows from 2 files" in step1.stderr
    assert (proj / "review.xlsx").exists() and (proj / "annex.csv").exists()

    # 2. the analyst fills the workbook
    _fill_review(proj / "review.xlsx", results)

    # 3. apply (no -r: the reference recorded in results.csv is found)
    step3 = _run(commands[1], proj, env)
    assert "reference: " in step3.stderr and "recorded in results.csv" in step3.stderr
    assert "Changed " in step3.stderr or "No row of" in step3.stderr
    updated = _read(proj / "results.csv").set_index("Smelter Name")
    assert updated.loc["Metalor Technologies (Hong Kong) Ltd.", "decision"] == "no_match"
    assert updated.loc["Metalor Technologies S.A.", "cid"] == "CID001153"
    overrides = _read(proj / "overrides.csv").set_index("reported_name")
    assert overrides.loc["Metalor Technologies S.A.", "country"] == "CH"
    assert overrides.loc["Metalor Technologies (Hong Kong) Ltd.", "verdict"] == "not_a_smelter"
    assert set(overrides["reference_version"]) == set(results["reference_version"])
    labels = _read(proj / "labels.csv").set_index("reported_name")
    assert labels.loc["Metalor Technologies (Hong Kong) Ltd.", "label"] == "NO_MATCH"

    # 4. next quarter (no -r: the reference recorded in overrides.csv is found)
    step4 = _run(commands[2], proj, env)
    assert "recorded in overrides.csv" in step4.stderr
    again = _read(proj / "results2.csv")
    flags = [parse_flags(f) for f in again["flags"]]
    by_row = list(zip(again["Smelter Name"], again["Country"], again["decision"], again["cid"],
                      flags))
    hk = by_row[0]
    assert hk[2:4] == ("no_match", "") and "analyst_override" in hk[4]
    sa = by_row[1]
    assert sa[2:4] == ("match", "CID001153") and "analyst_override" in sa[4]
    # every name the analyst decided resolves as decided ...
    decided = set(_read(proj / "overrides.csv")["reported_name"])
    for name, _, _, _, f in by_row[:4]:
        assert ("analyst_override" in f) == (name in decided), name
    # ... but not for another country (review, flagged) nor for another legal form
    china = by_row[4]
    assert china[2] == "review" and "override_other_country=CH" in china[4]
    assert not any(x.startswith(("analyst_override", "override_")) for x in by_row[5][4])
    assert (proj / "review2.xlsx").exists()
