"""Result types: the columns every match result carries, and the single-name result object.

``Matcher.match`` returns the input DataFrame (its own columns first, unchanged, same order) with
``RESULT_COLUMNS`` appended. ``match_one`` returns a :class:`MatchResult`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from smelter_match.errors import InputError
from smelter_match.overrides import _text

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


#: Provenance columns the CLI adds to results (next to the matcher's RESULT_COLUMNS).
META_COLUMNS: tuple[str, ...] = ("row_id", "source_file", "source_row", "supplier_company")


def result_column(results: pd.DataFrame, name: str, *, required: bool = True) -> str | None:
    """The actual column holding the matcher's ``name`` column (``cid``, ``metal``, ...).

    The matcher names its column ``match_<name>`` when the input already had a ``name`` column; as
    it appends its columns after the input's, the later of ``name`` / ``match_<name>`` is the
    matcher's.

    Raises:
        InputError: (when ``required``) neither column exists.
    """
    cols = [str(c) for c in results.columns]
    found = [c for c in (name, RESULT_PREFIX + name) if c in cols]
    if not found:
        if required:
            raise InputError(
                f"results have no {name!r} column; give the output of smelter-match match"
            )
        return None
    return max(found, key=cols.index)


def result_columns(results: pd.DataFrame) -> set[str]:
    """The columns of ``results`` that the matcher added (see :func:`result_column`)."""
    return {c for n in RESULT_COLUMNS if (c := result_column(results, n, required=False))}


def column_text(results: pd.DataFrame, col: str | None) -> list[str]:
    """The cells of column ``col`` as stripped text ("" for every row when it is absent)."""
    if col is None or col not in results.columns:
        return [""] * len(results)
    return [_text(v) for v in results[col].tolist()]


def parse_candidates(value: object) -> list[tuple[str, str, float | None]]:
    """``"CID|name|score ; ..."`` -> [(cid, name, score)] (names may contain ``|``)."""
    out = []
    for part in _text(value).split(" ; "):
        part = part.strip()
        if not part:
            continue
        cid, _, rest = part.partition("|")
        name, sep, score = rest.rpartition("|")
        if not sep:
            name, score = rest, ""
        try:
            num: float | None = round(float(score), 3)
        except ValueError:
            num = None
        out.append((cid.strip(), name.strip(), num))
    return out


def facility_flags(fac: dict) -> list[str]:
    """``removed_cid`` and ``successor=CID...`` for a removed facility (a reference record)."""
    if not fac.get("removed"):
        return []
    succ = [s for s in _text(fac.get("successors")).split(";") if s]
    return ["removed_cid", *[f"successor={s}" for s in succ]]


