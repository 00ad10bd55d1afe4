"""The maximum spanning arborescence against networkx's Edmonds, the oracle, and on hand-built cases."""

from __future__ import annotations

import numpy as np
import pytest

from lineage.arborescence import maximum_arborescence
from lineage.errors import LineageError

nx = pytest.importorskip("networkx")


def random_graph(rng: np.random.Generator, nodes: int, edges: int):
    """Random edges among ``nodes`` members plus a root (node ``nodes``) with a weak edge to each."""
    source = np.r_[rng.integers(0, nodes + 1, edges), np.full(nodes, nodes)]
    target = np.r_[rng.integers(0, nodes, edges), np.arange(nodes)]
    weight = np.r_[rng.random(edges), rng.random(nodes) - 5]
    keep = source != target
    return source[keep], target[keep], weight[keep]


def networkx_parents(nodes: int, source, target, weight) -> tuple[dict[int, int], float]:
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(range(nodes + 1))
    graph.add_weighted_edges_from(zip(source.tolist(), target.tolist(), weight.tolist()))
    tree = nx.maximum_spanning_arborescence(graph)
    return {child: parent for parent, child in tree.edges()}, tree.size(weight="weight")


@pytest.mark.parametrize("seed", range(4))
def test_the_tree_is_networkx_s_on_random_graphs(seed):
    rng = np.random.default_rng(seed)
    for _ in range(60):
        nodes = int(rng.integers(1, 40))
        source, target, weight = random_graph(rng, nodes, int(rng.integers(nodes, 6 * nodes + 1)))
        incoming = maximum_arborescence(nodes + 1, nodes, source, target, weight)
        assert incoming[nodes] == -1
        # Distinct random weights: the optimum is unique, so the parents must be networkx's.
        expected, total = networkx_parents(nodes, source, target, weight)
        assert {child: int(source[incoming[child]]) for child in range(nodes)} == expected
        assert all(target[incoming[child]] == child for child in range(nodes))
        assert weight[incoming[:nodes]].sum() == pytest.approx(total)


def test_nested_cycles_are_unwound_to_the_right_entering_edges():
    # 0 and 1 prefer each other, then {0, 1} and 2 form a cycle; the root's cheapest way in is through 2.
    edges = [(0, 1, 10), (1, 0, 10), (1, 2, 8), (2, 0, 9), (3, 0, 1), (3, 1, 1), (3, 2, 3)]
    source, target, weight = (np.array(column) for column in zip(*edges))
    incoming = maximum_arborescence(4, 3, source, target, weight.astype(float))
    parents = {child: int(source[incoming[child]]) for child in range(3)}
    assert parents == networkx_parents(3, source, target, weight.astype(float))[0] == {2: 3, 0: 2, 1: 0}


def test_a_chain_a_star_and_a_tie():
    chain = maximum_arborescence(4, 3, np.array([3, 0, 1, 1, 2]), np.array([0, 1, 2, 0, 1]),
                                 np.array([0.0, 5.0, 5.0, 1.0, 1.0]))
    assert chain.tolist()[:3] == [0, 1, 2]
    star = maximum_arborescence(4, 3, np.array([3, 0, 0, 1, 2]), np.array([0, 1, 2, 2, 1]),
                                np.array([0.0, 4.0, 4.0, 2.0, 2.0]))
    assert star.tolist()[:3] == [0, 1, 2]
    # Two equally good parents for node 1: the lower edge index wins, whichever order the edges come in.
    tie = maximum_arborescence(4, 3, np.array([3, 0, 2, 3]), np.array([0, 1, 1, 2]), np.array([0.0, 3.0, 3.0, 0.0]))
    assert tie[1] == 1
    swapped = maximum_arborescence(4, 3, np.array([3, 2, 0, 3]), np.array([0, 1, 1, 2]),
                                   np.array([0.0, 3.0, 3.0, 0.0]))
    assert swapped[1] == 1


def test_an_unreachable_node_is_an_error():
    with pytest.raises(LineageError, match="node 1 cannot be reached from the root 2"):
        maximum_arborescence(3, 2, np.array([2]), np.array([0]), np.array([1.0]))
