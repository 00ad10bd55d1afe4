"""Read JSONL and CSV records into documents, with the fields a :class:`ReadConfig` names.

A record is identified by its id field, or by ``file:line`` when it has
none. Each bad line or row becomes a :class:`SkippedInput` that names it, and
reading goes on. A line longer than a document at the size limit needs is
read in pieces: its long strings are cut to the limit as they stream past, so
a 100 MB record takes the memory of a 5 MB one.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import BinaryIO

import regex

from lineage.config import ReadConfig
from lineage.encodings import NotText, start_decoding, unix_newlines
from lineage.streams import Damaged
from lineage.types import Document, SkippedInput

_CONTROL_IN_ID = regex.compile(r"[\p{Cc}\u2028\u2029]")
_PIECE = 1 << 20  # bytes of a long line read at once
_STRUCTURE_SLACK = 1 << 20  # bytes of a long line outside its long strings (other fields) kept at most
_ESCAPE_OR_QUOTE = re.compile(rb'\\(?:u[0-9a-fA-F]{4}|.)|"', re.S)
_HIGH_SURROGATE = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}")
_LOOKAHEAD = 12  # bytes kept back at a piece's end so that no escape or surrogate pair is cut


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # in a JSON line: a surrogate, maybe half a pair


def line_limit(config: ReadConfig) -> int:
    """Bytes of a JSONL line read whole; a longer line is read in pieces (UTF-8 takes at most 4 bytes a character)."""
    return 4 * config.max_doc_chars + _STRUCTURE_SLACK


def read_jsonl(
    stream: BinaryIO, label: str, config: ReadConfig, *, raw: bool = False, first_line: int = 1, end: int | None = None
) -> Iterator[Document | SkippedInput]:
    """The records of a JSONL stream, from line ``first_line`` on, until byte ``end`` of the stream if given.

    ``label`` names the stream in sources (``label:line``). With ``raw``, each
    document keeps its line (not for a line cut to the size limit).
    """
    limit = line_limit(config)
    line_number = first_line - 1
    try:
        while end is None or stream.tell() < end:
            line = stream.readline(limit)
            if not line:
                return
            line_number += 1
            source = f"{label}:{line_number}"
            if not line.endswith(b"\n") and len(line) == limit:
                pieces = iter(lambda: stream.readline(_PIECE), b"")
                yield _long_record(line, _until_newline(pieces), source, config)
            elif line.strip():
                yield _record(line.rstrip(b"\r\n"), source, config, raw)
    except Damaged as damage:
        where = f"{label}:{line_number + 1}"
        yield SkippedInput(where, where, "truncated", f"{damage}; the {line_number:,} lines before line "
                                                     f"{line_number + 1:,} are read")


def read_csv(stream: BinaryIO, label: str, config: ReadConfig, *, delimiter: str = ",") -> Iterator[Document | SkippedInput]:
    """The rows of a CSV (or TSV) stream with a header row naming the fields."""
    head = stream.peek(1 << 16)[: 1 << 16]
    try:
        _, encoding, _ = start_decoding(head, final=False)
    except NotText:
        yield SkippedInput(label, label, "binary", "binary file, not CSV text")
        return
    if encoding.startswith("utf-8 ("):
        encoding = "utf-8"
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline="")
    # A field may be as long as a document at the size limit (cut to it later); a longer line is not held.
    field_limit = 4 * config.max_doc_chars
    csv.field_size_limit(max(field_limit, csv.field_size_limit()))
    lines = _Lines(text, field_limit + _STRUCTURE_SLACK)
    rows = csv.reader(lines, delimiter=delimiter)
    try:
        yield from _csv_records(rows, lines, label, config, encoding)
    except Damaged as damage:
        where = f"{label}:{rows.line_num + 1}"
        yield SkippedInput(where, where, "truncated", f"{damage}; the rows before line {rows.line_num + 1:,} are read")


def _csv_records(rows, lines: _Lines, label: str, config: ReadConfig, encoding: str) -> Iterator[Document | SkippedInput]:
    header = next(rows, None)
    if header is None:
        yield SkippedInput(label, label, "empty", "empty CSV file")
        return
    columns = {name.strip().lstrip("\ufeff"): k for k, name in enumerate(header)}
    if config.text_field not in columns:
        shown = ", ".join(repr(name) for name in columns)
        yield SkippedInput(label, label, "malformed record",
                           f"no {config.text_field!r} column in the CSV header (columns: {shown}); "
                           f"pass --text-field with the column that holds the text")
        return
    while True:
        source = f"{label}:{rows.line_num + 1}"  # the line where the row starts (a quoted field may span lines)
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as error:
            yield SkippedInput(source, source, "malformed record", f"CSV row cannot be read ({error})")
            continue
        if lines.cut:
            lines.cut = False
            yield SkippedInput(source, source, "too large",
                               f"CSV line of more than {lines.limit:,} characters; raise --max-doc-chars to read it")
            continue
        if not any(field.strip() for field in row):
            continue
        if len(row) != len(header):
            yield SkippedInput(source, source, "malformed record",
                               f"CSV row has {len(row)} fields, the header {len(header)}")
            continue
        record = {name: row[k] for name, k in columns.items()}
        yield _document(record, source, config, encoding, {})


class _Lines:
    """The lines of a text stream for csv; a line longer than ``limit`` is passed over, not held, and ``cut`` set."""

    def __init__(self, text: io.TextIOBase, limit: int) -> None:
        self.limit = limit
        self.cut = False
        self._text = text

    def __iter__(self) -> Iterator[str]:
        while line := self._text.readline(self.limit):
            if len(line) == self.limit and not line.endswith("\n"):
                while (more := self._text.readline(self.limit)) and not more.endswith("\n"):
                    pass
                self.cut = True
                line = "\n"
            yield line


def _record(line: bytes, source: str, config: ReadConfig, raw: bool) -> Document | SkippedInput:
    try:
        decoded = line.decode("utf-8-sig")
        record = json.loads(decoded)
    except UnicodeDecodeError:
        return SkippedInput(source, source, "not UTF-8", "JSONL line is not valid UTF-8")
    except json.JSONDecodeError as error:
        return SkippedInput(source, source, "invalid JSON", f"invalid JSON at column {error.colno}: {error.msg}")
    document = _document(record, source, config, "utf-8", {}, b"\\u" in line and bool(_SURROGATE_ESCAPE.search(line)))
    if raw and isinstance(document, Document) and document.truncated_from is None:
        return replace(document, raw=decoded)
    return document


def _document(record: object, source: str, config: ReadConfig, encoding: str,
              cut: dict[str, int], scrub: bool = False) -> Document | SkippedInput:
    """A document from a parsed record; ``cut`` gives the full length of strings cut while the line was read.

    With ``scrub`` (the line escapes a surrogate), lone surrogates in the fields read become U+FFFD.
    """
    if scrub and isinstance(record, dict):
        fields = (config.id_field, config.text_field, config.date_field, config.url_field)
        record = {**record, **{name: _scalar_values(record[name]) for name in fields
                               if isinstance(record.get(name), str)}}
    if not isinstance(record, dict):
        return SkippedInput(source, source, "invalid JSONL record",
                            f'the line is not an object like {{"{config.id_field}": ..., "{config.text_field}": ...}}')
    doc_id = _record_id(record.get(config.id_field), source)
    if doc_id is None:
        return SkippedInput(source, source, "invalid id",
                            f"id {record.get(config.id_field)!r} is not a non-empty string or a number "
                            "without control characters")
    text = record.get(config.text_field)
    if not isinstance(text, str):
        return SkippedInput(doc_id, source, "invalid JSONL record", f'no "{config.text_field}" string in the record')
    if not text.strip():
        return SkippedInput(doc_id, source, "empty", "empty", encoding=encoding, chars=len(text))
    full = cut.get(text)
    text = unix_newlines(text)
    if full is None and len(text) > config.max_doc_chars:
        full = len(text)
    return Document(
        doc_id, source, text[: config.max_doc_chars], encoding,
        date=_optional_str(record.get(config.date_field)),
        url=_optional_str(record.get(config.url_field)),
        truncated_from=full,
    )


def _record_id(value: object, source: str) -> str | None:
    """The record's id as a string: its id field, or ``file:line`` when it has none."""
    if value is None:
        return source
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = str(value)
    if not text.strip() or _CONTROL_IN_ID.search(text):
        return None
    return text


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def _scalar_values(text: str) -> str:
    """``text`` with each lone surrogate (JSON's ``"\\ud800"``, which no encoder can write) made U+FFFD.

    One character for one, so offsets do not move; json has already joined every valid pair.
    """
    return _LONE_SURROGATE.sub("\ufffd", text) if _LONE_SURROGATE.search(text) else text


def _until_newline(pieces: Iterable[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        yield piece
        if piece.endswith(b"\n"):
            return


def _long_record(head: bytes, rest: Iterator[bytes], source: str, config: ReadConfig) -> Document | SkippedInput:
    """A record from a line too long to hold: its long strings are cut as they stream past."""
    try:
        compact, cut = _compact_line(head, rest, config.max_doc_chars)
    except ValueError as error:  # json's error for a bad string, or a structure too large
        for _ in rest:  # the rest of the line is not a record of its own
            pass
        if isinstance(error, _TooLarge):
            return SkippedInput(source, source, "too large", str(error))
        return SkippedInput(source, source, "invalid JSON", f"invalid JSON in a line too long to hold whole ({error})")
    try:
        record = json.loads(compact)
    except json.JSONDecodeError as error:
        return SkippedInput(source, source, "invalid JSON", f"invalid JSON in a line too long to hold whole ({error.msg})")
    return _document(record, source, config, "utf-8", cut, scrub=True)


class _TooLarge(ValueError):
    """A line's structure (not its strings, which are cut) is too large to hold."""


def _compact_line(head: bytes, rest: Iterator[bytes], keep: int) -> tuple[bytes, dict[str, int]]:
    """The JSON line ``head + rest`` with every string of more than ``keep`` characters cut to ``keep``.

    Returns the compacted line and, by each cut string's kept text, its length
    in characters. Strings are read in pieces cut where no escape, surrogate
    pair or UTF-8 character is split, so each piece decodes on its own.
    """
    out = bytearray()
    cut: dict[str, int] = {}
    string: bytearray | None = None  # the current string's bytes while short
    kept: list[str] = []  # the current long string's kept text
    kept_chars = chars = 0
    in_string = False
    outside = 0  # bytes of the line outside long strings
    carry = b""
    pieces = iter(rest)
    piece: bytes | None = head
    while piece is not None:
        following = next(pieces, None)
        buffer, carry = carry + piece, b""
        final = following is None
        position = 0
        while position < len(buffer):
            if not in_string:
                quote = buffer.find(b'"', position)
                structure = buffer[position:] if quote < 0 else buffer[position : quote + 1]
                out += structure
                outside += len(structure)
                if outside > _STRUCTURE_SLACK:
                    raise _TooLarge(f"a JSONL line with more than {_STRUCTURE_SLACK:,} bytes outside its long strings")
                if quote < 0:
                    break
                position, in_string, string, kept, kept_chars, chars = quote + 1, True, bytearray(), [], 0, 0
                continue
            end, stop = _string_end(buffer, position, final)
            segment = buffer[position:stop]
            if string is not None and len(string) + len(segment) <= 4 * keep:
                string += segment
            else:
                if string is not None:  # the string turns long: decode what was held
                    segment, string = bytes(string) + segment, None
                text = json.loads(b'"' + segment + b'"')
                chars += len(text)
                if kept_chars < keep:
                    kept.append(text[: keep - kept_chars])
                    kept_chars += len(kept[-1])
            if end < 0:
                carry = buffer[stop:]
                break
            if string is not None:
                out += string + b'"'
                outside += len(string)
            else:
                text = "".join(kept)
                cut[text] = chars
                out += json.dumps(text, ensure_ascii=False).encode("utf-8")[1:]
            position, in_string = end + 1, False
        piece = following
    out += carry
    return bytes(out), cut


def _string_end(buffer: bytes, start: int, final: bool) -> tuple[int, int]:
    """``(closing quote or -1, end of the decodable segment)`` of a JSON string's bytes from ``start``."""
    safe = len(buffer) if final else max(start, len(buffer) - _LOOKAHEAD)
    stop = start
    for match in _ESCAPE_OR_QUOTE.finditer(buffer, start):
        if match.group() == b'"':
            return match.start(), match.start()
        if match.start() >= safe:
            break
        stop = match.end()
    if final:
        return -1, len(buffer)
    stop = max(stop, safe)
    for match in _ESCAPE_OR_QUOTE.finditer(buffer, start, stop + _LOOKAHEAD):
        if match.start() < stop < match.end():
            stop = match.start()  # never inside an escape
        elif match.end() == stop and _HIGH_SURROGATE.fullmatch(match.group()):
            stop = match.start()  # never between the halves of a surrogate pair
    while start < stop < len(buffer) and buffer[stop] & 0xC0 == 0x80:
        stop -= 1  # never inside a UTF-8 character
    return -1, stop
