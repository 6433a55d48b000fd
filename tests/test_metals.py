"""Metals as written -> one of ``METALS`` (:mod:`smelter_match.metals`)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smelter_match.metals import METALS, normalize_metal, other_metal_said


@pytest.mark.parametrize(
    ("text", "metal"),
    [
        ("Gold", "Gold"),
        ("gold", "Gold"),
        ("AU", "Gold"),
        ("or", "Gold"),
        ("Oro", "Gold"),
        ("Gold (Au)", "Gold"),
        ("Tin", "Tin"),
        ("SN", "Tin"),
        ("Zinn", "Tin"),
        ("Estaño", "Tin"),
        ("estano", "Tin"),
        ("Tin (Sn)", "Tin"),
        ("Tantalum", "Tantalum"),
        ("Ta", "Tantalum"),
        ("Tantalium", "Tantalum"),
        ("tantal", "Tantalum"),
        ("Tungsten", "Tungsten"),
        ("W", "Tungsten"),
        ("Wolfram", "Tungsten"),
        ("wolframium", "Tungsten"),
        ("  TUNGSTEN ", "Tungsten"),
        # typos
        ("rantalum", "Tantalum"),
        ("Tungstem", "Tungsten"),
        ("Gol", "Gold"),
        ("tugsten", "Tungsten"),
        ("Tantallum", "Tantalum"),
        # one metal named among other words
        ("tantalum powder", "Tantalum"),
        # in Chinese (simplified, traditional), Japanese and Korean, as CMRT translations write them
        ("金", "Gold"), ("금", "Gold"), ("锡", "Tin"), ("錫", "Tin"), ("주석", "Tin"),
        ("钽", "Tantalum"), ("鉭", "Tantalum"), ("タンタル", "Tantalum"), ("탄탈륨", "Tantalum"),
        ("钨", "Tungsten"), ("鎢", "Tungsten"), ("タングステン", "Tungsten"), ("텅스텐", "Tungsten"),
        ("Tungsténio", "Tungsten"),
        # words that are all one metal's, short ones too; tantalum written with niobium
        ("锡 Sn", "Tin"), ("钨 (W)", "Tungsten"), ("锡（Sn）", "Tin"), ("スズ", "Tin"),
        ("Ta/Nb", "Tantalum"), ("Nb-Ta", "Tantalum"), ("Tantalum/Niobium", "Tantalum"),
        ("Go\u200bld", "Gold"),
    ],
)
def test_normalize_metal(text: str, metal: str) -> None:
    assert normalize_metal(text) == metal


@pytest.mark.parametrize(
    "text",
    [
        "",
        "-",
        "Silver",
        "zinc",
        "Golden",
        "tim",
        "Lead",
        "Cobalt",
        "gum",      # not a typo of 금's romanisation
        "铜",       # copper
        "Tin/Tungsten",
        "Au/Ag",
        "W or Sn",
        "Nb",
        "Guiu",
        "x",
        None,
        float("nan"),
        79,
    ],
)
def test_normalize_metal_none(text: object) -> None:
    assert normalize_metal(text) is None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.booleans(),
                 st.binary(), st.lists(st.integers(), max_size=3), st.text()))
def test_normalize_metal_is_total(obj: object) -> None:
    metal = normalize_metal(obj)
    assert metal is None or metal in METALS


@pytest.mark.parametrize(("cell", "said"), [
    ("Copper", "the reported metal 'Copper' is not tin, tantalum, tungsten or gold"),
    ("Tin, Tungsten", "the reported metal 'Tin, Tungsten' names tin and tungsten"),
    ("Sn/Pb", "the reported metal 'Sn/Pb' names tin and another metal"),
])
def test_a_cell_naming_several_metals_is_said_as_it_is(cell: str, said: str) -> None:
    """The reason said "'Tin, Tungsten' is not tin, tantalum, tungsten or gold" (found by an
    audit of the API)."""
    assert other_metal_said(cell) == said
