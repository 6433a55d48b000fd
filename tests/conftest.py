"""Shared test fixtures.

The RMI files live outside the repository, in ``../shared`` next to the project root (or wherever
``SMELTER_MATCH_SHARED`` points); tests that need them are skipped when they are absent. Tests never
write there: they copy what they need to ``tmp_path``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from _support import CMRT_DIR, RMI_DIR, SHARED_DIR


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ``shared/`` folder (skip the test when it is missing)."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DIR}")
    return SHARED_DIR


@pytest.fixture(scope="session")
def cmrt_dir(shared_dir: Path) -> Path:
    """Folder of the official CMRT templates (read-only)."""
    if not CMRT_DIR.is_dir():
        pytest.skip(f"CMRT templates not found at {CMRT_DIR}")
    return CMRT_DIR


#: A supplier CMRT = {excel row: {column letter: typed value}} on the "Smelter List" tab.
CmrtRows = Mapping[int, Mapping[str, Any]]


@pytest.fixture(scope="session")
def make_cmrt(cmrt_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Factory building supplier CMRTs from an official template, the way a non-Excel tool would.

    ``make_cmrt("RMI_CMRT_6.4.xlsx", {5: {"B": "Gold", "C": "Smelter not listed", "D": "Foo"}},
    company="Acme", extra={"Revision": {"B60": 7.0}})`` types the values into the template's
    "Smelter List" tab (6.x layout: A = ID input, B Metal, C Look-up, D Name, E Country,
    F Smelter Identification), the company into Declaration!D8 and ``extra`` cells into other tabs,
    saves with openpyxl (so formula cells have no cached values) and returns the new file's path.
    Each template is loaded once per session; touched cells are restored after saving.
    """
    import openpyxl

    loaded: dict[str, Any] = {}
    out_dir = tmp_path_factory.mktemp("cmrt")
    counter = iter(range(1, 10_000))

    def make(
        template: str,
        rows: CmrtRows,
        *,
        company: str | None = None,
        extra: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Path:
        if template not in loaded:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wb = openpyxl.load_workbook(cmrt_dir / template)
            for ws in wb.worksheets:
                ws._images = []  # logos: their file handles close on save, breaking re-saves
            loaded[template] = wb
        wb = loaded[template]
        cells: dict[tuple[str, str], Any] = {}
        for r, values in rows.items():
            for letter, value in values.items():
                cells[("Smelter List", f"{letter}{r}")] = value
        if company is not None:
            cells[("Declaration", "D8")] = company
        for sheet, values in (extra or {}).items():
            for coord, value in values.items():
                cells[(sheet, coord)] = value
        saved = {key: wb[key[0]][key[1]].value for key in cells}
        try:
            for (sheet, coord), value in cells.items():
                wb[sheet][coord].value = value
            dest = out_dir / f"supplier_{next(counter)}_{template}"
            wb.save(dest)
        finally:
            for (sheet, coord), value in saved.items():
                wb[sheet][coord].value = value
        return dest

    return make


SUPPLIER_ROWS = {
    # picked from the drop-downs: metal + look-up (alias), name left empty
    5: {"B": "Gold", "C": "Asahi Pretec Corp.", "E": "JAPAN"},
    # not listed: the supplier types name, country and an ID
    6: {
        "B": "Tin",
        "C": "Smelter not listed",
        "D": "Cendres + Métaux SA",
        "E": "SWITZERLAND",
        "F": "CID000189",
    },
    # option A: only the smelter ID typed into the input column
    7: {"A": "CID002763"},
    # typed name overrides the look-up value
    9: {"B": "Tantalum", "C": "Ulba Metallurgical Plant JSC", "D": "ULBA", "E": "KAZAKHSTAN"},
    # not yet identified, no name: not a name
    11: {"B": "Tungsten", "C": "Smelter not yet identified"},
    # only a comment and a country: a row the supplier wrote (its smelters are elsewhere?)
    13: {"E": "CHINA", "Q": "see attached"},
    # far below the template's formula rows
    2600: {"B": "Gold", "D": "Late Row Refinery"},
}


@pytest.fixture(scope="session")
def supplier_cmrt(make_cmrt: Callable[..., Path]) -> Path:
    """An English 6.4 CMRT filled in by a supplier, saved by openpyxl (no cached values)."""
    return make_cmrt("RMI_CMRT_6.4.xlsx", SUPPLIER_ROWS, company="Acme Components GmbH")



# ------------------------------------------------------------------------------------------------
# RMI reference fixtures (tests/test_reference.py and anyone needing the merged reference)
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _session_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point ``SMELTER_MATCH_CACHE_DIR`` at a session tmp dir and unset ``SMELTER_MATCH_REFERENCE``.

    Tests never read or write the developer's real cache or default reference.
    """
    mp = pytest.MonkeyPatch()
    cache = tmp_path_factory.mktemp("smelter_match_cache")
    mp.setenv("SMELTER_MATCH_CACHE_DIR", str(cache))
    mp.delenv("SMELTER_MATCH_REFERENCE", raising=False)
    yield cache
    mp.undo()


@pytest.fixture(scope="session")
def rmi_dir(shared_dir: Path) -> Path:
    """``shared/rmi``: CMRT workbooks, RMI exports and the independent ``derived`` tables."""
    if not RMI_DIR.is_dir():
        pytest.skip(f"RMI data not found at {RMI_DIR}")
    return RMI_DIR


@pytest.fixture(scope="session")
def rmi_exports_dir(rmi_dir: Path) -> Path:
    """RMI's 2026-08-22 exports (SpreadsheetML XML)."""
    return rmi_dir / "exports-2026-08-22"


@pytest.fixture(scope="session")
def rmi_derived_dir(rmi_dir: Path) -> Path:
    """Independent flattening of the RMI files, for cross-checks only (never an input)."""
    return rmi_dir / "derived"


@pytest.fixture(scope="session")
def full_reference(rmi_dir: Path, rmi_exports_dir: Path, _session_cache_dir: Path) -> Any:
    """Every CMRT workbook and every RMI export merged into one Reference (loaded once)."""
    from smelter_match.reference import load_reference

    return load_reference(rmi_dir / "cmrt", rmi_exports_dir)


@pytest.fixture(scope="session")
def exports_reference(rmi_exports_dir: Path, _session_cache_dir: Path) -> Any:
    """RMI's 2026-08-22 exports alone, merged once (small and quick: review and annex tests)."""
    from smelter_match.reference import load_reference

    return load_reference(rmi_exports_dir)
