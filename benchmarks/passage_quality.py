"""Passage coverage on Clough & Stevenson: how much of each answer aligns to its source.

Usage: python benchmarks/passage_quality.py ../shared/corpora/clough-stevenson [--json OUT]

For every answer, the passages `lineage compare` finds between it and its task's
`orig` text; coverage is the share of the answer's word characters inside them.
Reported by category (cut, light, heavy, non), with and without the two `cut`
answers that the corpus README says were copied from other articles. A `cut`
answer should be covered almost entirely and a `non` answer hardly at all. Also
reports the ceiling: the share of each answer's words inside a word 3-gram that
the source holds at all, which no aligner seeded by shared 3-grams can exceed,
and the coverage of the `cut` answers whose ceiling is at least 0.9: those the
source file holds, rather than other parts of the Wikipedia article.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from clough import load_labels, load_texts
from clough_quality import KNOWN_NOISE
from common import write_json
from lineage.config import PassageConfig
from lineage.passages import _ngrams, align, document_tokens

CATEGORIES = ("cut", "light", "heavy", "non")
HELD = 0.9  # a cut answer whose words are at least this share inside 3-grams of the source file


def coverage(answer: str, source: str, config: PassageConfig = PassageConfig()) -> tuple[float, float]:
    """Share of the answer's word characters in aligned passages, and in any 3-gram the source holds."""
    tokens_a, tokens_b = document_tokens([answer, source])
    words = np.zeros(len(answer), dtype=bool)
    for start, end in zip(tokens_a.starts, tokens_a.ends):
        words[start:end] = True
    covered = np.zeros(len(answer), dtype=bool)
    for passage in align(tokens_a, tokens_b, config):
        covered[passage.a_start : passage.a_end] = True
    seeded = np.zeros(len(answer), dtype=bool)
    shared = np.isin(_ngrams(tokens_a.hashes, 3), _ngrams(tokens_b.hashes, 3))
    for i in np.flatnonzero(shared):
        seeded[tokens_a.starts[i] : tokens_a.ends[i + 2]] = True
    total = max(int(words.sum()), 1)
    return float((covered & words).sum() / total), float((seeded & words).sum() / total)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="folder holding texts/ and labels.csv")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    labels = load_labels(args.corpus)
    if labels is None:
        return 0
    texts = load_texts(args.corpus)
    sources = {row["task"]: name for name, row in labels.items() if row["category"] == "orig"}
    started = time.perf_counter()
    rows = []
    for name, row in sorted(labels.items()):
        if row["category"] == "orig":
            continue
        aligned, ceiling = coverage(texts[name], texts[sources[row["task"]]])
        rows.append({"answer": name, "category": row["category"], "coverage": round(aligned, 4),
                     "ceiling": round(ceiling, 4)})
    seconds = time.perf_counter() - started
    summary = {}
    for category in CATEGORIES:
        chosen = [row for row in rows if row["category"] == category]
        clean = [row for row in chosen if row["answer"] not in KNOWN_NOISE]
        summary[category] = {
            "answers": len(chosen),
            "mean_coverage": statistics.mean(row["coverage"] for row in chosen),
            "mean_coverage_without_noise": statistics.mean(row["coverage"] for row in clean),
            "mean_ceiling": statistics.mean(row["ceiling"] for row in chosen),
            "min_coverage": min(row["coverage"] for row in chosen),
            "max_coverage": max(row["coverage"] for row in chosen),
        }
    # Answers the source file holds almost whole (the rest were pasted from other parts of the article).
    held = [row for row in rows if row["category"] == "cut" and row["ceiling"] >= HELD]
    summary["cut_held"] = {"answers": len(held), "mean_coverage": statistics.mean(row["coverage"] for row in held),
                           "mean_ceiling": statistics.mean(row["ceiling"] for row in held)}
    print(f"{len(rows)} answers aligned to their source in {seconds:.2f} s")
    print(f"{'category':<10}{'answers':>8}{'coverage':>10}{'w/o noise':>11}{'ceiling':>9}{'min':>7}{'max':>7}")
    for category in CATEGORIES:
        figures = summary[category]
        print(f"{category:<10}{figures['answers']:>8}{figures['mean_coverage']:>10.3f}"
              f"{figures['mean_coverage_without_noise']:>11.3f}{figures['mean_ceiling']:>9.3f}"
              f"{figures['min_coverage']:>7.3f}{figures['max_coverage']:>7.3f}")
    held = summary["cut_held"]
    print(f"cut answers with ceiling >= {HELD}: {held['answers']}, coverage {held['mean_coverage']:.3f}"
          f" (ceiling {held['mean_ceiling']:.3f})")
    write_json(args.json, {"summary": summary, "answers": rows, "seconds": round(seconds, 3)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
