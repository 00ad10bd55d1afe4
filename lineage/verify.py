"""Exact similarities of candidate pairs, computed from the shingle sets themselves."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

_PAIR_BLOCK = 8192  # pairs per vectorised intersection step


@dataclass(frozen=True, slots=True)
class Similarities:
    """Exact overlap of each pair ``(a[k], b[k])``; containment_a is the share of a's shingles in b."""

    a: npt.NDArray[np.int64]
    b: npt.NDArray[np.int64]
    shared: npt.NDArray[np.int64]
    jaccard: npt.NDArray[np.float64]
    containment_a: npt.NDArray[np.float64]
    containment_b: npt.NDArray[np.float64]

    @property
    def score(self) -> npt.NDArray[np.float64]:
        """The lineage score: the larger of the two containments."""
        return np.maximum(self.containment_a, self.containment_b)


def verify_pairs(matrix: sparse.csr_array, pairs: npt.NDArray[np.int64]) -> Similarities:
    """Exact Jaccard and containments of ``pairs`` (rows of a 0/1 documents x shingles matrix)."""
    a = pairs[:, 0].astype(np.int64)
    b = pairs[:, 1].astype(np.int64)
    shared = np.zeros(len(pairs), dtype=np.int64)
    for lo in range(0, len(pairs), _PAIR_BLOCK):
        hi = lo + _PAIR_BLOCK
        both = matrix[a[lo:hi]].multiply(matrix[b[lo:hi]])
        shared[lo:hi] = np.asarray(both.sum(axis=1)).ravel()
    sizes = np.diff(matrix.indptr)
    return _similarities(a, b, shared, sizes[a], sizes[b])


def all_pair_scores(matrix: sparse.csr_array) -> npt.NDArray[np.float64]:
    """Dense matrix of exact lineage scores between all documents (for small corpora)."""
    # Keep only the columns these rows use: the transpose costs time in the number of columns,
    # and a family's rows touch a few thousand of the corpus's millions of shingles.
    used, compact = np.unique(matrix.indices, return_inverse=True)
    matrix = sparse.csr_array((matrix.data, compact.ravel(), matrix.indptr), shape=(matrix.shape[0], len(used)))
    shared = (matrix @ matrix.T).toarray().astype(np.float64)
    sizes = np.diff(matrix.indptr).astype(np.float64)
    smaller = np.minimum(sizes[:, None], sizes[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(smaller > 0, shared / smaller, 0.0)
    np.fill_diagonal(scores, 1.0)
    return scores


def _similarities(a, b, shared, size_a, size_b) -> Similarities:
    shared_f = shared.astype(np.float64)
    size_a = size_a.astype(np.float64)
    size_b = size_b.astype(np.float64)
    union = size_a + size_b - shared_f
    with np.errstate(divide="ignore", invalid="ignore"):
        jaccard = np.where(union > 0, shared_f / union, 0.0)
        containment_a = np.where(size_a > 0, shared_f / size_a, 0.0)
        containment_b = np.where(size_b > 0, shared_f / size_b, 0.0)
    return Similarities(a, b, shared, jaccard, containment_a, containment_b)
