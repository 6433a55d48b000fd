"""Readings (``smelter_match.readings``): whether a reported name reads as one RMI name."""

from __future__ import annotations

import numpy as np
import pytest

from smelter_match.index import NameIndex
from smelter_match.normalize import normalize_name
from smelter_match.readings import SAME, SLIPS, same_name


@pytest.fixture(scope="module")
def index(full_reference) -> NameIndex:
    return NameIndex(full_reference)


def _row(index: NameIndex, name: str, metal: str) -> int:
    """The name row of RMI's ``name`` under ``metal``."""
    return index.by_key[(normalize_name(name).key, metal)][0]


def _codes(index: NameIndex, pairs: list[tuple[str, str, str, bool]]) -> list[int]:
    """The reading code of each (reported name, RMI name, its metal, metal reported) pair."""
    nns = [normalize_name(q) for q, _, _, _ in pairs]
    rows = np.array([_row(index, rmi, m) for _, rmi, m, _ in pairs], dtype=np.int64)
    metals = [m if reported else None for _, _, m, reported in pairs]
    return same_name(index, nns, metals, np.arange(len(pairs)), rows).tolist()


def test_a_name_reads_as_its_rmi_name_exactly_through_ocr_or_through_slips(
        index: NameIndex) -> None:
    assert _codes(index, [
        ("ABC Refinery Pty Ltd", "ABC Refinery Pty Ltd.", "Gold", True),
        ("A8C Refinery Pty Ltd.", "ABC Refinery Pty Ltd.", "Gold", True),
        ("Tanaka Kikinzku Kogyo KK", "Tanaka Kikinzoku Kogyo K.K.", "Gold", True),
        ("Kennamefal Fall0h", "Kennametal Fallon", "Tungsten", True),
        # two slips in seven core letters: another company ("Lianyou" is not "Tian Yu")
        ("Tian Yu Resources Limited", "Lianyou Resources Co., Ltd.", "Tungsten", False),
        ("Mitsubishi Materials Corporation", "ABC Refinery Pty Ltd.", "Gold", True),
    ]) == [SAME, SAME, SLIPS, SLIPS, 0, 0]


def test_no_candidate_rows_give_no_codes(index: NameIndex) -> None:
    out = same_name(index, [], [], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    assert out.dtype == np.int8 and out.shape == (0,)
