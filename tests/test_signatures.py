from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.config import MinHashConfig
from lineage.shingles import minhash_inputs, stack
from lineage.signatures import EMPTY, minhash_signatures


def random_sets(seed: int, sizes: list[int]) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.unique(rng.integers(0, 2**64 - 1, size, dtype=np.uint64)) for size in sizes]


def datasketch_signature(row: np.ndarray, config: MinHashConfig) -> np.ndarray:
    oracle = MinHash(num_perm=config.num_perm, seed=config.seed, hashfunc=int)  # default scheme
    oracle.update_batch(minhash_inputs(row).tolist())
    return oracle.hashvalues


@pytest.mark.parametrize("config", [MinHashConfig(128, 1), MinHashConfig(64, 42), MinHashConfig(7, 2**31)])
def test_signatures_are_bit_identical_to_datasketch(config):
    # 40_000 shingles in one document crosses the internal batch boundary.
    rows = random_sets(config.seed, [1, 5, 300, 0, 40_000, 17])
    signatures = minhash_signatures(stack(rows), config)
    assert signatures.dtype == np.uint32
    assert signatures.shape == (len(rows), config.num_perm)
    for row, signature in zip(rows, signatures):
        assert np.array_equal(signature, datasketch_signature(row, config))


def test_empty_document_has_the_empty_signature():
    signatures = minhash_signatures(stack([np.zeros(0, dtype=np.uint64)]), MinHashConfig(16, 1))
    assert np.all(signatures == EMPTY)
    assert np.array_equal(signatures[0], MinHash(num_perm=16, seed=1).hashvalues)


def test_signature_agreement_estimates_jaccard():
    base = random_sets(3, [2000])[0]
    other = np.union1d(base[:1000], random_sets(4, [1000])[0])  # Jaccard ~ 1000 / 3000
    signatures = minhash_signatures(stack([base, other]), MinHashConfig(512, 1))
    exact = len(np.intersect1d(base, other)) / len(np.union1d(base, other))
    assert abs(np.mean(signatures[0] == signatures[1]) - exact) < 0.07


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), max_size=50), st.integers(0, 2**32 - 1))
def test_same_seed_same_signature_regardless_of_neighbours(values, seed):
    row = np.unique(np.array(values, dtype=np.uint64))
    config = MinHashConfig(32, seed)
    alone = minhash_signatures(stack([row]), config)[0]
    with_others = minhash_signatures(stack(random_sets(seed % 1000, [10, 3]) + [row]), config)[-1]
    assert np.array_equal(alone, with_others)
