"""The local engine: the streamed stages in this process, one chunk at a time."""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from lineage.candidates import band_keys, pairs_sharing_keys
from lineage.corpus import iter_corpus
from lineage.config import ReadConfig, SignConfig
from lineage.stream import CHUNK, NO_SHINGLES, ShingleSpill, SignedChunk, chunks, sign_chunk, verify_spilled
from lineage.types import Progress
from lineage.verify import Similarities



class Engine(Protocol):
    """Where the streamed stages run. Documents are numbered in input order from 0."""

    name: str

    def sign(self, paths: Sequence[str | Path], config: SignConfig, progress: Progress,
             read: ReadConfig | None = None) -> Iterator[SignedChunk]:
        """Read (as ``read`` says) and sign the input; yield each chunk, in input order, once it is signed.

        The chunks yielded carry no shingles (``NO_SHINGLES``): the engine keeps them for :meth:`verify`.
        """

    def candidates(self, bands: int, rows: int, progress: Progress) -> npt.NDArray[np.int64]:
        """Pairs ``(i, j)``, ``i < j``, of signed documents sharing a band, sorted."""

    def verify(self, pairs: npt.NDArray[np.int64], progress: Progress, min_jaccard: float = 0.0) -> Similarities:
        """Exact similarities of the ``pairs`` of signed documents with Jaccard at least ``min_jaccard``."""

    def close(self) -> None:
        """Free what the engine holds (temporary files, cluster connections)."""


class LocalEngine:
    """Signs chunk after chunk, keeps the signatures in memory and the shingles in a spill file."""

    name = "local"

    def __init__(self, chunk: int = CHUNK, workers: int | None = None,
                 spill_directory: str | Path | None = None) -> None:
        self._chunk = chunk
        self._workers = workers or _cores()
        self._spill = ShingleSpill(spill_directory)
        self._signatures: list[npt.NDArray[np.uint32]] = []

    def __enter__(self) -> LocalEngine:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def sign(self, paths: Sequence[str | Path], config: SignConfig, progress: Progress,
             read: ReadConfig | None = None) -> Iterator[SignedChunk]:
        """Chunks are signed by a pool of ``workers`` processes once there is more than one chunk."""
        done = 0
        progress("signed", 0, 0)
        for records, chunk in self._signed(chunks(iter_corpus(paths, read=read), self._chunk), config):
            self._spill.append(chunk.shingles)
            self._signatures.append(chunk.signatures)
            done += records
            progress("signed", done, 0)
            yield replace(chunk, shingles=NO_SHINGLES)  # the spill has them

    def _signed(self, batches: Iterator[list], config: SignConfig) -> Iterator[tuple[int, SignedChunk]]:
        """``(records, signed chunk)`` of each batch, in order; in worker processes when there are several."""
        first = next(batches, None)
        if first is None:
            return
        second = next(batches, None)
        if second is None or self._workers < 2:
            for batch in itertools.chain([first] if second is None else [first, second], batches):
                yield len(batch), sign_chunk(batch, config)
            return
        # fork where there is one: spawn would re-import the caller's main module, which a script without
        # an `if __name__ == "__main__"` guard cannot survive; the workers only run sign_chunk.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(self._workers, mp_context=multiprocessing.get_context(method)) as pool:
            pending: deque = deque()
            for batch in itertools.chain((first, second), batches):
                pending.append((len(batch), pool.submit(sign_chunk, batch, config)))
                if len(pending) > self._workers:  # at most one chunk waiting per worker: memory stays bounded
                    records, future = pending.popleft()
                    yield records, future.result()
            while pending:
                records, future = pending.popleft()
                yield records, future.result()

    def candidates(self, bands: int, rows: int, progress: Progress) -> npt.NDArray[np.int64]:
        """Pairs sharing a band; the signatures are released once every band is done (nothing needs them after).

        Band keys are computed chunk by chunk: the signatures are never joined into one array.
        """
        signed, self._signatures = self._signatures, []
        doc_ids = np.arange(sum(len(chunk) for chunk in signed), dtype=np.int64)
        merged = np.zeros(0, dtype=np.int64)
        pending: list[npt.NDArray[np.int64]] = []
        progress("candidates", 0, bands)
        for band in range(bands):
            keys = [band_keys(chunk, bands, rows, band) for chunk in signed]
            pairs = pairs_sharing_keys(doc_ids, np.concatenate(keys) if keys else np.zeros(0, np.uint64))
            pending.append((pairs[:, 0] << 32) | pairs[:, 1])
            # Bands repeat most pairs: merge once the unmerged ones outgrow the merged (amortised, bounded memory).
            if sum(map(len, pending)) > max(len(merged), 1 << 22) or band == bands - 1:
                merged = _distinct(np.concatenate([merged, *pending]))
                pending = []
            progress("candidates", band + 1, bands)
        pairs = np.empty((len(merged), 2), dtype=np.int64)
        pairs[:, 0] = merged >> 32
        pairs[:, 1] = merged & 0xFFFFFFFF
        return pairs

    def verify(self, pairs: npt.NDArray[np.int64], progress: Progress, min_jaccard: float = 0.0) -> Similarities:
        progress("verified", 0, len(pairs))
        similarities = verify_spilled(self._spill, pairs, min_jaccard)
        progress("verified", len(pairs), len(pairs))
        return similarities

    def close(self) -> None:
        self._spill.close()


def _distinct(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``np.unique(keys)`` sorting ``keys`` in place: np.unique sorts a copy, one more array of tens of millions."""
    keys.sort()
    if len(keys) == 0:
        return keys
    first = np.empty(len(keys), dtype=bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    return keys[first]


def _cores() -> int:
    """CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
