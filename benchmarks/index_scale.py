"""The persistent index at scale: build and add throughput, query latency and file size.

Usage: python benchmarks/index_scale.py [--corpus PATH] [--docs N] [--add N] [--add-corpus PATH]
                                        [--queries N] [--seed 1] [--json OUT]

Builds an index of the first --docs records of --corpus (default: all of
benchmarks/.data/synth-100000-seed1/corpus.jsonl), then adds --add more records:
the lines after the first --docs of --add-corpus (default: the 1,000,000-document
corpus of the same seed, whose first 100,000 lines are the 100,000 corpus),
else a fresh `lineage synth` corpus of another seed with ids prefixed ``add-``.
Then --queries single-document queries, each a copy of a random indexed
document with one word in forty rewritten, are timed one call each (opening
the file, signing, candidates, verification). Writes JSON to
benchmarks/results/index_scale.json unless --json says otherwise.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from common import RESULTS, machine, median, write_json
from lineage import index
from lineage.config import SynthConfig
from lineage.synth import generate
from lineage.types import Document

DATA = Path(__file__).parent / ".data"


def first_lines(source: Path, target: Path, count: int | None, skip: int = 0) -> int:
    """Copy lines ``skip .. skip + count`` of ``source`` to ``target``; returns how many were copied."""
    copied = 0
    with source.open("rb") as lines, target.open("wb") as out:
        for line in itertools.islice(lines, skip, None if count is None else skip + count):
            out.write(line)
            copied += 1
    return copied


def fresh_records(target: Path, count: int, seed: int) -> None:
    """``count`` synthetic records of another seed, their ids prefixed so none is already indexed."""
    with target.open("w", encoding="utf-8") as out:
        for record, _ in generate(SynthConfig(docs=count, seed=seed + 1)):
            out.write(json.dumps({**record, "id": f"add-{record['id']}"}, ensure_ascii=False) + "\n")


def edited(record: dict, rng: random.Random) -> Document:
    words = record["text"].split(" ")
    for k in range(rng.randrange(40), len(words), 40):
        words[k] = "rewritten"
    return Document(f"query-{record['id']}", "query", " ".join(words), "utf-8")


def table_sizes(db: Path) -> dict[str, int]:
    """Bytes each table and index takes (SQLite's dbstat), or {} where it is not compiled in."""
    connection = sqlite3.connect(db)
    try:
        return dict(connection.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"))
    except sqlite3.OperationalError:
        return {}
    finally:
        connection.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DATA / "synth-100000-seed1" / "corpus.jsonl")
    parser.add_argument("--docs", type=int, help="index only the first DOCS records (default: all)")
    parser.add_argument("--add", type=int, default=10_000, help="records added after the build")
    parser.add_argument("--add-corpus", type=Path, default=DATA / "synth-1000000-seed1" / "corpus.jsonl")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=RESULTS / "index_scale.json")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        base, more, db = Path(scratch) / "base.jsonl", Path(scratch) / "more.jsonl", Path(scratch) / "index.db"
        docs = first_lines(args.corpus, base, args.docs)
        if args.add_corpus.is_file() and first_lines(args.add_corpus, more, args.add, skip=docs) == args.add:
            added_from = f"{args.add_corpus} lines {docs + 1}..{docs + args.add}"
        else:
            fresh_records(more, args.add, args.seed)
            added_from = f"lineage synth, seed {args.seed + 1}, ids prefixed add-"

        started = time.perf_counter()
        built = index.build(db, [base])
        build_seconds = time.perf_counter() - started
        build_bytes = db.stat().st_size
        print(f"build: {built.added:,} documents in {build_seconds:.1f} s ({built.added / build_seconds:,.0f} docs/s), "
              f"{build_bytes / built.added:,.0f} bytes a document", file=sys.stderr)

        started = time.perf_counter()
        grown = index.add(db, [more])
        add_seconds = time.perf_counter() - started
        add_bytes = db.stat().st_size
        print(f"add: {grown.added:,} documents in {add_seconds:.1f} s ({grown.added / add_seconds:,.0f} docs/s)",
              file=sys.stderr)

        with base.open(encoding="utf-8") as lines:
            picked = set(rng.sample(range(docs), min(args.queries, docs)))
            records = [json.loads(line) for k, line in enumerate(lines) if k in picked]
        index.query(db, [edited(records[0], rng)])  # warm up: compiled kernels load from numba's cache
        latencies, found = [], 0
        for record in records:
            query = edited(record, rng)
            started = time.perf_counter()
            result = index.query(db, [query]).results[0]
            latencies.append(time.perf_counter() - started)
            found += any(neighbour.id == record["id"] for neighbour in result.neighbours)
        print(f"query: median {median(latencies) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
              f"original found {found}/{len(records)}", file=sys.stderr)
        tables = table_sizes(db)

    results = {
        "machine": machine(),
        "seed": args.seed,
        "corpus": str(args.corpus),
        "added_from": added_from,
        "settings": built.settings.describe(),
        "build": {"docs": built.added, "seconds": round(build_seconds, 2),
                  "docs_per_second": round(built.added / build_seconds, 1), "families": built.families,
                  "largest_family": built.largest_family, "operators": built.operators,
                  "candidates": built.candidates, "near_pairs": built.near_pairs,
                  "file_bytes": build_bytes, "bytes_per_doc": round(build_bytes / built.added, 1)},
        "add": {"docs": grown.added, "seconds": round(add_seconds, 2),
                "docs_per_second": round(grown.added / add_seconds, 1), "merged_families": grown.merged,
                "candidates": grown.candidates, "near_pairs": grown.near_pairs,
                "file_bytes": add_bytes, "bytes_per_doc": round(add_bytes / grown.documents, 1)},
        "query": {"queries": len(latencies), "median_ms": round(median(latencies) * 1000, 2),
                  "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
                  "max_ms": round(max(latencies) * 1000, 2), "original_found": found},
        "table_bytes": tables,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
