"""The Dask engine: the streamed stages as Dask tasks, shingles kept on the workers.

Workers read the input themselves: the client only plans which pieces of it
each task reads (groups of files, byte ranges of JSONL files), so the input
must be on a filesystem every worker sees at the same paths.
"""

from __future__ import annotations

import operator
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from lineage.candidates import band_keys, pairs_sharing_keys
from lineage.config import ReadConfig, SignConfig
from lineage.corpus import InputFile, duplicate_id_message, input_files, iter_corpus, read_file
from lineage.errors import ConfigError, InputError
from lineage.records import read_jsonl
from lineage.stream import CHUNK, SignedChunk, sign_chunk
from lineage.types import Document, Progress, ShingleSets, SkippedInput
from lineage.verify import Similarities, shared_counts, similarities

_CONNECT_SECONDS = 5  # how long to try reaching a scheduler before saying it cannot be reached
_SCAN_BLOCK = 1 << 24  # bytes of a JSONL file read at once while finding where its pieces start
_BYTES_PER_RECORD = 1 << 15  # a guess at the records of a compressed or crawl file, for cutting the input into pieces


@dataclass(frozen=True, slots=True)
class _JsonlRange:
    """The lines of a JSONL file in bytes ``[start, end)``; the first is line ``first_line``."""

    path: str
    label: str
    start: int
    end: int
    first_line: int


_Item = InputFile | _JsonlRange | SkippedInput


class DaskEngine:
    """Runs each stage as Dask tasks; the input must be readable by every worker at the same paths.

    Each task reads and signs one piece of about ``chunk`` records; the
    signatures and metadata come back to this process, the shingle sets stay on
    the workers until :meth:`verify` needs them. Band keys are shuffled to
    reduce tasks by key, so each bucket of LSH is gathered in one task.
    Without ``scheduler``, starts a cluster of ``workers`` processes
    (default 2) on this machine and stops it on :meth:`close`.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None, chunk: int = CHUNK) -> None:
        distributed = _import_distributed()
        self._chunk = chunk
        self._cluster = None
        if scheduler is None:
            self._cluster = distributed.LocalCluster(n_workers=workers or 2, threads_per_worker=1, host="127.0.0.1",
                                                     dashboard_address=None)
            self._client = distributed.Client(self._cluster, set_as_default=False)
        else:
            self._client = _connect(distributed, scheduler)
        self._signed: list = []  # one future per chunk: its SignedChunk, held on a worker
        self._offsets = np.zeros(1, dtype=np.int64)  # number of the first document of each chunk, and the total

    def __enter__(self) -> DaskEngine:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def sign(self, paths: Sequence[str | Path], config: SignConfig, progress: Progress,
             read: ReadConfig | None = None) -> Iterator[SignedChunk]:
        read = read or ReadConfig()
        if read.duplicate_ids != "error":
            raise ConfigError(f"--duplicate-ids {read.duplicate_ids} needs the local engine (workers read their "
                              "pieces apart, so only the client sees a repeated id); leave out --engine dask")
        progress("signed", 0, 0)
        pieces = list(_pieces(paths, self._chunk))
        if not pieces:
            _raise_as_local_reader(paths, read)
        results = [self._client.submit(_sign_piece, items, config, read, pure=False) for items in pieces]
        self._signed = [self._client.submit(operator.attrgetter("chunk"), result, pure=False) for result in results]
        summaries = [self._client.submit(_summary, result, pure=False) for result in results]
        del results  # the full results are freed once both their parts are computed
        first_source: dict[str, str] = {}
        sizes = [0]
        read = 0
        for future in summaries:
            chunk, records = future.result()
            future.release()
            for doc_id, source in records:
                if doc_id in first_source:
                    raise InputError(duplicate_id_message(doc_id, first_source[doc_id], source))
                first_source[doc_id] = source
            sizes.append(len(chunk))
            read += len(records)
            progress("signed", read, 0)
            yield chunk
        if not first_source:
            _raise_as_local_reader(paths, read)
        self._offsets = np.cumsum(sizes, dtype=np.int64)

    def candidates(self, bands: int, rows: int, progress: Progress) -> npt.NDArray[np.int64]:
        distributed = _import_distributed()
        partitions = max(1, 2 * sum(self._client.nthreads().values()))
        split = [self._client.submit(_band_partitions, chunk, int(first), bands, rows, partitions, pure=False)
                 for chunk, first in zip(self._signed, self._offsets[:-1])]
        reducers = [
            self._client.submit(_pairs_in_partition,
                                *[self._client.submit(operator.itemgetter(p), part, pure=False) for part in split],
                                pure=False)
            for p in range(partitions)
        ]
        del split
        found = []
        progress("candidates", 0, partitions)
        for done, future in enumerate(distributed.as_completed(reducers, loop=self._client.loop), start=1):
            found.append(future.result())
            future.release()
            progress("candidates", done, partitions)
        return _distinct_pairs(np.concatenate(found))

    def verify(self, pairs: npt.NDArray[np.int64], progress: Progress, min_jaccard: float = 0.0) -> Similarities:
        distributed = _import_distributed()
        pairs = pairs.reshape(-1, 2).astype(np.int64)
        a, b = pairs[:, 0].copy(), pairs[:, 1].copy()
        shared = np.zeros(len(pairs), dtype=np.int64)
        size_a = np.zeros(len(pairs), dtype=np.int64)
        size_b = np.zeros(len(pairs), dtype=np.int64)
        progress("verified", 0, len(pairs))
        chunk_a = np.searchsorted(self._offsets, a, side="right") - 1
        chunk_b = np.searchsorted(self._offsets, b, side="right") - 1
        group = chunk_a * len(self._signed) + chunk_b
        order = np.argsort(group, kind="stable")
        starts = np.flatnonzero(np.diff(group[order], prepend=-1))
        ends = np.append(starts[1:], len(order))
        shingles = {}
        tasks = {}
        for start, end in zip(starts.tolist(), ends.tolist()):
            members = order[start:end]
            ca, cb = int(chunk_a[members[0]]), int(chunk_b[members[0]])
            for c in (ca, cb):
                if c not in shingles:
                    shingles[c] = self._client.submit(operator.attrgetter("shingles"), self._signed[c], pure=False)
            local_a, local_b = a[members] - self._offsets[ca], b[members] - self._offsets[cb]
            other = shingles[cb] if cb != ca else None
            task = self._client.submit(_shared_between, shingles[ca], other, local_a, local_b, pure=False)
            tasks[task] = members
        done = 0
        for future in distributed.as_completed(list(tasks), loop=self._client.loop):
            members = tasks.pop(future)
            shared[members], size_a[members], size_b[members] = future.result()
            future.release()
            done += len(members)
            progress("verified", done, len(pairs))
        found = similarities(a, b, shared, size_a, size_b)
        near = found.jaccard >= min_jaccard
        return similarities(a[near], b[near], shared[near], size_a[near], size_b[near])

    def close(self) -> None:
        self._signed = []
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


@dataclass(frozen=True, slots=True)
class _SignedPiece:
    """A signed piece of input, and the ``(id, source)`` of each of its records in input order."""

    chunk: SignedChunk
    records: tuple[tuple[str, str], ...]


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise ConfigError("the Dask engine needs dask and distributed; pip install 'lineage[dask]'") from None
    return distributed


def _connect(distributed, scheduler: str):
    """A client of the scheduler at ``scheduler``, or a one-line ConfigError saying why there is none."""
    try:
        distributed.comm.resolve_address(scheduler)  # a malformed address fails here, before a client half exists
    except ValueError as error:
        raise ConfigError(f"{scheduler!r} is not a Dask scheduler address ({error}); "
                          "pass one like tcp://10.0.0.5:8786") from None
    except OSError as error:
        raise ConfigError(f"cannot resolve the Dask scheduler address {scheduler} ({error}); check the host name") from None
    try:
        return distributed.Client(scheduler, timeout=_CONNECT_SECONDS, set_as_default=False)
    except OSError as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ConfigError(
            f"cannot reach the Dask scheduler at {scheduler} ({reason}); "
            "check the address and that the scheduler runs, or leave out --scheduler for a local cluster"
        ) from None


def _pieces(paths: Sequence[str | Path], size: int) -> Iterator[list[_Item]]:
    """The input, in the local reader's order, cut into lists of items of about ``size`` records each."""
    piece: list[_Item] = []
    records = 0
    for item, count in _items(paths, size):
        if records and records + count > size:
            yield piece
            piece, records = [], 0
        piece.append(item)
        records += count
    if piece:
        yield piece


def _items(paths: Sequence[str | Path], size: int) -> Iterator[tuple[_Item, int]]:
    """What to read, in order, with about how many records each item holds.

    The files are :func:`lineage.corpus.input_files`'s, so the walk, the
    order and the records skipped are the local reader's. An uncompressed
    JSONL file is cut into byte ranges of ``size`` lines; any other file is one
    item, read on a worker by :func:`lineage.corpus.read_file`.
    """
    for item in input_files(paths):
        if isinstance(item, SkippedInput):
            yield item, 1
        elif item.path is None:
            raise ConfigError("the Dask engine cannot read standard input (workers read the input themselves); "
                              "write it to a file every worker sees, or leave out --engine dask")
        elif item.format == "jsonl" and item.compression is None:
            for start, end, first_line, lines in _jsonl_ranges(Path(item.path), size):
                yield _JsonlRange(item.path, item.source, start, end, first_line), lines
        elif item.format in ("text", "html"):
            yield item, 1
        else:
            yield item, max(1, os.path.getsize(item.path) // _BYTES_PER_RECORD)


def _jsonl_ranges(path: Path, size: int) -> Iterator[tuple[int, int, int, int]]:
    """``(start, end, first_line, lines)`` of consecutive byte ranges of ``size`` lines of a JSONL file."""
    try:
        handle = path.open("rb")
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror}); check its permissions") from error
    start = position = 0
    lines_before = 0  # lines ending before this block
    first_line = 1
    with handle:
        while block := handle.read(_SCAN_BLOCK):
            line_ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == ord("\n"))
            # cut after line first_line - 1 + size, then every size lines further
            cuts = np.arange(first_line - 1 + size, lines_before + len(line_ends) + 1, size)
            for cut_line in cuts.tolist():
                end = position + int(line_ends[cut_line - lines_before - 1]) + 1
                yield start, end, first_line, size
                start, first_line = end, cut_line + 1
            lines_before += len(line_ends)
            position += len(block)
    if position > start:
        yield start, position, first_line, max(lines_before + 1 - first_line, 1)


def _sign_piece(items: list[_Item], config: SignConfig, read: ReadConfig) -> _SignedPiece:
    """Read one piece of input on a worker and sign it."""
    records: list[Document | SkippedInput] = []
    for item in items:
        if isinstance(item, InputFile):
            records.extend(read_file(item, read))
        elif isinstance(item, _JsonlRange):
            records.extend(_read_jsonl_range(item, read))
        else:
            records.append(item)
    return _SignedPiece(sign_chunk(records, config), tuple((record.id, record.source) for record in records))


def _read_jsonl_range(item: _JsonlRange, read: ReadConfig) -> list[Document | SkippedInput]:
    """The records of one range of a JSONL file, identified as :func:`lineage.corpus.iter_corpus` does."""
    try:
        with open(item.path, "rb") as handle:
            handle.seek(item.start)
            return list(read_jsonl(handle, item.label, read, first_line=item.first_line, end=item.end))
    except OSError as error:
        raise InputError(f"{item.path}: cannot read ({error.strerror}); check its permissions") from error


def _summary(piece: _SignedPiece) -> tuple[SignedChunk, tuple[tuple[str, str], ...]]:
    """What the client needs of a signed piece: all but the shingles, which stay on the worker."""
    empty = ShingleSets(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.uint64))
    return replace(piece.chunk, shingles=empty), piece.records


def _band_partitions(chunk: SignedChunk, first_doc: int, bands: int, rows: int,
                     partitions: int) -> tuple[tuple[npt.NDArray, ...], ...]:
    """``(band, key, document)`` of every band of the chunk's documents, split by key into ``partitions``."""
    keys = band_keys(chunk.signatures, bands, rows).ravel()
    band = np.tile(np.arange(bands, dtype=np.int32), len(chunk))
    docs = np.repeat(np.arange(first_doc, first_doc + len(chunk), dtype=np.int64), bands)
    part = (keys % np.uint64(partitions)).astype(np.int64)
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(partitions + 1))
    return tuple(
        (band[order[lo:hi]], keys[order[lo:hi]], docs[order[lo:hi]]) for lo, hi in zip(bounds[:-1], bounds[1:])
    )


def _pairs_in_partition(*parts: tuple[npt.NDArray, ...]) -> npt.NDArray[np.int64]:
    """Distinct pairs of documents sharing a (band, key) of this partition, from every chunk's share of it."""
    band = np.concatenate([part[0] for part in parts])
    keys = np.concatenate([part[1] for part in parts])
    docs = np.concatenate([part[2] for part in parts])
    order = np.argsort(band, kind="stable")
    bounds = np.flatnonzero(np.diff(band[order], prepend=-1, append=-1))
    found = [np.zeros((0, 2), dtype=np.int64)]
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        members = order[lo:hi]
        found.append(pairs_sharing_keys(docs[members], keys[members]))
    return _distinct_pairs(np.concatenate(found))


def _shared_between(
    shingles_a: ShingleSets, shingles_b: ShingleSets | None, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Shared shingles and sizes of pairs of rows ``a[k]`` of ``shingles_a`` and ``b[k]`` of ``shingles_b``.

    ``shingles_b`` is None when both rows are in ``shingles_a``.
    """
    if shingles_b is not None:  # one CSR of both chunks' rows, b's numbered after a's
        b = b + len(shingles_a)
        shingles_a = ShingleSets(
            np.concatenate([shingles_a.indptr, shingles_b.indptr[1:] + shingles_a.indptr[-1]]),
            np.concatenate([shingles_a.hashes, shingles_b.hashes]),
        )
    sizes = shingles_a.sizes()
    return shared_counts(shingles_a.indptr, shingles_a.hashes, a, b), sizes[a], sizes[b]


def _distinct_pairs(pairs: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Distinct pairs, sorted, by one sort of 64-bit codes (numpy's row-wise unique is slower)."""
    codes = np.unique((pairs[:, 0] << 32) | pairs[:, 1])
    return np.column_stack([codes >> 32, codes & 0xFFFFFFFF]).reshape(-1, 2)


def _raise_as_local_reader(paths: Sequence[str | Path], read: ReadConfig) -> None:
    """Raise the local reader's error for input with no records (nothing given, or nothing found)."""
    for _ in iter_corpus(paths, read=read):
        pass
