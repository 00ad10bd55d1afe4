"""A tiny run of every benchmark script, so that they cannot rot: seconds, not minutes."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from lineage.types import Family, TreeEdge

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(autouse=True)
def benchmarks_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))


def run(name: str, tmp_path: Path, *args: str) -> dict:
    module = importlib.import_module(name)
    out = tmp_path / f"{name}.json"
    assert module.main([*args, "--json", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_signature_throughput_measures_every_tool_and_the_ratios(tmp_path, monkeypatch):
    monkeypatch.setattr("os.sched_setaffinity", lambda pid, cpus: None, raising=False)  # leave pytest's cores alone
    results = run("signatures", tmp_path, "--docs", "60", "--slow-docs", "10", "--rounds", "2",
                  "--tools", "lineage", "datasketch update", "datasketch bulk", "python floor")
    rates = results["docs_per_second"]
    assert set(rates) == {"lineage", "datasketch update", "datasketch bulk", "python floor"}
    assert all(len(rate["rounds"]) == 2 and rate["median"] > 0 for rate in rates.values())
    assert set(results["lineage_ratio"]) == {"datasketch update", "datasketch bulk", "python floor"}
    assert results["shingle"] == "word:5" and results["num_perm"] == 128


def test_lsh_quality_finds_the_true_pairs_of_a_small_corpus(tmp_path):
    results = run("lsh_quality", tmp_path, "--docs", "300")
    for threshold, figures in results["thresholds"].items():
        assert figures["lineage"]["bands"] * figures["lineage"]["rows"] <= 128
        if figures["true_pairs"]:
            assert figures["lineage"]["recall"] >= 0.9, threshold


def test_exact_pairs_equal_brute_force(tmp_path):
    import numpy as np
    from lsh_quality import exact_pairs
    from scipy import sparse

    rng = np.random.default_rng(5)
    base = rng.integers(0, 60, size=(40, 25))
    rows = [set(row.tolist()) | set(rng.integers(0, 400, size=5).tolist()) for row in base[rng.integers(0, 8, 40)]]
    indptr = np.cumsum([0] + [len(row) for row in rows])
    indices = np.concatenate([sorted(row) for row in rows])
    matrix = sparse.csr_array((np.ones(len(indices), dtype=np.int32), indices, indptr), shape=(40, 400))
    pairs, jaccard = exact_pairs(matrix, 0.3)
    brute = {(i, j) for i in range(40) for j in range(i + 1, 40)
             if len(rows[i] & rows[j]) / len(rows[i] | rows[j]) >= 0.3}
    assert set(map(tuple, pairs.tolist())) == brute and len(brute) > 10


def test_end_to_end_times_analyze_and_draws_the_plot(tmp_path):
    results = run("end_to_end", tmp_path, "--sizes", "40", "80", "--repeats", "1", "--data", str(tmp_path / "data"),
                  "--plot", str(tmp_path / "e2e.png"))
    assert [row["docs"] for row in results["sizes"]] == [40, 80]
    assert all(row["seconds"] > 0 and row["peak_rss_bytes"] > 10 * 2**20 for row in results["sizes"])
    assert (tmp_path / "e2e.png").read_bytes().startswith(b"\x89PNG")


def test_synthetic_quality_scores_families_against_the_truth(tmp_path):
    results = run("synth_quality", tmp_path, "--docs", "300")
    assert results["documents"] == 300
    assert -1.0 <= results["ari"] <= 1.0 and results["ari"] > 0.5
    assert 0.0 <= results["parent_pairs_reported"] <= 1.0


def test_clough_quality_skips_cleanly_without_the_corpus(tmp_path, capsys):
    module = importlib.import_module("clough_quality")
    assert module.main([str(tmp_path / "absent")]) == 0
    assert "not found" in capsys.readouterr().err


def test_clough_tree_follows_parents_to_the_orig_and_names_why_a_path_misses(tmp_path, capsys):
    module = importlib.import_module("clough_tree")
    labels = {name: {"task": "a", "category": category} for name, category in (
        ("orig_taska.txt", "orig"), ("cut.txt", "cut"), ("light.txt", "light"), ("heavy.txt", "heavy"),
        ("lost.txt", "cut"), ("non.txt", "non"))}
    family = Family("F1", ("heavy.txt", "orig_taska.txt", "cut.txt", "light.txt"), "heavy.txt", (
        TreeEdge("heavy.txt", "orig_taska.txt", 0.4), TreeEdge("orig_taska.txt", "cut.txt", 0.9),
        TreeEdge("cut.txt", "light.txt", 0.7)))
    report = SimpleNamespace(families=(family,))
    rows = {row["answer"]: row for row in module.attribution(report, labels)}
    assert rows["cut.txt"]["direct"] and rows["cut.txt"]["reaches_orig"]
    assert rows["light.txt"]["reaches_orig"] and not rows["light.txt"]["direct"]
    assert rows["light.txt"]["path"] == ["cut.txt", "orig_taska.txt"]
    assert (rows["heavy.txt"]["reaches_orig"], rows["heavy.txt"]["reason"]) == (False, "above orig")
    assert (rows["lost.txt"]["reaches_orig"], rows["lost.txt"]["reason"]) == (False, "not in family")
    assert rows["non.txt"]["reason"] is None
    summary = module.summarise([row for row in rows.values() if row["category"] != "non"])
    assert (summary["answers"], summary["reaches_orig"], summary["root_is_orig"]) == (4, 2, 0)
    assert module.main([str(tmp_path / "absent")]) == 0
    assert "not found" in capsys.readouterr().err


def test_passage_coverage_is_whole_for_a_copy_and_nothing_for_unrelated_text(tmp_path, capsys):
    module = importlib.import_module("passage_quality")
    text = "The committee approved the new budget for the harbour district on Monday evening."
    assert module.coverage(text, "Intro. " + text + " Outro.") == (1.0, 1.0)
    assert module.coverage(text, "Nothing here resembles that sentence in any way at all.") == (0.0, 0.0)
    assert module.main([str(tmp_path / "absent")]) == 0
    assert "not found" in capsys.readouterr().err


def test_pan_measures_reward_one_exact_detection_and_punish_fragments():
    module = importlib.import_module("passage_plagdet")
    case = ((100, 200), (10, 110))
    exact = module.pan_measures([case], [case])
    assert (exact["precision"], exact["recall"], exact["granularity"], exact["plagdet"]) == (1.0, 1.0, 1.0, 1.0)
    halves = module.pan_measures([case], [((100, 150), (10, 60)), ((150, 200), (60, 110))])
    assert halves["recall"] == 1.0 and halves["granularity"] == 2.0 and halves["plagdet"] < 0.64
    wrong_side = module.pan_measures([case], [((100, 200), (500, 600))])  # overlaps on one side only
    assert wrong_side["recall"] == 0.0 and wrong_side["precision"] == 0.0
    half = module.pan_measures([case], [((100, 300), (10, 210))])
    assert half["precision"] == 0.5 and half["recall"] == 1.0


def test_passage_plagdet_scores_a_small_synthetic_corpus(tmp_path):
    results = run("passage_plagdet", tmp_path, "--docs", "150")
    for level, figures in results["levels"].items():
        assert figures["cases"] > 0, level
        assert 0.5 < figures["precision"] <= 1.0 and 0.3 < figures["recall"] <= 1.0
        assert figures["granularity"] >= 1.0 and 0 < figures["plagdet"] <= 1.0


def test_injection_quality_moves_keywords_to_every_placement_and_scores_them(tmp_path):
    module = importlib.import_module("injection_quality")
    import numpy as np

    record = {"text": "News | Home | 上海龙凤419\n\n上海龙凤419会所 One sentence. Two sentence.\n\nThree sentence."}
    truth = {"injections": [{"start": 14, "end": 21, "text": "上海龙凤419"},
                            {"start": 23, "end": 32, "text": "上海龙凤419会所"}]}
    for seed in range(20):  # every draw of placements keeps the truth's offsets true and the text whole
        text, spans = module.moved(record, truth, np.random.default_rng(seed), bare=0.5)
        assert [span["text"] in ("上海龙凤419", "上海龙凤", "上海龙凤419会所", "上海龙凤会所") for span in spans] == [True] * 2
        assert all(text[span["start"] : span["end"]] == span["text"] for span in spans)
        rest = "".join(text[end:start] for end, start in zip([0] + [span["end"] for span in spans],
                                                              [span["start"] for span in spans] + [len(text)]))
        assert rest.split() == "News | Home | One sentence. Two sentence. Three sentence.".split()
    results = run("injection_quality", tmp_path, "--docs", "150", "--seeds", "1", "--operators", "4",
                  "--rounds", "1", "--clough", str(tmp_path / "absent"))
    assert results["demo"]["exact"] and results["demo"]["found"] == 16
    assert results["clough"] is None and results["mixed_script"]["injections"] == 0
    [synthetic] = results["synthetic"]
    for name in ("as_written", "moved", "moved_bare"):
        assert synthetic[name]["keywords"] > 0 and 0 < synthetic[name]["recall"] <= 1.0
    assert set(synthetic["moved"]["found_by_placement"]) == {
        "paragraph-start", "paragraph-end", "between-sentences", "line", "header"}


def test_reader_throughput_reads_every_page_in_every_form_and_scores_the_main_text(tmp_path, monkeypatch):
    monkeypatch.setattr("os.sched_setaffinity", lambda pid, cpus: None, raising=False)  # leave pytest's cores alone
    results = run("readers", tmp_path, "--docs", "30", "--rounds", "2")
    rates = results["docs_per_second"]
    assert set(rates) == {"html files", "warc.gz", "txt files (baseline)", "jsonl (baseline)"}
    assert all(len(rate["rounds"]) == 2 and rate["median"] > 0 for rate in rates.values())
    for form in ("html files", "warc.gz"):
        assert results["quality"][form]["recall"] > 0.95 and results["quality"][form]["precision"] > 0.8
    module = importlib.import_module("readers")
    assert module.overlap("a b c", "a b d e") == (2 / 3, 2 / 4)


def test_pathological_runs_both_commands_on_a_page_and_its_copy(tmp_path):
    results = run("pathological", tmp_path, "--cases", "rtl", "--scale", "0.001")
    runs = {(row["case"], row["command"]): row for row in results["runs"]}
    assert set(runs) == {("startup", "--version"), ("rtl", "analyze"), ("rtl", "dedup")}
    assert all(row["seconds"] > 0 and row["peak_rss_bytes"] > 0 for row in runs.values())
    assert runs["rtl", "analyze"]["pairs"] == 1 and runs["rtl", "analyze"]["passages"] >= 1
    assert runs["rtl", "dedup"]["removed"] == 1


def test_fuzz_counts_every_propertys_examples(tmp_path):
    # A child process: the suite reads its scale when imported, and pytest has imported it already.
    out = tmp_path / "fuzz.json"
    subprocess.run([sys.executable, str(BENCHMARKS / "fuzz.py"), "--scale", "0.01", "--json", str(out)], check=True,
                   cwd=BENCHMARKS, capture_output=True)
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["failed"] == [] and len(results["properties"]) >= 10
    assert all(row["passed"] >= 1 for row in results["properties"])
    assert results["examples"] == sum(row["examples"] for row in results["properties"])


def test_atheris_harness_checks_an_input_without_atheris():
    module = importlib.import_module("atheris_fuzz")
    before = dict(module.EXECUTIONS)
    for data in (b"", b"\xff\xfe\x00\xd8", "上海 glow never sleeps. The glow never sleeps".encode(), b"\x00\x01\x02" * 50):
        module.check(data)
    assert module.EXECUTIONS["inputs"] == before["inputs"] + 4
    assert module.EXECUTIONS["decoded"] >= before["decoded"] + 2 and module.EXECUTIONS["passages"] > before["passages"]


def test_end_to_end_runs_each_passage_mode_in_turn(tmp_path):
    results = run("end_to_end", tmp_path, "--sizes", "60", "--repeats", "1", "--passages", "off", "on",
                  "--data", str(tmp_path / "data"))
    off, on = results["sizes"]
    assert (off["passages"], on["passages"]) == ("off", "on") and off["pairs"] == on["pairs"] > 0
    assert off["aligned_passages"] == 0 < on["aligned_passages"]


def test_passage_cost_aligns_a_text_with_its_light_rewrite(tmp_path):
    module = importlib.import_module("passage_cost")
    original, rewrite = module.texts(2000, seed=1)
    assert len(original.split()) == 2000 and 1900 < len(rewrite.split()) < 2100 and original != rewrite
    results = run("passage_cost", tmp_path, "--words", "300", "3000", "--repeats", "1")
    assert [row["words"] for row in results["rows"]] == [300, 3000]
    assert all(0.8 * row["words"] < row["aligned_words"] <= row["words"] for row in results["rows"])


def test_passage_minimum_counts_accidental_passages_and_real_reuse(tmp_path):
    corpus = tmp_path / "clough"
    (corpus / "texts").mkdir(parents=True)
    source_a = ("Dynamic programming solves a large problem by breaking it into overlapping subproblems, "
                "storing each answer in a table and reusing it whenever the same subproblem appears again.")
    source_b = "Bayes theorem relates the probability of a hypothesis given evidence to its prior probability and likelihood."
    texts = {"orig_taska.txt": source_a, "orig_taskb.txt": source_b, "g0pA_taska.txt": "Intro. " + source_a,
             "g0pB_taska.txt": "Cats sleep most afternoons while dogs chase balls across wide green parks."}
    for name, text in texts.items():
        (corpus / "texts" / name).write_text(text, encoding="utf-8")
    rows = [("orig_taska.txt", "a", "orig"), ("orig_taskb.txt", "b", "orig"), ("g0pA_taska.txt", "a", "cut"),
            ("g0pB_taska.txt", "a", "non")]
    (corpus / "labels.csv").write_text("file,task,category\n" + "".join(f"{f},{t},{c}\n" for f, t, c in rows))
    results = run("passage_minimum", tmp_path, str(corpus), "--minimums", "5", "--docs", "80")
    [row] = results["rows"]
    # The cut answer against orig b, the non answer against both origs: no reuse, no passage.
    assert row["clough"]["accidental_pairs"] == 3 and row["clough"]["accidental_passages_per_100_pairs"] == 0
    assert list(row["clough"]["coverage"]) == ["cut"] and row["clough"]["coverage"]["cut"] > 0.9  # all but "Intro"
    assert row["synth"]["levels"]["light"]["cases"] > 0
