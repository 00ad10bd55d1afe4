"""Pathological documents through the whole pipeline: analyze and dedup stay bounded and account for all.

Each kind of degenerate page is written twice (a page and its copy), so that
every stage that compares documents meets it: one word a million times, only
punctuation, only emoji, only zero-width and combining characters, and
right-to-left text. A 100 MB single line is given to ``analyze`` as a
Document, past the reader, to show that what the stages do with it is bounded
by construction (the document is cut to ``--max-doc-chars`` and the cut reported).
Time and memory figures at full size are in benchmarks/pathological.py.
"""

from __future__ import annotations

import json
import random
import tracemalloc
from pathlib import Path

import pytest

import lineage
from lineage import Document, analyze, dedup
from lineage import pipeline
from lineage.config import ReadConfig
from lineage.text import tokenize

MAX_CHARS = ReadConfig().max_doc_chars  # what analyze reads of a document unless told otherwise
LIMIT = 2_000_000

EMOJI = ["😀", "❤️", "👍🏽", "👨‍👩‍👧", "🇨🇳", "✨", "🔥🔥", "🙏🏻"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u0301", "\u0308", "\u20e3", "\ufe0f", "\u034f"]
ARABIC, HEBREW = "ابتثجحخدذرزسشصضطظعغفقكلمنهويـ", "אבגדהוזחטיכלמנסעפצקרשת"


def rtl_word(rng: random.Random) -> str:
    """A random Arabic or Hebrew word, some letters with vowel points, sometimes after a right-to-left mark."""
    letters, points = rng.choice([(ARABIC, "\u064e\u064f\u0650\u0652\u0651"), (HEBREW, "\u05b0\u05b4\u05bc")])
    word = "".join(rng.choice(letters) + (rng.choice(points) if rng.random() < 0.3 else "")
                   for _ in range(rng.randint(2, 7)))
    return rng.choice(["", "", "", "\u200f"]) + word + rng.choice(["", "", "", "", ".", "،", "؟", "\n", " ٣٤٥"])


def pathological_texts(seed: int = 1) -> dict[str, str]:
    """The degenerate pages by name (each a few MB at most)."""
    rng = random.Random(seed)
    return {
        "repeated": "spam " * 1_000_000,
        "punctuation": "!?.,;:…—–-()[]{}«»“”'\"/\\|@#%&*·。！？" * 20_000,
        "emoji": " ".join(rng.choice(EMOJI) for _ in range(20_000)),
        "invisible": "".join(rng.choice(INVISIBLE) for _ in range(50_000)),
        "rtl": " ".join(rtl_word(rng) for _ in range(5_000)),
    }


WORDLESS = ("punctuation", "emoji", "invisible")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pathological")
    for name, text in pathological_texts().items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
        (folder / f"{name}_copy.txt").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def report(corpus) -> lineage.Report:
    return analyze([corpus], passages="on", bootstrap=0)


def test_pages_without_words_are_skipped_as_too_short_and_pair_with_nothing(report):
    status = {doc.id: (doc.status, doc.skip_kind) for doc in report.documents}
    for name in WORDLESS:
        assert status[f"{name}.txt"] == status[f"{name}_copy.txt"] == ("skipped", "too short")
    assert report.stats["inputs"] == len(report.documents) == 10
    assert report.stats["skipped_by_reason"] == {"too short": 6}
    assert not any(pair.a.startswith(WORDLESS) or pair.b.startswith(WORDLESS) for pair in report.pairs)


def test_one_word_a_million_times_is_one_shingle_and_seeds_no_passage(report):
    # 5,000,000 characters: just within the size limit, so analysed whole.
    assert {doc.id: doc.chars for doc in report.documents}["repeated.txt"] == 5_000_000 <= MAX_CHARS
    assert report.stats["truncated"] == 0
    sizes = {doc.id: doc.shingles for doc in report.documents}
    assert sizes["repeated.txt"] == sizes["repeated_copy.txt"] == 1  # all 3-grams are "spam spam spam"
    # One shared shingle is below min_shared: the copies are no reported pair, and no passage is aligned.
    assert not any("repeated" in pair.a or "repeated" in pair.b for pair in report.pairs)


def test_right_to_left_copies_are_one_passage_with_offsets_into_the_text(report, corpus):
    [pair] = [pair for pair in report.pairs if pair.a.startswith("rtl")]
    assert {pair.a, pair.b} == {"rtl.txt", "rtl_copy.txt"} and pair.jaccard == 1.0
    text = (corpus / "rtl.txt").read_text(encoding="utf-8")
    assert report.texts["rtl.txt"] == text
    [passage] = pair.passages
    tokens = tokenize(text)
    assert (passage.a_start, passage.a_end) == (passage.b_start, passage.b_end) == (tokens.starts[0], tokens.ends[-1])
    assert passage.a_text == text[passage.a_start : passage.a_end] and passage.score == 1.0


def test_pathological_reports_are_byte_identical_on_rerun(corpus, report, tmp_path):
    first = report.write(tmp_path / "one")
    second = analyze([corpus], passages="on", bootstrap=0).write(tmp_path / "two")
    for one, two in zip(first, second):
        assert one.read_bytes() == two.read_bytes(), one.name


def test_dedup_removes_the_copies_it_can_compare_and_keeps_the_rest(corpus, tmp_path):
    summary = dedup([corpus], tmp_path / "kept.jsonl")
    kept = [json.loads(line)["id"] for line in (tmp_path / "kept.jsonl").read_text(encoding="utf-8").splitlines()]
    removed = {json.loads(line)["id"]: json.loads(line)
               for line in (tmp_path / "removed.jsonl").read_text(encoding="utf-8").splitlines()}
    assert summary.inputs == len(kept) + len(removed) == 10
    # Word-less pages have no shingle to compare: kept, and counted as not compared.
    assert summary.not_compared == 6 and all(f"{name}{copy}.txt" in kept for name in WORDLESS for copy in ("", "_copy"))
    assert set(removed) == {"repeated_copy.txt", "rtl_copy.txt"}
    assert all(record["jaccard"] == 1.0 for record in removed.values())


def random_words(count: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    return " ".join(f"w{rng.randrange(50_000)}" for _ in range(count))


def test_a_100_mb_line_is_cut_to_max_doc_chars_and_the_cut_is_reported(monkeypatch):
    # A --max-doc-chars of 2,000,000: the 1 MB block below then recurs twice in what is analysed
    # (at 5,000,000, five times, and the aligner seeds no passage from shingles that repeat so).
    block = random_words(150_000) + " "  # about 1 MB, repeated: the line is made in a second
    end = random_words(400, seed=2)  # a passage of its own, 60 MB in, past the cut
    text = block * 60 + end + " " + block * (100 - 60)
    start = " ".join(block[:3000].split()[:-1])  # quotes the start, which is analysed
    assert len(text) > 100_000_000 and "\n" not in text and end not in text[:LIMIT]
    documents = [
        Document("huge", "huge", text, "utf-8"),
        Document("quotes-start", "quotes-start", "Quoted: " + start, "utf-8"),
        Document("quotes-end", "quotes-end", "Quoted: " + end, "utf-8"),
    ]
    monkeypatch.setattr(pipeline, "read_corpus", lambda paths, **_: list(documents))
    tracemalloc.start()
    try:
        report = analyze(["given"], passages="on", bootstrap=0, read=ReadConfig(max_doc_chars=LIMIT))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.stats["truncated"] == 1
    assert {doc.id: doc.truncated_from for doc in report.documents}["huge"] == len(text)
    assert report.texts["huge"] == text[:LIMIT]
    assert {doc.id: doc.chars for doc in report.documents}["huge"] == LIMIT
    [pair] = report.pairs  # the page quoting past the cut has no pair with what was analysed
    assert {pair.a, pair.b} == {"huge", "quotes-start"} and pair.score > 0.99
    [passage] = pair.passages
    side = "a" if pair.a == "huge" else "b"
    assert getattr(passage, f"{side}_text") == start and getattr(passage, f"{side}_end") <= LIMIT
    # Work follows LIMIT, not the 100 MB: tokenising the whole line would allocate 1.6 GB of offsets.
    assert peak < 150 * LIMIT


def test_a_document_within_max_chars_is_analysed_whole(monkeypatch):
    text = random_words(MAX_CHARS // 14)
    documents = [Document("a", "a", text, "utf-8"), Document("b", "b", text, "utf-8")]
    monkeypatch.setattr(pipeline, "read_corpus", lambda paths, **_: list(documents))
    report = analyze(["given"], passages="off", bootstrap=0)
    assert report.stats["truncated"] == 0 and report.texts["a"] == text
