"""The user cache (``smelter_match.cache``): work a new process finds done, and never a stale
or damaged entry taken for a result."""

from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smelter_match import cache, sources
from smelter_match.index import SLIP_TEXTS, NameIndex
from smelter_match.matcher import Matcher
from smelter_match.reference import load_reference


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SMELTER_MATCH_CACHE_DIR", str(folder))
    return folder


def _counting_sha(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    read: list[Path] = []
    real = sources.file_sha256
    monkeypatch.setattr(sources, "file_sha256", lambda p: read.append(p) or real(p))
    return read


def test_file_hashes_are_read_once_and_again_when_the_file_changes(
        cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file's content hash is remembered by its identity (path, size, inode, times): the
    second call reads no file; a changed file (same size) is hashed again; ``use_cache=False``
    neither reads nor writes the memo."""
    monkeypatch.setattr(cache, "RACY_NS", -10**12)   # (the racy rule has its own test)
    a, b = tmp_path / "a.xml", tmp_path / "b.xml"
    a.write_bytes(b"first")
    b.write_bytes(b"second")
    read = _counting_sha(monkeypatch)
    want = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b)]
    assert cache.file_hashes([a, b]) == want and len(read) == 2
    assert cache.file_hashes([a, b]) == want and len(read) == 2   # remembered
    a.write_bytes(b"FIRST")                                        # same size, new content
    assert cache.file_hashes([a, b]) == [hashlib.sha256(b"FIRST").hexdigest(), want[1]]
    assert read[2:] == [a]
    c = tmp_path / "c.xml"                                         # a deleted file is forgotten
    c.write_bytes(b"third")
    b.unlink()
    cache.file_hashes([c])
    assert set(json.loads((cache_dir / "file_hashes.json").read_text())) == {
        str(a.resolve()), str(c.resolve())}
    (cache_dir / "file_hashes.json").unlink()
    assert cache.file_hashes([c], use_cache=False) == [hashlib.sha256(b"third").hexdigest()]
    assert not (cache_dir / "file_hashes.json").exists()


def test_a_hash_remembered_too_soon_after_a_change_is_not_trusted(
        cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """git's "racily clean" files: a file changed within :data:`RACY_NS` of being hashed may
    change again without its times showing it (2-second timestamps): it is hashed again until
    its last change is older than that. Here an in-place edit keeps size, inode and both times
    (as a coarse clock would): still seen."""
    f = tmp_path / "CMRT.xml"
    f.write_bytes(b"Metalor")
    read = _counting_sha(monkeypatch)
    ident = cache._identity(str(f.resolve()))
    cache.file_hashes([f])
    f.write_bytes(b"Metalox")
    monkeypatch.setattr(cache, "_identity", lambda _path: ident)   # a coarse clock's times
    assert cache.file_hashes([f]) == [hashlib.sha256(b"Metalox").hexdigest()]
    assert len(read) == 2
    monkeypatch.setattr(cache, "RACY_NS", -10**12)                # long after the change
    assert cache.file_hashes([f]) == [hashlib.sha256(b"Metalox").hexdigest()]
    assert len(read) == 2


def test_a_damaged_memo_of_file_hashes_is_read_as_none(cache_dir: Path, tmp_path: Path) -> None:
    f = tmp_path / "a.xml"
    f.write_bytes(b"text")
    cache_dir.mkdir()
    st = f.stat()
    ident = [st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns]
    for damaged in ("{not json", "[1, 2]", json.dumps({str(f.resolve()): "x"}), "[" * 100_000,
                    json.dumps({str(f.resolve()): [*ident, "late", "x"]}),
                    json.dumps({str(f.resolve()): [*ident, 2**62]})):
        (cache_dir / "file_hashes.json").write_text(damaged)
        assert cache.file_hashes([f]) == [hashlib.sha256(b"text").hexdigest()]


def test_a_reference_loaded_again_hashes_no_file(cache_dir: Path, rmi_exports_dir: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "RACY_NS", -10**12)   # (the files may have been copied just now)
    first = load_reference(rmi_exports_dir)
    read = _counting_sha(monkeypatch)
    again = load_reference(rmi_exports_dir)
    assert read == [] and again.version == first.version


def _index_files(folder: Path) -> list[Path]:
    return sorted((folder / "index").glob("*.json"))


def test_the_name_index_keeps_its_costly_parts_for_the_next_process(
        cache_dir: Path, rmi_exports_dir: Path) -> None:
    """The first search writes the index's normalised names and edit gaps to the cache; an index
    built later from it has the same names and gaps (values and types) without computing them,
    and the matcher's answers are the same as without any cache."""
    ref = load_reference(rmi_exports_dir)
    built = NameIndex(ref)
    assert _index_files(cache_dir) == []          # nothing searched yet
    rows = np.arange(len(built.norm))
    gaps = {t: built.edit_gaps(t, rows) for t in SLIP_TEXTS}
    (stored,) = _index_files(cache_dir)
    again = NameIndex(ref)
    assert again._store.forms and set(again._gap_cache) == set(SLIP_TEXTS)   # read, not built
    assert again.norm == built.norm
    for t in SLIP_TEXTS:
        for mine, theirs in zip(again.edit_gaps(t, rows), gaps[t]):
            assert mine.dtype == theirs.dtype and (mine == theirs).all()
    assert _index_files(cache_dir) == [stored]

    names = pd.DataFrame({"name": ["Metalor Technologics SA", "Umicorc", "ATAkulche",
                                   "Jiang Xi Copper", "Bank of China", "Kemet Blue Powder"]})
    uncached = load_reference(rmi_exports_dir, use_cache=False)
    want = Matcher(uncached).match(names)
    pd.testing.assert_frame_equal(Matcher(ref).match(names), want)


def test_a_damaged_or_foreign_index_entry_is_computed_again(
        cache_dir: Path, rmi_exports_dir: Path) -> None:
    """A truncated entry, or one of another shape, is not read: the index computes its parts
    (the same as ever) and writes the entry again."""
    ref = load_reference(rmi_exports_dir)
    index = NameIndex(ref)
    want = index.edit_gaps("compact", np.arange(len(index.norm)))
    (path,) = _index_files(cache_dir)
    good = path.read_text()
    entry = json.loads(good)
    name, form = next(iter(entry["forms"].items()))
    n = len(entry["gaps"]["compact"][0])

    def changed(forms: dict | None = None, **gaps: list) -> str:
        return json.dumps({"forms": forms if forms is not None else entry["forms"],
                           "gaps": {**entry["gaps"], **gaps}})

    for damaged in (good[: len(good) // 2], "[" * 100_000, "[]",
                    json.dumps({"forms": {"x": [1]}, "gaps": {}}),
                    json.dumps({"forms": {}, "gaps": {t: [[0], [0]] for t in SLIP_TEXTS}}),
                    changed({**entry["forms"], name: [form[0], 7, *form[2:]]}),
                    changed({**entry["forms"], name: [*form[:2], "one two", *form[3:]]}),
                    changed({**entry["forms"], name: [*form[:5], []]}),
                    changed(compact=[[2**40] * n, [0] * n]), changed(compact=[[0] * n] * 3),
                    changed(compact=[[-1] * n, [0] * n]), changed(compact=[[0.5] * n, [0] * n]),
                    changed(compact=[[[0]] * n, [0] * n]), changed(compact=[[0] * n])):
        path.write_text(damaged)
        fresh = NameIndex(ref)
        assert fresh.norm == index.norm
        got = fresh.edit_gaps("compact", np.arange(len(index.norm)))
        assert all((a == b).all() for a, b in zip(got, want))
        assert json.loads(path.read_text()) == entry, damaged[:80]


def test_the_index_entry_follows_the_names_and_is_not_written_without_the_cache(
        cache_dir: Path, rmi_exports_dir: Path) -> None:
    """Another list of names is another entry; a reference loaded with ``use_cache=False``
    neither reads nor writes one, nor do the references derived from one for a single run
    (held-out folds) or the default reference asked for without the cache."""
    ref = load_reference(rmi_exports_dir)
    NameIndex(ref).prepare()
    (first,) = _index_files(cache_dir)
    ref.names = ref.names.iloc[1:].reset_index(drop=True)
    NameIndex(ref).prepare()
    assert len(_index_files(cache_dir)) == 2
    for f in _index_files(cache_dir):
        f.unlink()
    uncached = load_reference(rmi_exports_dir, use_cache=False)
    index = NameIndex(uncached)
    index.prepare()
    assert _index_files(cache_dir) == [] and index._store.forms == {}
    from smelter_match.synthetic import reduced_reference
    from smelter_match.training import without_cids

    ref = load_reference(rmi_exports_dir)
    cids = set(ref.facilities["cid"][:3])
    for derived in (without_cids(ref, cids), reduced_reference(ref, random.Random(0), 0.1, 0.1)[0]):
        NameIndex(derived).prepare()
    assert _index_files(cache_dir) == []
    from smelter_match.reference import import_reference

    import_reference(rmi_exports_dir)
    index = NameIndex(load_reference(use_cache=False))
    index.prepare()
    assert _index_files(cache_dir) == []


def test_the_newest_index_entries_are_kept(cache_dir: Path, rmi_exports_dir: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Each reference (and code version) has an entry; only the newest ``INDEX_ENTRIES`` stay
    (reading one makes it new again), and an interrupted write's temporary file goes after an
    hour."""
    monkeypatch.setattr(cache, "INDEX_ENTRIES", 2)
    ref = load_reference(rmi_exports_dir)
    NameIndex(ref).prepare()
    (first,) = _index_files(cache_dir)
    old = cache_dir / "index" / "x.json.123.tmp"
    old.write_text("{")
    os.utime(old, (0, 0))
    os.utime(first, (1, 1))
    NameIndex(ref)                       # read: used now
    for _ in (1, 2):
        ref.names = ref.names.iloc[1:].reset_index(drop=True)
        NameIndex(ref).prepare()
    files = _index_files(cache_dir)
    assert len(files) == 2 and first not in files and not old.exists()


def test_a_file_name_that_is_not_utf8_is_loaded_and_cached(cache_dir: Path, tmp_path: Path,
                                                           rmi_exports_dir: Path) -> None:
    """A Latin-1 file name on Linux (a surrogate in Python) is cached as well as any."""
    import shutil

    folder = tmp_path / "exports-2026-08-22"
    folder.mkdir()
    odd = os.fsdecode(bytes(folder) + b"/CMRT_M\xe4rz.xml")
    shutil.copy(rmi_exports_dir / "CMRT.xml", odd)
    first = load_reference(odd)
    again = load_reference(odd)
    assert again.version == first.version and list((cache_dir / "compiled").glob("*.json.gz"))


def test_the_cache_dir_may_be_given_from_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMELTER_MATCH_CACHE_DIR", "~/sm-cache")
    assert cache.cache_dir() == Path.home() / "sm-cache"


@pytest.fixture()
def fresh_places(tmp_path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    """This process's places forgotten, and a user cache of its own (both put back after)."""
    from smelter_match import countries

    monkeypatch.setenv("SMELTER_MATCH_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(countries, "_PLACES", {})
    return tmp_path


def test_the_places_are_kept_in_the_user_cache_and_read_back(
        fresh_places, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """A new process reads the folded provinces from the user cache (~3 ms) instead of folding
    ~5,000 names again (~0.04 s of its first searched name): the same places either way."""
    from smelter_match import cache, countries

    computed = countries.compute_places()
    cache.load_places(use_cache=True)
    entries = list((fresh_places / "places").glob("*.json"))
    assert len(entries) == 1
    assert countries.place_words() == frozenset(computed["words"])
    assert countries._place_names() == frozenset(computed["names"])
    # a new process: read back, never computed
    monkeypatch.setattr(countries, "_PLACES", {})
    monkeypatch.setattr(countries, "compute_places", lambda: pytest.fail("computed again"))
    cache.load_places(use_cache=True)
    assert countries.is_place_name("hunan sheng") and "hebei" in countries.place_words()
    assert countries._place_names() == frozenset(computed["names"])


@pytest.mark.parametrize("damage", ["not json", '{"names": ["hunan"]}',
                                    '{"names": [1], "words": []}', "[]"])
def test_a_damaged_places_entry_is_computed_again(fresh_places, damage: str) -> None:  # noqa: ANN001
    from smelter_match import cache, countries

    path = fresh_places / "places" / f"{cache.normaliser_fingerprint()}.json"
    path.parent.mkdir(parents=True)
    path.write_text(damage, encoding="utf-8")
    cache.load_places(use_cache=True)
    assert countries.is_place_name("jiangsu province") and not countries.is_place_name("yunnan tin")
    assert countries.place_words() == frozenset(countries.compute_places()["words"])
    assert cache.read_json(path)["words"] == countries.compute_places()["words"]


def test_without_the_cache_the_places_are_computed_and_nothing_is_written(fresh_places) -> None:  # noqa: ANN001
    from smelter_match import cache, countries

    assert "hubei" in countries.place_words()   # first use: computed, not cached
    cache.load_places(use_cache=True)        # already read: nothing to do
    assert not (fresh_places / "places").exists()
