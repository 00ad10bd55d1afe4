"""Passage alignment against the simulator's truth, in the PAN text-alignment style (plagdet).

Usage: python benchmarks/passage_plagdet.py [--docs 2000] [--seed 1] [--json OUT]

A `lineage synth` corpus records, for every rewrite, the cases of text reuse
between it and its parent (`copied` in truth.jsonl: runs of sentences derived in
order, kept, substituted or paraphrased, with character offsets on both sides).
`lineage analyze --passages on` aligns the reported pairs; for every rewrite,
the detections are the passages of its pair with its parent (none if the pair
was not reported). Per rewrite level, as in Potthast et al., "An Evaluation
Framework for Plagiarism Detection" (COLING 2010):

- precision: for each detection, the share of its characters (both sides) that
  lie in the cases it detects; averaged over detections;
- recall: for each case, the share of its characters covered by detections of
  it; averaged over cases;
- granularity: the mean number of detections per detected case (1 is ideal);
- plagdet = F1 / log2(1 + granularity).

A detection detects a case when they overlap on both sides.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import defaultdict
from pathlib import Path

import lineage
from common import synth_files, write_json

LEVELS = ("light", "medium", "heavy")
Span = tuple[int, int]


def _overlap(left: Span, right: Span) -> Span | None:
    start, end = max(left[0], right[0]), min(left[1], right[1])
    return (start, end) if start < end else None


def _union_length(spans: list[Span]) -> int:
    total, reach = 0, -1
    for start, end in sorted(spans):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def pan_measures(cases: list[tuple[Span, Span]], detections: list[tuple[Span, Span]]) -> dict[str, float]:
    """PAN precision, recall, granularity and plagdet for one document pair's (or many pairs') cases.

    Each case and detection is (span in the rewrite, span in the parent); the
    lists must be of one document pair.
    """
    return pan_totals([(cases, detections)])


def pan_totals(pairs: list[tuple[list[tuple[Span, Span]], list[tuple[Span, Span]]]]) -> dict[str, float]:
    """The PAN measures over many document pairs, each given as (cases, detections)."""
    precision_terms, recall_terms, granularity_terms = [], [], []
    for cases, detections in pairs:
        hits = defaultdict(list)  # case index -> (child overlap, parent overlap) of each detection detecting it
        for detection in detections:
            child_parts, parent_parts = [], []
            for index, case in enumerate(cases):
                child, parent = _overlap(case[0], detection[0]), _overlap(case[1], detection[1])
                if child and parent:
                    child_parts.append(child)
                    parent_parts.append(parent)
                    hits[index].append((child, parent))
            size = (detection[0][1] - detection[0][0]) + (detection[1][1] - detection[1][0])
            precision_terms.append((_union_length(child_parts) + _union_length(parent_parts)) / size)
        for index, case in enumerate(cases):
            found = hits.get(index, [])
            size = (case[0][1] - case[0][0]) + (case[1][1] - case[1][0])
            recall_terms.append((_union_length([c for c, _ in found]) + _union_length([p for _, p in found])) / size)
            if found:
                granularity_terms.append(len(found))
    precision = sum(precision_terms) / len(precision_terms) if precision_terms else 0.0
    recall = sum(recall_terms) / len(recall_terms) if recall_terms else 0.0
    granularity = sum(granularity_terms) / len(granularity_terms) if granularity_terms else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "cases": len(recall_terms),
        "detections": len(precision_terms),
        "precision": precision,
        "recall": recall,
        "granularity": granularity,
        "plagdet": f1 / math.log2(1 + granularity),
    }


def cases_by_level(report: lineage.Report, truths: list[dict]) -> dict[str, list]:
    """Per rewrite level, each rewrite's (cases, detections): its copied spans and its pair's passages with its parent."""
    found: dict[tuple[str, str], list[tuple[Span, Span]]] = {}
    for pair in report.pairs:
        found[(pair.a, pair.b)] = [((p.a_start, p.a_end), (p.b_start, p.b_end)) for p in pair.passages]
        found[(pair.b, pair.a)] = [((p.b_start, p.b_end), (p.a_start, p.a_end)) for p in pair.passages]
    by_level: dict[str, list] = defaultdict(list)
    for truth in truths:
        if truth["parent"] is None:
            continue
        cases = [((case["start"], case["end"]), (case["parent_start"], case["parent_end"])) for case in truth["copied"]]
        by_level[truth["level"]].append((cases, found.get((truth["id"], truth["parent"]), [])))
    return by_level


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)

    with synth_files(args.docs, args.seed) as (corpus, truths):
        started = time.perf_counter()
        report = lineage.analyze([corpus], passages="on")
        seconds = time.perf_counter() - started
    by_level = cases_by_level(report, truths)
    results = {"docs": args.docs, "seed": args.seed, "analyze_seconds": round(seconds, 2),
               "levels": {level: pan_totals(by_level[level]) for level in LEVELS if by_level[level]}}
    print(f"{args.docs} synthetic documents; analyze --passages on in {seconds:.1f} s")
    print(f"{'level':<8}{'rewrites':>9}{'cases':>8}{'detections':>11}{'precision':>10}{'recall':>8}{'granularity':>12}{'plagdet':>9}")
    for level, figures in results["levels"].items():
        print(f"{level:<8}{len(by_level[level]):>9}{figures['cases']:>8}{figures['detections']:>11}"
              f"{figures['precision']:>10.3f}{figures['recall']:>8.3f}{figures['granularity']:>12.3f}{figures['plagdet']:>9.3f}")
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
