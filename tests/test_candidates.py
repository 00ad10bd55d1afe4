from __future__ import annotations

import itertools

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH

from lineage.candidates import candidate_probability, lsh_candidate_pairs, lsh_params, rare_shingle_pairs
from lineage.config import MinHashConfig
from lineage.errors import ConfigError
from lineage.shingles import incidence_matrix, stack
from lineage.signatures import minhash_signatures


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7, 0.8, 0.9, 0.95])
@pytest.mark.parametrize("num_perm", [64, 128, 256])
def test_lsh_params_reach_the_recall_at_the_threshold(threshold, num_perm):
    bands, rows = lsh_params(threshold, num_perm, recall=0.99)
    assert bands * rows <= num_perm
    assert candidate_probability(threshold, bands, rows) >= 0.99
    # Above the threshold recall only grows; far below it candidates are rare.
    above = np.linspace(threshold, 1.0, 20)
    assert np.all(candidate_probability(above, bands, rows) >= 0.99)


def test_lsh_params_say_how_many_permutations_are_needed():
    with pytest.raises(ConfigError, match=r"num_perm=16 cannot reach LSH recall 0.99 at threshold 0.1 .*--num-perm \d+"):
        lsh_params(0.1, 16)


def pairs_with_jaccard(rng, n_pairs: int, shared: int, own: int) -> list[np.ndarray]:
    """Sets A = S + X and B = S + Y with |S| = shared and |X| = |Y| = own: J = shared / (shared + 2 own)."""
    rows = []
    for _ in range(n_pairs):
        values = rng.integers(0, 2**64 - 1, shared + 2 * own, dtype=np.uint64)
        common, x, y = values[:shared], values[shared : shared + own], values[shared + own :]
        rows += [np.unique(np.concatenate([common, x])), np.unique(np.concatenate([common, y]))]
    return rows


@pytest.mark.parametrize("jaccard, shared, own", [(0.5, 200, 100), (0.2, 100, 200), (0.8, 400, 50)])
def test_s_curve_matches_simulation(jaccard, shared, own):
    rng = np.random.default_rng(7)
    n_pairs = 1000
    signatures = minhash_signatures(stack(pairs_with_jaccard(rng, n_pairs, shared, own)), MinHashConfig(128, 11))
    bands, rows = lsh_params(0.5, 128)
    found = {tuple(pair) for pair in lsh_candidate_pairs(signatures, bands, rows).tolist()}
    rate = np.mean([(2 * k, 2 * k + 1) in found for k in range(n_pairs)])
    expected = float(candidate_probability(jaccard, bands, rows))
    sd = np.sqrt(expected * (1 - expected) / n_pairs)
    assert abs(rate - expected) <= 5 * sd + 0.005
    if jaccard >= 0.5:
        assert rate >= 0.975


def test_banding_finds_the_same_pairs_as_datasketch():
    rng = np.random.default_rng(5)
    base = [np.unique(rng.integers(0, 2**64 - 1, 60, dtype=np.uint64)) for _ in range(30)]
    # Copies keeping 10..52 of 60 shingles: Jaccard from 0.1 to 0.8, around the 0.5 threshold.
    rows = base + [np.union1d(row[: 10 + 3 * k], rng.integers(0, 2**64 - 1, 10, dtype=np.uint64)) for k, row in
                   enumerate(base[:15])]
    config = MinHashConfig(128, 3)
    signatures = minhash_signatures(stack(rows), config)
    bands, rows_per_band = lsh_params(0.5, 128)
    ours = {tuple(pair) for pair in lsh_candidate_pairs(signatures, bands, rows_per_band).tolist()}

    index = MinHashLSH(num_perm=128, params=(bands, rows_per_band))
    sketches = [MinHash(num_perm=128, seed=3, hashvalues=s, scheme="affine32") for s in signatures]
    for key, sketch in enumerate(sketches):
        index.insert(key, sketch)
    theirs = {tuple(sorted((key, other))) for key, sketch in enumerate(sketches)
              for other in index.query(sketch) if other != key}
    assert 4 <= len(ours) < 15  # some pairs near the threshold are found, some are not
    assert ours == theirs


def test_rare_shingle_pairs_count_shared_rare_shingles():
    rng = np.random.default_rng(2)
    vocabulary = rng.integers(0, 2**64 - 1, 40, dtype=np.uint64)
    rows = [np.unique(rng.choice(vocabulary, 12, replace=False)) for _ in range(25)]
    matrix, columns = incidence_matrix(stack(rows))
    pairs, counts = rare_shingle_pairs(matrix, rare_max_df=6, min_shared=2)
    frequency = {h: sum(h in set(row.tolist()) for row in rows) for h in columns.tolist()}
    expected = {}
    for i, j in itertools.combinations(range(len(rows)), 2):
        shared = set(rows[i].tolist()) & set(rows[j].tolist())
        rare = sum(1 for h in shared if frequency[h] <= 6)
        if rare >= 2:
            expected[(i, j)] = rare
    assert dict(zip(map(tuple, pairs.tolist()), counts.tolist())) == expected
