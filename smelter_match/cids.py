"""Smelter IDs (CIDs): the one rule for reading them, wherever they come from.

RMI writes a facility's ID as ``CID`` and six digits (``CID000103``). People type them in supplier
lists, review files and override files with any case, spacing and padding; :func:`parse_cid`
reads all of those, :func:`is_cid` and :func:`find_cids` read RMI's own canonical form.
"""

from __future__ import annotations

import re
import unicodedata

from smelter_match.io.tables import cell_text
from smelter_match.transliterate import drop_invisible

__all__ = ["CID_PATTERN", "cid_named", "find_cids", "is_cid", "parse_cid", "read_reported_cid"]

#: The canonical form of an RMI smelter ID, as RMI's files write it.
CID_PATTERN = re.compile(r"^CID\d{6}$")
_CID_CANONICAL_RE = re.compile(r"CID\d{6}")
# "CID002763", "cid 2763", "CID-002763", "CID:002763", "CID_002763", "CID #2763"
_CID_CELL_RE = re.compile(r"^(?:CID\s*[-:_#.]?)?\s*0*(\d{1,6})$", re.IGNORECASE)
# ... in text ("CID002763 (Metalor)"); not "CID00019O" (a letter for a digit: another number),
# "CID 002 763" (digits apart: not CID000002) nor "CID-2763-A"
_CID_IN_TEXT_RE = re.compile(r"(?<![A-Za-z0-9])CID\s*[-:_#.]?\s*0*(\d{1,6})(?![A-Za-z0-9])"
                             r"(?!\s*[-_./]?\s*\d)(?![-_.][A-Za-z])", re.IGNORECASE)


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
    text naming one "CID..." ("CID002763 (Metalor)"). "CID" and the number may be apart
    ("CID-002763", "CID: 2763", "CID_002763") and full-width ("ＣＩＤ００２７６３"). Anything else
    ("ABC", "1AUS046", a number of seven digits, "CID00276O" with a letter for a digit,
    "CID000873 or CID002180?") is not a CID.
    """
    text = " ".join(unicodedata.normalize("NFKC", drop_invisible(cell_text(value))).split())
    if not text:
        return ""
    m = _CID_CELL_RE.match(text)
    if m is None and not alone:
        named = {int(n) for n in _CID_IN_TEXT_RE.findall(text)}
        m = _CID_IN_TEXT_RE.search(text) if len(named) == 1 else None
    return f"CID{int(m.group(1)):06d}" if m else None


def read_reported_cid(value: object) -> tuple[str, str]:
    """A supplier's reported-CID cell as the matcher reads it: ``(CID, "")`` when it is one
    (:func:`parse_cid`); ``("", "")`` when it says nothing (blank, "N/A", "-": no digit); and
    ``("", text)`` when it has digits but is no CID ("1AUS046", "CID00019O"): the row then says
    so (flag ``reported_cid_unread``) instead of losing what the supplier wrote without a word."""
    cid = parse_cid(value)
    if cid:
        return cid, ""
    text = " ".join(drop_invisible(cell_text(value)).split())
    return "", text if any(c.isdigit() for c in text) else ""


_CID_NAME_RE = re.compile(r"^\s*CID", re.IGNORECASE)


def cid_named(name: object) -> str:
    """The CID a name cell holds instead of a name ("CID002763", "cid 2763"), else "" (a bare
    number in a name cell is no CID: "8853" may be a name)."""
    text = unicodedata.normalize("NFKC", cell_text(name))
    return (parse_cid(text, alone=True) or "") if _CID_NAME_RE.match(text) else ""
