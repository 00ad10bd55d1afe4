"""Signature throughput: lineage against datasketch and rensa, on the same documents in the same run.

Usage: python benchmarks/signatures.py [--docs 20000] [--rounds 5] [--seed 1] [--json OUT]

Every tool turns document texts into 128-permutation MinHash signatures of word
5-grams on one core (the process is pinned to one CPU):

- lineage: `shingle_sets` (tokenise, normalise, hash) in batches of 2048 documents,
  then `minhash_signatures`, as `lineage analyze` runs them;
- datasketch `MinHash.update` per shingle, one MinHash per document (on the first
  `--slow-docs` documents: it is ~60x slower);
- datasketch `MinHash.bulk` over all documents;
- rensa `RMinHash(128, seed)`: `update()` with each document's shingle list, then `digest()`.

The peers get the cheapest tokenisation Python has (`text.lower().split()`, shingles
joined by spaces), and that work is inside their timing, as ours is inside ours. The
"python floor" row is that tokenisation alone, without hashing. The tools run in a
different order each round; each round reports every tool's documents/s and
lineage's ratio to each peer; the table shows medians over rounds. Shingles/s
counts word 5-gram positions (lineage's tokens), the same numerator for every tool.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from datasketch import MinHash

from common import machine, median, pin_to_one_core, synthetic, write_json
from lineage.config import MinHashConfig, ShingleConfig
from lineage.shingles import concatenate, shingle_sets
from lineage.signatures import minhash_signatures

SHINGLE = ShingleConfig("word", 5)
MINHASH = MinHashConfig(num_perm=128, seed=1)
BATCH = 2048


def lineage_signatures(texts: list[str]) -> np.ndarray:
    rows = [shingle_sets(texts[lo : lo + BATCH], SHINGLE)[0] for lo in range(0, len(texts), BATCH)]
    return minhash_signatures(concatenate(rows), MINHASH)


def python_shingles(text: str) -> list[str]:
    words = text.lower().split()
    return [" ".join(words[i : i + SHINGLE.n]) for i in range(len(words) - SHINGLE.n + 1)]


def python_floor(texts: list[str]) -> None:
    for text in texts:
        python_shingles(text)


def datasketch_update(texts: list[str]) -> None:
    for text in texts:
        sketch = MinHash(num_perm=MINHASH.num_perm, seed=MINHASH.seed)
        for shingle in python_shingles(text):
            sketch.update(shingle.encode("utf-8"))


def datasketch_bulk(texts: list[str]) -> None:
    MinHash.bulk([[s.encode("utf-8") for s in python_shingles(text)] for text in texts],
                 num_perm=MINHASH.num_perm, seed=MINHASH.seed)


def rensa_rminhash(texts: list[str]) -> None:
    from rensa import RMinHash

    for text in texts:
        sketch = RMinHash(MINHASH.num_perm, MINHASH.seed)
        sketch.update(python_shingles(text))
        sketch.digest()


TOOLS: dict[str, Callable[[list[str]], object]] = {
    "lineage": lineage_signatures,
    "datasketch update": datasketch_update,
    "datasketch bulk": datasketch_bulk,
    "rensa RMinHash": rensa_rminhash,
    "python floor": python_floor,
}
SLOW = {"datasketch update"}


def available_tools(requested: list[str] | None) -> list[str]:
    names = requested or list(TOOLS)
    try:
        import rensa  # noqa: F401
    except ImportError:
        if "rensa RMinHash" in names:
            print("rensa is not installed (pip install '.[bench]'): leaving it out")
            names = [name for name in names if name != "rensa RMinHash"]
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000, help="synthetic documents (default 20000)")
    parser.add_argument("--slow-docs", type=int, default=1000, help="documents for datasketch's update loop")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tools", nargs="+", choices=list(TOOLS), help="default: all that are installed")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)

    cpu = pin_to_one_core()
    records, _ = synthetic(args.docs, args.seed)
    texts = [record["text"] for record in records]
    _, tokens = shingle_sets(texts, SHINGLE)
    positions = np.maximum(tokens - SHINGLE.n + 1, 0)
    tools = available_tools(args.tools)
    for name in tools:  # warm-up: numba loads its compiled loops, imports happen
        TOOLS[name](texts[:20])

    rates: dict[str, list[float]] = {name: [] for name in tools}
    shingle_rates: dict[str, list[float]] = {name: [] for name in tools}
    for round_number in range(args.rounds):
        order = tools[round_number % len(tools) :] + tools[: round_number % len(tools)]
        for name in order:
            subset = texts[: args.slow_docs] if name in SLOW else texts
            started = time.perf_counter()
            TOOLS[name](subset)
            seconds = time.perf_counter() - started
            rates[name].append(len(subset) / seconds)
            shingle_rates[name].append(float(positions[: len(subset)].sum()) / seconds)
    ratios = {name: [ours / theirs for ours, theirs in zip(rates["lineage"], rates[name])]
              for name in tools if name != "lineage" and "lineage" in tools}

    results = {
        "machine": machine(["rensa"]),
        "pinned_cpu": cpu,
        "docs": len(texts),
        "slow_docs": min(args.slow_docs, len(texts)),
        "mean_words": round(float(np.mean(tokens)), 1),
        "shingle": str(SHINGLE),
        "num_perm": MINHASH.num_perm,
        "rounds": args.rounds,
        "docs_per_second": {name: {"median": median(values), "rounds": [round(v, 1) for v in values]}
                            for name, values in rates.items()},
        "shingles_per_second": {name: median(values) for name, values in shingle_rates.items()},
        "lineage_ratio": {name: {"median": median(values), "rounds": [round(v, 2) for v in values]}
                          for name, values in ratios.items()},
    }
    print(f"{len(texts)} synthetic documents, {results['mean_words']} words on average; "
          f"{SHINGLE} shingles, {MINHASH.num_perm} permutations, one core, {args.rounds} rounds")
    print(f"{'tool':<20}{'docs/s':>12}{'shingles/s':>14}{'lineage ×':>12}")
    for name in tools:
        ratio = f"{median(ratios[name]):.2f}" if name in ratios else ""
        print(f"{name:<20}{median(rates[name]):>12,.0f}{median(shingle_rates[name]):>14,.0f}{ratio:>12}")
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
