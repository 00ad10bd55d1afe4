from __future__ import annotations

import io
import sys

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage

from lineage.plots import dendrogram_figure
from lineage.types import Dendrogram


def random_tree(n: int) -> Dendrogram:
    rng = np.random.default_rng(n)
    points = rng.random((n, 3))
    labels = tuple(f"{k:03d}_{rng.integers(16**12):012x}.txt" for k in range(n))
    tree = linkage(points, method="average")
    tree[:, 2] /= tree[:, 2].max() * 1.01  # distances in [0, 1), as 1 - score
    families = tuple(f"F{k % 7 + 1}" if k % 3 else None for k in range(n))
    return Dendrogram(labels, tree, f"All {n} documents", families)


def svg_text(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    return buffer.getvalue()


@pytest.mark.parametrize("n", [5, 200])
def test_every_document_label_is_drawn_on_its_own_readable_row(n):
    tree = random_tree(n)
    figure = dendrogram_figure(tree, family_threshold=0.1)
    svg = svg_text(figure)
    assert all(label in svg for label in tree.labels)
    [axes] = figure.axes
    labels = axes.get_yticklabels()
    assert len(labels) == n
    font_points = labels[0].get_fontsize()
    assert font_points >= 6
    row_points = figure.get_figheight() * 72 / n
    assert row_points >= 1.4 * font_points  # rows never overlap


def test_long_labels_are_shortened_in_the_middle():
    tree = Dendrogram(("a" * 30 + "MIDDLE" + "z" * 30, "short.txt"), np.array([[0, 1, 0.5, 2]]), "two", (None, None))
    [axes] = dendrogram_figure(tree, 0.1).axes
    shown = [label.get_text() for label in axes.get_yticklabels()]
    assert "short.txt" in shown
    assert any(text.startswith("aaa") and text.endswith("zzz") and "…" in text for text in shown)


def test_fewer_than_two_documents_draw_a_note_not_an_error():
    assert "Nothing to cluster (0 documents)" in svg_text(dendrogram_figure(None, 0.1))
    single = Dendrogram(("only.txt",), np.zeros((0, 4)), "one", (None,))
    assert "only.txt" in svg_text(dendrogram_figure(single, 0.1))


def test_plotting_leaves_pyplot_alone():
    dendrogram_figure(random_tree(5), 0.1)
    assert "matplotlib.pyplot" not in sys.modules or sys.modules["matplotlib.pyplot"].get_fignums() == []


def test_family_members_share_a_colour_and_carry_the_family_id():
    # Two families whose members merge first, and a document in none.
    tree = Dendrogram(("a1", "a2", "b1", "b2", "loner"),
                      np.array([[0, 1, 0.2, 2], [2, 3, 0.3, 2], [5, 6, 0.8, 4], [4, 7, 0.95, 5]]),
                      "five", ("F1", "F1", "F2", "F2", None))
    [axes] = dendrogram_figure(tree, 0.1).axes
    colour = {tick.label2.get_text(): tick.label2.get_color() for tick in axes.yaxis.get_major_ticks()}
    assert colour["a1  [F1]"] == colour["a2  [F1]"] != colour["b1  [F2]"] == colour["b2  [F2]"]
    assert colour["loner"] not in (colour["a1  [F1]"], colour["b1  [F2]"])
    link_colours = {line.get_color() for line in axes.get_lines()[:4]}
    assert {colour["a1  [F1]"], colour["b1  [F2]"]} <= link_colours
