"""Lineage tree accuracy against the simulator's known parents.

Usage: python benchmarks/tree_quality.py [--docs 2000] [--seed 1] [--json OUT]

`lineage synth` records each rewrite's parent. `lineage analyze` is run on the
corpus with its dates and again with the dates removed; for every rewrite:

- directed parent accuracy: its parent in the report's tree is its true parent;
- undirected edge accuracy: the tree joins it to its true parent, either way round;
- root attribution: following parents from it reaches its family's template
  (the tree may still go on above it, to a wrongly chosen root).

The simulator numbers documents as it writes them, parent before child, so
the ids are replaced by hashes and the records shuffled: neither the ids nor
the file order can then say which came first.

A rewrite left out of every family counts as wrong on all three.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from pathlib import Path

import lineage
from common import synth_files, write_json
from lineage.config import AnalyzeConfig, PassageConfig, TreeConfig


def tree_accuracy(truths: list[dict], edges: list[tuple[str, str]]) -> dict[str, float]:
    """The three accuracies of a tree given as (parent, child) edges, over the rewrites in ``truths``."""
    parent_of = {child: parent for parent, child in edges}
    joined = {frozenset(edge) for edge in edges}
    template = {row["family"]: row["id"] for row in truths if row["level"] == "template"}
    rewrites = [row for row in truths if row["parent"] is not None]
    directed = sum(parent_of.get(row["id"]) == row["parent"] for row in rewrites)
    undirected = sum(frozenset((row["id"], row["parent"])) in joined for row in rewrites)
    rooted = 0
    for row in rewrites:
        node, seen = row["id"], set()
        while node in parent_of and node not in seen and node != template.get(row["family"]):
            seen.add(node)
            node = parent_of[node]
        rooted += node == template.get(row["family"])
    n = max(len(rewrites), 1)
    return {"rewrites": len(rewrites), "directed": directed / n, "undirected": undirected / n, "root": rooted / n}


def run(docs: int, seed: int, dates: bool, tree: TreeConfig) -> dict:
    with synth_files(docs, seed, dates=dates) as (corpus, truths):
        truths = _anonymise(corpus, truths, seed)
        started = time.perf_counter()
        report = lineage.analyze([corpus], config=AnalyzeConfig(passage=PassageConfig(mode="on"), tree=tree))
        seconds = time.perf_counter() - started
    edges = [(edge.parent, edge.child) for family in report.families for edge in family.edges]
    result = tree_accuracy(truths, edges)
    by_level = {}
    for level in ("light", "medium", "heavy"):
        chosen = [row for row in truths if row["level"] == level or row["level"] == "template"]
        by_level[level] = tree_accuracy(chosen, edges)
    supports = [(edge.support, (edge.parent, edge.child)) for family in report.families for edge in family.edges
                if getattr(edge, "support", None) is not None]
    return {"dates": dates, "seconds": round(seconds, 2), **result, "by_level": by_level,
            "calibration": _calibration(truths, supports)}


def _anonymise(corpus: Path, truths: list[dict], seed: int) -> list[dict]:
    """Rename the corpus's ids to hashes and shuffle its records, in place; the truth under the new ids."""
    rename = {row["id"]: "d" + hashlib.blake2b(f"{seed}:{row['id']}".encode(), digest_size=6).hexdigest()
              for row in truths}
    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    random.Random(seed).shuffle(records)
    corpus.write_text("".join(json.dumps({**record, "id": rename[record["id"]]}, ensure_ascii=False) + "\n"
                              for record in records), encoding="utf-8")
    return [{**row, "id": rename[row["id"]], "parent": rename.get(row["parent"])} for row in truths]


def _calibration(truths: list[dict], supports: list[tuple[float, tuple[str, str]]]) -> list[dict]:
    """Share of tree edges that are true parent links, by bootstrap support band."""
    true_edges = {(row["parent"], row["id"]) for row in truths if row["parent"] is not None}
    bands = [(0.0, 0.5), (0.5, 0.7), (0.7, 0.9), (0.9, 0.99), (0.99, 1.01)]
    out = []
    for low, high in bands:
        chosen = [edge for support, edge in supports if low <= support < high]
        if chosen:
            out.append({"support": f"{low:g}-{min(high, 1):g}", "edges": len(chosen),
                        "right": sum(edge in true_edges for edge in chosen) / len(chosen)})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bootstrap", type=int, default=100, help="replicates per family (of up to 50 members)")
    parser.add_argument("--direction", type=float, default=TreeConfig().direction, help="weight of drift (a sweep)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    tree = TreeConfig(direction=args.direction, bootstrap=args.bootstrap)
    results = {"docs": args.docs, "seed": args.seed, "bootstrap": args.bootstrap, "direction": args.direction,
               "runs": [run(args.docs, args.seed, dates, tree) for dates in (True, False)]}
    print(f"{args.docs} synthetic documents")
    print(f"{'dates':<7}{'rewrites':>9}{'directed':>10}{'undirected':>12}{'root':>7}{'seconds':>9}")
    for row in results["runs"]:
        print(f"{'yes' if row['dates'] else 'no':<7}{row['rewrites']:>9}{row['directed']:>10.3f}"
              f"{row['undirected']:>12.3f}{row['root']:>7.3f}{row['seconds']:>9.1f}")
        for level, figures in row["by_level"].items():
            print(f"  {level:<7}{figures['rewrites']:>7}{figures['directed']:>10.3f}{figures['undirected']:>12.3f}"
                  f"{figures['root']:>7.3f}")
        for band in row["calibration"]:
            print(f"  support {band['support']:<9} {band['edges']:>6} edges, {band['right']:.3f} right")
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
