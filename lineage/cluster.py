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


def family_linkage(
    n_docs: int,
    members: list[list[int]],
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    score: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Average linkage (UPGMA) of whole families: scipy linkage matrix whose leaves are the groups ``members``.

    The distance between two families is one minus the mean score over every
    pair of their documents, a pair never verified (never a candidate) scoring
    0; a merged cluster's distance to the others is the size-weighted mean of
    its parts', as in document-level average linkage. scipy's ``linkage`` takes
    one observation per leaf and cannot weigh leaves by size, hence this loop;
    it is quadratic per merge in the number of families drawn (a few hundred).
    The linkage's fourth column counts families, as scipy's trees require.
    """
    n = len(members)
    family = np.full(n_docs, -1, dtype=np.int64)
    for k, group in enumerate(members):
        family[group] = k
    fa, fb = family[a], family[b]
    across = (fa >= 0) & (fb >= 0) & (fa != fb)
    totals = np.zeros((n, n))
    np.add.at(totals, (fa[across], fb[across]), score[across])
    totals += totals.T
    sizes = np.array([len(group) for group in members], dtype=np.float64)
    counts = np.ones(n)
    label = np.arange(n)
    alive = np.ones(n, dtype=bool)
    tree = np.zeros((max(n - 1, 0), 4))
    for step in range(n - 1):
        mean = totals / np.outer(sizes, sizes)
        mean[~alive, :] = -1.0
        mean[:, ~alive] = -1.0
        np.fill_diagonal(mean, -1.0)
        i, j = sorted(np.unravel_index(int(np.argmax(mean)), mean.shape))
        tree[step] = (min(label[i], label[j]), max(label[i], label[j]), 1.0 - max(mean[i, j], 0.0), counts[i] + counts[j])
        totals[i] += totals[j]
        totals[:, i] += totals[:, j]
        totals[i, i] = 0.0
        sizes[i] += sizes[j]
        counts[i] += counts[j]
        alive[j] = False
        label[i] = n + step
    return tree


def clade_support(
    matrix: sparse.csr_array,
    column_hashes: npt.NDArray[np.uint64],
    tree: npt.NDArray[np.float64],
    replicates: int,
    seed: int,
) -> npt.NDArray[np.float64]:
    """For each merge of ``tree`` (the average linkage of ``matrix``'s rows), the share of bootstrap
    replicates whose average linkage has the same clade (the same set of documents below it); NaN for
    a merge of documents that share nothing (at distance 1).

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
    # A merge at distance 1 joins documents that share nothing: every replicate makes it too, which is
    # no evidence of a clade, so it has no support.
    return np.where(tree[:, 2] < 1.0 - 1e-9, found / max(replicates, 1), np.nan)


def _clades(tree: npt.NDArray[np.float64]) -> list[frozenset[int]]:
    """The documents below each merge of a scipy linkage matrix, in merge order."""
    n_leaves = len(tree) + 1
    below: list[frozenset[int]] = [frozenset((leaf,)) for leaf in range(n_leaves)]
    for left, right, _, _ in tree:
        below.append(below[int(left)] | below[int(right)])
    return below[n_leaves:]
