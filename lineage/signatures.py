"""MinHash signatures of many documents at once, bit-identical to datasketch.

datasketch's default ("affine32") scheme pre-mixes each 32-bit input hash with
the MurmurHash3 finaliser and permutes it with ``a * h + b mod 2**32``. We take
``(a, b)`` from datasketch itself and apply them to a batch of documents'
shingles as one matrix operation, then reduce per document with
``np.minimum.reduceat``. The signature of row i equals
``datasketch.MinHash(num_perm, seed, hashfunc=int)`` updated with
``minhash_inputs(shingle_sets.row(i))``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
from datasketch import MinHash

from lineage.config import MinHashConfig
from lineage.shingles import minhash_inputs
from lineage.types import ShingleSets

EMPTY = np.uint32(0xFFFFFFFF)  # the value of every slot of an empty set's signature
_BATCH_SHINGLES = 1 << 15  # shingles per matrix step: 16 MB of uint32 at 128 permutations


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
    indptr = shingle_sets.indptr
    signatures = np.full((len(shingle_sets), config.num_perm), EMPTY, dtype=np.uint32)
    mixed = _fmix32(minhash_inputs(shingle_sets.hashes))
    total = len(mixed)
    for lo in range(0, total, _BATCH_SHINGLES):
        hi = min(lo + _BATCH_SHINGLES, total)
        # Documents whose shingles overlap [lo, hi); a long document spans several batches.
        first = int(np.searchsorted(indptr, lo, side="right")) - 1
        stop = int(np.searchsorted(indptr, hi, side="left"))
        docs = np.arange(first, stop)
        starts = np.maximum(indptr[docs], lo)
        ends = np.minimum(indptr[docs + 1], hi)
        keep = starts < ends
        docs, starts = docs[keep], starts[keep]
        permuted = mixed[lo:hi, None] * a[None, :] + b[None, :]  # wraps modulo 2**32 on purpose
        batch_minima = np.minimum.reduceat(permuted, starts - lo, axis=0)
        signatures[docs] = np.minimum(signatures[docs], batch_minima)
    return signatures


def _fmix32(values: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """MurmurHash3's 32-bit finaliser, as datasketch applies it before permuting."""
    values = values ^ (values >> np.uint32(16))
    values *= np.uint32(0x85EBCA6B)
    values ^= values >> np.uint32(13)
    values *= np.uint32(0xC2B2AE35)
    values ^= values >> np.uint32(16)
    return values
