"""Every input format reads from a real file of that format: HTML, CSV/TSV, WARC/ARC, compressed, stdin, globs."""

from __future__ import annotations

import gzip
import io
import json

import pytest
import zstandard
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import lineage
from lineage.cli import main
from lineage.config import ReadConfig
from lineage.corpus import read_corpus
from lineage.errors import InputError
from lineage.types import Document

ARTICLE = ("The harbour district budget was approved on Monday evening after a long debate. Council members "
           "agreed to fund new ferry piers, wider pavements and a library annex.")
PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Harbour budget approved | City News</title>
<link rel="canonical" href="https://news.example/harbour-budget">
<meta property="article:published_time" content="2024-05-02T09:30:00Z">
<script>var tracking = "do not read me";</script><style>p {{ color: black }}</style></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a> <a href="/login">Log in</a></nav>
<div id="cookie-banner">We use cookies to improve your experience. <button>Accept</button></div>
<article><h1>Harbour budget approved</h1><p>{ARTICLE}</p>
<p>Residents who spoke at the meeting asked for more trees along the waterfront and benches by the piers.</p></article>
<section class="comments"><h2>Comments</h2><p>Great article, thanks for sharing it with us!</p></section>
<footer>Copyright 2024 City News. All rights reserved. About us. Contact. Privacy.</footer></body></html>
"""


def by_id(records):
    return {record.id: record for record in records}


def crawl(records, compress: bool = True) -> bytes:
    """A WARC file of ``(type, uri, content type, payload, status)`` records, written with warcio."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=compress)
    for record_type, uri, content_type, payload, status in records:
        http = None
        if record_type == "response":
            http = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(uri, record_type, payload=io.BytesIO(payload),
                                                      http_headers=http))
    return out.getvalue()


def test_an_html_page_is_its_main_text_with_title_url_and_date(tmp_path):
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    [doc] = read_corpus([tmp_path / "page.html"])
    assert doc.text.startswith("Harbour budget approved\n")
    assert ARTICLE in doc.text and "benches by the piers." in doc.text
    for boilerplate in ("Log in", "cookies", "tracking", "Great article", "Copyright", "color"):
        assert boilerplate not in doc.text
    assert (doc.title, doc.url, doc.date) == ("Harbour budget approved | City News", "https://news.example/harbour-budget",
                                              "2024-05-02T09:30:00Z")
    report = lineage.analyze([tmp_path / "page.html"])
    [record] = report.documents
    assert (record.title, record.url, record.chars) == (doc.title, doc.url, len(doc.text))
    assert report.texts[doc.id] == doc.text  # offsets refer to the extracted text


@pytest.mark.parametrize("name, compress", [
    ("a.txt.gz", lambda data: gzip.compress(data, mtime=0)),
    ("a.md.zst", lambda data: zstandard.ZstdCompressor().compress(data)),
    ("a.html.gz", lambda data: gzip.compress(data, mtime=0)),
    ("a.html.zst", lambda data: zstandard.ZstdCompressor().compress(data)),
])
def test_compressed_documents_read_as_their_uncompressed_selves(tmp_path, name, compress):
    plain = name.rsplit(".", 1)[0]
    content = (PAGE if ".html" in name else ARTICLE).encode("utf-8")
    (tmp_path / "compressed").mkdir()
    (tmp_path / "compressed" / name).write_bytes(compress(content))
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / plain).write_bytes(content)
    [compressed] = read_corpus([tmp_path / "compressed"])
    [uncompressed] = read_corpus([tmp_path / "plain"])
    assert (compressed.id, compressed.text, compressed.title) == (name, uncompressed.text, uncompressed.title)


def test_jsonl_gz_and_zst_with_several_frames_read_every_record(tmp_path):
    lines = [json.dumps({"id": f"d{k}", "text": f"{ARTICLE} {k}"}).encode() + b"\n" for k in range(6)]
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(b"".join(lines[:3]), mtime=0))
    compressor = zstandard.ZstdCompressor()
    (tmp_path / "b.ndjson.zst").write_bytes(compressor.compress(b"".join(lines[3:5])) + compressor.compress(lines[5]))
    records = read_corpus([tmp_path])
    assert [(r.id, r.source.rsplit("/", 1)[1]) for r in records] == [
        ("d0", "a.jsonl.gz:1"), ("d1", "a.jsonl.gz:2"), ("d2", "a.jsonl.gz:3"),
        ("d3", "b.ndjson.zst:1"), ("d4", "b.ndjson.zst:2"), ("d5", "b.ndjson.zst:3")]


def test_csv_and_tsv_columns_are_chosen_by_the_field_options(tmp_path):
    (tmp_path / "pages.csv").write_text(
        'page,body,published,link\r\n'
        f'p1,"{ARTICLE}",2024-01-02,https://a.example/1\r\n'
        f'p2,"Quoted ""text"" over\r\ntwo lines and, commas",2024-01-03,\r\n', encoding="utf-8")
    (tmp_path / "more.tsv").write_text(f"page\tbody\np3\t{ARTICLE}\n", encoding="utf-8")
    read = ReadConfig(id_field="page", text_field="body", date_field="published", url_field="link")
    records = by_id(read_corpus([tmp_path], read=read))
    assert (records["p1"].text, records["p1"].date, records["p1"].url) == (ARTICLE, "2024-01-02", "https://a.example/1")
    assert records["p2"].text == 'Quoted "text" over\ntwo lines and, commas'
    assert records["p3"].source.endswith("more.tsv:2") and records["p3"].text == ARTICLE
    [missing] = read_corpus([tmp_path / "pages.csv"])  # default fields: no "text" column
    assert (missing.kind, missing.reason) == ("malformed record", "no 'text' column in the CSV header (columns: 'page', "
                                              "'body', 'published', 'link'); pass --text-field with the column that "
                                              "holds the text")


def test_jsonl_fields_are_chosen_by_the_field_options(tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps({"key": "k1", "content": ARTICLE, "when": "2023-09-09",
                                                  "text": "ignored"}) + "\n", encoding="utf-8")
    [doc] = read_corpus([tmp_path / "a.jsonl"], read=ReadConfig(id_field="key", text_field="content", date_field="when"))
    assert (doc.id, doc.text, doc.date) == ("k1", ARTICLE, "2023-09-09")


def test_a_warc_gives_one_document_per_html_response_and_says_what_every_other_record_is(tmp_path):
    page = PAGE.encode()
    gbk = "<html><head><title>张江</title></head><body><p>上海张江高科技园区的夜晚从不沉寂，半导体企业在这里投入七百亿元。</p></body></html>"
    data = crawl([
        ("warcinfo", "", "", b"software: test", ""),
        ("request", "https://news.example/a", "", b"GET /a HTTP/1.1\r\n\r\n", ""),
        ("response", "https://news.example/a", "text/html; charset=utf-8", page, "200 OK"),
        ("response", "https://news.example/logo.png", "image/png", b"\x89PNG\r\n\x1a\n", "200 OK"),
        ("response", "https://news.example/old", "text/html", b"<html>moved</html>", "301 Moved Permanently"),
        ("response", "https://news.example/a", "text/html", page, "200 OK"),
        ("response", "https://news.example/zh", "text/html; charset=gbk", gbk.encode("gb18030"), "200 OK"),
        ("response", "https://news.example/robots.txt", "text/plain", ARTICLE.encode(), "200 OK"),
        ("metadata", "https://news.example/a", "", b"fetchTimeMs: 12", ""),
    ])
    (tmp_path / "crawl.warc.gz").write_bytes(data)
    records = read_corpus([tmp_path / "crawl.warc.gz"])
    summary = [(r.id if isinstance(r, Document) else r.kind) for r in records]
    assert summary[:5] == ["not a response", "not a response", "https://news.example/a", "not HTML", "not a response"]
    assert summary[5].startswith("https://news.example/a <urn:uuid:")  # the same URI again: its record id added
    assert summary[6:] == ["https://news.example/zh", "https://news.example/robots.txt", "not a response"]
    page_doc, zh = records[2], records[6]
    assert ARTICLE in page_doc.text and page_doc.url == "https://news.example/a"
    # The date the page states beats the WARC-Date (when it was fetched); a page stating none has the latter.
    assert page_doc.date == "2024-05-02T09:30:00Z" and page_doc.title == "Harbour budget approved | City News"
    assert zh.date.endswith("Z") and zh.date[:4] >= "2026"
    assert (zh.encoding, zh.title) == ("gb18030", "张江")  # the HTTP header's charset
    assert records[7].text == ARTICLE
    assert records[3].reason == "WARC response of type image/png, not an HTML page"
    assert records[4].reason == "HTTP status 301 (a redirect or an error page), not a page"
    assert all(r.source.startswith(f"{(tmp_path / 'crawl.warc.gz').as_posix()}@") for r in records)
    offsets = [int(r.source.rsplit("@", 1)[1]) for r in records]
    assert offsets == sorted(offsets) and data[offsets[2]:offsets[2] + 2] == b"\x1f\x8b"


def test_strict_lets_pass_the_crawl_records_that_hold_no_page(tmp_path):
    from click.testing import CliRunner

    from lineage.cli import main

    page = PAGE.encode()
    records = [("request", "https://news.example/a", "", b"GET /a HTTP/1.1\r\n\r\n", ""),
               ("response", "https://news.example/a", "text/html; charset=utf-8", page, "200 OK"),
               ("response", "https://news.example/logo.png", "image/png", b"\x89PNG\r\n\x1a\n", "200 OK")]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "crawl.warc.gz").write_bytes(crawl(records))
    strict = ["dedup", str(tmp_path / "in"), "-o", str(tmp_path / "kept.jsonl"), "-q", "--strict"]
    assert CliRunner().invoke(main, strict).exit_code == 0
    (tmp_path / "in" / "empty.txt").write_text("", encoding="utf-8")  # a page that should have been one
    result = CliRunner().invoke(main, strict)
    assert result.exit_code == 1 and "1 input record skipped (1 empty)" in result.stderr


@pytest.mark.parametrize("name, pack", [
    ("crawl.warc", lambda data: data),
    ("crawl.warc.zst", lambda data: zstandard.ZstdCompressor().compress(data)),
])
def test_uncompressed_and_zstd_warcs_read_alike(tmp_path, name, pack):
    data = crawl([("response", f"https://x.example/{k}", "text/html", PAGE.encode(), "200 OK") for k in range(3)],
                 compress=False)
    (tmp_path / name).write_bytes(pack(data))
    records = read_corpus([tmp_path / name])
    assert [r.id for r in records] == [f"https://x.example/{k}" for k in range(3)]
    assert all(ARTICLE in r.text for r in records)


def test_an_arc_file_reads_like_a_warc(tmp_path):
    def arc_record(header: str, body: bytes) -> bytes:
        return f"{header} {len(body)}\n".encode() + body + b"\n"

    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + PAGE.encode()
    version = b"1 0 test\nURL IP-address Archive-date Content-type Archive-length\n"
    data = (arc_record("filedesc://test.arc 0.0.0.0 20240502093000 text/plain", version)
            + arc_record("https://news.example/a 10.0.0.1 20240502093000 text/html", http))
    (tmp_path / "old.arc").write_bytes(data)
    records = read_corpus([tmp_path / "old.arc"])
    assert [type(r).__name__ for r in records] == ["SkippedInput", "Document"]
    assert records[1].id == "https://news.example/a" and ARTICLE in records[1].text
    assert records[1].date.startswith("2024-05-02")


@pytest.mark.parametrize("content, first_id", [
    (b'{"id": "s1", "text": "one two three four"}\n{"id": "s2", "text": "five six seven"}\n', "s1"),
    (ARTICLE.encode(), "<stdin>"),
    (PAGE.encode(), "<stdin>"),
    (gzip.compress(b'{"id": "z1", "text": "one two three four"}\n', mtime=0), "z1"),
])
def test_standard_input_is_told_by_its_content(content, first_id):
    records = list(lineage.iter_corpus(["-"], stdin=io.BufferedReader(io.BytesIO(content))))
    assert records[0].id == first_id and isinstance(records[0], Document)
    if content.startswith(b"<!DOCTYPE"):
        assert records[0].title == "Harbour budget approved | City News"


def test_analyze_and_dedup_read_standard_input_from_the_command_line(tmp_path):
    lines = "".join(json.dumps({"id": f"d{k}", "text": ARTICLE}) + "\n" for k in range(3))
    result = CliRunner().invoke(main, ["analyze", "-", "-o", str(tmp_path / "out"), "-q"], input=lines)
    assert result.exit_code == 0, result.output
    assert [doc["source"] for doc in json.loads((tmp_path / "out" / "report.json").read_text())["documents"]] == [
        "<stdin>:1", "<stdin>:2", "<stdin>:3"]
    result = CliRunner().invoke(main, ["dedup", "-", "-o", str(tmp_path / "kept.jsonl"), "-q"], input=lines)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "kept.jsonl").read_text(encoding="utf-8") == lines.splitlines(keepends=True)[0]


def test_globs_are_expanded_by_lineage_and_directories_mix_formats(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site" / "deep").mkdir(parents=True)
    (tmp_path / "site" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "site" / "deep" / "b.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "site" / "c.jsonl.gz").write_bytes(gzip.compress(b'{"id": "c", "text": "one two three"}\n'))
    (tmp_path / "site" / "notes.docx").write_bytes(b"PK\x03\x04")
    assert [r.id for r in read_corpus(["site/*.txt", "site/**/*.html"])] == ["site/a.txt", "site/deep/b.html"]
    records = read_corpus(["site"])
    assert [(r.id, type(r).__name__) for r in records] == [
        ("a.txt", "Document"), ("c", "Document"), ("deep/b.html", "Document"), ("notes.docx", "SkippedInput")]
    assert records[3].kind == "unsupported file type" and records[3].reason.startswith("unsupported file type .docx")
    with pytest.raises(InputError, match=r"^site/\*\.warc\.gz: no files match this pattern"):
        read_corpus(["site/*.warc.gz"])


def test_a_named_file_without_a_known_suffix_is_told_by_its_content(tmp_path):
    (tmp_path / "dump").write_bytes(b'{"id": "j1", "text": "one two three"}\n')
    (tmp_path / "page.php").write_text(PAGE, encoding="utf-8")
    (tmp_path / "blob").write_bytes(gzip.compress(ARTICLE.encode()))
    records = read_corpus([tmp_path / "dump", tmp_path / "page.php", tmp_path / "blob"])
    assert records[0].id == "j1"
    assert records[1].title == "Harbour budget approved | City News"
    assert records[2].text == ARTICLE


def test_a_long_text_file_is_cut_to_the_limit_and_its_length_reported(tmp_path):
    text = "word " * 5000 + "\r\n" + "é" * 999 + "\r\n"
    (tmp_path / "long.txt").write_bytes(text.encode("utf-8"))
    [doc] = read_corpus([tmp_path / "long.txt"], read=ReadConfig(max_doc_chars=1000))
    assert doc.text == text[:1000]
    assert doc.truncated_from == len(text.replace("\r\n", "\n"))
    report = lineage.analyze([tmp_path / "long.txt"], read=ReadConfig(max_doc_chars=1000))
    assert (report.stats["truncated"], report.documents[0].truncated_from) == (1, doc.truncated_from)
    assert report.documents[0].chars == 1000


def test_a_jsonl_line_longer_than_memory_should_hold_is_cut_as_it_streams(tmp_path):
    text = "é\n" + "lorem ipsum \"dolor\" \\ sit 😀 amet " * 60_000  # 2 MB of JSON: read in pieces
    line = '{"text": ' + json.dumps(text) + ', "id": "huge", "date": "2024-01-01", "extra": [1, {"a": "b"}]}'
    short = json.dumps({"id": "short", "text": "x " * 800})
    (tmp_path / "big.jsonl").write_text(line + "\n" + short + "\n", encoding="utf-8")
    records = read_corpus([tmp_path / "big.jsonl"], read=ReadConfig(max_doc_chars=1000))
    assert [(r.id, r.text, r.truncated_from, r.date) for r in records] == [
        ("huge", text[:1000], len(text), "2024-01-01"), ("short", "x " * 500, 1600, None)]


def test_oversized_pages_and_csv_lines_are_skipped_as_too_large(tmp_path):
    (tmp_path / "huge.html").write_text("<html><body><p>" + "word " * 4000 + "</p></body></html>", encoding="utf-8")
    (tmp_path / "wide.csv").write_text("id,text\nw1," + "x" * (1 << 21) + "\nw2,after the wide row\n", encoding="utf-8")
    records = by_id(read_corpus([tmp_path], read=ReadConfig(max_doc_chars=1000)))
    assert records["huge.html"].kind == "too large"
    assert records["huge.html"].reason.startswith("HTML page of more than 16,000 bytes (16 x --max-doc-chars)")
    wide = records[f"{(tmp_path / 'wide.csv').as_posix()}:2"]
    assert (wide.kind, records["w2"].text) == ("too large", "after the wide row")


def test_duplicate_ids_are_an_error_or_skipped_or_renamed_as_asked(tmp_path):
    (tmp_path / "a.jsonl").write_text("".join(json.dumps({"id": "x", "text": f"text {k}"}) + "\n" for k in range(3)),
                                      encoding="utf-8")
    with pytest.raises(InputError, match=r"duplicate document id 'x' \(.*a.jsonl:1 and .*a.jsonl:2\)"):
        read_corpus([tmp_path])
    skipped = read_corpus([tmp_path], read=ReadConfig(duplicate_ids="skip"))
    assert [(r.id.rsplit("/", 1)[1], type(r).__name__) for r in skipped[1:]] == [
        ("a.jsonl:2", "SkippedInput"), ("a.jsonl:3", "SkippedInput")]
    assert skipped[1].kind == "duplicate id" and "is also at" in skipped[1].reason
    renamed = read_corpus([tmp_path], read=ReadConfig(duplicate_ids="rename"))
    assert [(r.id, r.text) for r in renamed] == [("x", "text 0"), ("x~2", "text 1"), ("x~3", "text 2")]


def test_the_read_options_reach_analyze_from_the_command_line(tmp_path):
    (tmp_path / "pages.csv").write_text(f'page,body\np1,"{ARTICLE}"\np2,"{ARTICLE} Again."\n', encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["analyze", str(tmp_path / "pages.csv"), "-o", str(out), "-q",
                                       "--id-field", "page", "--text-field", "body", "--max-doc-chars", "5000"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [doc["id"] for doc in report["documents"]] == ["p1", "p2"]
    assert (report["parameters"]["text_field"], report["parameters"]["max_doc_chars"]) == ("body", 5000)
    result = CliRunner().invoke(main, ["analyze", str(tmp_path), "-o", str(out), "--max-doc-chars", "10"])
    assert result.exit_code == 2 and "--max-doc-chars" in result.stderr


def test_lone_surrogates_in_jsonl_become_replacement_characters_and_the_report_writes(tmp_path):
    """JSON may escape half a surrogate pair ("\\ud800"), which no UTF-8 writer can write: it becomes U+FFFD."""
    lines = ['{"id": "a\\ud800", "text": "x\\udc00 ' + ARTICLE + '", "url": "http://e.example/\\ud83d"}',
             '{"id": "b", "text": "pair \\ud83d\\ude00 kept ' + ARTICLE + '"}']
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    first, second = read_corpus([tmp_path / "in.jsonl"])
    assert (first.id, first.text[:2], first.url) == ("a\ufffd", "x\ufffd", "http://e.example/\ufffd")
    assert "\U0001F600" in second.text
    report = lineage.analyze([tmp_path / "in.jsonl"])
    report.write(tmp_path / "out")
    assert "a\ufffd" in (tmp_path / "out" / "report.json").read_text(encoding="utf-8")
