"""``smelter-match review apply``: an analyst's filled review file back into the results."""

from __future__ import annotations

import argparse

from smelter_match.cli._common import CommonOptions, get_reference, note


def add_parser(sub: argparse._SubParsersAction, common: CommonOptions) -> None:
    p = sub.add_parser("review", help="apply a filled review file")
    rsub = p.add_subparsers(dest="review_command", metavar="COMMAND", required=True)
    a = rsub.add_parser("apply", parents=[common.reference, common.output],
                        help="apply analyst decisions to the results; update annex and overrides")
    a.add_argument("review_file")
    a.add_argument("--results", required=True, help="results CSV written by 'match'")
    a.add_argument("-o", "--output", help="updated results CSV (default: overwrite --results)")
    a.add_argument("--annex", help="write the updated facility annex CSV")
    a.add_argument("--overrides", help="alias-override file to create or update")
    a.add_argument("--export-labels", help="also write the decisions as training labels")
    a.set_defaults(func=run_review_apply)


def run_review_apply(args: argparse.Namespace) -> int:
    from smelter_match.annex import build_annex, write_annex
    from smelter_match.io.safe_csv import read_safe_csv, write_csv
    from smelter_match.overrides import save_overrides
    from smelter_match.review import apply_review, export_training_labels

    results = read_safe_csv(args.results, what="results file")
    ref = get_reference(args)
    updated, overrides, report = apply_review(args.review_file, results, ref)
    target = args.output or args.results
    write_csv(updated, target)
    if args.annex:
        write_annex(build_annex(updated, ref), args.annex)
    if args.overrides:
        save_overrides(overrides, args.overrides)
    if args.export_labels:
        export_training_labels(args.review_file, args.export_labels)
    note(args, f"review applied: {report} -> {target}")
    return 0
