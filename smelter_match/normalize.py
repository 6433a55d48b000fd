"""Normalisation stage: turn messy supplier-reported smelter names, countries and metals into
comparable keys.

Everything downstream (exact lookup, blocking, fuzzy scoring) compares the output of this module,
so two spellings of one facility must normalise to the same key wherever that can be decided
without a dictionary of facilities. The steps for a name, in order:

1. Unicode: NFKC (fullwidth forms, ligatures), Cyrillic/Greek *homoglyphs* inside Latin text mapped
   to the Latin letter they look like (a supplier's "ТАР" in Cyrillic is the Latin "TAP"), then
   ``unidecode`` transliteration of everything else (accents, genuinely Cyrillic or Chinese names).
2. ``folded``: apostrophes dropped ("L'Orfebre" -> "lorfebre", "Gao'an" -> "gaoan"), "&"/"+" read as
   "and", dotted abbreviations joined ("S.A." == "SA", "H.C." == "HC"), OCR's "I" for "l" inside a
   word read as "l" ("MetaIor"), glued camel-case split ("HeeSung" -> "hee sung", "ATAkulche" ->
   "ata kulche"), long letter runs split from digits
   ("Unit1" -> "unit 1") but not from one digit between letters, which is a damaged letter
   ("Ma1aysia", "Corporatl0n" stay one word), lower-cased, every other character a single space.
3. ``key``: ``folded`` minus stop-words (``stopwords.txt``) and minus legal forms (cleanco's
   vocabulary plus ``legal_forms.txt``, and a mistyped "Comopany" or "Co., Ktd." at the end)
   stripped repeatedly from both ends, never down to nothing;
   "non ferrous" is written "nonferrous". ``compact``, ``acronym`` and ``variants`` derive from it:
   a bracketed part, or a country that ends the name ("Conecsus LLC, USA"), gives a variant
   without it.

Countries map to ISO 3166-1 alpha-2 codes (metals have their own module,
:mod:`smelter_match.metals`, and smelter IDs theirs, :mod:`smelter_match.cids`). Every public
function is total: any input gives a value or ``None``, never an exception: input comes straight
from spreadsheets (None, NaN, numbers).

The vocabulary files are read once at import (see :mod:`smelter_match._resources`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import pycountry
from cleanco import prepare_default_terms
from rapidfuzz.distance import OSA

from smelter_match._resources import data_csv, data_lines
from smelter_match.io.tables import cell_text
from smelter_match.transliterate import LATIN_LETTER_RE, drop_invisible, to_ascii

__all__ = [
    "COUNTRY_WORDS", "GENERIC_WORDS", "LEGAL_FORM_WORDS", "METAL_WORDS", "STOP_WORDS",
    "NormalizedName", "country_is_blank", "fold", "normalize_country", "normalize_name",
    "strip_legal_forms",
]

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


# --------------------------------------------------------------------------------------------
# Vocabulary files


def _vocab_pairs(name: str, first: str, second: str) -> list[tuple[str, str]]:
    """(first, second) column pairs of a CSV vocabulary file."""
    return [(r[first], r[second]) for r in data_csv("vocab", name) if r.get(first)]


# --------------------------------------------------------------------------------------------
# Step 2: fold (step 1, any text to ASCII, is ``smelter_match.transliterate``)

_AND_TABLE = str.maketrans({"&": " and ", "+": " and "})
_APOSTROPHE_TABLE = str.maketrans({"'": None, "`": None})
# "S.A." / "S.p.A" / "H.C." / "E.5.R." (an OCR digit) joined; lookarounds keep "Co.", "No.1" out
_DOTTED_RE = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z0158]\.)+[A-Za-z0158](?![A-Za-z0-9])\.?")
# "S. A." / "C. V." (every letter dotted); "S. Izaguirre" and "A. E S." stay apart.
_DOTTED_SPACED_RE = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z]\. )+[A-Za-z]\.(?![A-Za-z0-9])")
# lower->Upper or UPPER->lower inside a word; starts at a capital, which keeps the scan fast
_CAMEL_HINT_RE = re.compile(r"[A-Z](?:(?<=[a-z][A-Z])|[A-Z][a-z])")
# a capital I after a lower-case letter or a word's first capital: OCR's "l" ("MetaIor", "GIobal")
_OCR_I_RE = re.compile(r"(?<=[a-z])(?<!^Mc)I(?=[a-z]|$)|(?<=^[A-Z])I(?=[a-z])")
_ALPHA_WORD_RE = re.compile(r"[A-Za-z]+")
_CASE_RUN_RE = re.compile(r"[A-Z]+|[a-z]+")
#: Where a letter run of 3+ meets a digit ("Unit1"), except around one digit between letters
#: ("Ma1aysia", "Corporatl0n"): that is a damaged letter inside a word, not a boundary.
_LETTER_DIGIT_RE = re.compile(r"(?<=[A-Za-z]{3})(?=[0-9])(?![0-9][A-Za-z])"
                              r"|(?<=[0-9])(?<![A-Za-z][0-9])(?=[A-Za-z]{3})")
_ALNUM_RUN_RE = re.compile(r"[a-z0-9]+")
_DIGIT_RE = re.compile(r"[0-9]")
_VOWELS = frozenset("AEIOUaeiou")

# Mixed-case words never split (GmbH, KGaA, SpA), and words that tell "AUTraders" -> "AU Traders".
# Completed from the vocabulary after it is loaded (loading it needs fold(); no vocabulary line
# depends on the completed sets).
_NO_SPLIT: set[str] = {"gmbh", "mbh", "ggmbh", "gesmbh", "kgaa", "spa", "sarl"}
_KNOWN_WORDS: set[str] = set()


def _join_dotted(m: re.Match[str]) -> str:
    joined = m.group().replace(".", "").replace(" ", "")
    if sum(c.isalpha() for c in joined) < max(2, len(joined) - 1):   # "1.5", "A.1": not initials
        return m.group()
    return " " + joined.lower() + " "


def _split_word(m: re.Match[str]) -> str:
    """Split one alphabetic word at its case changes (callback of ``_ALPHA_WORD_RE``).

    lower->Upper splits ("HeeSung"), except a single leading lower-case letter ("eBay") and "Mc".
    UPPER->lower: "AUTraders" -> "AU Traders" when "Traders" is a known word or the run ends in a
    consonant ("HCStarck" -> "HC Starck"); "ATAkulche" -> "ATA kulche" when the run ends in a vowel
    and the rest starts with a consonant. A trailing single lower-case letter stays ("PCs").
    """
    w = _OCR_I_RE.sub("l", m.group())   # read before the case changes: "MetaIor" is one word
    if not _CAMEL_HINT_RE.search(w) or w.lower() in _NO_SPLIT:
        return w
    runs = _CASE_RUN_RE.findall(w)
    cuts: list[int] = []
    pos = 0
    last = len(runs) - 1
    for i, run in enumerate(runs):
        start = pos
        pos += len(run)
        if i == 0:
            continue
        prev = runs[i - 1]
        if run[0].isupper():  # lower -> Upper
            if i == 1 and len(prev) == 1:
                continue
            if i == 2 and runs[0] == "M" and prev == "c":
                continue
            cuts.append(start)
        else:  # UPPER -> lower
            if len(prev) == 1 or (len(run) == 1 and i == last):
                continue
            if (prev[-1] + run).lower() in _KNOWN_WORDS:
                cuts.append(start - 1)
            elif run.lower() in _KNOWN_WORDS or (prev[-1] in _VOWELS and run[0] not in _VOWELS):
                cuts.append(start)
            else:
                cuts.append(start - 1)
    bounds = [0, *cuts, len(w)]
    return " ".join(w[a:b] for a, b in zip(bounds, bounds[1:]))


def _fold_ascii_tokens(s: str) -> list[str]:
    """The words of ``fold`` for text that is already ASCII (steps after transliteration)."""
    # Each step is guarded by a cheap test: most names need few of them (speed matters here).
    if "&" in s or "+" in s:
        s = s.translate(_AND_TABLE)
    if "." in s:
        s = _DOTTED_RE.sub(_join_dotted, s)
        s = _DOTTED_SPACED_RE.sub(_join_dotted, s)
    if _CAMEL_HINT_RE.search(s):
        s = _ALPHA_WORD_RE.sub(_split_word, s)
    # after the camel split, so "L'Orfebre" is two words there and "lorfebre" here
    if "'" in s or "`" in s:
        s = s.translate(_APOSTROPHE_TABLE)
    if _DIGIT_RE.search(s):
        s = _LETTER_DIGIT_RE.sub(" ", s)
    return _ALNUM_RUN_RE.findall(s.lower())


def fold(text: str) -> str:
    """Fold a name to lower-case ASCII words separated by single spaces (``NormalizedName.folded``).

    Transliterates (keeping Latin lookalikes Latin), splits glued/camel-case words, joins dotted
    abbreviations and turns all punctuation into spaces. Idempotent. Non-str input is tolerated
    (see ``normalize_name``).
    """
    if not isinstance(text, str):
        text = cell_text(text)
    return " ".join(_fold_ascii_tokens(to_ascii(text)))


# --------------------------------------------------------------------------------------------
# Step 3: stop-words and legal forms

STOP_WORDS: frozenset[str] = frozenset(
    t for line in data_lines("vocab", "stopwords.txt") for t in fold(line).split()) | {"and"}
#: Names of metals (``metal_words.txt``): generic words that make another business when they
#: differ ("Zinc" for "Tin").
METAL_WORDS: frozenset[str] = frozenset(
    t for line in data_lines("vocab", "metal_words.txt") for t in fold(line).split())
GENERIC_WORDS: frozenset[str] = frozenset(
    t for line in data_lines("vocab", "generic_words.txt") for t in fold(line).split()) | METAL_WORDS


def _read_legal_forms() -> tuple[set[tuple[str, ...]], set[tuple[str, ...]], tuple[str, ...]]:
    """(both-ends forms, prefix-only forms) as folded token tuples, cleanco's base included, and
    the one-word forms read through typing slips (section ``slips``).

    Each form is stored as folded and also with stop-words removed, because keys are made from
    stop-word-free tokens ("GmbH & Co. KG" -> ("gmbh", "co", "kg")).
    """
    sections: dict[str, list[str]] = {"both": [], "prefix": [], "exclude": [], "slips": []}
    current = "both"
    for line in data_lines("vocab", "legal_forms.txt"):
        if line.endswith(":") and line[:-1].strip().lower() in sections:
            current = line[:-1].strip().lower()
        else:
            sections[current].append(line)
    # Excluded cleanco terms, and prefix-only forms (cleanco lists "pt" for either end).
    exclude = {tuple(fold(x).split()) for x in sections["exclude"] + sections["prefix"]}
    cleanco_terms = [" ".join(parts) for _, parts in prepare_default_terms()]

    def forms(lines: Iterable[str], skip: set[tuple[str, ...]]) -> set[tuple[str, ...]]:
        out: set[tuple[str, ...]] = set()
        for line in lines:
            toks = tuple(fold(line).split())
            if not toks or toks in skip:
                continue
            out.add(toks)
            no_stop = tuple(t for t in toks if t not in STOP_WORDS)
            if no_stop:
                out.add(no_stop)
        return out

    slips = tuple(dict.fromkeys(fold(x) for x in sections["slips"]))
    return (forms([*cleanco_terms, *sections["both"]], exclude), forms(sections["prefix"], set()),
            slips)


def _index(forms: Iterable[tuple[str, ...]], at_end: bool) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Forms by their boundary token (last for suffixes, first for prefixes), longest first."""
    by_token: dict[str, list[tuple[str, ...]]] = {}
    for f in forms:
        by_token.setdefault(f[-1] if at_end else f[0], []).append(f)
    return {t: tuple(sorted(fs, key=lambda f: (-len(f), f))) for t, fs in by_token.items()}


_BOTH_FORMS, _PREFIX_ONLY_FORMS, _SLIP_FORMS = _read_legal_forms()
_SUFFIX_FORMS = _index(_BOTH_FORMS, at_end=True)
_PREFIX_FORMS = _index(_BOTH_FORMS | _PREFIX_ONLY_FORMS, at_end=False)
_NO_SPLIT.update(f[0] for f in _BOTH_FORMS if len(f) == 1)
_KNOWN_WORDS.update(GENERIC_WORDS, STOP_WORDS, _NO_SPLIT, ("ore", "aluminium", "aluminum"))
#: Single words of the legal forms ("corporation", "ltd", "gmbh" ...).
LEGAL_FORM_WORDS: frozenset[str] = frozenset(w for f in _BOTH_FORMS | _PREFIX_ONLY_FORMS for w in f)


def _strip_legal(tokens: list[str], keep_one: bool) -> list[str]:
    """Strip legal forms from both ends of ``tokens`` in place, longest form first, repeatedly,
    and a last word that is a mistyped form (:func:`_mistyped_form`).

    With ``keep_one`` the last remaining token is never stripped.
    """
    floor = 1 if keep_one else 0
    changed = True
    while changed and len(tokens) > floor:
        changed = False
        for at_end, index in ((True, _SUFFIX_FORMS), (False, _PREFIX_FORMS)):
            room = len(tokens) - floor
            for f in index.get(tokens[-1] if at_end else tokens[0], ()) if room > 0 else ():
                n = len(f)
                edge = tokens[len(tokens) - n:] if at_end else tokens[:n]
                if n <= room and (n == 1 or tuple(edge) == f):
                    start = len(tokens) - n if at_end else 0
                    del tokens[start:start + n]
                    changed = True
                    break
        if not changed and len(tokens) > floor and _mistyped_form(tokens):
            del tokens[-1]
            changed = True
    return tokens


def _mistyped_form(tokens: list[str]) -> bool:
    """The last word is a form of the ``slips`` section of ``legal_forms.txt`` mistyped: one
    slip (OSA distance: a swap of neighbours is one) from a form of 6+ letters, two from one of
    9+ ("comopany", "coropratoin"), one from a shorter form right after a word of a legal form
    ("co ktd", "stock comp"). Never a word of the vocabularies (generic, stop-words) or a real
    legal form; an acronym or country code one slip from a short form right after a legal form
    goes too ("Co Ltd IMC": RMI's names are normalised the same way, and a bracketed acronym
    stays a variant of the name). Measured: keeping the short forms to one-word legal forms
    before them ("co", "ltd", not "stock", "c") would change 5 keys of the 43k names of the
    held-out protocol, 4 of them for the worse ("Joint Stock Comp.", "C., Ltsd.")."""
    t = tokens[-1]
    if len(t) < 3 or not t.isalpha() or t in _KNOWN_WORDS or t in LEGAL_FORM_WORDS:
        return False
    after_form = len(tokens) > 1 and tokens[-2] in LEGAL_FORM_WORDS
    for w in _SLIP_FORMS:
        slips = 2 if len(w) >= 9 else 1 if len(w) >= 6 or after_form else 0
        if slips and abs(len(t) - len(w)) <= slips and OSA.distance(t, w, score_cutoff=slips) \
                <= slips:
            return True
    return False


def strip_legal_forms(tokens: Sequence[str]) -> tuple[str, ...]:
    """Remove legal forms ("co ltd", "gmbh co kg", prefix "pt") from both ends of folded tokens.

    Repeats until nothing more matches; never removes the last token, so a name that is only a
    legal form ("Company") keeps it. Tokens must already be folded (see ``fold``).
    """
    return tuple(_strip_legal(list(tokens), keep_one=True))


def _key_tokens(folded_tokens: list[str]) -> list[str]:
    """Key tokens from folded tokens; empty only if there are none."""
    kept = [t for t in folded_tokens if t not in STOP_WORDS]
    if not kept:
        return folded_tokens
    kept = _strip_legal(kept, keep_one=True)
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
    return bool(_strip_legal(kept, keep_one=False))


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


_SCRIPT_BRACKET_RE = re.compile(r"[（(]([^()（）]+)[)）]")


def _script_countries_named(text: str) -> str:
    """A bracketed country in another script named as ISO does ("（日本）" -> "(Japan)"): its
    romanisation ("Ri Ben") would read as words of the name, where "(Japan)" is a place."""
    def name(m: re.Match[str]) -> str:
        code = _COUNTRY_SCRIPT.get(_script_key(m.group(1)))
        if not code:
            return m.group()
        c = pycountry.countries.get(alpha_2=code)
        return f" ({getattr(c, 'common_name', None) or c.name})"

    return _SCRIPT_BRACKET_RE.sub(name, text)


def _build(text: str) -> NormalizedName:
    raw = text if text.isascii() else _script_countries_named(text)
    ascii_text = _without_row_number(to_ascii(raw))
    folded_tokens = _fold_ascii_tokens(ascii_text)
    key_toks = _key_tokens(folded_tokens)
    key = " ".join(key_toks)
    acronym_toks = key_toks
    variants = [key]
    if _HAS_BRACKET_RE.search(ascii_text):
        outside, parts = _bracket_parts(ascii_text)
        outside_tokens = _fold_ascii_tokens(outside)
        if _is_meaningful(outside_tokens):
            acronym_toks = _key_tokens(outside_tokens)
            variants.append(" ".join(acronym_toks))
        for part in parts:
            # a variant is another name: not "(Thailand)" (where, not who) nor "(Unit 2)"
            part_tokens = _fold_ascii_tokens(part)
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
    rest = key_tokens
    while rest and rest[-1] in _COUNTRY_NAME_WORDS:   # cheap first: most names end otherwise
        for k in range(min(_COUNTRY_MAX_WORDS, len(rest) - 1), 0, -1):
            text = " ".join(rest[-k:])
            # a country written out or as a listed alias ("USA"), not an ISO code ("Xi YE");
            # key words are folded already: no need for normalize_country's folding
            if (len(text) >= 4 or text in _COUNTRY_ALIASES) and _folded_country_code(text):
                rest = rest[:-k]
                break
        else:
            break
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
    first :data:`NAME_CHARS` characters are read. Results are cached per string (200,000
    entries).
    """
    if type(text) is not str:
        text = cell_text(text)
    return _build_cached(text[:NAME_CHARS] if len(text) > NAME_CHARS else text)


# --------------------------------------------------------------------------------------------
# Countries

_COUNTRY_NULLS = frozenset({"", "na", "n a", "none", "null", "nan", "unknown", "tbd",
                            "not available", "not applicable"})
_COUNTRY_FILLER = frozenset({"the", "of", "and"})


def country_is_blank(text: object) -> bool:
    """Whether a country cell says no country: blank, "-", "N/A", "unknown" (not "Jiangsu")."""
    return fold(unicodedata.normalize("NFKC", cell_text(text))) in _COUNTRY_NULLS


def _country_sorted_key(folded: str) -> str:
    return " ".join(sorted(t for t in folded.split() if t not in _COUNTRY_FILLER))


def _build_country_tables() -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
    """(exact folded name -> code, word-order-free name -> code, the aliases' folded forms)
    from pycountry and ``country_aliases.csv``."""
    exact: dict[str, str] = {}
    unordered: dict[str, str | None] = {}

    def add(name: str, code: str, override: bool) -> None:
        f = fold(name)
        if not f or f in _COUNTRY_NULLS:
            return
        if override or f not in exact:
            exact[f] = code
        sk = _country_sorted_key(f)
        if sk:
            if override:
                unordered[sk] = code
            elif unordered.get(sk, code) != code:
                unordered[sk] = None  # two countries share these words: not usable
            else:
                unordered.setdefault(sk, code)

    for c in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                add(value, c.alpha_2, override=False)
    aliases = set()
    for alias, code in _vocab_pairs("country_aliases.csv", "alias", "iso2"):
        if not _other_script(alias):
            add(alias, code.upper(), override=True)
            aliases.add(fold(alias))
    return exact, {k: v for k, v in unordered.items() if v}, frozenset(aliases)


def _other_script(text: str) -> bool:
    """``text`` has a letter outside the Latin script ("中国", "Россия"; not "Perú")."""
    return not text.isascii() and any(c.isalpha() and ord(c) > 0x24F and not
                                      0x1E00 <= ord(c) <= 0x1EFF for c in text)


def _script_key(text: str) -> str:
    return unicodedata.normalize("NFKC", drop_invisible(text)).strip(" \t\r\n()（）").casefold()


_COUNTRY_EXACT, _COUNTRY_UNORDERED, _COUNTRY_ALIASES = _build_country_tables()
#: Country names in other scripts (``country_aliases.csv``), compared as written: "中国" -> CN.
_COUNTRY_SCRIPT: dict[str, str] = {_script_key(a): c.upper() for a, c in
                                   _vocab_pairs("country_aliases.csv", "alias", "iso2")
                                   if _other_script(a)}
_NON_ASCII_RUN_RE = re.compile(r"[^\x00-\x7f]+")
#: The most words a country name has as written ("lao people s democratic republic").
_COUNTRY_MAX_WORDS = max(len(k.split()) for k in _COUNTRY_EXACT)
#: Every word of a country name or alias (any of them can end one: word order is free).
_COUNTRY_NAME_WORDS = frozenset(t for k in (*_COUNTRY_EXACT, *_COUNTRY_UNORDERED) for t in k.split())
#: Words of country names as written (4+ letters: "thailand", "united", "america", "korea").
COUNTRY_WORDS: frozenset[str] = frozenset(
    t for k in _COUNTRY_EXACT for t in k.split() if len(t) >= 4 and t.isalpha())


def _folded_country_code(f: str) -> str | None:
    """The code of a folded country name: as written, else with its words in any order."""
    code = _COUNTRY_EXACT.get(f)
    return code if code is not None else _COUNTRY_UNORDERED.get(_country_sorted_key(f))


def normalize_country(text: object) -> str | None:
    """ISO 3166-1 alpha-2 code for a country as written ("KOREA, REPUBLIC OF" -> "KR"), else None.

    Case, accents, punctuation, "the/of/and" and word order do not matter; codes ("CN", "CHN")
    are accepted. Blank, "-", "N/A" and anything unrecognised give None. Never raises.
    """
    try:
        raw = unicodedata.normalize("NFKC", cell_text(text))    # full-width letters are Latin
        other_script = _other_script(raw)
        if other_script and (code := _COUNTRY_SCRIPT.get(_script_key(raw))) is not None:
            return code
        f = fold(raw)      # a Cyrillic lookalike in "Сhina" is repaired here
        if f in _COUNTRY_NULLS:
            return None
        code = _folded_country_code(f)
        if code is None and other_script:
            # written in two languages ("中国 China", "China（中国）"): both halves must agree
            latin = _folded_country_code(fold(_NON_ASCII_RUN_RE.sub(" ", raw)))
            other = {_COUNTRY_SCRIPT.get(_script_key(t)) for t in _NON_ASCII_RUN_RE.findall(raw)
                     if _script_key(t)}
            code = latin if latin is not None and other == {latin} else None
        return code
    except Exception:  # pragma: no cover - defensive: inputs are arbitrary
        return None
