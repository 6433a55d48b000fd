"""What changed between two RMI references: facilities added, removed, renamed, moved, re-statused.

``smelter-match reference diff OLD NEW`` prints it; a compliance analyst reads it when a new RMI
list arrives, to see which filed facilities changed.
"""

from __future__ import annotations

import pandas as pd

from smelter_match.reference import Reference


def diff_references(old: Reference, new: Reference) -> pd.DataFrame:
    """What changed from ``old`` to ``new``: facilities added, removed, renamed, moved, re-statused.

    Returns one row per change: change, cid, metal, old, new. "removed" is a facility the new
    side's revision log marks removed that the old side did not (without a log of its own: that
    its newest list carried); "dropped_from_list" one the old side's newest list carried and
    the new side's does not, without a logged removal (also when the new side does not know
    the CID at all);
    "reinstated" a facility removed on the old side and not on the new (RMI's "Returned to
    operations"; only when the new side has a revision log, without which nothing reads as
    removed). "added" is a facility the new side's newest smelter list carries and the old
    side's did not (one known only from the revision log's history or an RMAP list is not
    added). "moved"
    needs a different country (compared by ISO code) or two different known cities; a location
    that is merely unknown on one side is not a move. Status changes are reported only when both
    sides include the same RMAP lists (conformant, active): a list one side lacks would read as
    every facility on it changing status.
    """
    a = old.facilities.set_index(["cid", "metal"])
    b = new.facilities.set_index(["cid", "metal"])
    kinds = [{f.get("kind") for f in r.version.files} for r in (old, new)]
    lists = [k & {"conformant", "active"} for k in kinds]
    both_have_rmap = bool(lists[0]) and lists[0] == lists[1]
    new_has_log = "revisions" in kinds[1]   # without it no facility reads as removed
    old_has_log = "revisions" in kinds[0]
    rows = []
    for key in sorted(set(a.index) | set(b.index)):
        cid, metal = key
        if key not in a.index:
            if not b.loc[key, "removed"] and b.loc[key, "in_latest_list"]:
                rows.append(("added", cid, metal, "", b.loc[key, "standard_name"]))
            continue
        if key not in b.index:
            if a.loc[key, "in_latest_list"] and not a.loc[key, "removed"]:
                # on the old list, unknown to the new side: gone without a logged removal
                rows.append(("dropped_from_list", cid, metal, a.loc[key, "standard_name"], ""))
            continue
        x, y = a.loc[key], b.loc[key]
        # without a log of its own, the old side knows a removal only by the list's silence: one
        # the new log dates before the old list (absent from it) is no change between the two
        if not x["removed"] and y["removed"] and (old_has_log or x["in_latest_list"]):
            rows.append(("removed", cid, metal, x["standard_name"],
                         f"{y['removed_date']} {y['removed_reason']}".strip()))
        reinstated = x["removed"] and not y["removed"] and new_has_log
        if reinstated:
            rows.append(("reinstated", cid, metal, f"removed {x['removed_date']}".strip(),
                         y["last_revision"] or y["standard_name"]))
        elif not x["in_latest_list"] and y["in_latest_list"] and not y["removed"]:
            # known to the old side (from an RMAP list or an older smelter list), new on the list
            rows.append(("added", cid, metal, "", y["standard_name"]))
        if x["in_latest_list"] and not y["in_latest_list"] and not y["removed"]:
            rows.append(("dropped_from_list", cid, metal, x["standard_name"], ""))
        if x["standard_name"] != y["standard_name"]:
            rows.append(("renamed", cid, metal, x["standard_name"], y["standard_name"]))
        if _moved(x, y):
            rows.append(("moved", cid, metal, f"{x['city']}, {x['country']}".strip(", "),
                         f"{y['city']}, {y['country']}".strip(", ")))
        if both_have_rmap and x["rmap_status"] != y["rmap_status"]:
            rows.append(("status", cid, metal, x["rmap_status"] or "(neither list)",
                         y["rmap_status"] or "(neither list)"))
    return pd.DataFrame(rows, columns=["change", "cid", "metal", "old", "new"])


def _moved(x: pd.Series, y: pd.Series) -> bool:
    """Different country (by ISO code when both have one) or two different known cities."""
    if x["country"] and y["country"]:
        if x["country_code"] and y["country_code"]:
            if x["country_code"] != y["country_code"]:
                return True
        elif x["country"] != y["country"]:
            return True
    return bool(x["city"] and y["city"] and x["city"] != y["city"])
