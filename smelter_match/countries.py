"""Countries as suppliers write them, read as ISO 3166-1 alpha-2 codes.

``normalize_country`` reads a country cell: names as pycountry and ``vocab/country_aliases.csv``
spell them (case, accents, punctuation, "the/of/and" and word order aside), codes ("CN", "CHN"),
names in other scripts ("中国"). The name normaliser (:mod:`smelter_match.normalize`) asks this
module where a country is part of a name ("Rand Refinery (Pty) Ltd, South Africa", "（日本）")
so that the name gets a variant without it. Every function is total: any input gives a value
or ``None``, never an exception.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pycountry
from unidecode import unidecode

from smelter_match._resources import data_lines
from smelter_match.folding import fold, vocab_pairs
from smelter_match.io.tables import cell_text
from smelter_match.transliterate import drop_invisible

__all__ = ["COUNTRY_WORDS", "PLACE_WORD_MIN", "country_is_blank", "compute_places", "is_place_name",
           "name_script_countries", "normalize_country", "place_words", "places_read",
           "set_places", "strip_trailing_countries"]

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
    for alias, code in vocab_pairs("country_aliases.csv", "alias", "iso2"):
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
                                   vocab_pairs("country_aliases.csv", "alias", "iso2")
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
    are accepted; a province or city written beside the country is read past ("Jiangsu, China",
    "Japan (Aizu)"), unless another part names another country ("Taiwan, China"). Blank, "-",
    "N/A" and anything unrecognised give None. Never raises.
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
        return code if code is not None else _country_of_parts(raw)
    except Exception:  # pragma: no cover - defensive: inputs are arbitrary
        return None


#: What parts a country cell: "Jiangsu, China", "Japan (Aizu)", "China - Yunnan", "Peru / Lima".
_PART_SEPARATOR_RE = re.compile(r"[,;/()（），、]|\s[-–]\s")


def _country_of_parts(raw: str) -> str | None:
    """The one country the parts of a cell name, with a province or city beside it ("Jiangsu,
    China", "Japan (Aizu)"), when every part that names a country names the same one (not
    "Taiwan, China", "USA / Mexico"). A part counts written out or as a listed alias, not as
    a code, and a part of two letters reads none ("Lima, PE", "Lebanon, PA": two letters are as
    often a province's or a state's)."""
    codes = set()
    for part in _PART_SEPARATOR_RE.split(raw):
        code = _COUNTRY_SCRIPT.get(_script_key(part)) if _other_script(part) else None
        f = fold(part)
        if len(f) == 2 and code is None:   # "Lebanon, PA", "Peru, IN": a US state's code
            return None
        if code is None and (len(f) >= 4 or f in _COUNTRY_ALIASES):
            code = _folded_country_code(f)
        if code is not None:
            codes.add(code)
    return codes.pop() if len(codes) == 1 else None

_SCRIPT_BRACKET_RE = re.compile(r"[（(]([^()（）]+)[)）]")


def name_script_countries(text: str) -> str:
    """A bracketed country in another script named as ISO does ("（日本）" -> "(Japan)"): its
    romanisation ("Ri Ben") would read as words of a name, where "(Japan)" is a place."""
    def name(m: re.Match[str]) -> str:
        code = _COUNTRY_SCRIPT.get(_script_key(m.group(1)))
        if not code:
            return m.group()
        c = pycountry.countries.get(alpha_2=code)
        return f" ({getattr(c, 'common_name', None) or c.name})"

    return _SCRIPT_BRACKET_RE.sub(name, text)


def strip_trailing_countries(tokens: list[str]) -> list[str]:
    """``tokens`` (folded words) without the countries that end them, written out or as a listed
    alias ("... co ltd united states of america", "x usa"; not an ISO code: "xi ye"); the same
    list when none does."""
    rest = tokens
    while rest and rest[-1] in _COUNTRY_NAME_WORDS:   # cheap first: most names end otherwise
        for k in range(min(_COUNTRY_MAX_WORDS, len(rest) - 1), 0, -1):
            text = " ".join(rest[-k:])
            # words are folded already: no need for normalize_country's folding
            if (len(text) >= 4 or text in _COUNTRY_ALIASES) and _folded_country_code(text):
                rest = rest[:-k]
                break
        else:
            break
    return rest


#: Words that say what kind of place a name is ("Hunan Sheng", "Osaka-fu", "Jiangsu Province").
_PLACE_TYPE_WORDS = frozenset(t for line in data_lines("vocab", "place_type_words.txt")
                              for t in fold(line).split())


def _without_place_type(folded: str) -> str:
    return " ".join(t for t in folded.split() if t not in _PLACE_TYPE_WORDS)


def subdivision_names() -> list[str]:
    """The names of the world's provinces, states and regions (ISO 3166-2, pycountry's data):
    read from pycountry's JSON file, 0.007 s, where its objects take 0.05 s and more to build;
    its objects if the file is not there."""
    path = Path(getattr(pycountry, "DATABASE_DIR", "")) / "iso3166-2.json"
    try:
        with path.open(encoding="utf-8") as fh:
            return [entry["name"] for entry in json.load(fh)["3166-2"]]
    except (OSError, ValueError, KeyError, TypeError):
        return [s.name for s in pycountry.subdivisions]


#: Shortest word of a place's name :func:`place_words` gives: place names of three letters are
#: as often syllables or abbreviations ("Shi", "San", "New").
PLACE_WORD_MIN = 4
#: The places read once per process (:func:`set_places`): "names" and "words".
_PLACES: dict[str, frozenset[str]] = {}


def compute_places() -> dict[str, list[str]]:
    """The folded names of the world's provinces, states and regions without the words saying
    what kind of place they are, from four letters ("names"), and their plain words
    ("words", :func:`place_words`), sorted: what :func:`set_places` takes (~0.04 s; the user
    cache keeps them, :func:`smelter_match.cache.load_places`)."""
    names, words = set(), set()
    for name in subdivision_names():
        short = _without_place_type(fold(name))
        if len(short) >= 4:
            names.add(short)
        words.update(w for w in re.split(r"[^a-z0-9]+", unidecode(name).lower())
                     if len(w) >= PLACE_WORD_MIN)
    return {"names": sorted(names), "words": sorted(words)}


def places_read() -> bool:
    """Whether this process has read the places (:func:`set_places`)."""
    return bool(_PLACES)


def set_places(names: list[str], words: list[str]) -> None:
    """Take the places :func:`compute_places` gives (read once per process)."""
    _PLACES.update(names=frozenset(names), words=frozenset(words))


def _places(kind: str) -> frozenset[str]:
    if not _PLACES:
        set_places(**compute_places())
    return _PLACES[kind]


def place_words() -> frozenset[str]:
    """The words of the names of the world's provinces, states and regions, from
    :data:`PLACE_WORD_MIN` letters: "Hebei" and "Hubei", "Shanxi" and "Shaanxi" are two
    provinces, not a slip apart. Plain words (transliterated, lower-cased, split at anything
    not a letter or digit), read once per process."""
    return _places("words")


def _place_names() -> frozenset[str]:
    """The folded names of the world's provinces, states and regions without the words saying
    what kind of place they are, from four letters (read once per process)."""
    return _places("names")


def is_place_name(folded: str) -> bool:
    """Whether a folded text is only a place: a country written out or as a listed alias
    ("germany", "usa"; not a code: "tt" is also a name), or a province, state or region, with
    or without the word saying so ("hunan", "jiangsu province", "osaka fu"). Where, not who."""
    country = (len(folded) >= 4 or folded in _COUNTRY_ALIASES) and bool(
        _folded_country_code(folded))
    return country or _without_place_type(folded) in _place_names()
