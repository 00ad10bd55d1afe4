"""How many aligned words make a passage: accidental matches against real reuse, by minimum.

Usage: python benchmarks/passage_minimum.py [CLOUGH] [--minimums 3 4 5 6 8 10] [--docs 2000] [--json OUT]

A passage is kept when at least ``PassageConfig.min_tokens`` of its words are
aligned. Too low a minimum turns stock phrases ("in the United States", a date)
into passages; too high a one drops short real reuse. For each minimum:

- accidental (Clough & Stevenson, when CLOUGH is given and present): every
  answer aligned to the four `orig` texts of the *other* tasks, and each `non`
  answer (written without the source) to its own task's orig. None of these
  pairs shares text by reuse, so every passage found is an accidental match:
  passages per 100 pairs, and the share of pairs with any;
- real reuse (Clough): mean coverage of `cut`, `light` and `heavy` answers by
  passages aligned to their own orig (as `passage_quality.py`);
- real reuse (`lineage synth`, known copied offsets): PAN plagdet by rewrite
  level (as `passage_plagdet.py`), from `lineage analyze --passages on`.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections import defaultdict
from pathlib import Path

import lineage
from clough import load_labels, load_texts
from common import synth_files, write_json
from lineage.config import AnalyzeConfig, PassageConfig
from lineage.passages import align, document_tokens
from passage_plagdet import LEVELS, cases_by_level, pan_totals
from passage_quality import coverage


def clough(corpus: Path, minimum: int) -> dict | None:
    labels = load_labels(corpus)
    if labels is None:
        return None
    texts = load_texts(corpus)
    config = PassageConfig(min_tokens=minimum)
    sources = {row["task"]: name for name, row in labels.items() if row["category"] == "orig"}
    answers = sorted(name for name, row in labels.items() if row["category"] != "orig")
    tokens = dict(zip(sorted(texts), document_tokens([texts[name] for name in sorted(texts)])))
    accidental = []
    for name in answers:
        task, category = labels[name]["task"], labels[name]["category"]
        unrelated = [source for other, source in sources.items() if other != task]
        if category == "non":
            unrelated.append(sources[task])
        accidental += [len(align(tokens[name], tokens[source], config)) for source in unrelated]
    covered: dict[str, list[float]] = defaultdict(list)
    for name in answers:
        category = labels[name]["category"]
        if category != "non":
            covered[category].append(coverage(texts[name], texts[sources[labels[name]["task"]]], config)[0])
    return {
        "accidental_pairs": len(accidental),
        "accidental_passages_per_100_pairs": round(100 * sum(accidental) / len(accidental), 2),
        "accidental_pairs_with_any": round(sum(1 for count in accidental if count) / len(accidental), 4),
        "coverage": {category: round(statistics.mean(values), 4) for category, values in covered.items()},
    }


def synthetic(docs: int, seed: int, minimum: int) -> dict:
    with synth_files(docs, seed) as (corpus, truths):
        started = time.perf_counter()
        report = lineage.analyze([corpus], config=AnalyzeConfig(passage=PassageConfig(mode="on", min_tokens=minimum)))
        seconds = time.perf_counter() - started
    by_level = cases_by_level(report, truths)
    return {"seconds": round(seconds, 1),
            "levels": {level: {key: round(value, 4) for key, value in pan_totals(by_level[level]).items()}
                       for level in LEVELS}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, nargs="?", help="the Clough & Stevenson folder (texts/, labels.csv)")
    parser.add_argument("--minimums", type=int, nargs="+", default=[3, 4, 5, 6, 8, 10])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    rows = []
    print(f"{'minimum':>8}{'acc./100':>10}{'acc. any':>10}{'cut':>7}{'light':>7}{'heavy':>7}"
          f"{'plagdet light':>15}{'medium':>8}{'heavy':>7}")
    for minimum in args.minimums:
        row = {"min_tokens": minimum, "clough": clough(args.corpus, minimum) if args.corpus else None,
               "synth": synthetic(args.docs, args.seed, minimum)}
        rows.append(row)
        found, levels = row["clough"], row["synth"]["levels"]
        real = ("{:>10.2f}{:>10.3f}{:>7.3f}{:>7.3f}{:>7.3f}".format(
            found["accidental_passages_per_100_pairs"], found["accidental_pairs_with_any"],
            *(found["coverage"].get(category, math.nan) for category in ("cut", "light", "heavy"))) if found else f"{'':>41}")
        print(f"{minimum:>8}{real}{levels['light']['plagdet']:>15.3f}{levels['medium']['plagdet']:>8.3f}"
              f"{levels['heavy']['plagdet']:>7.3f}", flush=True)
    write_json(args.json, {"docs": args.docs, "seed": args.seed, "rows": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
