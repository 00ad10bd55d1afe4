from __future__ import annotations

import json

import pytest

from lineage.corpus import decode_bytes, read_corpus
from lineage.encodings import start_decoding
from lineage.errors import InputError
from lineage.types import Document, SkippedInput

SEED_LIKE = "The glow from Shanghai's Zhangjiang park never sleeps. 上海龙凤419 Semiconductor firms ¥70 billion — “quoted”."


def by_id(records):
    return {record.id: record for record in records}


def test_directory_ids_are_relative_paths_and_unsupported_files_are_reported(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("alpha beta gamma delta", encoding="utf-8")
    (tmp_path / "sub" / "b.md").write_text("# beta\n\ngamma delta", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / ".hidden.txt").write_text("not part of the corpus", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text("not part of the corpus", encoding="utf-8")
    records = by_id(read_corpus([tmp_path]))
    assert sorted(records) == ["a.txt", "image.png", "sub/b.md"]
    assert isinstance(records["a.txt"], Document)
    assert records["sub/b.md"].source == (tmp_path / "sub" / "b.md").as_posix()
    assert records["image.png"].reason.startswith("unsupported file type .png")


def test_a_named_file_is_identified_by_the_path_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.txt").write_text("one two three", encoding="utf-8")
    [record] = read_corpus(["x.txt"])
    assert record.id == "x.txt"


def test_jsonl_records_keep_id_date_url_and_report_bad_lines(tmp_path):
    path = tmp_path / "pages.jsonl"
    lines = [
        json.dumps({"id": 7, "text": "seven words of text are here now", "date": "2025-05-24", "url": "http://x"}),
        "",
        "{not json",
        json.dumps({"id": "no-text"}),
        json.dumps(["a", "list"]),
        json.dumps({"text": "an id is made from the line"}),
        json.dumps({"id": "blank", "text": "   "}),
        json.dumps({"id": "", "text": "an empty id"}),
        json.dumps({"id": ["x"], "text": "a list id"}),
        json.dumps({"id": "two\nlines", "text": "a control character"}),
        '{"id": "cut", "text": "unterminated',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = read_corpus([path])
    ok = [r for r in records if isinstance(r, Document)]
    skipped = {r.source.rsplit(":", 1)[1]: r.reason for r in records if isinstance(r, SkippedInput)}
    assert [(d.id, d.date, d.url) for d in ok] == [("7", "2025-05-24", "http://x"), (f"{path.as_posix()}:6", None, None)]
    assert skipped["3"] == "invalid JSON at column 2: Expecting property name enclosed in double quotes"
    assert skipped["4"] == 'no "text" string in the record'
    assert skipped["5"].startswith("the line is not an object")
    assert skipped["7"] == "empty"
    assert skipped["8"] == "id '' is not a non-empty string or a number without control characters"
    assert skipped["9"].startswith("id ['x'] is not")
    assert skipped["10"].startswith("id 'two\\nlines' is not")
    assert skipped["11"] == "invalid JSON at column 23: Unterminated string starting at"
    kinds = {r.source.rsplit(":", 1)[1]: r.kind for r in records if isinstance(r, SkippedInput)}
    assert kinds == {"3": "invalid JSON", "4": "invalid JSONL record", "5": "invalid JSONL record", "7": "empty",
                     "8": "invalid id", "9": "invalid id", "10": "invalid id", "11": "invalid JSON"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-32", "gb18030", "cp1252"])
def test_text_in_common_encodings_decodes_exactly(encoding):
    text = SEED_LIKE if encoding != "cp1252" else "It’s a “quoted” café — naïve résumé, priced at €70."
    decoded, used = decode_bytes(text.encode(encoding))
    assert decoded == text
    assert used == encoding


LANGUAGES = {
    "zh-Hant": "上海張江高科技園區的夜晚從不沉寂。半導體企業在這裡投入七百億元，建設新的研發中心和生產線。",
    "ja": "上海のテクノロジーパークは眠らない。半導体企業は七百億元を投資し、新しい研究開発センターを建設している。",
    "ko": "상하이의 기술 단지는 잠들지 않는다. 반도체 기업들은 새로운 연구 개발 센터를 건설하고 있다.",
    "fr": "Le budget du quartier du port a été approuvé lundi soir : quais, trottoirs élargis et bibliothèque.",
    "en": "The harbour district budget was approved on Monday evening after a long debate; the piers come first.",
}


@pytest.mark.parametrize("language, encoding, name", [
    ("zh-Hant", "big5", "big5"),
    ("ja", "shift_jis", "shift_jis"),
    ("ko", "euc_kr", "euc_kr"),
    ("fr", "latin-1", "cp1252"),  # what browsers read Latin-1 as: the same characters, and more
    ("fr", "utf-16-le", "utf-16-le"),  # no byte-order mark
    ("en", "utf-16-be", "utf-16-be"),
    ("ja", "utf-32-le", "utf-32-le"),
    ("en", "utf-32-be", "utf-32-be"),
])
def test_legacy_and_bomless_encodings_are_detected_per_document(language, encoding, name):
    text = LANGUAGES[language] * 3
    assert decode_bytes(text.encode(encoding)) == (text, name)


def test_a_declared_charset_is_used_when_the_bytes_decode_with_it():
    text = LANGUAGES["zh-Hant"]
    data = text.encode("big5")
    assert decode_bytes(data, declared="big5") == (text, "big5")
    assert decode_bytes(text.encode("gb18030"), declared="gb2312") == (text, "gb18030")  # a label browsers widen
    assert decode_bytes(text.encode("gb18030"), declared="utf-8") == (text, "gb18030")  # a wrong label is detected past
    assert decode_bytes(b"caf\xe9", declared="no-such-charset")[0] == "café"


def test_utf8_with_a_few_broken_bytes_stays_utf8_with_the_bytes_replaced():
    data = (LANGUAGES["fr"] + " ").encode() + b"\xff" + LANGUAGES["ja"].encode()[:-1]
    text, encoding = decode_bytes(data)
    assert encoding == "utf-8 (invalid bytes replaced)"
    assert text.startswith(LANGUAGES["fr"] + " \ufffd") and text.endswith("\ufffd")


def test_a_document_cut_inside_a_character_goes_on_decoding_where_it_was_cut():
    data = (LANGUAGES["zh-Hant"] * 10).encode("big5")
    head, tail = data[:101], data[101:]
    text, encoding, decoder = start_decoding(head, final=False)
    assert encoding == "big5"
    assert text + decoder.decode(tail, final=True) == LANGUAGES["zh-Hant"] * 10


def test_mostly_english_page_with_chinese_keywords_in_gb18030(shanghai):
    for path in sorted(shanghai.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert decode_bytes(text.encode("gb18030")) == (text, "gb18030")


def test_crlf_and_lf_decode_alike():
    assert decode_bytes(b"one\r\ntwo\rthree\n")[0] == "one\ntwo\nthree\n"


def test_empty_and_binary_files_are_skipped_with_reasons(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text(" \n\t\n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 8)
    reasons = {r.id: r.reason for r in read_corpus([tmp_path])}
    assert reasons == {"binary.txt": "binary file, not text", "blank.txt": "empty", "empty.txt": "empty"}


def test_missing_path_names_the_path(tmp_path):
    with pytest.raises(InputError, match=r"nope: no such file or directory"):
        read_corpus([tmp_path / "nope"])


def test_an_empty_directory_is_an_error(tmp_path):
    with pytest.raises(InputError, match="no documents found"):
        read_corpus([tmp_path])


def test_duplicate_ids_are_an_error_naming_them(tmp_path):
    (tmp_path / "a.txt").write_text("one two three", encoding="utf-8")
    with pytest.raises(InputError, match=r"duplicate document id 'a.txt' \(.*a.txt and .*a.txt\)"):
        read_corpus([tmp_path, tmp_path])


def test_a_file_reached_twice_is_read_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("one two three", encoding="utf-8")
    (tmp_path / "docs" / "loop").symlink_to(tmp_path / "docs")
    records = read_corpus(["docs", "docs/a.txt"])
    assert [(r.id, type(r).__name__) for r in records] == [
        ("a.txt", "Document"), ("loop", "SkippedInput"), ("docs/a.txt", "SkippedInput")]
    assert records[1].reason == "symbolic link to a directory that contains it"
    assert records[2].reason == "same file as 'a.txt', which is read already"


def test_a_directory_and_its_subdirectory_read_each_file_once_without_false_loops(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a" / "sub" / "deep").mkdir(parents=True)
    (tmp_path / "a" / "sub" / "deep" / "x.txt").write_text("one two three", encoding="utf-8")
    records = read_corpus(["a", "a/sub"])
    assert [(r.id, getattr(r, "kind", "document")) for r in records] == [
        ("sub/deep/x.txt", "document"), ("deep/x.txt", "same file")]
