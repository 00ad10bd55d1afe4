"""Families (connected components of strong pairs), average-linkage clustering and its clade support."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.cluster.hierarchy import linkage
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform

from lineage.lineage_tree import poisson_weights
from lineage.verify import all_pair_scores


def family_labels(
    n_docs: int, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], strong: npt.NDArray[np.bool_]
) -> list[list[int]]:
    """Groups of two or more documents joined by the ``strong`` pairs ``(a[k], b[k])``.

    Groups are ordered largest first, then by their first document; members ascend.
    """
    graph = sparse.coo_array(
        (np.ones(int(strong.sum()), dtype=np.int8), (a[strong], b[strong])), shape=(n_docs, n_docs)
    )
    _, labels = connected_components(graph, directed=False)
    groups: dict[int, list[int]] = {}
    for doc, label in enumerate(labels):
        groups.setdefault(int(label), []).append(doc)
    families = [members for members in groups.values() if len(members) > 1]
    families.sort(key=lambda members: (-len(members), members[0]))
    return families


def average_linkage(scores: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """scipy linkage matrix of average linkage on distance ``1 - score``."""
    distances = np.clip(1.0 - scores, 0.0, 1.0)
    np.fill_diagonal(distances, 0.0)
    distances = (distances + distances.T) / 2.0
    return linkage(squareform(distances, checks=False), method="average")


def clade_support(
    matrix: sparse.csr_array,
    column_hashes: npt.NDArray[np.uint64],
    tree: npt.NDArray[np.float64],
    replicates: int,
    seed: int,
) -> npt.NDArray[np.float64]:
    """For each merge of ``tree`` (the average linkage of ``matrix``'s rows), the share of bootstrap
    replicates whose average linkage has the same clade (the same set of documents below it).

    Replicates reweight shingles by the same Poisson(1) counts as the lineage
    trees' (:func:`lineage.lineage_tree.poisson_weights`), so a seed gives one
    set of replicates for both.
    """
    index = {clade: k for k, clade in enumerate(_clades(tree))}
    found = np.zeros(len(tree))
    for replicate in range(replicates):
        weights = poisson_weights(column_hashes, seed, replicate)
        for clade in _clades(average_linkage(all_pair_scores(matrix, weights))):
            k = index.get(clade)
            if k is not None:
                found[k] += 1
    return found / max(replicates, 1)


def _clades(tree: npt.NDArray[np.float64]) -> list[frozenset[int]]:
    """The documents below each merge of a scipy linkage matrix, in merge order."""
    n_leaves = len(tree) + 1
    below: list[frozenset[int]] = [frozenset((leaf,)) for leaf in range(n_leaves)]
    for left, right, _, _ in tree:
        below.append(below[int(left)] | below[int(right)])
    return below[n_leaves:]
