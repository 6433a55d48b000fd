"""Step 1 of normalisation: any text -> ASCII, as a reader means it.

Invisible format characters are dropped, Unicode is NFKC-normalised, Latin letters typed with a
Cyrillic or Greek lookalike are repaired (``homoglyphs.csv``), and the rest is transliterated
with ``unidecode`` ("Rondônia" -> "Rondonia", "江西铜业" -> "Jiang Xi Tong Ye").
:mod:`smelter_match.normalize` folds and keys the result.
"""

from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

from smelter_match._resources import data_csv

__all__ = ["LATIN_LETTER_RE", "drop_invisible", "to_ascii"]


# Letters drawn like a Latin letter (homoglyphs.csv names them by Unicode name).
_HOMOGLYPHS: dict[str, str] = {
    unicodedata.lookup(name): latin
    for name, latin in ((r["unicode_name"], r["latin"]) for r in data_csv("vocab", "homoglyphs.csv")
                        if r.get("unicode_name"))
}
_HOMOGLYPH_TABLE = str.maketrans(_HOMOGLYPHS)
# Greek, Greek Extended, Cyrillic, Cyrillic Supplement.
_CYR_GREEK_RE = re.compile("[\u0370-\u03ff\u1f00-\u1fff\u0400-\u052f]")
#: A Latin letter, accented ones included.
LATIN_LETTER_RE = re.compile("[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
_NONSPACE_RE = re.compile(r"\S+")


def _fix_homoglyphs(s: str) -> str:
    """Map Cyrillic/Greek lookalikes to Latin where the writer evidently meant Latin.

    Per whitespace token: a token mixing Latin and Cyrillic/Greek letters is Latin with intruders;
    a token made only of lookalikes ("ТАР", "ОАО") is Latin if the text is mostly Latin or has no
    Cyrillic/Greek letter without a Latin twin (then nothing shows it is really Cyrillic). Any other
    token ("Уралэлектромедь") is genuinely Cyrillic/Greek and left for unidecode.
    """
    foreign = [c for c in _CYR_GREEK_RE.findall(s) if c.isalpha()]
    if not foreign:
        return s
    latin = len(LATIN_LETTER_RE.findall(s))
    text_is_latinish = latin > len(foreign) or all(c in _HOMOGLYPHS for c in foreign)

    def repair(m: re.Match[str]) -> str:
        tok = m.group()
        tok_foreign = [c for c in _CYR_GREEK_RE.findall(tok) if c.isalpha()]
        if not tok_foreign:
            return tok
        if LATIN_LETTER_RE.search(tok) or (text_is_latinish and all(c in _HOMOGLYPHS for c in tok_foreign)):
            return tok.translate(_HOMOGLYPH_TABLE)
        return tok

    return _NONSPACE_RE.sub(repair, s)


#: Invisible format characters (zero-width space and joiners, soft hyphen, BOM, direction
#: marks): pasted with the text, never part of a word; unidecode made a zero-width space a word
#: break ("Go\u200bld" read as two words).
_INVISIBLE_RE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                           "\u2066-\u206f\ufeff]")


def drop_invisible(text: str) -> str:
    """``text`` without invisible format characters (:data:`_INVISIBLE_RE`)."""
    return _INVISIBLE_RE.sub("", text)


def to_ascii(text: str) -> str:
    """Invisible characters dropped, NFKC, homoglyph repair and unidecode; ASCII input is
    returned as is (the common case)."""
    if text.isascii():
        return text
    try:
        s = unicodedata.normalize("NFKC", drop_invisible(text))
        return unidecode(_fix_homoglyphs(s))
    except Exception:  # lone surrogates and the like: keep what is plainly ASCII
        return text.encode("ascii", "ignore").decode("ascii")
