"""The user cache: where a new process finds the work an earlier one did.

It holds compiled references (:mod:`smelter_match.reference`), the content hashes of the RMI
files read (so that loading them again does not read every workbook to hash it) and the costly
parts of each reference's name index (:class:`~smelter_match.index.NameIndex`). Everything in
it is an optimisation: a missing, damaged, stale or read-only cache only costs time, and what
a cache entry holds is keyed by everything it was computed from (content and code). Plain JSON,
no pickle.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import ModuleType

#: Environment variable naming the cache directory (default: the user cache directory).
ENV_CACHE = "SMELTER_MATCH_CACHE_DIR"

#: Libraries whose version changes what the normaliser makes of a name (transliteration tables,
#: legal forms, country names).
NORMALISER_PACKAGES = ("unidecode", "cleanco", "pycountry")


def cache_dir() -> Path:
    """Directory for compiled references (``SMELTER_MATCH_CACHE_DIR`` or the user cache dir)."""
    env = os.environ.get(ENV_CACHE)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("smelter_match"))


def code_fingerprint(modules: Iterable[ModuleType], packages: Iterable[str] = (),
                     folders: Iterable[Path] = ()) -> str:
    """Hash of the source of ``modules``, the files in ``folders`` and the installed versions of
    ``packages``: what a cached result computed by that code from that data depends on."""
    h = hashlib.sha256()
    for module in modules:
        h.update(Path(module.__file__).read_bytes())
    for folder in folders:
        for f in sorted(Path(folder).glob("*")):
            if f.is_file():
                h.update(f.name.encode() + f.read_bytes())
    for package in packages:
        h.update(f"{package}=={_version(package)}".encode())
    return h.hexdigest()[:16]


@functools.cache
def _version(package: str) -> str:
    """An installed package's version (read once per process: ~1 ms each)."""
    try:
        return version(package)
    except PackageNotFoundError:
        return "(no metadata)"


def normaliser_fingerprint() -> str:
    """Fingerprint of the normaliser: the code of every step (cell text, transliteration, keys),
    its vocabularies and the libraries it reads names through. Compiled keys depend on it."""
    from smelter_match import normalize, transliterate
    from smelter_match._resources import data_path
    from smelter_match.io import tables

    return code_fingerprint((tables, transliterate, normalize), NORMALISER_PACKAGES,
                            [data_path("vocab", "stopwords.txt").parent])


def file_hashes(paths: Sequence[Path], use_cache: bool = True) -> list[str]:
    """SHA-256 of each file's content, remembered across processes by the file's identity (its
    resolved path, size, inode and modification and change times, as ``git`` and ``make`` tell a
    changed file): the RMI workbooks (~15 MB) are read again only when one of them changed."""
    from smelter_match.sources import file_sha256

    memo_path = cache_dir() / "file_hashes.json"
    memo: dict = {}
    if use_cache:
        with contextlib.suppress(OSError, ValueError):
            memo = json.loads(memo_path.read_text(encoding="utf-8"))
        memo = memo if isinstance(memo, dict) else {}
    out, changed = [], False
    for p in paths:
        key = str(Path(p).resolve())
        try:
            st = os.stat(key)
            ident = [st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns]
        except OSError:
            ident = None
        entry = memo.get(key)
        if ident is not None and isinstance(entry, list) and entry[:-1] == ident:
            out.append(entry[-1])
            continue
        digest = file_sha256(Path(p))
        out.append(digest)
        if ident is not None:
            memo[key], changed = [*ident, digest], True
    if use_cache and changed:
        # files since deleted are forgotten (the memo is read on every load)
        write_json(memo_path, {k: v for k, v in memo.items() if os.path.exists(k)})
    return out


def read_json(path: Path) -> object | None:
    """A cache file's JSON, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def write_json(path: Path, data: object) -> None:
    """Write a cache file atomically (another process reads the old file or the new one, never a
    half-written one); a cache that cannot be written is left as it is."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")),
                       encoding="utf-8")
        os.replace(tmp, path)
    with contextlib.suppress(OSError):
        tmp.unlink(missing_ok=True)
