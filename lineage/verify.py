"""Exact similarities of candidate pairs, computed from the shingle sets themselves."""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt
from scipy import sparse



@dataclass(frozen=True, slots=True)
class Similarities:
    """Exact overlap of each pair ``(a[k], b[k])``; containment_a is the share of a's shingles in b."""

    a: npt.NDArray[np.int64]
    b: npt.NDArray[np.int64]
    shared: npt.NDArray[np.int64]
    jaccard: npt.NDArray[np.float64]
    containment_a: npt.NDArray[np.float64]
    containment_b: npt.NDArray[np.float64]
    score: npt.NDArray[np.float64]  # the lineage score: the larger of the two containments


def verify_pairs(matrix: sparse.csr_array, pairs: npt.NDArray[np.int64]) -> Similarities:
    """Exact Jaccard and containments of ``pairs`` (rows of a 0/1 documents x shingles matrix).

    Each pair's shared shingles are counted by merging its two sorted rows in a
    compiled loop: 1.4x faster than scipy's row-wise sparse product (700,000 pairs
    of 20,000 documents: 3.7 s against 5.3 s), with no temporary matrices.
    """
    a = pairs[:, 0].astype(np.int64)
    b = pairs[:, 1].astype(np.int64)
    if not matrix.has_sorted_indices:
        matrix = matrix.sorted_indices()
    shared = shared_counts(matrix.indptr.astype(np.int64), matrix.indices, a, b)
    sizes = np.diff(matrix.indptr)
    return similarities(a, b, shared, sizes[a], sizes[b])


def all_pair_scores(
    matrix: sparse.csr_array, weights: npt.NDArray[np.float64] | None = None
) -> npt.NDArray[np.float64]:
    """Dense matrix of exact lineage scores between all documents (for small corpora).

    With ``weights`` (one per column of ``matrix``) each shingle counts its
    weight instead of 1, as in a bootstrap replicate.
    """
    # Keep only the columns these rows use: the transpose costs time in the number of columns,
    # and a family's rows touch a few thousand of the corpus's millions of shingles.
    used, compact = np.unique(matrix.indices, return_inverse=True)
    data = np.ones(len(compact)) if weights is None else weights[matrix.indices]
    weighted = sparse.csr_array((data, compact.ravel(), matrix.indptr), shape=(matrix.shape[0], len(used)))
    binary = sparse.csr_array((np.ones(len(compact)), compact.ravel(), matrix.indptr), shape=weighted.shape)
    shared = (weighted @ binary.T).toarray()
    sizes = np.asarray(weighted.sum(axis=1), dtype=np.float64).ravel()
    smaller = np.minimum(sizes[:, None], sizes[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(smaller > 0, shared / smaller, 0.0)
    np.fill_diagonal(scores, 1.0)
    return scores


def similarities(a, b, shared, size_a, size_b) -> Similarities:
    """Jaccard, containments and score of pairs from their shared and total shingle counts."""
    shared_f = shared.astype(np.float64)
    size_a = size_a.astype(np.float64)
    size_b = size_b.astype(np.float64)
    union = size_a + size_b - shared_f
    with np.errstate(divide="ignore", invalid="ignore"):
        jaccard = np.where(union > 0, shared_f / union, 0.0)
        containment_a = np.where(size_a > 0, shared_f / size_a, 0.0)
        containment_b = np.where(size_b > 0, shared_f / size_b, 0.0)
    return Similarities(a, b, shared, jaccard, containment_a, containment_b, np.maximum(containment_a, containment_b))


@numba.njit(cache=True, nogil=True)
def shared_counts(indptr, indices, a, b):  # pragma: no cover - compiled
    """Values shared by rows a[k] and b[k] of a CSR of sorted rows (column numbers or hashes): a merge."""
    shared = np.zeros(len(a), dtype=np.int64)
    for k in range(len(a)):
        i, i_end = indptr[a[k]], indptr[a[k] + 1]
        j, j_end = indptr[b[k]], indptr[b[k] + 1]
        count = 0
        while i < i_end and j < j_end:
            left, right = indices[i], indices[j]
            if left == right:
                count += 1
                i += 1
                j += 1
            elif left < right:
                i += 1
            else:
                j += 1
        shared[k] = count
    return shared
