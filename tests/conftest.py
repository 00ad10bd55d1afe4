"""Shared fixtures: paths to the bundled corpora and to the optional real ones."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run and keep no example database, so CI is
# deterministic; LINEAGE_FUZZ_SCALE=N (tests/test_fuzz.py) multiplies the examples for a deep run.
settings.register_profile("lineage", derandomize=True, database=None, deadline=None)
settings.load_profile("lineage")

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


# Strings a hostile page could carry to break out of the report's markup or run script. Each script
# sets window.__pwned, so a test can tell whether any of them ran.
HOSTILE = (
    "<script>window.__pwned = 1</script>",
    '"><img src=x onerror="window.__pwned = 2">',
    "</textarea><svg onload=window.__pwned=3>",
    "</script><script>window.__pwned = 4</script>",
    "<!--<script>window.__pwned = 5</script>",
    "javascript:window.__pwned=6",
    "' onmouseover='window.__pwned=7' x='",
    "{{constructor.constructor('window.__pwned=8')()}}",
)
_HOSTILE_BODIES = (
    "The farm copies this paragraph about harbour cranes and container ships word for word, "
    "adding only a line or two of its own to each page it publishes on the network today.",
    "Every crane on the quay lifts forty boxes an hour while the night shift keeps the gantries lit, "
    "and the pilots bring the largest vessels in on the morning tide past the breakwater lights.",
    "Market stalls along the river sell dumplings at dawn, and by noon the queues for the ferry "
    "reach back to the old customs house where the clock has stopped at a quarter past four.",
)


def write_hostile_corpus(directory: Path) -> Path:
    """A JSONL corpus whose ids, texts, URLs and dates are hostile, with pairs, passages and spam keywords.

    Pages share one of three paragraphs (so that they pair up and share
    passages) and carry the ``HOSTILE`` strings in every field, U+2028/U+2029,
    an emoji before the shared text (JavaScript counts it as two characters), a
    20,000-character line without a space, and ids a JavaScript object would trip on.
    """
    directory.mkdir(parents=True, exist_ok=True)
    records = []
    for k, attack in enumerate(HOSTILE):
        ending = "x" * 20_000 if k == 0 else f"Closing note number {k}: {attack}"
        text = (f"{attack} 🦀 page {k}\u2028line\u2029 {attack}\n\n上海龙凤419 {_HOSTILE_BODIES[k % 3]}\n\n{ending}\n")
        records.append({"id": attack, "text": text, "url": HOSTILE[(k + 5) % len(HOSTILE)],
                        "date": HOSTILE[(k + 1) % len(HOSTILE)]})
    for k, name in enumerate(("__proto__", "constructor", "hasOwnProperty")):
        records.append({"id": name, "text": f"{name} says:\n\n{_HOSTILE_BODIES[k]}", "url": "http://127.0.0.1:9/x.js"})
    records.append({"id": "bad\u2028id <script>window.__pwned = 9</script>", "text": _HOSTILE_BODIES[0]})
    path = directory / "hostile.jsonl"
    path.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    return path


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
