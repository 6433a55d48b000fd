"""The ``smelter-match`` parser and entry point.

Each command group adds its parser through ``add_parser(sub, common)``, listed in
:data:`COMMANDS`; a handler is ``func(args) -> int``. Errors the user can cause
(:class:`~smelter_match.errors.SmelterMatchError`, ``OSError``, Ctrl-C) become one line on
stderr, ``smelter-match: error: <message>``, and exit code 2; argparse usage errors exit 2 as
well; success exits 0.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Sequence

# submodules by their full names: importing them through the package would make this module
# (which the package's __init__ imports) depend on the package itself
import smelter_match.cli.match as match
import smelter_match.cli.model as model
import smelter_match.cli.reference as reference
import smelter_match.cli.review as review
from smelter_match import __version__
from smelter_match.cli._common import EXIT_ERROR, PROG, CommonOptions, common_options
from smelter_match.errors import SmelterMatchError, SmelterMatchWarning

#: Adds one command (or command group) to the top-level subparsers.
CommandAdder = Callable[[argparse._SubParsersAction, CommonOptions], None]

#: The commands, in the order ``--help`` lists them.
COMMANDS: tuple[CommandAdder, ...] = (
    reference.add_parser, match.add_parser, review.add_parser, model.add_train_parser,
    model.add_evaluate_parser,
)


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every command of :data:`COMMANDS`."""
    top = common_options(top_level=True)
    parser = argparse.ArgumentParser(
        prog=PROG, parents=[top.reference, top.output],
        description="Map supplier-reported smelter names onto RMI smelter IDs (CIDs).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = common_options(top_level=False)
    for adder in COMMANDS:
        adder(sub, common)
    return parser


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in text:
        text = f"{exc.filename}: {text}"
    return text or type(exc).__name__


def _notes_for_warnings(args: argparse.Namespace) -> None:
    """Print what the library warns about (:class:`SmelterMatchWarning`: the reference's loader,
    the input readers) as notes on stderr, once per message, silenced by ``--quiet``; other
    warnings as Python shows them."""
    shown = warnings.showwarning
    said: set[str] = set()

    def show(message, category, *rest, **kw) -> None:  # noqa: ANN001
        if not issubclass(category, SmelterMatchWarning):
            shown(message, category, *rest, **kw)
        elif not getattr(args, "quiet", False) and str(message) not in said:
            said.add(str(message))
            print(f"note: {message}", file=sys.stderr)

    warnings.simplefilter("always", SmelterMatchWarning)
    warnings.showwarning = show


def _silence_stdout() -> None:
    # stdout was closed by the reader (e.g. `| head`): stop Python complaining at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


#: Exit code of a run stopped by SIGTERM (128 + the signal's number, as a shell reports it).
EXIT_TERMINATED = 128 + signal.SIGTERM
#: Exit code of a run whose reader of standard output stopped (`| head`), as SIGPIPE's: not 2,
#: the code of a bad input, which a pipeline under `set -o pipefail` could not tell from it.
EXIT_BROKEN_PIPE = 128 + 13


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C: the temporary files of outputs being
    written are removed on the way out (the default action killed the process and left them)."""


def _terminate(signum: int, frame: object) -> None:
    raise _Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 success, 2 usage or input error or Ctrl-C, 141 the
    reader of standard output stopped, 143 stopped by SIGTERM)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage error (2) or --help / --version (0)
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    # (only where nobody else handles SIGTERM: an application calling main() keeps its own)
    previous = signal.signal(signal.SIGTERM, _terminate) if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL) else None
    try:
        with warnings.catch_warnings():
            _notes_for_warnings(args)
            return args.func(args)
    except SystemExit as exc:  # parser.error() raised inside a handler
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt as exc:
        stopped = isinstance(exc, _Terminated)
        print(f"{PROG}: error: {'terminated' if stopped else 'interrupted'}", file=sys.stderr)
        return EXIT_TERMINATED if stopped else EXIT_ERROR
    except (SmelterMatchError, OSError) as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
