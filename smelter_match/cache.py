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
import tempfile
import time
import unicodedata
from collections.abc import Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import ModuleType

import numpy as np

#: Environment variable naming the cache directory (default: the user cache directory).
ENV_CACHE = "SMELTER_MATCH_CACHE_DIR"

#: Libraries whose version changes what the normaliser makes of a name (transliteration tables,
#: legal forms, country names, the mistyped legal forms' similarity).
NORMALISER_PACKAGES = ("unidecode", "cleanco", "pycountry", "rapidfuzz")


def cache_dir() -> Path:
    """Directory for compiled references (``SMELTER_MATCH_CACHE_DIR`` or the user cache dir)."""
    env = os.environ.get(ENV_CACHE)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("smelter_match"))


def code_fingerprint(modules: Iterable[ModuleType], packages: Iterable[str] = (),
                     folders: Iterable[Path] = (), extra: Iterable[str] = ()) -> str:
    """Hash of the source of ``modules``, the files in ``folders``, the installed versions of
    ``packages`` and the ``extra`` texts: what a cached result computed by that code from that
    data depends on."""
    h = hashlib.sha256("\n".join(extra).encode())
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
    """Fingerprint of the normaliser: the code of every step (cell text, transliteration, keys)
    and of the reader of its vocabularies, the vocabularies, the libraries it reads names
    through and the Unicode version of this Python (NFKC and ``isalpha`` change with it).
    Compiled keys depend on it."""
    from smelter_match import _resources, countries, folding, normalize, transliterate
    from smelter_match.io import tables

    return code_fingerprint((tables, transliterate, folding, countries, normalize, _resources),
                            NORMALISER_PACKAGES,
                            [_resources.data_path("vocab", "stopwords.txt").parent],
                            [f"unicode {unicodedata.unidata_version}"])


def load_places(use_cache: bool = True) -> None:
    """Read the world's provinces, states and regions into this process now (once; later calls
    do nothing): the rule on names that are only a place and the slips' place words read them
    (:func:`smelter_match.countries.compute_places`) on first use otherwise.

    Folding their ~5,000 names takes ~0.04 s, most of a new process's first searched name, so
    with ``use_cache`` they are kept here, keyed by the normaliser's fingerprint (the code of
    the countries module and of the folding, pycountry's version): a matcher reads them from
    here (~3 ms) when its reference was loaded with the cache; an entry that is missing or
    damaged is computed and written again."""
    from smelter_match import countries

    if countries.places_read():
        return
    path = cache_dir() / "places" / f"{normaliser_fingerprint()}.json" if use_cache else None
    data = read_json(path) if path is not None else None
    if not (isinstance(data, dict) and all(
            isinstance(data.get(k), list) and all(type(t) is str for t in data[k])
            for k in ("names", "words"))):
        data = countries.compute_places()
        if path is not None:
            write_json(path, data, keep=4)
    elif path is not None:
        touch(path)
    countries.set_places(data["names"], data["words"])


#: A file changed this soon after it was hashed may have changed again without its times
#: showing it (timestamps of 2 s on FAT and some network shares): ``git``'s "racily clean"
#: entries. Such a file is hashed again on the next load.
RACY_NS = 3_000_000_000


def file_hashes(paths: Sequence[Path], use_cache: bool = True) -> list[str]:
    """SHA-256 of each file's content, remembered across processes by the file's identity (its
    resolved path, size, inode and modification and change times, as ``git`` tells a changed
    file, and hashed again while it was changed too recently to tell, :data:`RACY_NS`): the RMI
    workbooks (~15 MB) are read again only when one of them changed."""
    from smelter_match.sources import file_sha256

    memo_path = cache_dir() / "file_hashes.json"
    memo = read_json(memo_path) if use_cache else None
    memo = memo if isinstance(memo, dict) else {}
    out, changed = [], False
    for p in paths:
        key = str(Path(p).resolve())
        ident = _identity(key)
        entry = memo.get(key)
        if ident is not None and isinstance(entry, list) and len(entry) == 6 and \
                entry[:4] == ident and isinstance(entry[4], int) and isinstance(entry[5], str) \
                and entry[4] - max(ident[2:]) > RACY_NS:
            out.append(entry[5])
            continue
        hashed_at = time.time_ns()
        digest = file_sha256(Path(p))
        out.append(digest)
        if ident is not None:
            memo[key], changed = [*ident, hashed_at, digest], True
    if use_cache and changed:
        # files since deleted are forgotten (the memo is read on every load)
        write_json(memo_path, {k: v for k, v in memo.items() if exists(Path(k))})
    return out


def _identity(path: str) -> list[int] | None:
    """What tells a changed file: size, inode, modification and change times (None: no file)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns]


def exists(path: Path) -> bool:
    """Whether ``path`` exists (False also when it cannot be told: an unreadable folder)."""
    try:
        return path.exists()
    except OSError:
        return False


def read_json(path: Path) -> object | None:
    """A cache file's JSON, or None when it is missing, unreadable or not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None


def write_json(path: Path, data: object, keep: int = 0) -> None:
    """Write a cache file atomically (another process or thread reads the old file or the new
    one, never a half-written one); a cache that cannot be written is left as it is. ``keep``:
    also delete all but the ``keep`` newest ``*.json`` files of its folder (and temporary
    files an interrupted write left there over an hour ago)."""
    with contextlib.suppress(OSError, ValueError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, separators=(",", ":"))
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    if keep:
        with contextlib.suppress(OSError):
            _prune(path.parent, keep)


def _prune(folder: Path, keep: int) -> None:
    entries = sorted(folder.glob("*.json"), key=lambda f: f.stat().st_mtime_ns, reverse=True)
    for f in entries[keep:]:
        f.unlink(missing_ok=True)
    for f in folder.glob("*.tmp"):
        if time.time() - f.stat().st_mtime > 3600:
            f.unlink(missing_ok=True)


def touch(path: Path) -> None:
    """Mark a cache file as used now (the newest are kept, :func:`write_json`)."""
    with contextlib.suppress(OSError):
        os.utime(path)


class IndexStore:
    """What a name index (:class:`~smelter_match.index.NameIndex`) keeps in the user cache: its
    names' normalised forms and edit gaps, about 0.1 s of a new process's first search. Keyed
    by the reference's names, their facilities and the code that computes both (``modules``
    and the normaliser); an entry that is missing, unreadable or fails a check (every form
    consistent, every gap a whole number in ``[0, cap]``) is computed again and written. The
    newest :data:`INDEX_ENTRIES` entries are kept."""

    def __init__(self, use_cache: bool, modules: Iterable[ModuleType], names: list[list],
                 facilities: list[list], texts: Sequence[str], cap: int) -> None:
        self.forms: dict = {}
        self.path: Path | None = None
        self._texts, self._cap, self._gaps = tuple(texts), cap, None
        if not use_cache:
            return
        code = code_fingerprint(modules) + normaliser_fingerprint()
        key = hashlib.sha256(json.dumps([code, names, facilities]).encode()).hexdigest()[:32]
        self.path = cache_dir() / "index" / f"{key}.json"
        data = read_json(self.path)
        if isinstance(data, dict):
            try:
                self.forms = _forms(data.get("forms"))
                self._gaps = data.get("gaps")
            except Exception:   # noqa: BLE001 (any damage: computed again)
                self.forms = {}
            else:
                touch(self.path)

    def gaps(self, n_rows: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The stored edit gaps of every text, if all are there for ``n_rows`` name rows and
        pass the check; else {}."""
        try:
            out = {t: tuple(_gap(a, n_rows, self._cap) for a in self._gaps[t])
                   for t in self._texts}
        except Exception:   # noqa: BLE001 (missing or damaged: computed again)
            return {}
        return out if all(len(pair) == 2 for pair in out.values()) else {}

    def save(self, norm: list, gaps: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        """Write the entry (the forms of ``norm``, a list of ``NormalizedName``, and ``gaps``)."""
        if self.path is not None:
            write_json(self.path, {
                "forms": {n.original: [n.folded, n.key, n.tokens, n.compact, n.acronym,
                                       n.variants] for n in norm},
                "gaps": {t: [a.tolist() for a in pair] for t, pair in gaps.items()}},
                keep=INDEX_ENTRIES)


#: Name index entries kept in the cache (~250 KB each for RMI's ~1,300 names).
INDEX_ENTRIES = 8


def _forms(data: dict) -> dict:
    """Stored normalised forms, each checked against the invariants of ``NormalizedName`` (a
    damaged one raises)."""
    from smelter_match.normalize import NormalizedName

    out = {}
    for name, (folded, key, tokens, compact, acronym, variants) in data.items():
        tokens, variants = tuple(tokens), tuple(variants)
        texts = (name, folded, key, compact, acronym, *tokens, *variants)
        if not (all(type(t) is str for t in texts) and " ".join(tokens) == key
                and compact == key.replace(" ", "") and variants and variants[0] == key):
            raise ValueError(f"damaged form of {name!r}")
        out[name] = NormalizedName(name, folded, key, tokens, compact, acronym, variants)
    return out


def _gap(values: list, n_rows: int, cap: int) -> np.ndarray:
    """A stored gap array, checked (a damaged one raises)."""
    arr = np.asarray(values)
    if arr.shape != (n_rows,) or (n_rows and (arr.dtype.kind not in "iu" or arr.min() < 0
                                              or arr.max() > cap)):
        raise ValueError("damaged gaps")
    return arr.astype(np.int32)
