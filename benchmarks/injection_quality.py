"""Spam keyword detection and operator grouping against known truth, and false positives on clean text.

Usage: python benchmarks/injection_quality.py [--docs 5000] [--seeds 1 2 3] [--clough DIR] [--json OUT]

- Demo: the 16 keyword strings injected into corpus/shanghai (labelled by hand in
  tests/data/shanghai_injections.json) must be found, and nothing else; the
  five documents must fall into one operator.
- Synthetic: `lineage synth` corpora record every injected keyword's offsets and
  the operator of each document. An injection counts as found when its start and
  end are exact. Precision, recall and the adjusted Rand index of the operators
  (over the documents with keywords) are reported for the corpora as written
  (keywords open paragraphs and end header lines) and with every keyword moved
  to a placement drawn at random: paragraph start, paragraph end, between two
  sentences, a line of its own, or the end of the header line; and moved with
  half of them bare, their digits and Latin tags dropped (上海龙凤419 becomes
  上海龙凤): then only script and placement, and the same keyword elsewhere,
  give them away.
- False positives: injections found in the Clough corpus (plain English; skipped
  when absent) and in tests/data/mixed_script (legitimate mixed-script text), each
  read as one corpus.
- Throughput: documents per second of `find_injections` on the first synthetic
  corpus (median of --rounds runs).
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

from clough import load_texts
from common import machine, median, synthetic, write_json
from lineage.injections import find_injections
from lineage.operators import find_operators

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "corpus" / "shanghai"
DEMO_TRUTH = ROOT / "tests" / "data" / "shanghai_injections.json"
MIXED_SCRIPT = ROOT / "tests" / "data" / "mixed_script"
PLACEMENTS = ("paragraph-start", "paragraph-end", "between-sentences", "line", "header")
_SENTENCE_GAP = re.compile(r"(?<=[.!?]) (?=[A-Z])")


def demo() -> dict:
    truth = {doc: keywords for doc, keywords in json.loads(DEMO_TRUTH.read_text(encoding="utf-8")).items()
             if not doc.startswith("_")}
    paths = sorted(DEMO.glob("*.txt"))
    found = find_injections([path.read_text(encoding="utf-8") for path in paths])
    by_doc = {path.name: [injection.text for injection in spans] for path, spans in zip(paths, found)}
    _, operators = find_operators({path.name: spans for path, spans in zip(paths, found) if spans})
    return {
        "expected": sum(map(len, truth.values())),
        "found": sum(map(len, by_doc.values())),
        "exact": by_doc == truth,
        "per_document": {doc: len(keywords) for doc, keywords in by_doc.items()},
        "operators": len(operators),
        "documents_in_largest_operator": max((len(operator.docs) for operator in operators), default=0),
    }


def moved(record: dict, truth: dict, rng: np.random.Generator, bare: float = 0.0) -> tuple[str, list[dict]]:
    """The record's text with each keyword moved to a random placement, and the new truth spans.

    A share ``bare`` of the keywords lose their digits and Latin tags (上海龙凤419 becomes 上海龙凤),
    so that only their script and placement give them away.
    """
    text = record["text"]
    # Take the keywords out: each opens a paragraph ("kw text") or ends the header line ("header kw").
    cuts = []
    for injection in truth["injections"]:
        start, end = injection["start"], injection["end"]
        cuts.append((start - 1, end) if text[start - 1 : start] == " " else (start, end + 1))
    clean, position = [], 0
    for start, end in sorted(cuts):
        clean.append(text[position:start])
        position = end
    clean.append(text[position:])
    text = "".join(clean)
    paragraphs = [match.start() for match in re.finditer(r"(?:^|\n\n)(?=\S)", text)]
    paragraphs = [start + 2 if text[start : start + 2] == "\n\n" else start for start in paragraphs]
    ends = [text.find("\n\n", start) if text.find("\n\n", start) >= 0 else len(text) for start in paragraphs]
    has_header = " | " in text[: ends[0]]
    inserts: list[tuple[int, str, str]] = []  # position, text inserted, keyword
    for injection in truth["injections"]:
        keyword = injection["text"]
        stripped = re.sub(r"[0-9A-Za-z]", "", keyword)
        if len(stripped) >= 2 and rng.random() < bare:
            keyword = stripped
        placements = PLACEMENTS if has_header else PLACEMENTS[:-1]
        placement = placements[int(rng.integers(len(placements)))]
        first = 1 if has_header else 0
        paragraph = int(rng.integers(first, len(paragraphs))) if len(paragraphs) > first else 0
        start, end = paragraphs[paragraph], ends[paragraph]
        gaps = [start + match.end() for match in _SENTENCE_GAP.finditer(text[start:end])]
        if placement == "between-sentences" and not gaps:
            placement = "paragraph-end"
        if placement == "paragraph-start":
            inserts.append((start, f"{keyword} ", keyword))
        elif placement == "paragraph-end":
            inserts.append((end, f" {keyword}", keyword))
        elif placement == "between-sentences":
            inserts.append((gaps[int(rng.integers(len(gaps)))], f"{keyword} ", keyword))
        elif placement == "line":
            inserts.append((start, f"{keyword}\n", keyword))
        else:
            inserts.append((ends[0], f" {keyword}", keyword))
    out, spans, position, shift = [], [], 0, 0
    for at, piece, keyword in sorted(inserts, key=lambda item: item[0]):
        out.append(text[position:at])
        offset = at + shift + piece.index(keyword)
        spans.append({"start": offset, "end": offset + len(keyword), "text": keyword})
        out.append(piece)
        shift += len(piece)
        position = at
    out.append(text[position:])
    return "".join(out), spans


def score(texts: list[str], truths: list[list[dict]], operators_true: list[str | None], ids: list[str]) -> dict:
    found = find_injections(texts)
    true_spans = {(k, s["start"], s["end"]) for k, spans in enumerate(truths) for s in spans}
    got = {(k, s.start, s.end) for k, spans in enumerate(found) for s in spans}
    placements = {(k, s.start, s.end): s.placement for k, spans in enumerate(found) for s in spans}
    hits = len(true_spans & got)
    _, operators = find_operators({ids[k]: spans for k, spans in enumerate(found) if spans})
    predicted = {doc: operator.id for operator in operators for doc in operator.docs}
    labelled = [k for k, operator in enumerate(operators_true) if operator is not None]
    by_placement: dict[str, int] = {}
    for key in true_spans & got:
        by_placement[placements[key]] = by_placement.get(placements[key], 0) + 1
    return {
        "keywords": len(true_spans),
        "found": len(got),
        "precision": round(hits / len(got), 4) if got else 1.0,
        "recall": round(hits / len(true_spans), 4) if true_spans else 1.0,
        "operators_true": len({operators_true[k] for k in labelled}),
        "operators_found": len(operators),
        "operator_ari": round(float(adjusted_rand_score([operators_true[k] for k in labelled],
                                                        [predicted.get(ids[k], "none") for k in labelled])), 4),
        "found_by_placement": dict(sorted(by_placement.items())),
    }


def synthetic_runs(docs: int, seeds: list[int], operators: int) -> list[dict]:
    runs = []
    for seed in seeds:
        records, truths = synthetic(docs, seed, operators=operators)
        ids = [record["id"] for record in records]
        owners = [truth["operator"] for truth in truths]
        as_written = score([record["text"] for record in records], [truth["injections"] for truth in truths],
                           owners, ids)
        run = {"seed": seed, "docs": docs, "operators": operators, "as_written": as_written}
        for name, bare in (("moved", 0.0), ("moved_bare", 0.5)):
            rng = np.random.default_rng(seed)
            relocated = [moved(record, truth, rng, bare) for record, truth in zip(records, truths)]
            run[name] = score([text for text, _ in relocated], [spans for _, spans in relocated], owners, ids)
        runs.append(run)
    return runs


def false_positives(texts: dict[str, str]) -> dict:
    found = find_injections(list(texts.values()))
    hits = [{"doc": doc, "text": injection.text, "placement": injection.placement}
            for doc, spans in zip(texts, found) for injection in spans]
    return {"documents": len(texts), "injections": len(hits), "found": hits}


def throughput(docs: int, seed: int, rounds: int) -> dict:
    texts = [record["text"] for record in synthetic(docs, seed)[0]]
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        find_injections(texts)
        seconds.append(time.perf_counter() - started)
    return {"docs": docs, "rounds": [round(value, 4) for value in seconds],
            "docs_per_second": round(docs / median(seconds))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--operators", type=int, nargs="+", default=[4, 12], help="operators per corpus (a sweep)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clough", type=Path, default=ROOT.parent / "shared" / "corpora" / "clough-stevenson")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    mixed = {path.name: path.read_text(encoding="utf-8")
             for path in sorted(MIXED_SCRIPT.iterdir()) if path.name != "README.md"}
    results = {
        "machine": machine(["scikit-learn"]),
        "demo": demo(),
        "synthetic": [run for operators in args.operators for run in synthetic_runs(args.docs, args.seeds, operators)],
        "clough": false_positives(load_texts(args.clough)) if (args.clough / "texts").is_dir() else None,
        "mixed_script": false_positives(mixed),
        "throughput": throughput(args.docs, args.seeds[0], args.rounds),
    }
    shown = results["demo"]
    print(f"demo: {shown['found']} of {shown['expected']} keywords found, exactly the labelled ones: {shown['exact']}; "
          f"{shown['operators']} operator(s), the largest holding {shown['documents_in_largest_operator']} documents")
    print(f"{'seed':>4}{'ops':>5}{'keywords':>12}{'count':>7}{'precision':>11}{'recall':>8}{'ARI':>8}")
    for run in results["synthetic"]:
        for name in ("as_written", "moved", "moved_bare"):
            row = run[name]
            print(f"{run['seed']:>4}{run['operators']:>5}{name:>12}{row['keywords']:>7}{row['precision']:>11.4f}"
                  f"{row['recall']:>8.4f}{row['operator_ari']:>8.4f}")
    if results["clough"] is None:
        print(f"clough: skipped ({args.clough / 'texts'} not found)")
    else:
        print(f"clough: {results['clough']['injections']} injections in {results['clough']['documents']} documents")
    print(f"mixed script: {results['mixed_script']['injections']} injections in "
          f"{results['mixed_script']['documents']} documents")
    print(f"throughput: {results['throughput']['docs_per_second']:,} documents/s")
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
