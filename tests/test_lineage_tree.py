from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from Bio import Phylo
from scipy import sparse

import lineage
from lineage.config import ShingleConfig, TreeConfig
from lineage.lineage_tree import lineage_tree, page_date, poisson_weights
from lineage.shingles import incidence_matrix, shingle_sets
from lineage.wording import Wording, word_document_counts

PLANTED = Path(__file__).parent / "data" / "planted"


def family(sets: list[set[int]]) -> tuple[sparse.csr_array, np.ndarray, np.ndarray, np.ndarray]:
    """Rows of shingle sets over shingles 0..max, their hashes, and every pair as candidate edges."""
    width = max(max(s) for s in sets) + 1
    rows = sparse.csr_array(np.array([[1 if k in s else 0 for k in range(width)] for s in sets], dtype=np.int8))
    i, j = np.triu_indices(len(sets), k=1)
    return rows, np.arange(width, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15), i, j


def parents(tree, size: int) -> list[int]:
    out = [-1] * size
    for edge in tree.edges:
        out[edge.child] = edge.parent
    return out


def rewrite(base: set[int], changed: range, start: int) -> set[int]:
    """``base`` with the shingles in ``changed`` replaced by new ones numbered from ``start``."""
    return (base - set(changed)) | set(range(start, start + len(changed)))


TEMPLATE = set(range(100))


def test_a_chain_with_dates_goes_from_the_oldest_to_the_newest():
    a = rewrite(TEMPLATE, range(0, 10), 1000)
    b = rewrite(a, range(10, 20), 2000)
    rows, hashes, i, j = family([b, TEMPLATE, a])  # out of order on purpose
    dates = ["2024-03-01T00:00", "2024-01-01T00:00", "2024-02-01T00:00"]
    tree = lineage_tree(rows, hashes, i, j, dates, ["b", "t", "a"], TreeConfig(), replicates=0)
    assert tree.root == 1 and parents(tree, 3) == [2, -1, 1]
    assert {edge.evidence["dates"] for edge in tree.edges} == {"parent earlier"}


def test_a_star_without_dates_is_rooted_at_the_template_by_drift():
    children = [rewrite(TEMPLATE, range(10 * k, 10 * k + 10), 1000 * (k + 1)) for k in range(4)]
    rows, hashes, i, j = family([*children, TEMPLATE])
    tree = lineage_tree(rows, hashes, i, j, [None] * 5, ["c0", "c1", "c2", "c3", "t"], TreeConfig(), replicates=0)
    assert tree.root == 4 and parents(tree, 5) == [4, 4, 4, 4, -1]
    assert all(edge.evidence["drift"] > 0 for edge in tree.edges)


def test_an_exact_tie_is_broken_by_name_whatever_the_input_order_and_its_support_says_undecided():
    rows, hashes, i, j = family([set(range(50)), set(range(50))])
    tree = lineage_tree(rows, hashes, i, j, [None, None], ["b", "a"], TreeConfig(), replicates=200)
    swapped = lineage_tree(rows, hashes, i, j, [None, None], ["a", "b"], TreeConfig(), replicates=0)
    assert tree.root == 1 and swapped.root == 0  # "a" either way
    assert 0.35 < tree.edges[0].support < 0.65 and 0.35 < tree.root_support < 0.65


def test_an_exact_tie_does_not_go_to_the_name_first_in_the_alphabet():
    # Ids numbered as documents are written (doc0001, doc0002, ...) would otherwise root every tie at the oldest.
    rows, hashes, i, j = family([set(range(50)), set(range(50))])
    first_wins = sum(
        lineage_tree(rows, hashes, i, j, [None, None], [f"doc{2 * k:04d}", f"doc{2 * k + 1:04d}"], TreeConfig()).root == 0
        for k in range(100)
    )
    assert 30 <= first_wins <= 70


def spun_chain(links: int) -> tuple[list[str], list[str]]:
    """A chain of rewrites, each swapping an eighth of its parent's words for synonyms no one else uses,
    and thirty other texts in the template's vocabulary."""
    rng = np.random.default_rng(3)
    vocabulary = [f"w{k}" for k in range(400)]
    chain = [list(rng.choice(vocabulary, 300))]
    for link in range(links):
        words = list(chain[-1])
        for k in rng.choice(len(words), len(words) // 8, replace=False):
            words[k] = f"spun{link}x{k}"
        chain.append(words)
    return [" ".join(words) for words in chain], [" ".join(rng.choice(vocabulary, 200)) for _ in range(30)]


def chain_tree(texts: list[str], others: list[str], dates: list[str | None], wording: bool):
    matrix, hashes = incidence_matrix(shingle_sets(texts, ShingleConfig())[0])
    i, j = np.triu_indices(len(texts), k=1)
    words = Wording(texts, word_document_counts(texts + others)) if wording else None
    return lineage_tree(matrix, hashes, i, j, dates, [f"m{k}" for k in range(len(texts))], TreeConfig(), wording=words)


def test_an_undated_chain_is_rooted_at_its_template_by_the_words_it_swapped_not_at_its_centre():
    texts, others = spun_chain(6)
    centre = chain_tree(texts, others, [None] * 7, wording=False)
    assert centre.root == 3  # drift: each side of the middle holds less of the family
    tree = chain_tree(texts, others, [None] * 7, wording=True)
    assert tree.root == 0 and parents(tree, 7) == [-1, 0, 1, 2, 3, 4, 5]
    # Each parent kept the usual words its child swapped away: all 300 // 8 of them for the template; further
    # down fewer, as a word spun twice is unusual on both sides and says nothing.
    votes = [edge.evidence["word_votes"] for edge in tree.edges]
    assert votes[0] == 300 // 8 and all(0 < vote <= 300 // 8 for vote in votes)
    assert {edge.evidence["word_votes"] for edge in centre.edges} == {None}
    assert {frozenset((edge.parent, edge.child)) for edge in tree.edges} == {
        frozenset((edge.parent, edge.child)) for edge in centre.edges}  # only the root moved


def test_dates_outrank_the_words(monkeypatch):
    texts, others = spun_chain(3)
    dates = ["2024-04-01T00:00", "2024-03-01T00:00", "2024-02-01T00:00", "2024-01-01T00:00"]  # the spun text first
    tree = chain_tree(texts, others, dates, wording=True)
    assert tree.root == 3 and parents(tree, 4) == [1, 2, 3, -1]
    # However many words vote, and though a date's penalty is finite, dated pairs keep their order.
    monkeypatch.setattr("lineage.lineage_tree._WORDING", 1000.0)
    ordered_edges = 0
    for dates in ([None, "2024-02-01T00:00", "2024-01-01T00:00", None], [None, None, "2024-02-01T00:00", "2024-01-01T00:00"],
                  ["2024-03-01T00:00", None, None, "2024-01-01T00:00"], [None, "2024-03-01T00:00", None, "2024-01-01T00:00"]):
        for edge in chain_tree(texts, others, dates, wording=True).edges:
            if dates[edge.parent] and dates[edge.child]:
                assert dates[edge.parent] < dates[edge.child]
                ordered_edges += 1
    assert ordered_edges


def test_a_parent_dated_after_its_child_is_refused_even_when_the_text_says_otherwise():
    a = rewrite(TEMPLATE, range(0, 10), 1000)
    rows, hashes, i, j = family([TEMPLATE, a])
    tree = lineage_tree(rows, hashes, i, j, ["2024-05-01T00:00", "2024-01-01T00:00"], ["t", "a"], TreeConfig())
    assert parents(tree, 2) == [1, -1] and tree.edges[0].evidence["dates"] == "parent earlier"


def test_bootstrap_support_is_the_same_under_a_seed_and_changes_with_it():
    children = [rewrite(TEMPLATE, range(3 * k, 3 * k + 3), 1000 * (k + 1)) for k in range(6)]
    rows, hashes, i, j = family([TEMPLATE, *children])
    names = ["t"] + [f"c{k}" for k in range(6)]

    def supports(seed: int) -> list[float]:
        tree = lineage_tree(rows, hashes, i, j, [None] * 7, names, TreeConfig(seed=seed), replicates=50)
        return [edge.support for edge in tree.edges]

    assert supports(1) == supports(1)
    assert all(0.0 <= s <= 1.0 for s in supports(1))
    assert supports(1) != supports(2)


def test_poisson_weights_have_mean_one_and_depend_only_on_hash_seed_and_replicate():
    hashes = np.arange(200_000, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    weights = poisson_weights(hashes, 1, 0)
    assert weights.mean() == pytest.approx(1.0, abs=0.01) and weights.var() == pytest.approx(1.0, abs=0.02)
    assert np.array_equal(poisson_weights(hashes[::-1], 1, 0), weights[::-1])
    assert not np.array_equal(poisson_weights(hashes, 1, 1), weights)


def test_page_dates_come_from_the_record_or_the_page_header():
    assert page_date("2025-05-24", "") == "2025-05-24T00:00"
    assert page_date(None, "Title\n\n⏱ 2025-05-24 00:25 🔖 x") == "2025-05-24T00:25"
    assert page_date(None, "No date here, only the year 2025 and 12-05.") is None
    assert page_date(None, "x" * 1000 + " 2025-05-24") is None  # far below the header


def test_newick_carries_support_and_reads_back_in_bio_phylo(tmp_path):
    report = lineage.analyze([PLANTED], bootstrap=20)
    report.write(tmp_path)
    tree = Phylo.read(io.StringIO((tmp_path / "lineage.nwk").read_text(encoding="utf-8")), "newick")
    leaves = sorted(leaf.name for leaf in tree.get_terminals())
    assert leaves == sorted(path.name for path in PLANTED.glob("*.txt"))
    edges = [edge for family in report.families for edge in family.edges]
    supports = sorted(clade.confidence for clade in tree.find_clades() if clade.confidence is not None)
    assert supports == sorted(round(100 * edge.support) for edge in edges)
    for family in report.families:  # each child hangs, with its support, under its parent's node
        for edge in family.edges:
            parent_node = tree.common_ancestor(edge.parent, edge.child)
            assert any(leaf.name == edge.parent for leaf in parent_node.clades)
