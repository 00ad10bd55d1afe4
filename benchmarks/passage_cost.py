"""Cost of aligning one pair against document length: is it near-linear?

Usage: python benchmarks/passage_cost.py [--words 1000 10000 100000 1000000] [--repeats 3] [--json OUT]

For each length, a text of random words (a vocabulary of 5,000, seeded) and a
rewrite of it: one word in 20 replaced, one in 50 dropped, one in 50 with a
word inserted after it, as light spinning does. `lineage.passages.pair_passages`
(tokenising both texts, seeding, chaining and the gapped alignment) runs on the
pair; the table shows the median wall time and microseconds per word. A
near-linear aligner keeps the last column about flat.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from common import machine, median, pin_to_one_core, write_json
from lineage.config import PassageConfig
from lineage.passages import pair_passages

_VOCABULARY = 5000


def texts(words: int, seed: int) -> tuple[str, str]:
    """A text of ``words`` random words in sentences, and its light rewrite."""
    rng = random.Random(seed)
    vocabulary = [f"w{n}" for n in range(_VOCABULARY)]
    original = [rng.choice(vocabulary) for _ in range(words)]
    rewrite = []
    for word in original:
        roll = rng.random()
        if roll < 0.02:
            continue  # dropped
        rewrite.append(rng.choice(vocabulary) if roll < 0.07 else word)
        if roll > 0.98:
            rewrite.append(rng.choice(vocabulary))  # inserted
    return _sentences(original), _sentences(rewrite)


def _sentences(words: list[str]) -> str:
    return " ".join(word + ("." if number % 15 == 14 else "") for number, word in enumerate(words))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, nargs="+", default=[1000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    pinned = pin_to_one_core()
    pair_passages(list(texts(200, args.seed)), [(0, 1)], PassageConfig())  # warm up: imports, compiled loops
    rows = []
    print(f"{'words':>10}{'passages':>10}{'aligned':>10}{'seconds':>10}{'µs/word':>10}")
    for words in args.words:
        a, b = texts(words, args.seed)
        runs = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            [found] = pair_passages([a, b], [(0, 1)], PassageConfig())
            runs.append(time.perf_counter() - started)
        seconds = median(runs)
        aligned = sum(passage.aligned for passage in found)
        row = {"words": words, "passages": len(found), "aligned_words": aligned, "seconds": round(seconds, 4),
               "us_per_word": round(seconds / words * 1e6, 2), "runs": [round(run, 4) for run in runs]}
        rows.append(row)
        print(f"{words:>10,}{len(found):>10}{aligned:>10,}{seconds:>10.3f}{row['us_per_word']:>10.2f}")
    write_json(args.json, {"machine": machine(["rapidfuzz"]), "pinned_core": pinned, "seed": args.seed,
                           "repeats": args.repeats, "rows": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
