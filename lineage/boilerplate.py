"""Boilerplate: shingles that repeat across documents without saying anything about lineage.

Site headers, footers, navigation and share buttons repeat across unrelated
pages of one site. Left in, they make those pages look like rewrites of each
other. Two rules find them before any similarity is computed:

* **Common shingles**: held by more than ``max_df`` of all documents.
* **Repeated blocks**: a block is a set of at least ``min_block`` shingles held
  by exactly the same documents, at least ``min_docs`` of them; a 50-word site
  header is one block held by every page of its site. A block is boilerplate
  when it is a small part of the documents that hold it (median share below
  ``max_share``: whole copies are content, not furniture) and, without the
  blocks, those documents are unrelated: the median score of sampled pairs
  among them is below ``related``. Rewrites of one template that keep a
  sentence verbatim stay related without it, so the sentence is kept.

Line-level deduplication of web text (CCNet, Wenzek et al. 2019) removes every
paragraph repeated across pages; the relatedness test is what keeps families of
verbatim copies and rewrites, which a farm publishes many times, from being
emptied along with the site furniture.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import sparse

from lineage.config import BoilerplateConfig
from lineage.verify import verify_pairs

_SAMPLED_PAIRS = 64  # pairs of a block's documents whose relatedness is measured
_SEED = 0x5EED  # fixed: the filter is part of the input's definition, not of the MinHash seed


def boilerplate_columns(matrix: sparse.csr_array, config: BoilerplateConfig) -> npt.NDArray[np.bool_]:
    """True for each column (shingle) of the documents x shingles 0/1 ``matrix`` that is boilerplate."""
    n_docs, n_columns = matrix.shape
    boilerplate = np.zeros(n_columns, dtype=bool)
    if n_docs < config.min_docs:
        return boilerplate
    document_frequency = np.bincount(matrix.indices, minlength=n_columns)
    if config.max_df < 1.0:
        boilerplate |= document_frequency > config.max_df * n_docs
    boilerplate[_boilerplate_blocks(matrix, document_frequency, ~boilerplate, config)] = True
    return boilerplate


def _boilerplate_blocks(
    matrix: sparse.csr_array,
    document_frequency: npt.NDArray[np.int64],
    eligible: npt.NDArray[np.bool_],
    config: BoilerplateConfig,
) -> npt.NDArray[np.int64]:
    """Columns of the repeated blocks that are boilerplate."""
    columns = np.flatnonzero(eligible & (document_frequency >= config.min_docs))
    if len(columns) < config.min_block:
        return np.zeros(0, dtype=np.int64)
    # Columns held by the same documents get the same fingerprint: a sum of random
    # 64-bit weights of their documents (wrapping), paired with the count.
    postings = sparse.csc_array(matrix[:, columns])
    weights = np.random.default_rng(_SEED).integers(0, 2**63, size=matrix.shape[0], dtype=np.uint64)
    fingerprint = np.add.reduceat(weights[postings.indices], postings.indptr[:-1])
    keys = np.column_stack([fingerprint, document_frequency[columns].astype(np.uint64)])
    _, group, size = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    group = group.ravel()
    blocks = np.flatnonzero(size >= config.min_block)
    if len(blocks) == 0:
        return np.zeros(0, dtype=np.int64)
    # One representative column per block gives its documents.
    first = np.full(len(size), -1, dtype=np.int64)
    first[group[::-1]] = np.arange(len(group))[::-1]
    row_sizes = np.diff(matrix.indptr)
    small_blocks, block_docs = [], []
    for block in blocks:
        column = first[block]
        docs = postings.indices[postings.indptr[column] : postings.indptr[column + 1]]
        if np.median(size[block] / row_sizes[docs]) < config.max_share:
            small_blocks.append(block)
            block_docs.append(docs)
    if not small_blocks:
        return np.zeros(0, dtype=np.int64)
    in_block = np.zeros(matrix.shape[1], dtype=bool)
    in_block[columns[np.isin(group, small_blocks)]] = True
    rest = without_columns(matrix, in_block)
    rng = np.random.default_rng(_SEED)
    pairs, owner = [], []
    for index, docs in enumerate(block_docs):
        sample = _sample_pairs(rng, docs)
        pairs.append(sample)
        owner.append(np.full(len(sample), index))
    pairs_all = np.concatenate(pairs)
    score = verify_pairs(rest, pairs_all).score
    owner_all = np.concatenate(owner)
    unrelated = [block for index, block in enumerate(small_blocks)
                 if np.median(score[owner_all == index]) < config.related]
    return columns[np.isin(group, unrelated)]


def without_columns(matrix: sparse.csr_array, drop: npt.NDArray[np.bool_]) -> sparse.csr_array:
    """``matrix`` without the columns marked in ``drop``, renumbered; one pass over the stored values.

    scipy's column fancy indexing (``matrix[:, keep]``) takes seconds on millions of columns.
    """
    keep = ~drop[matrix.indices]
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))[keep]
    indptr = np.zeros(matrix.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=matrix.shape[0]), out=indptr[1:])
    renumber = np.cumsum(~drop) - 1
    return sparse.csr_array((matrix.data[keep], renumber[matrix.indices[keep]], indptr),
                            shape=(matrix.shape[0], int((~drop).sum())))


def _sample_pairs(rng: np.random.Generator, docs: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Up to ``_SAMPLED_PAIRS`` distinct pairs of ``docs``."""
    n = len(docs)
    if n * (n - 1) // 2 <= _SAMPLED_PAIRS:
        i, j = np.triu_indices(n, k=1)
    else:
        i = rng.integers(0, n, size=2 * _SAMPLED_PAIRS)
        j = rng.integers(0, n, size=2 * _SAMPLED_PAIRS)
        keep = i != j
        i, j = i[keep][:_SAMPLED_PAIRS], j[keep][:_SAMPLED_PAIRS]
    return np.column_stack([docs[i], docs[j]]).astype(np.int64)
