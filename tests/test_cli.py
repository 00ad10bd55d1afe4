from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import lineage
from conftest import ROOT
from lineage.cli import main


@pytest.fixture
def run(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str):
        return CliRunner().invoke(main, [str(arg) for arg in args])

    return invoke


def test_analyze_prints_a_concise_summary_and_writes_every_file(run, planted, tmp_path):
    result = run("analyze", planted, "-o", "out")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Analysed 13 documents, skipped 0; word:3 shingles.\n"
        "Verified 7 candidate pairs (4 found by LSH, 7 by rare shingles, 4 by both); reported 7.\n"
        "2 families with score >= 0.1; 7 in none.\n"
        "30 shared passages in 7 pairs, merged into 17 phrases:\n"
        "  P1   2 docs  108 words  Head judge Priya Maddox, a former pastry chef, said the {general|overall} standard was the {best|hi…\n"
        "  P2   3 docs   59 words  Riverton {launched|opened} its first electric tram {route|line} on Saturday morning, ending {almost…\n"
        "  P3   4 docs   29 words  {to protect the historic facades. Traders|Not everyone is celebrating. Shopkeepers|Not everyone is…\n"
        "  P4   2 docs  101 words  Riverton {launched|opened} its first electric tram line on Saturday morning, ending {almost|nearly}…\n"
        "  P5   2 docs   49 words  a green ribbon at Market Square {was cut by Mayor Helena Barstow. She then rode|shortly after 9 a.m…\n"
        "No injected spam keywords found.\n"
        "Closest pairs (score = share of the smaller document found in the other):\n"
        "  b_light.txt    b_template.txt  score 0.728  Jaccard 0.566  shared 150\n"
        "  a_light.txt    a_template.txt  score 0.718  Jaccard 0.558  shared 148\n"
        "  a_light.txt    a_light_2.txt   score 0.649  Jaccard 0.478  shared 133\n"
        "  a_light_2.txt  a_template.txt  score 0.434  Jaccard 0.276  shared 89\n"
        "  a_heavy.txt    a_template.txt  score 0.237  Jaccard 0.127  shared 49\n"
        "Family F1: 4 documents, root a_light.txt (undated: from the text, support 0.71)\n"
        "  a_light.txt\n"
        "  ├─ a_template.txt (score 0.718, support 0.71)\n"
        "  │  └─ a_heavy.txt (score 0.237, support 0.82)\n"
        "  └─ a_light_2.txt (score 0.649, support 1.00)\n"
        "Family F2: 2 documents, root b_light.txt (undated: from the text, support 0.61)\n"
        "  b_light.txt\n"
        "  └─ b_template.txt (score 0.728, support 0.61)\n"
        "Report: out/ (report.json, report.md, pairs.csv, phrases.csv, fingerprints.csv, lineage.nwk, lineage.png, "
        "lineage.svg, dendrogram.png, dendrogram.svg, report.html)\n"
    )
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(lineage.report.REPORT_FILES)


def test_quiet_prints_nothing(run, planted):
    result = run("analyze", planted, "-o", "out", "--quiet")
    assert (result.exit_code, result.output) == (0, "")


@pytest.mark.parametrize(
    "args, message",
    [
        (["analyze", "missing", "-o", "out"], "Error: missing: no such file or directory; check the path\n"),
        (["analyze", "x" * 300, "-o", "out"], f"Error: {'x' * 300}: cannot be read (File name too long); check the path\n"),
        (["analyze", "{planted}", "-o", "out", "--shingle", "word"],
         "Error: shingle spec 'word' is not KIND:N; pass e.g. --shingle word:3 or --shingle char:5\n"),
        (["analyze", "{planted}", "-o", "out", "--num-perm", "8", "--threshold", "0.2"],
         "Error: num_perm=8 cannot reach LSH recall 0.99 at threshold 0.2 (needs at least 21 permutations); "
         "pass --num-perm 21 or a higher --threshold\n"),
        (["analyze", "{planted}", "{planted}", "-o", "out"],
         "Error: duplicate document id 'a_heavy.txt' ({planted}/a_heavy.txt and {planted}/a_heavy.txt); "
         "give every document a unique id (pass each file or directory once, leave out files that are not "
         "documents, such as a truth.jsonl beside its corpus, or fix the ids), "
         "or pass --duplicate-ids skip or rename\n"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(run, planted, args, message):
    result = run(*[arg.format(planted=planted.as_posix()) for arg in args])
    assert result.exit_code == 2
    assert result.stderr == message.format(planted=planted.as_posix())
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["analyze", "x"], "Missing option '-o'"),
        (["analyze", "-o", "out"], "Missing argument 'INPUTS...'"),
        (["analyze", "x", "-o", "out", "--threshold", "0"], "Invalid value for '--threshold'"),
        (["analyze", "x", "-o", "out", "--max-df", "1.5"], "Invalid value for '--max-df'"),
        (["frobnicate"], "No such command 'frobnicate'"),
    ],
)
def test_usage_errors_exit_2_with_one_line(run, args, fragment):
    result = run(*args)
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")


def test_too_few_bootstrap_replicates_are_a_usage_error(run, planted):
    result = run("analyze", planted, "-o", "out", "--bootstrap", "1")  # support 1.00 everywhere would mean nothing
    assert (result.exit_code, result.stderr) == (
        2, "Error: Invalid value for '--bootstrap': 1 is not 0 (no support) or within 10..10000; pass e.g. "
           "--bootstrap 100 (see 'main analyze --help')\n")  # CliRunner names the program main
    assert not Path("out").exists()  # refused before anything was written
    assert run("analyze", planted, "-o", "out", "--bootstrap", "10", "-q").exit_code == 0


def test_reports_are_not_written_into_a_directory_being_analysed(run, planted, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(planted, corpus)
    for given, output in (("corpus", corpus), ("corpus", corpus / "reports"), ("corp*", corpus / "reports")):
        result = run("analyze", given, "-o", output)
        assert (result.exit_code, result.stderr) == (2, (
            f"Error: {output}: is inside the input corpus, so a later run would read the reports as documents; "
            "pass an -o outside it\n"))
    assert sorted(path.name for path in corpus.iterdir()) == sorted(path.name for path in planted.iterdir())
    assert run("analyze", corpus / "a_light.txt", corpus / "a_template.txt", "-o", corpus / "reports",
               "-q").exit_code == 0  # files named one by one: the directory is not read


def test_the_summary_says_when_support_was_left_out_and_why(planted, tmp_path):
    from lineage.cli import _summary
    from lineage.config import AnalyzeConfig, TreeConfig

    lines = _summary(lineage.analyze([planted], config=AnalyzeConfig(tree=TreeConfig(auto_max_members=5))),
                     tmp_path).splitlines()
    assert ("Tree support not computed: families of up to 50 documents hold 6, more than 5 "
            "(--bootstrap 100 computes it).") in lines
    assert "Family F1: 4 documents, root a_light.txt (undated: from the text)" in lines
    assert "Tree support" not in _summary(lineage.analyze([planted], bootstrap=0), tmp_path)  # asked for none


def test_output_path_that_is_a_file_is_a_usage_error(run, planted, tmp_path):
    (tmp_path / "taken").write_text("x", encoding="utf-8")
    result = run("analyze", planted, "-o", "taken")
    assert result.exit_code == 2
    assert "is a file" in result.stderr


def test_unwritable_output_fails_before_the_analysis(run, planted, tmp_path, monkeypatch):
    (tmp_path / "taken").write_text("x", encoding="utf-8")
    monkeypatch.setattr("lineage.cli.run_analysis", lambda *a, **k: pytest.fail("analysed before checking -o"))
    result = run("analyze", planted, "-o", "taken/reports")
    assert result.exit_code == 1
    assert result.stderr == "Error: taken/reports: cannot write reports there (Not a directory); pass another -o\n"


def test_a_directory_in_the_way_leaves_the_previous_report_untouched(run, planted, tmp_path):
    assert run("analyze", planted, "-o", "out", "-q").exit_code == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    (tmp_path / "out" / "pairs.csv").unlink()
    (tmp_path / "out" / "pairs.csv").mkdir()
    result = run("analyze", planted, "-o", "out", "-q", "--family-threshold", "0.5")
    assert result.exit_code == 1
    assert result.stderr == "Error: out/pairs.csv: is in the way of a report file; remove it or pass another -o\n"
    after = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir() if p.is_file()}
    assert after == {name: data for name, data in before.items() if name != "pairs.csv"}
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]


def test_hostile_ids_cannot_inject_markdown(run, tmp_path):
    text = "the same words appear in both of these small documents here"
    lines = [json.dumps({"id": "a|b *bold* <script>x</script>", "text": text}), json.dumps({"id": "`tick`", "text": text})]
    (tmp_path / "in.jsonl").write_text("\n".join(lines), encoding="utf-8")
    assert run("analyze", "in.jsonl", "-o", "out", "-q").exit_code == 0
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "`a\\|b *bold* <script>x</script>`" in report
    assert "`` `tick` ``" in report
    outside_code = re.sub(r"(`+).*?\1", "", report)
    assert "<script>" not in outside_code and "*bold*" not in outside_code


def test_version_and_module_entry_point():
    result = CliRunner().invoke(main, ["--version"])
    assert result.stdout == f"lineage, version {lineage.__version__}\n"
    completed = subprocess.run([sys.executable, "-m", "lineage", "--help"], capture_output=True, text=True, check=True)
    assert "analyze" in completed.stdout


def test_verbose_logs_each_stage_of_ours_only(run, planted):
    result = run("analyze", planted, "-o", "out", "-q", "-v")
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert lines[0] == "lineage.pipeline: read 13 input records"
    assert any(line.startswith("lineage.pipeline: candidates: 4 from LSH (35 bands x 3 rows)") for line in lines)
    assert all(line.startswith("lineage.") for line in lines)


def test_only_skipped_inputs_still_write_a_report_and_say_so(run, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("", encoding="utf-8")
    (tmp_path / "in" / "b.txt").write_text("two words", encoding="utf-8")
    result = run("analyze", "in", "-o", "out")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "Analysed 0 documents, skipped 2 (1 empty, 1 too short); word:3 shingles."
    assert "Nothing to analyse: every input was skipped (reasons in report.md)." in result.stdout
    assert "| `b.txt` |" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")


def test_synth_prints_a_summary_and_writes_the_corpus_and_its_truth(run, tmp_path):
    result = run("synth", "-o", "out", "--docs", "50", "--seed", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Wrote 50 documents: 15 families with 28 rewrites (13 light, 10 medium, 5 heavy) and 7 independent articles.\n"
        "55 spam keywords of 4 operators in 15 documents; 20 sites.\n"
        "Corpus: out/corpus.jsonl; truth: out/truth.jsonl\n"
    )
    assert result.stderr == ""
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["corpus.jsonl", "truth.jsonl"]
    assert run("synth", "-o", "quiet", "--docs", "50", "--seed", "1", "-q").output == ""
    assert (tmp_path / "quiet" / "corpus.jsonl").read_bytes() == (tmp_path / "out" / "corpus.jsonl").read_bytes()


def test_synth_options_reach_the_corpus(run, tmp_path):
    result = run("synth", "-o", "out", "--docs", "30", "--seed", "2", "--no-dates", "--injected-share", "0",
                 "--boilerplate-words", "0", "--rewrite-mix", "0:0:1", "--independent-share", "0")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == "No spam keywords; 20 sites."
    records = [json.loads(line) for line in (tmp_path / "out" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    truths = [json.loads(line) for line in (tmp_path / "out" / "truth.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 30 and all(list(record) == ["id", "text"] for record in records)
    assert {truth["level"] for truth in truths} <= {"template", "heavy"}
    assert not any(truth["injections"] for truth in truths)


def test_synth_output_is_read_by_analyze(run, tmp_path):
    assert run("synth", "-o", "out", "--docs", "40", "--seed", "3", "-q").exit_code == 0
    result = run("analyze", "out/corpus.jsonl", "-o", "report")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Analysed 40 documents, skipped 0; word:3 shingles.\n")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--min-words", "500", "--max-words", "100"],
         "Error: article length 500..100 words is not within 10..100000 with min_words <= max_words; "
         "pass e.g. --min-words 300 --max-words 600\n"),
        (["--rewrite-mix", "1:2"], "Error: rewrite mix '1:2' is not LIGHT:MEDIUM:HEAVY; pass e.g. --rewrite-mix 0.4:0.35:0.25\n"),
        (["--operators", "8", "--sites", "5"],
         "Error: operators=8 is outside 1..5 (each operator runs at least one site; at most 64 operators); "
         "pass fewer --operators or more --sites\n"),
        (["--mean-family-size", "20", "--max-family-size", "10"],
         "Error: mean_family_size=20 is outside 1..5.5, the range a power law on 1..10 members can have; "
         "pass a mean in that range or a larger --max-family-size\n"),
    ],
)
def test_synth_bad_settings_are_one_line_and_exit_code_2(run, tmp_path, args, message):
    result = run("synth", "-o", "out", "--docs", "5", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)
    assert not (tmp_path / "out" / "corpus.jsonl").exists()


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["synth", "--docs", "5"], "Missing option '-o'"),
        (["synth", "-o", "out", "--docs", "0"], "Invalid value for '--docs'"),
        (["synth", "-o", "out", "--injected-share", "1.5"], "Invalid value for '--injected-share'"),
        (["synth", "-o", "out", "--operators", "65"], "Invalid value for '--operators'"),
        (["synth", "-o", "out", "--seed", "-1"], "Invalid value for '--seed'"),
    ],
)
def test_synth_usage_errors_exit_2_with_one_line(run, args, fragment):
    result = run(*args)
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: ")


def test_synth_into_a_file_or_past_one_fails_with_one_line(run, tmp_path):
    (tmp_path / "taken").write_text("x", encoding="utf-8")
    result = run("synth", "-o", "taken", "--docs", "5")
    assert result.exit_code == 2 and "is a file" in result.stderr
    result = run("synth", "-o", "taken/corpus", "--docs", "5")
    assert result.exit_code == 1
    assert result.stderr == "Error: taken/corpus: cannot write the corpus there (Not a directory); pass another -o\n"
    (tmp_path / "out" / "truth.jsonl").mkdir(parents=True)
    result = run("synth", "-o", "out", "--docs", "5")
    assert result.exit_code == 1
    assert result.stderr == "Error: out/truth.jsonl: is in the way of a corpus file; remove it or pass another -o\n"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["truth.jsonl"]


def test_synth_example_in_the_readme_prints_what_the_readme_shows(run):
    result = run("synth", "-o", "corpora/synth", "--docs", "2000", "--seed", "1")
    assert result.exit_code == 0
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```\n{result.stdout}```" in readme


def test_bare_lineage_prints_the_help_and_succeeds():
    result = CliRunner().invoke(main, [])
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ") and "analyze" in result.stdout and "synth" in result.stdout
    assert "Error" not in result.output


DEMO = Path(__file__).resolve().parent.parent / "corpus" / "shanghai"


def test_compare_shows_the_shared_passages_with_variants_in_brackets():
    a, b = DEMO / "001_8d0afbd8c3a3ca36.txt", DEMO / "002_82837cee5602c89a.txt"
    result = CliRunner().invoke(main, ["compare", str(a), str(b)])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"a: {a} (3,568 characters)\n"
        f"b: {b} (4,553 characters)\n"
        "word:3 shingles: Jaccard 0.013, 2.9% of a in b, 2.2% of b in a; 1 shared passage.\n"
        "Spam keywords injected in a (left out of the figures): 上海龙凤419, 上海花千坊龙凤, 上海贵族宝贝sh1314\n"
        "Spam keywords injected in b (left out of the figures): 上海龙凤419油压论坛, 上海私人外卖工作室联系方式, 上海夜生活论坛\n"
        "\n"
        "Passage 1 of 1: 6 words aligned (score 0.60); a 227-290, b 0-72\n"
        "  a │ The glow from Shanghai's Zhangjiang [High-Tech Park] never [sleeps]\n"
        "  b │ The glow from Shanghai's Zhangjiang [Science City laboratories] never [dims]\n"
    )
    by_id = CliRunner().invoke(main, ["compare", a.name, b.name, "--corpus", str(DEMO)])
    assert by_id.stdout.replace(a.name, str(a)).replace(b.name, str(b)) == result.stdout


def test_compare_reads_a_corpus_with_the_fields_it_is_told(tmp_path):
    a, b = DEMO / "001_8d0afbd8c3a3ca36.txt", DEMO / "002_82837cee5602c89a.txt"
    crawl = tmp_path / "crawl.jsonl"
    crawl.write_text("".join(json.dumps({"key": path.stem, "body": path.read_text(encoding="utf-8")}) + "\n"
                             for path in (a, b)), encoding="utf-8")
    from_files = CliRunner().invoke(main, ["compare", str(a), str(b)])
    args = ["compare", a.stem, b.stem, "--corpus", str(crawl), "--id-field", "key", "--text-field", "body"]
    from_crawl = CliRunner().invoke(main, args)
    assert from_crawl.exit_code == 0, from_crawl.output
    assert from_crawl.stdout.replace(a.stem, str(a)).replace(b.stem, str(b)) == from_files.stdout
    cut = CliRunner().invoke(main, [*args, "--max-doc-chars", "2000"])
    assert f"a: {a.stem} (2,000 characters)" in cut.stdout
    unnamed = CliRunner().invoke(main, args[:5])  # without the fields every record is skipped: the error says why
    assert (unnamed.exit_code, unnamed.stderr) == (2, (
        f"Error: {a.stem}: no document with this id in {crawl} (2 records skipped, the first at {crawl}:1: "
        'no "text" string in the record); ids are paths relative to a directory given or JSONL ids, as in report.json\n'))


def test_compare_keeps_the_spam_keywords_when_asked():
    a, b = DEMO / "001_8d0afbd8c3a3ca36.txt", DEMO / "002_82837cee5602c89a.txt"
    result = CliRunner().invoke(main, ["compare", str(a), str(b), "--keep-injections"])
    assert result.exit_code == 0, result.output
    # The keyword both carry is a shared passage again, and lifts the overlap.
    assert "Jaccard 0.015, 3.4% of a in b, 2.5% of b in a; 2 shared passages." in result.stdout
    assert "Passage 2 of 2: 5 words aligned (score 1.00); a 1150-1157, b 1649-1656\n  a │ 上海龙凤419\n" in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["compare", "missing.txt", "other.txt"], "Error: missing.txt: no such file or directory; check the path\n"),
        (["compare", "nope", "001_8d0afbd8c3a3ca36.txt", "--corpus", str(DEMO)],
         f"Error: nope: no document with this id in {DEMO}; ids are paths relative to a directory given or JSONL "
         "ids, as in report.json\n"),
        (["compare", str(DEMO), str(DEMO / "001_8d0afbd8c3a3ca36.txt")],
         f"Error: {DEMO}: holds 5 documents; pass --corpus {DEMO} and two of their ids\n"),
    ],
)
def test_compare_errors_are_one_line_with_exit_code_2(args, message):
    result = CliRunner().invoke(main, args)
    assert (result.exit_code, result.stderr) == (2, message)
