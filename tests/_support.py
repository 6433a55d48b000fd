"""Plain helpers shared by the test files (fixtures live in ``conftest.py``).

The one place that decides where the read-only shared data is: ``../shared`` beside the project
root, or wherever ``SMELTER_MATCH_SHARED`` points.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("SMELTER_MATCH_SHARED", ROOT.parent / "shared"))
RMI_DIR = SHARED_DIR / "rmi"
CMRT_DIR = RMI_DIR / "cmrt"
EXPORTS_DIR = RMI_DIR / "exports-2026-08-22"
DERIVED_DIR = RMI_DIR / "derived"
SEEDS_DIR = SHARED_DIR / "seeds"
GOLD_DIR = ROOT / "reference_data" / "gold"


def encrypted_ooxml(path: Path) -> Path:
    """Write a minimal password-protected .xlsx look-alike to ``path`` and return it.

    An OLE2 container whose directory names an "EncryptedPackage" stream, as Excel writes for
    password-protected workbooks.
    """
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    entry = "EncryptedPackage".encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64
    path.write_bytes(header + entry + b"\x00" * 1024)
    return path
