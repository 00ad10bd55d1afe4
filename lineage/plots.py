"""Figures of lineage results. Functions return matplotlib Figures and touch no global state."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator
from matplotlib.transforms import offset_copy
from scipy.cluster.hierarchy import dendrogram

from lineage.types import Dendrogram, Family, TreeEdge

_MAX_LABEL_CHARS = 48
_OTHER_COLOUR = "#9a9a9a"
# Family colours: matplotlib's tab10 without its grey, which is kept for links across families.
_FAMILY_COLOURS = ("#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#1f77b4", "#bcbd22", "#17becf")
_THRESHOLD_COLOUR = "#c0392b"
_SCORE_TICKS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
_SCORE_MEANING = "share of the smaller document's shingles found in the other"
_SUPPORT_SHOWN_ABOVE = 60  # leaves; above it, clade support is written only inside families
_MAX_LINEAGE_DOCUMENTS = 200


def dendrogram_figure(tree: Dendrogram | None, family_threshold: float) -> Figure:
    """Horizontal dendrogram: one labelled row per document, merge score on a log axis.

    Rewrites of one template may share 1% of their shingles and copies 90%,
    so the score axis is logarithmic; leaves sit at score 1 on the right.
    Each family has a colour: its members' labels (tagged with the family id)
    and the links joining only its members are drawn in it; links across
    families are grey. The family threshold is a dashed line. Row spacing
    follows the font so that labels stay readable from a handful of documents
    to a few hundred.
    """
    n_leaves = 0 if tree is None else len(tree.labels)
    font_size = 9 if n_leaves <= 40 else 7 if n_leaves <= 120 else 6
    labels = [] if tree is None else _leaf_labels(tree)
    longest = max((len(label) for label in labels), default=10)
    width = 7.0 + longest * font_size / 72 * 0.62
    height = max(2.8, n_leaves * font_size / 72 * 1.7 + 1.6)
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.add_subplot()
    if tree is None or n_leaves < 2:
        only = f": {tree.labels[0]}" if tree is not None and n_leaves == 1 else ""
        noun = "document" if n_leaves == 1 else "documents"
        axes.text(0.5, 0.5, f"Nothing to cluster ({n_leaves} {noun}{only})", ha="center", va="center")
        axes.set_axis_off()
        return figure

    colour_of = _family_colours(tree.families)
    link_family = _link_families(tree.linkage, tree.families)
    layout = dendrogram(
        tree.linkage,
        labels=labels,
        no_plot=True,
        link_color_func=lambda link: colour_of.get(link_family[link], _OTHER_COLOUR),
    )
    merge_scores = 1.0 - tree.linkage[:, 2]
    floor = _axis_floor(min(float(merge_scores.min()), family_threshold))  # the threshold line is on the axis
    for ys, distances, colour in zip(layout["icoord"], layout["dcoord"], layout["color_list"]):
        scores = np.maximum(1.0 - np.asarray(distances), floor)
        axes.plot(scores, ys, color=colour, linewidth=1.1, solid_capstyle="butt")

    axes.set_xscale("log")
    axes.set_xlim(floor, 1.0)
    axes.xaxis.set_major_locator(FixedLocator([tick for tick in _SCORE_TICKS if tick >= floor]))
    axes.xaxis.set_minor_locator(NullLocator())
    axes.xaxis.set_major_formatter(lambda value, _: f"{value:g}")
    axes.set_ylim(0.0, 10.0 * n_leaves)
    axes.set_yticks(5.0 + 10.0 * np.arange(n_leaves), layout["ivl"], fontsize=font_size)
    axes.yaxis.tick_right()
    for tick, leaf in zip(axes.yaxis.get_major_ticks(), layout["leaves"]):
        tick.label2.set_color(colour_of.get(tree.families[leaf], "#333333"))
    axes.tick_params(axis="y", length=0, pad=4)
    axes.axvline(family_threshold, color=_THRESHOLD_COLOUR, linestyle="--", linewidth=0.8)
    axes.annotate(f"family threshold {family_threshold:g}", (family_threshold, 0.0), xycoords=("data", "axes fraction"),
                  xytext=(3, 3), textcoords="offset points", color=_THRESHOLD_COLOUR, fontsize=7)
    if tree.support is not None:
        _write_clade_support(axes, tree, tree.support, layout["leaves"], link_family, floor, font_size)
    numbers = "\nnumbers: bootstrap support of each clade (%)" if tree.support is not None else ""
    # Wrapped to the axes' width (the figure less the labels), or a long one leaves the layout no room.
    axis_chars = max(40, int((width - longest * font_size / 72 * 0.62 - 1.0) * 72 / (8 * 0.5)))
    axes.set_xlabel(textwrap.fill(f"merge score (average linkage; score = {_SCORE_MEANING})", axis_chars) + numbers,
                    fontsize=8)
    title_chars = max(40, int(width * 72 / 10 * 1.6))
    axes.set_title(textwrap.fill(f"{tree.caption}; average linkage", title_chars), fontsize=10, loc="left")
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    return figure


def _write_clade_support(axes: Axes, tree: Dendrogram, support: npt.NDArray[np.float64], leaf_order: list[int],
                         link_family: dict[int, str | None], floor: float, font_size: int) -> None:
    """Write each merge's support above the branch entering its bar, as phylogenies do.

    scipy lists its drawn links in plotting order, not linkage order, so each
    merge's bar is placed again from the leaf rows: a bar joins its two
    children's centres, and its own centre is their midpoint.
    """
    n_leaves = len(tree.labels)
    centre = {leaf: 5.0 + 10.0 * row for row, leaf in enumerate(leaf_order)}
    at_point = offset_copy(axes.transData, fig=axes.figure, x=-1.5, y=1.0, units="points")
    for step, (left, right, distance, size) in enumerate(tree.linkage):
        cluster = n_leaves + step
        centre[cluster] = (centre[int(left)] + centre[int(right)]) / 2.0
        every_document = size == n_leaves  # in every replicate: no news
        if every_document or np.isnan(support[step]) or (n_leaves > _SUPPORT_SHOWN_ABOVE
                                                          and link_family[cluster] is None):
            continue
        axes.text(max(1.0 - distance, floor), centre[cluster], f"{support[step] * 100:.0f}", transform=at_point,
                  ha="right", va="bottom", fontsize=max(5, font_size - 2), color="#444444")


def _leaf_labels(tree: Dendrogram) -> list[str]:
    """A document's name tagged with its family, or a family leaf's id and size."""
    if tree.sizes is not None:
        return [f"{label}  {size:,} documents" for label, size in zip(tree.labels, tree.sizes)]
    return [_leaf_label(label, family) for label, family in zip(tree.labels, tree.families)]


def _leaf_label(label: str, family: str | None) -> str:
    short = _short(label)
    return f"{short}  [{family}]" if family else short


def _family_colours(families: tuple[str | None, ...]) -> dict[str, str]:
    names = sorted({family for family in families if family}, key=lambda name: int(name.lstrip("F") or 0))
    return {name: _FAMILY_COLOURS[k % len(_FAMILY_COLOURS)] for k, name in enumerate(names)}


def _link_families(linkage: np.ndarray, families: tuple[str | None, ...]) -> dict[int, str | None]:
    """For each cluster index of the linkage, the family all its leaves share (None if they don't)."""
    family_of: dict[int, str | None] = dict(enumerate(families))
    n_leaves = len(families)
    for step, (left, right, _, _) in enumerate(linkage):
        left_family, right_family = family_of[int(left)], family_of[int(right)]
        family_of[n_leaves + step] = left_family if left_family is not None and left_family == right_family else None
    return family_of


def _axis_floor(lowest_score: float) -> float:
    """Left end of the log axis: a tick below the lowest merge; merges at score 0 sit on it."""
    below = [tick for tick in _SCORE_TICKS if tick < max(lowest_score, 1e-9)]
    return below[-1] if below else _SCORE_TICKS[0]


def _short(label: str) -> str:
    if len(label) <= _MAX_LABEL_CHARS:
        return label
    keep = _MAX_LABEL_CHARS - 1
    return label[: keep // 2] + "…" + label[-(keep - keep // 2) :]


def lineage_figure(families: Sequence[Family], *, max_documents: int = _MAX_LINEAGE_DOCUMENTS) -> Figure:
    """Each family's lineage tree, drawn left to right from its root, one row per document.

    x is the depth below the root. Every document has its own row, and a parent
    sits among its children's rows (half of them above, half below), so labels
    never collide, however deep or wide the tree. A branch's colour is its
    score on a log scale (rewrites of a template share a few percent, copies
    nearly all); the number on it is its bootstrap support (%). Families are
    stacked under headings; above ``max_documents`` documents in all, the
    largest families that fit are drawn and the title says what is not.
    """
    drawn = _largest_families(families, max_documents)
    layouts = [_tree_layout(family) for family in drawn]
    headings = [_heading(family) for family in drawn]
    n_rows = sum(len(layout.rows) + 2 for layout in layouts)
    font_size = 9 if n_rows <= 40 else 7 if n_rows <= 120 else 6
    depth = max((max(layout.depths.values()) for layout in layouts), default=0)
    step = max(1.6 * font_size, min(4.0 * font_size, 18 * 72 / max(depth, 1)))  # points per generation
    longest = max((len(_short(member)) for family in drawn for member in family.members), default=0)
    label_steps = (longest * 0.62 * font_size + 8) / step
    heading_points = max((len(heading) for heading in headings), default=0) * 0.62 * (font_size + 1)
    width = max(6.0, (max((depth + label_steps) * step, heading_points) + 40) / 72)
    height = max(2.4, n_rows * font_size / 72 * 1.7 + 1.7)
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.add_subplot()
    axes.set_axis_off()
    title = _lineage_title(families, drawn, max_documents)
    if not drawn:
        axes.text(0.5, 0.5, title, ha="center", va="center", wrap=True)
        return figure

    floor = _axis_floor(min((edge.score for family in drawn for edge in family.edges), default=1.0))
    colour_of = _family_colours(tuple(family.id for family in drawn))
    spines, branches = [], []
    top = 0
    for family, layout, heading in zip(drawn, layouts, headings):
        axes.text(-0.25, top, heading, va="center", fontsize=font_size + 1, fontweight="bold",
                  color=colour_of[family.id])
        family_spines, family_branches = _draw_tree(axes, family, layout, top + 1, font_size)
        spines += family_spines
        branches += family_branches
        top += len(layout.rows) + 2

    axes.add_collection(LineCollection(spines, colors="#b0b0b0", linewidths=1.0, zorder=1))
    scores = np.maximum([edge.score for family in drawn for edge in family.edges], floor)
    coloured = LineCollection(branches, array=scores, cmap=colormaps["viridis_r"], norm=LogNorm(floor, 1.0),
                              linewidths=2.2, capstyle="butt", zorder=2)
    axes.add_collection(coloured)
    axes.set_xlim(-0.3, depth + label_steps)
    axes.set_ylim(top - 1.5, -0.7)
    colourbar = figure.colorbar(coloured, ax=axes, location="top", shrink=min(0.6, 4.5 / width), aspect=30, pad=0.01)
    colourbar.set_ticks([tick for tick in _SCORE_TICKS if tick >= floor])
    colourbar.ax.xaxis.set_minor_locator(NullLocator())
    colourbar.ax.xaxis.set_major_formatter(lambda value, _: f"{value:g}")
    colourbar.ax.tick_params(labelsize=7)
    colourbar.set_label(f"branch score ({_SCORE_MEANING}; log scale)", fontsize=8)
    title_chars = max(40, int(width * 72 / 10 * 1.6))
    figure.suptitle("\n".join(textwrap.fill(line, title_chars) for line in title.splitlines()), fontsize=10, x=0.02,
                    ha="left")
    return figure


def _largest_families(families: Sequence[Family], max_documents: int) -> list[Family]:
    """Largest first, the families that fit in ``max_documents`` documents together, in their given order."""
    chosen, documents = [], 0
    for k in sorted(range(len(families)), key=lambda k: -len(families[k].members)):
        if documents + len(families[k].members) <= max_documents:
            documents += len(families[k].members)
            chosen.append(k)
    return [families[k] for k in sorted(chosen)]


_Segment = tuple[tuple[float, float], tuple[float, float]]


def _draw_tree(
    axes: Axes, family: Family, layout: _TreeLayout, top: int, font_size: int
) -> tuple[list[_Segment], list[_Segment]]:
    """Draw the documents and support numbers of a family from row ``top`` down.

    Returns the vertical spines joining each parent to its children's rows, and
    the branches (one per edge, in the family's edge order) into each child.
    """
    row_of = {member: top + row for member, row in layout.rows.items()}
    x_of = layout.depths
    spines = []
    for parent, children in layout.children.items():
        rows = [row_of[parent]] + [row_of[edge.child] for edge in children]
        spines.append(((x_of[parent], min(rows)), (x_of[parent], max(rows))))
    branches = []
    for edge in family.edges:
        x_parent, x_child, y = x_of[edge.parent], x_of[edge.child], row_of[edge.child]
        branches.append(((x_parent, y), (x_child, y)))
        if edge.support is not None:
            axes.text((x_parent + x_child) / 2, y, f"{edge.support * 100:.0f}", ha="center", va="center",
                      fontsize=max(5, font_size - 2), color="#333333", zorder=3,
                      bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"})
    for is_root in (False, True):
        members = [member for member in row_of if (member == family.root) == is_root]
        axes.plot([x_of[m] for m in members], [row_of[m] for m in members], linestyle="none", color="#333333",
                  marker="s" if is_root else "o", markersize=4.5 if is_root else 3.5, zorder=3)
    beside = offset_copy(axes.transData, fig=axes.figure, x=5.0, units="points")
    for member, y in row_of.items():
        axes.text(x_of[member], y, _short(member), transform=beside, va="center", fontsize=font_size,
                  fontweight="bold" if member == family.root else "normal")
    return spines, branches


@dataclass(frozen=True, slots=True)
class _TreeLayout:
    """Where a family's documents go: ``depths`` below the root and ``rows`` from 0 down."""

    depths: dict[str, int]
    rows: dict[str, int]
    children: dict[str, list[TreeEdge]]


def _tree_layout(family: Family) -> _TreeLayout:
    """Rows in order (first half of the children's subtrees, the parent, the rest): one document per row."""
    children: dict[str, list[TreeEdge]] = {}
    for edge in family.edges:
        children.setdefault(edge.parent, []).append(edge)
    has_parent = {edge.child for edge in family.edges}
    depths: dict[str, int] = {}
    rows: dict[str, int] = {}

    def place(member: str, depth: int) -> None:
        below = children.get(member, [])
        for edge in below[: len(below) // 2]:
            place(edge.child, depth + 1)
        depths[member], rows[member] = depth, len(rows)
        for edge in below[len(below) // 2 :]:
            place(edge.child, depth + 1)

    for root in [family.root] + [m for m in family.members if m != family.root and m not in has_parent]:
        place(root, 0)
    return _TreeLayout(depths, rows, children)


def _heading(family: Family) -> str:
    return f"{family.id}: {_count(len(family.members), 'document', 'documents')}, root {_short(family.root)}{family.root_note}"


def _lineage_title(families: Sequence[Family], drawn: list[Family], max_documents: int) -> str:
    if not families:
        return "No families: nothing to draw"
    if not drawn:
        largest = max(families, key=lambda family: len(family.members))
        return (f"Nothing drawn: every family is over the limit of {max_documents} documents (the largest, "
                f"{largest.id}, has {len(largest.members)}); the trees are in report.md and lineage.nwk")
    documents = sum(len(family.members) for family in drawn)
    title = f"Lineage trees of {_count(len(drawn), 'family', 'families')} ({documents} documents)"
    if len(drawn) < len(families):
        missing = sum(len(family.members) for family in families) - documents
        title += (f"; not drawn: {_count(len(families) - len(drawn), 'other family', 'other families')} "
                  f"({missing} documents), over the limit of {max_documents} documents")
    if any(edge.support is not None for family in drawn for edge in family.edges):
        title += "\nNumbers on branches: bootstrap support (%)"
    return title


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"
