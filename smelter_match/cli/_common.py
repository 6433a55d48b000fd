"""What every subcommand shares: the reference and output options, and how to print.

Results go to stdout (:func:`out`), notes to stderr (:func:`note`, silenced by ``--quiet``).
Nothing is printed before work that can fail, so a failed command's stderr is exactly one line.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:   # the command line imports pandas only for a command that runs
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


def get_reference(args: argparse.Namespace, *, recorded: Sequence[str] = (),
                  recorded_in: str = "", recorded_first: bool = False):  # noqa: ANN201
    """The reference for a command (a :class:`~smelter_match.reference.Reference`).

    ``--reference`` (all given paths merged) always wins. ``recorded`` are reference stamps an
    input file carries (the results' ``reference_version``, an override file's), newest first,
    ``recorded_in`` names that file for messages. With ``recorded_first`` (``review apply``: the
    results must be checked against the reference that produced them) the recorded reference
    comes next, else ``$SMELTER_MATCH_REFERENCE`` and the last ``reference import`` come first and
    the recorded one is the fallback (``match --overrides``: a newer default reference wins).
    Which reference was taken, and why, is noted on stderr when it was not given explicitly.
    """
    from smelter_match.errors import ReferenceLoadError
    from smelter_match.reference import (
        default_reference,
        has_default_reference,
        load_reference,
        reference_for_stamp,
    )

    paths = getattr(args, "reference", None)
    if paths:
        ref = load_reference(*paths)
        if recorded and recorded_first and ref.version.stamp not in recorded:
            note(args, f"note: {recorded_in} was made with reference {recorded[0]}; "
                       f"using {ref.version.stamp} (--reference)")
        return ref

    def from_record() -> Any:
        if len(set(recorded)) > 1 and recorded_first:
            raise ReferenceLoadError(
                f"{recorded_in} mixes rows of several references ({', '.join(recorded)}); "
                f"choose one with --reference PATH")
        ref = reference_for_stamp(recorded[0])
        note(args, f"reference: {ref.version.stamp} (recorded in {recorded_in})")
        return ref

    if recorded and recorded_first:
        return from_record()
    if recorded and not has_default_reference():
        return from_record()
    return default_reference()


def recorded_stamps(df: pd.DataFrame, column: str | None) -> list[str]:
    """The distinct non-empty values of a ``reference_version`` column, most frequent first."""
    if column is None or column not in df.columns:
        return []
    counts = df[column].map(lambda v: "" if v is None else str(v).strip()).value_counts()
    return [s for s in counts.index if s and s.lower() != "nan"]


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


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 row``, ``2 rows``, ``1,234 facilities`` (``many``: an irregular plural)."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


#: What ``-`` as an output path means: standard output.
STDOUT = "-"


def check_outputs(outputs: dict[str, str | None], *, inputs: Sequence[str] = (),
                  csv_only: Sequence[str] = (), workbook_ok: Sequence[str] = (),
                  kept: Sequence[str] = ()) -> None:
    """Refuse, before any work is done, output paths that cannot or must not be written.

    ``outputs``: what -> path (None when not asked for). Each path must be new or a writable file
    in an existing folder, not one of the ``inputs`` (files or folders given as input), nor one
    of the files ``kept`` (the reference's: a folder among them may hold outputs), and not
    another output's path. ``-`` (standard output) is allowed for at most one output, and only for
    CSV. Outputs in ``csv_only`` are refused with an Excel name (they are written as CSV); those in
    ``workbook_ok`` may end in ``.xlsx``.

    Raises:
        InputError: one line naming the path and what is wrong with it.
    """
    from smelter_match.errors import InputError

    given = {what: path for what, path in outputs.items() if path}
    to_stdout = [what for what, path in given.items() if path == STDOUT]
    if len(to_stdout) > 1:
        raise InputError(f"only one output can go to standard output ('-'), not the "
                         f"{' and the '.join(to_stdout)}")
    inputs_resolved = {Path(p).expanduser().resolve() for p in inputs}
    kept_resolved = {Path(p).expanduser().resolve() for p in kept}
    seen: dict[Path, str] = {}
    for what, path in given.items():
        if path == STDOUT:
            continue
        p = Path(path).expanduser()
        suffix = p.suffix.lower()
        if suffix in (".xlsx", ".xlsm", ".xls") and (what in csv_only or (
                what in workbook_ok and suffix != ".xlsx")):
            allowed = "a .csv or .xlsx name" if what in workbook_ok else "a .csv name"
            raise InputError(f"{path}: the {what} cannot be written as {suffix}; give it {allowed}")
        if p.is_dir():
            raise InputError(f"{path}: cannot write the {what} there: it is a folder; give a file "
                             f"name")
        resolved = p.resolve()
        parent = resolved.parent
        if not parent.is_dir():
            raise InputError(f"{path}: cannot write the {what}: folder {parent} does not exist")
        if not os.access(parent, os.W_OK) or (resolved.exists() and not os.access(resolved,
                                                                                 os.W_OK)):
            raise InputError(f"{path}: cannot write the {what}: permission denied")
        into_folder = parent in inputs_resolved and suffix in (".csv", ".xlsx", ".xlsm", ".xls")
        if resolved in inputs_resolved or into_folder or resolved in kept_resolved:
            raise InputError(f"{path}: the {what} would be written over (or into) an input; "
                             f"choose another name or folder")
        if resolved in seen:
            raise InputError(f"{path}: given as both the {seen[resolved]} and the {what}")
        seen[resolved] = what
