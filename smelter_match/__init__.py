"""smelter_match: map supplier-reported smelter names onto RMI smelter IDs (CIDs).

The public API is deliberately small::

    from smelter_match import load_reference, Matcher
    ref = load_reference("../shared/rmi/cmrt", "../shared/rmi/exports-2026-08-22")
    results = Matcher(ref).match(df, name="Smelter Name", metal="Metal", country="Country")

Everything else lives in the stage modules: ``normalize`` -> ``blocking`` -> ``compare`` ->
``classify`` -> ``decide``, with ``readers`` / ``workflow`` for files and the analyst round trip.
"""

from smelter_match.errors import SmelterMatchError
from smelter_match.matcher import Matcher
from smelter_match.readers import read_cmrt, read_inputs
from smelter_match.reference import Reference, load_reference
from smelter_match.results import RESULT_COLUMNS, MatchResult
from smelter_match.workflow import apply_review, build_annex, write_review

__version__ = "0.1.0"

__all__ = [
    "Matcher", "MatchResult", "RESULT_COLUMNS", "Reference", "SmelterMatchError", "apply_review",
    "build_annex", "load_reference", "read_cmrt", "read_inputs", "write_review", "__version__",
]
