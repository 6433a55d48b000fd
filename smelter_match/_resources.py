"""The one loader for the package's own data files: vocabularies, training lists, the model.

Domain vocabularies live in ``reference_data/vocab`` and training lists in
``reference_data/training`` (plain text and CSV, so a reviewer can read and edit them). An
installed wheel carries them as ``smelter_match/_reference_data/...`` (pyproject maps them in); an
editable checkout only has ``<repo>/reference_data/...``. Callers should not care which. The
shipped model is ``smelter_match/models/default.json`` in both.

Text files: one entry per line, blank lines and lines starting with ``#`` ignored. CSV files: the
same comment rule, then a header line, then rows.
"""

from __future__ import annotations

import csv
from importlib.resources import files
from pathlib import Path

__all__ = ["data_csv", "data_lines", "data_path", "find_recorded", "model_text", "recorded_path"]

_REPO_DATA = Path(__file__).resolve().parent.parent / "reference_data"


def data_path(folder: str, name: str) -> Path:
    """Path of ``reference_data/<folder>/<name>`` (the installed copy first, then the checkout's).

    Raises ``FileNotFoundError`` naming both places if neither has the file (a packaging error).
    """
    try:
        installed = files("smelter_match").joinpath("_reference_data", folder, name)
        if installed.is_file():
            return Path(str(installed))
    except (ModuleNotFoundError, OSError, TypeError):  # pragma: no cover - unusual loaders
        pass
    local = _REPO_DATA / folder / name
    if local.is_file():
        return local
    raise FileNotFoundError(f"data file {folder}/{name} not found in the installed package "
                            f"(smelter_match/_reference_data/{folder}) nor in {_REPO_DATA}")


def data_lines(folder: str, name: str) -> list[str]:
    """The entries of a text data file: stripped lines, without blanks and ``#`` comments."""
    text = data_path(folder, name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def data_csv(folder: str, name: str) -> list[dict[str, str]]:
    """The rows of a CSV data file as dicts keyed by its header (cells stripped)."""
    reader = csv.DictReader(data_lines(folder, name))
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]


def model_text(name: str = "default.json") -> str:
    """Text of a model file shipped in ``smelter_match/models``."""
    return (files("smelter_match") / "models" / name).read_text(encoding="utf-8")


def recorded_path(path: str | Path) -> str:
    """How a model records a file it was trained on: one of the package's own data files by its
    place (``reference_data/gold/dataio_2020.csv``, found again from any folder and in an
    installed package), any other file by its absolute path."""
    p = Path(path).resolve()
    installed = Path(str(files("smelter_match").joinpath("_reference_data")))
    for root in (_REPO_DATA, installed):
        if p.is_relative_to(root.resolve()):
            return "/".join(("reference_data", *p.relative_to(root.resolve()).parts))
    return str(p)


def find_recorded(recorded: str) -> Path | None:
    """The file a model's record names (:func:`recorded_path`; older models recorded paths as
    typed, relative to where training ran), or None when it is not here."""
    p = Path(recorded)
    if p.is_file():
        return p
    if len(p.parts) == 3 and p.parts[0] == "reference_data":
        try:
            return data_path(p.parts[1], p.parts[2])
        except FileNotFoundError:
            return None
    return None
