"""Smelter IDs (CIDs): the one rule for reading them, wherever they come from.

RMI writes a facility's ID as ``CID`` and six digits (``CID000103``). People type them in supplier
lists, review files and override files with any case, spacing and padding; :func:`parse_cid`
reads all of those, :func:`is_cid` and :func:`find_cids` read RMI's own canonical form.
"""

from __future__ import annotations

import re

from smelter_match.io.tables import cell_text
from smelter_match.transliterate import drop_invisible

__all__ = ["CID_PATTERN", "find_cids", "is_cid", "parse_cid"]

#: The canonical form of an RMI smelter ID, as RMI's files write it.
CID_PATTERN = re.compile(r"^CID\d{6}$")
_CID_CANONICAL_RE = re.compile(r"CID\d{6}")
_CID_CELL_RE = re.compile(r"^(?:CID)?\s*0*(\d{1,6})$", re.IGNORECASE)
_CID_IN_TEXT_RE = re.compile(r"\bCID\s*0*(\d{1,6})(?!\d)", re.IGNORECASE)


def find_cids(text: str) -> list[str]:
    """The canonical CIDs written in a text, in order ("Alias to CID000760" -> ["CID000760"])."""
    return _CID_CANONICAL_RE.findall(text)


def is_cid(text: object) -> bool:
    """True for a CID in canonical form (``CID`` and six digits), as RMI's files write them."""
    return isinstance(text, str) and CID_PATTERN.match(text) is not None


def parse_cid(value: object, *, alone: bool = False) -> str | None:
    """A smelter ID as a person typed it -> ``CID000123``; "" for a blank cell; None if not a CID.

    The one rule, wherever a CID is read from people (supplier lists, review and override files):
    a cell that is a CID with any case, spacing and zero padding ("cid 2763", "CID002763 "), or a
    bare number of up to six digits ("2763": the cell is a smelter-ID column, and RMI numbers
    its facilities), or (unless ``alone``: an analyst's answer must be the CID and nothing else)
    text naming one "CID..." ("CID002763 (Metalor)"). Anything else ("ABC", "1AUS046", a number
    of seven digits, "CID000873 or CID002180?") is not a CID.
    """
    text = " ".join(drop_invisible(cell_text(value)).split())
    if not text:
        return ""
    m = _CID_CELL_RE.match(text)
    if m is None and not alone:
        named = {int(n) for n in _CID_IN_TEXT_RE.findall(text)}
        m = _CID_IN_TEXT_RE.search(text) if len(named) == 1 else None
    return f"CID{int(m.group(1)):06d}" if m else None
