"""Families (connected components of strong pairs) and average-linkage clustering."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.cluster.hierarchy import linkage
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform


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
