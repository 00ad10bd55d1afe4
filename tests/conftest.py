"""Shared fixtures: paths to the bundled corpora and to the optional real ones."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
# The Clough & Stevenson corpus is not in the repository; point LINEAGE_CLOUGH at it if it lives elsewhere.
CLOUGH = Path(os.environ.get("LINEAGE_CLOUGH", ROOT.parent / "shared" / "corpora" / "clough-stevenson"))


@pytest.fixture
def planted() -> Path:
    """13 articles with a known lineage and a site-boilerplate trap (tests/data/planted_truth.md)."""
    return DATA / "planted"


@pytest.fixture
def shanghai() -> Path:
    return ROOT / "corpus" / "shanghai"


@pytest.fixture
def clough() -> Path:
    if not (CLOUGH / "labels.csv").is_file():
        pytest.skip(f"Clough corpus not found at {CLOUGH} (set LINEAGE_CLOUGH to its folder)")
    return CLOUGH


BROKEN_ARTICLE = ("Ferry piers, wider pavements and a library annex were approved for the harbour district "
                  "on Monday evening, after residents asked for more trees along the waterfront.")


@pytest.fixture
def broken(tmp_path) -> Path:
    """tests/data/broken, plus damaged compressed files and a cut crawl made here (expected: broken_expected.json).

    Each damaged file holds three whole records and a fourth cut short, so the
    accounting does not depend on how a compressor lays out its output.
    """
    import gzip
    import io
    import json
    import shutil

    import zstandard
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    folder = tmp_path / "broken"
    shutil.copytree(DATA / "broken", folder)
    def records(name: str) -> tuple[bytes, bytes]:
        lines = [json.dumps({"id": f"{name}-{k}", "text": f"{BROKEN_ARTICLE} Record {k}."}).encode() + b"\n"
                 for k in range(1, 5)]
        return b"".join(lines[:3]), lines[3]

    whole, last = records("gzip")
    cut = gzip.compress(last, mtime=0)
    (folder / "truncated.jsonl.gz").write_bytes(gzip.compress(whole, mtime=0) + cut[: len(cut) // 2])
    whole, last = records("zstd")
    compressor = zstandard.ZstdCompressor()
    cut = compressor.compress(last)
    (folder / "truncated.jsonl.zst").write_bytes(compressor.compress(whole) + cut[: len(cut) // 2])

    members = []
    for k in range(1, 5):
        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=True)
        page = f"<html><head><title>Page {k}</title></head><body><article><p>{BROKEN_ARTICLE}</p>" \
               f"<p>Page number {k} of the crawl.</p></article></body></html>"
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(f"https://farm.example/{k}", "response",
                                                      payload=io.BytesIO(page.encode()), http_headers=headers))
        members.append(buffer.getvalue())
    (folder / "truncated.warc.gz").write_bytes(b"".join(members[:3]) + members[3][: len(members[3]) // 2])
    return folder
