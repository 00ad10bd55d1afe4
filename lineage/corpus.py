"""Read input paths into documents: files, directories (recursive), globs and standard input, in every format.

A document read from a directory is identified by its path relative to that
directory, a file named on the command line by the path as given, a JSONL or
CSV record by its id field, a page of a crawl file by its URI, and standard
input by ``<stdin>``. Every input record comes back either as a
:class:`Document` or as a :class:`SkippedInput` with the reason (a kind from
:data:`lineage.types.SKIP_KINDS`); nothing is dropped without a word.

Formats (:data:`lineage.streams.FORMATS`) are told by suffix, gzip and zstd
compression too; a file named on the command line with another suffix, and
standard input, are told by their content.
"""

from __future__ import annotations

import contextlib
import glob
import io
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from lineage.config import ReadConfig
from lineage.encodings import REPLACED, NotText, decode_bytes, start_decoding, unix_newlines
from lineage.errors import InputError
from lineage.records import read_csv, read_jsonl
from lineage.streams import (SUFFIXES_READ, Damaged, compression_of, format_of, format_of_content, open_stream,
                             peek_decompressed)
from lineage.types import Document, SkippedInput
from lineage.webpages import read_html, read_warc

__all__ = ["InputFile", "StdinCopy", "decode_bytes", "duplicate_id_message", "input_files", "iter_corpus",
           "read_corpus", "read_file", "stdin_copy"]

log = logging.getLogger(__name__)

STDIN = "-"
STDIN_ID = "<stdin>"
_GLOB_CHARACTERS = frozenset("*?[")
_BLOCK = 1 << 20
_SNIFF = 8192


@dataclass(frozen=True, slots=True)
class InputFile:
    """One file to read: ``path`` is None for standard input; ``format`` None means tell it by the content."""

    path: str | None
    doc_id: str
    source: str
    format: str | None
    compression: str | None


class StdinCopy(os.PathLike):
    """Standard input saved to a file, to be read more than once; it keeps the name ``<stdin>``."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __fspath__(self) -> str:
        return self.path


def read_corpus(paths: Sequence[str | Path], *, read: ReadConfig | None = None) -> list[Document | SkippedInput]:
    """Read every path; raise :class:`InputError` for a missing path, no input or (by default) duplicate ids.

    A file reached twice (named on the command line and inside a directory
    given too, or through a symbolic link) is read once; the second path is
    listed as skipped.
    """
    return list(iter_corpus(paths, read=read))


def iter_corpus(
    paths: Sequence[str | Path], *, raw: bool = False, read: ReadConfig | None = None, stdin: BinaryIO | None = None
) -> Iterator[Document | SkippedInput]:
    """The records of :func:`read_corpus` one at a time, for corpora larger than memory.

    Only the ids seen so far are kept, to act on a duplicate id when it is met
    (``read.duplicate_ids``). With ``raw``, a document read from JSONL keeps
    its line (``Document.raw``), for writing the record back out with every
    field it had. ``stdin`` is read for the path ``-`` (default: this
    process's standard input).
    """
    if not paths:
        raise InputError("no input given; pass one or more files or directories, e.g. corpus/shanghai")
    config = read or ReadConfig()
    ids = _Ids(config)
    for item in input_files(paths):
        records = [item] if isinstance(item, SkippedInput) else read_file(item, config, raw=raw, stdin=stdin)
        for record in records:
            yield ids.admit(record)
    if not ids.first:
        shown = ", ".join(str(path) for path in paths)
        raise InputError(f"no documents found in {shown}: lineage reads {SUFFIXES_READ}")


def duplicate_id_message(doc_id: str, first: str, second: str) -> str:
    """The error for a document id met twice, at sources ``first`` and ``second``."""
    return (
        f"duplicate document id {doc_id!r} ({first} and {second}); "
        "give every document a unique id (pass each file or directory once, leave out files that are not "
        "documents, such as a truth.jsonl beside its corpus, or fix the ids), "
        "or pass --duplicate-ids skip or rename"
    )


class _Ids:
    """Applies the duplicate-id policy to records in input order."""

    def __init__(self, config: ReadConfig) -> None:
        self.policy = config.duplicate_ids
        self.first: dict[str, str] = {}

    def admit(self, record: Document | SkippedInput) -> Document | SkippedInput:
        first = self.first.get(record.id)
        if first is None:
            self.first[record.id] = record.source
            return record
        if self.policy == "error":
            raise InputError(duplicate_id_message(record.id, first, record.source))
        if self.policy == "skip":
            return SkippedInput(record.source, record.source, "duplicate id",
                                f"id {record.id!r} is also at {first}, which is kept (--duplicate-ids skip)")
        number = 2
        while f"{record.id}~{number}" in self.first:
            number += 1
        renamed = f"{record.id}~{number}"
        self.first[renamed] = record.source
        return replace(record, id=renamed)


def input_files(paths: Sequence[str | Path | StdinCopy]) -> Iterator[InputFile | SkippedInput]:
    """What to read, in order: files named, the files under directories (sorted), glob matches, standard input.

    Raises :class:`InputError` for a missing path or a glob matching nothing.
    Files not in a known format inside a directory, files reached twice and
    link loops come back as :class:`SkippedInput`.
    """
    seen: dict[tuple[int, int], str] = {}
    stdin_given = False
    for path in paths:
        if isinstance(path, StdinCopy) or str(path) == STDIN:
            if stdin_given:
                raise InputError("- (standard input) is given twice; pass it once")
            stdin_given = True
            yield InputFile(path.path if isinstance(path, StdinCopy) else None, STDIN_ID, STDIN_ID, None, None)
            continue
        text = str(path)
        matches = glob_matches(text)
        if matches is None:
            yield from _path_files(Path(text), seen)
        elif not matches:
            raise InputError(f"{text}: no files match this pattern; check it (lineage expands * ? [ ] and **)")
        for match in matches or ():
            yield from _path_files(Path(match), seen)


def glob_matches(text: str) -> list[str] | None:
    """The paths a glob pattern given as input matches, sorted; None when ``text`` is a path (it exists, or
    holds none of * ? [)."""
    if os.path.lexists(text) or not _GLOB_CHARACTERS & set(text):
        return None
    return sorted(glob.glob(text, recursive=True))


def _path_files(path: Path, seen: dict[tuple[int, int], str]) -> Iterator[InputFile | SkippedInput]:
    try:
        path.stat()
    except OSError as error:
        if not isinstance(error, FileNotFoundError):  # a name too long, a directory we may not search, ...
            raise InputError(f"{path}: cannot be read ({error.strerror}); check the path") from error
    if path.is_dir():
        for found, loop in sorted(_walk(path, frozenset())):
            relative = found.relative_to(path).as_posix()
            if loop:
                yield SkippedInput(relative, found.as_posix(), "link loop", "symbolic link to a directory that contains it")
            else:
                yield _file(found, relative, found.as_posix(), False, seen)
    elif path.is_file():
        yield _file(path, path.as_posix(), path.as_posix(), True, seen)
    elif path.exists():
        raise InputError(f"{path}: not a regular file or directory; pass files, directories or - for standard input")
    else:
        raise InputError(f"{path}: no such file or directory; check the path")


def _file(path: Path, doc_id: str, source: str, named: bool, seen: dict[tuple[int, int], str]) -> InputFile | SkippedInput:
    file_format, compression = format_of(path.name)
    if file_format is None and not named:
        # Inside a directory only known formats are documents; a file named explicitly is told by its content.
        suffix = "".join(path.suffixes[-2:]) or "(no extension)"
        return SkippedInput(doc_id, source, "unsupported file type",
                            f"unsupported file type {suffix}: lineage reads {SUFFIXES_READ}")
    identity = _identity(path)
    if identity in seen:
        return SkippedInput(doc_id, source, "same file", f"same file as {seen[identity]!r}, which is read already")
    seen[identity] = doc_id
    return InputFile(path.as_posix(), doc_id, source, file_format, compression)


def _walk(directory: Path, ancestors: frozenset[tuple[int, int]]) -> Iterator[tuple[Path, bool]]:
    """``(path, is_loop)`` for files under ``directory``; hidden names (starting with '.') are skipped.

    A directory that is one of its own ancestors (a symbolic link back up the
    tree) is a loop: it is listed, not entered.
    """
    ancestors = ancestors | {_identity(directory)}
    for entry in directory.iterdir():
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            if _identity(entry) in ancestors:
                yield entry, True
            else:
                yield from _walk(entry, ancestors)
        elif entry.is_file():
            yield entry, False


def _identity(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_dev, status.st_ino


def read_file(item: InputFile, config: ReadConfig, *, raw: bool = False,
              stdin: BinaryIO | None = None) -> Iterator[Document | SkippedInput]:
    """The records of one input file (or of standard input), in its format."""
    handle = _open(item, stdin)
    try:
        compression, file_format = item.compression, item.format
        if file_format is None:
            head = handle.peek(_SNIFF)[:_SNIFF]
            compression = compression_of(head)
            file_format = format_of_content(peek_decompressed(head, compression))
            log.debug("%s: read as %s%s", item.source, file_format, f" ({compression})" if compression else "")
        if file_format == "warc":
            yield from read_warc(handle, item.source, config, compression)
            return
        stream = open_stream(handle, compression)
        if file_format == "jsonl":
            yield from read_jsonl(stream, item.source, config, raw=raw)
        elif file_format in ("csv", "tsv"):
            yield from read_csv(stream, item.source, config, delimiter="\t" if file_format == "tsv" else ",")
        else:
            try:
                if file_format == "html":
                    yield read_html(stream, item.doc_id, item.source, config)
                else:
                    yield read_text(stream, item.doc_id, item.source, config)
            except Damaged as damage:
                yield SkippedInput(item.doc_id, item.source, "truncated", f"{damage}; the document is not read")
    except OSError as error:
        raise InputError(f"{item.source}: cannot read ({error.strerror or error}); check the file") from error
    finally:
        if item.path is not None:
            handle.close()


def _open(item: InputFile, stdin: BinaryIO | None) -> BinaryIO:
    if item.path is None:
        stream = stdin if stdin is not None else sys.stdin.buffer
        return stream if hasattr(stream, "peek") else io.BufferedReader(stream)
    try:
        return open(item.path, "rb")
    except OSError as error:
        raise InputError(f"{item.path}: cannot read ({error.strerror}); check its permissions") from error


def read_text(stream: BinaryIO, doc_id: str, source: str, config: ReadConfig) -> Document | SkippedInput:
    """One text document; past ``config.max_doc_chars`` the text is cut, and the rest only counted."""
    limit = 4 * config.max_doc_chars + 4  # bytes that hold max_doc_chars characters in any encoding
    head = stream.read(limit)
    more = len(head) == limit and bool(stream.peek(1))
    if not more and not head.strip():
        return SkippedInput(doc_id, source, "empty", "empty")
    try:
        decoded, encoding, decoder = start_decoding(head, final=not more)
    except NotText:
        return SkippedInput(doc_id, source, "binary", "binary file, not text")
    text = unix_newlines(decoded)
    if encoding == REPLACED and text.count("\ufffd") > 0.25 * len(text.strip()):
        return SkippedInput(doc_id, source, "undecodable", "most bytes are not valid in any encoding",
                            encoding=encoding, chars=len(text))
    if not more and not text.strip():
        return SkippedInput(doc_id, source, "empty", "empty", encoding=encoding, chars=len(text))
    full = _length(text, decoded.endswith("\r"), decoder, stream) if more else len(text)
    return Document(doc_id, source, text[: config.max_doc_chars], encoding,
                    truncated_from=full if full > config.max_doc_chars else None)


def _length(text: str, pending_cr: bool, decoder, stream: BinaryIO) -> int:
    """Characters of ``text`` and of the rest of ``stream`` (decoded as we go, line endings counted as ``\\n``)."""
    length = len(text)
    while True:
        block = stream.read(_BLOCK)
        piece = decoder.decode(block, final=not block)
        if pending_cr and piece.startswith("\n"):
            length -= 1  # "\r" then "\n" across the blocks: one line end
        length += len(piece) - piece.count("\r\n")
        pending_cr = piece.endswith("\r") if piece else pending_cr
        if not block:
            return length


@contextlib.contextmanager
def stdin_copy(paths: Sequence[str | Path], stdin: BinaryIO | None = None) -> Iterator[list]:
    """``paths`` with ``-`` replaced by a copy of standard input in a temporary file, for reading it twice."""
    if not any(str(path) == STDIN for path in paths):
        yield list(paths)
        return
    handle, name = tempfile.mkstemp(prefix="lineage-stdin-")
    try:
        with os.fdopen(handle, "wb") as copy:
            shutil.copyfileobj(stdin if stdin is not None else sys.stdin.buffer, copy, _BLOCK)
        yield [StdinCopy(name) if str(path) == STDIN else path for path in paths]
    finally:
        os.unlink(name)
