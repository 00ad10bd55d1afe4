"""How the default shingle and family threshold were chosen.

Usage: python benchmarks/shingle_choice.py ../shared/corpora/clough-stevenson [--json OUT]

For each shingle kind and size, runs `lineage.analyze` once on the Clough
corpus and once on the demo corpus, then sweeps the family threshold over the
verified pairs: families are connected components of pairs with score >= t.
Prints, per shingle, the range of thresholds where Clough's adjusted Rand
index is >= 0.9 (wider is more robust), the best ARI, and where the demo
corpus's pair scores fall. The default is the setting whose window is wide
and whose centre is a round number that also works at near-duplicate scale.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from sklearn.metrics import adjusted_rand_score

import lineage
from clough import load_labels, true_family

SHINGLES = ("word:1", "word:2", "word:3", "word:4", "word:5", "char:5", "char:7", "char:9")
THRESHOLDS = np.round(np.arange(0.02, 0.61, 0.01), 2)
DEMO = Path(__file__).resolve().parent.parent / "corpus" / "shanghai"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="the Clough folder holding texts/ and labels.csv")
    parser.add_argument("--json", type=Path, help="also write the table as JSON here")
    args = parser.parse_args(argv)
    labels = load_labels(args.corpus)
    if labels is None:
        return 0

    rows = []
    print(f"{'shingle':8} {'ARI>=0.9 for t in':>18} {'best ARI':>9} {'at t':>5} {'demo pair scores':>17}")
    for spec in SHINGLES:
        clough = lineage.analyze([args.corpus / "texts"], shingle=spec, min_shared=1)
        aris = [_ari(clough, labels, t) for t in THRESHOLDS]
        good = [float(t) for t, ari in zip(THRESHOLDS, aris) if ari >= 0.9]
        demo = lineage.analyze([DEMO], shingle=spec, min_shared=1)
        demo_scores = [pair.score for pair in demo.pairs] or [0.0]
        best = int(np.argmax(aris))
        row = {
            "shingle": spec,
            "window": [min(good), max(good)] if good else None,
            "window_points": len(good),
            "best_ari": round(aris[best], 4),
            "best_threshold": float(THRESHOLDS[best]),
            "demo_scores": [round(min(demo_scores), 3), round(max(demo_scores), 3)],
        }
        rows.append(row)
        window = f"{row['window'][0]:.2f}..{row['window'][1]:.2f}" if good else "none"
        print(f"{spec:8} {window:>18} {row['best_ari']:>9.3f} {row['best_threshold']:>5.2f} "
              f"{row['demo_scores'][0]:>8.3f}..{row['demo_scores'][1]:.3f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


def _ari(report: lineage.Report, labels: dict[str, dict[str, str]], threshold: float) -> float:
    names = sorted(labels)
    index = {name: k for k, name in enumerate(names)}
    strong = [(index[p.a], index[p.b]) for p in report.pairs if p.score >= threshold]
    rows, cols = (np.array(side, dtype=np.int64) for side in zip(*strong)) if strong else (np.zeros(0, int),) * 2
    graph = sparse.coo_array((np.ones(len(rows)), (rows, cols)), shape=(len(names), len(names)))
    _, predicted = connected_components(graph, directed=False)
    truth = [true_family(name, labels) for name in names]
    return float(adjusted_rand_score(truth, predicted))


if __name__ == "__main__":
    raise SystemExit(main())
