"""Folding and the name vocabularies: any text to lower-case ASCII words, and the words that
say little about which business a name is (stop-words, generic and metal words, legal forms).

``fold`` is step 2 of normalising a name (:mod:`smelter_match.normalize`; step 1, any text to
ASCII, is :mod:`smelter_match.transliterate`): apostrophes dropped, "&"/"+" read as "and", dotted
abbreviations joined, OCR's "I" for "l" read as "l", glued camel-case split, letter runs split
from digits, lower-cased, every other character a space. The vocabularies are data files
(``vocab/stopwords.txt``, ``generic_words.txt``, ``metal_words.txt``, ``legal_forms.txt`` and
cleanco's legal forms), folded when this module is imported; ``fold`` itself then knows their
words (a mixed-case legal form such as "GmbH" is never split).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from cleanco import prepare_default_terms
from rapidfuzz.distance import OSA

from smelter_match._resources import data_csv, data_lines
from smelter_match.io.tables import cell_text
from smelter_match.transliterate import to_ascii

__all__ = [
    "GENERIC_WORDS", "LEGAL_FORM_WORDS", "METAL_WORDS", "STOP_WORDS", "fold", "fold_ascii_tokens",
    "strip_legal", "strip_legal_forms", "vocab_pairs",
]


def vocab_pairs(name: str, first: str, second: str) -> list[tuple[str, str]]:
    """(first, second) column pairs of a CSV vocabulary file."""
    return [(r[first], r[second]) for r in data_csv("vocab", name) if r.get(first)]


# --------------------------------------------------------------------------------------------
# fold

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


def fold_ascii_tokens(s: str) -> list[str]:
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
    return " ".join(fold_ascii_tokens(to_ascii(text)))


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


def strip_legal(tokens: list[str], keep_one: bool) -> list[str]:
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
    return tuple(strip_legal(list(tokens), keep_one=True))

