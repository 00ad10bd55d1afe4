"""Shared fixtures: paths to the bundled corpora and to the optional real ones."""

from __future__ import annotations

import json
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
