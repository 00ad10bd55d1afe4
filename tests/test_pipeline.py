from __future__ import annotations

import csv
import io
import itertools
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from scipy.cluster.hierarchy import is_valid_linkage

import lineage
from conftest import ROOT
from lineage.cli import main
from lineage.config import AnalyzeConfig, ClusterConfig
from lineage.plots import dendrogram_figure
from test_plots import svg_text

FAMILY_A = ("a_heavy.txt", "a_light.txt", "a_light_2.txt", "a_template.txt")
FAMILY_B = ("b_light.txt", "b_template.txt")
# The planted parent of each rewrite (tests/data/planted_truth.md), as undirected edges.
TRUE_EDGES = {
    frozenset(("a_template.txt", "a_light.txt")),
    frozenset(("a_light.txt", "a_light_2.txt")),
    frozenset(("a_template.txt", "a_heavy.txt")),
    frozenset(("b_template.txt", "b_light.txt")),
}


def test_planted_lineage_is_recovered_whole(planted):
    report = lineage.analyze([planted])
    assert [family.members for family in report.families] == [FAMILY_A, FAMILY_B]
    assert {doc.id: doc.family for doc in report.documents if doc.family} == {
        **{member: "F1" for member in FAMILY_A}, **{member: "F2" for member in FAMILY_B}}
    # Every reported pair lies inside a family: boilerplate and the hard negative pair with nothing.
    expected_pairs = {frozenset(p) for family in (FAMILY_A, FAMILY_B) for p in itertools.combinations(family, 2)}
    assert {frozenset((p.a, p.b)) for p in report.pairs} == expected_pairs
    tree_edges = {frozenset((e.parent, e.child)) for family in report.families for e in family.edges}
    assert tree_edges == TRUE_EDGES
    assert report.stats["boilerplate_shingles"] > 0


def test_without_the_boilerplate_filter_the_site_trap_links_unrelated_pages(planted):
    report = lineage.analyze([planted], max_df=1.0)
    family_of = {doc.id: doc.family for doc in report.documents}
    assert family_of["news_harbour.txt"] is not None
    assert family_of["news_harbour.txt"] == family_of["news_museum.txt"] == family_of["b_template.txt"]


@pytest.mark.parametrize("limit", [13, 8, 5])
def test_a_corpus_too_large_to_draw_is_drawn_as_its_families(planted, limit):
    """Documents as leaves while they fit; then only family members; then one leaf per family with its size."""
    config = AnalyzeConfig(cluster=ClusterConfig(dendrogram_max_docs=limit))
    tree = lineage.analyze([planted], config=config).dendrogram
    if limit == 13:
        assert len(tree.labels) == 13 and tree.sizes is None
    elif limit == 8:
        assert sorted(tree.labels) == sorted(FAMILY_A + FAMILY_B) and tree.sizes is None
        assert "not drawn: the 7 documents in no family" in tree.caption
    else:
        assert tree.labels == tree.families == ("F1", "F2") and tree.sizes == (4, 2)
        assert tree.caption == "All 2 families as leaves (6 of 13 documents); not drawn: the 7 documents in no family"
        assert is_valid_linkage(tree.linkage) and tree.linkage[0, 2] > 1.0 - config.cluster.family_threshold
        assert "F1  4 documents" in svg_text(dendrogram_figure(tree, config.cluster.family_threshold))


def test_demo_corpus_every_document_has_a_verified_pair(shanghai):
    report = lineage.analyze([shanghai])
    ids = [doc.id for doc in report.documents]
    assert ids == sorted(path.name for path in shanghai.glob("*.txt"))
    assert all(doc.status == "ok" for doc in report.documents)
    paired = {p.a for p in report.pairs} | {p.b for p in report.pairs}
    assert paired == set(ids)
    # Paraphrase-level rewrites: far below any near-duplicate threshold, found by the rare-shingle index.
    assert all(p.jaccard < 0.05 and p.found_by == "rare" for p in report.pairs)
    closest = report.pairs[0]
    assert {closest.a[:3], closest.b[:3]} == {"003", "004"}
    assert report.dendrogram is not None and len(report.dendrogram.labels) == 5


def test_same_input_and_seed_give_a_byte_identical_report(planted, tmp_path):
    first = lineage.analyze([planted], seed=7).write(tmp_path / "one")
    second = lineage.analyze([planted], seed=7).write(tmp_path / "two")
    for one, two in zip(first, second):
        assert one.read_bytes() == two.read_bytes(), one.name


def test_committed_demo_report_is_what_the_readme_command_makes(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r"&& lineage (analyze corpus/shanghai .*)", readme).group(1).split()
    command[command.index("-o") + 1] = str(tmp_path / "demo")
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    for name in ("report.json", "report.md", "pairs.csv", "phrases.csv", "lineage.nwk", "report.html"):
        committed = (ROOT / "reports" / "shanghai" / name).read_text(encoding="utf-8")
        made = (tmp_path / "demo" / name).read_text(encoding="utf-8")
        assert made == committed, f"regenerate reports/shanghai with the README command ({name})"


def test_short_and_skipped_documents_are_accounted_for(tmp_path):
    (tmp_path / "short.txt").write_text("hello world", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "doc.txt").write_text("one two three four five", encoding="utf-8")
    report = lineage.analyze([tmp_path])
    records = {doc.id: doc for doc in report.documents}
    assert records["short.txt"].status == "skipped"
    assert records["short.txt"].reason == "too short: 2 tokens, word:3 shingles need at least 3"
    assert records["empty.txt"].reason == "empty"
    assert records["doc.txt"].status == "ok" and records["doc.txt"].shingles == 3
    assert report.stats["skipped_by_reason"] == {"empty": 1, "too short": 1}


def test_report_json_has_the_documented_keys(planted, tmp_path):
    lineage.analyze([planted]).write(tmp_path)
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert {"version", "parameters", "documents", "pairs", "families", "tree"} <= set(data)
    assert {"id", "source", "status", "reason", "chars", "shingles", "family"} <= set(data["documents"][0])
    assert {"a", "b", "jaccard", "containment_a", "containment_b", "shared_shingles"} <= set(data["pairs"][0])
    assert {"id", "members"} <= set(data["families"][0])
    assert {"parent", "child", "score"} <= set(data["tree"]["edges"][0])
    assert data["tree"]["newick"].endswith(";")
    with (tmp_path / "pairs.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["a"], r["b"]) for r in rows] == [(p["a"], p["b"]) for p in data["pairs"]]


def test_jsonl_and_directories_mix(planted, tmp_path):
    lines = [json.dumps({"id": path.name, "text": path.read_text(encoding="utf-8")})
             for path in sorted(planted.glob("a_*.txt"))]
    (tmp_path / "family_a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = lineage.analyze([tmp_path / "family_a.jsonl"])
    assert [family.members for family in report.families] == [FAMILY_A]


def test_clough_families_reach_the_target_adjusted_rand_index(clough):
    metrics = pytest.importorskip("sklearn.metrics")
    with (clough / "labels.csv").open(encoding="utf-8") as handle:
        labels = {row["file"]: row for row in csv.DictReader(handle)}
    report = lineage.analyze([clough / "texts"])
    family_of = {doc.id: doc.family or doc.id for doc in report.documents}
    names = sorted(labels)
    truth = [name if labels[name]["category"] == "non" else labels[name]["task"] for name in names]
    assert metrics.adjusted_rand_score(truth, [family_of[name] for name in names]) >= 0.9


def test_newick_is_read_by_bio_phylo_with_every_document_a_leaf(planted):
    phylo = pytest.importorskip("Bio.Phylo")
    report = lineage.analyze([planted])
    tree = phylo.read(io.StringIO(report.newick), "newick")
    assert sorted(leaf.name for leaf in tree.get_terminals()) == sorted(doc.id for doc in report.documents)
    assert all(clade.name is None for clade in tree.get_nonterminals())  # supports are confidences, not names
    assert all(0 <= clade.confidence <= 100 for clade in tree.get_nonterminals() if clade.confidence is not None)
    for family in report.families:
        for edge in family.edges:
            assert tree.distance(edge.parent, edge.child) == pytest.approx(1.0 - edge.score, abs=1e-6)


def test_newick_quotes_ids_that_need_it():
    from lineage.tree import newick
    from lineage.types import Family, TreeEdge

    family = Family("F1", ("a (1).txt", "it's", "17"), "17",
                    (TreeEdge("17", "a (1).txt", 0.5), TreeEdge("17", "it's", 0.25)))
    assert newick([family], ["x,y"]) == "((17:0,'a (1).txt':0.5,'it''s':0.75),'x,y');"


def test_each_document_keeps_its_closest_pairs_and_no_more(shanghai):
    report = lineage.analyze(shanghai, neighbours=1)  # a single path needs no list
    assert {frozenset((p.a[:3], p.b[:3])) for p in report.pairs} == {
        frozenset(pair) for pair in (("003", "004"), ("001", "003"), ("000", "002"), ("001", "002"))}
    # With the spam keywords in the shingles, 000 looks closest to 004: the keywords, not the text, tie them.
    spammed = lineage.analyze(shanghai, neighbours=1, keep_injections=True)
    assert {frozenset((p.a[:3], p.b[:3])) for p in spammed.pairs} == {
        frozenset(pair) for pair in (("003", "004"), ("001", "003"), ("000", "004"), ("001", "002"))}


def test_options_come_from_keywords_or_a_config_not_both(shanghai):
    config = lineage.AnalyzeConfig(cluster=lineage.ClusterConfig(family_threshold=0.02))
    assert lineage.analyze(shanghai, config=config).config.cluster.family_threshold == 0.02
    assert lineage.analyze(shanghai, family_threshold=0.02).config == config
    with pytest.raises(lineage.ConfigError, match=r"not both \(got family_threshold, shingle\)"):
        lineage.analyze(shanghai, config=config, shingle="char:5", family_threshold=0.3)


def test_report_json_is_one_line_per_item_and_parses_back():
    from lineage.report import json_text

    value = {"a": [], "b": {}, "c": [1, 2], "d": [{"x": "上海\n", "y": None}], "e": {"f": [[1, 2]], "g": 0.5}}
    text = json_text(value)
    assert json.loads(text) == value
    assert '\n    {"x": "上海\\n", "y": null}\n' in text  # list items compact, one per line, unescaped CJK
    assert json.loads((Path(__file__).parent.parent / "reports/shanghai/report.json").read_text("utf-8"))


def test_report_json_is_written_in_pieces_from_iterators_as_from_lists():
    from lineage.report import json_chunks, json_text

    rows = [{"k": n, "text": "上海" * n} for n in range(3)]
    value = {"rows": rows, "empty": [], "scalars": [1, 2], "nested": {"rows": rows}}
    streamed = {"rows": iter(rows), "empty": iter([]), "scalars": iter([1, 2]), "nested": {"rows": iter(rows)}}
    pieces = list(json_chunks(streamed))
    assert "".join(pieces) == json_text(value)
    assert any(piece.strip(",\n ") == json.dumps(rows[1], ensure_ascii=False) for piece in pieces)  # one item a piece


def test_report_md_stays_readable_for_many_large_families(shanghai):
    from dataclasses import replace

    from lineage.report import markdown

    report = lineage.analyze(shanghai, family_threshold=0.02)
    [family] = report.families
    edges = family.edges * 60  # 240 edges: more than a family shows
    many = tuple(replace(family, id=f"F{number}", edges=edges, template=family.template * 10)
                 for number in range(1, 61))
    text = markdown(replace(report, families=many))
    assert text.count("\n### F") == 50
    assert "- … 40 more edges in `report.json` (`tree.edges`) and `lineage.nwk`" in text
    assert "The other 10 families, with their templates and trees in `report.json`:" in text
    assert f"| F60 | {len(family.members)} | `{family.root}` |" in text
    assert f"({len(family.template) * 10:,} characters in report.json)" in text
    assert len(text) < 60 * 50_000


def test_a_dated_family_is_not_worded_because_another_family_has_no_dates(tmp_path):
    import random

    rng = random.Random(3)
    vocabulary = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9)))
                  for _ in range(3000)]

    def family(prefix: str, dated: bool, size: int = 3) -> dict[str, str]:
        base = [rng.choice(vocabulary) for _ in range(300)]
        texts = {}
        for k in range(size):
            words = [word if rng.random() > 0.05 else rng.choice(vocabulary) for word in base]
            head = f"Published 2020-01-0{k + 1}\n" if dated else ""
            texts[f"{prefix}{k}"] = head + " ".join(word + ("." if n % 12 == 11 else "") for n, word in enumerate(words))
        return texts

    dated, undated = family("dated", True), family("undated", False)
    for name, text in {**dated, **undated}.items():
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    by_root = {family.root[:-5]: family for family in lineage.analyze(tmp_path).families}
    assert {edge.evidence["word_votes"] for edge in by_root["dated"].edges} == {None}
    assert all(isinstance(edge.evidence["word_votes"], int) for edge in by_root["undated"].edges)
