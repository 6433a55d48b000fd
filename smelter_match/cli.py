"""Command line interface: ``smelter-match <command> ...``.

Every subcommand is one small ``add_*`` function registered with :func:`subcommand`; it builds its
argparse parser and points ``func`` at a handler ``(args) -> int``. Adding a command is ~10 lines::

    @subcommand
    def add_match(sub: argparse._SubParsersAction, common: CommonOptions) -> None:
        p = sub.add_parser("match", parents=[common.reference, common.output], help="...")
        p.add_argument("input")
        p.set_defaults(func=run_match)

    def run_match(args: argparse.Namespace) -> int:
        ref = get_reference(args)
        ...
        return 0

Errors the user can cause (:class:`~smelter_match.errors.SmelterMatchError`, ``OSError``, Ctrl-C)
become one line on stderr, ``smelter-match: error: <message>``, and exit code 2; argparse usage
errors exit 2 as well; success exits 0. Results go to stdout, notes to stderr (``--quiet`` drops
notes and the summary of ``reference import``). Nothing is printed before work that can fail, so
a failed command's stderr is exactly the one error line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

import pandas as pd

from smelter_match import __version__
from smelter_match.errors import SmelterMatchError

PROG = "smelter-match"
EXIT_OK = 0
EXIT_ERROR = 2


@dataclass(frozen=True)
class CommonOptions:
    """Parent parsers a subcommand can include with ``parents=[...]``.

    ``reference``: ``--reference PATH`` (repeatable), for every command that needs a reference.
    ``output``: ``--quiet``. Both are also accepted before the command name.
    """

    reference: argparse.ArgumentParser
    output: argparse.ArgumentParser


#: A registered subcommand: adds its parser to the (top-level) subparsers.
SubcommandAdder = Callable[[argparse._SubParsersAction, CommonOptions], None]

# ------------------------------------------------------------------------------------------------
# SUBCOMMAND REGISTRY. Decorate an ``add_<name>(sub, common)`` function with @subcommand.
# Planned (to be added by their owners): match, review apply, train, evaluate.
# Commands with sub-subcommands (like ``reference``) add a nested subparsers of their own; a
# ``review`` group would look like ``add_reference`` below.
# ------------------------------------------------------------------------------------------------
SUBCOMMANDS: list[SubcommandAdder] = []


def subcommand(adder: SubcommandAdder) -> SubcommandAdder:
    """Register a function that adds one subcommand (or group) to the CLI; returns it unchanged."""
    SUBCOMMANDS.append(adder)
    return adder


# ------------------------------------------------------------------------------------------------
# Helpers shared by subcommands
# ------------------------------------------------------------------------------------------------

def _common_options(*, top_level: bool) -> CommonOptions:
    # Subcommand copies use default=SUPPRESS so that they do not overwrite a value given before the
    # command name (argparse copies the subparser namespace over the top-level one).
    default_ref = None if top_level else argparse.SUPPRESS
    default_quiet = False if top_level else argparse.SUPPRESS
    ref = argparse.ArgumentParser(add_help=False)
    ref.add_argument(
        "--reference", "-r", action="append", metavar="PATH", default=default_ref,
        help="RMI reference: CMRT workbook, RMI export, folder of them, or a compiled *.json.gz "
             "(repeatable; default: $SMELTER_MATCH_REFERENCE, else the last 'reference import')",
    )
    out = argparse.ArgumentParser(add_help=False)
    out.add_argument("--quiet", "-q", action="store_true", default=default_quiet,
                     help="print only results and errors")
    return CommonOptions(ref, out)


def get_reference(args: argparse.Namespace):  # noqa: ANN201 - Reference (imported lazily)
    """The reference chosen by ``--reference`` (all given paths merged), else the default one."""
    from smelter_match.reference import default_reference, load_reference

    paths = getattr(args, "reference", None)
    if paths:
        return load_reference(*paths)
    return default_reference()


def note(args: argparse.Namespace, message: str) -> None:
    """Print a note on stderr unless ``--quiet`` (only after success: errors stay one line)."""
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr)


def out(text: str = "", file: TextIO | None = None) -> None:
    """Print a result line on stdout."""
    print(text, file=file or sys.stdout)


def format_table(df: pd.DataFrame, max_width: int = 60) -> str:
    """A plain-text table with left-aligned columns; cells longer than ``max_width`` are cut."""
    if df.empty:
        return "(none)"

    def cut(value: object) -> str:
        text = "" if value is None else str(value)
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    cells = [[cut(c) for c in df.columns]] + [[cut(v) for v in row] for row in df.itertuples(
        index=False)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(df.columns))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# reference import / info / diff
# ------------------------------------------------------------------------------------------------

@subcommand
def add_reference(sub: argparse._SubParsersAction, common: CommonOptions) -> None:
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
                    "side with --old / --new): facilities added, removed, renamed, moved, "
                    "status changes.",
    )
    diff.add_argument("old", nargs="?", metavar="OLD", help="older reference (file or folder)")
    diff.add_argument("new", nargs="?", metavar="NEW", help="newer reference (file or folder)")
    diff.add_argument("--old", dest="old_extra", action="append", default=[], metavar="PATH",
                      help="another file/folder for the old side (repeatable)")
    diff.add_argument("--new", dest="new_extra", action="append", default=[], metavar="PATH",
                      help="another file/folder for the new side (repeatable)")
    diff.add_argument("--csv", metavar="FILE", help="also write every change to FILE (CSV)")
    diff.add_argument("--limit", type=int, default=0, metavar="N",
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
CHANGE_ORDER = ["added", "removed", "dropped_from_list", "renamed", "moved", "status"]


def run_reference_diff(args: argparse.Namespace) -> int:
    """Print (and optionally write) the changes from the OLD to the NEW reference."""
    from smelter_match.reference import diff_references, load_reference

    old_paths = [p for p in [args.old, *args.old_extra] if p]
    new_paths = [p for p in [args.new, *args.new_extra] if p]
    if not old_paths or not new_paths:
        args._diff_parser.error("give both an OLD and a NEW reference (positional or --old/--new)")
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
        from smelter_match.safe_csv import write_csv

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


# ------------------------------------------------------------------------------------------------
# Entry point
# ------------------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """The full parser with every registered subcommand."""
    from smelter_match import commands  # noqa: F401 - registers match, review, train, evaluate

    top = _common_options(top_level=True)
    parser = argparse.ArgumentParser(
        prog=PROG, parents=[top.reference, top.output],
        description="Map supplier-reported smelter names onto RMI smelter IDs (CIDs).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = _common_options(top_level=False)
    for adder in SUBCOMMANDS:
        adder(sub, common)
    return parser


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in text:
        text = f"{exc.filename}: {text}"
    return text or type(exc).__name__


def _silence_stdout() -> None:
    # stdout was closed by the reader (e.g. `| head`): stop Python complaining at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 success, 2 usage or input error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage error (2) or --help / --version (0)
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    try:
        return args.func(args)
    except SystemExit as exc:  # parser.error() raised inside a handler
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"{PROG}: error: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except (SmelterMatchError, OSError) as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    # Run through the imported module, not this __main__ copy: subcommands register themselves
    # into ``smelter_match.cli`` (see ``commands.py``).
    from smelter_match.cli import main as _main

    raise SystemExit(_main())
