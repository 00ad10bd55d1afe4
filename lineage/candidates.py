"""Candidate pairs: the few document pairs worth verifying exactly.

Two paths serve the two regimes:

* LSH banding over MinHash signatures finds near duplicates. With ``b`` bands
  of ``r`` rows, a pair with Jaccard ``s`` shares at least one band with
  probability ``P(s) = 1 - (1 - s**r)**b``. :func:`lsh_params` picks, among all
  ``(b, r)`` with ``b * r <= num_perm`` and ``P(threshold) >= recall``, the one
  with the fewest expected false positives (smallest integral of ``P`` over
  ``[0, threshold]``). ``P`` rises with ``s``, so every pair at or above the
  threshold is found with probability at least ``recall``.
* An inverted index of rare shingles finds low-overlap rewrites that LSH
  cannot see (Jaccard 0.01): pairs that share at least ``min_shared`` shingles
  held by at most ``rare_max_df`` documents. It is a sparse matrix product
  restricted to those columns, computed in row blocks.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.integrate import quad

from lineage.errors import ConfigError
from lineage.shingles import fmix64

_ROW_BLOCK = 2048  # documents per block of the rare-shingle product


def candidate_probability(similarity: float | npt.NDArray[np.float64], bands: int, rows: int):
    """Probability that a pair with Jaccard ``similarity`` shares a band: the LSH S-curve."""
    return 1.0 - (1.0 - np.asarray(similarity, dtype=np.float64) ** rows) ** bands


def lsh_params(threshold: float, num_perm: int, recall: float = 0.99) -> tuple[int, int]:
    """``(bands, rows)`` reaching ``recall`` at ``threshold`` with the fewest false positives."""
    best: tuple[float, int, int] | None = None
    for rows in range(1, num_perm + 1):
        bands = _bands_needed(threshold, rows, recall)
        if bands is None or bands * rows > num_perm:
            continue
        false_positive_area = quad(lambda s: float(candidate_probability(s, bands, rows)), 0.0, threshold)[0]
        if best is None or false_positive_area < best[0]:
            best = (false_positive_area, bands, rows)
    if best is None:
        needed = _num_perm_needed(threshold, recall)
        raise ConfigError(
            f"num_perm={num_perm} cannot reach LSH recall {recall} at threshold {threshold} "
            f"(needs at least {needed} permutations); pass --num-perm {needed} or a higher --threshold"
        )
    return best[1], best[2]


def _bands_needed(threshold: float, rows: int, recall: float) -> int | None:
    """Fewest bands of ``rows`` rows with ``P(threshold) >= recall``; None if beyond any num_perm."""
    band_match = threshold**rows
    if band_match >= 1.0:
        return 1
    if band_match < 1e-9:  # would need over a billion bands
        return None
    bands = max(math.ceil(math.log1p(-recall) / math.log1p(-band_match)), 1)
    while candidate_probability(threshold, bands, rows) < recall:  # guard against rounding
        bands += 1
    return bands


def _num_perm_needed(threshold: float, recall: float) -> int:
    sizes = (_bands_needed(threshold, rows, recall) for rows in range(1, 64))
    return min(bands * rows for rows, bands in enumerate(sizes, start=1) if bands is not None)


def lsh_candidate_pairs(signatures: npt.NDArray[np.uint32], bands: int, rows: int) -> npt.NDArray[np.int64]:
    """Pairs ``(i, j)``, ``i < j``, of documents whose signatures agree on all rows of some band."""
    doc_ids = np.arange(len(signatures), dtype=np.int64)
    return _unique_pairs([pairs_sharing_keys(doc_ids, band_keys(signatures, bands, rows, band))
                          for band in range(bands)])


def band_keys(
    signatures: npt.NDArray[np.uint32], bands: int, rows: int, only: int | None = None
) -> npt.NDArray[np.uint64]:
    """One 64-bit key per document and band (``(n, bands)``, or ``(n,)`` for band ``only``).

    The key hashes the band number and its ``rows`` signature values. Two
    documents share a key when their band agrees (and, about once in 2**64
    pairs, by a collision, which verification then rejects): the bucket of LSH.
    """
    n_docs, num_perm = signatures.shape
    if bands * rows > num_perm:
        raise ConfigError(f"num_perm={num_perm} cannot hold {bands} bands of {rows} rows (needs {bands * rows})")
    if only is None:
        return _band_keys(np.ascontiguousarray(signatures), 0, bands, rows)
    return _band_keys(np.ascontiguousarray(signatures), only, 1, rows)[:, 0]


def pairs_sharing_keys(doc_ids: npt.NDArray[np.int64], keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    """Pairs ``(i, j)``, ``i < j``, of ``doc_ids`` with equal ``keys`` (one band's buckets)."""
    order = np.argsort(keys, kind="stable")
    return _pairs_within_groups(doc_ids, keys[order], order)


def rare_shingle_pairs(
    matrix: sparse.csr_array, rare_max_df: int, min_shared: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Pairs sharing at least ``min_shared`` shingles that at most ``rare_max_df`` documents hold.

    Returns the pairs ``(i, j)``, ``i < j``, and how many rare shingles each shares.
    """
    document_frequency = np.asarray(matrix.sum(axis=0)).ravel()
    rare = np.flatnonzero((document_frequency >= 2) & (document_frequency <= rare_max_df))
    rare_matrix = sparse.csr_array(matrix[:, rare])
    rare_matrix_t = sparse.csr_array(rare_matrix.T)
    pairs: list[npt.NDArray[np.int64]] = []
    counts: list[npt.NDArray[np.int64]] = []
    for lo in range(0, matrix.shape[0], _ROW_BLOCK):
        shared = sparse.coo_array(rare_matrix[lo : lo + _ROW_BLOCK] @ rare_matrix_t)
        left = shared.row.astype(np.int64) + lo
        right = shared.col.astype(np.int64)
        keep = (right > left) & (shared.data >= min_shared)
        pairs.append(np.column_stack([left[keep], right[keep]]))
        counts.append(shared.data[keep].astype(np.int64))
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64)
    all_pairs, all_counts = np.concatenate(pairs), np.concatenate(counts)
    order = np.lexsort((all_pairs[:, 1], all_pairs[:, 0]))
    return all_pairs[order], all_counts[order]


def _pairs_within_groups(doc_ids: npt.NDArray[np.int64], sorted_keys: npt.NDArray[np.uint64],
                         order: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """All pairs of documents in each run of equal keys (``order`` sorts the keys)."""
    if len(sorted_keys) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    boundaries = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    starts = np.concatenate([[0], boundaries])
    sizes = np.diff(np.concatenate([starts, [len(sorted_keys)]]))
    shared = sizes >= 2
    if not shared.any():
        return np.zeros((0, 2), dtype=np.int64)
    pairs = _group_pairs(doc_ids[order], starts[shared], sizes[shared])
    return np.sort(pairs, axis=1)


@numba.njit(cache=True, nogil=True)
def _group_pairs(members, starts, sizes):  # pragma: no cover - compiled
    total = 0
    for size in sizes:
        total += size * (size - 1) // 2
    pairs = np.empty((total, 2), dtype=np.int64)
    k = 0
    for start, size in zip(starts, sizes):
        for x in range(start, start + size):
            for y in range(x + 1, start + size):
                pairs[k, 0] = members[x]
                pairs[k, 1] = members[y]
                k += 1
    return pairs


@numba.njit(cache=True, nogil=True)
def _band_keys(signatures, first, bands, rows):  # pragma: no cover - compiled
    keys = np.empty((signatures.shape[0], bands), dtype=np.uint64)
    for d in range(signatures.shape[0]):
        for k in range(bands):
            band = first + k
            key = np.uint64(band + 1) * np.uint64(0x9E3779B97F4A7C15)
            for r in range(band * rows, (band + 1) * rows):
                key = fmix64(key ^ np.uint64(signatures[d, r]))
            keys[d, k] = key
    return keys


def _unique_pairs(chunks: list[npt.NDArray[np.int64]]) -> npt.NDArray[np.int64]:
    pairs = np.concatenate([np.zeros((0, 2), dtype=np.int64), *chunks]).astype(np.int64)
    return np.unique(np.sort(pairs, axis=1), axis=0)
