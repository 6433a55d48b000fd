"""smelter_match: map supplier-reported smelter names onto RMI smelter IDs (CIDs).

The public API is deliberately small::

    from smelter_match import load_reference, Matcher
    ref = load_reference("../shared/rmi/cmrt", "../shared/rmi/exports-2026-08-22")
    results = Matcher(ref).match(df, name="Smelter Name", metal="Metal", country="Country")

Reading supplier files (:func:`read_inputs`), the analyst round trip (:func:`write_review`,
:func:`apply_review`, :func:`load_overrides` / :func:`save_overrides`) and the filing annex
(:func:`build_annex`, :func:`write_annex`) are the workflow functions around it. Everything else
lives in the stage modules, in the order data flows: ``io`` -> ``normalize`` -> ``blocking`` ->
``compare`` -> ``classify`` -> ``decide`` (``matcher`` runs them) -> ``review`` / ``annex``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smelter_match.annex import build_annex, write_annex
    from smelter_match.errors import SmelterMatchError
    from smelter_match.io.inputs import read_cmrt, read_inputs
    from smelter_match.matcher import Matcher
    from smelter_match.overrides import load_overrides, save_overrides
    from smelter_match.reference import Reference, load_reference
    from smelter_match.results import RESULT_COLUMNS, Candidate, MatchResult
    from smelter_match.review import write_review
    from smelter_match.review_apply import apply_review

#: Where each public name lives. They are imported when first used, so that ``import
#: smelter_match`` (and the command line's ``--help`` and usage errors) cost no pandas import.
_HOMES = {
    "build_annex": "annex", "write_annex": "annex", "SmelterMatchError": "errors",
    "read_cmrt": "io.inputs", "read_inputs": "io.inputs", "Matcher": "matcher",
    "load_overrides": "overrides", "save_overrides": "overrides", "Reference": "reference",
    "load_reference": "reference", "RESULT_COLUMNS": "results", "Candidate": "results",
    "MatchResult": "results", "apply_review": "review_apply", "write_review": "review",
}

__version__ = "0.1.0"

__all__ = [
    "RESULT_COLUMNS", "Candidate", "MatchResult", "Matcher", "Reference", "SmelterMatchError",
    "__version__", "apply_review", "build_annex", "load_overrides", "load_reference", "read_cmrt",
    "read_inputs", "save_overrides", "write_annex", "write_review",
]


def __getattr__(name: str) -> object:
    if name in _HOMES:
        value = getattr(import_module(f"smelter_match.{_HOMES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'smelter_match' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
