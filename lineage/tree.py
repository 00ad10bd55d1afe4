"""Newick text for the whole corpus: each family's lineage tree, and lone documents.

The trees themselves are chosen in :mod:`lineage.lineage_tree`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import regex
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order, minimum_spanning_tree

from lineage.types import Family, TreeEdge

_NEEDS_QUOTES = regex.compile(r"[\s()\[\]':;,]|^$")


def spanning_tree(
    members: Sequence[int],
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    score: npt.NDArray[np.float64],
    ids: Sequence[str],
) -> tuple[int, list[tuple[int, int, float]]]:
    """Root and ``(parent, child, score)`` edges of the family's maximum spanning tree.

    ``(a[k], b[k], score[k])`` are the verified pairs between members; they must connect them.
    """
    local = {doc: k for k, doc in enumerate(members)}
    rows = np.array([local[x] for x in a.tolist()], dtype=np.int64)
    cols = np.array([local[y] for y in b.tolist()], dtype=np.int64)
    weights = np.asarray(score, dtype=np.float64)
    size = len(members)
    centrality = np.bincount(rows, weights, minlength=size) + np.bincount(cols, weights, minlength=size)
    # Highest centrality wins; ties go to the smallest id so the choice is stable.
    root = min(range(size), key=lambda k: (-round(centrality[k], 12), ids[members[k]]))
    # A minimum spanning tree of (2 - score) is a maximum spanning tree of score; 2 keeps weights > 0.
    graph = sparse.coo_array((2.0 - weights, (rows, cols)), shape=(size, size)).tocsr()
    tree = minimum_spanning_tree(graph)
    order, parent = breadth_first_order(tree, root, directed=False, return_predecessors=True)
    exact = {(min(x, y), max(x, y)): float(w) for x, y, w in zip(rows.tolist(), cols.tolist(), weights.tolist())}
    position = {node: k for k, node in enumerate(order.tolist())}
    edges = [(int(parent[child]), child, exact[(min(child, parent[child]), max(child, parent[child]))])
             for child in order.tolist()[1:]]
    # Parents in breadth-first order; each parent's children strongest first, ties by id.
    edges.sort(key=lambda edge: (position[edge[0]], -edge[2], ids[members[edge[1]]]))
    return members[root], [(members[p], members[c], s) for p, c, s in edges]


def newick(families: Sequence[Family], singletons: Sequence[str]) -> str:
    """One Newick tree of the corpus: family trees and lone documents under an unnamed root.

    Every document is a leaf, so that tools never mistake a document name for
    a support value (Bio.Phylo reads numeric internal labels as supports). A
    parent is an unnamed node holding the parent itself at distance 0 and the
    subtrees of its children at distance ``1 - score``.
    """
    subtrees = [_family_newick(family) for family in families]
    subtrees += [_label(doc) for doc in singletons]
    if not subtrees:
        return ";"
    if len(subtrees) == 1:
        return subtrees[0] + ";"
    return "(" + ",".join(subtrees) + ");"


def _family_newick(family: Family) -> str:
    children: dict[str, list[TreeEdge]] = {}
    for edge in family.edges:
        children.setdefault(edge.parent, []).append(edge)

    def render(node: str) -> str:
        edges = children.get(node, [])
        if not edges:
            return _label(node)
        parts = [f"{_label(node)}:0"] + [f"{_supported(edge, render(edge.child))}:{_length(edge.score)}" for edge in edges]
        return "(" + ",".join(parts) + ")"

    return render(family.root)


def _supported(edge: TreeEdge, subtree: str) -> str:
    """The child's subtree with the edge's support (percent) as its node label; a leaf gets a node to carry it."""
    if edge.support is None:
        return subtree
    if not subtree.endswith(")"):
        subtree = f"({subtree}:0)"
    return f"{subtree}{round(100 * edge.support)}"


def _length(score: float) -> str:
    return f"{max(0.0, 1.0 - score):.6f}".rstrip("0").rstrip(".") or "0"


def _label(doc_id: str) -> str:
    if _NEEDS_QUOTES.search(doc_id):
        return "'" + doc_id.replace("'", "''") + "'"
    return doc_id
