"""The sparse helpers the compare and index stages share (``smelter_match.sparse``)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from smelter_match.sparse import Csr, expand_csr, run_starts, run_starts_mask


def _csr(dense: np.ndarray) -> Csr:
    rows, cols = np.nonzero(dense)
    indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=dense.shape[0]))].astype(np.int64)
    return Csr(indptr, cols.astype(np.int64), dense[rows, cols], dense.shape[1])


def test_csr_dense_transpose_and_product_agree_with_numpy() -> None:
    rng = np.random.default_rng(7)
    a = np.where(rng.random((40, 9)) < 0.3, rng.random((40, 9)), 0.0)
    b = np.where(rng.random((9, 5)) < 0.4, rng.random((9, 5)), 0.0)
    ca, cb = _csr(a), _csr(b)
    assert ca.shape == (40, 9)
    assert np.array_equal(ca.dense(), a)
    assert np.array_equal(ca.transpose().dense(), a.T)
    for block in (1, 7, 32):
        assert np.allclose(ca.dense_product(cb, block=block), a @ b, rtol=0, atol=1e-12)
    # every block size adds the products in the same order: the same bits
    assert np.array_equal(ca.dense_product(cb, block=1), ca.dense_product(cb, block=32))


@given(st.lists(st.integers(0, 3), min_size=1, max_size=30))
def test_run_starts(values: list[int]) -> None:
    a = np.array(values)
    expected = [i for i in range(len(a)) if i == 0 or a[i] != a[i - 1]]
    assert run_starts(a).tolist() == expected
    assert np.flatnonzero(run_starts_mask(a)).tolist() == expected


def test_expand_csr_gives_each_rows_entries_in_order() -> None:
    ptr = np.array([0, 2, 2, 5], dtype=np.int64)
    idx = np.array([10, 11, 20, 21, 22], dtype=np.int64)
    owner, values = expand_csr(ptr, idx, np.array([2, 1, 0, 2], dtype=np.int64))
    assert owner.tolist() == [0, 0, 0, 2, 2, 3, 3, 3]
    assert values.tolist() == [20, 21, 22, 10, 11, 20, 21, 22]
