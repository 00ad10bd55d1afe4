"""The persistent index: round trips, incremental adds, families, operators, transactions and bad files."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import numpy as np
import pytest

import lineage
from lineage import index
from lineage.candidates import lsh_params
from lineage.config import ShingleConfig, SignConfig, SynthConfig
from lineage.corpus import read_corpus
from lineage.errors import InputError, LineageError
from lineage.index import IndexConfig, IndexFileError
from lineage.stream import sign_chunk
from lineage.synth import write_corpus
from lineage.types import Document


@pytest.fixture(scope="module")
def synth(tmp_path_factory) -> dict[str, Path]:
    """A 300-document synthetic corpus, whole and split in two files (first 180, last 120 lines)."""
    folder = tmp_path_factory.mktemp("synth")
    write_corpus(folder, SynthConfig(docs=300, seed=1))
    lines = (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / "part1.jsonl").write_text("".join(lines[:180]), encoding="utf-8")
    (folder / "part2.jsonl").write_text("".join(lines[180:]), encoding="utf-8")
    return {"all": folder / "corpus.jsonl", "part1": folder / "part1.jsonl", "part2": folder / "part2.jsonl"}


@pytest.fixture(scope="module")
def built(synth, tmp_path_factory) -> Path:
    """The whole synthetic corpus indexed in one build (read-only for the tests that use it)."""
    db = tmp_path_factory.mktemp("built") / "corpus.db"
    index.build(db, [synth["all"]], chunk=64)
    return db


def documents(path: Path) -> list[Document]:
    return [record for record in read_corpus([path]) if isinstance(record, Document)]


def dump(db: Path) -> list[str]:
    connection = sqlite3.connect(db)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def rows(db: Path, sql: str) -> list[tuple]:
    connection = sqlite3.connect(db)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def answers(report: index.QueryReport) -> list[tuple]:
    """What a query found, without the indexed documents' sources (their file names)."""
    return [(result.id, result.candidates, result.families, result.operators,
             [(n.id, n.jaccard, n.containment, n.containment_indexed, n.family, n.family_size, n.operator,
               n.operator_keywords) for n in result.neighbours]) for result in report.results]


def words(seed: int, count: int) -> list[str]:
    """``count`` made-up words, distinct enough that unrelated lists share no 5-gram."""
    rng = random.Random(seed)
    return ["".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(3)) for _ in range(count)]


def write_docs(path: Path, docs: dict[str, str]) -> Path:
    path.write_text("".join(json.dumps({"id": key, "text": text}, ensure_ascii=False) + "\n"
                            for key, text in docs.items()), encoding="utf-8")
    return path


def direct_jaccard(a: str, b: str, sign: SignConfig) -> float:
    signed = sign_chunk([Document("a", "a", a, "utf-8"), Document("b", "b", b, "utf-8")], sign)
    left, right = set(signed.shingles.row(0).tolist()), set(signed.shingles.row(1).tolist())
    return len(left & right) / len(left | right)


# Round trips


def test_build_writes_self_describing_meta(built):
    meta = dict(rows(built, "SELECT key, value FROM meta"))
    assert meta == {"format": "lineage-index", "version": "1", "shingle": "word:5", "num_perm": "128", "seed": "1",
                    "keep_injections": "0", "threshold": "0.5", "recall": "0.99", "bands": "35", "rows": "3"}
    assert rows(built, "PRAGMA journal_mode") == [("wal",)]
    assert index.read_settings(built).config == IndexConfig()


def test_query_of_an_indexed_text_finds_itself(built, synth):
    queried = documents(synth["all"])[:20]
    report = index.query(built, queried, top=3)
    assert report.documents == 300
    for doc, result in zip(queried, report.results):
        assert result.id == doc.id
        assert result.neighbours[0].id == doc.id
        assert result.neighbours[0].jaccard == 1.0
        assert result.neighbours[0].containment == result.neighbours[0].containment_indexed == 1.0
        assert result.neighbours[0].family in result.families
        assert len(result.neighbours) <= 3


def test_near_duplicate_edit_reports_the_exact_jaccard(built, synth):
    original = documents(synth["all"])[10]
    tokens = original.text.split(" ")
    for k in range(5, len(tokens), 40):  # one word in forty rewritten
        tokens[k] = "rewritten"
    edited = Document("edited", "edited", " ".join(tokens), "utf-8")
    result = index.query(built, [edited]).results[0]
    match = next(neighbour for neighbour in result.neighbours if neighbour.id == original.id)
    expected = direct_jaccard(edited.text, original.text, IndexConfig().sign)
    assert 0.5 <= expected < 1.0
    assert match.jaccard == pytest.approx(expected, abs=1e-12)
    assert result.neighbours[0].jaccard >= match.jaccard


def test_unrelated_text_finds_nothing(built):
    text = " ".join(words(99, 400))
    result = index.query(built, [Document("new", "new", text, "utf-8")]).results[0]
    assert result.neighbours == () and result.families == () and result.operators == ()


def test_query_reads_paths_and_reports_too_short_records(built, tmp_path):
    path = write_docs(tmp_path / "q.jsonl", {"short": "two words", "long": " ".join(words(5, 50))})
    report = index.query(built, [path])
    assert [result.id for result in report.results] == ["long"]
    assert [record.id for record in report.skipped] == ["short"]


# Incremental adds


def test_incremental_add_equals_one_shot_build(built, synth, tmp_path):
    db = tmp_path / "grown.db"
    first = index.build(db, [synth["part1"]], chunk=50)
    second = index.add(db, [synth["part2"]], chunk=50)
    assert (first.added, second.added, second.documents) == (180, 120, 300)
    columns = "doc, id, encoding, date, url, chars, shingles, family, operator, signature, text"  # not source: the file
    for sql in (f"SELECT {columns} FROM documents ORDER BY doc", "SELECT * FROM buckets ORDER BY key, doc",
                "SELECT * FROM keywords ORDER BY key", "SELECT * FROM document_keywords ORDER BY doc, key"):
        assert rows(db, sql) == rows(built, sql), sql
    queried = documents(synth["all"])[::15]
    assert answers(index.query(db, queried)) == answers(index.query(built, queried))
    one_shot = index.build(tmp_path / "again.db", [synth["all"]])
    assert (second.families, second.largest_family, second.operators) == (
        one_shot.families, one_shot.largest_family, one_shot.operators)


def test_add_skips_documents_already_indexed(synth, tmp_path):
    db = tmp_path / "x.db"
    index.build(db, [synth["part1"]])
    before = dump(db)
    again = index.add(db, [synth["part1"]])
    assert (again.added, again.already_indexed, again.documents) == (0, 180, 180)
    assert dump(db) == before


def test_families_merge_when_an_add_bridges_them(tmp_path):
    text = words(1, 300)
    left, right, bridge = " ".join(text[:200]), " ".join(text[100:]), " ".join(text[50:250])
    sign = IndexConfig().sign
    assert direct_jaccard(left, right, sign) < 0.5 <= direct_jaccard(left, bridge, sign)
    assert direct_jaccard(bridge, right, sign) >= 0.5
    db = tmp_path / "x.db"
    index.build(db, [write_docs(tmp_path / "a.jsonl", {"left": left, "other": " ".join(words(2, 100)),
                                                       "right": right})])
    assert rows(db, "SELECT id, family FROM documents ORDER BY doc") == [("left", 1), ("other", 2), ("right", 3)]
    summary = index.add(db, [write_docs(tmp_path / "b.jsonl", {"bridge": bridge})])
    assert (summary.merged, summary.near_pairs, summary.families, summary.largest_family) == (1, 2, 1, 3)
    assert rows(db, "SELECT id, family FROM documents ORDER BY doc") == [
        ("left", 1), ("other", 2), ("right", 1), ("bridge", 1)]
    result = index.query(db, [Document("q", "q", right, "utf-8")]).results[0]
    assert (result.neighbours[0].id, result.neighbours[0].family, result.neighbours[0].family_size) == ("right", "F1", 3)


# Operators


def spammed(keyword: str, seed: int) -> str:
    """English-like paragraphs, each opened by ``keyword`` (as the demo corpus's farm pages are)."""
    vocabulary = words(seed, 240)
    return "\n\n".join(f"{keyword} The " + " ".join(vocabulary[k : k + 40]) + "." for k in range(0, 240, 40))


def test_operators_join_documents_sharing_a_keyword(tmp_path):
    db = tmp_path / "x.db"
    index.build(db, [write_docs(tmp_path / "a.jsonl", {
        "a": spammed("上海龙凤419", 1), "b": spammed("上海龙凤419", 2), "c": spammed("北京花千坊520", 3),
        "plain": " ".join(words(4, 200)),
    })])
    assert rows(db, "SELECT id, operator FROM documents ORDER BY doc") == [("a", 1), ("b", 1), ("c", 3), ("plain", None)]
    assert rows(db, "SELECT text, operator, docs FROM keywords ORDER BY operator") == [
        ("上海龙凤419", 1, 2), ("北京花千坊520", 3, 1)]
    summary = index.add(db, [write_docs(tmp_path / "b.jsonl", {"both": spammed("上海龙凤419 北京花千坊520", 5)})])
    assert summary.operators == 1
    assert rows(db, "SELECT id, operator FROM documents ORDER BY doc") == [
        ("a", 1), ("b", 1), ("c", 1), ("plain", None), ("both", 1)]
    query = Document("q", "q", spammed("上海龙凤419", 2), "utf-8")
    result = index.query(db, [query]).results[0]
    assert result.keywords[0] == "上海龙凤419" and result.operators == ("O1",)
    assert result.neighbours[0].id == "b"
    assert result.neighbours[0].operator_keywords == ("上海龙凤419", "北京花千坊520")


def test_demo_corpus_pages_carrying_one_keyword_share_an_operator(shanghai, tmp_path):
    db = tmp_path / "s.db"
    index.build(db, [shanghai])
    operator = dict(rows(db, "SELECT id, operator FROM documents"))
    assert operator["000_fc941947a1b471b4.txt"] == operator["001_8d0afbd8c3a3ca36.txt"]  # both carry 上海龙凤419
    assert operator["002_82837cee5602c89a.txt"] == operator["003_92e18382609d7663.txt"]  # 上海龙凤419油压论坛
    # Through the variants of 上海龙凤419 every page is one farm's, as analyze finds.
    [analysed] = lineage.analyze([shanghai], family_threshold=0.02).operators
    assert len(set(operator.values())) == 1 and len(analysed.docs) == len(operator) == 5


def test_variants_of_a_keyword_join_one_operator_whether_added_together_or_apart(tmp_path):
    texts = {"a": spammed("上海龙凤419", 1), "b": spammed("爱上海龙凤419论坛", 2), "c": spammed("上海龙凤论坛419", 3),
             "d": spammed("北京花千坊520", 4)}
    together = tmp_path / "together.db"
    index.build(together, [write_docs(tmp_path / "all.jsonl", texts)])
    apart = tmp_path / "apart.db"
    index.build(apart, [write_docs(tmp_path / "first.jsonl", {"b": texts["b"], "d": texts["d"]})])
    index.add(apart, [write_docs(tmp_path / "second.jsonl", {"c": texts["c"]})])
    index.add(apart, [write_docs(tmp_path / "third.jsonl", {"a": texts["a"]})])
    for db in (together, apart):
        operator = dict(rows(db, "SELECT id, operator FROM documents"))
        assert operator["a"] == operator["b"] == operator["c"] != operator["d"]
    query = index.query(apart, [Document("q", "q", spammed("上海龙凤419sh888", 5), "utf-8")]).results[0]
    assert query.operators == (f"O{dict(rows(apart, 'SELECT id, operator FROM documents'))['b']}",)


# Transactions and concurrency


def test_interrupted_add_leaves_the_index_as_it_was(synth, tmp_path, monkeypatch):
    db = tmp_path / "x.db"
    index.build(db, [synth["part1"]])
    before_bytes, before_rows = db.read_bytes(), dump(db)
    real_insert = index._insert
    calls = []

    def failing_insert(*args):
        real_insert(*args)  # rows of this chunk are written, then the process "dies"
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(index, "_insert", failing_insert)
    with pytest.raises(KeyboardInterrupt):
        index.add(db, [synth["part2"]], chunk=40)
    assert len(calls) == 2
    assert dump(db) == before_rows
    assert db.read_bytes() == before_bytes
    monkeypatch.setattr(index, "_insert", real_insert)
    assert index.add(db, [synth["part2"]]).documents == 300


def test_duplicate_ids_in_one_add_change_nothing(synth, tmp_path):
    db = tmp_path / "x.db"
    index.build(db, [synth["part1"]])
    before = dump(db)
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(synth["part2"].read_bytes())
    with pytest.raises(InputError, match="duplicate"):
        index.add(db, [synth["part2"], copy])
    assert dump(db) == before


def test_readers_query_while_a_writer_adds(synth, tmp_path, monkeypatch):
    db = tmp_path / "x.db"
    index.build(db, [synth["part1"]])
    probe = documents(synth["part2"])[:3] + documents(synth["part1"])[:3]
    seen = []

    def progress(stage, done, total):
        if done:  # inside the writer's open transaction, after its first chunk was inserted
            seen.append(index.query(db, probe))
            with pytest.raises(IndexFileError, match="another process is writing"):
                index.add(db, [synth["part2"]])

    monkeypatch.setattr(index, "BUSY_TIMEOUT", 0.05)
    index.add(db, [synth["part2"]], chunk=50, progress=progress)
    assert len(seen) == 3
    assert all(report.documents == 180 for report in seen)  # the snapshot before the add
    assert [result.neighbours[0].id for result in seen[0].results[3:]] == [doc.id for doc in probe[3:]]
    after = index.query(db, probe)
    assert after.documents == 300
    assert [result.neighbours[0].jaccard for result in after.results] == [1.0] * 6


# Bad files and settings


def test_missing_index(tmp_path):
    with pytest.raises(IndexFileError, match=r"nope\.db: no such index; create it with `lineage index build"):
        index.add(tmp_path / "nope.db", [tmp_path])
    with pytest.raises(IndexFileError, match="no such index"):
        index.query(tmp_path / "nope.db", [Document("q", "q", "some text here", "utf-8")])
    assert not (tmp_path / "nope.db").exists()


@pytest.mark.parametrize(("make", "message"), [
    (lambda path: path.write_text("id,text\n1,hello\n"), r"x\.db: not an SQLite file, so not a lineage index"),
    (lambda path: sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit(),
     r"x\.db: not a lineage index \(no meta table\); pass a file made by `lineage index build`"),
])
def test_foreign_files_are_refused_in_one_line(tmp_path, make, message):
    db = tmp_path / "x.db"
    make(db)
    for call in (lambda: index.add(db, [tmp_path]), lambda: index.query(db, [Document("q", "q", "a b c d e f", "u")]),
                 lambda: index.neighbours_for_analysis(db, [])):
        with pytest.raises(IndexFileError, match=message) as caught:
            call()
        assert "\n" not in str(caught.value) and isinstance(caught.value, LineageError)


def test_damaged_file_is_refused(synth, tmp_path):
    db = tmp_path / "x.db"
    index.build(db, [synth["part1"]])
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")  # the page size, from the SQLite header
    data[page * 2 : page * 12] = b"\xa5" * (page * 10)  # garble pages 3..12, past the header and schema
    db.write_bytes(bytes(data))
    with pytest.raises(IndexFileError, match=r"x\.db: damaged \(.*\); rebuild it with `lineage index build --force"):
        index.query(db, documents(synth["part1"])[:50])


@pytest.mark.parametrize(("sql", "message"), [
    ("UPDATE meta SET value = 'other' WHERE key = 'format'", "not a lineage index \\(meta format is 'other'"),
    ("UPDATE meta SET value = '2' WHERE key = 'version'", "index format version 2, this lineage reads version 1"),
    ("UPDATE meta SET value = 'abc' WHERE key = 'num_perm'", "meta setting .* is missing or invalid"),
    ("DELETE FROM meta WHERE key = 'shingle'", "meta setting 'shingle' is missing"),
    ("UPDATE meta SET value = '64' WHERE key = 'bands'", "bands=64 x rows=3 does not fit num_perm=128"),
    ("DROP TABLE buckets", "damaged lineage index \\(no buckets table\\)"),
])
def test_settings_are_checked_on_open(tmp_path, sql, message):
    db = tmp_path / "x.db"
    index.build(db, [write_docs(tmp_path / "a.jsonl", {"a": " ".join(words(1, 50))})])
    connection = sqlite3.connect(db)
    connection.execute(sql)
    connection.commit()
    connection.close()
    with pytest.raises(IndexFileError, match=message):
        index.query(db, [Document("q", "q", " ".join(words(1, 50)), "utf-8")])


def test_add_and_query_use_the_index_settings(tmp_path):
    config = IndexConfig(SignConfig(ShingleConfig("char", 7)), threshold=0.7)
    db = tmp_path / "x.db"
    text = " ".join(words(1, 80))
    index.build(db, [write_docs(tmp_path / "a.jsonl", {"a": text})], config=config)
    assert index.read_settings(db).config == config
    assert (index.read_settings(db).bands, index.read_settings(db).rows) == lsh_params(0.7, 128, 0.99)
    result = index.query(db, [Document("q", "q", text, "utf-8")]).results[0]
    assert result.shingles == len(sign_chunk([Document("a", "a", text, "u")], config.sign).shingles.hashes)
    with pytest.raises(IndexFileError, match=r"built with shingle=char:7 \(asked word:5\), threshold=0.7 \(asked 0.5\)"):
        index.add(db, [tmp_path / "a.jsonl"], config=IndexConfig())
    assert index.add(db, [tmp_path / "a.jsonl"], config=config).already_indexed == 1


def test_build_refuses_to_overwrite_unless_told(synth, tmp_path):
    db = tmp_path / "x.db"
    db.write_text("precious")
    with pytest.raises(IndexFileError, match=r"x\.db: already exists; pass --force to replace it"):
        index.build(db, [synth["part1"]])
    assert db.read_text() == "precious"
    assert index.build(db, [synth["part1"]], overwrite=True).documents == 180
    with pytest.raises(InputError):  # a failed build leaves the old index and no staging file
        index.build(db, [tmp_path / "missing.jsonl"], overwrite=True)
    assert index.read_settings(db) and sorted(path.name for path in tmp_path.iterdir()) == ["x.db"]


# analyze --index


def test_neighbours_for_analysis_returns_indexed_near_duplicates_with_text(built, synth):
    originals = documents(synth["all"])
    edited = [Document(f"new-{doc.id}", "new", doc.text.replace(" the ", " a ", 3), "utf-8") for doc in originals[:5]]
    found = index.neighbours_for_analysis(built, edited)
    by_id = {doc.id: doc for doc in originals}
    assert {doc.id for doc in edited}.isdisjoint(doc.id for doc in found)
    assert {doc.id[4:] for doc in edited} <= {doc.id for doc in found}
    sign = IndexConfig().sign
    for doc in found:
        assert doc.text == by_id[doc.id].text
        assert doc.source == f"index:{built}:{doc.id}"
        assert max(direct_jaccard(doc.text, query.text, sign) for query in edited) >= 0.5
    assert {doc.id for doc in index.neighbours_for_analysis(built, originals[:5])}.isdisjoint(
        doc.id for doc in originals[:5])
    assert np.all(np.diff([int(doc.id[3:]) for doc in found]) > 0)  # in index order


def test_index_commands_and_analyze_with_an_index(tmp_path):
    from click.testing import CliRunner

    from lineage.cli import main

    runner = CliRunner()
    corpus = Path(__file__).parent.parent / "corpus" / "shanghai"
    db = tmp_path / "pages.db"
    built = runner.invoke(main, ["index", "build", str(db), str(corpus)])
    assert built.exit_code == 0, built.output
    assert built.output.splitlines()[0].startswith("Indexed 5 documents of 5 records in ")
    again = runner.invoke(main, ["index", "build", str(db), str(corpus)])
    assert again.exit_code == 2 and "already exists; pass --force" in again.stderr
    page = corpus / "001_8d0afbd8c3a3ca36.txt"
    asked = runner.invoke(main, ["index", "query", str(db), str(page)])
    assert asked.exit_code == 0, asked.output
    assert asked.output.splitlines()[1].split()[:3] == ["001_8d0afbd8c3a3ca36.txt", "Jaccard", "1.000"]
    # A lightly edited copy of 001, analysed with the index, is paired with the indexed 001.
    edited = tmp_path / "new" / "copy.txt"
    edited.parent.mkdir()
    edited.write_text(page.read_text(encoding="utf-8").replace("Shanghai", "Shenzhen", 1), encoding="utf-8")
    analysed = runner.invoke(main, ["analyze", str(edited.parent), "-o", str(tmp_path / "report"), "--index", str(db)])
    assert analysed.exit_code == 0, analysed.output
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert [doc["source"] for doc in report["documents"]][1] == f"index:{db}:001_8d0afbd8c3a3ca36.txt"
    assert (report["pairs"][0]["a"], report["pairs"][0]["b"]) == ("copy.txt", "001_8d0afbd8c3a3ca36.txt")
    assert report["summary"]["index"] == {"path": str(db), "documents": 1}
