"""``smelter-match match``: supplier lists in, results (and review file, annex) out."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from smelter_match.cli._common import (
    STDOUT,
    CommonOptions,
    check_outputs,
    get_reference,
    note,
    plural,
)
from smelter_match.errors import InputError

if TYPE_CHECKING:   # imported by the handlers: usage errors and --help cost no pandas import
    import pandas as pd

DESCRIPTION = """\
Match the smelters in supplier files against the RMI reference and write one results row per
input row, in order, with the input's columns untouched and the answer appended (cid,
standard_name, score, decision match | review | no_match, reason, flags, ...).

INPUT is any mix of:
  - CSV files (UTF-8/UTF-16, Western Windows' cp1252, or a Chinese, Japanese, Korean,
    Cyrillic, Greek, Hebrew, Arabic or Thai code page told from the text; comma, semicolon or
    tab separated),
  - Excel tables (.xlsx, .xlsm, .xls: the first visible sheet, header on the first non-empty row),
  - supplier CMRT workbooks (any 6.x; their Smelter List and Declaration tabs are read),
  - folders of such files (not searched recursively).

Columns of plain tables are recognised by name (case, spaces, underscores and punctuation do
not matter; the first name listed that a file has wins):
{synonyms}
Name another column with --name-col / --metal-col / --country-col / --cid-col. Every results
row also says where it came from: row_id, source_file, source_row, supplier_company (each named
match_<name> when an input already has a column of that name).
"""

EPILOG = """\
examples:
  # a folder of supplier CMRTs and lists -> results, an Excel review workbook and the annex
  smelter-match match suppliers/ -r ../shared/rmi/cmrt -r ../shared/rmi/exports-2026-08-22 \\
      -o results.csv --review review.xlsx --annex annex.csv

  # one CSV whose name column is called "Hütte", printed to the terminal; unreadable files skipped
  smelter-match match list.csv more/ --name-col "Hütte" --skip-bad-files -o -
"""


def _synonym_lines() -> str:
    from smelter_match.io.columns import COLUMN_SYNONYMS

    width = max(len(role) for role in COLUMN_SYNONYMS) + 1
    return "".join(f"  {role + ':':<{width}} {', '.join(names)}\n"
                   for role, names in COLUMN_SYNONYMS.items())


def _how_many(text: str) -> float:
    try:
        n = float(text)
    except ValueError:
        n = -1.0
    if 0 <= n < float("inf"):   # (not NaN, not infinite: 1 or more is a count)
        return n
    raise argparse.ArgumentTypeError(f"{text!r} is not a count of rows (0, 1, 2, ...) nor a "
                                     "fraction (0.1)")


def _workers(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n == -1 or n >= 1:
        return n
    raise argparse.ArgumentTypeError(f"{text!r} is not a number of workers (1, 2, ... or -1 "
                                     f"for every core)")


def add_parser(sub: argparse._SubParsersAction, common: CommonOptions) -> None:
    p = sub.add_parser(
        "match", parents=[common.reference, common.output],
        help="match supplier smelter lists (CSV, XLSX, CMRT workbooks, folders)",
        description=DESCRIPTION.format(synonyms=_synonym_lines()), epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="supplier file (CSV, XLSX/XLS, CMRT workbook) or folder of them")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="results CSV, every input row once and in order ('-': standard output)")
    p.add_argument("--review", metavar="FILE",
                   help="write the rows needing review: FILE.xlsx gives an Excel workbook "
                        "(verdict drop-down, candidates, a sheet explaining the verdicts), any "
                        "other name a CSV with the same columns")
    p.add_argument("--review-no-match", type=_how_many, default=0, metavar="N",
                   help="also put N no_match rows (or a fraction if < 1) in the review file")
    p.add_argument("--blind", action="store_true", help="review file without scores or ordering")
    p.add_argument("--annex", metavar="FILE",
                   help="write the de-duplicated facility list (filing annex) CSV")
    p.add_argument("--overrides", metavar="FILE",
                   help="analyst override file from 'review apply'; without --reference, the "
                        "reference it records is used when no default reference is set")
    p.add_argument("--model", metavar="FILE", help="model JSON (default: the shipped model)")
    p.add_argument("--workers", type=_workers, default=-1, metavar="N",
                   help="steps of distinct names searched side by side, each in a forked "
                        "process where that is safe, else on a thread (default -1: every core; "
                        "results do not depend on it)")
    p.add_argument("--threads", action="store_true",
                   help="search the steps on threads of this process only, never in forked "
                        "processes")
    p.add_argument("--skip-bad-files", action="store_true",
                   help="skip files that cannot be read (each listed on stderr and in "
                        "<results>_skipped.csv) instead of stopping at the first one")
    for role in ("name", "metal", "country", "cid"):
        p.add_argument(f"--{role}-col", metavar="COLUMN", help=f"input column holding the {role}")
    p.set_defaults(func=run_match)


class _Progress:
    """A tqdm progress bar on stderr, shown for runs longer than two seconds (not with --quiet
    or when stderr is not a terminal)."""

    def __init__(self, total: int, enabled: bool):
        from tqdm import tqdm

        # no monitor thread: with another thread alive the matcher's steps cannot run in forked
        # processes (smelter_match.parallel), and the bar updates after every step anyway
        tqdm.monitor_interval = 0
        self.bar = tqdm(total=total, unit="row", unit_scale=True, file=sys.stderr, delay=2.0,
                        leave=False, dynamic_ncols=True,
                        disable=not (enabled and total and sys.stderr.isatty()))
        self.done = 0

    def to(self, done: int) -> None:
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        self.bar.close()


def _skipped_report(output: str) -> Path | None:
    """Where the list of skipped files goes: beside the results (none for standard output)."""
    if output == STDOUT:
        return None
    p = Path(output)
    return p.with_name(f"{p.stem}_skipped.csv")


def _cells(table, role_col: str) -> list:  # noqa: ANN001 - InputTable
    """A table's cells of the column it was read by for a role (``name_col``...), "" if none."""
    col = getattr(table, role_col)
    return table.frame[col].tolist() if col else [""] * len(table.frame)


def _write_skipped(skipped: list[tuple[str, str]], path: Path) -> None:
    """The list of skipped files, a row each: file, reason."""
    import pandas as pd

    from smelter_match.io.safe_csv import write_csv

    write_csv(pd.DataFrame(skipped, columns=["file", "reason"], dtype=object), path)


def _read(args: argparse.Namespace) -> tuple[list, list[tuple[str, str]]]:
    from smelter_match.io.inputs import read_inputs

    skipped: list[tuple[str, str]] = []

    def skip(path: str, reason: str) -> None:
        skipped.append((path, reason))
        print(f"smelter-match: skipped {path}: {reason}", file=sys.stderr)

    tables = read_inputs(args.inputs, name_col=args.name_col, metal_col=args.metal_col,
                         country_col=args.country_col, cid_col=args.cid_col,
                         on_bad_file=skip if args.skip_bad_files else None)
    if args.skip_bad_files:   # a file whose own columns clash with the results' is a bad file
        clashes = [_clash(t) for t in tables]
        for t, clash in zip(tables, clashes):
            if clash:
                skip(t.source, clash)
        tables = [t for t, clash in zip(tables, clashes) if not clash]
    if not tables and not skipped:
        raise InputError("no rows to match in the given inputs (see the notes above)")
    if not tables:
        what = ("the input file could not be read" if len(skipped) == 1 else
                f"none of the {len(skipped):,} input files could be read")
        report = _skipped_report(args.output) if skipped else None
        where = "see above"
        if report is not None:   # the list of skipped files, as after any run that skipped some
            _write_skipped(skipped, report)
            where += f"; listed in {report}"
        raise InputError(f"{what} ({where}); nothing to match")
    return tables, skipped


def _clash(table) -> str:  # noqa: ANN001 (an InputTable)
    """Why a table's own columns cannot go into results ("" when they can): a column and its
    ``match_`` twin, both the name of a results column."""
    from smelter_match.results import META_COLUMNS, RESULT_COLUMNS, RESULT_PREFIX

    own = set(map(str, table.frame.columns))
    c = next((c for c in (*META_COLUMNS, *RESULT_COLUMNS) if {c, RESULT_PREFIX + c} <= own), None)
    return "" if c is None else (
        f"it has a column {c!r} and one {RESULT_PREFIX + c!r}: its results cannot keep both and "
        "add the matcher's; rename one")


def _match_tables(matcher, tables: list, progress: Callable[[int], None]) -> pd.DataFrame:  # noqa: ANN001
    """Match every table and put the results together: the tool's columns named alike for all
    tables (``match_<name>`` when any input has a column ``<name>``), provenance first, then the
    inputs' columns (in order of first appearance), then the matcher's."""
    import pandas as pd

    from smelter_match.results import META_COLUMNS, RESULT_COLUMNS, RESULT_PREFIX, tool_column_name

    taken = list(dict.fromkeys(str(c) for t in tables for c in t.frame.columns))
    for t in tables:
        if clash := _clash(t):
            raise InputError(f"{t.source}: {clash}")
    for c in (*META_COLUMNS, *RESULT_COLUMNS):   # two files may clash where each alone does not
        holders = [[t.source for t in tables if name in map(str, t.frame.columns)]
                   for name in (c, RESULT_PREFIX + c)]
        if all(holders):
            raise InputError(f"{holders[0][0]} has a column {c!r} and {holders[1][0]} one "
                             f"{RESULT_PREFIX + c!r}: the results of both cannot keep both and "
                             "add the matcher's; rename one, or match the files apart")
    meta = {m: tool_column_name(m, taken) for m in META_COLUMNS}
    result_names = [tool_column_name(c, taken) for c in RESULT_COLUMNS]
    parts, done = [], 0
    for t in tables:
        res = matcher.match(t.frame, name=t.name_col, metal=t.metal_col, country=t.country_col,
                            reported_cid=t.cid_col,
                            progress=lambda n, base=done: progress(base + n))
        done += len(t.frame)
        own = {str(c) for c in t.frame.columns}
        rename = {}
        for c, wanted in zip(RESULT_COLUMNS, result_names):
            actual = RESULT_PREFIX + c if c in own else c
            if actual != wanted:
                if wanted in own:
                    raise InputError(f"{t.source}: its column {wanted!r} clashes with the "
                                     f"results column of that name; rename it")
                rename[actual] = wanted
        res = res.rename(columns=rename)
        res.insert(0, meta["source_file"], t.source)
        res.insert(1, meta["source_row"], t.row_numbers)
        res.insert(2, meta["supplier_company"], t.company or "")
        parts.append(res)
    results = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if len(parts) > 1:  # a column some inputs lack is empty text in their rows
        results[taken] = results[taken].fillna("")
    return results[[meta[m] for m in META_COLUMNS[1:]] + taken + result_names]


def run_match(args: argparse.Namespace) -> int:

    from smelter_match.annex import build_annex, left_to_review, write_annex
    from smelter_match.cli._report import match_summary
    from smelter_match.io.safe_csv import replaced_whole, write_csv
    from smelter_match.io.xlsx import is_workbook_path
    from smelter_match.matcher import Matcher
    from smelter_match.overrides import load_overrides, recorded_references
    from smelter_match.results import make_row_ids, tool_column_name
    from smelter_match.review import write_review
    from smelter_match.review_book import write_review_workbook

    t0 = time.time()
    # the list of skipped files of an earlier run beside these results is written again (with
    # no file skipped): left as it was, it would list files of another run
    report = _skipped_report(args.output)
    skipped_to = report if args.skip_bad_files or (report is not None and report.is_file()) \
        else None
    check_outputs({"results": args.output, "review file": args.review, "annex": args.annex,
                   "list of skipped files": str(skipped_to) if skipped_to else None},
                  inputs=[*args.inputs, *filter(None, [args.overrides, args.model])],
                  csv_only=("results", "annex", "list of skipped files"),
                  workbook_ok=("review file",), kept=getattr(args, "reference", None) or ())
    tables, skipped = _read(args)
    if not args.review and (args.blind or args.review_no_match):   # (a failed run: its error alone)
        note(args, "--blind and --review-no-match shape the review file: without --review they "
                   "do nothing")
    overrides = load_overrides(args.overrides) if args.overrides else None
    ref = get_reference(args, recorded=recorded_references(overrides) if overrides is not None
                        else (), recorded_in=args.overrides or "")
    matcher = Matcher(ref, model=args.model, overrides=overrides, workers=args.workers,
                      processes=not args.threads)
    progress = _Progress(sum(len(t.frame) for t in tables), not args.quiet)
    try:
        results = _match_tables(matcher, tables, progress.to)
    finally:
        progress.close()
    if not len(results):
        raise InputError("no rows to match in the given inputs")
    # each row as the matcher read it, from its own file's columns (the first file's name
    # column was tried first: a later file's "Smelter Look-up" saying "Smelter not listed");
    # its id is made of the name read, which tells a review the column (--name-col)
    reported = {role: [v for t in tables for v in _cells(t, f"{role}_col")]
                for role in ("name", "metal", "country", "cid")}
    taken = [str(c) for t in tables for c in t.frame.columns]
    results.insert(0, tool_column_name("row_id", taken),
                   make_row_ids(results, names=reported["name"]).values)

    # files first, the one output to standard output last: a reader that stops early
    # (`| head`) then costs none of the files asked for. The files are written to temporary
    # files beside them and put in place together at the end: an interrupted run leaves the
    # old set (results, review, annex) or the new one, never new results beside an old review.
    last: list[Callable[[], None]] = []
    written = []
    with contextlib.ExitStack() as together:

        def to(dest: str | Path) -> Path:
            return together.enter_context(replaced_whole(dest))

        def put(write: Callable[[str | Path | TextIO], None], dest: str) -> None:
            if dest == STDOUT:
                last.append(lambda: write(sys.stdout))
            else:
                write(to(dest))

        put(lambda target: write_csv(results, target), args.output)
        written.append("results to standard output" if args.output == STDOUT else args.output)
        if skipped_to is not None:
            _write_skipped(skipped, to(skipped_to))
            if skipped:
                written.append(f"{skipped_to} ({plural(len(skipped), 'skipped file')})")
        if args.review:
            n = args.review_no_match
            review = write_review(results, None, include_no_match=int(n) if n >= 1 else n,
                                  blind=args.blind, reported=reported)
            if args.review != STDOUT and is_workbook_path(args.review):
                write_review_workbook(review, to(args.review))
            else:
                put(lambda target: write_csv(review, target), args.review)
            written.append(f"{args.review} ({plural(len(review), 'row')} to review)")
        if args.annex:
            annex = build_annex(results, ref)
            put(lambda target: write_annex(annex, target), args.annex)
            waiting = left_to_review(results)
            written.append(f"{args.annex} ({plural(len(annex), 'facility', 'facilities')}"
                           + (f"; the {plural(waiting, 'row')} to review enter it once "
                              f"decided with 'review apply'" if waiting else "") + ")")
    for write in last:
        write()
    for line in match_summary(results, files=len(tables), seconds=time.time() - t0,
                              stamp=ref.version.stamp, skipped=len(skipped)):
        note(args, line)
    note(args, f"Wrote {'; '.join(written)}.")
    return 0
