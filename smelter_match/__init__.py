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

from smelter_match.annex import build_annex, write_annex
from smelter_match.errors import SmelterMatchError
from smelter_match.io.inputs import read_cmrt, read_inputs
from smelter_match.matcher import Matcher
from smelter_match.overrides import load_overrides, save_overrides
from smelter_match.reference import Reference, load_reference
from smelter_match.results import RESULT_COLUMNS, Candidate, MatchResult
from smelter_match.review import apply_review, write_review

__version__ = "0.1.0"

__all__ = [
    "RESULT_COLUMNS", "Candidate", "MatchResult", "Matcher", "Reference", "SmelterMatchError",
    "__version__", "apply_review", "build_annex", "load_overrides", "load_reference", "read_cmrt",
    "read_inputs", "save_overrides", "write_annex", "write_review",
]
