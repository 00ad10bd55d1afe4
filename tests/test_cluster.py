from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster

from lineage.cluster import average_linkage, family_labels


def test_families_are_connected_components_of_strong_pairs_largest_first():
    a = np.array([0, 1, 3, 5, 2])
    b = np.array([1, 2, 4, 6, 6])
    strong = np.array([True, True, True, True, False])
    assert family_labels(7, a, b, strong) == [[0, 1, 2], [3, 4], [5, 6]]


def test_average_linkage_merges_the_closest_documents_first():
    scores = np.array([[1.0, 0.9, 0.1, 0.0], [0.9, 1.0, 0.2, 0.0], [0.1, 0.2, 1.0, 0.6], [0.0, 0.0, 0.6, 1.0]])
    tree = average_linkage(scores)
    assert tree[0][:3].tolist() == pytest.approx([0.0, 1.0, 0.1])
    assert tree[1][:3].tolist() == pytest.approx([2.0, 3.0, 0.4])
    assert list(fcluster(tree, t=0.5, criterion="distance")) == [1, 1, 2, 2]
