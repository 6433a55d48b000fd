"""``smelter-match reference import | info | diff``: import, inspect and compare RMI reference data."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from smelter_match.cli._common import (
    EXIT_OK,
    CommonOptions,
    check_outputs,
    format_table,
    get_reference,
    note,
    out,
)

# ------------------------------------------------------------------------------------------------
# reference import / info / diff
# ------------------------------------------------------------------------------------------------

def add_parser(sub: argparse._SubParsersAction, common: CommonOptions) -> None:
    """``reference``: import, inspect and compare RMI reference data."""
    p = sub.add_parser("reference", help="import, inspect and compare RMI reference data",
                       description="Import, inspect and compare RMI reference data.")
    rsub = p.add_subparsers(dest="reference_command", metavar="{import,info,diff}", required=True)

    imp = rsub.add_parser(
        "import", parents=[common.output], help="compile RMI files and remember them as default",
        description="Read CMRT workbooks / RMI exports (files or folders), merge them, and "
                    "remember the result as the default reference for later commands.",
    )
    imp.add_argument("paths", nargs="+", metavar="PATH", help="CMRT workbook, RMI export or folder")
    imp.set_defaults(func=run_reference_import)

    info = rsub.add_parser(
        "info", parents=[common.reference, common.output],
        help="show version, files and counts of a reference",
        description="Show what a reference was built from and what it holds.",
    )
    info.add_argument("--json", action="store_true", help="print the summary as JSON")
    info.set_defaults(func=run_reference_info)

    diff = rsub.add_parser(
        "diff", parents=[common.output],
        help="what changed between two RMI versions",
        description="Compare two references (each a file or folder; add more files to either "
                    "side with --old / --new): facilities added, removed, reinstated (removed "
                    "on the old side, not on the new), dropped_from_list (on the old "
                    "side's newest list, not on the new side's, with no logged removal), "
                    "renamed, moved, status changes.",
    )
    diff.add_argument("old", nargs="?", metavar="OLD", help="older reference (file or folder)")
    diff.add_argument("new", nargs="?", metavar="NEW", help="newer reference (file or folder)")
    diff.add_argument("--old", dest="old_extra", action="append", default=[], metavar="PATH",
                      help="another file/folder for the old side (repeatable)")
    diff.add_argument("--new", dest="new_extra", action="append", default=[], metavar="PATH",
                      help="another file/folder for the new side (repeatable)")
    diff.add_argument("--csv", metavar="FILE", help="also write every change to FILE (CSV)")
    diff.add_argument("--limit", type=_at_least_one, default=0, metavar="N",
                      help="show at most N rows per kind of change (default: all)")
    diff.set_defaults(func=run_reference_diff, _diff_parser=diff)


def run_reference_import(args: argparse.Namespace) -> int:
    """Compile the given files and save them as the default reference."""
    from smelter_match.reference import import_reference

    ref, target = import_reference(*args.paths)
    if not args.quiet:
        _print_summary(ref)
        out()
        out(f"Saved as the default reference: {target}")
    return EXIT_OK


def run_reference_info(args: argparse.Namespace) -> int:
    """Print the version stamp, files and counts of the chosen reference."""
    ref = get_reference(args)
    if args.json:
        out(json.dumps(_summary_dict(ref), indent=2, ensure_ascii=False, default=str))
    else:
        _print_summary(ref)
    return EXIT_OK


#: Order of change kinds in ``reference diff`` output.
CHANGE_ORDER = ["added", "removed", "reinstated", "dropped_from_list", "renamed", "moved",
                "status"]


def _at_least_one(text: str) -> int:
    """``--limit``: a whole number from 1 (0 and -3 were taken for "all", silently)."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n >= 1:
        return n
    raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 (leave it out for "
                                     "every change)")


def run_reference_diff(args: argparse.Namespace) -> int:
    """Print (and optionally write) the changes from the OLD to the NEW reference."""
    import pandas as pd

    from smelter_match.reference import load_reference
    from smelter_match.reference_diff import diff_references

    old_paths = [p for p in [args.old, *args.old_extra] if p]
    new_paths = [p for p in [args.new, *args.new_extra] if p]
    if not old_paths or not new_paths:
        args._diff_parser.error("give both an OLD and a NEW reference (positional or --old/--new)")
    check_outputs({"changes CSV": args.csv}, inputs=[*old_paths, *new_paths],
                  csv_only=("changes CSV",))
    # every path there before either is loaded: a failed run's stderr is its error alone
    _missing = next((q for q in (*old_paths, *new_paths) if not Path(q).expanduser().exists()),
                    None)
    if _missing is not None:
        from smelter_match.errors import ReferenceLoadError

        raise ReferenceLoadError(f"{_missing}: file or folder not found")
    old = load_reference(*old_paths)
    new = load_reference(*new_paths)
    changes = diff_references(old, new)

    out(f"Old: {old.version.stamp}  ({', '.join(_labels(old))})")
    out(f"New: {new.version.stamp}  ({', '.join(_labels(new))})")
    out()
    counts = changes["change"].value_counts()
    kinds = [k for k in CHANGE_ORDER if k in counts] + sorted(set(counts.index) - set(CHANGE_ORDER))
    if not kinds:
        out("No changes.")
    else:
        out(format_table(pd.DataFrame(
            {"change": kinds, "count": [int(counts[k]) for k in kinds]})))
        for kind in kinds:
            rows = changes[changes["change"] == kind].drop(columns="change")
            out()
            out(f"{kind} ({len(rows)}):")
            shown = rows.head(args.limit) if args.limit > 0 else rows
            out(format_table(shown))
            if len(shown) < len(rows):
                out(f"... {len(rows) - len(shown)} more (see --csv)")
    if args.csv:
        from smelter_match.io.safe_csv import write_csv

        write_csv(changes, args.csv)
        note(args, f"wrote {len(changes)} change(s) to {args.csv}")
    return EXIT_OK


def _labels(ref) -> list[str]:  # noqa: ANN001 - Reference
    return list(dict.fromkeys(f["label"] for f in ref.version.files))


def _summary_dict(ref) -> dict:  # noqa: ANN001 - Reference
    f, n = ref.facilities, ref.names
    by_metal = {}
    for metal, g in f.groupby("metal"):
        by_metal[metal] = {
            "facilities": len(g), "current": int(g["in_latest_list"].sum()),
            "removed": int(g["removed"].sum()),
            "conformant": int((g["rmap_status"] == "Conformant").sum()),
            "active": int((g["rmap_status"] == "Active").sum()),
        }
    return {
        "version": ref.version.stamp,
        "template_version": ref.version.template_version,
        "list_date": ref.version.list_date,
        "content_hash": ref.version.content_hash,
        "files": [{k: x.get(k, "") for k in ("label", "kind", "list_date", "name")}
                  for x in ref.version.files],
        "facilities": len(f),
        "current": int(f["in_latest_list"].sum()),
        "removed": int(f["removed"].sum()),
        "by_metal": by_metal,
        "rmap_status": f["rmap_status"].replace("", "(neither list)").value_counts().to_dict(),
        "names": len(n),
        "names_by_kind": n["kind"].value_counts().to_dict(),
        "ambiguous_names": int(n["ambiguous"].sum()),
    }


def _print_summary(ref) -> None:  # noqa: ANN001 - Reference
    import pandas as pd

    s = _summary_dict(ref)
    out(f"Reference {s['version']}")
    out(f"Template version: {s['template_version'] or '-'}   list date: {s['list_date'] or '-'}")
    out()
    out("Files:")
    out(format_table(pd.DataFrame(s["files"])[["label", "kind", "list_date", "name"]]))
    out()
    table = pd.DataFrame.from_dict(s["by_metal"], orient="index")
    table.loc["Total"] = table.sum()
    out("Facilities (CID, metal):")
    out(format_table(table.reset_index(names="metal")))
    out("  current = on the newest smelter list; conformant/active = RMAP lists "
        "(neither = not on those lists, not 'non-conformant')")
    out()
    kinds = ", ".join(f"{k} {v}" for k, v in s["names_by_kind"].items())
    out(f"Names: {s['names']} ({kinds})")
    out(f"Ambiguous names (same normalised name, several CIDs of one metal): "
        f"{s['ambiguous_names']}")
