"""Shared fixtures: paths to the bundled corpora and to the optional real ones."""

from __future__ import annotations

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
