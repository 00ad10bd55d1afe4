"""LSH quality: recall and candidate precision of LSH against exact all-pairs Jaccard.

Usage: python benchmarks/lsh_quality.py [--docs 20000] [--seed 1] [--shingle word:3] [--json OUT]

On a `lineage synth` corpus (at most 20,000 documents, so that the truth is exact),
the ground truth is every pair with exact Jaccard >= t of their shingle sets,
found by an exact all-pairs join: prefix filtering (Bayardo et al. 2007, "Scaling
up all pairs similarity search": two sets with Jaccard >= t share a shingle among
the first |x| - ceil(t|x|) + 1 of each, rarest first) followed by exact
verification of every prefix-sharing pair. For each threshold t in 0.3, 0.5, 0.8:

- lineage: the (bands, rows) that `lineage analyze --threshold t` chooses (recall
  target 0.99, 128 permutations), banding our signatures;
- datasketch: `MinHashLSH(threshold=t, num_perm=128)` with its default weights, fed
  the very same signatures (they are bit-compatible), queried with every document.

Recall = share of true pairs that are candidates; precision = share of candidates
that are true pairs. Shingle sets are what `lineage analyze` bands: boilerplate
dropped first (`--keep-boilerplate` measures the raw sets instead).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from datasketch import MinHash, MinHashLSH
from scipy import sparse

from common import machine, synthetic, write_json
from lineage.candidates import lsh_candidate_pairs, lsh_params
from lineage.boilerplate import boilerplate_columns
from lineage.config import BoilerplateConfig, MinHashConfig, ShingleConfig
from lineage.shingles import incidence_matrix, shingle_sets
from lineage.types import ShingleSets
from lineage.signatures import minhash_signatures
from lineage.verify import verify_pairs

THRESHOLDS = (0.3, 0.5, 0.8)
MAX_DOCS = 20_000
MINHASH = MinHashConfig(num_perm=128, seed=1)


def exact_pairs(matrix: sparse.csr_array, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (i < j) with Jaccard >= threshold, and its Jaccard, by prefix filtering then verification."""
    frequency = np.asarray(matrix.sum(axis=0)).ravel()
    rank = np.empty(len(frequency), dtype=np.int64)
    rank[np.lexsort((np.arange(len(frequency)), frequency))] = np.arange(len(frequency))
    rows, cols = [], []
    for doc in range(matrix.shape[0]):
        columns = matrix.indices[matrix.indptr[doc] : matrix.indptr[doc + 1]]
        size = len(columns)
        keep = size - int(np.ceil(threshold * size - 1e-9)) + 1
        prefix = columns[np.argsort(rank[columns], kind="stable")[:keep]]
        rows.append(np.full(len(prefix), doc))
        cols.append(prefix)
    rows_all, cols_all = np.concatenate(rows), np.concatenate(cols)
    prefix_matrix = sparse.csr_array((np.ones(len(rows_all), dtype=np.int32), (rows_all, cols_all)),
                                     shape=matrix.shape)
    candidates = []
    transposed = prefix_matrix.T.tocsr()
    for lo in range(0, matrix.shape[0], 2048):
        block = sparse.coo_array(prefix_matrix[lo : lo + 2048] @ transposed)
        a, b = block.row + lo, block.col
        upper = a < b
        candidates.append(np.column_stack([a[upper], b[upper]]))
    pairs = np.concatenate(candidates) if candidates else np.zeros((0, 2), dtype=np.int64)
    verified = verify_pairs(matrix, pairs.astype(np.int64))
    keep = verified.jaccard >= threshold
    return np.column_stack([verified.a[keep], verified.b[keep]]), verified.jaccard[keep]


def datasketch_pairs(signatures: np.ndarray, threshold: float) -> tuple[np.ndarray, tuple[int, int]]:
    lsh = MinHashLSH(threshold=threshold, num_perm=MINHASH.num_perm)
    sketches = [MinHash(num_perm=MINHASH.num_perm, seed=MINHASH.seed, hashvalues=row, scheme="affine32")
                for row in signatures]
    with lsh.insertion_session() as session:
        for key, sketch in enumerate(sketches):
            session.insert(key, sketch, check_duplication=False)
    found = [(key, other) for key, sketch in enumerate(sketches) for other in lsh.query(sketch) if key < other]
    return np.array(found, dtype=np.int64).reshape(-1, 2), (lsh.b, lsh.r)


def score(candidates: np.ndarray, truth: set[tuple[int, int]]) -> dict[str, float | int]:
    found = set(map(tuple, candidates.tolist()))
    hits = len(found & truth)
    return {
        "candidates": len(found),
        "recall": hits / len(truth) if truth else float("nan"),
        "precision": hits / len(found) if found else float("nan"),
    }


def knobs(args: argparse.Namespace) -> dict:
    if args.rewrite_mix is None:
        return {}
    return {"rewrite_mix": tuple(float(weight) for weight in args.rewrite_mix.split(":"))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=MAX_DOCS, help=f"synthetic documents, at most {MAX_DOCS}")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shingle", default="word:3", help="shingle setting (default word:3, analyze's default)")
    parser.add_argument("--keep-boilerplate", action="store_true", help="band the raw shingle sets")
    parser.add_argument("--rewrite-mix", default=None,
                        help="light:medium:heavy weights for the corpus (lineage synth --rewrite-mix)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    if not 2 <= args.docs <= MAX_DOCS:
        parser.error(f"--docs {args.docs} is outside 2..{MAX_DOCS}: exact all-pairs truth is computed only up to there")

    records, _ = synthetic(args.docs, args.seed, **knobs(args))
    rows, _ = shingle_sets([record["text"] for record in records], ShingleConfig.parse(args.shingle))
    matrix, column_hashes = incidence_matrix(rows)
    if not args.keep_boilerplate:
        kept_columns = np.flatnonzero(~boilerplate_columns(matrix, BoilerplateConfig()))
        matrix, column_hashes = sparse.csr_array(matrix[:, kept_columns]), column_hashes[kept_columns]
    matrix = sparse.csr_array(matrix[np.flatnonzero(np.diff(matrix.indptr) > 0)])
    sets = ShingleSets(matrix.indptr.astype(np.int64), column_hashes[matrix.indices])
    signatures = minhash_signatures(sets, MINHASH)
    keep = np.arange(matrix.shape[0])

    started = time.perf_counter()
    truth_pairs, truth_jaccard = exact_pairs(matrix, min(THRESHOLDS))
    truth_seconds = time.perf_counter() - started
    results = {"machine": machine(), "docs": len(keep), "shingle": args.shingle, "num_perm": MINHASH.num_perm,
               "boilerplate_dropped": not args.keep_boilerplate, "synth": {"seed": args.seed, **knobs(args)},
               "truth_seconds": round(truth_seconds, 2), "thresholds": {}}
    print(f"{len(keep)} synthetic documents, {args.shingle} shingles, {MINHASH.num_perm} permutations; "
          f"exact all-pairs truth in {truth_seconds:.1f} s")
    print(f"{'t':>5}{'true pairs':>12}  {'tool':<12}{'b x r':>8}{'candidates':>12}{'recall':>9}{'precision':>11}")
    for threshold in THRESHOLDS:
        truth = set(map(tuple, truth_pairs[truth_jaccard >= threshold].tolist()))
        bands, band_rows = lsh_params(threshold, MINHASH.num_perm, 0.99)
        ours = score(lsh_candidate_pairs(signatures, bands, band_rows), truth)
        theirs_pairs, (their_bands, their_rows) = datasketch_pairs(signatures, threshold)
        theirs = score(theirs_pairs, truth)
        results["thresholds"][str(threshold)] = {
            "true_pairs": len(truth),
            "lineage": {"bands": bands, "rows": band_rows, **ours},
            "datasketch": {"bands": their_bands, "rows": their_rows, **theirs},
        }
        for name, figures, b, r in (("lineage", ours, bands, band_rows), ("datasketch", theirs, their_bands, their_rows)):
            print(f"{threshold:>5}{len(truth):>12}  {name:<12}{f'{b}x{r}':>8}{figures['candidates']:>12}"
                  f"{figures['recall']:>9.4f}{figures['precision']:>11.4f}")
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
