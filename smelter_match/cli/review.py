"""``smelter-match review apply``: an analyst's filled review file back into the results."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

from smelter_match.cli._common import (
    CommonOptions,
    check_outputs,
    get_reference,
    note,
    plural,
    recorded_stamps,
)

DESCRIPTION = """\
Apply a filled review file (the .xlsx workbook or CSV written by 'match --review') to the
results it was made from: accepted and corrected rows become matches, not_a_smelter rows
no_match, unsure rows become review. Prints what changed. With --overrides the decisions are
saved for next time (the same name, metal and country then resolve automatically, or stay in
review when the analyst was unsure); with
--export-labels they are also written as training labels for 'smelter-match train --labels'.

The reference is the one that produced the results (recorded in their reference_version
column and remembered on this computer); --reference overrides it.
"""


def add_parser(sub: argparse._SubParsersAction, common: CommonOptions) -> None:
    p = sub.add_parser("review", help="apply a filled review file",
                       description="Work with review files.")
    rsub = p.add_subparsers(dest="review_command", metavar="COMMAND", required=True)
    a = rsub.add_parser("apply", parents=[common.reference, common.output],
                        help="apply analyst decisions to the results; update annex and overrides",
                        description=DESCRIPTION,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("review_file", metavar="REVIEW",
                   help="the filled review file (.xlsx workbook or CSV)")
    a.add_argument("--results", required=True, metavar="FILE",
                   help="results CSV written by 'match'")
    a.add_argument("-o", "--output", metavar="FILE",
                   help="updated results CSV (default: overwrite --results)")
    a.add_argument("--annex", metavar="FILE", help="write the updated facility annex CSV")
    a.add_argument("--overrides", metavar="FILE", help="alias-override file to create or update")
    a.add_argument("--export-labels", metavar="FILE",
                   help="also write the decisions as training labels (for 'train --labels')")
    a.set_defaults(func=run_review_apply)


def run_review_apply(args: argparse.Namespace) -> int:
    from smelter_match.annex import build_annex, left_to_review
    from smelter_match.cli._report import apply_summary
    from smelter_match.io.safe_csv import read_safe_csv, replaced_whole, write_csv
    from smelter_match.labels import check_labels_path, export_training_labels
    from smelter_match.overrides import (
        merge_overrides,
        now_utc,
        replaced_overrides,
        text_key,
    )
    from smelter_match.results import result_column
    from smelter_match.review_apply import apply_review

    target = args.output or args.results
    outputs = {"annex": args.annex, "override file": args.overrides,
               "training labels": args.export_labels}
    csv_only = ("updated results", *outputs)
    check_outputs({"updated results": target, **outputs}, inputs=[args.review_file],
                  csv_only=csv_only, kept=getattr(args, "reference", None) or ())
    check_outputs(outputs, inputs=[args.results], csv_only=csv_only)   # only -o may replace it
    if args.export_labels:
        check_labels_path(args.export_labels)
    if not Path(args.review_file).is_file():   # before the reference's note is printed
        from smelter_match.errors import InputError

        raise InputError(f"{args.review_file}: review file not found")
    if "-" in (args.output, args.annex, args.overrides, args.export_labels):
        from smelter_match.errors import InputError

        raise InputError("review apply writes files only; '-' (standard output) is not an "
                         "output here")
    # the input's columns go back out as they were (leading zeros, spaces: not stripped)
    results = read_safe_csv(args.results, what="results file", strip=False)
    result_column(results, "decision")   # not a results file: say so before asking for a reference
    stamps = recorded_stamps(results, result_column(results, "reference_version", required=False))
    ref = get_reference(args, recorded=stamps, recorded_in=args.results, recorded_first=True)
    decided_at = now_utc()
    updated, overrides, report = apply_review(args.review_file, results, ref,
                                              decided_at=decided_at)
    # everything is read and checked (the override file too) before any file is written
    labels = export_training_labels(args.review_file, None, results=updated) \
        if args.export_labels else None
    merged = merge_overrides(overrides, args.overrides) if args.overrides else None
    replaced = replaced_overrides(args.overrides, merged) if args.overrides else []
    annex = build_annex(updated, ref) if args.annex else None
    # written to temporary files and put in place together: an interrupted apply leaves the
    # old files or the new ones, never updated results beside an override file without the
    # analyst's decisions
    with contextlib.ExitStack() as together:
        for frame, path in ((updated, target), (annex, args.annex), (merged, args.overrides),
                            (labels, args.export_labels)):
            if frame is not None:
                write_csv(frame, together.enter_context(replaced_whole(path)))
    for line in apply_summary(report, review_file=args.review_file, target=target):
        note(args, line)
    if args.overrides:
        conflicts, other = report["override_conflicts"], report["override_other_metal"]
        extra = (f"; left out, as one review answered them differently: {', '.join(conflicts)}"
                 if conflicts else "") + (
            f"; left out, as their rows report a metal other than tin, tantalum, tungsten or "
            f"gold: {', '.join(other)}" if other else "") + (
            f"; left out, as their rows report no name: row_id "
            f"{', '.join(report['override_nameless'])}" if report["override_nameless"] else "") + (
            "; left out, as their rows report a country not read as one (decide them again "
            f"there): {', '.join(report['override_unread_country'])}"
            if report["override_unread_country"] else "")
        note(args, f"Saved {plural(report['overrides'], 'decision')} to {args.overrides}{extra}.")
        for was, now in replaced:
            note(args, f"Note: the override for {now.reported_name!r} ({now.metal or 'any metal'}"
                       f", {now.country or 'any country'}) was {was.cid or was.verdict} (decided "
                       f"{was.decided_at}) and is now {now.cid or now.verdict} (decided "
                       f"{now.decided_at}).")
        keys = {text_key(n) for n in conflicts}
        earlier = merged["key"].isin(keys) & (merged["decided_at"] != decided_at)
        for r in merged[earlier].itertuples(index=False):
            note(args, f"Note: the earlier override for {r.reported_name!r} "
                       f"({r.metal or 'any metal'}, {r.country or 'any country'}: "
                       f"{r.cid or r.verdict}) still applies; edit {args.overrides} if this "
                       f"review means it no longer does.")
        # an unsure answer does not undo a decision made for a metal or a country of its own
        doubted = set(overrides.loc[overrides["verdict"] == "unsure", "key"])
        for r in merged[merged["key"].isin(doubted) & (merged["verdict"] != "unsure")].itertuples(
                index=False):
            note(args, f"Note: {r.reported_name!r} is still {r.cid or r.verdict} for "
                       f"{r.metal or 'any metal'}, {r.country or 'any country'} (decided "
                       f"{r.decided_at} for those rows): the unsure answer covers the name's "
                       f"other rows; edit {args.overrides} if it should cover these too.")
    if args.annex:
        waiting = left_to_review(updated)
        note(args, f"Wrote {args.annex}" + (f" ({plural(waiting, 'row')} still to review are not "
                                            "in it)" if waiting else "") + ".")
    if args.export_labels:
        note(args, f"Wrote training labels to {args.export_labels}.")
    return 0
