"""The noise model (``smelter_match.noise``): documented families, seeded, one kind of damage each."""

from __future__ import annotations

import random

import pytest

from smelter_match.noise import (
    FAMILIES,
    corrupt,
    load_noise_model,
    near_miss_name,
    noisy,
    non_smelter_names,
)
from smelter_match.normalize import normalize_name

NAMES = ["Metalor Technologies (Hong Kong) Ltd.", "Jiangxi Copper Co., Ltd.", "Guangxi Huaxi Group",
         "Yunnan Tin Company Limited", "Asahi Refining USA Inc.", "Tokuriki Honten Co., Ltd."]


def test_rates_are_documented_and_sum_to_one() -> None:
    m = load_noise_model()
    assert set(m.rates) == set(FAMILIES)
    assert sum(m.rates.values()) == pytest.approx(1.0)
    assert sum(m.edits.values()) == pytest.approx(1.0)
    from _support import ROOT

    doc = (ROOT / "reference_data" / "training" / "NOISE.md").read_text()
    for family, rate in m.rates.items():
        assert f"| {family} | {round(rate * 100)}% |" in doc, family


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_changes_a_name_deterministically(family: str) -> None:
    outs = [corrupt(n, family, random.Random(5), place="China") for n in NAMES]
    again = [corrupt(n, family, random.Random(5), place="China") for n in NAMES]
    assert outs == again
    changed = [o for o in outs if o is not None]
    assert changed, family
    assert all(o not in NAMES for o in changed)


def test_examples_of_the_kinds_the_issue_names() -> None:
    rng = random.Random(0)
    assert corrupt("Metalor", "ocr", random.Random(1)) != "Metalor"
    split = {corrupt("Jiangxi Copper", "spacing", random.Random(s)) for s in range(30)}
    assert "Jiang Xi Copper" in split or "Jiang xi Copper" in split
    assert corrupt("Seirensho", "romanisation", rng) == "Refinery"
    abbr = {corrupt("Yunnan Industry Company", "abbreviation", random.Random(s)) for s in range(40)}
    assert any("Ind." in a for a in abbr if a)
    assert corrupt("Zhuzhou Cemented Carbide Group", "acronym", random.Random(2)) in (
        "ZCCG", "Zhuzhou CCG")


def test_noisy_respects_allowed_families_and_edit_counts() -> None:
    rng = random.Random(3)
    for name in NAMES * 5:
        out, fams = noisy(name, rng, families=("typo", "case_punct"), edits=2)
        assert set(fams) <= {"typo", "case_punct"} and len(fams) <= 2
    # an acronym is never combined with other edits; a truncation is always the last edit
    for name in NAMES * 20:
        _, fams = noisy(name, rng, edits=3)
        assert "acronym" not in fams
        assert "truncation" not in fams[:-1]


def test_non_smelter_names_are_not_reference_like_and_seeded() -> None:
    a = non_smelter_names(random.Random(9), 200)
    assert a == non_smelter_names(random.Random(9), 200)
    kinds = {k for _, k in a}
    assert kinds == {"listed", "company", "person", "noise"}
    assert all(normalize_name(n).original for n, _ in a)


def test_a_near_miss_is_one_real_word_away_in_the_same_case() -> None:
    """One metal, place or plant direction for another of its kind: another company's name."""
    for name in NAMES:
        a, b = near_miss_name(name, random.Random(3)), near_miss_name(name, random.Random(3))
        assert a == b
        if name.startswith(("Metalor", "Asahi", "Tokuriki")):
            assert a is None            # no such word
            continue
        old, new = name.split(), a.split()
        diff = [(o, n) for o, n in zip(old, new) if o != n]
        assert len(old) == len(new) and len(diff) == 1
        (o, n), = diff
        assert o.istitle() and n.istitle() and o.lower() != n.lower()
    assert near_miss_name("KOREA ZINC CO", random.Random(1)).isupper()
