"""Result types: the columns every match result carries, and the single-name result object.

``Matcher.match`` returns the input DataFrame (its own columns first, unchanged, same order) with
``RESULT_COLUMNS`` appended. ``match_one`` returns a :class:`MatchResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Columns the matcher appends to every input row, in this order.
RESULT_COLUMNS: tuple[str, ...] = (
    "cid",                # best candidate for match/review; "" for no_match
    "standard_name",      # RMI standard name of ``cid``
    "metal",              # metal of ``cid`` (or the parsed reported metal when no_match)
    "country",            # RMI country of ``cid``
    "rmap_status",        # Conformant | Active | "" (on neither list)
    "score",              # calibrated probability 0-1 that ``cid`` is right
    "decision",           # match | review | no_match
    "reason",             # short human text, e.g. "exact RMI alias"
    "candidates",         # top-k "CID|name|score" joined by " ; "
    "flags",              # ";"-joined flags, e.g. "removed_cid;successor=CID000760"
    "reference_version",  # stamp of the reference used
)

#: If the input already has a column of one of these names, the matcher's column is prefixed
#: with ``match_`` instead (the input's own columns are never overwritten).
RESULT_PREFIX = "match_"

DECISIONS: tuple[str, ...] = ("match", "review", "no_match")


@dataclass(frozen=True)
class Candidate:
    """One candidate facility for a reported name."""

    cid: str
    metal: str
    name: str          # the reference name (alias or standard name) that matched best
    standard_name: str
    score: float
    features: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class MatchResult:
    """The answer for one reported name (``Matcher.match_one``)."""

    query: str
    cid: str
    standard_name: str
    metal: str
    country: str
    rmap_status: str
    score: float
    decision: str
    reason: str
    flags: tuple[str, ...]
    candidates: tuple[Candidate, ...]
    reference_version: str

    @property
    def matched(self) -> bool:
        return self.decision == "match"
