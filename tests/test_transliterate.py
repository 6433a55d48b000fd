"""Step 1 of normalisation (``smelter_match.transliterate``): any text to ASCII as a reader means it."""

from __future__ import annotations

import pytest

from smelter_match.transliterate import drop_invisible, to_ascii


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",
                                       "\u200e", "\u202a"])
def test_invisible_characters_are_no_word_break(invisible: str) -> None:
    """A zero-width space pasted inside a word split it in two ("Go ld": no metal, "Me talor")."""
    assert to_ascii(f"Go{invisible}ld") == "Gold"
    assert to_ascii(f"Me{invisible}talor Technologies") == "Metalor Technologies"
    assert drop_invisible(f"{invisible}Minsur{invisible}") == "Minsur"


def test_ascii_is_returned_as_is_and_the_rest_transliterated() -> None:
    assert to_ascii("Metalor  Technologies") == "Metalor  Technologies"
    assert to_ascii("Rondônia") == "Rondonia"
    assert to_ascii("ＡＢＣ Ｒｅｆｉｎｅｒｙ") == "ABC Refinery"       # full-width (NFKC)
    assert to_ascii("Меtalor") == "Metalor"                  # a Cyrillic "М" among Latin letters
    assert to_ascii("Уралэлектромедь").isascii()             # genuinely Cyrillic: romanised
