"""Command line interface: ``smelter-match <command> ...`` (entry point :func:`main`).

``app.py`` builds the parser and turns user errors into one line on stderr; ``_common.py`` holds
what every command shares (reference and output options, printing); each command group has its
own module: ``reference.py`` (import / info / diff), ``match.py``, ``review.py`` (review apply) and
``model.py`` (train / evaluate).
"""

from smelter_match.cli.app import build_parser, main

__all__ = ["build_parser", "main"]
