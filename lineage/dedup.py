"""dedup(): keep one representative of every group of near duplicates.

The input is streamed twice. The first pass signs every document (an engine
of :mod:`lineage.engines` decides where), finds LSH candidates and verifies
them exactly; the second pass copies each record to the kept or the removed
file. Between the two, only signatures, offsets into a spill file of shingles
and the verified pairs are in memory.

Who represents whom is decided greedily, in order of preference: a document
with an earlier date first (the record's ``date``, else a date in the page's
first lines; undated pages after dated ones), then a longer one, then the one
read first. Each document taken in that order, unless already removed, is
kept and removes every not yet decided document it is a near duplicate of
(verified Jaccard >= threshold). So every removed document is a near
duplicate of its own representative, and no two kept documents are near
duplicates of each other; unlike connected components, a chain A~B~C does not
remove C for A's sake when A and C are far apart.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy as np
import numpy.typing as npt

from lineage.candidates import lsh_params
from lineage.config import DedupConfig, ReadConfig
from lineage.corpus import iter_corpus, stdin_copy
from lineage.engines import Engine, LocalEngine
from lineage.errors import ConfigError, InputError, OutputError
from lineage.report import ctrl_c_held
from lineage.types import Document, Progress, SkippedInput, no_progress

log = logging.getLogger(__name__)



@dataclass(frozen=True, slots=True)
class DedupSummary:
    """What a dedup run did: counts, the LSH parameters, and where the files went."""

    inputs: int
    kept: int
    removed: int
    groups: int
    not_compared: int
    skipped: dict[str, int]
    truncated: int
    candidates: int
    near_pairs: int
    bands: int
    rows: int
    kept_path: Path
    removed_path: Path
    engine: str
    seconds: dict[str, float] = field(default_factory=dict)


def dedup(
    paths: Sequence[str | Path],
    kept_path: str | Path,
    removed_path: str | Path | None = None,
    *,
    config: DedupConfig | None = None,
    read: ReadConfig | None = None,
    engine: Engine | None = None,
    progress: Progress | None = None,
) -> DedupSummary:
    """Write the input's records without near duplicates to ``kept_path`` (JSONL).

    ``removed_path`` (default: ``removed.jsonl`` beside ``kept_path``) gets one
    line per record left out: a near duplicate with its representative and
    their Jaccard, or a record that could not be read, with the reason.
    Documents too short to have a shingle cannot be compared and are kept.
    ``read`` says how the input is read (fields, size limit, repeated ids);
    standard input (``-``) is copied to a temporary file, as it is read twice.
    """
    config = config or DedupConfig()
    kept_path = Path(kept_path)
    removed_path = Path(removed_path) if removed_path is not None else kept_path.with_name("removed.jsonl")
    _check_outputs(kept_path, removed_path)
    bands, rows = lsh_params(config.threshold, config.sign.minhash.num_perm, config.recall)
    with stdin_copy(paths) as inputs:
        return _dedup(inputs, kept_path, removed_path, config, read or ReadConfig(), bands, rows, engine, progress)


def _dedup(paths: Sequence, kept_path: Path, removed_path: Path, config: DedupConfig, read: ReadConfig,
           bands: int, rows: int, engine: Engine | None, progress: Progress | None) -> DedupSummary:
    report = progress or no_progress
    engine = engine or LocalEngine()
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    try:
        ids: list[str] = []
        dates: list[str | None] = []
        chars: list[npt.NDArray[np.int64]] = []
        skipped: Counter[str] = Counter()
        too_short = truncated = 0
        for chunk in engine.sign(paths, config.sign, report, read):
            truncated += chunk.truncated
            ids.extend(chunk.ids)
            dates.extend(chunk.dates)
            chars.append(chunk.chars)
            for record in chunk.skipped:
                if record.kind == "too short":
                    too_short += 1
                else:
                    skipped[record.kind] += 1
        seconds["sign"] = time.perf_counter() - clock
        pairs = engine.candidates(bands, rows, report)
        seconds["candidates"] = time.perf_counter() - clock - sum(seconds.values())
        candidates = len(pairs)
        near = engine.verify(pairs, report, min_jaccard=config.threshold)
        del pairs
        seconds["verify"] = time.perf_counter() - clock - sum(seconds.values())
    finally:
        engine.close()
    order = preference_order(dates, np.concatenate(chars) if chars else np.zeros(0, np.int64))
    representative, similarity = choose_representatives(
        len(ids), near.a, near.b, near.jaccard, order
    )
    removed = representative >= 0
    log.info("%d of %d documents are near duplicates of a kept one", int(removed.sum()), len(ids))
    inputs = _write_outputs(paths, read, ids, representative, similarity, kept_path, removed_path,
                            len(ids) + too_short + sum(skipped.values()), report)
    seconds["write"] = time.perf_counter() - clock - sum(seconds.values())
    return DedupSummary(
        inputs=inputs,
        kept=inputs - int(removed.sum()) - sum(skipped.values()),
        removed=int(removed.sum()),
        groups=len(np.unique(representative[removed])),
        not_compared=too_short,
        skipped=dict(sorted(skipped.items())),
        truncated=truncated,
        candidates=candidates,
        near_pairs=len(near.a),
        bands=bands,
        rows=rows,
        kept_path=kept_path,
        removed_path=removed_path,
        engine=engine.name,
        seconds={stage: round(value, 3) for stage, value in seconds.items()},
    )


def preference_order(dates: Sequence[str | None], chars: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Documents from most to least preferred as representative: earliest date, longest, first read."""
    n = len(dates)
    dated = np.array([date is not None for date in dates], dtype=bool)
    date_rank = np.zeros(n, dtype=np.int64)
    if dated.any():
        _, rank = np.unique(np.array([date for date in dates if date is not None], dtype=object), return_inverse=True)
        date_rank[dated] = rank.ravel()
    return np.lexsort((np.arange(n), -chars, date_rank, ~dated))


def choose_representatives(
    n: int,
    a: npt.NDArray[np.int64],
    b: npt.NDArray[np.int64],
    jaccard: npt.NDArray[np.float64],
    order: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Each document's representative (-1 when it is kept) and their Jaccard, greedily in ``order``."""
    both = np.concatenate([a, b])
    other = np.concatenate([b, a])
    weight = np.concatenate([jaccard, jaccard])
    by_doc = np.argsort(both, kind="stable")
    indptr = np.concatenate([[0], np.cumsum(np.bincount(both, minlength=n))]).astype(np.int64)
    return _greedy(n, indptr, other[by_doc].astype(np.int64), weight[by_doc].astype(np.float64),
                   order.astype(np.int64))


@numba.njit(cache=True)
def _greedy(n, indptr, neighbour, weight, order):  # pragma: no cover - compiled
    representative = np.full(n, -1, dtype=np.int64)
    similarity = np.zeros(n, dtype=np.float64)
    decided = np.zeros(n, dtype=np.bool_)
    for doc in order:
        if decided[doc]:
            continue
        decided[doc] = True  # kept: it represents its undecided near duplicates
        for k in range(indptr[doc], indptr[doc + 1]):
            other = neighbour[k]
            if not decided[other]:
                decided[other] = True
                representative[other] = doc
                similarity[other] = weight[k]
    return representative, similarity


def _check_outputs(kept_path: Path, removed_path: Path) -> None:
    """Refuse unusable output paths before the long first pass; make their folders."""
    if kept_path.resolve() == removed_path.resolve():
        raise ConfigError(f"{kept_path}: the kept and removed files must differ; pass another --removed")
    for path in (kept_path, removed_path):
        if path.is_dir():
            raise ConfigError(f"{path}: is a directory; pass a file name such as {path / 'kept.jsonl'}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            Path(_temporary_beside(path)).unlink()
        except OSError as error:
            raise OutputError(f"{path.parent}: cannot write there ({error.strerror}); pass another path") from error


def _write_outputs(
    paths: Sequence[str | Path],
    read: ReadConfig,
    ids: list[str],
    representative: npt.NDArray[np.int64],
    similarity: npt.NDArray[np.float64],
    kept_path: Path,
    removed_path: Path,
    expected: int,
    progress: Progress,
) -> int:
    """Copy every input record to the kept or the removed file (both replaced at once); return how many."""
    number = {doc_id: k for k, doc_id in enumerate(ids)}
    staged = [_temporary_beside(kept_path), _temporary_beside(removed_path)]
    records = 0
    progress("written", 0, expected)
    try:
        with open(staged[0], "w", encoding="utf-8") as kept, open(staged[1], "w", encoding="utf-8") as removed:
            for record in iter_corpus(paths, raw=True, read=read):
                records += 1
                if records % 10_000 == 0:
                    progress("written", records, expected)
                if isinstance(record, SkippedInput):
                    removed.write(_line({"id": record.id, "source": record.source, "skipped": record.kind,
                                         "reason": record.reason}))
                    continue
                k = number.get(record.id)
                if k is not None and representative[k] >= 0:
                    removed.write(_line({"id": record.id, "source": record.source,
                                         "representative": ids[representative[k]],
                                         "jaccard": round(float(similarity[k]), 6)}))
                else:
                    kept.write(_kept_line(record))
        progress("written", records, expected)
        if records != expected:
            raise InputError(f"the input changed while it was deduplicated ({expected} records read first, {records} "
                             "then); nothing was written; run again on input that is not being written to")
        with ctrl_c_held():  # the kept and the removed file are replaced together or not at all
            for temporary, path in zip(staged, (kept_path, removed_path)):
                os.replace(temporary, path)
    except OSError as error:
        raise OutputError(f"{error.filename or kept_path}: cannot write ({error.strerror}); pass another -o") from error
    finally:
        for temporary in staged:
            Path(temporary).unlink(missing_ok=True)
    return records


def _kept_line(doc: Document) -> str:
    """The record as read: a JSONL line unchanged, anything else as ``{"id", "source", "text"}`` and what it has.

    A document cut to the size limit is written as read, cut, with ``truncated_from``.
    """
    if doc.raw is not None:
        return doc.raw + "\n"
    extra = {name: getattr(doc, name) for name in ("date", "url", "title", "truncated_from")
             if getattr(doc, name) is not None}
    return _line({"id": doc.id, "source": doc.source, "text": doc.text, **extra})


def _line(value: dict) -> str:
    return json.dumps(value, ensure_ascii=False) + "\n"


def _temporary_beside(path: Path) -> str:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    return temporary
