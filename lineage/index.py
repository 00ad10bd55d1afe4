"""A persistent near-duplicate index: documents, signatures and LSH buckets in one SQLite file.

The file is self-describing: its ``meta`` table names the format and holds
every setting that makes a signature (shingles, MinHash, spam-keyword masking)
and the LSH banding, and :func:`add` and :func:`query` always use those. Each
document is stored with its text (zlib-compressed, so that ``analyze --index``
can pull indexed neighbours into an analysis), its signature and one bucket
row per band. Candidates are verified exactly by re-shingling the stored
texts (about 0.3 ms a document, mostly finding spam keywords to mask):
storing shingle hashes as well would more than double the file (4.0 kB a
document of incompressible hashes, on top of the 1.5 kB of compressed text
that must be kept anyway), and only candidates are ever re-shingled.

Every document belongs to a **family** (documents joined by verified Jaccard
>= the index threshold, as connected components) and, when it carries
injected spam keywords, to an **operator** (documents sharing variants of one
keyword, as ``analyze`` groups them: :func:`lineage.operators.variant_groups`,
as connected components).
A component's label is the number of its earliest document, so an index
grown by several adds labels exactly as one built in one go. Both are kept
incrementally: an add merges the components its documents join.

One :func:`add` is one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``): an
error or a kill leaves the index as it was. :func:`build` writes a staging
file beside the target and renames it into place when complete. The journal
is in WAL mode, so queries read a consistent snapshot while a writer adds.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from lineage.candidates import band_keys, lsh_params, pairs_sharing_keys
from lineage.config import DedupConfig, MinHashConfig, ReadConfig, ShingleConfig, SignConfig
from lineage.corpus import iter_corpus
from lineage.errors import ConfigError, LineageError
from lineage.injections import keyword_key
from lineage.operators import variant_groups
from lineage.shingles import concatenate
from lineage.stream import CHUNK, ShingleSpill, SignedChunk, chunks, sign_chunk
from lineage.types import Document, Progress, ShingleSets, SkippedInput, no_progress
from lineage.verify import Similarities, shared_counts, similarities

log = logging.getLogger(__name__)

FORMAT = "lineage-index"
VERSION = 1
BUSY_TIMEOUT = 10.0  # seconds a writer waits for another writer's transaction before giving up
PAGE_SIZE = 16_384
_IN_BATCH = 500  # values bound in one ``IN (...)`` list


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE documents (
    doc INTEGER PRIMARY KEY,        -- number in index order, from 1
    id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    encoding TEXT NOT NULL,
    date TEXT,
    url TEXT,
    chars INTEGER NOT NULL,
    shingles INTEGER NOT NULL,
    family INTEGER NOT NULL,        -- number of the family's earliest document
    operator INTEGER,               -- number of the operator's earliest document, NULL without keywords
    signature BLOB NOT NULL,        -- num_perm little-endian uint32
    text BLOB NOT NULL              -- zlib-compressed UTF-8
);
CREATE INDEX documents_family ON documents (family);
CREATE INDEX documents_operator ON documents (operator) WHERE operator IS NOT NULL;
CREATE TABLE buckets (key INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (key, doc)) WITHOUT ROWID;
CREATE TABLE document_keywords (doc INTEGER NOT NULL, key TEXT NOT NULL, text TEXT NOT NULL,
                                PRIMARY KEY (doc, key)) WITHOUT ROWID;
CREATE TABLE keywords (key TEXT PRIMARY KEY, text TEXT NOT NULL, operator INTEGER NOT NULL,
                       docs INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX keywords_operator ON keywords (operator);
"""
_TABLES = ("meta", "documents", "buckets", "document_keywords", "keywords")


class IndexFileError(LineageError):
    """An index file is missing, not a lineage index, damaged, locked or built with other settings."""


IndexConfig = DedupConfig
"""An index is built with dedup's settings: how documents are signed, and the Jaccard at which they
join a family (with the LSH recall there)."""


@dataclass(frozen=True, slots=True)
class IndexSettings:
    """An index's settings as its ``meta`` table holds them: the config and the banding it chose."""

    config: IndexConfig
    bands: int
    rows: int

    def describe(self) -> dict[str, str]:
        sign = self.config.sign
        return {
            "shingle": str(sign.shingle), "num_perm": str(sign.minhash.num_perm), "seed": str(sign.minhash.seed),
            "keep_injections": str(int(sign.keep_injections)), "threshold": repr(self.config.threshold),
            "recall": repr(self.config.recall), "bands": str(self.bands), "rows": str(self.rows),
        }


@dataclass(frozen=True, slots=True)
class IndexSummary:
    """What a build or an add did, and the index it left.

    ``skipped`` counts unreadable or too short records by kind; ``merged``
    counts families that existed before and were joined by this add.
    """

    path: Path
    inputs: int
    added: int
    already_indexed: int
    skipped: dict[str, int]
    candidates: int
    near_pairs: int
    merged: int
    documents: int
    families: int  # families of two or more documents
    largest_family: int
    operators: int
    settings: IndexSettings
    seconds: float


@dataclass(frozen=True, slots=True)
class Neighbour:
    """An indexed document near a query: exact overlap, and the family and operator it belongs to.

    ``containment`` is the share of the query's shingles found in this
    document, ``containment_indexed`` the share of this document's in the query.
    """

    id: str
    source: str
    date: str | None
    jaccard: float
    containment: float
    containment_indexed: float
    shared_shingles: int
    family: str
    family_size: int
    operator: str | None
    operator_keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class QueryResult:
    """One query document's nearest indexed documents, best (highest Jaccard) first.

    ``families`` are those the query would join (a neighbour at or above the
    index threshold); ``operators`` those whose keywords it carries.
    """

    id: str
    source: str
    shingles: int
    keywords: tuple[str, ...]
    candidates: int
    neighbours: tuple[Neighbour, ...]
    families: tuple[str, ...]
    operators: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class QueryReport:
    """The answers to a query, the query records that could not be compared, and the index asked."""

    path: Path
    results: tuple[QueryResult, ...]
    skipped: tuple[SkippedInput, ...]
    documents: int
    settings: IndexSettings


def build(
    db: str | Path,
    paths: Sequence[str | Path],
    *,
    config: IndexConfig | None = None,
    read: ReadConfig | None = None,
    overwrite: bool = False,
    chunk: int = CHUNK,
    progress: Progress | None = None,
) -> IndexSummary:
    """Create the index ``db`` from the documents in ``paths``.

    An existing non-empty ``db`` is replaced only with ``overwrite``. The index
    is written to a staging file beside ``db`` and renamed into place when
    complete, so a failed build leaves any earlier file untouched.
    """
    config = config or IndexConfig()
    path = Path(db)
    if path.is_dir():
        raise IndexFileError(f"{path}: is a directory; pass a file name for the index, e.g. {path / 'corpus.db'}")
    if path.exists() and path.stat().st_size > 0 and not overwrite:
        raise IndexFileError(f"{path}: already exists; pass --force to replace it, "
                             f"or add documents to it with `lineage index add {path} INPUT...`")
    bands, rows = lsh_params(config.threshold, config.sign.minhash.num_perm, config.recall)
    settings = IndexSettings(config, bands, rows)
    staging = path.with_name(f".{path.name}.building-{os.getpid()}")
    staging.unlink(missing_ok=True)
    try:
        with _translated(path):
            connection = sqlite3.connect(staging, isolation_level=None)
            try:
                # The staging file is thrown away on failure, so it needs no journal.
                connection.execute("PRAGMA journal_mode = OFF")
                # A document's row (compressed text and signature, about 2 kB) would take a whole 4 kB page.
                connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")
                connection.execute("PRAGMA synchronous = OFF")
                connection.execute("BEGIN")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        connection.execute(statement)
                meta = {"format": FORMAT, "version": str(VERSION), **settings.describe()}
                connection.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
                summary = _add(connection, path, paths, settings, read, chunk, progress)
                connection.execute("COMMIT")
                connection.execute("PRAGMA journal_mode = WAL")
            finally:
                connection.close()
        for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm")):  # an old file's journal must not meet the new one
            leftover.unlink(missing_ok=True)
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)
    return summary


def add(
    db: str | Path,
    paths: Sequence[str | Path],
    *,
    config: IndexConfig | None = None,
    read: ReadConfig | None = None,
    chunk: int = CHUNK,
    progress: Progress | None = None,
) -> IndexSummary:
    """Add the documents in ``paths`` to the index ``db``, in one transaction.

    Documents whose id is already indexed are skipped and counted. The index's
    own settings are used; ``config``, if given, must equal them (a guard for
    callers that pass signing options).
    """
    path = Path(db)
    with _connect(path) as (connection, settings):
        _check_expected(path, settings, config)
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("BEGIN IMMEDIATE")
        try:
            summary = _add(connection, path, paths, settings, read, chunk, progress)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    return summary


def query(
    db: str | Path,
    inputs: Sequence[str | Path] | Iterable[Document],
    *,
    top: int = 10,
    config: IndexConfig | None = None,
    read: ReadConfig | None = None,
    progress: Progress | None = None,
) -> QueryReport:
    """Each query document's ``top`` nearest indexed documents, by verified Jaccard.

    ``inputs`` are paths (files or directories, read like ``analyze``'s input)
    or :class:`Document` records. Every LSH candidate is verified exactly; the
    neighbours are those sharing at least one shingle with the query.
    """
    if top < 1:
        raise ConfigError(f"top={top} must be at least 1; pass e.g. --top 10")
    path = Path(db)
    report = progress or no_progress
    results: list[QueryResult] = []
    skipped: list[SkippedInput] = []
    with _connect(path) as (connection, settings):
        _check_expected(path, settings, config)
        connection.execute("BEGIN")  # one snapshot for the whole query
        lookup = _Lookup(connection)
        for batch in chunks(_records(inputs, read), CHUNK):
            signed = sign_chunk(batch, settings.config.sign)
            skipped += signed.skipped
            results += _answers(connection, lookup, settings, signed, top)
            report("queried", len(results), 0)
        documents = connection.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        connection.execute("COMMIT")
    return QueryReport(path, tuple(results), tuple(skipped), documents, settings)


def neighbours_for_analysis(
    db: str | Path, records: Iterable[Document | SkippedInput], *, progress: Progress | None = None
) -> list[Document]:
    """The indexed documents near the given ones, with their stored text, to analyse alongside them.

    A document is returned when it is an LSH candidate of a given document and
    their verified Jaccard reaches the index threshold. Its source is
    ``index:<db>:<id>``. Indexed documents whose id is one of the given
    documents' are left out (the given copy is analysed).
    """
    path = Path(db)
    report = progress or no_progress
    given: set[str] = set()
    wanted: set[int] = set()
    with _connect(path) as (connection, settings):
        connection.execute("BEGIN")
        for batch in chunks((record for record in records if isinstance(record, Document)), CHUNK):
            given.update(record.id for record in batch)
            signed = sign_chunk(batch, settings.config.sign)
            pairs, found = _verified(connection, settings, signed, _Shingler(connection, settings))
            wanted.update(pairs[found.jaccard >= settings.config.threshold, 1].tolist())
            report("index neighbours", len(given), 0)
        rows = _select_in(connection, "SELECT doc, id, encoding, date, url, text FROM documents WHERE doc IN ({})",
                          sorted(wanted))
        connection.execute("COMMIT")
    rows.sort()
    return [Document(doc_id, f"index:{path}:{doc_id}", _text(text), encoding, date, url)
            for _, doc_id, encoding, date, url, text in rows if doc_id not in given]


def read_settings(db: str | Path) -> IndexSettings:
    """The settings an index was built with (checked as every open checks them)."""
    with _connect(Path(db)) as (_, settings):
        return settings


# Adding documents


def _add(connection: sqlite3.Connection, path: Path, paths: Sequence[str | Path], settings: IndexSettings,
         read: ReadConfig | None, chunk: int, progress: Progress | None) -> IndexSummary:
    """Sign, bucket, verify and insert the documents of ``paths``: the body of one transaction.

    Shingles of the documents added by this call are kept in a spill file, so
    only documents indexed by earlier calls are re-shingled from their text.
    """
    report = progress or no_progress
    started = time.perf_counter()
    first = connection.execute("SELECT COALESCE(MAX(doc), 0) + 1 FROM documents").fetchone()[0]
    inputs = added = already = candidates = near = merged = 0
    skipped: dict[str, int] = defaultdict(int)
    report("indexed", 0, 0)
    with ShingleSpill() as spill:
        shingler = _Shingler(connection, settings, spill, first)
        for batch in chunks(iter_corpus(paths, read=read), chunk):
            inputs += len(batch)
            signed = sign_chunk(batch, settings.config.sign)
            for record in signed.skipped:
                skipped[record.kind] += 1
            fresh = _not_indexed(connection, signed.ids)
            already += len(signed) - len(fresh)
            signed = _subset(signed, fresh)
            numbers = np.arange(first + added, first + added + len(signed), dtype=np.int64)
            pairs, found = _verified(connection, settings, signed, shingler, numbers)
            joined = found.jaccard >= settings.config.threshold
            candidates += len(pairs)
            near += int(joined.sum())
            families, merged_now = _families(connection, numbers, pairs[joined])
            operators = _operators(connection, numbers, signed.keywords)
            _insert(connection, settings, signed, batch, numbers, families, operators)
            spill.append(signed.shingles)
            merged += merged_now
            added += len(signed)
            report("indexed", inputs, 0)
    return _summary(connection, path, settings, inputs=inputs, added=added, already_indexed=already,
                    skipped=dict(skipped), candidates=candidates, near_pairs=near, merged=merged,
                    seconds=time.perf_counter() - started)


def _not_indexed(connection: sqlite3.Connection, ids: Sequence[str]) -> list[int]:
    """Positions of ``ids`` not in the index."""
    present = {row[0] for row in _select_in(connection, "SELECT id FROM documents WHERE id IN ({})", list(ids))}
    return [k for k, doc_id in enumerate(ids) if doc_id not in present]


def _subset(signed: SignedChunk, keep: list[int]) -> SignedChunk:
    if len(keep) == len(signed):
        return signed
    rows = signed.shingles
    shingles = concatenate([ShingleSets(np.array([0, rows.indptr[k + 1] - rows.indptr[k]]), rows.row(k)) for k in keep])
    return SignedChunk(
        ids=tuple(signed.ids[k] for k in keep), sources=tuple(signed.sources[k] for k in keep),
        dates=tuple(signed.dates[k] for k in keep), chars=signed.chars[keep],
        keywords=tuple(signed.keywords[k] for k in keep), shingles=shingles,
        signatures=signed.signatures[keep], skipped=signed.skipped,
    )


def _families(connection: sqlite3.Connection, numbers: npt.NDArray[np.int64],
              near: npt.NDArray[np.int64]) -> tuple[list[int], int]:
    """Each new document's family label, after merging the families its near pairs join.

    ``near`` holds pairs (new document number, other document number). Returns
    the labels and how many existing families were merged into another.
    """
    labels = _Labels()
    old = near[near[:, 1] < numbers[0], 1].tolist() if len(numbers) else []
    family_of = dict(_select_in(connection, "SELECT doc, family FROM documents WHERE doc IN ({})", sorted(set(old))))
    for a, b in near.tolist():
        labels.union(a, family_of.get(b, b))
    return _relabel(connection, labels, set(family_of.values()), "family", numbers)


def _operators(connection: sqlite3.Connection, numbers: npt.NDArray[np.int64],
               keywords: Sequence[tuple[str, ...]]) -> list[int | None]:
    """Each new document's operator label (None without keywords), after merging operators.

    Documents join an operator through any variant of its keywords, as in ``analyze``; an
    add whose keywords are variants of several operators' keywords merges those operators.
    """
    labels = _Labels()
    keys = {keyword_key(text) for found in keywords for text in found}
    core, known = _variant_cores(connection, keys)
    wanted = {core[key] for key in keys}
    anchors: dict[str, int] = {}  # variant group -> its operator label, or the first new document holding it
    existing: set[int] = set()
    for key, operator in sorted(known.items()):
        if core[key] in wanted:
            existing.add(operator)
            labels.union(anchors.setdefault(core[key], operator), operator)
    for number, found in zip(numbers.tolist(), keywords):
        for text in found:
            labels.union(number, anchors.setdefault(core[keyword_key(text)], number))
    out, _ = _relabel(connection, labels, existing, "operator", numbers)
    return [label if found else None for label, found in zip(out, keywords)]


def _variant_cores(connection: sqlite3.Connection, keys: set[str]) -> tuple[dict[str, str], dict[str, int]]:
    """Each of ``keys`` and every indexed keyword mapped to its variant group (named by its least key),
    and the indexed keywords' operators."""
    known = dict(connection.execute("SELECT key, operator FROM keywords")) if keys else {}
    core = {}
    for group in variant_groups(sorted(keys | known.keys())):
        first = min(group)
        core.update((key, first) for key in group)
    return core, known


def _relabel(connection: sqlite3.Connection, labels: _Labels, existing: set[int], column: str,
             numbers: npt.NDArray[np.int64]) -> tuple[list[int], int]:
    """New documents' labels, after renaming existing components that ``labels`` merged."""
    renamed = [(labels.find(label), label) for label in sorted(existing) if labels.find(label) != label]
    connection.executemany(f"UPDATE documents SET {column} = ? WHERE {column} = ?", renamed)
    if column == "operator":
        connection.executemany("UPDATE keywords SET operator = ? WHERE operator = ?", renamed)
    return [labels.find(number) for number in numbers.tolist()], len(renamed)


def _insert(connection: sqlite3.Connection, settings: IndexSettings, signed: SignedChunk,
            batch: Sequence[Document | SkippedInput], numbers: npt.NDArray[np.int64],
            families: list[int], operators: list[int | None]) -> None:
    if not len(signed):
        return
    documents = {record.id: record for record in batch if isinstance(record, Document)}
    sizes = signed.shingles.sizes().tolist()
    signatures = signed.signatures.astype("<u4")
    connection.executemany(
        "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (number, doc_id, source, documents[doc_id].encoding, documents[doc_id].date, documents[doc_id].url,
             chars, size, family, operator, signature.tobytes(),
             zlib.compress(documents[doc_id].text.encode("utf-8"), 6))
            for number, doc_id, source, chars, size, family, operator, signature in zip(
                numbers.tolist(), signed.ids, signed.sources, signed.chars.tolist(), sizes, families, operators,
                signatures)
        ),
    )
    keys = band_keys(signed.signatures, settings.bands, settings.rows).view(np.int64)
    connection.executemany("INSERT OR IGNORE INTO buckets VALUES (?, ?)",
                           zip(keys.ravel().tolist(), np.repeat(numbers, settings.bands).tolist()))
    held: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for number, found, operator in zip(numbers.tolist(), signed.keywords, operators):
        for text in found:
            held[keyword_key(text)].append((number, text))
    connection.executemany("INSERT OR IGNORE INTO document_keywords VALUES (?, ?, ?)",
                           ((number, key, text) for key, docs in held.items() for number, text in docs))
    counts = [(key, docs[0][1], operators[docs[0][0] - int(numbers[0])], len({n for n, _ in docs}))
              for key, docs in held.items()]
    connection.executemany(
        "INSERT INTO keywords VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET docs = docs + excluded.docs",
        counts,
    )


def _summary(connection: sqlite3.Connection, path: Path, settings: IndexSettings, **counts) -> IndexSummary:
    documents = connection.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    families, largest = connection.execute(
        "SELECT COUNT(*), COALESCE(MAX(size), 0) FROM "
        "(SELECT COUNT(*) AS size FROM documents GROUP BY family HAVING COUNT(*) > 1)"
    ).fetchone()
    operators = connection.execute("SELECT COUNT(DISTINCT operator) FROM documents WHERE operator IS NOT NULL"
                                   ).fetchone()[0]
    return IndexSummary(path=path, documents=documents, families=families, largest_family=largest,
                        operators=operators, settings=settings, **counts)


class _Labels:
    """Union-find over integers in which each set's root, its label, is its smallest member."""

    def __init__(self) -> None:
        self._parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        root = x
        while self._parent.get(root, root) != root:
            root = self._parent[root]
        while x != root:
            self._parent[x], x = root, self._parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)


# Candidates and verification


class _Shingler:
    """Shingle sets of indexed documents: from this add's spill file, else re-made from the stored text.

    Re-shingling goes through :func:`sign_chunk`, so a document's shingles are
    exactly those it was indexed with.
    """

    def __init__(self, connection: sqlite3.Connection, settings: IndexSettings,
                 spill: ShingleSpill | None = None, first: int = 0) -> None:
        self._connection = connection
        self._settings = settings
        self._spill = spill
        self._first = first

    def rows(self, docs: Sequence[int]) -> ShingleSets:
        """The shingle sets of documents ``docs`` (numbers), in that order."""
        spilled = [doc for doc in docs if self._spill is not None and doc >= self._first]
        stored = [doc for doc in docs if self._spill is None or doc < self._first]
        parts: dict[int, tuple[ShingleSets, int]] = {}
        if spilled:
            rows = self._spill.rows(np.array(spilled, dtype=np.int64) - self._first)
            parts.update((doc, (rows, k)) for k, doc in enumerate(spilled))
        if stored:
            found = _select_in(self._connection,
                               "SELECT doc, id, source, encoding, text FROM documents WHERE doc IN ({})", stored)
            found.sort()
            records = [Document(doc_id, source, _text(text), encoding) for _, doc_id, source, encoding, text in found]
            signed = sign_chunk(records, self._settings.config.sign)
            if signed.ids != tuple(record.id for record in records):
                raise IndexFileError("an indexed document no longer shingles as it did; "
                                     "rebuild the index with `lineage index build --force`")
            parts.update((row[0], (signed.shingles, k)) for k, row in enumerate(found))
        return concatenate([_one_row(*parts[doc]) for doc in docs])


def _one_row(shingles: ShingleSets, k: int) -> ShingleSets:
    row = shingles.row(k)
    return ShingleSets(np.array([0, len(row)], dtype=np.int64), row)


def _verified(connection: sqlite3.Connection, settings: IndexSettings, signed: SignedChunk, shingler: _Shingler,
              numbers: npt.NDArray[np.int64] | None = None) -> tuple[npt.NDArray[np.int64], Similarities]:
    """LSH candidates of the signed documents, verified exactly.

    Returns pairs ``(query, doc)`` and their similarities (``a`` the query).
    ``query`` is a position in ``signed``, or with ``numbers`` (the numbers the
    chunk's documents will be inserted as) that number, and the candidates then
    include pairs within the chunk (doc < query).
    """
    empty = np.zeros((0, 2), dtype=np.int64)
    if not len(signed):
        return empty, similarities(*([np.zeros(0, dtype=np.int64)] * 5))
    keys = band_keys(signed.signatures, settings.bands, settings.rows)
    positions = np.arange(len(signed), dtype=np.int64)
    connection.execute("CREATE TEMP TABLE IF NOT EXISTS probe (key INTEGER NOT NULL, position INTEGER NOT NULL)")
    connection.execute("DELETE FROM probe")
    connection.executemany("INSERT INTO probe VALUES (?, ?)",
                           zip(keys.view(np.int64).ravel().tolist(), np.repeat(positions, settings.bands).tolist()))
    # CROSS JOIN keeps the probe table outermost: one primary-key lookup in buckets per probe row.
    outside = np.array(connection.execute(
        "SELECT DISTINCT probe.position, buckets.doc FROM probe CROSS JOIN buckets ON buckets.key = probe.key"
    ).fetchall(), dtype=np.int64).reshape(-1, 2)
    connection.execute("DELETE FROM probe")
    old_docs = np.unique(outside[:, 1])
    inside = empty
    if numbers is not None:  # pairs within the chunk, as local positions (larger first, like (new, earlier))
        inside = pairs_sharing_keys(np.repeat(positions, settings.bands), keys.ravel())
        inside = np.unique(inside[inside[:, 0] != inside[:, 1]][:, ::-1], axis=0)
    rows = concatenate([signed.shingles, shingler.rows(old_docs.tolist())])
    a = np.concatenate([outside[:, 0], inside[:, 0]])
    b = np.concatenate([np.searchsorted(old_docs, outside[:, 1]) + len(signed), inside[:, 1]])
    shared = shared_counts(rows.indptr, rows.hashes, a, b)
    sizes = rows.sizes()
    found = similarities(a, b, shared, sizes[a], sizes[b])
    other = np.concatenate([outside[:, 1], inside[:, 1] if numbers is None else numbers[inside[:, 1]]])
    mine = a if numbers is None else numbers[a]
    return np.column_stack([mine, other]).astype(np.int64), found


# Queries


class _Lookup:
    """Per-query cache of what a neighbour's family and operator are."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._family_sizes: dict[int, int] = {}
        self._operator_keywords: dict[int, tuple[str, ...]] = {}

    def family_size(self, family: int) -> int:
        if family not in self._family_sizes:
            self._family_sizes[family] = self._connection.execute(
                "SELECT COUNT(*) FROM documents WHERE family = ?", (family,)).fetchone()[0]
        return self._family_sizes[family]

    def operator_keywords(self, operator: int, most: int = 10) -> tuple[str, ...]:
        """The operator's ``most`` most widespread keywords."""
        if operator not in self._operator_keywords:
            self._operator_keywords[operator] = tuple(row[0] for row in self._connection.execute(
                "SELECT text FROM keywords WHERE operator = ? ORDER BY docs DESC, key LIMIT ?", (operator, most)))
        return self._operator_keywords[operator]


def _answers(connection: sqlite3.Connection, lookup: _Lookup, settings: IndexSettings, signed: SignedChunk,
             top: int) -> list[QueryResult]:
    pairs, found = _verified(connection, settings, signed, _Shingler(connection, settings))
    useful = found.shared > 0
    docs = sorted(set(pairs[useful, 1].tolist()))
    info = {row[0]: row[1:] for row in _select_in(
        connection, "SELECT doc, id, source, date, family, operator FROM documents WHERE doc IN ({})", docs)}
    by_query: dict[int, list[int]] = defaultdict(list)
    for k in np.flatnonzero(useful).tolist():
        by_query[int(pairs[k, 0])].append(k)
    core, known = _variant_cores(connection, {keyword_key(text) for found in signed.keywords for text in found})
    operators_of: dict[str, set[int]] = defaultdict(set)  # variant group -> the indexed operators carrying it
    for key, operator in known.items():
        operators_of[core[key]].add(operator)
    candidates = np.bincount(pairs[:, 0], minlength=len(signed)) if len(pairs) else np.zeros(len(signed), np.int64)
    results = []
    sizes = signed.shingles.sizes().tolist()
    for position, (doc_id, source) in enumerate(zip(signed.ids, signed.sources)):
        ranked = sorted(by_query[position],
                        key=lambda k: (-found.jaccard[k], -found.containment_a[k], info[int(pairs[k, 1])][0]))
        neighbours = []
        for k in ranked[:top]:
            indexed_id, indexed_source, date, family, operator = info[int(pairs[k, 1])]
            neighbours.append(Neighbour(
                id=indexed_id, source=indexed_source, date=date, jaccard=float(found.jaccard[k]),
                containment=float(found.containment_a[k]), containment_indexed=float(found.containment_b[k]),
                shared_shingles=int(found.shared[k]), family=f"F{family}", family_size=lookup.family_size(family),
                operator=None if operator is None else f"O{operator}",
                operator_keywords=() if operator is None else lookup.operator_keywords(operator),
            ))
        joins = sorted({info[int(pairs[k, 1])][3] for k in by_query[position]
                        if found.jaccard[k] >= settings.config.threshold})
        carried = sorted({operator for text in signed.keywords[position]
                          for operator in operators_of.get(core[keyword_key(text)], ())})
        results.append(QueryResult(
            id=doc_id, source=source, shingles=sizes[position], keywords=signed.keywords[position],
            candidates=int(candidates[position]), neighbours=tuple(neighbours),
            families=tuple(f"F{family}" for family in joins), operators=tuple(f"O{label}" for label in carried),
        ))
    return results


def _records(inputs: Sequence[str | Path] | Iterable[Document], read: ReadConfig | None) -> Iterator[Document | SkippedInput]:
    items = list(inputs)
    if all(isinstance(item, Document) for item in items):
        return iter(items)  # type: ignore[arg-type]
    if any(isinstance(item, Document) for item in items):
        raise ConfigError("query inputs mix paths and documents; pass one kind")
    return iter_corpus(items, read=read)  # type: ignore[arg-type]


# Opening and checking the file


@contextmanager
def _connect(path: Path) -> Iterator[tuple[sqlite3.Connection, IndexSettings]]:
    """An open connection to an existing index and its checked settings; SQLite errors become IndexFileError."""
    if not path.exists():
        raise IndexFileError(f"{path}: no such index; create it with `lineage index build {path} INPUT...`")
    if not path.is_file():
        raise IndexFileError(f"{path}: not a file; pass an index file made by `lineage index build`")
    with _translated(path):
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, isolation_level=None,
                                     timeout=BUSY_TIMEOUT)
        try:
            yield connection, _settings(connection, path)
        finally:
            connection.close()


@contextmanager
def _translated(path: Path) -> Iterator[None]:
    """Turn SQLite's errors about ``path`` into one-line IndexFileErrors that say the fix."""
    try:
        yield
    except sqlite3.DatabaseError as error:
        message = str(error)
        if "file is not a database" in message:
            raise IndexFileError(f"{path}: not an SQLite file, so not a lineage index; "
                                 "pass a file made by `lineage index build`") from None
        if "malformed" in message or "corrupt" in message:
            raise IndexFileError(f"{path}: damaged ({message}); "
                                 f"rebuild it with `lineage index build --force {path} INPUT...`") from None
        if "locked" in message or "busy" in message:
            raise IndexFileError(f"{path}: another process is writing to it ({message}); "
                                 "retry when it has finished") from None
        if "readonly" in message or "unable to open" in message:
            raise IndexFileError(f"{path}: cannot be opened for writing ({message}); check its permissions and "
                                 "those of its folder (SQLite writes a -wal file beside it)") from None
        raise IndexFileError(f"{path}: SQLite error ({message}); check that it is an index made by "
                             "`lineage index build`") from None


def _settings(connection: sqlite3.Connection, path: Path) -> IndexSettings:
    """The index's settings from its meta table, each checked."""
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "meta" not in tables:
        raise IndexFileError(f"{path}: not a lineage index (no meta table); pass a file made by `lineage index build`")
    meta = dict(connection.execute("SELECT key, value FROM meta"))
    if meta.get("format") != FORMAT:
        raise IndexFileError(f"{path}: not a lineage index (meta format is {meta.get('format')!r}, "
                             f"not {FORMAT!r}); pass a file made by `lineage index build`")
    if meta.get("version") != str(VERSION):
        raise IndexFileError(f"{path}: index format version {meta.get('version')}, this lineage reads version "
                             f"{VERSION}; rebuild it with `lineage index build --force {path} INPUT...`")
    missing = [table for table in _TABLES if table not in tables]
    if missing:
        raise IndexFileError(f"{path}: damaged lineage index (no {', '.join(missing)} table); "
                             f"rebuild it with `lineage index build --force {path} INPUT...`")
    try:
        config = IndexConfig(
            SignConfig(ShingleConfig.parse(meta["shingle"]),
                       MinHashConfig(int(meta["num_perm"]), int(meta["seed"])),
                       {"0": False, "1": True}[meta["keep_injections"]]),
            threshold=float(meta["threshold"]), recall=float(meta["recall"]),
        )
        settings = IndexSettings(config, int(meta["bands"]), int(meta["rows"]))
    except (KeyError, ValueError) as error:
        raise IndexFileError(f"{path}: damaged lineage index (meta setting {error} is missing or invalid); "
                             f"rebuild it with `lineage index build --force {path} INPUT...`") from None
    if not (settings.bands >= 1 and settings.rows >= 1
            and settings.bands * settings.rows <= config.sign.minhash.num_perm):
        raise IndexFileError(f"{path}: damaged lineage index (bands={settings.bands} x rows={settings.rows} does "
                             f"not fit num_perm={config.sign.minhash.num_perm}); "
                             f"rebuild it with `lineage index build --force {path} INPUT...`")
    return settings


def _check_expected(path: Path, settings: IndexSettings, config: IndexConfig | None) -> None:
    if config is None or config == settings.config:
        return
    asked = IndexSettings(config, settings.bands, settings.rows).describe()
    held = settings.describe()
    differ = [f"{name}={held[name]} (asked {asked[name]})" for name in held if held[name] != asked[name]]
    raise IndexFileError(f"{path}: built with {', '.join(differ)}; drop those options (add and query use the "
                         "index's own settings) or build a new index with them")


# Small helpers


def _select_in(connection: sqlite3.Connection, sql: str, values: Sequence) -> list[tuple]:
    """Rows of ``sql`` (with one ``IN ({})``) for all ``values``, bound a batch at a time."""
    rows: list[tuple] = []
    for lo in range(0, len(values), _IN_BATCH):
        part = values[lo : lo + _IN_BATCH]
        rows += connection.execute(sql.format(", ".join("?" * len(part))), part).fetchall()
    return rows


def _text(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8")

