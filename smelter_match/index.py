"""The searchable view of a reference's names, shared by blocking, compare and decide.

:class:`NameIndex` is built once per :class:`~smelter_match.reference.Reference` (~0.06 s; ~0.04 s
with the user cache's entry, :class:`~smelter_match.cache.IndexStore`): every reference name
normalised, its facility row, exact-key lookups, token IDF weights, a character n-gram TF-IDF
matrix, and flat numpy arrays (CSR layouts) that the vectorised stages read. It holds no query
state. Its n-gram matrices are :class:`~smelter_match.sparse.Csr`, plain numpy arrays.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
import sys
import threading
from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Levenshtein

from smelter_match._resources import data_csv
from smelter_match.cache import IndexStore
from smelter_match.folding import GENERIC_WORDS, LEGAL_FORM_WORDS
from smelter_match.normalize import NormalizedName, normalize_name
from smelter_match.reference import Reference
from smelter_match.sparse import Csr

if TYPE_CHECKING:
    import pandas as pd

NGRAM_SIZES = (2, 3, 4)

#: Multiplier that packs (row, token id) into one int64 code for fast membership tests.
TOKEN_CODE = 1 << 32

_OCR = sorted(((r["sequence"], r["class"]) for r in data_csv("vocab", "ocr_classes.csv")),
              key=lambda sc: -len(sc[0]))
_OCR_RE = re.compile("|".join(re.escape(seq) for seq, _ in _OCR))
_OCR_MAP = dict(_OCR)


#: Shortest compact name (characters) an OCR-damaged name is read as (:attr:`NameIndex.ocr_sole`):
#: shorter names are too easily another word.
OCR_SOLE_MIN = 4

#: Typing slips (edits of the compact key, :data:`SLIP_DISTANCE`) a name may carry and still be
#: read as an RMI name of this length (:meth:`NameIndex.slips_allowed`): one from 8 characters,
#: two from 14, three from 20 (one slip in about six characters).
SLIP_EVERY = 6
MAX_SLIPS = 3
#: How typing slips are counted against that budget: the optimal string alignment distance,
#: Levenshtein's edits with two neighbouring characters swapped ("Metlaor") as one slip, as a
#: typist makes it (Damerau's four kinds of slip) rather than two. The margin to other
#: facilities' names (:meth:`NameIndex.edit_gaps`) stays in Levenshtein edits, a metric: with
#: swaps as one edit the triangle inequality it rests on can fail by one per swap.
SLIP_DISTANCE = OSA.distance


@functools.lru_cache(maxsize=1 << 14)
def ocr_fold(text: str) -> str:
    """A spaceless text (a compact key, :func:`slip_text`'s texts) with OCR-confusable sequences
    replaced by their class (``ocr_classes.csv``). Cached for a few batches' names: compare, the
    OCR rule and the slips rule fold each."""
    return _OCR_RE.sub(lambda m: _OCR_MAP[m.group()], text)


#: The texts typing slips are counted on (:func:`slip_text`).
SLIP_TEXTS = ("compact", "full", "ocr_compact", "ocr_full")


def slip_text(nn: NormalizedName, text: str) -> str:
    """A name as typing slips are counted on it (``text`` of :data:`SLIP_TEXTS`): its compact
    key (``"compact"``) or its folded text without spaces, legal form included (``"full"``: a
    slip inside "Co., Lttd." keeps the form from being stripped, so a damaged name is also
    compared as spelled), each also with OCR-confusable characters as one class (``"ocr_"``,
    :func:`ocr_fold`: "Meta1s" reads as "Metals", "Ltcl" as "Ltd"), so that OCR damage and
    typing slips in one name count together. Both spellings, because the classes' sequences are
    found in the text as written: "Recycling" folds its "cl" to "d", "Recyc1ing" does not."""
    base = nn.compact if text.endswith("compact") else nn.folded.replace(" ", "")
    return ocr_fold(base) if text.startswith("ocr_") else base


class DamagedWords:
    """Reads a token as a word of a vocabulary, also when damaged: through OCR-confusable
    characters (one of ``ocr_words``, from ``ocr_from`` letters) or, from ``slip_from`` letters,
    a typing slip (Indel similarity >= ``cutoff`` to one of ``slip_words``; with
    ``same_length`` only those within one letter of the token's length). :meth:`read` gives the
    word (``None``: not one), cached per token."""

    def __init__(self, words: frozenset[str], ocr_words: list[str], slip_words: list[str], *,
                 ocr_from: int, slip_from: int, cutoff: float, same_length: bool = False,
                 cache: int = 1 << 16) -> None:
        self.words, self.slip_from, self.cutoff, self.ocr_from = words, slip_from, cutoff, ocr_from
        self._ocr = {ocr_fold(w): w for w in sorted(ocr_words)}
        self._slip = sorted(slip_words)
        self._near = {n: [w for w in self._slip if abs(len(w) - n) <= 1]
                      for n in range(1, max(map(len, self._slip), default=0) + 2)} \
            if same_length else None
        self.read = functools.lru_cache(maxsize=cache)(self._read)

    def _read(self, token: str) -> str | None:
        if token in self.words:
            return token
        word = self._ocr.get(ocr_fold(token)) if len(token) >= self.ocr_from else None
        if word is not None or len(token) < self.slip_from:
            return word
        near = self._slip if self._near is None else self._near.get(len(token))
        hit = process.extractOne(token, near, scorer=fuzz.ratio, score_cutoff=self.cutoff) \
            if near else None
        return hit[0] if hit else None


_WEAK_WORDS = sorted(w for w in GENERIC_WORDS | LEGAL_FORM_WORDS if len(w) >= 3)
_WEAK = DamagedWords(GENERIC_WORDS | LEGAL_FORM_WORDS, _WEAK_WORDS, _WEAK_WORDS, ocr_from=0,
                     slip_from=5, cutoff=80, same_length=True)


def damaged_weak_word(token: str) -> bool:
    """``token`` is a generic or legal-form word, or one damaged by OCR-confusable characters
    ("lfd" for "ltd") or, from 5 letters, a typing slip (a word of about the same length with
    Indel similarity >= 80: "compony"; "golden" is not a damaged "gold")."""
    return _WEAK.read(token) is not None


def damaged_legal_form(token: str) -> bool:
    """``token`` is a legal-form word, also damaged as :func:`damaged_weak_word` reads it."""
    return _WEAK.read(token) in LEGAL_FORM_WORDS


def core_text(tokens: tuple[str, ...] | list[str]) -> str:
    """A name's core: its tokens that are not generic or legal-form words, also when damaged
    (:func:`damaged_weak_word`), without spaces ("" when none is). What tells one company
    from another: "Lianyou Resources Co., Ltd." and "Tian Yu Resources Limited" differ in it,
    "Jiangxi Copper" and "Jiangxi Coper Co Lttd" do not."""
    return "".join(t for t in tokens if not damaged_weak_word(t))


def abbreviates(token: str, word: str) -> bool:
    """``token`` may abbreviate ``word``: 2-5 letters, ``word`` longer, the same first letter and
    the token's letters in order in it ("ind" -> "industry", "intl" -> "international")."""
    if not (2 <= len(token) <= 5 and token.isalpha() and len(word) > len(token)):
        return False
    it = iter(word[1:])
    return word[0] == token[0] and all(ch in it for ch in token[1:])


def sorted_key(n: NormalizedName) -> str:
    """The key's words in sorted order: rapidfuzz's ``token_sort_ratio`` is ``ratio`` of these
    (sorted once per name instead of once per compared pair)."""
    return " ".join(sorted(n.key.split()))


def distinct_text(n: NormalizedName) -> str:
    """The distinctive part of a name: its key tokens that are not generic words, without spaces
    (the whole compact key when every token is generic)."""
    kept = [t for t in n.tokens if t not in GENERIC_WORDS]
    return "".join(kept) if kept else n.compact


def _gram_codes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Character 2-4-grams of ``" " + text + " "`` for every text, as (text row, gram code).

    Vectorised: the padded texts are laid end to end in one byte buffer and every n-gram is read
    as a base-128 integer (compact keys are ASCII ``[a-z0-9]``; anything else reads as ``?``).
    The code of an n-gram also encodes ``n``, so different sizes never collide.
    """
    if not texts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    padded = [f" {t} " for t in texts]
    lens = np.fromiter((len(p) for p in padded), dtype=np.int64, count=len(padded))
    buf = np.frombuffer("".join(padded).encode("ascii", "replace"), dtype=np.uint8).astype(np.int64)
    row = np.repeat(np.arange(len(padded), dtype=np.int64), lens)
    pos = np.arange(len(buf), dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
    rows, codes = [], []
    for n in NGRAM_SIZES:
        m = len(buf) - n + 1
        if m <= 0:
            continue
        code = np.full(m, n, dtype=np.int64)
        for k in range(n):
            code = code * 128 + buf[k:k + m]
        ok = pos[:m] <= lens[row[:m]] - n
        rows.append(row[:m][ok])
        codes.append(code[ok])
    return np.concatenate(rows), np.concatenate(codes)


def _tfidf(rows: np.ndarray, ids: np.ndarray, n_rows: int, n_cols: int,
           idf: np.ndarray | None = None) -> tuple[Csr, np.ndarray]:
    """L2-normalised TF-IDF rows (tf = 1 + log count) from (row, column id) occurrences.

    ``idf=None`` computes it from these rows (``log((1 + n) / (1 + df)) + 1``). Returns
    (matrix, idf).
    """
    cell, counts = np.unique(rows * n_cols + ids, return_counts=True)
    r, c = cell // n_cols, cell % n_cols
    if idf is None:
        idf = np.log((1 + n_rows) / (1 + np.bincount(c, minlength=n_cols))) + 1.0
    w = (1.0 + np.log(counts)) * idf[c]
    norm = np.sqrt(np.bincount(r, weights=w * w, minlength=n_rows))
    norm[norm == 0] = 1.0
    indptr = np.concatenate(([0], np.cumsum(np.bincount(r, minlength=n_rows))))
    return Csr(indptr.astype(np.int64), c.astype(np.int64), w / norm[r], n_cols), idf


class NameIndex:
    """Searchable view of a Reference's names, built once per Reference.

    Rows are reference names (one per (cid, metal, name) with a non-empty key); ``fac`` maps each
    name row to its facility row in ``reference.facilities``.
    """

    def __init__(self, reference: Reference):
        self.reference = reference
        fac_cols = reference.columns("facilities", "cid", "metal")
        fac_pos = {(c, m): i for i, (c, m) in enumerate(zip(*fac_cols))}
        cols = reference.columns("names", "cid", "metal", "name", "kind", "ambiguous")
        self._store = IndexStore(reference.use_cache, [sys.modules[__name__]], cols[:3], fac_cols,
                                 SLIP_TEXTS, 2 * MAX_SLIPS + 3)
        forms = self._store.forms
        rows = []
        for cid, metal, name, kind, amb in zip(*cols):
            n = forms.get(name) or normalize_name(name)
            if n.key and (cid, metal) in fac_pos:
                rows.append((cid, metal, name, kind, n, fac_pos[(cid, metal)], bool(amb)))
        self.cid = np.array([r[0] for r in rows], dtype=object)
        self.metal = np.array([r[1] for r in rows], dtype=object)
        self.name = [r[2] for r in rows]
        self.kind = [r[3] for r in rows]
        self.norm = [r[4] for r in rows]
        self.fac = np.array([r[5] for r in rows], dtype=np.int64)
        self.ambiguous = [r[6] for r in rows]   # name maps to several CIDs of its metal
        names_of_fac: dict[int, list[int]] = defaultdict(list)
        for i, f in enumerate(self.fac):
            names_of_fac[int(f)].append(i)
        # exact lookups: (normalised key, metal) -> name rows, ascending (the first pass); every
        # spaceless variant, compact key and acronym -> name rows (blocking)
        self.by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, (n, metal) in enumerate(zip(self.norm, self.metal)):
            self.by_key[(n.key, metal)].append(i)
        self.metals = sorted(set(self.metal))
        self.by_exact: dict[str, set[int]] = defaultdict(set)
        for i, n in enumerate(self.norm):
            for v in (*n.variants, n.compact):
                if v:
                    self.by_exact[v.replace(" ", "")].add(i)
            if len(n.acronym) >= 3:
                self.by_exact["acr:" + n.acronym].add(i)
        # token IDF over facilities (a token shared by many facilities says little)
        df_count: dict[str, int] = defaultdict(int)
        for idxs in names_of_fac.values():
            for t in {t for i in idxs for t in self.norm[i].tokens}:
                df_count[t] += 1
        n_fac = max(len(names_of_fac), 1)
        self.idf = {t: math.log((n_fac + 1) / (c + 0.5)) for t, c in df_count.items()}
        self.max_idf = math.log((n_fac + 1) / 0.5)
        self._build_arrays(len(fac_pos))
        # character n-gram TF-IDF (sublinear tf, l2-normalised rows)
        rows, codes = _gram_codes([n.compact for n in self.norm])
        self.gram_codes, ids = np.unique(codes, return_inverse=True)
        self.matrix, self.gram_idf = _tfidf(rows, ids.ravel(), len(self.norm),
                                            max(len(self.gram_codes), 1))
        self.matrix_t = self.matrix.transpose()
        order = np.argsort(np.array([n.compact for n in self.norm], dtype=object), kind="stable")
        self.sorted_rows = order
        self.sorted_compact = [self.norm[i].compact for i in order]

    @functools.cached_property
    def frame(self) -> pd.DataFrame:
        """The name rows as a DataFrame (cid, metal, key, compact): what recordlinkage's
        indexers read (:mod:`smelter_match.blocking`). Built when first asked for."""
        import pandas as pd

        return pd.DataFrame({"cid": self.cid, "metal": self.metal,
                             "key": [n.key for n in self.norm],
                             "compact": [n.compact for n in self.norm]})

    def __getstate__(self) -> dict:
        """What a copy holds (``pickle``, ``copy.deepcopy``: a Matcher sent to a process pool,
        joblib or Dask): all but the lock of :meth:`edit_gaps`, which cannot be pickled; the
        copy makes its own (:meth:`__setstate__`)."""
        return {k: v for k, v in self.__dict__.items() if k != "_gap_lock"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._gap_lock = threading.Lock()

    def country_agrees(self, f, country):  # noqa: ANN001, ANN201
        """The reported country (an ISO code; blank agrees with nothing) is facility ``f``'s.
        Elementwise on arrays as on scalars; the one rule every comparison of a reported
        country with a facility's uses (the pair features, the exact lookup)."""
        return (country != "") & (self.fac_country[f] == country)

    def _build_arrays(self, n_facilities: int) -> None:
        """Flat numpy views used by the vectorised compare stage (see :mod:`smelter_match.compare`)."""
        norm = self.norm
        # facility -> name rows (ascending), as CSR
        self.fac_name_idx = np.argsort(self.fac, kind="stable").astype(np.int64)
        counts = np.bincount(self.fac, minlength=n_facilities)
        self.fac_name_ptr = np.r_[0, np.cumsum(counts)].astype(np.int64)
        self.key_arr = np.array([n.key for n in norm], dtype=object)
        self.sorted_key_arr = np.array([sorted_key(n) for n in norm], dtype=object)
        self.compact_arr = np.array([n.compact for n in norm], dtype=object)
        self.acronym_arr = np.array([n.acronym for n in norm], dtype=object)
        self.compact_len = np.array([len(n.compact) for n in norm], dtype=np.int64)
        self.var_ptr, self.var_arr = variants_csr(norm)
        # the first name row of the same normalised form (a name listed under several metals or
        # facilities): compare scores a (query, name) pair once per form, as every similarity
        # depends on the form alone
        first_of: dict[tuple, int] = {}
        self.form_row = np.array([first_of.setdefault(
            (n.key, n.compact, n.acronym, n.variants, n.tokens), i) for i, n in enumerate(norm)],
            dtype=np.int64)
        # facility columns the hot path reads (by facility row)
        country, metal, cid, removed, in_log = self.reference.columns(
            "facilities", "country_code", "metal", "cid", "removed", "removed_in_log")
        self.fac_country = np.array(country, dtype=object)
        self.has_country = np.array([bool(c) for c in self.fac_country], dtype=bool)
        self.fac_metal = np.array(metal, dtype=object)
        self.fac_cid = np.array(cid, dtype=object)
        #: each facility's CID as its rank in sorted CID order: ties broken by CID with an integer
        #: sort, which releases the GIL (a sort of CID strings compares Python objects)
        self.fac_cid_rank = np.unique(self.fac_cid, return_inverse=True)[1].ravel().astype(np.int64)
        # the pair feature "removed" reads the revision log as the model was trained on it: a
        # facility RMI's newest list carries again after a logged removal still counts (its
        # results and annex rows are not flagged removed: ``Reference.facilities``)
        self.fac_removed = np.array(removed if in_log is None else in_log,   # (a hand-made table)
                                    dtype=bool)
        self.kind_current = np.array([k == "current_standard_name" for k in self.kind], dtype=bool)
        self.kind_former = np.array([k == "former_standard_name" for k in self.kind], dtype=bool)
        self.ambiguous_arr = np.array(self.ambiguous, dtype=bool)
        # reference token vocabulary: id -> text / weight; name -> distinct token ids (CSR)
        self.token_id: dict[str, int] = {}
        ptr, ids = [0], []
        for n in norm:
            for t in dict.fromkeys(n.tokens):
                ids.append(self.token_id.setdefault(t, len(self.token_id)))
            ptr.append(len(ids))
        self.token_text = list(self.token_id)
        self.token_arr = np.array(self.token_text, dtype=object)
        self.token_w = np.array([self.token_weight(t) for t in self.token_text], dtype=float)
        self.name_tok_ptr = np.array(ptr, dtype=np.int64)
        self.name_tok_ids = np.array(ids, dtype=np.int64)
        rows = np.repeat(np.arange(len(norm), dtype=np.int64), np.diff(self.name_tok_ptr))
        self.name_tok_codes = np.sort(rows * TOKEN_CODE + self.name_tok_ids)
        mass = np.bincount(rows, weights=self.token_w[self.name_tok_ids], minlength=len(norm))
        self.name_mass = np.where(mass > 0, mass, 1.0)
        self.fuzzy_cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        # edit_gaps, per text (all four from the user cache, else each built on first use)
        self._gap_cache: dict[str, tuple[np.ndarray, np.ndarray]] = self._store.gaps(len(norm))
        self._gap_lock = threading.Lock()
        self._metal_code = np.unique(self.metal.astype(str), return_inverse=True)[1].ravel()
        self.abbrev_cache: dict[str, np.ndarray] = {}
        self._next_char: np.ndarray | None = None   # built on first use
        self.generic_tok = np.array([t in GENERIC_WORDS for t in self.token_text], dtype=bool)
        # comparison texts: OCR-confusable characters as one class; the distinctive (non-generic) part
        self.ocr_arr = np.array([ocr_fold(n.compact) for n in norm], dtype=object)
        self.distinct_arr = np.array([distinct_text(n) for n in norm], dtype=object)
        # a name OCR damage cannot confuse with another facility's: no name of another facility
        # of its metal reads the same once OCR-confusable characters are one class
        facs_of: dict[tuple[str, str], set[int]] = defaultdict(set)
        for fold, metal, f in zip(self.ocr_arr.tolist(), self.metal, self.fac.tolist()):
            facs_of[(fold, metal)].add(f)
        self.ocr_sole = (self.compact_len >= OCR_SOLE_MIN) & np.array(
            [len(facs_of[key]) == 1 for key in zip(self.ocr_arr.tolist(), self.metal)], dtype=bool)

    @staticmethod
    def slips_allowed(length: np.ndarray) -> np.ndarray:
        """How many typing slips a name of ``length`` compact characters may carry and still be
        read as that name (:data:`SLIP_EVERY`, :data:`MAX_SLIPS`)."""
        return np.minimum(np.maximum((np.asarray(length) - 2) // SLIP_EVERY, 0), MAX_SLIPS)

    @functools.cached_property
    def slip_arr(self) -> dict[str, np.ndarray]:
        """Per text of :data:`SLIP_TEXTS`, per name row: its :func:`slip_text`."""
        known = {"compact": self.compact_arr, "ocr_compact": self.ocr_arr}
        return {text: known[text] if text in known else
                np.array([slip_text(n, text) for n in self.norm], dtype=object)
                for text in SLIP_TEXTS}

    @functools.cached_property
    def core_arr(self) -> np.ndarray:
        """Per name row: its :func:`core_text`."""
        return np.array([core_text(n.tokens) for n in self.norm], dtype=object)

    @functools.cached_property
    def _slip_sorted(self) -> dict[str, tuple[list[str], np.ndarray]]:
        """Per text of :data:`SLIP_TEXTS`: the names' texts in sorted order, and their rows."""
        out = {}
        for text, arr in self.slip_arr.items():
            order = np.array(sorted(range(len(arr)), key=arr.__getitem__), dtype=np.int64)
            out[text] = (arr[order].tolist(), order)
        return out

    def begun_by(self, text: str, start: str, metal: str | None) -> np.ndarray:
        """Name rows (of ``metal``; of any metal when None) whose ``text`` of
        :data:`SLIP_TEXTS` begins with ``start`` (or is it)."""
        texts, order = self._slip_sorted[text]
        rows = order[bisect.bisect_left(texts, start):bisect.bisect_left(texts, start + "\U0010ffff")]
        return rows[self.metal[rows] == metal] if metal else rows

    @functools.cached_property
    def token_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Per reference token id, the name rows that have it (ascending), as CSR (pointer, rows)."""
        rows = np.repeat(np.arange(len(self.norm), dtype=np.int64), np.diff(self.name_tok_ptr))
        order = np.argsort(self.name_tok_ids, kind="stable")
        counts = np.bincount(self.name_tok_ids, minlength=len(self.token_text))
        return np.concatenate(([0], np.cumsum(counts))).astype(np.int64), rows[order]

    def edit_gaps(self, text: str, rows: np.ndarray, workers: int = 1
                  ) -> tuple[np.ndarray, np.ndarray]:
        """For name ``rows`` and a text of :data:`SLIP_TEXTS` (:attr:`slip_arr`): the
        Levenshtein distance to the nearest such text of another facility, of the name's metal
        and of any metal (capped at ``2 * MAX_SLIPS + 3``).

        A name ``d`` Levenshtein edits from name row ``r`` is at least ``gap - d`` from every
        other facility's names (the triangle inequality), so with ``gap >= 2 * d + 2`` it is
        nearer ``r`` than any other facility by two edits or more. Every row's gap of every
        text is computed when any is first asked for (~25 ms a text on one core; ``workers``:
        rapidfuzz's) and kept, also in the user cache for later processes with this reference:
        a few rows at a time cost ``match_one`` ~0.6 ms more at the 99th percentile."""
        with self._gap_lock:
            if text not in self._gap_cache:
                # every text at once, and kept for later processes (the user cache)
                cap = 2 * MAX_SLIPS + 3
                same_metal = self._metal_code[:, None] == self._metal_code[None, :]
                for t in SLIP_TEXTS:
                    texts = self.slip_arr[t].tolist()
                    dist = process.cdist(texts, texts, scorer=Levenshtein.distance,
                                         dtype=np.int32, score_cutoff=cap - 1,
                                         workers=workers)   # further: cap
                    dist[self.fac[:, None] == self.fac[None, :]] = cap   # the facility's own names
                    self._gap_cache[t] = (np.where(same_metal, dist, cap).min(axis=1),
                                          dist.min(axis=1))
                self._store.save(self.norm, self._gap_cache)
        gap_metal, gap_any = self._gap_cache[text]
        return gap_metal[rows], gap_any[rows]

    def prepare(self, workers: int = 1) -> None:
        """Build now what is otherwise built on first use (~0.3 s, mostly :meth:`edit_gaps`,
        ~0.02 s when the user cache has this reference's entry): before forking workers, which
        then share it instead of each building it again."""
        self.edit_gaps(SLIP_TEXTS[0], np.zeros(0, dtype=np.int64), workers)
        _ = self._slip_sorted, self.core_arr, self.token_rows
        if self._next_char is None:
            self._build_next_char()

    def normalized(self, name: str) -> NormalizedName:
        """A reference name's normalised forms (kept in the user cache with the index's)."""
        return self._store.forms.get(name) or normalize_name(name)

    def sole_name(self, key: str, metal: str | None) -> int | None:
        """The name row with normalised ``key`` among the names of ``metal`` (of every metal
        when ``metal`` is None), if all such names belong to one facility (None when none does,
        or several facilities share it): its current standard name if that is one of them, else
        the first ("Asaka Riken Co Ltd", a former name, and "Asaka Riken Co., Ltd.", the current
        one, share a key: the reason says "exact RMI standard name", as the full search's does)."""
        if metal:
            rows = self.by_key.get((key, metal), [])
        else:
            rows = sorted(r for m in self.metals for r in self.by_key.get((key, m), ()))
        if not rows or any(self.fac[r] != self.fac[rows[0]] for r in rows[1:]):
            return None
        return next((r for r in rows if self.kind_current[r]), rows[0])

    def fuzzy_neighbours(self, tokens: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Reference tokens within Indel similarity >= 80 of each token (ids, similarities 0-100).

        Only tokens of 4+ characters get neighbours (shorter ones are too easily confused).
        Results are cached per token text, so a batch job pays once per distinct token.
        """
        todo = [t for t in dict.fromkeys(tokens) if len(t) >= 4 and t not in self.fuzzy_cache]
        for start in range(0, len(todo), 2000):
            chunk = todo[start:start + 2000]
            sims = process.cdist(chunk, self.token_text, scorer=fuzz.ratio, score_cutoff=80,
                                 dtype=np.float64)
            for t, row in zip(chunk, sims):
                nz = np.flatnonzero(row)
                self.fuzzy_cache[t] = (nz.astype(np.int64), row[nz])
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0))
        return [self.fuzzy_cache.get(t, empty) if len(t) >= 4 else empty for t in tokens]

    def abbreviation_neighbours(self, tokens: list[str]) -> list[np.ndarray]:
        """Reference tokens each token may abbreviate (ids), see :func:`abbreviates`.

        Vectorised over the vocabulary with a next-occurrence table (cached per token text).
        """
        empty = np.zeros(0, dtype=np.int64)
        out = []
        for t in tokens:
            if not (2 <= len(t) <= 5 and t.isascii() and t.isalpha()):
                out.append(empty)
                continue
            hit = self.abbrev_cache.get(t)
            if hit is None:
                hit = self._abbreviated_by(t)
                self.abbrev_cache[t] = hit
            out.append(hit)
        return out

    def _abbreviated_by(self, token: str) -> np.ndarray:
        if self._next_char is None:
            self._build_next_char()
        ids = self._by_first.get(token[0], np.zeros(0, dtype=np.int64))
        ids = ids[self._tok_len[ids] > len(token)]
        pos = np.ones(len(ids), dtype=np.int64)
        ok = np.ones(len(ids), dtype=bool)
        width = self._next_char.shape[1] - 1
        for ch in token[1:]:
            nxt = self._next_char[ids, np.minimum(pos, width), ord(ch) - 97]
            ok &= nxt < self._tok_len[ids]
            pos = nxt.astype(np.int64) + 1
        return np.sort(ids[ok])

    def _build_next_char(self) -> None:
        """For every reference token, position and letter: where that letter next occurs."""
        width = min(max((len(t) for t in self.token_text), default=1), 40)
        n = len(self.token_text)
        codes = np.full((n, width), 26, dtype=np.int64)
        for i, t in enumerate(self.token_text):
            for j, ch in enumerate(t[:width]):
                codes[i, j] = ord(ch) - 97 if "a" <= ch <= "z" else 26
        nxt = np.full((n, width + 1, 27), 127, dtype=np.int8)
        rows = np.arange(n)
        for j in range(width - 1, -1, -1):
            nxt[:, j] = nxt[:, j + 1]
            nxt[rows, j, codes[:, j]] = j
        self._next_char = nxt[:, :, :26]
        self._tok_len = np.array([len(t) if len(t) <= width else 0 for t in self.token_text])
        firsts: dict[str, list[int]] = defaultdict(list)
        for i, t in enumerate(self.token_text):
            if t and "a" <= t[0] <= "z":
                firsts[t[0]].append(i)
        self._by_first = {k: np.array(v, dtype=np.int64) for k, v in firsts.items()}

    def cosines(self, compacts: list[str]) -> np.ndarray:
        """Dense (query x reference name) n-gram TF-IDF cosines of query compact keys."""
        return self.vectorize(compacts).dense_product(self.matrix_t)

    def vectorize(self, compacts: list[str]) -> Csr:
        """TF-IDF vectors of query compact keys in this index's n-gram space (unknown grams dropped)."""
        rows, codes = _gram_codes(compacts)
        if len(self.gram_codes):
            ids = np.minimum(np.searchsorted(self.gram_codes, codes), len(self.gram_codes) - 1)
            known = self.gram_codes[ids] == codes
        else:
            ids, known = np.zeros(len(codes), dtype=np.int64), np.zeros(len(codes), dtype=bool)
        return _tfidf(rows[known], ids[known], len(compacts), self.matrix.shape[1],
                      self.gram_idf)[0]

    def token_weight(self, token: str) -> float:
        """IDF of a token; unseen tokens are rare (max IDF), generic domain words are damped, and
        so is an unseen token that is a damaged generic or legal-form word ("Corporatlon",
        "Lfd", "Indusfries"): damage does not make a word that says nothing rare."""
        w = self.idf.get(token)
        if w is None:
            return self.max_idf * (0.3 if damaged_weak_word(token) else 1.0)
        return w * 0.3 if token in GENERIC_WORDS else w


def variants_csr(norm: list[NormalizedName]) -> tuple[np.ndarray, np.ndarray]:
    """Parenthetical variants of each name, flattened: (pointer per name, variant texts)."""
    lens = np.array([len(n.variants) for n in norm], dtype=np.int64)
    flat = np.array([v for n in norm for v in n.variants], dtype=object)
    return np.concatenate(([0], np.cumsum(lens))).astype(np.int64), flat
