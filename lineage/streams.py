"""Input formats by file name or content, and byte streams that decompress gzip and zstd as they are read.

A stream never holds a whole file: it is read in blocks, and a compressed one
is decompressed block by block. Compressed data that ends early or is corrupt
raises :class:`Damaged`, which says how far the data was read, so that the
readers keep the records before the damage and name where it is.
"""

from __future__ import annotations

import gzip
import io
import zlib
from typing import BinaryIO

import zstandard

#: Document formats by suffix; each may be compressed (``.gz``, ``.zst``).
FORMATS = {
    ".txt": "text", ".text": "text", ".md": "text", ".markdown": "text",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".csv": "csv", ".tsv": "tsv",
    ".warc": "warc", ".arc": "warc",
}
COMPRESSIONS = {".gz": "gzip", ".gzip": "gzip", ".zst": "zstd", ".zstd": "zstd"}
SUFFIXES_READ = ", ".join(sorted(FORMATS)) + " (each also compressed: .gz, .zst)"

_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_BLOCK = 1 << 16
_ZSTD_INPUT = 1 << 14  # compressed bytes fed at once: bounds what one call decompresses
_HTML_MARKS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta ", b"<title")


class Damaged(Exception):
    """Compressed data that ends early or is corrupt; the message says where, in decompressed bytes."""


def format_of(name: str) -> tuple[str | None, str | None]:
    """``(format, compression)`` of a file name: ``pages.jsonl.gz`` -> ``("jsonl", "gzip")``; unknown -> None."""
    lower = name.lower()
    compression = None
    for suffix, method in COMPRESSIONS.items():
        if lower.endswith(suffix):
            compression, lower = method, lower[: -len(suffix)]
            break
    dot = lower.rfind(".")
    return (FORMATS.get(lower[dot:]) if dot >= 0 else None), compression


def compression_of(head: bytes) -> str | None:
    """The compression the first bytes of a stream show, if any."""
    if head.startswith(_GZIP_MAGIC):
        return "gzip"
    if head.startswith(_ZSTD_MAGIC):
        return "zstd"
    return None


def format_of_content(head: bytes) -> str:
    """The format of a document whose name does not say: WARC/ARC, JSONL, HTML, else text."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith((b"WARC/", b"filedesc://")):
        return "warc"
    if start.startswith(b"{"):
        return "jsonl"
    lower = start[:2048].lower()
    if lower.startswith(b"<") and any(mark in lower for mark in _HTML_MARKS):
        return "html"
    return "text"


def peek_decompressed(head: bytes, compression: str | None) -> bytes:
    """The first decompressed bytes of a stream that starts with ``head`` (for telling its format)."""
    try:
        if compression == "gzip":
            return zlib.decompressobj(wbits=47).decompress(head, 4096)
        if compression == "zstd":
            return zstandard.ZstdDecompressor().decompressobj().decompress(head)[:4096]
    except (zlib.error, zstandard.ZstdError):
        return b""
    return head


def open_stream(raw: BinaryIO, compression: str | None) -> io.BufferedReader:
    """A buffered stream of the decompressed bytes of ``raw``; reading damaged data raises :class:`Damaged`."""
    if compression == "gzip":
        source: io.RawIOBase = _Guarded(gzip.GzipFile(fileobj=raw, mode="rb"), "gzip")
    elif compression == "zstd":
        source = _Guarded(_Zstd(raw), "zstd")
    else:
        return raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(_Guarded(raw, None), _BLOCK)
    return io.BufferedReader(source, _BLOCK)


def counted(raw: BinaryIO) -> BinaryIO:
    """``raw`` if it can tell its position, else a stream that counts the bytes read (a pipe: standard input)."""
    try:
        raw.tell()
        return raw
    except OSError:
        return io.BufferedReader(_Guarded(raw, None), _BLOCK)


class _Guarded(io.RawIOBase):
    """Counts the bytes read and turns a decompressor's errors into :class:`Damaged`."""

    def __init__(self, stream, compression: str | None) -> None:
        self._stream = stream
        self._compression = compression
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self._stream.read1(len(buffer)) if hasattr(self._stream, "read1") else self._stream.read(len(buffer))
        except EOFError:
            raise Damaged(f"the {self._compression} data ends early, after {self.position:,} bytes "
                          "(the file is cut short)") from None
        except (zlib.error, gzip.BadGzipFile, zstandard.ZstdError) as error:
            raise Damaged(f"the {self._compression} data is corrupt after {self.position:,} bytes ({error})") from None
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position


class _Zstd(io.RawIOBase):
    """Zstandard frames, one after another, decompressed as read; a frame cut short raises EOFError.

    (zstandard's own stream reader ends quietly at a cut frame, which would pass
    a truncated file for a whole one.)
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._decompressor = zstandard.ZstdDecompressor()
        self._frame = self._decompressor.decompressobj()
        self._in_frame = False
        self._output = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while not self._output:
            data = self._raw.read(_ZSTD_INPUT)
            if not data:
                if self._in_frame:
                    raise EOFError
                return b""
            self._output = self._decompress(data)
        size = len(self._output) if size < 0 else size
        chunk, self._output = self._output[:size], self._output[size:]
        return chunk

    def _decompress(self, data: bytes) -> bytes:
        out = []
        while data:
            self._in_frame = True
            out.append(self._frame.decompress(data))
            if not self._frame.eof:
                break
            data = self._frame.unused_data
            self._frame = self._decompressor.decompressobj()
            self._in_frame = False
        return b"".join(out)
