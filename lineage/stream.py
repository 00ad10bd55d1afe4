"""Streaming signatures: read, tokenise, hash and sign documents one chunk at a time.

A million pages do not fit in memory as text, and need not: after its chunk is
signed, a document is its MinHash signature, a few metadata fields and its
shingle hashes, which go to a spill file on disk (:class:`ShingleSpill`) and
come back only for the pairs being verified. Memory grows with the number of
documents, not with their text.

:func:`sign_chunk` is the unit of work that every engine runs: the local
engine in a loop, the Dask engine as one task per chunk. Chunks are cut by
record count; every result is a function of the document alone, so how the
input is cut into chunks changes nothing.
"""

from __future__ import annotations

import mmap
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from lineage.config import SignConfig
from lineage.injections import find_injections, masked
from lineage.lineage_tree import page_date
from lineage.shingles import shingle_sets
from lineage.signatures import minhash_signatures
from lineage.types import Document, ShingleSets, SkippedInput
from lineage.verify import Similarities, shared_counts, similarities

NO_SHINGLES = ShingleSets(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.uint64))
CHUNK = 10_000  # documents signed together: about 30 MB of text, enough to amortise every compiled stage


@dataclass(frozen=True, slots=True)
class SignedChunk:
    """The signed documents of one chunk of input records, and the records skipped.

    ``dates`` are sortable publication dates (None where unknown), ``chars`` the
    decoded text lengths and ``keywords`` each document's injected spam keywords.
    """

    ids: tuple[str, ...]
    sources: tuple[str, ...]
    dates: tuple[str | None, ...]
    chars: npt.NDArray[np.int64]
    keywords: tuple[tuple[str, ...], ...]
    shingles: ShingleSets
    signatures: npt.NDArray[np.uint32]
    skipped: tuple[SkippedInput, ...]
    truncated: int = 0  # documents cut to the size limit

    def __len__(self) -> int:
        return len(self.ids)


def chunks(records: Iterable[Document | SkippedInput], size: int = CHUNK) -> Iterator[list[Document | SkippedInput]]:
    """Consecutive lists of ``size`` records (the last may be shorter)."""
    batch: list[Document | SkippedInput] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def sign_chunk(records: Sequence[Document | SkippedInput], config: SignConfig) -> SignedChunk:
    """Shingle and sign one chunk; documents too short for one shingle are skipped with the reason.

    Spam keywords are found in each document alone (without the point for being
    seen in another page, which would make a document's signature depend on its
    chunk) and left out of the shingles unless ``config.keep_injections``.
    """
    readable = [record for record in records if isinstance(record, Document)]
    found = find_injections([doc.text for doc in readable], recurrence=False)
    texts = [doc.text if config.keep_injections else masked(doc.text, spans) for doc, spans in zip(readable, found)]
    rows, lengths = shingle_sets(texts, config.shingle)
    sizes = rows.sizes()
    kept = sizes > 0
    unit = "tokens" if config.shingle.kind == "word" else "characters"
    skipped = [record for record in records if isinstance(record, SkippedInput)]
    skipped += [
        SkippedInput(doc.id, doc.source, "too short",
                     f"too short: {length} {unit}, {config.shingle} shingles need at least {config.shingle.n}",
                     doc.encoding, len(doc.text))
        for doc, length, ok in zip(readable, lengths.tolist(), kept.tolist()) if not ok
    ]
    docs = [doc for doc, ok in zip(readable, kept.tolist()) if ok]
    shingles = ShingleSets(np.concatenate([[0], np.cumsum(sizes[kept])]).astype(np.int64), rows.hashes)
    return SignedChunk(
        ids=tuple(doc.id for doc in docs),
        sources=tuple(doc.source for doc in docs),
        dates=tuple(page_date(doc.date, doc.text) for doc in docs),
        chars=np.array([len(doc.text) for doc in docs], dtype=np.int64),
        keywords=tuple(tuple(spans.text for spans in spans_of) for spans_of, ok in zip(found, kept.tolist()) if ok),
        shingles=shingles,
        signatures=minhash_signatures(shingles, config.minhash),
        skipped=tuple(skipped),
        truncated=sum(doc.truncated_from is not None for doc in readable),
    )


class ShingleSpill:
    """Every signed document's shingle hashes in a temporary file, read back row by row.

    Only the row offsets stay in memory (8 bytes a document); the file is
    deleted on :meth:`close`. :meth:`rows` reads rows with ``pread``, adding
    only the rows asked for to the process's memory; :func:`verify_spilled`
    maps the file two blocks at a time.
    """

    def __init__(self, directory: str | Path | None = None) -> None:
        handle, self.path = tempfile.mkstemp(prefix="lineage-shingles-", suffix=".u64", dir=directory)
        self._fd = handle
        self._offsets = [np.zeros(1, dtype=np.int64)]
        self._end = 0

    def __enter__(self) -> ShingleSpill:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __len__(self) -> int:
        return sum(len(part) for part in self._offsets) - 1

    def append(self, shingles: ShingleSets) -> None:
        """Add the rows of ``shingles`` after those already written."""
        data = np.ascontiguousarray(shingles.hashes, dtype=np.uint64).tobytes()
        written = 0
        while written < len(data):
            written += os.pwrite(self._fd, data[written:], (self._end * 8) + written)
        self._offsets.append(shingles.indptr[1:].astype(np.int64) + self._end)
        self._end += len(shingles.hashes)

    def indptr(self) -> npt.NDArray[np.int64]:
        """Row offsets of all documents written so far (``len(self) + 1`` values)."""
        if len(self._offsets) > 1:
            self._offsets = [np.concatenate(self._offsets)]
        return self._offsets[0]

    def rows(self, docs: npt.NDArray[np.int64]) -> ShingleSets:
        """The rows of ``docs`` (in that order) as shingle sets."""
        indptr = self.indptr()
        starts, ends = indptr[docs], indptr[docs + 1]
        sizes = ends - starts
        out = np.empty(int(sizes.sum()), dtype=np.uint64)
        position = 0
        for start, size in zip(starts.tolist(), sizes.tolist()):
            out[position : position + size] = np.frombuffer(os.pread(self._fd, size * 8, start * 8), dtype=np.uint64)
            position += size
        return ShingleSets(np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64), out)

    def fileno(self) -> int:
        return self._fd

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
            Path(self.path).unlink(missing_ok=True)




_BLOCK_BYTES = 128 << 20  # the spill is verified in document blocks of about this size, two mapped at a time


def verify_spilled(spill: ShingleSpill, pairs: npt.NDArray[np.int64], min_jaccard: float = 0.0) -> Similarities:
    """Exact Jaccard and containments of the ``pairs`` of spilled documents whose Jaccard is at least ``min_jaccard``.

    The spill file is mapped read-only and rows are merged in place. Documents
    are cut into consecutive blocks of about ``_BLOCK_BYTES`` of hashes, pairs
    are taken block pair by block pair, and a block's pages are released from
    this process (they stay in the page cache) as soon as no later pair of the
    current first block needs them: only two blocks are ever mapped, where
    pairs in plain order would touch the whole file within a few thousand
    pairs (the kernel maps 64 KiB around each page fault). Pairs below
    ``min_jaccard`` are dropped as they are verified: at a million documents
    most of the tens of millions of LSH candidates are not near duplicates.
    Pairs keep their input order.
    """
    pairs = pairs.reshape(-1, 2)
    indptr = spill.indptr()
    sizes = np.diff(indptr)
    none = np.zeros(0, dtype=np.int64)
    kept: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = [(none, none)]
    length = int(indptr[-1]) * 8 if len(indptr) else 0
    if not length:  # no document has a shingle: every pair shares nothing
        if min_jaccard <= 0.0:
            kept.append((np.arange(len(pairs), dtype=np.int64), np.zeros(len(pairs), dtype=np.int64)))
    elif len(pairs):
        firsts = pairs[:, 0]
        order = None if bool(np.all(firsts[1:] >= firsts[:-1])) else np.argsort(firsts, kind="stable")
        starts = _block_starts(indptr, _BLOCK_BYTES // 8)
        with mmap.mmap(spill.fileno(), length, prot=mmap.PROT_READ) as mapped:
            hashes = np.frombuffer(mapped, dtype=np.uint64)
            try:
                for block, (lo, hi) in enumerate(zip(starts[:-1], starts[1:])):
                    index = _pairs_starting_in(firsts, order, lo, hi)
                    kept.append(_verify_block(mapped, hashes, indptr, sizes, starts, block, pairs, index, min_jaccard))
            finally:
                del hashes  # the buffer must go before the map closes
    index, shared = (np.concatenate(parts) for parts in zip(*kept))
    order = np.argsort(index, kind="stable")
    index, shared = index[order], shared[order]
    a, b = pairs[index, 0].astype(np.int64), pairs[index, 1].astype(np.int64)
    return similarities(a, b, shared, sizes[a], sizes[b])


def _block_starts(indptr: npt.NDArray[np.int64], hashes_per_block: int) -> npt.NDArray[np.int64]:
    """First document of each block of about ``hashes_per_block`` hashes, and the document count at the end."""
    n_docs = len(indptr) - 1
    cuts = np.searchsorted(indptr, np.arange(hashes_per_block, int(indptr[-1]), hashes_per_block), side="right") - 1
    return np.unique(np.concatenate([[0], cuts, [n_docs]])).astype(np.int64)


def _pairs_starting_in(firsts: npt.NDArray[np.int64], order: npt.NDArray[np.int64] | None,
                       lo: int, hi: int) -> npt.NDArray[np.int64]:
    """Positions of the pairs whose first document is in ``[lo, hi)`` (``order`` sorts ``firsts``; None if sorted)."""
    if order is None:
        return np.arange(np.searchsorted(firsts, lo), np.searchsorted(firsts, hi), dtype=np.int64)
    ordered = firsts[order]
    return order[np.searchsorted(ordered, lo) : np.searchsorted(ordered, hi)]


def _verify_block(
    mapped: mmap.mmap,
    hashes: npt.NDArray[np.uint64],
    indptr: npt.NDArray[np.int64],
    sizes: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
    block: int,
    pairs: npt.NDArray[np.int64],
    index: npt.NDArray[np.int64],
    min_jaccard: float,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Shared counts of the pairs ``index`` whose first document is in ``block``, second block by second block."""
    a = pairs[index, 0].astype(np.int64)
    b = pairs[index, 1].astype(np.int64)
    other = np.searchsorted(starts, b, side="right") - 1
    by_block = np.argsort(other, kind="stable")
    bounds = np.searchsorted(other[by_block], np.arange(len(starts)))
    found_index, found_shared = [], []
    for second in np.unique(other).tolist():
        pick = by_block[bounds[second] : bounds[second + 1]]
        shared = shared_counts(indptr, hashes, a[pick], b[pick])
        if second != block:
            _release(mapped, indptr, starts, second)
        union = (sizes[a[pick]] + sizes[b[pick]] - shared).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):  # as similarities() computes it
            near = np.where(union > 0, shared / union, 0.0) >= min_jaccard
        found_index.append(index[pick[near]])
        found_shared.append(shared[near])
    _release(mapped, indptr, starts, block)
    none = np.zeros(0, dtype=np.int64)
    return np.concatenate([none, *found_index]), np.concatenate([none, *found_shared])


def _release(mapped: mmap.mmap, indptr: npt.NDArray[np.int64], starts: npt.NDArray[np.int64], block: int) -> None:
    """Drop the mapped pages of ``block``'s rows from this process (the page cache keeps them)."""
    first = int(indptr[starts[block]]) * 8 // mmap.PAGESIZE * mmap.PAGESIZE
    end = int(indptr[starts[block + 1]]) * 8
    if end > first:
        mapped.madvise(mmap.MADV_DONTNEED, first, end - first)
