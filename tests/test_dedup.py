"""lineage dedup: who represents whom, what is written, and that memory follows chunks, not text."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from lineage.cli import main
from lineage.config import DedupConfig, ShingleConfig, SignConfig, SynthConfig
from lineage.dedup import choose_representatives, dedup, preference_order
from lineage.engines import LocalEngine
from lineage.shingles import shingle_sets
from lineage.synth import write_corpus
from lineage.types import ShingleSets

WORDS = ("apple banana cherry delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa "
         "quebec romeo sierra tango uniform victor whiskey xray yankee zulu").split()


def _text(seed: int, words: int = 120) -> str:
    rng = np.random.default_rng(seed)
    return " ".join(rng.choice(WORDS, size=words).tolist())


def _edited(text: str, every: int) -> str:
    """``text`` with every ``every``-th word replaced: a near duplicate."""
    words = text.split()
    return " ".join("CHANGED" if k % every == 0 else word for k, word in enumerate(words))


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _jaccard(a: str, b: str, config: ShingleConfig) -> float:
    rows, _ = shingle_sets([a, b], config)
    x, y = set(rows.row(0).tolist()), set(rows.row(1).tolist())
    return len(x & y) / len(x | y)


def test_preference_is_earliest_date_then_longest_then_first():
    dates = [None, "2024-01-02T00:00", None, "2023-05-01T00:00", None]
    chars = np.array([100, 50, 300, 10, 300])
    assert preference_order(dates, chars).tolist() == [3, 1, 2, 4, 0]


def test_a_chain_does_not_remove_the_far_end():
    # 0~1 and 1~2 are near duplicates, 0 and 2 are not: 0 is kept and removes 1; 2 stays.
    representative, similarity = choose_representatives(
        3, np.array([0, 1]), np.array([1, 2]), np.array([0.7, 0.6]), np.array([0, 1, 2])
    )
    assert representative.tolist() == [-1, 0, -1]
    assert similarity[1] == pytest.approx(0.7)


def test_dedup_keeps_the_earliest_and_names_the_representative_with_its_exact_jaccard(tmp_path):
    base = _text(1)
    records = [
        {"id": "late", "text": base, "date": "2024-03-01", "site": "a.example"},
        {"id": "early", "text": _edited(base, 50), "date": "2023-01-01"},
        {"id": "undated-long", "text": _edited(base, 40) + " extra words at the end"},
        {"id": "other", "text": _text(2)},
    ]
    corpus = _write_jsonl(tmp_path / "in.jsonl", records)
    summary = dedup([corpus], tmp_path / "kept.jsonl")
    kept = _lines(tmp_path / "kept.jsonl")
    removed = {line["id"]: line for line in _lines(tmp_path / "removed.jsonl")}
    assert [record["id"] for record in kept] == ["early", "other"]
    assert set(removed) == {"late", "undated-long"}
    shingle = DedupConfig().sign.shingle
    for doc_id, line in removed.items():
        assert line["representative"] == "early"
        text = next(record["text"] for record in records if record["id"] == doc_id)
        assert line["jaccard"] == pytest.approx(_jaccard(text, records[1]["text"], shingle), abs=1e-6)
        assert line["jaccard"] >= DedupConfig().threshold
    assert (summary.inputs, summary.kept, summary.removed, summary.groups) == (4, 2, 2, 1)


def test_jsonl_records_are_copied_unchanged_and_every_record_is_accounted_for(tmp_path):
    base = _text(3)
    lines = [
        json.dumps({"id": "a", "text": base, "extra": {"nested": [1, 2]}, "url": "https://a.example/x"}),
        json.dumps({"id": "b", "text": base}),  # an exact copy
        "{not json",
        json.dumps({"id": "empty", "text": "   "}),
        json.dumps({"id": "tiny", "text": "two words"}),  # too short for a 5-gram: kept, not compared
    ]
    corpus = tmp_path / "in.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = dedup([corpus], tmp_path / "out" / "kept.jsonl")  # the folder is made
    kept_lines = (tmp_path / "out" / "kept.jsonl").read_text(encoding="utf-8").splitlines()
    assert kept_lines == [lines[0], lines[4]]  # byte for byte, extra fields and all
    removed = _lines(tmp_path / "out" / "removed.jsonl")
    assert [(line["id"], line.get("representative"), line.get("skipped")) for line in removed] == [
        ("b", "a", None), (f"{corpus.as_posix()}:3", None, "invalid JSON"), ("empty", None, "empty"),
    ]
    assert removed[0]["jaccard"] == 1.0
    assert summary.inputs == len(kept_lines) + len(removed) == 5
    assert summary.not_compared == 1 and summary.skipped == {"empty": 1, "invalid JSON": 1}


def test_text_files_are_written_as_records(tmp_path):
    folder = tmp_path / "pages"
    (folder / "sub").mkdir(parents=True)
    (folder / "one.txt").write_text(_text(4), encoding="utf-8")
    (folder / "sub" / "two.txt").write_text(_text(4), encoding="utf-8")
    dedup([folder], tmp_path / "kept.jsonl")
    assert _lines(tmp_path / "kept.jsonl") == [{"id": "one.txt", "source": f"{folder.as_posix()}/one.txt",
                                                "text": _text(4)}]
    assert _lines(tmp_path / "removed.jsonl")[0]["representative"] == "one.txt"


def test_chunks_and_worker_processes_change_nothing(tmp_path):
    write_corpus(tmp_path / "synth", SynthConfig(docs=400, seed=2))
    corpus = tmp_path / "synth" / "corpus.jsonl"
    outputs = []
    for chunk, workers in ((37, 1), (37, 2), (10_000, 1)):
        out = tmp_path / f"chunk{chunk}-{workers}"
        out.mkdir()
        summary = dedup([corpus], out / "kept.jsonl", engine=LocalEngine(chunk=chunk, workers=workers))
        outputs.append(((out / "kept.jsonl").read_bytes(), (out / "removed.jsonl").read_bytes()))
        assert summary.removed > 0
    assert outputs[0] == outputs[1] == outputs[2]


def test_memory_follows_the_chunk_not_the_corpus(tmp_path):
    records = [{"id": f"d{k}", "text": _text(k, words=1500)} for k in range(2000)]
    corpus = _write_jsonl(tmp_path / "big.jsonl", records)
    text_bytes = sum(len(record["text"]) for record in records)  # about 19 MB
    dedup([_write_jsonl(tmp_path / "warm.jsonl", records[:30])], tmp_path / "warm-kept.jsonl",
          tmp_path / "warm-removed.jsonl")  # compiled code and lookup tables are loaded once, not measured
    peaks = {}
    for chunk in (2000, 20):  # the first run also loads what is compiled on first use
        tracemalloc.start()
        dedup([corpus], tmp_path / f"kept{chunk}.jsonl", tmp_path / f"removed{chunk}.jsonl",
              engine=LocalEngine(chunk=chunk, workers=1))  # in this process, where tracemalloc sees it
        peaks[chunk] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    # Streamed in chunks of 20, the run never holds the corpus's text, let alone its shingles (8 bytes a word).
    # (tracemalloc counts what numpy allocates, touched or not: an upper bound on the memory used.)
    assert peaks[20] < text_bytes / 2
    assert peaks[20] < peaks[2000] / 4


def test_dedup_command_prints_a_summary(tmp_path):
    base = _text(5)
    corpus = _write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": base}, {"id": "b", "text": _edited(base, 25)}])
    result = CliRunner().invoke(main, ["dedup", str(corpus), "-o", str(tmp_path / "kept.jsonl")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "Read 2 records: kept 1, removed 1 near duplicates of 1 kept document."
    assert result.output.splitlines()[-1] == f"Kept: {tmp_path / 'kept.jsonl'}; removed: {tmp_path / 'removed.jsonl'}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "{tmp}"], "Error: Invalid value for '-o' / '--output': File '{tmp}' is a directory."),
        (["-o", "{tmp}/k.jsonl", "--removed", "{tmp}/k.jsonl"],
         "Error: {tmp}/k.jsonl: the kept and removed files must differ; pass another --removed"),
        (["-o", "{tmp}/k.jsonl", "--scheduler", "tcp://127.0.0.1:1"], "Error: --scheduler needs --engine dask"),
    ],
)
def test_dedup_usage_errors_are_one_line_with_exit_code_2(tmp_path, args, message):
    corpus = _write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": _text(6)}])
    result = CliRunner().invoke(main, ["dedup", str(corpus), *[arg.format(tmp=tmp_path) for arg in args]])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith(message.format(tmp=tmp_path))
    assert len(result.stderr.splitlines()) == 1


def test_sign_config_is_checked(tmp_path):
    with pytest.raises(Exception, match="threshold=1.5"):
        DedupConfig(SignConfig(), threshold=1.5)


@pytest.mark.parametrize("block_bytes", [64, 4096, 1 << 27])
def test_spilled_verification_by_blocks_matches_in_memory_merging(monkeypatch, block_bytes):
    """Any block size, sorted or shuffled pairs: the same similarities, in the input order, filtered exactly."""
    import lineage.stream as stream
    from lineage.verify import shared_counts, similarities

    monkeypatch.setattr(stream, "_BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(7)
    sets = [np.unique(rng.integers(0, 60, size=rng.integers(0, 40))).astype(np.uint64) for _ in range(90)]
    indptr = np.concatenate([[0], np.cumsum([len(row) for row in sets])]).astype(np.int64)
    hashes = np.concatenate(sets)
    a, b = np.triu_indices(len(sets), k=1)
    pick = rng.random(len(a)) < 0.3
    pairs = np.column_stack([a[pick], b[pick]]).astype(np.int64)
    expected = similarities(pairs[:, 0], pairs[:, 1], shared_counts(indptr, hashes, pairs[:, 0].copy(),
                                                                    pairs[:, 1].copy()),
                            np.diff(indptr)[pairs[:, 0]], np.diff(indptr)[pairs[:, 1]])
    with stream.ShingleSpill() as spill:
        spill.append(ShingleSets(indptr, hashes))
        for order in (np.arange(len(pairs)), rng.permutation(len(pairs))):
            for min_jaccard in (0.0, 0.4):
                found = stream.verify_spilled(spill, pairs[order], min_jaccard)
                near = expected.jaccard[order] >= min_jaccard
                assert 0 < near.sum() and (min_jaccard == 0.0 or near.sum() < len(near))
                for field in ("a", "b", "shared", "jaccard", "score"):
                    np.testing.assert_array_equal(getattr(found, field), getattr(expected, field)[order][near])


def test_ctrl_c_while_the_outputs_are_renamed_still_replaces_both(tmp_path, monkeypatch):
    """Ctrl-C between the two renames waits for the second: kept and removed never come from two runs."""
    import os
    import signal

    source = _write_jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": _text(1)}, {"id": "b", "text": _text(1)}])
    kept, removed = tmp_path / "kept.jsonl", tmp_path / "removed.jsonl"
    kept.write_text("old\n", encoding="utf-8")
    removed.write_text("old\n", encoding="utf-8")
    real_replace = os.replace

    def interrupted(temporary, path):
        real_replace(temporary, path)
        if path == kept:
            os.kill(os.getpid(), signal.SIGINT)  # as if Ctrl-C came right after the first rename

    monkeypatch.setattr(os, "replace", interrupted)
    # As in a terminal, even when the tests run in the background (where SIGINT starts out ignored).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            dedup([source], kept, config=DedupConfig(), engine=LocalEngine(workers=1))
    finally:
        signal.signal(signal.SIGINT, previous)
    assert [line["id"] for line in _lines(kept)] == ["a"]
    assert [line["id"] for line in _lines(removed)] == ["b"]
