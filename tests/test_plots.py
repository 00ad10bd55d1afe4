from __future__ import annotations

import io
import sys

import numpy as np
import pytest
from matplotlib.colors import LogNorm
from scipy.cluster.hierarchy import fcluster, linkage

from lineage.plots import dendrogram_figure, lineage_figure
from lineage.types import Dendrogram, Family, TreeEdge


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
    lineage_figure([star("F1", 4)])
    lineage_figure([])
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


def test_clade_support_sits_at_its_own_merge_whatever_scipy_plots_first():
    # Linkage rows are not in plotting order: row 0 joins d and e, row 1 joins a and b.
    tree = Dendrogram(("a", "b", "c", "d", "e"),
                      np.array([[3, 4, 0.1, 2], [0, 1, 0.2, 2], [2, 5, 0.4, 3], [6, 7, 0.7, 5]]),
                      "five", (None,) * 5, support=np.array([0.91, 0.52, 0.77, 1.0]))
    figure = dendrogram_figure(tree, 0.1)
    [axes] = figure.axes
    row = {tick.get_text(): tick.get_position()[1] for tick in axes.get_yticklabels()}
    merge_row = {0: (row["d"] + row["e"]) / 2, 1: (row["a"] + row["b"]) / 2}
    merge_row[2] = (row["c"] + merge_row[0]) / 2
    numbers = {text.get_text(): text.get_position() for text in axes.texts if text.get_text().isdigit()}
    assert set(numbers) == {"91", "52", "77"}  # the clade of all documents is always 100%
    for merge, number in enumerate(("91", "52", "77")):
        assert numbers[number] == pytest.approx((1.0 - tree.linkage[merge, 2], merge_row[merge]))
    assert "bootstrap support" in axes.get_xlabel()


def test_above_sixty_documents_clade_support_is_written_only_inside_families():
    points = np.random.default_rng(1).random((80, 3))
    tree = linkage(points, method="average")
    tree[:, 2] /= tree[:, 2].max() * 1.01
    clusters = fcluster(tree, 10, criterion="maxclust")
    families = tuple(f"F{cluster}" if cluster % 2 else None for cluster in clusters)
    below = [{leaf} for leaf in range(80)]
    for left, right, _, _ in tree:
        below.append(below[int(left)] | below[int(right)])
    inside = [merge for merge in below[80:] if len({families[leaf] for leaf in merge}) == 1 and families[min(merge)]]
    assert 0 < len(inside) < 79
    drawn = Dendrogram(tuple(f"d{k}" for k in range(80)), tree, "80", families, support=np.full(79, 0.5))
    [axes] = dendrogram_figure(drawn, 0.1).axes
    assert sum(text.get_text() == "50" for text in axes.texts) == len(inside)


def family(family_id: str, edges: list[tuple[str, str]], support: float | None = 0.8) -> Family:
    members = tuple(dict.fromkeys([edges[0][0]] + [child for _, child in edges])) if edges else (family_id,)
    tree_edges = tuple(TreeEdge(parent, child, 0.05, support) for parent, child in edges)
    return Family(family_id, members, members[0], tree_edges, root_support=0.82)


def chain(family_id: str, n: int) -> Family:
    return family(family_id, [(f"{family_id}-{k}.txt", f"{family_id}-{k + 1}.txt") for k in range(n - 1)])


def star(family_id: str, n: int) -> Family:
    return family(family_id, [(f"{family_id}-0.txt", f"{family_id}-{k}.txt") for k in range(1, n)])


def binary(family_id: str, n: int) -> Family:
    return family(family_id, [(f"{family_id}-{(k - 1) // 2}.txt", f"{family_id}-{k}.txt") for k in range(1, n)])


def member_positions(figure) -> dict[str, tuple[float, float]]:
    [axes] = [axes for axes in figure.axes if axes.get_label() != "<colorbar>"]
    return {text.get_text(): text.get_position() for text in axes.texts if text.get_text().endswith(".txt")}


@pytest.mark.parametrize("families", [
    [chain("F1", 6)],
    [star("F1", 7)],
    [binary("F1", 12), chain("F2", 3), star("F3", 4)],
], ids=["chain", "star", "several"])
def test_lineage_tree_gives_each_document_a_row_and_puts_children_right_of_parents(families):
    figure = lineage_figure(families)
    svg = svg_text(figure)
    position = member_positions(figure)
    members = [member for family in families for member in family.members]
    assert all(member in svg for member in members)
    assert sorted(position) == sorted(members)
    rows = [y for _, y in position.values()]
    assert len(set(rows)) == len(rows)
    for family in families:
        assert position[family.root][0] == 0
        for edge in family.edges:
            assert position[edge.child][0] > position[edge.parent][0]
        for parent in {edge.parent for edge in family.edges}:
            child_rows = [position[edge.child][1] for edge in family.edges if edge.parent == parent]
            if len(child_rows) > 1:  # a parent sits among its children
                assert min(child_rows) < position[parent][1] < max(child_rows)


def test_families_are_stacked_under_their_headings():
    families = [chain("F1", 3), star("F2", 4)]
    figure = lineage_figure(families)
    [axes] = [axes for axes in figure.axes if axes.get_label() != "<colorbar>"]
    heading = {text.get_text(): text.get_position()[1] for text in axes.texts if text.get_text().startswith("F")}
    first = "F1: 3 documents, root F1-0.txt (support 0.82)"
    second = "F2: 4 documents, root F2-0.txt (support 0.82)"
    assert set(heading) >= {first, second}
    rows = {member: y for member, (_, y) in member_positions(figure).items()}
    assert heading[first] < min(rows[m] for m in families[0].members) <= max(rows[m] for m in families[0].members)
    assert max(rows[m] for m in families[0].members) < heading[second] < min(rows[m] for m in families[1].members)


def test_branches_carry_their_support_in_percent_and_nothing_without_it():
    with_support = family("F1", [("a.txt", "b.txt"), ("a.txt", "c.txt")], support=0.834)
    without = family("F2", [("d.txt", "e.txt")], support=None)
    figure = lineage_figure([with_support, without])
    [axes] = [axes for axes in figure.axes if axes.get_label() != "<colorbar>"]
    numbers = [text for text in axes.texts if text.get_text().isdigit()]
    assert [text.get_text() for text in numbers] == ["83", "83"]
    position = member_positions(figure)
    for text, child in zip(numbers, ("b.txt", "c.txt")):
        x, y = text.get_position()
        assert y == position[child][1] and position["a.txt"][0] < x < position[child][0]
    assert "bootstrap support" in figure.get_suptitle()
    assert "bootstrap" not in lineage_figure([without]).get_suptitle()


def test_branch_colours_follow_the_score_on_a_log_scale():
    edges = (TreeEdge("a.txt", "b.txt", 0.01), TreeEdge("a.txt", "c.txt", 0.1), TreeEdge("a.txt", "d.txt", 1.0))
    figure = lineage_figure([Family("F1", ("a.txt", "b.txt", "c.txt", "d.txt"), "a.txt", edges)])
    [branches] = [collection for collection in figure.axes[0].collections if collection.get_array() is not None]
    assert isinstance(branches.norm, LogNorm)
    assert list(branches.get_array()) == [0.01, 0.1, 1.0]
    assert "score" in figure.axes[-1].get_xlabel()  # the colourbar says what the colour is


def test_beyond_the_limit_the_largest_families_are_drawn_and_the_title_says_what_is_not():
    families = [star("F1", 3), chain("F2", 120), binary("F3", 70), star("F4", 30), chain("F5", 2)]
    figure = lineage_figure(families)
    drawn = set(member_positions(figure))
    # F2 and F3 take 190 documents; the next largest, F4 (30), does not fit, the smaller F1 and F5 do.
    assert drawn == set().union(*(families[k].members for k in (0, 1, 2, 4)))
    assert "not drawn: 1 other family (30 documents), over the limit of 200 documents" in figure.get_suptitle()
    font_points = max(text.get_fontsize() for text in figure.axes[0].texts)
    assert font_points >= 6
    assert figure.get_figheight() * 72 / (len(drawn) + 2 * 2) >= 1.4 * font_points  # rows never overlap


def test_a_family_over_the_limit_on_its_own_is_named_not_drawn():
    [note] = lineage_figure([chain("F1", 8)], max_documents=5).axes[0].texts
    assert note.get_text() == ("Nothing drawn: every family is over the limit of 5 documents (the largest, F1, "
                               "has 8); the trees are in report.md and lineage.nwk")


def test_no_families_draw_a_note_not_an_error():
    assert "No families: nothing to draw" in svg_text(lineage_figure([]))


def test_long_document_names_are_shortened_in_lineage_trees():
    long_name = "a" * 30 + "MIDDLE" + "z" * 30
    shown = set(member_positions(lineage_figure([family("F1", [("a.txt", long_name + ".txt")])])))
    assert "a.txt" in shown and long_name + ".txt" not in shown
    assert any(text.startswith("aaa") and "…" in text for text in shown)


def test_long_names_and_a_threshold_below_every_merge_still_lay_out(recwarn):
    # Two close documents with long path names: the family threshold (0.1) lies left of their merge (0.7).
    names = tuple(f"/srv/crawls/2025/shard-{k}/very/long/path/to/some/page/number-{k}.txt" for k in range(2))
    tree = Dendrogram(names, np.array([[0.0, 1.0, 0.3, 2.0]]), "All 2 documents", ("F1", "F1"), np.array([0.9]))
    figure = dendrogram_figure(tree, family_threshold=0.1)
    svg = svg_text(figure)
    assert not [warning for warning in recwarn if "layout" in str(warning.message)]  # matplotlib gave up before
    [axes] = figure.axes
    assert axes.get_xlim()[0] <= 0.1 and "family threshold 0.1" in svg
