"""Plain helpers shared by the test files (fixtures live in ``conftest.py``).

The one place that decides where the read-only shared data is: ``../shared`` beside the project
root, or wherever ``SMELTER_MATCH_SHARED`` points.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
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


def with_cached_values(path: Path, sheet: str, values: dict[str, str]) -> Path:
    """Give formula cells of a workbook openpyxl saved (no cached values) the values Excel
    would cache when saving (``{"B7": "Gold"}``), by editing the sheet's XML in place."""
    import html
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i.filename)) for i in z.infolist()]
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet name="{re.escape(sheet)}"[^>]*r:id="(rId\d+)"', book).group(1)
    target = re.search(rf'<Relationship[^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels)
    if target is None:   # attributes in the other order
        target = re.search(rf'<Relationship[^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    part = "xl/" + target.group(1).lstrip("/").removeprefix("xl/")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in items:
            if info.filename == part:
                text = data.decode()
                for coord, value in values.items():
                    cell = re.compile(rf'<c r="{coord}"([^>]*?)(?: t="[a-z]+")?([^>]*)>'
                                      r'<f>(.*?)</f>(?:<v\s*/>|<v>.*?</v>)?</c>')
                    m = cell.search(text)
                    assert m, coord
                    text = (text[:m.start()] + f'<c r="{coord}"{m.group(1)}{m.group(2)} t="str">'
                            f'<f>{m.group(3)}</f><v>{html.escape(value, quote=False)}</v></c>'
                            + text[m.end():])
                data = text.encode()
            dst.writestr(info, data)
    return path


#: The Data I/O filing the project was created from (its smelter table, as text).
SEED = SEEDS_DIR / "dataio_form_sd_2020.txt"


def distinct_values(path: Path, column: str) -> set[str]:
    """The distinct cells of one column of a CSV file."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {row[column] for row in csv.DictReader(fh)}


def seed_table_rows() -> list[list[str]]:
    """The rows of the seed filing's smelter table, split at tabs (name, country, metal; cells
    the PDF conversion moved make some rows shorter)."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Smelter Name\t"))
    end = next(i for i, ln in enumerate(lines) if i > start and ln.startswith("Caution Concerning"))
    return [[f.strip() for f in ln.split("\t")] for ln in lines[start + 1 : end]]


def python_lines(code: str) -> list[str]:
    """The lines a fresh interpreter prints running ``code`` from the project root: what a new
    process of a user imports and answers, apart from everything this test process has loaded.
    Its environment is this one's (the session's user cache)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          check=True)
    return done.stdout.strip().splitlines()
