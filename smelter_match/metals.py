"""Metals as suppliers write them ("Au", "Wolfram", "Tin (Sn)", "Tungstem") -> one of ``METALS``.

The aliases are a vocabulary file (``reference_data/vocab/metals.csv``); text is compared after
:func:`smelter_match.folding.fold`. Total: any input gives a metal or ``None``, never an
exception (cells come straight from spreadsheets).
"""

from __future__ import annotations

from rapidfuzz import fuzz, process

from smelter_match._resources import data_csv
from smelter_match.folding import fold
from smelter_match.io.tables import cell_text

__all__ = ["METALS", "normalize_metal"]

METALS: tuple[str, ...] = ("Gold", "Tantalum", "Tin", "Tungsten")


_METAL_ALIASES: dict[str, str] = {}
_LATIN: set[str] = set()    # aliases written in Latin letters (not romanised by ``fold``)
for _row in data_csv("vocab", "metals.csv"):
    _alias, _metal = _row["alias"], _row["metal"]
    if not _alias:
        continue
    if _metal not in METALS:
        raise ValueError(f"metals.csv: {_metal!r} is not one of {METALS}")
    _METAL_ALIASES[fold(_alias)] = _metal
    if fold(_alias) == _alias.lower() or _alias.isascii():
        _LATIN.add(fold(_alias))
# Token-level and fuzzy matching only use aliases long enough not to be ordinary words/letters;
# typos are matched against Latin-script aliases only (the romanisation of "금" is no spelling)
_METAL_TOKEN_ALIASES = {a: m for a, m in _METAL_ALIASES.items() if len(a) >= 3 and " " not in a}
_METAL_FUZZY_CHOICES = [a for a in _METAL_TOKEN_ALIASES if len(a) >= 4 and a in _LATIN]
_METAL_FUZZY_CUTOFF = 85.0
_METAL_FUZZY_MARGIN = 10.0


def normalize_metal(text: object) -> str | None:
    """One of ``METALS`` for a metal as written ("Au", "Wolfram", "Tin (Sn)", "Tungstem") or None.

    Exact alias (``metals.csv``), then words that are all aliases of one metal ("锡 Sn"), then
    the single metal named by the words ("tantalum powder"),
    then a conservative typo match: ratio >= 85 to an alias of one metal and at least 10 points
    clear of every other metal ("rantalum", "Gol"; not "zinc", "golden"). Never raises.
    """
    try:
        f = fold(cell_text(text))
        if not f:
            return None
        metal = _METAL_ALIASES.get(f)
        if metal is not None:
            return metal
        # every word an alias of one metal, short ones too: "锡 Sn" (xi sn), "钨 (W)" (wu w)
        every = {_METAL_ALIASES.get(t) for t in f.split()}
        if len(every) == 1 and None not in every:
            return every.pop()
        named = {_METAL_TOKEN_ALIASES[t] for t in f.split() if t in _METAL_TOKEN_ALIASES}
        if named:
            return named.pop() if len(named) == 1 else None
        if len(f) < 3 or " " in f:
            return None
        best: dict[str, float] = {}
        for alias, score, _ in process.extract(f, _METAL_FUZZY_CHOICES, scorer=fuzz.ratio,
                                               limit=None, score_cutoff=50):
            m = _METAL_TOKEN_ALIASES[alias]
            best[m] = max(best.get(m, 0.0), score)
        if not best:
            return None
        ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
        top_metal, top = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if top >= _METAL_FUZZY_CUTOFF and top - runner_up >= _METAL_FUZZY_MARGIN:
            return top_metal
        return None
    except Exception:  # pragma: no cover - defensive: inputs are arbitrary
        return None


def other_metal_said(text: str) -> str:
    """What a metal cell that is none of the four says, in a reason's words: "the reported metal
    'Copper' is not tin, tantalum, tungsten or gold", or, for a cell naming several ("Tin,
    Tungsten", "Sn/Pb"), which of the four it names (a reason saying "not tin" of "Tin, Tungsten"
    was false)."""
    words = fold(cell_text(text)).split()
    named = sorted({m for m in (_METAL_ALIASES.get(t) or _METAL_TOKEN_ALIASES.get(t)
                                for t in words) if m})
    if len(named) > 1:
        return f"the reported metal {text!r} names {' and '.join(m.lower() for m in named)}"
    if named:
        return f"the reported metal {text!r} names {named[0].lower()} and another metal"
    return f"the reported metal {text!r} is not tin, tantalum, tungsten or gold"
