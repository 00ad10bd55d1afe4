"""Read input paths into documents: files, directories (recursive) and JSONL.

A document read from a directory is identified by its path relative to that
directory, a file named on the command line by the path as given, and a JSONL
record by its ``id`` field. Every input record comes back either as a
:class:`Document` or as a :class:`SkippedInput` with the reason.
"""

from __future__ import annotations

import codecs
import json
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import charset_normalizer
import regex
from charset_normalizer.md import mess_ratio

from lineage.errors import InputError
from lineage.types import Document, SkippedInput

log = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".txt", ".md"})
JSONL_SUFFIXES = frozenset({".jsonl"})

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Legacy encodings of the pages this tool meets most, most common first; cp1252 is
# what browsers assume for legacy Western pages (WHATWG). Tried besides the detector's guesses.
_FALLBACK_ENCODINGS = ("cp1252", "gb18030", "big5", "shift_jis", "euc_kr")
_SAMPLE_CHARS = 65536  # enough text to judge an encoding by
_PREFERENCE = {codecs.lookup(name).name: rank for rank, name in enumerate(_FALLBACK_ENCODINGS)}
_CJK_SCRIPTS = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Bopomofo}"
_NON_ASCII_RUN = regex.compile(r"[^\x00-\x7f]+")
_CJK_RUN = regex.compile(rf"^[{_CJK_SCRIPTS}\u3000-\u303f\uff00-\uffef]{{2,}}$")
_PUNCTUATION_RUN = regex.compile(r"^[\p{P}\p{S}\p{Z}]{1,3}$")
_LETTER_RUN = regex.compile(r"^(?:\p{Latin}{1,2}|\p{Greek}{2,}|\p{Cyrillic}{2,}|\p{Arabic}{2,}|\p{Hebrew}{2,}|\p{Thai}{2,})$")
_CONTROL = regex.compile(r"[\p{Cc}--[\t\n\r\f\v]]", regex.VERSION1)
_CONTROL_IN_ID = regex.compile(r"[\p{Cc}\u2028\u2029]")


class _NotText(Exception):
    """The bytes are not text in any encoding we can recognise."""


def read_corpus(paths: Sequence[str | Path]) -> list[Document | SkippedInput]:
    """Read every path; raise :class:`InputError` for a missing path, no input or duplicate ids.

    A file reached twice (named on the command line and inside a directory
    given too, or through a symbolic link) is read once; the second path is
    listed as skipped.
    """
    return list(iter_corpus(paths))


def iter_corpus(paths: Sequence[str | Path], *, raw: bool = False) -> Iterator[Document | SkippedInput]:
    """The records of :func:`read_corpus` one at a time, for corpora larger than memory.

    Only the ids seen so far are kept, to refuse a duplicate id when it is met.
    With ``raw``, a document read from JSONL keeps its line (``Document.raw``),
    for writing the record back out with every field it had.
    """
    if not paths:
        raise InputError("no input given; pass one or more files or directories, e.g. corpus/shanghai")
    reader = _Reader(raw)
    first_source: dict[str, str] = {}
    for path in paths:
        for record in reader.read_path(Path(path)):
            if record.id in first_source:
                raise InputError(duplicate_id_message(record.id, first_source[record.id], record.source))
            first_source[record.id] = record.source
            yield record
    if not first_source:
        shown = ", ".join(str(path) for path in paths)
        raise InputError(f"no documents found in {shown}: lineage reads .txt, .md and .jsonl files")


def duplicate_id_message(doc_id: str, first: str, second: str) -> str:
    """The error for a document id met twice, at sources ``first`` and ``second``."""
    return (
        f"duplicate document id {doc_id!r} ({first} and {second}); "
        "give every document a unique id (pass each file or directory once, leave out files that are not "
        "documents, such as a truth.jsonl beside its corpus, or fix the JSONL ids)"
    )


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode ``data`` as UTF-8, else as the most plausible detected encoding.

    Returns the text, with line endings normalised to ``\\n``, and the encoding's name.
    Raises :class:`_NotText` for binary data.
    """
    text, encoding = _decode(data)
    if text and len(_CONTROL.findall(text[:8192])) > 0.05 * min(len(text), 8192):
        raise _NotText
    return _unix_newlines(text), encoding


class _Reader:
    """Reads paths into records, remembering files and directories already read."""

    def __init__(self, raw: bool = False) -> None:
        self._raw = raw
        self._files: dict[tuple[int, int], str] = {}

    def read_path(self, path: Path) -> Iterator[Document | SkippedInput]:
        if path.is_dir():
            yield from self._read_directory(path)
        elif path.is_file():
            yield from self._read_file(path, path.as_posix(), path.as_posix(), named=True)
        elif path.exists():
            raise InputError(f"{path}: not a regular file or directory; pass text files, JSONL files or directories")
        else:
            raise InputError(f"{path}: no such file or directory; check the path")

    def _read_directory(self, root: Path) -> Iterator[Document | SkippedInput]:
        for path, loop in sorted(_walk(root, frozenset())):
            relative = path.relative_to(root).as_posix()
            if loop:
                yield SkippedInput(relative, path.as_posix(), "link loop",
                                   "symbolic link to a directory that contains it")
            else:
                yield from self._read_file(path, relative, path.as_posix(), named=False)

    def _read_file(self, path: Path, doc_id: str, source: str, named: bool) -> Iterator[Document | SkippedInput]:
        suffix = path.suffix.lower()
        if suffix not in TEXT_SUFFIXES | JSONL_SUFFIXES and not named:
            # Inside a directory only known types are documents; a file named explicitly is read as text.
            reason = f"unsupported file type {suffix or '(no extension)'}: lineage reads .txt, .md and .jsonl"
            yield SkippedInput(doc_id, source, "unsupported file type", reason)
            return
        identity = _identity(path)
        if identity in self._files:
            first = self._files[identity]
            yield SkippedInput(doc_id, source, "same file", f"same file as {first!r}, which is read already")
            return
        self._files[identity] = doc_id
        if suffix in JSONL_SUFFIXES:
            yield from _read_jsonl(path, source, self._raw)
        else:
            yield _read_text_file(path, doc_id, source)


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


def _read_text_file(path: Path, doc_id: str, source: str) -> Document | SkippedInput:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror}); check its permissions") from error
    if not data.strip():
        return SkippedInput(doc_id, source, "empty", "empty")
    try:
        text, encoding = decode_bytes(data)
    except _NotText:
        return SkippedInput(doc_id, source, "binary", "binary file, not text")
    if not text.strip():
        return SkippedInput(doc_id, source, "empty", "empty", encoding=encoding, chars=len(text))
    return Document(doc_id, source, text, encoding)


def _read_jsonl(path: Path, label: str, keep_raw: bool = False) -> Iterator[Document | SkippedInput]:
    try:
        handle = path.open("rb")
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror}); check its permissions") from error
    with handle:
        for line_number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            yield _jsonl_record(raw.rstrip(b"\r\n"), f"{label}:{line_number}", keep_raw)


def _jsonl_record(raw: bytes, source: str, keep_raw: bool = False) -> Document | SkippedInput:
    try:
        line = raw.decode("utf-8-sig")
        record = json.loads(line)
    except UnicodeDecodeError:
        return SkippedInput(source, source, "not UTF-8", "JSONL line is not valid UTF-8")
    except json.JSONDecodeError as error:
        return SkippedInput(source, source, "invalid JSON", f"invalid JSON at column {error.colno}: {error.msg}")
    if not isinstance(record, dict):
        return SkippedInput(source, source, "invalid JSONL record", 'the line is not an object like {"id": ..., "text": ...}')
    doc_id = _record_id(record.get("id"), source)
    if doc_id is None:
        return SkippedInput(source, source, "invalid id",
                            f"id {record.get('id')!r} is not a non-empty string or a number without control characters")
    text = record.get("text")
    if not isinstance(text, str):
        return SkippedInput(doc_id, source, "invalid JSONL record", 'no "text" string in the record')
    if not text.strip():
        return SkippedInput(doc_id, source, "empty", "empty", encoding="utf-8", chars=len(text))
    return Document(
        doc_id,
        source,
        _unix_newlines(text),
        "utf-8",
        date=_optional_str(record.get("date")),
        url=_optional_str(record.get("url")),
        raw=line if keep_raw else None,
    )


def _unix_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _record_id(value: object, source: str) -> str | None:
    """The record's id as a string: its ``id`` field, or ``file:line`` when it has none."""
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


def _decode(data: bytes) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), codecs.lookup(encoding).name
    if b"\x00" in data[:8192]:
        best = charset_normalizer.from_bytes(data).best()
        if best is None or not best.encoding.startswith(("utf_16", "utf_32")):
            raise _NotText
        return str(best), codecs.lookup(best.encoding).name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _decode_legacy(data)


def _decode_legacy(data: bytes) -> tuple[str, str]:
    """Pick the legacy encoding whose decoding reads most like real text.

    The detector judges by the language of the whole text, so a mostly English
    page with a few Chinese keywords in GB18030 looks like cp1250 to it. Here
    each candidate that decodes cleanly is ranked by how plausibly its
    non-ASCII characters sit (CJK in runs, lone punctuation, accented letters
    inside words), then by the detector's mess ratio of the text, then by how
    common the encoding is for web pages.
    """
    candidates = [match.encoding for match in charset_normalizer.from_bytes(data)]
    candidates += _FALLBACK_ENCODINGS
    best: tuple[tuple[float, float, int, int], str, str] | None = None
    seen: set[str] = set()
    for rank, name in enumerate(candidates):
        try:
            encoding = codecs.lookup(name).name
        except LookupError:
            continue
        if encoding in seen:
            continue
        seen.add(encoding)
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:_SAMPLE_CHARS]
        key = (
            -round(_plausibility(sample), 1),
            round(mess_ratio(sample, 1.0), 2),
            _PREFERENCE.get(encoding, len(_PREFERENCE)),
            rank,
        )
        if best is None or key < best[0]:
            best = (key, text, encoding)
    if best is None:
        log.debug("no encoding decodes cleanly; replacing invalid UTF-8 bytes")
        return data.decode("utf-8", errors="replace"), "utf-8 (invalid bytes replaced)"
    _, text, encoding = best
    return text, encoding


def _plausibility(text: str) -> float:
    """Share of non-ASCII characters that sit the way they do in real text."""
    total = plausible = 0
    for match in _NON_ASCII_RUN.finditer(text):
        run = match.group()
        total += len(run)
        if _CJK_RUN.match(run) or _PUNCTUATION_RUN.match(run) or _LETTER_RUN.match(run):
            plausible += len(run)
    return plausible / total if total else 1.0
