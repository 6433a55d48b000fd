"""``smelter-match match``: supplier lists in, results (and review file, annex) out."""

from __future__ import annotations

import argparse
import sys
import time

import pandas as pd

from smelter_match.cli._common import CommonOptions, get_reference, note
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


def add_parser(sub: argparse._SubParsersAction, common: CommonOptions) -> None:
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
    from smelter_match.annex import build_annex, write_annex
    from smelter_match.io.inputs import read_inputs
    from smelter_match.io.safe_csv import write_csv
    from smelter_match.matcher import Matcher
    from smelter_match.results import make_row_ids, result_column
    from smelter_match.review import write_review

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
