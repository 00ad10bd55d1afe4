from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from scipy.cluster.hierarchy import fcluster

from lineage.cluster import _clades, average_linkage, clade_support, family_labels, family_linkage
from lineage.verify import all_pair_scores


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


def test_family_linkage_is_document_average_linkage_with_each_family_collapsed():
    """Families as leaves merge at the heights document-level UPGMA gives once each family is joined at 0."""
    rng = np.random.default_rng(3)
    members = [[0, 4, 7], [1], [2, 5], [3, 8, 9, 10], [6]]
    n_docs = 12  # document 11 is in no family: its pairs must not count
    a, b = np.triu_indices(n_docs, k=1)
    verified = rng.random(len(a)) < 0.6  # unverified pairs score 0
    a, b = a[verified], b[verified]
    score = rng.random(len(a)) * 0.3
    tree = family_linkage(n_docs, members, a, b, score)

    in_families = [doc for group in members for doc in group]
    family = {doc: k for k, group in enumerate(members) for doc in group}
    scores = np.zeros((n_docs, n_docs))
    scores[a, b] = scores[b, a] = score
    for group in members:
        scores[np.ix_(group, group)] = 1.0
    reference = average_linkage(scores[np.ix_(in_families, in_families)])
    across = reference[reference[:, 2] > 1e-12]
    assert tree[:, 2] == pytest.approx(across[:, 2])
    # The same clades, in families: scipy's cut at each height groups documents as family_linkage groups families.
    for height in tree[:, 2]:
        by_docs = fcluster(reference, t=height - 1e-9, criterion="distance")
        by_families = fcluster(tree, t=height - 1e-9, criterion="distance")
        groups_docs = {frozenset(family[d] for d, c in zip(in_families, by_docs) if c == label) for label in set(by_docs)}
        groups_fams = {frozenset(np.flatnonzero(by_families == label).tolist()) for label in set(by_families)}
        assert groups_docs == groups_fams
    assert tree[-1, 3] == len(members)


def incidence(sets: list[list[int]]) -> sparse.csr_array:
    rows = np.repeat(np.arange(len(sets)), [len(s) for s in sets])
    cols = np.concatenate([np.asarray(s) for s in sets])
    return sparse.csr_array((np.ones(len(cols)), (rows, cols)), shape=(len(sets), max(cols) + 1))


def test_clade_support_is_high_for_clear_groups_low_for_arbitrary_ones_and_seeded():
    rng = np.random.default_rng(0)
    base_a, base_b = np.arange(0, 200), np.arange(1000, 1200)
    # Two groups of three close copies; the last document shares a little, equally, with both groups,
    # so which group it joins first is an accident of the shingles drawn.
    sets = [np.sort(rng.choice(base, 180, replace=False)).tolist() for base in (base_a,) * 3 + (base_b,) * 3]
    sets.append(list(range(0, 10)) + list(range(1000, 10 + 1000)) + list(range(5000, 5200)))
    matrix = incidence(sets)
    hashes = (np.arange(matrix.shape[1], dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15))
    tree = average_linkage(all_pair_scores(matrix))
    support = clade_support(matrix, hashes, tree, replicates=50, seed=3)
    clades = {frozenset(members): value for members, value in zip(_clades(tree), support)}
    assert clades[frozenset({0, 1, 2})] == 1.0 and clades[frozenset({3, 4, 5})] == 1.0
    uncertain = [value for members, value in clades.items() if 6 in members and len(members) == 4]
    assert len(uncertain) == 1 and 0.1 < uncertain[0] < 0.9
    assert np.array_equal(support, clade_support(matrix, hashes, tree, replicates=50, seed=3), equal_nan=True)
    assert not np.array_equal(support, clade_support(matrix, hashes, tree, replicates=50, seed=4), equal_nan=True)


def test_a_merge_of_documents_that_share_nothing_has_no_support():
    # Two copies, and two documents unlike them and each other: every replicate joins those at distance 1
    # too, which says nothing about them.
    matrix = incidence([list(range(100)), list(range(100)), list(range(200, 300)), list(range(400, 500))])
    hashes = np.arange(matrix.shape[1], dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    tree = average_linkage(all_pair_scores(matrix))
    support = clade_support(matrix, hashes, tree, replicates=20, seed=1)
    assert tree[0, 2] == 0.0 and support[0] == 1.0  # the copies
    assert (tree[1:, 2] == 1.0).all() and np.isnan(support[1:]).all()


def test_weighted_scores_count_each_shingle_by_its_weight():
    matrix = incidence([[0, 1, 2, 3], [2, 3, 4]])
    assert all_pair_scores(matrix)[0, 1] == pytest.approx(2 / 3)
    weights = np.array([1.0, 1.0, 2.0, 0.0, 1.0])
    assert all_pair_scores(matrix, weights)[0, 1] == pytest.approx(2 / 3)  # shared 2 of b's 3 (weights 2, 0, 1)
    weights = np.array([1.0, 1.0, 0.0, 1.0, 3.0])
    assert all_pair_scores(matrix, weights)[0, 1] == pytest.approx(1 / 3)  # a: 3, b: 4, shared 1
