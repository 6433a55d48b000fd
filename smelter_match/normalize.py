"""Normalisation stage: turn messy supplier-reported smelter names into comparable keys.

Everything downstream (exact lookup, blocking, fuzzy scoring) compares the output of this module,
so two spellings of one facility must normalise to the same key wherever that can be decided
without a dictionary of facilities. The steps for a name, in order:

1. Unicode: NFKC (fullwidth forms, ligatures), Cyrillic/Greek *homoglyphs* inside Latin text mapped
   to the Latin letter they look like (a supplier's "ТАР" in Cyrillic is the Latin "TAP"), then
   ``unidecode`` transliteration of everything else (accents, genuinely Cyrillic or Chinese names).
2. ``folded`` (:func:`smelter_match.folding.fold`): apostrophes dropped ("L'Orfebre" ->
   "lorfebre", "Gao'an" -> "gaoan"), "&"/"+" read as "and", dotted abbreviations joined ("S.A." ==
   "SA", "H.C." == "HC"), OCR's "I" for "l" inside a word read as "l" ("MetaIor"), glued
   camel-case split ("HeeSung" -> "hee sung", "ATAkulche" -> "ata kulche"), long letter runs split from
   digits ("Unit1" -> "unit 1") but not from one digit between letters, which is a damaged letter
   ("Ma1aysia", "Corporatl0n" stay one word), lower-cased, every other character a single space.
3. ``key``: ``folded`` minus stop-words (``stopwords.txt``) and minus legal forms (cleanco's
   vocabulary plus ``legal_forms.txt``, and a mistyped "Comopany" or "Co., Ktd." at the end)
   stripped repeatedly from both ends, never down to nothing;
   "non ferrous" is written "nonferrous". ``compact``, ``acronym`` and ``variants`` derive from it:
   a bracketed part, or a country that ends the name ("Conecsus LLC, USA"), gives a variant
   without it.

The vocabularies of steps 2 and 3 live with ``fold`` (:mod:`smelter_match.folding`); countries
(:mod:`smelter_match.countries`), metals (:mod:`smelter_match.metals`) and smelter IDs
(:mod:`smelter_match.cids`) have their own modules. ``normalize_name`` is total: any input
gives a value, never an exception: input comes straight from spreadsheets (None, NaN, numbers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from smelter_match.countries import (
    name_script_countries,
    normalize_country,
    strip_trailing_countries,
)
from smelter_match.folding import GENERIC_WORDS, STOP_WORDS, fold_ascii_tokens, strip_legal
from smelter_match.io.tables import cell_text
from smelter_match.transliterate import LATIN_LETTER_RE, drop_invisible, to_ascii

__all__ = ["NAME_CHARS", "NormalizedName", "normalize_name"]


@dataclass(frozen=True, slots=True)
class NormalizedName:
    """All normalised forms of one name; see the module docstring for how each is made.

    ``key`` is non-empty exactly when ``folded`` is, i.e. when the input has a character that
    NFKC + unidecode render as an ASCII letter or digit, or an "&"/"+" (folded to "and").
    ``variants[0] == key`` always (so an input without letters or digits has
    ``variants == ("",)``); the other variants are the keys of the text outside brackets and of
    each bracketed part that names something: not "(Pty)" (a legal form), "(Thailand)" (a
    country) or "(Unit 2)" (generic words and numbers).
    ``acronym`` is made from the key tokens of the text outside brackets when there is any, so
    "Almalyk Mining and Metallurgical Complex (AMMC)" has acronym "ammc", equal to a variant.
    """

    original: str
    folded: str
    key: str
    tokens: tuple[str, ...]
    compact: str
    acronym: str
    variants: tuple[str, ...]



def _key_tokens(folded_tokens: list[str]) -> list[str]:
    """Key tokens from folded tokens; empty only if there are none."""
    kept = [t for t in folded_tokens if t not in STOP_WORDS]
    if not kept:
        return folded_tokens
    kept = strip_legal(kept, keep_one=True)
    if "non" in kept:  # "Non-Ferrous" / "Non Ferrous" / "Nonferrous" are one word in RMI names
        i = 0
        while i < len(kept) - 1:
            if kept[i] == "non" and kept[i + 1] == "ferrous":
                kept[i : i + 2] = ["nonferrous"]
            i += 1
    return kept


def _is_meaningful(folded_tokens: list[str]) -> bool:
    """False for text that is only stop-words and legal forms, e.g. the "(Pty)" in "(Pty) Ltd"."""
    kept = [t for t in folded_tokens if t not in STOP_WORDS]
    return bool(strip_legal(kept, keep_one=False))


# --------------------------------------------------------------------------------------------
# Parenthetical parts

_OPENERS = "([{"
_CLOSERS = ")]}"
_HAS_BRACKET_RE = re.compile(r"[()\[\]{}]")


def _bracket_parts(s: str) -> tuple[str, list[str]]:
    """Split ``s`` into its text outside brackets and each top-level bracketed part.

    Tolerates unbalanced brackets as PDF conversion leaves them: text before a stray closer
    ("Krastsvetmet)") and text after an unclosed opener ("... (OJSC") count as bracketed parts.
    """
    outside: list[str] = []
    parts: list[str] = []
    buf: list[str] = []
    depth = 0
    for ch in s:
        if ch in _OPENERS:
            if depth == 0:
                outside.append("".join(buf))
                buf = []
            else:
                buf.append(" ")
            depth += 1
        elif ch in _CLOSERS:
            if depth == 0:  # stray closer: what came before it was the bracketed part
                parts.append("".join(buf))
            else:
                depth -= 1
                if depth:
                    buf.append(" ")
                    continue
                parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    (parts if depth else outside).append("".join(buf))
    return " ".join(outside), parts


# --------------------------------------------------------------------------------------------
# normalize_name


#: A row number typed before the name ("1. ", "12) ", "#3 ", "4:", "5<tab>"): not part of it.
#: Digits without such a mark stay ("8853 S.p.A.", "5D Production OU" are RMI names), and so
#: does a digit before dotted initials ("5.P.T. spol. s r.o.": OCR's "5" for "S").
_ENUMERATOR_RE = re.compile(r"^\s*(?:#\s*\d{1,4}(?![0-9A-Za-z])[.):]?"
                            r"|\d{1,4}\s*[.):](?![0-9]|[A-Za-z]\.)|\d{1,4}\t)\s*")


def _without_row_number(ascii_text: str) -> str:
    """The name without a leading row number (:data:`_ENUMERATOR_RE`), when a letter follows."""
    m = _ENUMERATOR_RE.match(ascii_text)
    if m and LATIN_LETTER_RE.search(ascii_text, m.end()):
        return ascii_text[m.end():]
    return ascii_text


def _build(text: str) -> NormalizedName:
    raw = text if text.isascii() else name_script_countries(text)
    ascii_text = _without_row_number(to_ascii(raw))
    folded_tokens = fold_ascii_tokens(ascii_text)
    key_toks = _key_tokens(folded_tokens)
    key = " ".join(key_toks)
    acronym_toks = key_toks
    variants = [key]
    if _HAS_BRACKET_RE.search(ascii_text):
        outside, parts = _bracket_parts(ascii_text)
        outside_tokens = fold_ascii_tokens(outside)
        if _is_meaningful(outside_tokens):
            acronym_toks = _key_tokens(outside_tokens)
            variants.append(" ".join(acronym_toks))
        for part in parts:
            # a variant is another name: not "(Thailand)" (where, not who) nor "(Unit 2)"
            part_tokens = fold_ascii_tokens(part)
            if _is_meaningful(part_tokens) and normalize_country(" ".join(part_tokens)) is None:
                part_key = _key_tokens(part_tokens)
                if any(t not in GENERIC_WORDS and not t.isdigit() for t in part_key):
                    variants.append(" ".join(part_key))
    # "Asaka Riken Co Ltd Japan", "Rand Refinery (Pty) Ltd, South Africa": a variant without
    # the country, as for "(Japan)"
    before = _before_trailing_country(acronym_toks)
    if before:
        variants.append(" ".join(before))
    variant_tuple = tuple(dict.fromkeys(variants))
    acronym = "".join([t[0] for t in acronym_toks]) if len(acronym_toks) >= 2 else ""
    return NormalizedName(original=text, folded=" ".join(folded_tokens), key=key,
                          tokens=tuple(key_toks), compact=key.replace(" ", ""), acronym=acronym,
                          variants=variant_tuple)


def _before_trailing_country(key_tokens: list[str]) -> list[str]:
    """The key of the words before the countries that end the name, legal forms aside ("... Co Ltd
    United States of America", "Heraeus Germany GmbH", "X Hong Kong China"), when they hold a
    distinctive word of their own; else []. Where, not who: like a bracketed country, it gives
    the name a variant without it (the key and the acronym keep it: "AMK" for "Alpha Metals
    Korea" is as likely as "AM")."""
    rest = strip_trailing_countries(key_tokens)
    if rest is key_tokens or not _is_meaningful(rest):
        return []
    kept = _key_tokens(rest)
    return kept if any(t not in GENERIC_WORDS and not t.isdigit() for t in kept) else []


_build_cached = lru_cache(maxsize=200_000)(_build)


#: Characters of a cell read as a name (the rest is not read): RMI's longest name has 91, and a
#: runaway cell (two million characters) took minutes and gigabytes to search.
NAME_CHARS = 1_000


def normalize_name(text: object) -> NormalizedName:
    """Normalise one smelter name. Total: any object gives a result, nothing raises.

    ``None``/NaN/pandas NA give the empty name (``original == ""``); bytes are decoded as UTF-8;
    other non-str objects are normalised as ``str(obj)``, which is then ``original``. Only the
    first :data:`NAME_CHARS` characters are read, from the first visible one (a name after a
    thousand spaces or zero-width characters was read as empty). Results are cached per string
    (200,000 entries).
    """
    if type(text) is not str:
        text = cell_text(text)
    if len(text) > NAME_CHARS:
        text = drop_invisible(text).lstrip()[:NAME_CHARS]
    return _build_cached(text)
