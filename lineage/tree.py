"""Newick text for the whole corpus: each family's lineage tree, and lone documents.

The trees themselves are chosen in :mod:`lineage.lineage_tree`.
"""

from __future__ import annotations

from collections.abc import Sequence

import regex

from lineage.types import Family, TreeEdge

_NEEDS_QUOTES = regex.compile(r"[\s()\[\]':;,]|^$")


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
