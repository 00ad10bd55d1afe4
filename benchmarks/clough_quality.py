"""Family quality of the default `lineage analyze` on the Clough & Stevenson corpus.

Usage: python benchmarks/clough_quality.py ../shared/corpora/clough-stevenson [--json OUT]

Truth: one family per task (its orig and every cut/light/heavy answer); 'non'
answers are singletons. Prints the adjusted Rand index of lineage's families
(documents in no family count as singletons), with and without the two `cut`
answers that the corpus README says were copied from elsewhere, plus
pairwise precision/recall of "answer shares a family with its orig", how
many families holding an orig have it as their tree root, and the Spearman correlation between
the score to the orig and cut < light < heavy < non.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from scipy.stats import spearmanr
from sklearn.metrics import adjusted_rand_score

import lineage
from clough import load_labels, true_family

KNOWN_NOISE = ("g2pE_taskc.txt", "g4pD_taskb.txt")  # 'cut' answers copied from other articles
CATEGORY_RANK = {"cut": 0, "light": 1, "heavy": 2, "non": 3}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="folder holding texts/ and labels.csv")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    labels = load_labels(args.corpus)
    if labels is None:
        return 0

    started = time.perf_counter()
    report = lineage.analyze([args.corpus / "texts"], seed=args.seed)
    seconds = time.perf_counter() - started
    results = evaluate(report, labels)
    results["seconds"] = round(seconds, 3)
    results["parameters"] = lineage.report_dict(report)["parameters"]

    print(f"documents: {results['documents']}  families: {results['families']}  ({seconds:.2f} s)")
    print(f"adjusted Rand index: {results['ari']:.3f}  (without {', '.join(KNOWN_NOISE)}: {results['ari_without_noise']:.3f})")
    print(f"answer shares a family with its orig: precision {results['pairwise_precision']:.3f}  "
          f"recall {results['pairwise_recall']:.3f}  F1 {results['pairwise_f1']:.3f}")
    print(f"families holding an orig: {results['families_with_orig']}, rooted at it: {results['roots_orig']}")
    print(f"Spearman(score to orig, cut<light<heavy<non): {results['spearman']:.3f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


def evaluate(report: lineage.Report, labels: dict[str, dict[str, str]]) -> dict:
    family_of = {doc.id: doc.family for doc in report.documents}
    names = sorted(labels)

    def predicted(name: str) -> str:
        return family_of.get(name) or f"single:{name}"

    ari = adjusted_rand_score([true_family(n, labels) for n in names], [predicted(n) for n in names])
    kept = [n for n in names if n not in KNOWN_NOISE]
    ari_clean = adjusted_rand_score([true_family(n, labels) for n in kept], [predicted(n) for n in kept])

    answers = [n for n in names if labels[n]["category"] != "orig"]
    orig_of = {n: f"orig_task{labels[n]['task']}.txt" for n in answers}
    derived = {n for n in answers if labels[n]["category"] in ("cut", "light", "heavy")}
    linked = {n for n in answers if family_of.get(n) and family_of.get(n) == family_of.get(orig_of[n])}
    true_positives = len(linked & derived)
    precision = true_positives / len(linked) if linked else 0.0
    recall = true_positives / len(derived)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    scores = {(p.a, p.b): p.score for p in report.pairs}
    to_orig = [scores.get((n, orig_of[n]), scores.get((orig_of[n], n), 0.0)) for n in answers]
    rank = [CATEGORY_RANK[labels[n]["category"]] for n in answers]
    spearman = spearmanr([-s for s in to_orig], rank).statistic

    return {
        "documents": len(names),
        "families": len(report.families),
        "ari": round(float(ari), 4),
        "ari_without_noise": round(float(ari_clean), 4),
        "pairwise_precision": round(precision, 4),
        "pairwise_recall": round(recall, 4),
        "pairwise_f1": round(f1, 4),
        "families_with_orig": sum(any(m.startswith("orig_") for m in f.members) for f in report.families),
        "roots_orig": sum(family.root.startswith("orig_") for family in report.families),
        "spearman": round(float(spearman), 4),
    }


if __name__ == "__main__":
    raise SystemExit(main())
