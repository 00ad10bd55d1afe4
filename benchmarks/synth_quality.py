"""Quality of `lineage analyze` on simulated content farms, against the simulator's truth.

Usage: python benchmarks/synth_quality.py [--docs 5000] [--seed 1] [--json OUT]

Generates a `lineage synth` corpus (default knobs) and runs the default `lineage
analyze` on it, then reports:

- the adjusted Rand index of lineage's families against the true families
  (documents in no family count as singletons, as do independent articles);
- the share of true parent-child pairs that lineage reports as a pair, overall
  and by rewrite level (light, medium, heavy);
- how many reported pairs join documents of different true families, and how
  many of those share a site (the boilerplate trap) or an operator (spam keywords).

Later issues add parent accuracy of the lineage tree, injection precision/recall
and passage alignment to this script.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from sklearn.metrics import adjusted_rand_score

import lineage
from common import machine, synth_files, write_json


def evaluate(report: lineage.Report, truths: dict[str, dict]) -> dict:
    ids = sorted(truths)
    family_of = {}
    for family in report.families:
        for member in family.members:
            family_of[member] = family.id
    predicted = [family_of.get(doc, f"alone:{doc}") for doc in ids]
    actual = [truths[doc]["family"] for doc in ids]
    reported = {frozenset((pair.a, pair.b)) for pair in report.pairs}
    found, total = Counter(), Counter()
    for doc in ids:
        truth = truths[doc]
        if truth["parent"] is not None:
            total[truth["level"]] += 1
            found[truth["level"]] += frozenset((doc, truth["parent"])) in reported
    cross = [(pair.a, pair.b) for pair in report.pairs if truths[pair.a]["family"] != truths[pair.b]["family"]]
    return {
        "documents": len(ids),
        "true_families": len(set(actual)),
        "families": len(report.families),
        "ari": adjusted_rand_score(actual, predicted),
        "parent_pairs_reported": sum(found.values()) / max(sum(total.values()), 1),
        "parent_pairs_reported_by_level": {level: found[level] / total[level] for level in sorted(total)},
        "pairs": len(report.pairs),
        "cross_family_pairs": len(cross),
        "cross_family_same_site": sum(truths[a]["site"] == truths[b]["site"] for a, b in cross),
        "cross_family_same_operator": sum(
            truths[a]["operator"] is not None and truths[a]["operator"] == truths[b]["operator"] for a, b in cross
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)

    with synth_files(args.docs, args.seed) as (corpus, rows):
        truths = {truth["id"]: truth for truth in rows}
        started = time.perf_counter()
        report = lineage.analyze([corpus], seed=args.seed)
        seconds = time.perf_counter() - started
    results = {"machine": machine(["scikit-learn"]), "seed": args.seed, **evaluate(report, truths),
               "seconds": round(seconds, 2), "parameters": lineage.report_dict(report)["parameters"]}
    print(f"{results['documents']} documents in {results['true_families']} true families; "
          f"lineage: {results['families']} families, {results['pairs']} pairs ({seconds:.1f} s)")
    print(f"adjusted Rand index of families: {results['ari']:.3f}")
    by_level = "  ".join(f"{level} {share:.3f}" for level, share in results["parent_pairs_reported_by_level"].items())
    print(f"true parent-child pairs reported: {results['parent_pairs_reported']:.3f}  ({by_level})")
    print(f"pairs across true families: {results['cross_family_pairs']} "
          f"(same site {results['cross_family_same_site']}, same operator {results['cross_family_same_operator']})")
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
