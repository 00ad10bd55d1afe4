"""The local and Dask engines give identical results: signatures, candidates, similarities and dedup files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("dask", reason="the Dask engine needs dask (pip install 'lineage[dask]')")
distributed = pytest.importorskip("distributed", reason="the Dask engine needs distributed (pip install 'lineage[dask]')")

from lineage.candidates import lsh_params  # noqa: E402
from lineage.config import DedupConfig, ReadConfig, SynthConfig  # noqa: E402
from lineage.dedup import dedup  # noqa: E402
from lineage.engines import LocalEngine  # noqa: E402
from lineage.engines.dask import DaskEngine  # noqa: E402
from lineage.errors import ConfigError, InputError  # noqa: E402
from lineage.synth import write_corpus  # noqa: E402

CONFIG = DedupConfig(threshold=0.5)


@pytest.fixture(scope="module")
def scheduler():
    """The address of one 2-worker cluster on loopback, shared by the module's tests."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def _words(rng: np.random.Generator, count: int) -> list[str]:
    return [f"w{number}" for number in rng.integers(0, 400, count)]


def _variant(rng: np.random.Generator, words: list[str], changes: int) -> str:
    changed = list(words)
    for position in rng.choice(len(changed), changes, replace=False):
        changed[position] = f"x{rng.integers(0, 10_000)}"
    return " ".join(changed)


def _synth_corpus(root: Path) -> list[Path]:
    write_corpus(root / "synth", SynthConfig(docs=300, seed=1))
    return [root / "synth" / "corpus.jsonl"]


def _text_directory(root: Path) -> list[Path]:
    """Families of near-duplicate .txt files, nested, with a too-short, an empty and an unsupported file."""
    rng = np.random.default_rng(3)
    corpus = root / "texts"
    (corpus / "nested" / "deeper").mkdir(parents=True)
    for family in range(8):
        words = _words(rng, 120)
        for member in range(4):
            folder = corpus / ("nested" if member % 2 else "") / ("deeper" if member == 3 else "")
            (folder / f"f{family}-m{member}.txt").write_text(_variant(rng, words, 3 * member), encoding="utf-8")
    for single in range(10):
        (corpus / f"single{single}.md").write_text(" ".join(_words(rng, 60)), encoding="utf-8")
    (corpus / "nested" / "short.txt").write_text("only three words", encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "picture.png").write_bytes(b"\x89PNG")
    records = [{"id": f"j{k}", "text": _variant(rng, words, k)} for k in range(5)]
    (corpus / "nested" / "more.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return [corpus]


def _jsonl_without_ids(root: Path) -> list[Path]:
    """Records identified by ``file:line``, with blank and invalid lines between them, no final newline."""
    rng = np.random.default_rng(5)
    lines = []
    for family in range(12):
        words = _words(rng, 80)
        for member in range(3):
            lines.append(json.dumps({"text": _variant(rng, words, 2 * member)}))
            if rng.random() < 0.2:
                lines.append("" if rng.random() < 0.5 else "{not json")
    path = root / "no-ids.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    named = root / "named.txt"
    named.write_text(_variant(rng, words, 1), encoding="utf-8")
    return [path, named]


def _web_directory(root: Path) -> list[Path]:
    """Families spread over HTML pages, a gzipped crawl, compressed JSONL and a CSV, side by side."""
    import gzip
    import io

    import zstandard
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    rng = np.random.default_rng(7)
    corpus = root / "web"
    (corpus / "pages").mkdir(parents=True)
    crawl = io.BytesIO()
    writer = WARCWriter(crawl, gzip=True)
    rows, lines = ["id,text"], []
    for family in range(6):
        words = _words(rng, 100)
        texts = [_variant(rng, words, 3 * member) for member in range(4)]
        page = "<html><head><title>t</title></head><body><nav>Home News</nav><article><p>{}</p></article></body></html>"
        (corpus / "pages" / f"f{family}.html").write_text(page.format(texts[0]), encoding="utf-8")
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(f"https://farm.example/{family}", "response",
                                                      payload=io.BytesIO(page.format(texts[1]).encode()),
                                                      http_headers=headers))
        rows.append(f"c{family},{texts[2]}")
        lines.append(json.dumps({"id": f"j{family}", "text": texts[3]}))
    (corpus / "crawl.warc.gz").write_bytes(crawl.getvalue())
    (corpus / "table.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (corpus / "records.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress("\n".join(lines).encode()))
    (corpus / "pages" / "note.txt.gz").write_bytes(gzip.compress(" ".join(_words(rng, 50)).encode()))
    return [corpus]


# The local engine signs in this process (workers=1): its process pool costs seconds and changes nothing here.
CORPORA = {"synth": (_synth_corpus, 50), "texts": (_text_directory, 7), "no-ids": (_jsonl_without_ids, 7),
           "web": (_web_directory, 7)}


def _run(engine, paths: list[Path]):
    """Everything an engine gives for ``paths``: the signed chunks' contents, candidates and similarities."""
    bands, rows = lsh_params(CONFIG.threshold, CONFIG.sign.minhash.num_perm, CONFIG.recall)
    with engine:
        signed = list(engine.sign(paths, CONFIG.sign, lambda *_: None))
        pairs = engine.candidates(bands, rows, lambda *_: None)
        similarities = engine.verify(pairs, lambda *_: None)
        near = engine.verify(pairs, lambda *_: None, min_jaccard=CONFIG.threshold)
    metadata = {
        "ids": [doc_id for chunk in signed for doc_id in chunk.ids],
        "sources": [source for chunk in signed for source in chunk.sources],
        "dates": [date for chunk in signed for date in chunk.dates],
        "keywords": [words for chunk in signed for words in chunk.keywords],
        "skipped": [record for chunk in signed for record in chunk.skipped],
    }
    signatures = np.concatenate([chunk.signatures for chunk in signed])
    chars = np.concatenate([chunk.chars for chunk in signed])
    return metadata, signatures, chars, pairs, similarities, near


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_dask_engine_matches_local(corpus, scheduler, tmp_path):
    make, chunk = CORPORA[corpus]
    paths = make(tmp_path)
    local = _run(LocalEngine(chunk=chunk, workers=1), paths)
    remote = _run(DaskEngine(scheduler=scheduler, chunk=chunk), paths)
    assert remote[0] == local[0]
    np.testing.assert_array_equal(remote[1], local[1])
    np.testing.assert_array_equal(remote[2], local[2])
    pairs = local[3]
    assert len(local[0]["ids"]) > chunk and len(pairs) > 0
    assert (np.floor_divide(pairs[:, 0], chunk) != np.floor_divide(pairs[:, 1], chunk)).any(), "no cross-chunk pair"
    np.testing.assert_array_equal(remote[3], pairs)
    assert remote[3].dtype == np.int64
    near = local[4].jaccard >= CONFIG.threshold
    assert 0 < near.sum() < len(near)
    for field in ("a", "b", "shared", "jaccard", "containment_a", "containment_b", "score"):
        np.testing.assert_array_equal(getattr(remote[4], field), getattr(local[4], field))
        # min_jaccard keeps exactly the near pairs, in the same order, with the same figures.
        np.testing.assert_array_equal(getattr(local[5], field), getattr(local[4], field)[near])
        np.testing.assert_array_equal(getattr(remote[5], field), getattr(local[4], field)[near])

    outputs = {}
    engines = {"local": LocalEngine(chunk=chunk, workers=1), "dask": DaskEngine(scheduler=scheduler, chunk=chunk)}
    for name, engine in engines.items():
        (tmp_path / name).mkdir()
        summary = dedup(paths, tmp_path / name / "kept.jsonl", config=CONFIG, engine=engine)
        assert summary.engine == name
        outputs[name] = [(tmp_path / name / file).read_bytes() for file in ("kept.jsonl", "removed.jsonl")]
    assert outputs["dask"] == outputs["local"]
    assert b'"representative"' in outputs["local"][1]


def test_dask_engine_refuses_duplicate_ids_across_inputs(scheduler, tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text('{"id": "x", "text": "one two three four five six"}\n', encoding="utf-8")
    second.write_text('{"id": "y", "text": "seven eight"}\n{"id": "x", "text": "nine ten"}\n', encoding="utf-8")
    messages = []
    for engine in (LocalEngine(), DaskEngine(scheduler=scheduler, chunk=1)):
        with pytest.raises(InputError, match=r"duplicate document id 'x' \(.*a\.jsonl:1 and .*b\.jsonl:2\)") as error:
            dedup([first, second], tmp_path / "kept.jsonl", config=CONFIG, engine=engine)
        messages.append(str(error.value))
    assert messages[0] == messages[1]


def test_dask_engine_refuses_standard_input_and_the_lenient_id_policies(scheduler, tmp_path):
    (tmp_path / "a.txt").write_text("one two three four five six", encoding="utf-8")
    with DaskEngine(scheduler=scheduler) as engine, pytest.raises(ConfigError, match="cannot read standard input"):
        list(engine.sign(["-"], CONFIG.sign, lambda *_: None))
    with DaskEngine(scheduler=scheduler) as engine, pytest.raises(ConfigError, match="needs the local engine"):
        list(engine.sign([tmp_path], CONFIG.sign, lambda *_: None, ReadConfig(duplicate_ids="rename")))


def test_dask_engine_refuses_missing_input_as_local_does(scheduler, tmp_path):
    with DaskEngine(scheduler=scheduler) as engine, pytest.raises(InputError, match="no such file or directory"):
        list(engine.sign([tmp_path / "missing"], CONFIG.sign, lambda *_: None))


@pytest.mark.parametrize(("address", "message"), [
    ("tcp://127.0.0.1:9", r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9 \(Timed out"),
    ("nonsense:::x", r"'nonsense:::x' is not a Dask scheduler address .*; pass one like tcp://"),
])
def test_unusable_scheduler_is_a_one_line_error(address, message, monkeypatch):
    monkeypatch.setattr("lineage.engines.dask._CONNECT_SECONDS", 1)
    with pytest.raises(ConfigError, match=message) as error:
        DaskEngine(scheduler=address)
    assert "\n" not in str(error.value)


def test_missing_dask_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ConfigError, match=r"pip install 'lineage\[dask\]'"):
        DaskEngine()
