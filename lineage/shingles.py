"""Shingle hashes: 64-bit hashes of word or character n-grams of normalised tokens.

Every stage here works on many documents at once. Tokens are found and
normalised in bulk (:mod:`lineage.text`); each normalised token is hashed from
its code points, n-gram hashes are combined from unit hashes, and each
document's hashes are sorted and de-duplicated, all in compiled loops with no
Python call per token or shingle. The hashes are fixed arithmetic, so they are
the same on every run and machine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np
import numpy.typing as npt
from scipy import sparse

from lineage.config import ShingleConfig
from lineage.text import codepoints, encode, fold_table, normalized_tokens, token_spans
from lineage.types import ShingleSets, Tokens

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd, so h -> h * m is a bijection mod 2**64
_KIND_SALT = {"word": np.uint64(0x5752440000000000), "char": np.uint64(0x4348520000000000)}
_SPACE = np.uint64(ord(" "))


def shingle_sets(texts: Sequence[str], config: ShingleConfig) -> tuple[ShingleSets, npt.NDArray[np.int64]]:
    """Each text's sorted, unique shingle hashes, and its length in units (tokens or characters).

    A text with fewer than ``config.n`` units has no shingles: its row is empty.
    """
    units, text_starts = codepoints(texts)
    indptr, starts, ends = token_spans(units, text_starts)
    salt = _KIND_SALT[config.kind] | np.uint64(config.n)
    if config.kind == "word":
        rows = _ngram_rows(token_hashes(units, starts, ends), indptr, config.n, salt)
        return ShingleSets(*rows), np.diff(indptr)
    return _shingle_rows(normalized_tokens(units, starts, ends), indptr, config)


def token_hashes(
    units: npt.NDArray[np.uint8 | np.uint32], starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
) -> npt.NDArray[np.uint64]:
    """64-bit hash of each token's normal form, for tokens ``units[starts[i]:ends[i]]``.

    Tokens whose characters normalise one by one (:func:`lineage.text.fold_table`)
    are hashed straight from the table; the others are normalised first.
    """
    hashes, hard = _hash_folded_tokens(units, starts, ends, fold_table())
    if hard.any():
        hashes[hard] = _hash_tokens(normalized_tokens(units, starts[hard], ends[hard]), int(hard.sum()))
    return hashes


def shingle_hashes(tokens: Tokens, config: ShingleConfig) -> npt.NDArray[np.uint64]:
    """Sorted, unique 64-bit hashes of one document's shingles (empty if it is too short)."""
    normal = encode("".join(f"{norm}\x00" for norm in tokens.norms))
    rows, _ = _shingle_rows(normal, np.array([0, len(tokens)], dtype=np.int64), config)
    return rows.hashes


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


def concatenate(parts: Sequence[ShingleSets], *, drop_empty: bool = False) -> ShingleSets:
    """The rows of several :class:`ShingleSets` in order, leaving out empty rows if ``drop_empty``."""
    sizes = np.concatenate([np.diff(part.indptr) for part in parts]) if parts else np.zeros(0, dtype=np.int64)
    if drop_empty:
        sizes = sizes[sizes > 0]
    indptr = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[1:])
    hashes = np.concatenate([part.hashes for part in parts]) if parts else np.zeros(0, dtype=np.uint64)
    return ShingleSets(indptr, hashes)


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


def _shingle_rows(
    normal: npt.NDArray[np.uint32], token_indptr: npt.NDArray[np.int64], config: ShingleConfig
) -> tuple[ShingleSets, npt.NDArray[np.int64]]:
    """Shingles from normalised tokens (code points, U+0000 after each token) grouped by ``token_indptr``."""
    salt = _KIND_SALT[config.kind] | np.uint64(config.n)
    if config.kind == "word":
        counts = np.diff(token_indptr)
        units = _hash_tokens(normal, token_indptr[-1])
        unit_indptr = token_indptr
    else:
        units, unit_indptr = _join_tokens(normal, token_indptr)
        counts = np.diff(unit_indptr)
    indptr, hashes = _ngram_rows(units, unit_indptr, config.n, salt)
    return ShingleSets(indptr, hashes), counts


# Compiled kernels. Every integer is kept unsigned 64-bit: numba, like numpy, turns
# uint64 mixed with int64 into float64.


@numba.njit(cache=True, nogil=True)
def _rotl(value, shift):  # pragma: no cover - compiled
    return (value << np.uint64(shift)) | (value >> np.uint64(64 - shift))


@numba.njit(cache=True, nogil=True)
def fmix64(value):  # pragma: no cover - compiled
    """MurmurHash3's 64-bit finaliser: an avalanching bijection."""
    value ^= value >> np.uint64(33)
    value *= np.uint64(0xFF51AFD7ED558CCD)
    value ^= value >> np.uint64(33)
    value *= np.uint64(0xC4CEB9FE1A85EC53)
    value ^= value >> np.uint64(33)
    return value


_TOKEN_SEED = np.uint64(0x243F6A8885A308D3)


@numba.njit(cache=True, nogil=True)
def _mix(state, unit):  # pragma: no cover - compiled
    """One code point into a token's hash state, MurmurHash3-style."""
    block = _rotl(np.uint64(unit) * np.uint64(0x87C37B91114253D5), 31) * np.uint64(0x4CF5AD432745937F)
    return _rotl(state ^ block, 27) * np.uint64(5) + np.uint64(0x52DCE729)


@numba.njit(cache=True, nogil=True)
def _hash_tokens(normal, count):  # pragma: no cover - compiled
    """Hash of each U+0000-terminated run of normalised code points: one uint64 per token."""
    out = np.empty(count, dtype=np.uint64)
    token = 0
    state = _TOKEN_SEED
    length = np.uint64(0)
    for unit in normal:
        if unit == 0:
            out[token] = fmix64(state ^ length)
            token += 1
            state = _TOKEN_SEED
            length = np.uint64(0)
        else:
            state = _mix(state, unit)
            length += np.uint64(1)
    return out


@numba.njit(cache=True, nogil=True)
def _hash_folded_tokens(units, starts, ends, fold):  # pragma: no cover - compiled
    """The same hash for tokens that fold by table; ``hard`` marks the tokens left to normalise."""
    out = np.empty(len(starts), dtype=np.uint64)
    hard = np.zeros(len(starts), dtype=np.bool_)
    for t in range(len(starts)):
        state = _TOKEN_SEED
        for i in range(starts[t], ends[t]):
            code = units[i]
            if code >= 0x10000 or fold[code] == 0:
                hard[t] = True
                break
            state = _mix(state, fold[code])
        out[t] = fmix64(state ^ np.uint64(ends[t] - starts[t]))
    return out, hard


@numba.njit(cache=True, nogil=True)
def _join_tokens(normal, token_indptr):  # pragma: no cover - compiled
    """Code points of each document's normalised tokens joined by single spaces, as CSR."""
    n_docs = len(token_indptr) - 1
    token_start = np.empty(token_indptr[-1] + 1, dtype=np.int64)
    token_start[0] = 0
    token = 0
    for i in range(len(normal)):
        if normal[i] == 0:
            token += 1
            token_start[token] = i + 1
    units = np.empty(len(normal), dtype=np.uint64)
    unit_indptr = np.zeros(n_docs + 1, dtype=np.int64)
    k = 0
    for d in range(n_docs):
        for t in range(token_indptr[d], token_indptr[d + 1]):
            if t > token_indptr[d]:
                units[k] = _SPACE
                k += 1
            for i in range(token_start[t], token_start[t + 1] - 1):
                units[k] = normal[i]
                k += 1
        unit_indptr[d + 1] = k
    return units[:k], unit_indptr


def _ngram_rows(
    units: npt.NDArray[np.uint64], unit_indptr: npt.NDArray[np.int64], n: int, salt: np.uint64
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
    """Sorted unique n-gram hashes per document, as CSR ``(indptr, hashes)``."""
    indptr, hashes = _ngrams(units, unit_indptr, n, salt)
    # numpy's sort (SIMD where the CPU has it) beats a compiled quicksort six-fold, even called per row.
    for lo, hi in zip(indptr[:-1].tolist(), indptr[1:].tolist()):
        hashes[lo:hi].sort()
    return _drop_repeats(indptr, hashes)


@numba.njit(cache=True, nogil=True)
def _ngrams(units, unit_indptr, n, salt):  # pragma: no cover - compiled
    """Every n-gram hash of each document, in text order, as CSR."""
    n_docs = len(unit_indptr) - 1
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    for d in range(n_docs):
        indptr[d + 1] = indptr[d] + max(unit_indptr[d + 1] - unit_indptr[d] - n + 1, 0)
    hashes = np.empty(indptr[-1], dtype=np.uint64)
    k = 0
    for d in range(n_docs):
        for i in range(unit_indptr[d], unit_indptr[d + 1] - n + 1):
            combined = units[i]
            for offset in range(1, n):
                combined = combined * _MULTIPLIER + units[i + offset]  # wraps modulo 2**64 on purpose
            hashes[k] = fmix64(combined ^ salt)
            k += 1
    return indptr, hashes


@numba.njit(cache=True, nogil=True)
def _drop_repeats(indptr, hashes):  # pragma: no cover - compiled
    """Rows of sorted hashes without repeats, compacted."""
    out_indptr = np.zeros(len(indptr), dtype=np.int64)
    k = 0
    for d in range(len(indptr) - 1):
        for i in range(indptr[d], indptr[d + 1]):
            if i == indptr[d] or hashes[i] != hashes[i - 1]:
                hashes[k] = hashes[i]
                k += 1
        out_indptr[d + 1] = k
    return out_indptr, hashes[:k].copy()
