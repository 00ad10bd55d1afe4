"""Figures of lineage results. Functions return matplotlib Figures and touch no global state."""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator
from scipy.cluster.hierarchy import dendrogram

from lineage.types import Dendrogram

_MAX_LABEL_CHARS = 48
_OTHER_COLOUR = "#9a9a9a"
# Family colours: matplotlib's tab10 without its grey, which is kept for links across families.
_FAMILY_COLOURS = ("#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#1f77b4", "#bcbd22", "#17becf")
_THRESHOLD_COLOUR = "#c0392b"
_SCORE_TICKS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)


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
    labels = [] if tree is None else [_leaf_label(label, family) for label, family in zip(tree.labels, tree.families)]
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
    floor = _axis_floor(float(merge_scores.min()))
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
    axes.set_xlabel("merge score (average linkage; score = share of the smaller document's shingles found in the other)",
                    fontsize=8)
    title_chars = max(40, int(width * 72 / 10 * 1.6))
    axes.set_title(textwrap.fill(f"{tree.caption}; average linkage", title_chars), fontsize=10, loc="left")
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    return figure


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
