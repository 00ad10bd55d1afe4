from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.shingles import incidence_matrix, stack
from lineage.verify import all_pair_scores, verify_pairs

sets = st.lists(st.frozensets(st.integers(0, 60), max_size=25), min_size=2, max_size=6)


def as_rows(values: list[frozenset[int]]) -> list[np.ndarray]:
    return [np.array(sorted(v), dtype=np.uint64) for v in values]


@settings(max_examples=150, deadline=None)
@given(sets)
def test_exact_similarities_match_python_sets(values):
    matrix, _ = incidence_matrix(stack(as_rows(values)))
    n = len(values)
    pairs = np.array([(i, j) for i in range(n) for j in range(n)], dtype=np.int64)
    result = verify_pairs(matrix, pairs)
    for k, (i, j) in enumerate(pairs.tolist()):
        a, b = values[i], values[j]
        shared = len(a & b)
        assert result.shared[k] == shared
        assert result.jaccard[k] == (shared / len(a | b) if a | b else 0.0)
        assert result.containment_a[k] == (shared / len(a) if a else 0.0)
        assert result.containment_b[k] == (shared / len(b) if b else 0.0)
        assert 0.0 <= result.jaccard[k] <= result.score[k] <= 1.0
        if a:
            assert (i != j) or result.jaccard[k] == 1.0


@settings(max_examples=100, deadline=None)
@given(sets)
def test_all_pair_scores_are_symmetric_and_agree_with_verification(values):
    matrix, _ = incidence_matrix(stack(as_rows(values)))
    scores = all_pair_scores(matrix)
    assert np.allclose(scores, scores.T)
    assert np.all(np.diag(scores) == 1.0)
    n = len(values)
    pairs = np.array([(i, j) for i in range(n) for j in range(i + 1, n)], dtype=np.int64)
    if len(pairs):
        assert np.allclose(verify_pairs(matrix, pairs).score, scores[pairs[:, 0], pairs[:, 1]])
