"""The Clough & Stevenson corpus's labels and ground-truth families, shared by the benchmarks."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from lineage.corpus import read_corpus
from lineage.types import Document


def load_labels(corpus: Path) -> dict[str, dict[str, str]] | None:
    """Rows of labels.csv by file name, or None (with a note on stderr) when the corpus is absent."""
    path = corpus / "labels.csv"
    if not path.is_file():
        print(f"skipped: {path} not found (the Clough corpus is not on this machine)", file=sys.stderr)
        return None
    with path.open(encoding="utf-8") as handle:
        return {row["file"]: row for row in csv.DictReader(handle)}


def load_texts(corpus: Path) -> dict[str, str]:
    """The decoded text of every document in the corpus's texts/ folder, by file name."""
    return {record.id: record.text for record in read_corpus([corpus / "texts"]) if isinstance(record, Document)}


def true_family(name: str, labels: dict[str, dict[str, str]]) -> str:
    """One family per task (its source and every cut/light/heavy answer); 'non' answers stand alone."""
    row = labels[name]
    return name if row["category"] == "non" else row["task"]
