"""The filing annex: the de-duplicated list of matched facilities with their RMAP status.

Like Annex A of Inogen's 2020 Form SD: metal, RMI standard name, country, RMAP status, CID, plus
how many suppliers and rows reported the facility. RMAP status uses the filing wording:
``Conformant``, ``Active`` or ``Unknown``, where **Unknown means "on neither the RMI Conformant nor
the Active list"** (the facility's status cannot be determined from RMI data) - it does not mean
non-conformant - and ``Not checked`` means no RMAP list was among the reference files (or only
one of the two, which does not list the facility). Rows
still to review are not in it: they enter when an analyst decides them (``review apply``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smelter_match.io.safe_csv import write_csv
from smelter_match.io.tables import clean_text
from smelter_match.reference import NOT_CHECKED, Reference
from smelter_match.results import (
    column_text,
    facility_flags,
    meta_column,
    parse_flags,
    result_column,
    text_labelled,
)

ANNEX_COLUMNS: tuple[str, ...] = (
    "metal", "smelter_name", "country", "rmap_status", "cid", "suppliers", "rows", "flags",
)


def _status_word(status: str) -> str:
    return status if status in ("Conformant", "Active", NOT_CHECKED) else "Unknown"


def left_to_review(results: pd.DataFrame) -> int:
    """Rows still decided ``review``: the annex lists ``match`` rows only, so the facilities
    these may be are not in it until an analyst decides them (``review apply``)."""
    results = text_labelled(results)
    col = result_column(results, "decision")
    return sum(clean_text(v) == "review" for v in results[col].tolist())


def build_annex(results: pd.DataFrame, reference: Reference | None = None) -> pd.DataFrame:
    """The de-duplicated facility list of all ``match`` rows, for a filing (cf. Inogen Annex A).

    One row per (metal, CID) with columns :data:`ANNEX_COLUMNS`: metal, smelter_name (RMI standard
    name), country, rmap_status, cid, suppliers (distinct ``supplier_company``, or
    ``source_file`` for rows without a company; compared ignoring case and spacing; 0 when the
    results carry neither), rows (result rows reporting the facility) and flags.

    ``rmap_status`` is ``Conformant``, ``Active`` or ``Unknown``; **Unknown means the facility is
    on neither the RMI Conformant nor the Active list** (as in Inogen's filing: its status cannot be
    determined), not that it failed an audit; ``Not checked`` when the reference has no RMAP list
    (a CMRT workbook alone: load RMI's conformant and active lists with it), or only one of the
    two lists and the facility is not on it.

    With ``reference``, name, country and status come from it (current data) and flags say
    ``removed_cid`` (+ ``removed=<date>`` and ``successor=<CID>``) for facilities RMI removed,
    ``not_in_latest_list`` for facilities the newest smelter list among the reference files does
    not carry (a filing may list only facilities on RMI's current list), or
    ``not_in_reference``. Without it, the results' own values and removal flags are used.
    ``review`` rows are not in it (:func:`left_to_review`). Sorted by metal, then name, then CID.
    """
    results = text_labelled(results)   # (Matcher.match's output of a MultiIndex-labelled frame)
    col = {n: result_column(results, n) for n in
           ("cid", "standard_name", "metal", "country", "rmap_status", "decision", "flags")}
    m = results[[clean_text(v) == "match" for v in results[col["decision"]].tolist()]]
    cids = column_text(m, col["cid"])
    metals = column_text(m, col["metal"])
    companies = column_text(m, meta_column(m, "supplier_company"))
    files = column_text(m, meta_column(m, "source_file"))
    names = column_text(m, col["standard_name"])
    countries = column_text(m, col["country"])
    statuses = column_text(m, col["rmap_status"])
    flag_lists = column_text(m, col["flags"])

    groups: dict[tuple[str, str], dict] = {}
    for j, cid in enumerate(cids):
        if not cid:
            continue
        metal = metals[j]
        if not metal and reference is not None:
            found = reference.metals_of(cid)
            metal = found[0] if len(found) == 1 else ""
        g = groups.setdefault((metal, cid), {"rows": 0, "suppliers": set(), "name": names[j],
                                             "country": countries[j], "status": statuses[j],
                                             "flags": []})
        g["rows"] += 1
        who = companies[j] or files[j]
        if who:
            g["suppliers"].add(" ".join(who.casefold().split()))
        for f in parse_flags(flag_lists[j]):
            if (f == "removed_cid" or f.startswith(("successor=", "removed="))) \
                    and f not in g["flags"]:
                g["flags"].append(f)
    rows = []
    for (metal, cid), g in groups.items():
        name, country, status, flags = g["name"], g["country"], g["status"], g["flags"]
        if reference is not None:
            fac = reference.facility(cid, metal) if metal else reference.facility(cid)
            if fac is None:
                flags = ["not_in_reference"]
            else:
                metal = fac["metal"]
                name, country, status = fac["standard_name"], fac["country"], fac["rmap_status"]
                flags = facility_flags(fac)
                if fac.get("removed") and fac.get("removed_date"):
                    flags.insert(1, f"removed={fac['removed_date']}")
                if not fac.get("removed") and not fac.get("in_latest_list", True):
                    flags.append("not_in_latest_list")
        rows.append({
            "metal": metal, "smelter_name": name, "country": country,
            "rmap_status": _status_word(status), "cid": cid, "suppliers": len(g["suppliers"]),
            "rows": g["rows"], "flags": ";".join(flags),
        })
    annex = pd.DataFrame(rows, columns=list(ANNEX_COLUMNS))
    if annex.empty:
        return annex.astype({"suppliers": int, "rows": int})
    annex["_name"] = annex["smelter_name"].str.casefold()
    annex = annex.sort_values(["metal", "_name", "cid"], kind="stable").drop(columns="_name")
    return annex.reset_index(drop=True).astype({"suppliers": int, "rows": int})


def write_annex(df: pd.DataFrame, path: str | Path) -> None:
    """Write an annex (from :func:`build_annex`) as an Excel-safe UTF-8-BOM CSV."""
    write_csv(df, path)
