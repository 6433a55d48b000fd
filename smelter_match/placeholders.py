"""Cells that name no facility: placeholder texts ("Smelter not listed", "N/A") and phrases
saying so ("not a 3TG smelter", "see tab 2", "Confidential"), also damaged by OCR or typing,
and cells without a letter that are no RMI name ("3.5", "123456").

Such a cell is ``no_match`` before any search (:mod:`smelter_match.decide`), unless an analyst
override says otherwise, or its reported CID is in the reference (then ``review``). The texts
and phrases are data (``vocab/placeholders.txt``,
``vocab/placeholder_phrases.csv``).
"""

from __future__ import annotations

from smelter_match._resources import data_csv, data_lines
from smelter_match.countries import is_place_name, normalize_country
from smelter_match.folding import GENERIC_WORDS, LEGAL_FORM_WORDS
from smelter_match.index import DamagedWords, NameIndex
from smelter_match.io.tables import cell_text
from smelter_match.metals import normalize_metal
from smelter_match.normalize import NormalizedName, normalize_name

__all__ = ["PLACEHOLDERS", "names_no_business", "no_letters", "placeholder_text"]

#: Normalised keys of texts that are not names at all ("Smelter not listed", "N/A", ...).
PLACEHOLDERS: frozenset[str] = frozenset(
    normalize_name(s).key for s in data_lines("vocab", "placeholders.txt"))


def _placeholder_phrases() -> tuple[tuple[tuple[str, ...], ...], frozenset[str]]:
    rows = data_csv("vocab", "placeholder_phrases.csv")
    says = tuple(tuple(normalize_name(r["text"]).key.split()) for r in rows if r["role"] == "says")
    filler = frozenset(normalize_name(r["text"]).folded for r in rows if r["role"] == "filler")
    return says, filler


_SAYS, _FILLER = _placeholder_phrases()
_FIRST_SAID = frozenset(phrase[0] for phrase in _SAYS)
_SAYS_WORDS = frozenset(w for phrase in _SAYS for w in phrase)
_PHRASE_WORDS = _SAYS_WORDS | _FILLER
#: placeholder words as damaged: a token of 5+ letters by OCR ("srnelter", "suppiier"); one of
#: 6+ letters also by a typing slip from a "says" word of 7+ letters (Indel >= 85:
#: "confidentiakl", "dmelter"; filler words are too close to names: "Materion" is not "material")
_DAMAGED = DamagedWords(_PHRASE_WORDS, [w for w in _PHRASE_WORDS if len(w) >= 5],
                        [w for w in _SAYS_WORDS if len(w) >= 7],
                        ocr_from=5, slip_from=6, cutoff=85, cache=1 << 14)


def _filler(token: str) -> bool:
    return len(token) == 1 or token.isdigit() or token in _FILLER or token in GENERIC_WORDS


def placeholder_text(nn: NormalizedName) -> bool:
    """The cell names no facility, so it is ``no_match`` before any search: a placeholder text
    ("Smelter not listed", "N/A"), or a phrase saying so ("not a 3TG smelter", "see tab 2",
    "Confidential") with nothing else that could name a facility (``placeholder_phrases.csv``),
    also with a word damaged by OCR or typing ("Not a 3TG srnelter").
    A facility name with such a note keeps its distinctive words ("Jiangxi Copper (not
    listed)"), so it is searched like any other name."""
    if nn.key in PLACEHOLDERS:
        return True
    tokens = [_DAMAGED.read(t) or t for t in nn.key.split()]
    if _FIRST_SAID.isdisjoint(tokens):   # the common case, decided at once
        return False
    said = [False] * len(tokens)
    for phrase in _SAYS:
        n = len(phrase)
        for i in range(len(tokens) - n + 1):
            if tuple(tokens[i:i + n]) == phrase:
                said[i:i + n] = [True] * n
    if not any(said):
        return False
    # what is left must be filler, or runs of words that name a country ("Hong Kong")
    runs, run = [], []
    for s, t in zip(said, tokens):
        if s or _filler(t):
            runs.append(run)
            run = []
        else:
            run.append(t)
    runs.append(run)
    return all(normalize_country(" ".join(r)) is not None for r in runs if r)


def no_letters(nn: NormalizedName, ni: NameIndex) -> bool:
    """The cell has no letter at all ("3.5", "123456", "0") and is no RMI name ("8853" is one),
    so it names no facility: a number in the wrong column, not a name. Searched, such a cell
    finds the one RMI name made of digits by its digits ("853", "88.53": 8853 S.p.A.)."""
    # the whole text as written, legal forms included: "OOO 1" has letters (a name of which
    # only the legal form and a number are left is still searched); "1 & 2" has none (folded,
    # "&" and "+" read as "and")
    return bool(nn.key) and not any(c.isalpha() for c in nn.original) and not any(
        (nn.key, m) in ni.by_key for m in ni.metals)


def names_no_business(nn: NormalizedName) -> bool:
    """Whether a name is only a place or only company forms and generic words ("Germany",
    "Hunan Co., Ltd.", "Osaka", "Corp.", "有限公司", "Unit 1", "Gold Refinery"), or one or two
    characters ("Do"): it says where or what kind of business, not which. Such a name is never
    matched on its likeness to an RMI name ("Germany" was Heraeus Germany GmbH, "Tonga" Rui Da
    Hung's "Da Tong", "Unit 1" an Indian refinery's unit), only as exactly one
    (:mod:`smelter_match.decide`)."""
    if not nn.tokens:
        return False
    if len(nn.compact) <= 2:   # "Do" was Do Sung Corporation at 0.96
        return True
    if all(t in GENERIC_WORDS or t in LEGAL_FORM_WORDS or t.isdigit() for t in nn.tokens):
        return True
    return is_place_name(nn.key) or is_place_name(nn.folded)


def read_metal(v: object) -> tuple[str, str]:
    """A reported metal cell: (one of the four or "", the text as reported; "" when it says
    nothing: "N/A", "-", "unknown" are no metal reported, not another metal). A row with text
    here but none of the four reports another metal ("Copper")."""
    metal_text = cell_text(v).strip()
    metal = normalize_metal(metal_text) or ""
    if not metal and metal_text:
        nn = normalize_name(metal_text)
        if not nn.key or placeholder_text(nn):
            metal_text = ""
    return metal, metal_text
