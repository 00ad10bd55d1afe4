"""Lineage tree attribution on Clough & Stevenson: does each answer's path of parents reach its source?

Usage: python benchmarks/clough_tree.py ../shared/corpora/clough-stevenson [--family-threshold 0.1]
       [--date-sources] [--json OUT]

Runs the default `lineage analyze` on the corpus's texts/ and, for every cut,
light and heavy answer, follows its parents in its family's tree: does the path
reach its task's `orig` text, is the orig its direct parent (the truth: every
answer was written from the orig alone), is it in the orig's family at all,
and is the family rooted at the orig. An answer whose path misses the orig is
counted under the first reason that holds: not in the orig's family; it sits
above the orig (the orig descends from it); its path goes through a `non`
answer; or it hangs from another root on a branch beside the orig. Reported
by category, with and without the two `cut` answers that the corpus README
says were copied from other articles (their word 3-grams are almost none of
them in the orig: the "ceiling" column, as in passage_quality.py). Also the
mean bootstrap support of right (orig → answer) and wrong parent edges, and
the `non` answers that land in a family with their task's orig.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from clough import load_labels, load_texts
from clough_quality import KNOWN_NOISE
from common import write_json
from passage_quality import coverage

import lineage

DERIVED = ("cut", "light", "heavy")
REASONS = ("not in family", "above orig", "through non", "other branch")


def attribution(report: lineage.Report, labels: dict[str, dict[str, str]]) -> list[dict]:
    """One row per answer: its family, parent, path of parents and whether that path reaches its orig."""
    parent_of, support_of, family_of, root_of = {}, {}, {}, {}
    for family in report.families:
        root_of[family.id] = family.root
        for member in family.members:
            family_of[member] = family.id
        for edge in family.edges:
            parent_of[edge.child] = edge.parent
            support_of[edge.child] = edge.support
    rows = []
    for name, label in sorted(labels.items()):
        if label["category"] == "orig":
            continue
        orig = f"orig_task{label['task']}.txt"
        path = [name]
        while path[-1] in parent_of and path[-1] != orig:
            path.append(parent_of[path[-1]])
        family = family_of.get(name)
        in_family = family is not None and family == family_of.get(orig)
        reaches = path[-1] == orig and len(path) > 1
        rows.append({
            "answer": name,
            "category": label["category"],
            "task": label["task"],
            "family": family,
            "root": root_of.get(family),
            "parent": parent_of.get(name),
            "parent_support": support_of.get(name),
            "path": path[1:],
            "in_orig_family": in_family,
            "root_is_orig": in_family and root_of[family] == orig,
            "direct": parent_of.get(name) == orig,
            "reaches_orig": reaches,
            "reason": None if reaches or label["category"] == "non" else
            _reason(name, orig, path, in_family, parent_of, labels),
        })
    return rows


def _reason(name: str, orig: str, path: list[str], in_family: bool, parent_of: dict[str, str],
            labels: dict[str, dict[str, str]]) -> str:
    if not in_family:
        return "not in family"
    node = orig
    while node in parent_of:
        node = parent_of[node]
        if node == name:
            return "above orig"
    if any(labels[node]["category"] == "non" for node in path[1:]):
        return "through non"
    return "other branch"


def summarise(rows: list[dict]) -> dict:
    """Counts and shares of the attribution figures over ``rows``."""
    n = len(rows)
    figures = {"answers": n}
    for key in ("reaches_orig", "direct", "in_orig_family", "root_is_orig"):
        count = sum(row[key] for row in rows)
        figures[key] = count
        figures[f"{key}_share"] = round(count / n, 4) if n else None
    figures["misses"] = {reason: sum(row["reason"] == reason for row in rows) for reason in REASONS}
    return figures


def edge_support(report: lineage.Report, labels: dict[str, dict[str, str]]) -> dict:
    """Mean bootstrap support of the tree's parent edges into derived answers, right (from the orig) and wrong."""
    right, wrong, into_orig = [], [], []
    for family in report.families:
        for edge in family.edges:
            category = labels[edge.child]["category"]
            if edge.support is None:
                continue
            if category == "orig":
                into_orig.append(edge.support)
            elif category in DERIVED:
                orig = f"orig_task{labels[edge.child]['task']}.txt"
                (right if edge.parent == orig else wrong).append(edge.support)

    def mean(values: list[float]) -> float | None:
        return round(statistics.mean(values), 4) if values else None

    return {"right_edges": len(right), "right_mean_support": mean(right),
            "wrong_edges": len(wrong), "wrong_mean_support": mean(wrong),
            "edges_into_orig": len(into_orig), "into_orig_mean_support": mean(into_orig)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="folder holding texts/ and labels.csv")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--family-threshold", type=float, default=None,
                        help="score that joins two documents into a family (default: lineage's own)")
    parser.add_argument("--date-sources", action="store_true",
                        help="give every orig an earlier date than the answers (as a JSONL date), as a crawl might")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    labels = load_labels(args.corpus)
    if labels is None:
        return 0

    texts = load_texts(args.corpus)
    with tempfile.TemporaryDirectory() as scratch:
        source = args.corpus / "texts"
        if args.date_sources:
            source = Path(scratch) / "dated.jsonl"
            source.write_text("".join(json.dumps({"id": name, "text": text, "date": "2008-01-01" if name.startswith(
                "orig_") else "2009-01-01"}) + "\n" for name, text in sorted(texts.items())), encoding="utf-8")
        started = time.perf_counter()
        report = lineage.analyze([source], seed=args.seed, family_threshold=args.family_threshold)
        seconds = time.perf_counter() - started
    rows = attribution(report, labels)
    for row in rows:
        row["ceiling"] = round(coverage(texts[row["answer"]], texts[f"orig_task{row['task']}.txt"])[1], 4)

    summary = {}
    for category, members in (*((category, (category,)) for category in DERIVED), ("derived", DERIVED)):
        chosen = [row for row in rows if row["category"] in members]
        summary[category] = {"all": summarise(chosen),
                             "without_noise": summarise([row for row in chosen if row["answer"] not in KNOWN_NOISE])}
    non = [row for row in rows if row["category"] == "non"]
    false_joins = [row["answer"] for row in non if row["in_orig_family"]]
    orig_rooted = sum(family.root.startswith("orig_") for family in report.families)
    with_orig = sum(any(member.startswith("orig_") for member in family.members) for family in report.families)
    noise_ceiling = {row["answer"]: row["ceiling"] for row in rows if row["answer"] in KNOWN_NOISE}
    lowest_cut = sorted((row["ceiling"], row["answer"]) for row in rows if row["category"] == "cut")[:3]
    parameters = lineage.report_dict(report)["parameters"]
    results = {
        "seed": args.seed,
        "date_sources": args.date_sources,
        "family_threshold": parameters["family_threshold"],
        "documents": len(labels),
        "families": len(report.families),
        "families_with_orig": with_orig,
        "families_rooted_at_orig": orig_rooted,
        "known_noise": {"answers": list(KNOWN_NOISE), "ceiling": noise_ceiling},
        "summary": summary,
        "support": edge_support(report, labels),
        "non": {"answers": len(non), "in_any_family": sum(row["family"] is not None for row in non),
                "in_orig_family": len(false_joins), "false_joins": false_joins},
        "answers": rows,
        "seconds": round(seconds, 3),
        "parameters": parameters,
    }
    _print(results, lowest_cut)
    write_json(args.json, results)
    return 0


def _print(results: dict, lowest_cut: list[tuple[float, str]]) -> None:
    print(f"documents: {results['documents']}  families: {results['families']}  "
          f"(family threshold {results['family_threshold']}, {results['seconds']:.2f} s)")
    print(f"families holding an orig: {results['families_with_orig']}, rooted at it: "
          f"{results['families_rooted_at_orig']}")
    print("lowest cut ceilings (share of words in 3-grams the orig holds): "
          + ", ".join(f"{name} {ceiling:.3f}" for ceiling, name in lowest_cut))
    header = (f"{'category':<10}{'answers':>8}{'reaches':>9}{'share':>7}{'direct':>8}{'in fam':>8}{'root=orig':>10}"
              + "".join(f"{reason:>15}" for reason in REASONS))
    for variant, title in (("all", "all answers"), ("without_noise", f"without {', '.join(KNOWN_NOISE)}")):
        print(f"\n{title}")
        print(header)
        for category, figures in results["summary"].items():
            row = figures[variant]
            print(f"{category:<10}{row['answers']:>8}{row['reaches_orig']:>9}{row['reaches_orig_share']:>7.3f}"
                  f"{row['direct']:>8}{row['in_orig_family']:>8}{row['root_is_orig']:>10}"
                  + "".join(f"{row['misses'][reason]:>15}" for reason in REASONS))
    support = results["support"]
    if support["right_mean_support"] is not None or support["wrong_mean_support"] is not None:
        print(f"\nparent edges into cut/light/heavy answers: {support['right_edges']} from the orig "
              f"(mean support {support['right_mean_support']}), {support['wrong_edges']} from elsewhere "
              f"(mean support {support['wrong_mean_support']}); {support['edges_into_orig']} edges into an orig "
              f"(mean support {support['into_orig_mean_support']})")
    non = results["non"]
    print(f"non answers: {non['answers']}, in a family: {non['in_any_family']}, in their orig's family: "
          f"{non['in_orig_family']} {non['false_joins']}")
    misses = [row for row in results["answers"] if row["category"] in DERIVED and not row["reaches_orig"]]
    if misses:
        print("\nanswers whose path misses the orig:")
        for row in misses:
            print(f"  {row['answer']:<16}{row['category']:<7}{row['reason']:<15}root {row['root'] or '-':<16}"
                  f"path {' > '.join(row['path']) or '-'}")


if __name__ == "__main__":
    raise SystemExit(main())
