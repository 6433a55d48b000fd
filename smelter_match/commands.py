"""CLI subcommands for the matching workflow: ``match``, ``review apply``, ``train``, ``evaluate``.

Registered into :mod:`smelter_match.cli` with its ``@subcommand`` registry; each handler is a thin
layer over the Python API (readers -> Matcher -> workflow writers).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from smelter_match.cli import CommonOptions, get_reference, note, out, subcommand
from smelter_match.errors import InputError


class _Progress:
    """A one-line progress bar on stderr (only when stderr is a terminal and not --quiet)."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled, self.start = total, enabled and sys.stderr.isatty(), time.time()

    def __call__(self, done: int) -> None:
        if not self.enabled or not self.total:
            return
        frac = done / self.total
        bar = "#" * int(frac * 30)
        rate = done / max(time.time() - self.start, 1e-9)
        print(f"\r[{bar:<30}] {done:,}/{self.total:,} rows  {rate:,.0f} rows/s", end="",
              file=sys.stderr, flush=True)
        if done >= self.total:
            print(file=sys.stderr)


@subcommand
def add_match(sub: argparse._SubParsersAction, common: CommonOptions) -> None:
    p = sub.add_parser("match", parents=[common.reference, common.output],
                       help="match supplier smelter lists (CSV, XLSX, CMRT workbooks, folders)")
    p.add_argument("inputs", nargs="+", metavar="INPUT")
    p.add_argument("-o", "--output", required=True, help="results CSV (every input row, in order)")
    p.add_argument("--review", help="write the rows needing review to this CSV")
    p.add_argument("--review-no-match", type=float, default=0, metavar="N",
                   help="also put N no_match rows (or a fraction if < 1) in the review file")
    p.add_argument("--blind", action="store_true", help="review file without scores or ordering")
    p.add_argument("--annex", help="write the de-duplicated facility list (filing annex) CSV")
    p.add_argument("--overrides", help="analyst override file from 'review apply'")
    p.add_argument("--model", help="model JSON (default: the shipped model)")
    for role in ("name", "metal", "country", "cid"):
        p.add_argument(f"--{role}-col", help=f"input column holding the {role}")
    p.set_defaults(func=run_match)


def run_match(args: argparse.Namespace) -> int:
    from smelter_match.matcher import Matcher
    from smelter_match.readers import read_inputs
    from smelter_match.safe_csv import write_csv
    from smelter_match.workflow import (
        build_annex,
        make_row_ids,
        result_column,
        write_annex,
        write_review,
    )

    t0 = time.time()
    tables = read_inputs(args.inputs, name_col=args.name_col, metal_col=args.metal_col,
                         country_col=args.country_col, cid_col=args.cid_col)
    ref = get_reference(args)
    matcher = Matcher(ref, model=args.model, overrides=args.overrides)
    total = sum(len(t.frame) for t in tables)
    progress = _Progress(total, not args.quiet)
    parts, done = [], 0
    for t in tables:
        res = matcher.match(t.frame, name=t.name_col, metal=t.metal_col, country=t.country_col,
                            reported_cid=t.cid_col,
                            progress=lambda n, base=done: progress(base + n))
        done += len(t.frame)
        # provenance columns; an input that already carries one keeps its own (never overwritten)
        for pos, (col, value) in enumerate((("source_file", t.source),
                                            ("source_row", t.row_numbers),
                                            ("supplier_company", t.company or ""))):
            if col not in res.columns:
                res.insert(pos, col, value)
        parts.append(res)
    results = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if not len(results):
        raise InputError("no rows to match in the given inputs")
    if "row_id" not in results.columns:
        results.insert(0, "row_id", make_row_ids(results).values)
    elif not results["row_id"].astype(str).is_unique:
        raise InputError("the input's 'row_id' column is not unique; rename it or make it unique")
    write_csv(results, args.output)
    if args.review:
        n = args.review_no_match
        write_review(results, args.review, include_no_match=int(n) if n >= 1 else n,
                     blind=args.blind, input_columns={"name": tables[0].name_col,
                                                      "metal": tables[0].metal_col,
                                                      "country": tables[0].country_col,
                                                      "cid": tables[0].cid_col})
    if args.annex:
        write_annex(build_annex(results, ref), args.annex)
    counts = results[result_column(results, "decision")].value_counts()
    note(args, f"{len(results):,} rows: {counts.get('match', 0):,} match, "
               f"{counts.get('review', 0):,} review, {counts.get('no_match', 0):,} no_match "
               f"in {time.time() - t0:.1f} s -> {args.output}")
    return 0


@subcommand
def add_review(sub: argparse._SubParsersAction, common: CommonOptions) -> None:
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
    from smelter_match.overrides import export_training_labels, read_text_csv, save_overrides
    from smelter_match.safe_csv import write_csv
    from smelter_match.workflow import apply_review, build_annex, write_annex

    results = read_text_csv(args.results, what="results file")
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


@subcommand
def add_train(sub: argparse._SubParsersAction, common: CommonOptions) -> None:
    p = sub.add_parser("train", parents=[common.reference, common.output],
                       help="rebuild the classifier deterministically")
    p.add_argument("--gold", default="reference_data/gold/dataio_2020.csv",
                   help="gold CSV whose rows join the synthetic training pairs")
    p.add_argument("-o", "--output", default=str(Path(__file__).parent / "models" / "default.json"))
    p.set_defaults(func=run_train)


def run_train(args: argparse.Namespace) -> int:
    from smelter_match.training import train

    model = train(get_reference(args), args.gold or None, args.output)
    out(f"model written to {args.output}: match >= {model.match_threshold:.4f}, "
        f"review >= {model.review_threshold:.4f}")
    return 0


@subcommand
def add_evaluate(sub: argparse._SubParsersAction, common: CommonOptions) -> None:
    p = sub.add_parser("evaluate", parents=[common.reference, common.output],
                       help="measure accuracy on a hand-labelled gold CSV")
    p.add_argument("gold")
    p.add_argument("--cv", action="store_true",
                   help="nested cross-validation (retrains per fold): required for gold rows the "
                        "shipped model was trained on")
    p.add_argument("--out", default="benchmarks/results", help="folder for JSON/Markdown/errors")
    p.add_argument("--model", help="model JSON (default: the shipped model)")
    p.set_defaults(func=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    from smelter_match.classify import Model
    from smelter_match.matcher import Matcher
    from smelter_match.training import evaluate_cv, evaluate_model, write_evaluation

    if not Path(args.gold).is_file():
        raise InputError(f"{args.gold}: no such gold file")
    ref = get_reference(args)
    model = Model.load(args.model)
    trained_on = Path(str(model.metadata.get("trained_with", {}).get("gold", ""))).name
    if not args.cv and trained_on and trained_on == Path(args.gold).name:
        raise InputError(f"the model was trained on {trained_on}; use --cv for an honest figure")
    result = evaluate_cv(ref, args.gold) if args.cv else evaluate_model(Matcher(ref, model), args.gold)
    stem = Path(args.gold).stem + ("_cv" if args.cv else "")
    out(write_evaluation(result, f"Evaluation on {Path(args.gold).name}",
                         str(Path(args.out) / f"evaluation_{stem}")))
    return 0
