"""A small synthetic results frame shaped like the CLI's output, for review/annex/override tests.

A CMRT-like input's columns, the provenance columns and the matcher's RESULT_COLUMNS; CIDs and
names are real RMI facilities of the 2026-08-22 export (fixture ``exports_reference``).
"""

from __future__ import annotations

import pandas as pd

from smelter_match.results import make_row_ids

STAMP = "CMRT 6.5 / list 2026-08-22 #test"
WHEN = "2026-08-23T10:00:00Z"
INJECTION = '=HYPERLINK("http://evil.example","click")'
#: What the matcher writes in ``explanation`` for review and no_match rows (shape only).
EXPLANATION = "score lowered by: the names differ; raised by: same country"



def _cands(*items: tuple[str, str, float]) -> str:
    return " ; ".join(f"{c}|{n}|{s}" for c, n, s in items)


ACC = ("CID000015", "Advanced Chemical Company", 0.97)
AIDA = ("CID000019", "Aida Chemical Industries Co., Ltd.", 0.62)
ABI = ("CID002708", "Abington Reldan Metals, LLC", 0.41)
CHT = ("CID001070", "China Tin Group Co., Ltd.", 0.55)
MSC = ("CID001105", "Malaysia Smelting Corporation (MSC)", 0.95)
TUNG = ("CID000004", "A.L.M.T. Corp.", 0.5)

# name, metal, country, reported cid, supplier, file, row, cid, decision, score, candidates, flags
ROWS = [
    ("Advanced Chemical Co", "Gold", "USA", "", "Acme Corp", "a.xlsx", 5, ACC, "match", ""),
    ("Aida Chem", "Gold", "Japan", "", "Acme Corp", "a.xlsx", 6, AIDA, "review", ""),
    ("Abington | Reldan", "Gold", "USA", "", "Beta Ltd", "b.csv", 2, ABI, "review", ""),
    (INJECTION, "Gold", "-Japan", "", "=cmd|' /C calc'!A0", "b.csv", 3, ACC, "review", ""),
    ("ACME Trading", "Gold", "", "", "Beta Ltd", "b.csv", 4, None, "no_match", ""),
    ("Unknown", "Tin", "", "", "Beta Ltd", "b.csv", 5, None, "no_match", ""),
    ("China Tin", "Tin", "China", "", "Gamma", "c.xlsx", 9, CHT, "review", ""),
    ("Malaysia Smelting Corp", "Tin", "Malaysia", "CID001105", "Gamma", "c.xlsx", 10, MSC,
     "match", "removed_cid"),
    ("advanced chemical company", "Gold", "US", "", "ACME CORP", "c.xlsx", 11, ACC, "match", ""),
    ("Some refinery", "Gold", "", "", "Gamma", "c.xlsx", 12, None, "no_match", ""),
    ("Tungsten guys", "Tungsten", "Japan", "", "Gamma", "c.xlsx", 13, TUNG, "review", ""),
    ("Other Co", "Gold", "", "", "Gamma", "c.xlsx", 14, None, "no_match", ""),
]


def make_results() -> pd.DataFrame:
    """Results as the CLI would produce them for a CMRT-like input (with a 'Metal' column)."""
    recs = []
    for name, metal, country, rcid, company, file, row, best, decision, flags in ROWS:
        cands = [best] if best else []
        if best is AIDA:
            cands = [AIDA, ABI, ACC]
        if best is ABI:
            cands = [ABI, ACC]
        rec = {
            "Metal": metal, "Smelter Name": name, "Smelter Country": country,
            "Smelter Identification Number": rcid, "Comments": f"note {row}",
            "source_file": file, "source_row": row, "supplier_company": company,
            "cid": best[0] if best and decision != "no_match" else "",
            "standard_name": best[1] if best and decision != "no_match" else "",
            "metal": metal,
            "country": "", "rmap_status": "Conformant" if best else "",
            "score": best[2] if best else 0.05,
            "smelter_score": 0.99 if decision == "match" else 0.6, "decision": decision,
            "reason": "exact RMI alias" if decision == "match" else "fuzzy name",
            "explanation": "" if decision == "match" else EXPLANATION,
            "candidates": _cands(*cands), "flags": flags, "reference_version": STAMP,
        }
        recs.append(rec)
    df = pd.DataFrame(recs)
    df.insert(0, "row_id", make_row_ids(df))
    return df


def one_name_twice() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Results where "Aida Chem" (Gold, Japan) is reported on two rows, their review, and the
    two rows' ids (for reviews that answer one name two ways)."""
    from smelter_match.review import write_review

    results = make_results()
    results.loc[results["Smelter Name"] == "Tungsten guys", ["Smelter Name", "Metal", "metal"]] = [
        "Aida Chem", "Gold", "Gold"]
    results["row_id"] = make_row_ids(results)
    review = write_review(results, None)
    return results, review, review.loc[review["reported_name"] == "Aida Chem", "row_id"].tolist()


def rid(results: pd.DataFrame, name: str) -> str:
    return results.loc[results["Smelter Name"] == name, "row_id"].iloc[0]


def fill(review: pd.DataFrame, answers: dict[str, tuple[str, str, str]]) -> pd.DataFrame:
    """Fill analyst columns: {row_id: (verdict, analyst_cid, comment)}."""
    out = review.copy()
    for row_id, (verdict, cid, comment) in answers.items():
        mask = out["row_id"] == row_id
        assert mask.any(), row_id
        out.loc[mask, "analyst_verdict"] = verdict
        out.loc[mask, "analyst_cid"] = cid
        out.loc[mask, "analyst_comment"] = comment
    return out


def analyst_answers(results: pd.DataFrame) -> dict[str, tuple[str, str, str]]:
    return {
        rid(results, "Aida Chem"): ("Accept", "", "looks right"),
        rid(results, "Abington | Reldan"): ("other", "cid 15", "it is Advanced Chemical"),
        rid(results, INJECTION): ("not a smelter", "", "=junk"),
        rid(results, "China Tin"): ("unsure", "", ""),
        # "Tungsten guys" left blank
    }
