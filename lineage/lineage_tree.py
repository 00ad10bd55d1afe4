"""Directed lineage within a family: which rewrite came from which, with bootstrap support.

For every verified pair of members, both directions are candidate edges. An
edge ``u → v`` (u is v's parent) weighs

    similarity(u, v) + direction · drift(u → v) − dates(u → v)

* **similarity**: the pair's score (share of the smaller shingle set found in
  the other): a rewrite is closest to the document it was made from.
* **drift**: text a rewrite changes is, in its parent, the family's common text
  (siblings and other branches kept it), and in the rewrite its own new text
  (held only by its descendants). So the shingles u has and v lacks should be
  held by more of the family than those v has and u lacks. ``drift`` is the
  difference of those two mean holder counts over the family size, in [-1, 1].
* **dates**: a parent published after its child costs ``DATE_PENALTY``, more
  than any similarity can earn, so dates decide whenever they are known.

The tree is the maximum-weight spanning arborescence of these edges (Edmonds'
algorithm, :mod:`lineage.arborescence`): every member but the root gets the one parent that
makes the whole family's tree best. A virtual root above the members picks
the root: its edge to a member weighs the member's vote, the share of its
pairs whose drift makes it the parent minus the share that makes it the child.

Drift says which side of an edge holds more of the family, not which came
first, so without dates that root sits at the tree's centre. **Wording** then
moves it (:mod:`lineage.wording`): at each word two members swap one for one,
the one holding the word more documents on the family's topic use is
probably the older. The tree is rerooted, its edges kept, at the member
where edge weights, root vote and ``_WORDING`` per word vote sum highest.

**Support** for each edge is the share of bootstrap replicates whose tree has
it. A replicate reweights every shingle by a Poisson(1) count (the
bootstrap for large data: each shingle is drawn about once, some twice, some
not at all) and rebuilds the tree. A shingle's weight depends only on its
hash, the seed and the replicate, so the support is the same whatever else
is in the corpus and whatever order it is read in.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order

from lineage.arborescence import maximum_arborescence
from lineage.config import TreeConfig
from lineage.wording import Wording

DATE_PENALTY = 10.0
ROOT_COST = 100.0
_ROOT_VOTE = 0.3  # weight of the root vote; at 1 it overrides edge evidence (synthetic root 0.373 -> 0.345)
_WORDING = 0.05  # weight of one word vote when rerooting: below the 0.079 at which a Clough root moves
_PARENTS_CONSIDERED = 20
_DATE_IN_TEXT = re.compile(r"(?<!\d)((?:19|20)\d\d)-([01]\d)-([0-3]\d)(?:[ T]([0-2]\d):([0-5]\d))?(?!\d)")
_DATE_SEARCH_CHARS = 600  # a page's own date sits in its header, not in the article's history
_POISSON_CDF = np.cumsum([np.exp(-1.0) / np.prod(np.arange(1, k + 1)) for k in range(16)])


@dataclass(frozen=True, slots=True)
class Edge:
    parent: int  # member numbers
    child: int
    score: float
    support: float | None
    evidence: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LineageTree:
    root: int
    edges: list[Edge]
    root_support: float | None


def page_date(date: str | None, text: str) -> str | None:
    """A document's publication date as ``YYYY-MM-DDTHH:MM`` (sortable), from its record or its header.

    ``date`` is the record's own date (ISO 8601, e.g. from JSONL); without one,
    the first ISO-style date in the text's first lines ("2025-05-24 00:25").
    """
    for candidate in (date, text[:_DATE_SEARCH_CHARS]):
        if candidate:
            match = _DATE_IN_TEXT.search(candidate)
            if match:
                year, month, day, hour, minute = match.groups()
                return f"{year}-{month}-{day}T{hour or '00'}:{minute or '00'}"
    return None


def lineage_tree(
    rows: sparse.csr_array,
    column_hashes: npt.NDArray[np.uint64],
    i: npt.NDArray[np.int64],
    j: npt.NDArray[np.int64],
    dates: Sequence[str | None],
    names: Sequence[str],
    config: TreeConfig,
    replicates: int = 0,
    wording: Wording | None = None,
) -> LineageTree:
    """The lineage tree of one family, with ``replicates`` bootstrap replicates for its support.

    ``rows`` holds the members' shingle sets (members x the family's shingles,
    0/1) and ``column_hashes`` each column's shingle hash; the pairs
    ``(i[k], j[k])`` (member numbers) are the candidate edges and must connect
    the members; ``names`` (the members' ids) break exact ties, through a hash
    so that an id's place in the alphabet or the corpus says nothing of age.
    With ``wording`` (the members' word swaps), an undated family's tree is
    rerooted where its edges and the swaps agree best.
    """
    size = rows.shape[0]
    if size == 1:
        return LineageTree(0, [], None)
    rows = sparse.csr_array(rows, dtype=np.float64)
    holders = np.bincount(rows.indices, minlength=rows.shape[1]).astype(np.float64)
    order = _date_order(dates)  # -1 where undated
    dated = (order[i] >= 0) & (order[j] >= 0)
    late = (dated & (order[i] > order[j]), dated & (order[j] > order[i]))  # i dated after j, and the reverse
    similarity, drift = _evidence(rows, holders, i, j, np.ones(rows.shape[1]))
    rank = tie_rank(names)
    votes = None if wording is None else wording.votes
    parent_of = _arborescence(size, i, j, similarity, drift, late, dated, rank, config, votes=votes)
    root = int(np.flatnonzero(parent_of < 0)[0])
    support: npt.NDArray[np.float64] | None = None
    root_support = None
    if replicates and size <= config.bootstrap_max_members:
        agree = np.zeros(size)
        same_root = 0
        for replicate in range(replicates):
            weights = poisson_weights(column_hashes, config.seed, replicate)
            replicate_similarity, replicate_drift = _evidence(rows, holders, i, j, weights)
            # Exact ties (no evidence either way, as in a pair of undated documents) fall at random in a
            # replicate, far below any real difference, so that support says "undecided" for them.
            jitter = np.random.default_rng([config.seed, replicate]).uniform(0, 4e-10, size=(3, max(len(i), size)))
            replicate_parents = _arborescence(size, i, j, replicate_similarity, replicate_drift, late, dated, rank,
                                              config, jitter, _replicate_votes(wording, config.seed, replicate))
            agree += replicate_parents == parent_of
            same_root += replicate_parents[root] < 0
        support = agree / replicates
        root_support = same_root / replicates
    index = {(int(x), int(y)): k for k, (x, y) in enumerate(zip(i.tolist(), j.tolist()))}
    below = _top_down(parent_of, root)
    edges = []
    for child in below:
        parent = int(parent_of[child])
        k = index.get((parent, child), index.get((child, parent)))
        forward = i[k] == parent
        edges.append(Edge(
            parent=parent,
            child=child,
            score=round(float(similarity[k]), 6),
            support=None if support is None else round(float(support[child]), 4),
            evidence={
                "drift": round(float(drift[k] if forward else -drift[k]), 6),
                "dates": _date_relation(dates[parent], dates[child]),
                # Swapped words whose parent's form more documents outside the family use, minus the reverse.
                "word_votes": None if wording is None else wording.votes(parent, child),
            },
        ))
    # Parents in breadth-first order; each parent's children strongest first, ties by name.
    position = {node: rank for rank, node in enumerate(below)}
    position[root] = -1
    edges.sort(key=lambda edge: (position[edge.parent], -edge.score, names[edge.child]))
    return LineageTree(root, edges, root_support)


def _top_down(parent_of: npt.NDArray[np.int64], root: int) -> list[int]:
    """The members below the root in breadth-first order."""
    children = np.flatnonzero(parent_of >= 0)
    graph = sparse.csr_array((np.ones(len(children)), (parent_of[children], children)), shape=(len(parent_of),) * 2)
    return breadth_first_order(graph, root, directed=True, return_predecessors=False).tolist()[1:]


def poisson_weights(hashes: npt.NDArray[np.uint64], seed: int, replicate: int) -> npt.NDArray[np.float64]:
    """A Poisson(1) count for each shingle hash: the same for the same hash, seed and replicate."""
    with np.errstate(over="ignore"):
        mixed = hashes ^ np.uint64((seed * 0x9E3779B97F4A7C15 + (replicate + 1) * 0xBF58476D1CE4E5B9) % 2**64)
        mixed = (mixed ^ (mixed >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        mixed = (mixed ^ (mixed >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        mixed ^= mixed >> np.uint64(31)
    uniform = (mixed >> np.uint64(11)).astype(np.float64) / float(2**53)
    return np.searchsorted(_POISSON_CDF, uniform, side="right").astype(np.float64)


def _evidence(
    rows: sparse.csr_array,
    holders: npt.NDArray[np.float64],
    i: npt.NDArray[np.int64],
    j: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Each pair's similarity and the drift of ``i[k] → j[k]``, with shingles weighted by ``weights``."""
    size = rows.shape[0]
    weighted = rows @ sparse.diags_array(weights)
    shared = _pair_values(weighted @ rows.T, i, j)
    sizes = weighted.sum(axis=1)
    similarity = shared / np.maximum(np.minimum(sizes[i], sizes[j]), 1e-12)
    # A shingle one document of the pair has counts the members holding it beyond it and one more: one
    # other holder is often a shared accident (a synonym two rewrites both picked), two or more is the family's.
    others = weights * np.maximum(holders - 2, 0)
    popular = rows @ sparse.diags_array(others)
    shared_popular = _pair_values(popular @ rows.T, i, j)
    totals = popular.sum(axis=1)
    only_i = (totals[i] - shared_popular) / np.maximum(sizes[i] - shared, 1e-12)
    only_j = (totals[j] - shared_popular) / np.maximum(sizes[j] - shared, 1e-12)
    drift = (only_i - only_j) / max(size - 2, 1)
    return np.minimum(similarity, 1.0), drift


def _pair_values(product: sparse.sparray, i: npt.NDArray[np.int64], j: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    product = sparse.csr_array(product)
    return np.asarray(product[i, j]).ravel().astype(np.float64)


def _arborescence(
    size: int,
    i: npt.NDArray[np.int64],
    j: npt.NDArray[np.int64],
    similarity: npt.NDArray[np.float64],
    drift: npt.NDArray[np.float64],
    late: tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]],
    dated: npt.NDArray[np.bool_],
    rank: npt.NDArray[np.int64],
    config: TreeConfig,
    jitter: npt.NDArray[np.float64] | None = None,
    votes: Callable[[int, int], float] | None = None,
) -> npt.NDArray[np.int64]:
    """Each member's parent in the maximum spanning arborescence (-1 for the root), rerooted by word ``votes``.

    ``rank`` breaks ties.
    """
    drift = np.where(dated, 0.0, drift)  # dates say which came first better than text can
    forward = similarity + config.direction * drift - DATE_PENALTY * late[0]
    backward = similarity - config.direction * drift - DATE_PENALTY * late[1]
    # A virtual root above every member: one edge from it costs ROOT_COST, so the tree takes exactly
    # one, to the member whose text looks most ancestral: the share of its pairs whose drift makes it the
    # parent, minus the share that makes it the child. A vote rather than the mean drift, whose weak pairs
    # (large drifts on little shared text) outvoted the strong ones: on Clough the mean put a heavy
    # answer above its task's source (benchmarks/README.md, clough_tree.py).
    sign = np.sign(drift)
    ancestral = _ROOT_VOTE * (np.bincount(i, sign, minlength=size) - np.bincount(j, sign, minlength=size)) / np.maximum(
        np.bincount(i, minlength=size) + np.bincount(j, minlength=size), 1)

    # Rounded so that float noise does not pick between equal trees; ties go to the pair order (by rank).
    forward, backward = np.round(forward, 9), np.round(backward, 9)
    if jitter is not None:
        forward, backward = forward + jitter[0, : len(i)], backward + jitter[1, : len(i)]
    source = np.concatenate([i, j]).astype(np.int64)
    target = np.concatenate([j, i]).astype(np.int64)
    weight = np.concatenate([forward, backward])
    order = np.lexsort((rank[target], rank[source], -weight))
    # Each member's 20 best possible parents: on 2,000 synthetic documents the trees are the same as
    # with every pair (5 or 10 change some), in a third of the time.
    by_target = order[np.argsort(target[order], kind="stable")]
    first = np.searchsorted(target[by_target], target[by_target], side="left")
    place = np.empty(len(order), dtype=np.int64)
    place[by_target] = np.arange(len(order)) - first
    order = order[place[order] < _PARENTS_CONSIDERED]
    # Between otherwise equal roots the first in rank wins, by a margin below any real difference.
    prior = np.round(config.direction * ancestral, 9)
    prior = prior + (1e-10 * (size - rank) / size if jitter is None else jitter[2, :size])
    source = np.concatenate([source[order], np.full(size, size)])
    target = np.concatenate([target[order], np.arange(size)])
    weight = np.concatenate([weight[order], prior - ROOT_COST])
    incoming = maximum_arborescence(size + 1, size, source, target, weight)
    parent_of = np.where(source[incoming[:size]] < size, source[incoming[:size]], -1).astype(np.int64)
    if votes is not None and not dated.all():
        parent_of = _reroot(parent_of, i, j, forward, backward, prior, dated, late[0] | late[1], votes)
    return parent_of


def _replicate_votes(wording: Wording | None, seed: int, replicate: int) -> Callable[[int, int], float] | None:
    """Word votes with each swap reweighted by a Poisson(1) count from its words, as the shingles are."""
    if wording is None:
        return None

    def votes(older: int, newer: int) -> float:
        signs, keys = wording.swaps(older, newer)
        return float(signs @ poisson_weights(keys, seed, replicate))

    return votes


def _reroot(
    parent_of: npt.NDArray[np.int64],
    i: npt.NDArray[np.int64],
    j: npt.NDArray[np.int64],
    forward: npt.NDArray[np.float64],
    backward: npt.NDArray[np.float64],
    prior: npt.NDArray[np.float64],
    dated: npt.NDArray[np.bool_],
    ordered: npt.NDArray[np.bool_],
    votes: Callable[[int, int], float],
) -> npt.NDArray[np.int64]:
    """The same tree, rooted at the member where its edge weights, root prior and word votes sum highest.

    Drift says which side of an edge holds more of the family, not which came
    first, so an undated root drifts to the tree's centre; the words a rewrite
    swaps say which came first. Only the root moves (the tree's edges stay),
    and never across a pair whose dates differ, however many words vote.
    """
    size = len(parent_of)
    # Each tree edge's weight down (parent to child) and up, looked up among both directions of every pair.
    keys = np.concatenate([i * size + j, j * size + i])
    by_key = np.argsort(keys)
    below = np.flatnonzero(parent_of >= 0)
    down_at = by_key[np.searchsorted(keys, parent_of[below] * size + below, sorter=by_key)]
    up_at = by_key[np.searchsorted(keys, below * size + parent_of[below], sorter=by_key)]
    both = np.concatenate([forward, backward])
    weights = dict(zip(below.tolist(), zip(both[down_at].tolist(), both[up_at].tolist(),
                                            np.concatenate([dated, dated])[down_at].tolist(),
                                            np.concatenate([ordered, ordered])[down_at].tolist())))
    children: list[list[int]] = [[] for _ in range(size)]
    for node, parent in enumerate(parent_of.tolist()):
        if parent >= 0:
            children[parent].append(node)
    root = int(np.flatnonzero(parent_of < 0)[0])
    # Moving the root from a parent to its child turns one edge round and swaps the two members' priors.
    score = np.zeros(size)
    score[root] = prior[root]
    stack = [root]
    while stack:
        parent = stack.pop()
        for node in children[parent]:
            down, up, both_dated, dates_differ = weights[node]
            if dates_differ:
                score[node] = -np.inf  # and so below it
            else:
                net = 0.0 if both_dated else votes(parent, node)
                score[node] = score[parent] - prior[parent] + prior[node] + up - down - 2 * _WORDING * net
            stack.append(node)
    best = int(np.argmax(score))
    if score[best] <= score[root] + 1e-9:  # the arborescence's own root, unless the words say otherwise
        return parent_of
    parent_of = parent_of.copy()
    previous, node = -1, best
    while node >= 0:
        parent_of[node], previous, node = previous, node, parent_of[node]
    return parent_of


def tie_rank(names: Sequence[str]) -> npt.NDArray[np.int64]:
    """Each member's place in the order of a hash of its name, the order in which exact ties are broken.

    Not the names' own order: corpora often number documents as they are
    written or crawled (``lineage synth`` does), so "first name wins" would
    quietly root a family at its oldest member (synthetic root attribution
    0.345 with creation-ordered ids, 0.329 with hashed ones).
    """
    keys = [(hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=8).digest(), name) for name in names]
    rank = np.empty(len(names), dtype=np.int64)
    rank[sorted(range(len(names)), key=keys.__getitem__)] = np.arange(len(names))
    return rank


def _date_order(dates: Sequence[str | None]) -> npt.NDArray[np.int64]:
    """Each member's rank among the distinct dates (equal dates share one), -1 if undated."""
    known = sorted({date for date in dates if date is not None})
    rank = {date: k for k, date in enumerate(known)}
    return np.array([rank.get(date, -1) if date is not None else -1 for date in dates], dtype=np.int64)


def _date_relation(parent: str | None, child: str | None) -> str:
    if parent is None or child is None:
        return "undated"
    if parent < child:
        return "parent earlier"
    return "same date" if parent == child else "parent later"
