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
