"""MinHash signatures of many documents at once, bit-identical to datasketch.

datasketch's default ("affine32") scheme pre-mixes each 32-bit input hash with
the MurmurHash3 finaliser and permutes it with ``a * h + b mod 2**32``. We take
``(a, b)`` from datasketch itself and apply them to all documents' shingles
in one compiled loop, which keeps a document's row of minima in cache while
its shingles stream past. The signature of row i equals
``datasketch.MinHash(num_perm, seed, hashfunc=int)`` updated with
``minhash_inputs(shingle_sets.row(i))``.
"""

from __future__ import annotations

from functools import lru_cache

import numba
import numpy as np
import numpy.typing as npt
from datasketch import MinHash

from lineage.config import MinHashConfig
from lineage.types import ShingleSets

EMPTY = np.uint32(0xFFFFFFFF)  # the value of every slot of an empty set's signature


def permutations(config: MinHashConfig) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """datasketch's permutation parameters ``(a, b)`` for this seed and size."""
    return _permutations(config.num_perm, config.seed)


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    a, b = MinHash(num_perm=num_perm, seed=seed).permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def minhash_signatures(shingle_sets: ShingleSets, config: MinHashConfig) -> npt.NDArray[np.uint32]:
    """One row of ``config.num_perm`` uint32 values per document; empty documents get all-``EMPTY``."""
    a, b = permutations(config)
    return _signatures(shingle_sets.indptr, shingle_sets.hashes, a, b)


@numba.njit(cache=True, nogil=True)
def _fmix32(value):  # pragma: no cover - compiled
    """MurmurHash3's 32-bit finaliser, as datasketch applies it before permuting."""
    # numba widens uint32 products to 64 bits, so each one is cut back to 32.
    value ^= value >> np.uint32(16)
    value = np.uint32(value * np.uint32(0x85EBCA6B))
    value ^= value >> np.uint32(13)
    value = np.uint32(value * np.uint32(0xC2B2AE35))
    value ^= value >> np.uint32(16)
    return value


@numba.njit(cache=True, nogil=True)
def _signatures(indptr, hashes, a, b):  # pragma: no cover - compiled
    num_perm = len(a)
    signatures = np.full((len(indptr) - 1, num_perm), EMPTY, dtype=np.uint32)
    for d in range(len(indptr) - 1):
        row = signatures[d]
        for i in range(indptr[d], indptr[d + 1]):
            mixed = _fmix32(np.uint32(hashes[i] & np.uint64(0xFFFFFFFF)))  # minhash_inputs(), then mixed
            for p in range(num_perm):
                value = np.uint32(a[p] * mixed + b[p])  # wraps modulo 2**32 on purpose
                if value < row[p]:
                    row[p] = value
    return signatures
