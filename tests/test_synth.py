"""The simulated content-farm corpus: its truth agrees with its text, and its statistics are the ones promised."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import time
import tracemalloc
from collections import Counter, deque
from pathlib import Path

import numpy as np
import pytest

import lineage
from lineage import synth
from lineage.config import SynthConfig
from lineage.errors import ConfigError

WORD = re.compile(r"\w+")
SMALL = SynthConfig(docs=600, seed=5, mean_family_size=6, max_family_size=40, active_families=12)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def word_trigrams(text: str) -> set[tuple[str, ...]]:
    words = WORD.findall(text.lower())
    return set(zip(words, words[1:], words[2:]))


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, synth.SynthSummary]:
    directory = tmp_path_factory.mktemp("synth")
    return directory, synth.write_corpus(directory, SMALL)


@pytest.fixture(scope="module")
def corpus(written) -> list[tuple[dict, dict]]:
    directory, _ = written
    return list(zip(read_jsonl(directory / "corpus.jsonl"), read_jsonl(directory / "truth.jsonl")))


def test_both_files_hold_the_same_documents_in_the_same_order(written, corpus):
    directory, summary = written
    assert sorted(path.name for path in directory.iterdir()) == ["corpus.jsonl", "truth.jsonl"]
    assert summary.files == (directory / "corpus.jsonl", directory / "truth.jsonl")
    assert len(corpus) == SMALL.docs
    for number, (record, truth) in enumerate(corpus, start=1):
        assert list(record) == ["id", "text", "date"]
        assert list(truth) == ["id", "family", "parent", "operator", "level", "site", "topic", "injections",
                               "copied"]
        assert record["id"] == truth["id"] == f"doc{number:07d}"
        assert re.fullmatch(r"fam\d{7}", truth["family"]) and re.fullmatch(r"site\d{3}", truth["site"])


def test_summary_counts_what_the_files_hold(written, corpus):
    _, summary = written
    levels = Counter(truth["level"] for _, truth in corpus)
    injected = [truth for _, truth in corpus if truth["injections"]]
    assert summary.docs == SMALL.docs
    assert summary.levels == {level: levels[level] for level in synth.LEVELS}
    assert summary.families == len({truth["family"] for _, truth in corpus})
    assert summary.injected_docs == len(injected)
    assert summary.keywords == sum(len(truth["injections"]) for truth in injected)
    assert summary.operators == dict(sorted(Counter(truth["operator"] for truth in injected).items()))


def test_every_injection_points_at_a_keyword_of_the_site_operator(corpus):
    pools = synth.keyword_pools(SMALL)
    operators = synth.site_operators(SMALL)
    injected = 0
    for record, truth in corpus:
        text = record["text"]
        if not truth["injections"]:
            assert truth["operator"] is None
            continue
        injected += 1
        assert truth["operator"] == operators[truth["site"]]
        assert 2 <= len(truth["injections"]) <= 5
        starts = [injection["start"] for injection in truth["injections"]]
        assert starts == sorted(starts)
        for injection in truth["injections"]:
            start, end = injection["start"], injection["end"]
            assert text[start:end] == injection["text"]
            assert injection["text"] in pools[truth["operator"]]
            at_paragraph_start = text[start - 2 : start] == "\n\n" and text[end] == " "
            at_header_end = start == text.index("\n") - len(injection["text"]) and text[start - 1] == " "
            assert at_paragraph_start or at_header_end, (truth["id"], injection)
    assert 0.2 < injected / len(corpus) < 0.4  # injected_share 0.3


def test_keyword_pools_are_variants_of_cjk_cores_with_latin_tags_and_belong_to_one_operator():
    pools = synth.keyword_pools(SynthConfig(operators=10, sites=20))
    assert list(pools) == [f"op{number:02d}" for number in range(1, 11)]
    keywords = [keyword for pool in pools.values() for keyword in pool]
    assert len(keywords) == len(set(keywords))
    for pool in pools.values():
        core = pool[0]
        assert re.fullmatch(r"[\u4e00-\u9fff]+\d+", core)
        assert sum(core in keyword for keyword in pool) >= 7  # 上海龙凤419, 上海龙凤419会所, 爱上海龙凤419...
        assert any(re.fullmatch(r"[a-z]{2}\d+", keyword) for keyword in pool)  # sh1314


def test_parents_come_first_in_the_same_family_and_earlier_by_date(corpus):
    seen: dict[str, dict] = {}
    dates: dict[str, str] = {}
    for record, truth in corpus:
        parent = truth["parent"]
        if truth["level"] in ("template", "independent"):
            assert parent is None
        else:
            assert truth["level"] in ("light", "medium", "heavy")
            assert parent in seen, f"{truth['id']} comes before its parent {parent}"
            assert seen[parent]["family"] == truth["family"]
            assert dates[parent] < record["date"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", record["date"])
        seen[truth["id"]], dates[truth["id"]] = truth, record["date"]


def test_families_are_trees_of_varied_size_and_depth_interleaved_in_the_file(corpus):
    truths = [truth for _, truth in corpus]
    sizes = Counter(truth["family"] for truth in truths if truth["level"] != "independent")
    roots = Counter(truth["family"] for truth in truths if truth["parent"] is None)
    assert set(roots.values()) == {1}  # one template or independent article per family
    assert 1 in sizes.values() and max(sizes.values()) >= 20  # singletons and large families
    assert 4 < np.mean(list(sizes.values())) < 9  # mean_family_size 6
    independent = Counter(truth["family"] for truth in truths if truth["level"] == "independent")
    assert set(independent.values()) == {1} and not set(independent) & set(sizes)
    parent = {truth["id"]: truth["parent"] for truth in truths}

    def depth(doc_id: str) -> int:
        return 0 if parent[doc_id] is None else 1 + depth(parent[doc_id])

    assert max(depth(doc_id) for doc_id in parent) >= 4
    order = [truth["family"] for truth in truths]
    assert order != sorted(order)
    runs = sum(1 for a, b in zip(order, order[1:]) if a != b)
    assert runs > 2 * len(set(order))  # families interleave rather than follow one another


def test_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path):
    config = SynthConfig(docs=150, seed=11)
    synth.write_corpus(tmp_path / "a", config)
    synth.write_corpus(tmp_path / "b", config)
    synth.write_corpus(tmp_path / "c", SynthConfig(docs=150, seed=12))
    for name in synth.SYNTH_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes()


def test_no_dates_leaves_the_field_out_and_changes_nothing_else(tmp_path):
    with_dates = list(synth.generate(SynthConfig(docs=40, seed=3)))
    without = list(synth.generate(SynthConfig(docs=40, seed=3, dates=False)))
    assert all(list(record) == ["id", "text"] for record, _ in without)
    assert [(record["text"], truth) for record, truth in without] == [(r["text"], t) for r, t in with_dates]


def test_word_frequencies_fall_as_one_over_rank():
    counts = Counter()
    for record, _ in synth.generate(SynthConfig(docs=1500, seed=2)):
        counts.update(re.findall(r"[^\W\d_]+", record["text"].lower()))
    frequencies = np.array(sorted(counts.values(), reverse=True), dtype=float)
    ranks = np.unique(np.geomspace(1, 5000, 50).astype(int))
    slope = np.polyfit(np.log(ranks), np.log(frequencies[ranks - 1]), 1)[0]
    assert -1.15 < slope < -0.85
    assert counts.most_common(3) == [(word, counts[word]) for word in ("the", "of", "and")]


def test_rewrites_resemble_their_parent_less_the_heavier_they_are():
    config = SynthConfig(docs=800, seed=4, boilerplate_words=0, injected_share=0, independent_share=0)
    trigrams: dict[str, set] = {}
    similarity: dict[str, list[float]] = {"light": [], "medium": [], "heavy": []}
    for record, truth in synth.generate(config):
        trigrams[truth["id"]] = word_trigrams(record["text"])
        if truth["parent"]:
            similarity[truth["level"]].append(jaccard(trigrams[truth["id"]], trigrams[truth["parent"]]))
    medians = {level: float(np.median(values)) for level, values in similarity.items()}
    assert 0.5 < medians["light"] < 0.8
    assert 0.25 < medians["medium"] < 0.5
    assert 0.08 < medians["heavy"] < 0.25
    means = [np.mean(similarity[level]) for level in ("light", "medium", "heavy")]
    assert means == sorted(means, reverse=True)


def test_unrelated_documents_of_one_site_share_its_boilerplate_and_nothing_else(corpus):
    by_site: dict[str, list[tuple[str, str]]] = {}
    for record, truth in corpus:
        by_site.setdefault(truth["site"], []).append((truth["family"], without_injections(record, truth)))
    headers = set()
    for documents in by_site.values():
        assert len({family for family, _ in documents}) > 1
        assert len({text[: text.index("\n\n")] for _, text in documents}) == 1
        assert len({text[text.rindex("\n\n") :] for _, text in documents}) == 1
        headers.add(documents[0][1][: documents[0][1].index("\n\n")])
    assert len(headers) == len(by_site) == SMALL.sites
    # Unrelated documents of one site share the boilerplate's trigrams, and few others.
    documents = max(by_site.values(), key=len)
    (_, text_a), (_, text_b) = next((a, b) for a, b in itertools.combinations(documents, 2) if a[0] != b[0])
    boilerplate = word_trigrams(text_a[: text_a.index("\n\n")]) | word_trigrams(text_a[text_a.rindex("\n\n") :])
    shared = word_trigrams(text_a) & word_trigrams(text_b)
    assert boilerplate <= shared
    assert len(shared - boilerplate) < 10


def without_injections(record: dict, truth: dict) -> str:
    """The text with its injected keywords (and the space that joins each to its line) taken out."""
    text = record["text"]
    for injection in reversed(truth["injections"]):
        start, end = injection["start"], injection["end"]
        if text[end : end + 1] == " ":  # at a paragraph start
            text = text[:start] + text[end + 1 :]
        else:  # at the end of the header line
            text = text[: start - 1] + text[end:]
    return text


def test_boilerplate_words_sets_the_length_and_zero_leaves_bare_articles():
    def boilerplate(words: int) -> int:
        record, _ = next(synth.generate(SynthConfig(docs=1, seed=1, boilerplate_words=words, injected_share=0)))
        parts = record["text"].split("\n\n")
        return len(WORD.findall(parts[0])) + len(WORD.findall(parts[-1]))

    assert 40 <= boilerplate(50) <= 60
    assert 90 <= boilerplate(100) <= 115
    record, _ = next(synth.generate(SynthConfig(docs=1, seed=1, boilerplate_words=0, injected_share=0)))
    assert " | " not in record["text"] and "©" not in record["text"]


def test_independent_articles_share_topics_with_families_but_not_text():
    records = list(synth.generate(SynthConfig(docs=1000, seed=6, boilerplate_words=0, injected_share=0)))
    independent = [(record, truth) for record, truth in records if truth["level"] == "independent"]
    templates = [(record, truth) for record, truth in records if truth["level"] == "template"]
    assert 0.05 < len(independent) / len(records) < 0.15  # independent_share 0.1
    same_topic, other_topic = [], []
    for (record_a, truth_a), (record_b, truth_b) in itertools.product(independent[:40], templates[:40]):
        score = len(word_trigrams(record_a["text"]) & word_trigrams(record_b["text"]))
        (same_topic if truth_a["topic"] == truth_b["topic"] else other_topic).append(score)
    assert np.mean(same_topic) > 2 * np.mean(other_topic)  # stock phrases of the topic
    assert max(same_topic) < 40  # but far below a heavy rewrite (~100 of ~450)


def test_generate_is_lazy_however_large_the_corpus():
    started = time.perf_counter()
    first = list(itertools.islice(synth.generate(SynthConfig(docs=10**9, seed=1)), 10))
    assert time.perf_counter() - started < 5
    assert [record["id"] for record, _ in first] == [f"doc{number:010d}" for number in range(1, 11)]


def test_memory_does_not_grow_with_the_number_of_documents():
    def peak(docs: int) -> int:
        config = SynthConfig(docs=docs, seed=1, min_words=20, max_words=40, active_families=5, max_family_size=30,
                             boilerplate_words=10)
        tracemalloc.start()
        deque(synth.generate(config), maxlen=0)  # drain the generator, keeping nothing
        _, peak_bytes = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return peak_bytes

    peak(10)  # builds the cached vocabulary, which every corpus shares
    assert peak(1500) < 1.5 * peak(150)


def test_a_failed_run_leaves_no_file_and_keeps_the_previous_corpus(tmp_path, monkeypatch):
    synth.write_corpus(tmp_path, SynthConfig(docs=20, seed=1))
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    real_generate = synth.generate

    def failing(config):
        yield from itertools.islice(real_generate(config), 10)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(synth, "generate", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        synth.write_corpus(tmp_path, SynthConfig(docs=20, seed=2))
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before


def test_analyze_reads_the_corpus_with_its_dates(tmp_path):
    synth.write_corpus(tmp_path, SynthConfig(docs=60, seed=8, mean_family_size=4, max_family_size=10))
    report = lineage.analyze([tmp_path / "corpus.jsonl"])
    truth = read_jsonl(tmp_path / "truth.jsonl")
    assert report.stats["documents"] == 60 and report.stats["skipped"] == 0
    dates = {record["id"]: record["date"] for record in read_jsonl(tmp_path / "corpus.jsonl")}
    assert {doc.id: doc.date for doc in report.documents} == dates
    # Every template and its light rewrites are found together.
    family_of = {doc.id: doc.family for doc in report.documents}
    for record in truth:
        if record["level"] == "light":
            assert family_of[record["id"]] is not None
            assert family_of[record["id"]] == family_of[record["parent"]]


@pytest.mark.parametrize(
    "options, message",
    [
        ({"docs": 0}, "docs=0 must be at least 1; pass e.g. --docs 1000"),
        ({"min_words": 500, "max_words": 100},
         "article length 500..100 words is not within 10..100000 with min_words <= max_words; "
         "pass e.g. --min-words 300 --max-words 600"),
        ({"mean_family_size": 150.0},
         "mean_family_size=150 is outside 1..100.5, the range a power law on 1..200 members can have; "
         "pass a mean in that range or a larger --max-family-size"),
        ({"rewrite_mix": (0.0, 0.0, 0.0)},
         "rewrite_mix=(0.0, 0.0, 0.0) is not three non-negative weights (light, medium, heavy) with a positive sum; "
         "pass e.g. --rewrite-mix 0.4:0.35:0.25"),
        ({"injected_share": 1.5}, "injected_share=1.5 is outside 0..1; pass e.g. --injected-share 0.1"),
        ({"operators": 8, "sites": 5},
         "operators=8 is outside 1..5 (each operator runs at least one site; at most 64 operators); "
         "pass fewer --operators or more --sites"),
    ],
)
def test_bad_settings_say_the_value_the_limit_and_the_fix(options, message):
    with pytest.raises(ConfigError) as error:
        SynthConfig(**options)
    assert str(error.value) == message


def test_rewrite_mix_is_read_from_weights():
    assert SynthConfig.parse_mix("2:1:1") == (2.0, 1.0, 1.0)
    with pytest.raises(ConfigError, match="is not LIGHT:MEDIUM:HEAVY"):
        SynthConfig.parse_mix("light")


def copied_pairs(corpus: list[tuple[dict, dict]], level: str) -> list[tuple[str, str, str]]:
    """``(family, child text, parent text)`` of every case of the rewrites of one level."""
    texts = {record["id"]: record["text"] for record, _ in corpus}
    return [
        (truth["family"], record["text"][case["start"] : case["end"]],
         texts[truth["parent"]][case["parent_start"] : case["parent_end"]])
        for record, truth in corpus
        if truth["level"] == level
        for case in truth["copied"]
    ]


def sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.?!])\s+", text)


def containment(part: str, whole: str) -> float:
    """Share of ``part``'s word 3-grams that ``whole`` has too."""
    trigrams = word_trigrams(part)
    return len(trigrams & word_trigrams(whole)) / len(trigrams) if trigrams else 0.0


def test_copied_cases_span_whole_sentences_outside_the_boilerplate_and_the_keywords(corpus):
    texts = {record["id"]: record["text"] for record, _ in corpus}
    injections = {truth["id"]: truth["injections"] for _, truth in corpus}
    cases = 0
    for _, truth in corpus:
        for case in truth["copied"]:
            cases += 1
            for doc_id, start, end in ((truth["id"], case["start"], case["end"]),
                                       (truth["parent"], case["parent_start"], case["parent_end"])):
                text = texts[doc_id]
                assert 0 <= start < end <= len(text)
                # From a sentence's first letter to its last word and final mark.
                assert re.match(r"\w", text[start]) and re.fullmatch(r"\w[.?!]", text[end - 2 : end]), (doc_id, case)
                assert text.index("\n\n") < start and end <= text.rindex("\n\n"), (doc_id, case)  # header, footer
                for injection in injections[doc_id]:
                    assert injection["end"] <= start or end <= injection["start"], (doc_id, case, injection)
            # Each sentence of the run comes from one sentence of the parent's run.
            child = texts[truth["id"]][case["start"] : case["end"]]
            parent = texts[truth["parent"]][case["parent_start"] : case["parent_end"]]
            assert len(sentences(child)) == len(sentences(parent)), (truth["id"], case)
    assert cases > 3 * sum(truth["parent"] is not None for _, truth in corpus)


def test_copied_text_is_its_parent_text_reworded_and_covers_most_of_a_light_rewrite(corpus):
    pairs = copied_pairs(corpus, "light")
    assert np.mean([containment(child, parent) for _, child, parent in pairs]) > 0.5
    # Sentence by sentence too: the n-th sentence of a case was made from the n-th of its parent's.
    aligned = [containment(child_sentence, parent_sentence) for _, child, parent in pairs
               for child_sentence, parent_sentence in zip(sentences(child), sentences(parent))]
    assert np.mean(aligned) > 0.5
    # Cases of other families have next to nothing in common.
    unrelated = [containment(child, parent) for (family_a, child, _), (family_b, _, parent)
                 in zip(pairs, pairs[7:] + pairs[:7]) if family_a != family_b]
    assert len(unrelated) > 100 and np.mean(unrelated) < 0.02
    coverage = []
    for record, truth in corpus:
        if truth["level"] == "light":
            text = record["text"]
            article = text.rindex("\n\n") - text.index("\n\n") - 2  # between the header and the footer
            coverage.append(sum(case["end"] - case["start"] for case in truth["copied"]) / article)
    assert np.mean(coverage) > 0.85 and min(coverage) > 0.5


def test_rewrites_have_disjoint_cases_in_the_child_order_and_originals_have_none(corpus):
    out_of_order = 0
    for _, truth in corpus:
        cases = truth["copied"]
        if truth["parent"] is None:
            assert cases == []
            continue
        assert cases  # a rewrite keeps at least one sentence of its parent
        assert all(a["end"] < b["start"] for a, b in zip(cases, cases[1:]))
        in_parent = sorted(cases, key=lambda case: case["parent_start"])
        assert all(a["parent_end"] < b["parent_start"] for a, b in zip(in_parent, in_parent[1:]))
        out_of_order += in_parent != cases
    assert out_of_order > 0  # swapped sentences are cases in the child's order, not the parent's


def test_the_truth_of_copies_leaves_the_corpus_of_a_seed_as_it_was(tmp_path):
    synth.write_corpus(tmp_path, SynthConfig(docs=200, seed=1))
    digest = hashlib.sha256((tmp_path / "corpus.jsonl").read_bytes()).hexdigest()
    assert digest == "7caf461a23f7088c73a4f463d32a4aa1f8b6640e2cbb6c09b3556d5147fcee05"
