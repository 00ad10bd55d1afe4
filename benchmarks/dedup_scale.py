"""`lineage dedup` at scale: wall time, peak memory and recall, against a minimal rensa pipeline.

Usage: python benchmarks/dedup_scale.py [--sizes 100000 1000000] [--repeats 3] [--peer-max 100000]
                                        [--dask-max 100000] [--seed 1] [--data DIR] [--json OUT] [--no-recall]

Each run is a child process; wall time and the child's peak resident set size
(wait4's rusage) are recorded, and the table shows medians of --repeats runs.
Pipelines, on the same `lineage synth` corpus.jsonl:

- ``lineage``: `lineage dedup corpus.jsonl -o kept.jsonl` with the defaults
  (word 5-grams, 128 permutations, Jaccard >= 0.5, LSH tuned to recall 0.99).
- ``lineage --engine dask``: the same on a 2-worker local Dask cluster it starts.
- ``rensa``: the minimal pipeline of rensa's README, made comparable: lower-cased
  word 5-grams of ``str.split()`` into ``RMinHash(128, seed)``, ``RMinHashLSH``
  with the band count its README's ``calculate_optimal_num_bands`` picks for
  threshold 0.5 among divisors of 128, a query per document, and every
  candidate verified exactly on its sorted 5-gram hashes (``np.intersect1d``);
  it writes the pairs it confirms, not the deduplicated corpus.

Recall is measured on near-duplicate pairs: the truth is every pair with exact
Jaccard >= 0.5 over lineage's word 5-gram shingles among the union of the pairs
both pipelines confirmed and those of a much wider LSH sweep (tuned to threshold
0.4 at recall 0.9999: 53 bands of 2 rows, which misses a pair at J = 0.5 with
probability 2e-7). A pipeline's recall is the share of those pairs it confirmed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import machine, median, write_json
from end_to_end import DATA, corpus

THRESHOLD = 0.5
NUM_PERM = 128


def child(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS in bytes of one child process and every process it starts.

    The child's worker processes (signing pool, Dask workers) count too: their
    resident sets are summed with the child's every 0.2 s, and the peak of that
    sum is reported (or wait4's peak of the child alone, if higher).
    """
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    peak = 0
    while True:
        waited, status, usage = os.wait4(process.pid, os.WNOHANG)
        if waited:
            break
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit code {os.waitstatus_to_exitcode(status)}")
    return seconds, max(peak, usage.ru_maxrss * 1024)


def tree_rss(root: int) -> int:
    """Resident bytes of process ``root`` and all its descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier += children
    total = 0
    for pid in tree:
        try:
            total += int((Path("/proc") / str(pid) / "statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            continue
    return total


def lineage_command(path: Path, scratch: Path, engine: str) -> list[str]:
    return [sys.executable, "-m", "lineage", "dedup", str(path), "-o", str(scratch / "kept.jsonl"), "-q",
            "--engine", engine]


def rensa_bands(threshold: float, num_perm: int) -> int:
    """The band count rensa's README example picks: weighted false positives plus negatives, divisors only."""
    from scipy.integrate import quad

    best, best_error = 1, float("inf")
    for bands in range(1, num_perm + 1):
        if num_perm % bands:
            continue
        rows = num_perm // bands
        false_positive = quad(lambda s: 1 - (1 - s**rows) ** bands, 0.0, threshold)[0]
        false_negative = quad(lambda s: 1 - (1 - (1 - s**rows) ** bands), threshold, 1.0)[0]
        if false_positive + false_negative < best_error:
            best, best_error = bands, false_positive + false_negative
    return best


def run_rensa(path: Path, out: Path, seed: int) -> None:
    """The minimal rensa pipeline (run in a child process); writes its confirmed pairs to ``out`` (.npy)."""
    import json

    from rensa import RMinHash, RMinHashLSH

    lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=rensa_bands(THRESHOLD, NUM_PERM))
    minhashes, shingle_hashes = [], []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            words = json.loads(line)["text"].lower().split()
            shingles = [" ".join(words[i : i + 5]) for i in range(len(words) - 4)]
            minhash = RMinHash(num_perm=NUM_PERM, seed=seed)
            minhash.update(shingles)
            lsh.insert(number, minhash)
            minhashes.append(minhash)
            shingle_hashes.append(np.unique(np.array([hash(shingle) for shingle in shingles], dtype=np.int64)))
    pairs = []
    for number, minhash in enumerate(minhashes):
        for other in lsh.query(minhash):
            if other <= number:
                continue
            a, b = shingle_hashes[number], shingle_hashes[other]
            shared = len(np.intersect1d(a, b, assume_unique=True))
            if shared / (len(a) + len(b) - shared) >= THRESHOLD:
                pairs.append((number, other))
    np.save(out, np.array(pairs, dtype=np.int64).reshape(-1, 2))


def lineage_pairs(path: Path, threshold: float, recall: float) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Document ids, and the near pairs (J >= THRESHOLD) LSH finds tuned to ``threshold``/``recall``, with their exact
    Jaccard (lineage shingles).

    The same engine calls as `lineage dedup` makes, so the same pairs.
    """
    from lineage.candidates import lsh_params
    from lineage.config import SignConfig
    from lineage.engines import LocalEngine

    silent = lambda stage, done, total: None  # noqa: E731
    with LocalEngine() as engine:
        ids = [doc_id for chunk in engine.sign([path], SignConfig(), silent) for doc_id in chunk.ids]
        bands, rows = lsh_params(threshold, NUM_PERM, recall)
        similarities = engine.verify(engine.candidates(bands, rows, silent), silent, min_jaccard=THRESHOLD)
    pairs = np.column_stack([similarities.a, similarities.b])
    return ids, pairs, similarities.jaccard


def codes(pairs: np.ndarray) -> set[int]:
    return set(((pairs[:, 0] << 32) | pairs[:, 1]).tolist())


def recall_figures(path: Path, rensa_pairs: np.ndarray | None) -> dict[str, float | int]:
    _, found, jaccard = lineage_pairs(path, THRESHOLD, 0.99)
    lineage_found = codes(found[jaccard >= THRESHOLD])
    _, wide, wide_jaccard = lineage_pairs(path, 0.4, 0.9999)  # 0.3 made 1-row bands: 22 GB of candidates at 100k
    truth = codes(wide[wide_jaccard >= THRESHOLD]) | lineage_found
    figures: dict[str, float | int] = {"true_pairs": len(truth), "lineage_recall": len(lineage_found & truth) / len(truth)}
    if rensa_pairs is not None:
        # rensa numbers lines from 0 and lineage documents in input order: the same here (no line is skipped).
        rensa_found = codes(np.sort(rensa_pairs, axis=1))
        figures["rensa_recall"] = len(rensa_found & truth) / len(truth)
        figures["rensa_pairs_not_near_by_lineage_shingles"] = len(rensa_found - truth)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peer-max", type=int, default=100_000, help="largest corpus the rensa pipeline runs on")
    parser.add_argument("--dask-max", type=int, default=100_000, help="largest corpus the Dask engine runs on")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, default=DATA, help="where the synthetic corpora are kept")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--no-recall", action="store_true", help="skip the recall figures (minutes at 100,000)")
    parser.add_argument("--rensa-child", nargs=2, metavar=("CORPUS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rensa_child:
        run_rensa(Path(args.rensa_child[0]), Path(args.rensa_child[1]), args.seed)
        return 0

    rows = []
    print(f"{'documents':>10}  {'pipeline':<22}{'wall s':>9}{'peak RSS':>12}")
    for size in args.sizes:
        path = corpus(size, args.seed, args.data)
        pipelines = {"lineage": "local"}
        if size <= args.dask_max:
            pipelines["lineage --engine dask"] = "dask"
        if size <= args.peer_max:
            pipelines["rensa"] = None
        row: dict = {"docs": size, "pipelines": {}}
        rensa_pairs = None
        with tempfile.TemporaryDirectory() as scratch_name:
            scratch = Path(scratch_name)
            for repeat in range(args.repeats):  # pipelines interleaved, so that a slow spell hits all alike
                for name, engine in pipelines.items():
                    if engine is None:
                        command = [sys.executable, __file__, "--seed", str(args.seed),
                                   "--rensa-child", str(path), str(scratch / "rensa.npy")]
                    else:
                        command = lineage_command(path, scratch, engine)
                    row["pipelines"].setdefault(name, {"runs": []})["runs"].append(child(command))
            if "rensa" in pipelines:
                rensa_pairs = np.load(scratch / "rensa.npy")
            kept = sum(1 for _ in open(scratch / "kept.jsonl", encoding="utf-8"))
        for name, result in row["pipelines"].items():
            runs = result.pop("runs")
            result["seconds"] = median(seconds for seconds, _ in runs)
            result["peak_rss_bytes"] = int(median(rss for _, rss in runs))
            result["runs"] = [{"seconds": round(seconds, 3), "peak_rss_bytes": rss} for seconds, rss in runs]
            print(f"{size:>10}  {name:<22}{result['seconds']:>9.1f}{result['peak_rss_bytes'] / 2**30:>9.2f} GiB")
        row["kept"] = kept
        if size <= args.peer_max and not args.no_recall:
            row["recall"] = recall_figures(path, rensa_pairs)
            print(f"{size:>10}  recall: {row['recall']}")
        rows.append(row)
    write_json(args.json, {"machine": machine(["rensa", "dask", "distributed"]), "seed": args.seed,
                           "repeats": args.repeats, "threshold": THRESHOLD, "sizes": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
