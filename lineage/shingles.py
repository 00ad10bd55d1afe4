"""Shingle hashes: 64-bit hashes of word or character n-grams of normalised tokens.

Each distinct token is hashed once (BLAKE2b, stable across runs and machines);
n-gram hashes are then combined from token hashes with vectorised numpy
arithmetic, so there is no Python loop per shingle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy import sparse

from lineage.config import ShingleConfig
from lineage.types import ShingleSets, Tokens

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd, so h -> h * m is a bijection mod 2**64
_KIND_SALT = {"word": np.uint64(0x5752440000000000), "char": np.uint64(0x4348520000000000)}


def shingle_hashes(tokens: Tokens, config: ShingleConfig) -> npt.NDArray[np.uint64]:
    """Sorted, unique 64-bit hashes of the document's shingles (empty if it is too short)."""
    if config.kind == "word":
        units = token_hashes(tokens.norms)
    else:
        units = _codepoints(" ".join(tokens.norms))
    return np.unique(_ngram_hashes(units, config.n, _KIND_SALT[config.kind]))


def token_hashes(norms: Sequence[str]) -> npt.NDArray[np.uint64]:
    """64-bit hash of each normalised token."""
    return np.fromiter((_token_hash(norm) for norm in norms), dtype=np.uint64, count=len(norms))


def minhash_inputs(hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint32]:
    """The 32-bit values that MinHash permutes: the low half of each shingle hash.

    Feeding these to ``datasketch.MinHash(hashfunc=int)`` gives our signatures.
    """
    return (hashes & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def stack(rows: Sequence[npt.NDArray[np.uint64]]) -> ShingleSets:
    """Pack per-document shingle hash arrays into one :class:`ShingleSets`."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(row) for row in rows], out=indptr[1:])
    hashes = np.concatenate(rows) if rows else np.zeros(0, dtype=np.uint64)
    return ShingleSets(indptr, hashes.astype(np.uint64, copy=False))


@lru_cache(maxsize=1 << 20)
def _token_hash(norm: str) -> int:
    return int.from_bytes(hashlib.blake2b(norm.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def _codepoints(text: str) -> npt.NDArray[np.uint64]:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)


def _ngram_hashes(units: npt.NDArray[np.uint64], n: int, salt: np.uint64) -> npt.NDArray[np.uint64]:
    count = len(units) - n + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    combined = units[:count].copy()
    for offset in range(1, n):
        combined *= _MULTIPLIER  # wraps modulo 2**64 on purpose
        combined += units[offset : offset + count]
    return _fmix64(combined ^ (salt | np.uint64(n)))


def _fmix64(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """MurmurHash3's 64-bit finaliser: an avalanching bijection."""
    values = values ^ (values >> np.uint64(33))
    values *= np.uint64(0xFF51AFD7ED558CCD)
    values ^= values >> np.uint64(33)
    values *= np.uint64(0xC4CEB9FE1A85EC53)
    values ^= values >> np.uint64(33)
    return values


def incidence_matrix(shingle_sets: ShingleSets) -> tuple[sparse.csr_array, npt.NDArray[np.uint64]]:
    """Documents x distinct shingles as a 0/1 sparse matrix, and the hash of each column.

    Values are int32 so that products count shared shingles without overflow.
    """
    columns, indices = np.unique(shingle_sets.hashes, return_inverse=True)
    data = np.ones(len(indices), dtype=np.int32)
    matrix = sparse.csr_array(
        (data, indices.astype(np.int64), shingle_sets.indptr), shape=(len(shingle_sets), len(columns))
    )
    return matrix, columns
