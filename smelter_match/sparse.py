"""Array helpers the vectorised stages share: a plain-numpy compressed-row matrix (:class:`Csr`),
CSR expansion (:func:`expand_csr`) and run starts of sorted arrays (:func:`run_starts`).

The n-gram search needs one sparse operation (query vectors times the name matrix, made dense):
a few numpy calls here, where importing ``scipy.sparse`` for it cost ~0.1 s of every start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Csr", "expand_csr", "run_starts", "run_starts_mask"]


@dataclass(frozen=True)
class Csr:
    """A sparse matrix in compressed-row form: row ``i``'s entries are
    ``indices[indptr[i]:indptr[i + 1]]`` (ascending) with values ``data[...]``."""

    indptr: np.ndarray    # int64, n_rows + 1
    indices: np.ndarray   # int64 column of each entry
    data: np.ndarray      # float64 value of each entry
    n_cols: int

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.indptr) - 1, self.n_cols

    def dense(self) -> np.ndarray:
        """The matrix as a dense array."""
        out = np.zeros(self.shape)
        out[np.repeat(np.arange(self.shape[0]), np.diff(self.indptr)), self.indices] = self.data
        return out

    def transpose(self) -> Csr:
        """The transpose, again row-compressed (entries of a row stay in ascending column)."""
        rows = np.repeat(np.arange(self.shape[0], dtype=np.int64), np.diff(self.indptr))
        order = np.argsort(self.indices, kind="stable")
        indptr = np.concatenate(([0], np.cumsum(np.bincount(self.indices, minlength=self.n_cols))))
        return Csr(indptr.astype(np.int64), rows[order], self.data[order], self.shape[0])

    def dense_product(self, other: Csr, block: int = 32) -> np.ndarray:
        """``self @ other`` as a dense array, ``block`` rows of ``self`` at a time.

        Every product ``self[i, k] * other[k, j]`` is added into cell (i, j) in ascending ``k``,
        the order of a CSR sparse product (scipy's included), so the sums are the same to the
        last bit. Blocks of 32 rows keep the temporary products small (~4k per query).
        """
        n_rows, n_cols = self.shape[0], other.n_cols
        out = np.zeros((n_rows, n_cols))
        row = np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(self.indptr))
        lens = np.diff(other.indptr)
        for s in range(0, n_rows, block):
            e = min(s + block, n_rows)
            lo, hi = self.indptr[s], self.indptr[e]
            # expand_csr's expansion, inline: repeating this block's row and value per product is
            # cheaper than gathering them by owner (0.044 against 0.077 s per 2,048 queries)
            k = self.indices[lo:hi]
            cnt = lens[k]
            first = np.cumsum(cnt) - cnt
            pos = np.arange(int(cnt.sum()), dtype=np.int64) + np.repeat(other.indptr[k] - first, cnt)
            cell = np.repeat((row[lo:hi] - s) * n_cols, cnt) + other.indices[pos]
            weights = np.repeat(self.data[lo:hi], cnt) * other.data[pos]
            out[s:e] = np.bincount(cell, weights=weights,
                                   minlength=(e - s) * n_cols).reshape(e - s, n_cols)
        return out


def run_starts_mask(a: np.ndarray) -> np.ndarray:
    """True where a run of equal values starts in the non-empty array ``a`` (first element
    included). Plain numpy calls: ``np.r_`` costs more than the comparison on small arrays."""
    mask = np.empty(len(a), dtype=bool)
    mask[0] = True
    np.not_equal(a[1:], a[:-1], out=mask[1:])
    return mask


def run_starts(a: np.ndarray) -> np.ndarray:
    """Positions where a run of equal values starts in the non-empty array ``a``."""
    return np.flatnonzero(run_starts_mask(a))


def expand_csr(ptr: np.ndarray, idx: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR expansion: for each ``rows[i]``, its entries ``idx[ptr[r]:ptr[r+1]]``.

    Returns (owner position i per entry, entry values), owners ascending.
    """
    counts = ptr[rows + 1] - ptr[rows]
    owner = np.repeat(np.arange(len(rows), dtype=np.int64), counts)
    offset = np.arange(len(owner), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, idx[np.repeat(ptr[rows], counts) + offset]
