"""The noise model: how supplier lists damage smelter names, for training and for honest evaluation.

Every kind of damage is a *family* (``reference_data/training/noise_families.csv``, documented in
``reference_data/training/NOISE.md``): typos, OCR confusions, pinyin spacing, abbreviations,
romanised generic words, legal-form changes, dropped or swapped words, truncation by a form field,
acronyms, case and punctuation, homoglyphs, an added location. A noisy query gets 1, 2 or 3 edits
(``edits.csv``); each edit's family is drawn by its rate among the *allowed* families, so a family
can be held out of everything a model sees and measured alone afterwards.

:func:`corrupt` applies one edit of a family (``None`` when the family does not apply to the
name); :func:`noisy` applies a drawn number of edits; :func:`non_smelter_names` makes names of
businesses that are not RMI facilities from ``non_smelter_parts.csv`` and ``non_smelters.txt``;
:func:`near_miss_name` makes another company's name from a facility's by one word of
``near_miss_words.csv`` (a metal, a place, a plant's direction) for another of its kind.
Everything is driven by a ``random.Random`` the caller seeds: same seed, same names.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from functools import lru_cache

from smelter_match._resources import data_csv, data_lines

__all__ = ["FAMILIES", "NoiseModel", "corrupt", "load_noise_model", "near_miss_name", "noisy",
           "non_smelter_names"]

_KEYBOARD = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
_CYRILLIC = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441",
             "x": "\u0445", "y": "\u0443", "A": "\u0410", "B": "\u0412", "E": "\u0415",
             "K": "\u041a", "M": "\u041c", "H": "\u041d", "O": "\u041e", "P": "\u0420",
             "C": "\u0421", "T": "\u0422", "X": "\u0425"}
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\-]*")


@dataclass(frozen=True)
class NoiseModel:
    """Rates and vocabularies of the noise model (read from ``reference_data/training``)."""

    rates: dict[str, float]
    edits: dict[int, float]
    ocr: tuple[tuple[str, str], ...]
    abbreviations: dict[str, tuple[str, ...]]
    romanisations: dict[str, tuple[str, ...]]
    legal_forms: tuple[str, ...]
    syllables: frozenset[str] = field(default_factory=frozenset)


@lru_cache(maxsize=1)
def load_noise_model() -> NoiseModel:
    """The shipped noise model."""
    rates = {r["family"]: float(r["rate"]) for r in data_csv("training", "noise_families.csv")}
    edits = {int(r["edits"]): float(r["rate"]) for r in data_csv("training", "edits.csv")}
    abbr: dict[str, list[str]] = {}
    for r in data_csv("training", "abbreviations.csv"):
        abbr.setdefault(r["word"].lower(), []).append(r["abbreviation"])
    roman: dict[str, list[str]] = {}
    for r in data_csv("vocab", "romanisations.csv"):
        roman.setdefault(r["word"].lower(), []).append(r["written_as"])
        roman.setdefault(r["written_as"].lower(), []).append(r["word"].title())
    parts = data_csv("training", "pinyin.csv")
    initials = [""] + [p["text"] for p in parts if p["kind"] == "initial"]
    finals = [p["text"] for p in parts if p["kind"] == "final"]
    return NoiseModel(
        rates=rates, edits=edits,
        ocr=tuple((r["text"], r["read_as"]) for r in data_csv("training", "ocr_confusions.csv")),
        abbreviations={k: tuple(v) for k, v in abbr.items()},
        romanisations={k: tuple(v) for k, v in roman.items()},
        legal_forms=tuple(data_lines("training", "legal_forms_typed.txt")),
        syllables=frozenset(i + f for i in initials for f in finals),
    )


FAMILIES: tuple[str, ...] = tuple(load_noise_model().rates)


# --------------------------------------------------------------------------------------------
# one edit per family


def _neighbour(ch: str, rng: random.Random) -> str:
    low = ch.lower()
    for row in _KEYBOARD:
        i = row.find(low)
        if i >= 0:
            options = [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
            out = rng.choice(options)
            return out.upper() if ch.isupper() else out
    return rng.choice("aeinorst")


def _typo(s: str, rng: random.Random, m: NoiseModel) -> str | None:
    letters = [i for i, c in enumerate(s) if c.isalpha() and i > 0]
    if len(letters) < 3:
        return None
    i = rng.choice(letters)
    kind = rng.choice("dsitx")
    if kind == "d":
        return s[:i] + s[i + 1:]
    if kind == "s":
        return s[:i] + _neighbour(s[i], rng) + s[i + 1:]
    if kind == "i":
        return s[:i] + _neighbour(s[i], rng) + s[i:]
    if kind == "x":   # doubled letter
        return s[:i] + s[i] + s[i:]
    return s[:i - 1] + s[i] + s[i - 1] + s[i + 1:] if s[i - 1].isalpha() else None


def _ocr(s: str, rng: random.Random, m: NoiseModel) -> str | None:
    options = [(a, b) for a, b in m.ocr if a in s]
    if not options:
        return None
    a, b = rng.choice(options)
    spots = [x.start() for x in re.finditer(re.escape(a), s)]
    i = rng.choice(spots)
    return s[:i] + b + s[i + len(a):]


def _segment(word: str, syllables: frozenset[str]) -> list[str] | None:
    """Split a lower-case word into pinyin syllables (fewest pieces), or None."""
    n = len(word)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(i + 1, min(n, i + 6) + 1):
            if word[i:j] in syllables and (best[j] is None or len(best[i]) + 1 < len(best[j])):
                best[j] = [*best[i], word[i:j]]
    return best[n]


def _spacing(s: str, rng: random.Random, m: NoiseModel) -> str | None:
    words = s.split(" ")
    if len(words) > 1 and rng.random() < 0.5:   # join two neighbours (camel case or flat)
        i = rng.randrange(len(words) - 1)
        a, b = words[i], words[i + 1]
        if not (a.isalpha() and b.isalpha()):
            return None
        joined = a + (b if rng.random() < 0.5 else b.lower())
        return " ".join([*words[:i], joined, *words[i + 2:]])
    splittable = []
    for i, w in enumerate(words):
        seg = _segment(w.lower(), m.syllables) if w.isalpha() and len(w) >= 5 else None
        if seg and len(seg) >= 2:
            splittable.append((i, seg))
    if not splittable:
        return None
    i, seg = rng.choice(splittable)
    cut = sum(len(x) for x in seg[: rng.randrange(1, len(seg))])
    w = words[i]
    right = w[cut:]
    if rng.random() < 0.7:
        right = right[:1].upper() + right[1:]
    return " ".join([*words[:i], w[:cut], right, *words[i + 1:]])


def _replace_word(s: str, rng: random.Random, table: dict[str, tuple[str, ...]]) -> str | None:
    hits = [x for x in _WORD_RE.finditer(s) if x.group().lower() in table]
    if not hits:
        return None
    x = rng.choice(hits)
    return s[:x.start()] + rng.choice(table[x.group().lower()]) + s[x.end():]


def _abbreviation(s: str, rng: random.Random, m: NoiseModel) -> str | None:
    out = _replace_word(s, rng, m.abbreviations)
    if out is not None and rng.random() < 0.8:
        return out
    long_words = [x for x in _WORD_RE.finditer(s) if len(x.group()) >= 7]
    if not long_words:
        return out
    x = rng.choice(long_words)
    return s[:x.start()] + x.group()[: rng.randint(3, 5)] + "." + s[x.end():]


def _romanisation(s: str, rng: random.Random, m: NoiseModel) -> str | None:
    return _replace_word(s, rng, m.romanisations)


def _legal_form(s: str, rng: random.Random, m: NoiseModel) -> str | None:
    from smelter_match.folding import fold
    from smelter_match.normalize import normalize_name

    n = normalize_name(s)
    has_form = n.key != " ".join(x for x in fold(s).split() if x not in ("the", "of", "and"))
    base = s
    if has_form:   # drop the legal form: keep the words of the key, in their written case
        keep = set(n.tokens)
        words = [w for w in s.replace(",", " ").split() if fold(w) and set(fold(w).split()) & keep]
        base = " ".join(words) if words else s
        if rng.random() < 0.4:
            return base
    return f"{base.rstrip(' ,.')} {rng.choice(m.legal_forms)}".strip()


def _word_drop(s: str, rng: random.Random, m: NoiseModel) -> str | None:
    words = s.split()
    if len(words) < 3:
        return None
    del words[rng.randrange(len(words))]
    return " ".join(words)


def _word_order(s: str, rng: random.Random, m: NoiseModel) -> str | None:
    words = s.split()
    if len(words) < 2:
        return None
    i = rng.randrange(len(words) - 1)
    words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def _truncation(s: str, rng: random.Random, m: NoiseModel) -> str | None:
    limit = rng.randint(15, 30)
    return s[:limit].rstrip() if len(s) > limit + 3 else None


def _acronym(s: str, rng: random.Random, m: NoiseModel) -> str | None:
    from smelter_match.normalize import normalize_name

    tokens = normalize_name(s).tokens
    if len(tokens) < 3:
        return None
    acr = "".join(t[0] for t in tokens).upper()
    return acr if rng.random() < 0.6 else f"{tokens[0].title()} {acr[1:]}"


def _case_punct(s: str, rng: random.Random, m: NoiseModel) -> str | None:
    kind = rng.choice(["upper", "lower", "title", "nopunct", "punct", "spaces"])
    if kind == "upper":
        return s.upper()
    if kind == "lower":
        return s.lower()
    if kind == "title":
        return s.title()
    if kind == "nopunct":
        return re.sub(r"[.,()\-]", " ", s).replace("  ", " ").strip()
    if kind == "punct":
        return s.replace(" ", ", ", 1) if rng.random() < 0.5 else s.replace(" ", ". ", 1)
    return s.replace(" ", "  ", 1)


def _homoglyph(s: str, rng: random.Random, m: NoiseModel) -> str | None:
    spots = [i for i, c in enumerate(s) if c in _CYRILLIC]
    if not spots:
        return None
    for i in rng.sample(spots, min(len(spots), rng.choice([1, 1, 2]))):
        s = s[:i] + _CYRILLIC[s[i]] + s[i + 1:]
    return s


def _location(s: str, rng: random.Random, m: NoiseModel, place: str = "") -> str | None:
    if not place:
        return None
    place = place.title()
    return f"{s} ({place})" if rng.random() < 0.5 else f"{s} {place}"


#: Families that only make sense alone, or as the last edit (anything after them is garbage).
_ALONE = frozenset({"acronym"})
_LAST = frozenset({"truncation"})

_OPS = {"typo": _typo, "ocr": _ocr, "spacing": _spacing, "abbreviation": _abbreviation,
        "romanisation": _romanisation, "legal_form": _legal_form, "word_drop": _word_drop,
        "word_order": _word_order, "truncation": _truncation, "acronym": _acronym,
        "case_punct": _case_punct, "homoglyph": _homoglyph}


def corrupt(name: str, family: str, rng: random.Random, model: NoiseModel | None = None,
            place: str = "") -> str | None:
    """One edit of ``family`` applied to ``name``; None when the family does not apply or changes
    nothing. ``place`` (a country or city) is what the ``location`` family adds."""
    m = model or load_noise_model()
    if family == "location":
        out = _location(name, rng, m, place)
    elif family in _OPS:
        out = _OPS[family](name, rng, m)
    else:
        raise ValueError(f"unknown noise family {family!r}; known: {', '.join(FAMILIES)}")
    return out if out and out.strip() and out != name else None


def noisy(name: str, rng: random.Random, families: tuple[str, ...] | None = None,
          edits: int | None = None, model: NoiseModel | None = None,
          place: str = "") -> tuple[str, tuple[str, ...]]:
    """``name`` with ``edits`` edits (default: drawn by the model's rates) from ``families``
    (default: all), each family drawn by its rate; returns the new name and the families applied
    (fewer than asked when a family does not apply; possibly none)."""
    m = model or load_noise_model()
    allowed = [f for f in (families or tuple(m.rates)) if m.rates.get(f, 0) > 0]
    if not allowed:
        return name, ()
    if edits is None:
        counts, weights = zip(*sorted(m.edits.items()))
        edits = rng.choices(counts, weights)[0]
    applied: list[str] = []
    for e in range(edits):
        # an acronym replaces the whole name (it is the only edit); a truncation ends the name
        usable = [f for f in allowed if not (f in _ALONE and edits > 1)
                  and not (f in _LAST and e < edits - 1)] or allowed
        weights = [m.rates[f] for f in usable]
        for _attempt in range(4):
            family = rng.choices(usable, weights)[0]
            out = corrupt(name, family, rng, m, place)
            if out is not None:
                name = out
                applied.append(family)
                break
    return name, tuple(applied)


# --------------------------------------------------------------------------------------------
# names that are not RMI facilities


def non_smelter_names(rng: random.Random, n: int, model: NoiseModel | None = None
                      ) -> list[tuple[str, str]]:
    """``n`` names of businesses (and texts) that are not RMI facilities, with their kind.

    Kinds: ``listed`` (the project's list of real non-smelter names), ``company`` (place + stem +
    business + legal form, as Chinese, Taiwanese, Japanese or Korean suppliers' names read),
    ``person`` and ``noise`` (texts typed where a name belongs). Deterministic for a seeded rng.
    """
    m = model or load_noise_model()
    parts: dict[str, list[str]] = {}
    for r in data_csv("training", "non_smelter_parts.csv"):
        parts.setdefault(r["slot"], []).append(r["text"])
    listed = data_lines("training", "non_smelters.txt")
    out: list[tuple[str, str]] = []
    for _ in range(n):
        r = rng.random()
        if r < 0.30:
            out.append((rng.choice(listed), "listed"))
        elif r < 0.88:
            words = [rng.choice(parts["stem"]), rng.choice(parts["business"])]
            if rng.random() < 0.6:
                words.insert(0, rng.choice(parts["place"]))
            if rng.random() < 0.25:
                words.insert(rng.randrange(len(words) + 1), rng.choice(parts["business"]))
            if rng.random() < 0.8:
                words.append(rng.choice(m.legal_forms))
            out.append((" ".join(words), "company"))
        elif r < 0.95:
            out.append((f"{rng.choice(parts['person_given'])} {rng.choice(parts['person_family'])}",
                        "person"))
        else:
            out.append((rng.choice(parts["noise"]), "noise"))
    return out


@lru_cache(maxsize=1)
def _near_miss_words() -> dict[str, tuple[str, ...]]:
    """Lower-cased word -> the other words of its slot (``near_miss_words.csv``)."""
    slots: dict[str, list[str]] = {}
    for r in data_csv("training", "near_miss_words.csv"):
        slots.setdefault(r["slot"], []).append(r["word"])
    return {w.lower(): tuple(o for o in words if o != w) for words in slots.values() for w in words}


def near_miss_name(name: str, rng: random.Random) -> str | None:
    """Another company's name one real word away from ``name``: one of its metals, places or
    plant directions (``near_miss_words.csv``) for another of the same kind that the name does
    not hold already, in the same case ("PT Premium Tin Indonesia" -> "PT Premium Zinc
    Indonesia"); ``None`` when the name has no such word. Such names are near an RMI name but
    not it: the training data's ``near_miss`` queries, labelled as no RMI facility."""
    table = _near_miss_words()
    hits = [x for x in _WORD_RE.finditer(name) if x.group().lower() in table]
    if not hits:
        return None
    x = rng.choice(hits)
    own = {w.group().lower() for w in hits}
    others = [w for w in table[x.group().lower()] if w.lower() not in own]
    if not others:
        return None
    old, new = x.group(), rng.choice(others)
    new = new.upper() if old.isupper() and len(old) > 1 else new.lower() if old.islower() else new
    return name[:x.start()] + new + name[x.end():]
