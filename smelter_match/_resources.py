"""Locate the package's data files (the vocabulary under ``reference_data/vocab``).

An installed wheel carries them as ``smelter_match/_reference_data/vocab`` (pyproject maps them in);
an editable checkout only has ``<repo>/reference_data/vocab``. Callers should not care which.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

_REPO_DATA = Path(__file__).resolve().parent.parent / "reference_data"
_REPO_VOCAB = _REPO_DATA / "vocab"


def data_path(folder: str, name: str) -> Path:
    """Path of ``reference_data/<folder>/<name>`` (installed copy first, then the checkout's)."""
    try:
        installed = files("smelter_match").joinpath("_reference_data", folder, name)
        if installed.is_file():
            return Path(str(installed))
    except (ModuleNotFoundError, OSError, TypeError):  # pragma: no cover - unusual loaders
        pass
    local = _REPO_DATA / folder / name
    if local.is_file():
        return local
    raise FileNotFoundError(f"data file {folder}/{name} not found in the package or {_REPO_DATA}")


def vocab_path(name: str) -> Path:
    """Return the path of vocabulary file ``name``: the installed copy if present, else the repo's.

    Raises ``FileNotFoundError`` naming both places if neither has the file (a packaging error).
    """
    try:
        installed = files("smelter_match").joinpath("_reference_data", "vocab", name)
        if installed.is_file():
            return Path(str(installed))
    except (ModuleNotFoundError, OSError, TypeError):  # pragma: no cover - unusual loaders
        pass
    local = _REPO_VOCAB / name
    if local.is_file():
        return local
    raise FileNotFoundError(
        f"vocabulary file {name!r} not found in the installed package "
        f"(smelter_match/_reference_data/vocab) nor in {_REPO_VOCAB}"
    )
