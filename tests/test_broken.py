"""The broken-file corpus (tests/data/broken and the `broken` fixture): every record accounted for, as expected."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter

from click.testing import CliRunner

import lineage
from conftest import DATA
from lineage.cli import main
from lineage.types import NOT_PAGES, SKIP_KINDS

EXPECTED = json.loads((DATA / "broken_expected.json").read_text(encoding="utf-8"))["records"]


def relative(text: str, folder) -> str:
    return re.sub(r"@\d+", "@N", text.replace(folder.as_posix() + "/", ""))


def test_every_record_of_the_broken_corpus_is_accounted_for_as_expected(broken):
    report = lineage.analyze([broken])
    found = []
    for doc in report.documents:
        record = {"source": relative(doc.source, broken), "id": relative(doc.id, broken), "status": doc.status}
        if doc.status == "ok":
            record["encoding"] = doc.encoding
            if doc.title is not None:
                record["title"] = doc.title
        else:
            record["kind"] = doc.skip_kind
        found.append(record)
    expected = [{key: value for key, value in record.items() if key != "reason"} for record in EXPECTED]
    assert found == expected
    reasons = [doc.reason for doc in report.documents]
    for record, reason in zip(EXPECTED, reasons):
        assert (record.get("reason") or "") in (reason or ""), record["source"]
    kinds = Counter(record["kind"] for record in EXPECTED if record["status"] == "skipped")
    assert report.stats["skipped_by_reason"] == dict(sorted(kinds.items()))
    assert report.stats["documents"] + report.stats["skipped"] == len(EXPECTED)
    assert set(kinds) <= set(SKIP_KINDS)


def test_damage_is_named_with_its_line_or_offset_and_the_records_before_are_kept(broken):
    records = {relative(record.source, broken): record for record in lineage.read_corpus([broken])}
    assert records["truncated.jsonl.gz:4"].reason.endswith("the 3 lines before line 4 are read")
    assert records["truncated.jsonl.zst:4"].reason.endswith("the 3 lines before line 4 are read")
    crawl = (broken / "truncated.warc.gz").read_bytes()
    [cut] = [record for record in lineage.read_corpus([broken / "truncated.warc.gz"]) 
             if getattr(record, "kind", None) == "truncated"]
    offset = int(cut.source.rsplit("@", 1)[1])
    assert cut.reason.startswith(f"the crawl file ends inside a record: its last {len(crawl) - offset:,} bytes")
    assert crawl[offset:offset + 2] == b"\x1f\x8b"  # the cut record's gzip member starts there


def test_a_cut_or_corrupt_compressed_document_is_skipped_not_read_in_part(tmp_path):
    text = "A document long enough to be worth reading, compressed and then damaged. " * 50
    data = gzip.compress(text.encode(), mtime=0)
    (tmp_path / "cut.txt.gz").write_bytes(data[: len(data) // 2])
    (tmp_path / "corrupt.txt.gz").write_bytes(data[:20] + bytes(40) + data[60:])
    (tmp_path / "whole.txt.gz").write_bytes(data)
    records = {record.id: record for record in lineage.read_corpus([tmp_path])}
    assert records["whole.txt.gz"].text == text
    assert (records["cut.txt.gz"].kind, records["corrupt.txt.gz"].kind) == ("truncated", "truncated")
    assert records["cut.txt.gz"].reason.startswith("the gzip data ends early")
    assert records["corrupt.txt.gz"].reason.startswith("the gzip data is corrupt after")


def test_strict_exits_1_naming_how_many_and_where_the_list_is(broken, tmp_path):
    """Every skip fails a strict run except a crawl's records that hold no page (requests, images)."""
    all_skipped = sum(record["status"] == "skipped" for record in EXPECTED)
    skipped = sum(record["status"] == "skipped" and record.get("kind") not in NOT_PAGES for record in EXPECTED)
    out = tmp_path / "out"
    relaxed = CliRunner().invoke(main, ["analyze", str(broken), "-o", str(out), "-q"])
    assert relaxed.exit_code == 0, relaxed.output
    result = CliRunner().invoke(main, ["analyze", str(broken), "-o", str(out), "-q", "--strict"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {skipped} input records skipped (1 binary, 2 empty, 1 invalid JSON, ")
    assert result.stderr.endswith(f"and --strict given; the list is in {out}/report.md (Skipped inputs) and "
                                  "report.json\n")
    assert result.stderr.count("\n") == 1
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["summary"]["skipped"] == all_skipped
    kept = tmp_path / "kept.jsonl"
    result = CliRunner().invoke(main, ["dedup", str(broken), "-o", str(kept), "-q", "--strict"])
    assert result.exit_code == 1
    assert result.stderr.endswith(f"and --strict given; the list is in {tmp_path / 'removed.jsonl'}\n")
    removed = [json.loads(line) for line in (tmp_path / "removed.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sum("skipped" in line for line in removed) == all_skipped


def test_a_crawl_damaged_in_the_middle_keeps_the_records_before_and_names_the_offset(tmp_path):
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    starts = []
    for k in range(3):
        starts.append(out.tell())
        page = f"<html><body><p>Page {k} of a crawl, with enough words to be a document.</p></body></html>"
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        # A fixed date and record id, or warcio writes the time and a random id, the compressed bytes differ
        # from run to run, and now and then the zeros below leave a record that still parses (2% of runs).
        fixed = {"WARC-Date": "2025-05-24T00:25:00Z", "WARC-Record-ID": f"<urn:uuid:00000000-0000-4000-8000-00000000000{k}>"}
        writer.write_record(writer.create_warc_record(f"https://farm.example/{k}", "response",
                                                      payload=io.BytesIO(page.encode()), http_headers=headers,
                                                      warc_headers_dict=fixed))
    damaged = bytearray(out.getvalue())
    damaged[starts[1] + 30 : starts[1] + 60] = bytes(30)  # zeros in the second record's compressed bytes
    (tmp_path / "damaged.warc.gz").write_bytes(bytes(damaged))
    first, cut = lineage.read_corpus([tmp_path / "damaged.warc.gz"])
    assert first.id == "https://farm.example/0"
    assert (cut.kind, cut.source.rsplit("@", 1)[1]) == ("malformed record", str(starts[1]))
    assert cut.reason == (f"the crawl file cannot be read past byte {starts[1]:,} (Unknown archive format); "
                          "the records before it (1) are read")


def test_warcio_says_nothing_on_stderr_about_a_damaged_crawl(tmp_path, capsys):
    import io
    import re

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=False)
    for k, uri in enumerate(["https://farm.example/0", "https://farm.example/a page", "https://farm.example/2"]):
        page = f"<html><body><p>Page {k} of a crawl, with enough words to be a document here.</p></body></html>"
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(page.encode()),
                                                      http_headers=headers))
    data = out.getvalue()
    length = re.search(rb"Content-Length: (\d+)", data)  # the first record's, 4 bytes short
    data = data[: length.start(1)] + str(int(length.group(1)) - 4).encode() + data[length.end(1) :]
    (tmp_path / "crawl.warc").write_bytes(data)
    records = lineage.read_corpus([tmp_path / "crawl.warc"])
    # warcio used to print a warning with the record's bytes, and another for the URI with a space.
    assert capsys.readouterr().err == ""
    assert [record.id for record in records] == ["https://farm.example/0", "https://farm.example/a%20page",
                                                 "https://farm.example/2"]
