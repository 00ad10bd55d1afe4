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
    )


class ShingleSpill:
    """Every signed document's shingle hashes in a temporary file, read back row by row.

    Only the row offsets stay in memory (8 bytes a document); the file is
    deleted on :meth:`close`. Rows are read with ``pread``, never mapped, so
    reading them back adds only the rows asked for to the process's memory.
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


_VERIFY_BATCH = 1 << 18  # pairs verified between two releases of the mapped pages


def verify_spilled(spill: ShingleSpill, pairs: npt.NDArray[np.int64]) -> Similarities:
    """Exact Jaccard and containments of ``pairs`` of spilled documents.

    The spill file is mapped read-only and merged in place, pairs in order of
    their first document; after each batch the mapped pages are released from
    this process (they stay in the page cache), so the resident set does not
    grow with the file.
    """
    pairs = pairs.reshape(-1, 2).astype(np.int64)
    indptr = spill.indptr()
    sizes = np.diff(indptr)
    shared = np.zeros(len(pairs), dtype=np.int64)
    length = int(indptr[-1]) * 8 if len(indptr) else 0
    if len(pairs) and length:
        with mmap.mmap(spill.fileno(), length, prot=mmap.PROT_READ) as mapped:
            hashes = np.frombuffer(mapped, dtype=np.uint64)
            try:
                for lo in range(0, len(pairs), _VERIFY_BATCH):
                    batch = pairs[lo : lo + _VERIFY_BATCH]
                    shared[lo : lo + len(batch)] = shared_counts(indptr, hashes, batch[:, 0].copy(), batch[:, 1].copy())
                    mapped.madvise(mmap.MADV_DONTNEED)
            finally:
                del hashes  # the buffer must go before the map closes
    a, b = pairs[:, 0].copy(), pairs[:, 1].copy()
    return similarities(a, b, shared, sizes[a], sizes[b])
