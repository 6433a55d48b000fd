"""What every subcommand shares: the reference and output options, and how to print.

Results go to stdout (:func:`out`), notes to stderr (:func:`note`, silenced by ``--quiet``).
Nothing is printed before work that can fail, so a failed command's stderr is exactly one line.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import TextIO

import pandas as pd

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


# ------------------------------------------------------------------------------------------------
# Helpers shared by subcommands
# ------------------------------------------------------------------------------------------------

def common_options(*, top_level: bool) -> CommonOptions:
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
