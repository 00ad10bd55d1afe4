"""Web pages: the main text of an HTML page (resiliparse), and the pages of WARC/ARC crawl files (warcio).

A page's document is its extracted main text, without navigation, comments
and bylines; offsets elsewhere index that text. Its title, canonical URL and
publication date are kept when the page states them (a crawl record's WARC-Date,
when it was fetched, is the date only of a page that states none: lineage
orders rewrites by publication). A crawl file gives one document per HTML (or
plain-text) response; every other record is listed as skipped with what it is.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.html import HTMLTree
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from lineage.config import ReadConfig
from lineage.encodings import NotText, decode_bytes, unix_newlines
from lineage.streams import Damaged, counted, open_stream
from lineage.types import Document, SkippedInput

# warcio warns on stderr about what it meets in a damaged crawl (a bad Content-Length, a URI with spaces),
# bytes and all; lineage reports what it cannot read as skipped input, in one line. A NullHandler stops
# logging's last-resort print only: an application that configures logging still gets the records.
logging.getLogger("warcio").addHandler(logging.NullHandler())


class _ArchiveIterator(ArchiveIterator):
    """warcio's reader without its own warning on stderr when a record is not followed by a blank line."""

    INC_RECORD = ""

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_CHARSET_PARAMETER = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_PRESCAN_BYTES = 4096  # where a meta charset must be (browsers look at 1024 bytes; pages are sloppy)
_DATE_META = ("article:published_time", "og:published_time", "datepublished", "date", "pubdate", "dc.date",
              "dcterms.created", "publish-date", "sailthru.date")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_SOURCE_RATIO = 16  # bytes of page source allowed per character of the size limit (markup outweighs text)


def html_limit(config: ReadConfig) -> int:
    """Bytes of page source read at most: an HTML page holds far more markup than text."""
    return _SOURCE_RATIO * config.max_doc_chars


def read_html(stream: BinaryIO, doc_id: str, source: str, config: ReadConfig) -> Document | SkippedInput:
    """The main text of the HTML page in ``stream``."""
    limit = html_limit(config)
    data = stream.read(limit + 1)
    if len(data) > limit:
        return SkippedInput(doc_id, source, "too large", f"HTML page of more than {limit:,} bytes "
                            f"({_SOURCE_RATIO} x --max-doc-chars); raise --max-doc-chars to read it")
    return page_document(data, doc_id, source, config)


def page_document(data: bytes, doc_id: str, source: str, config: ReadConfig, *, declared: str | None = None,
                  url: str | None = None, date: str | None = None) -> Document | SkippedInput:
    """The document of one HTML page's bytes; ``declared`` is the charset its HTTP response gives, if any."""
    if not data.strip():
        return SkippedInput(doc_id, source, "empty", "empty")
    meta = _META_CHARSET.search(data[:_PRESCAN_BYTES])
    try:
        page, encoding = decode_bytes(data, declared=declared or (meta.group(1).decode("ascii") if meta else None))
    except NotText:
        return SkippedInput(doc_id, source, "binary", "binary data, not an HTML page")
    tree = HTMLTree.parse(page)
    text = extract_plain_text(tree, main_content=True, alt_texts=False, comments=False, post_meta=False)
    text = unix_newlines(text).strip()
    if not text:
        return SkippedInput(doc_id, source, "empty", "no main text in the HTML page (only navigation, forms or "
                            "markup)", encoding=encoding, chars=0)
    full = len(text) if len(text) > config.max_doc_chars else None
    return Document(
        doc_id, source, text[: config.max_doc_chars], encoding,
        date=_meta_date(tree) or date, url=url or _canonical_url(tree), title=(tree.title or "").strip() or None,
        truncated_from=full,
    )


def _meta_date(tree: HTMLTree) -> str | None:
    """The publication date the page's meta tags (or its first ``<time datetime>``) state."""
    if tree.head is not None:
        found = {}
        for meta in tree.head.query_selector_all("meta"):
            name = (meta.getattr("property") or meta.getattr("name") or meta.getattr("itemprop") or "").lower()
            content = (meta.getattr("content") or "").strip()
            if name in _DATE_META and content:
                found.setdefault(name, content)
        for name in _DATE_META:
            if name in found:
                return found[name]
    if tree.body is not None:
        time = tree.body.query_selector("time[datetime]")
        if time is not None:
            return time.getattr("datetime") or None
    return None


def _canonical_url(tree: HTMLTree) -> str | None:
    if tree.head is None:
        return None
    link = tree.head.query_selector('link[rel="canonical"]')
    if link is not None and link.getattr("href"):
        return link.getattr("href")
    meta = tree.head.query_selector('meta[property="og:url"]')
    return (meta.getattr("content") or None) if meta is not None else None


def read_warc(raw: BinaryIO, label: str, config: ReadConfig, compression: str | None,
              ) -> Iterator[Document | SkippedInput]:
    """The pages of a WARC or ARC file; ``label`` names it in sources (``label@offset``).

    A page's id is its target URI; a URI met again in the file gets its record
    id after it. gzip members are read by warcio itself (their offsets are the
    file's); a zstd file is decompressed first (offsets are then in the
    decompressed data).
    """
    stream = counted(raw) if compression in (None, "gzip") else open_stream(raw, compression)
    records = _ArchiveIterator(stream, arc2warc=True)
    seen: set[str] = set()
    read = 0
    try:
        for record in records:
            yield _warc_record(record, f"{label}@{records.offset}", seen, config)  # offset: where the record starts
            read += 1
        # warcio ends quietly at a gzip member cut short: what is left after the last whole record tells.
        while stream.read(1 << 20):
            pass
        if stream.tell() > records.offset:
            where = f"{label}@{records.offset}"
            yield SkippedInput(where, where, "truncated", f"the crawl file ends inside a record: its last "
                               f"{stream.tell() - records.offset:,} bytes are not a whole record (the file is cut short)")
    except (ArchiveLoadFailed, StatusAndHeadersParserException, Damaged, EOFError, zlib.error) as error:
        where = f"{label}@{records.offset}"
        # warcio's message may quote the bytes it met; keep its words only
        message = (str(error).splitlines() or [type(error).__name__])[0].split(", first line")[0][:120]
        kind = "malformed record" if isinstance(error, (ArchiveLoadFailed, StatusAndHeadersParserException)) \
            else "truncated"
        yield SkippedInput(where, where, kind, f"the crawl file cannot be read past byte {records.offset:,} "
                           f"({message}); the records before it ({read:,}) are read")


def _warc_record(record, source: str, seen: set[str], config: ReadConfig) -> Document | SkippedInput:
    headers = record.rec_headers
    uri = headers.get_header("WARC-Target-URI")
    record_type = record.rec_type
    if record_type not in ("response", "resource") or not uri:
        what = f"WARC {record_type} record" + (f" of {uri}" if uri else "")
        return SkippedInput(source, source, "not a response", f"{what}: not a page")
    doc_id = uri if uri not in seen else f"{uri} {headers.get_header('WARC-Record-ID')}"
    seen.add(doc_id)
    http = record.http_headers
    if record_type == "response" and http is not None:
        status = http.get_statuscode() or ""
        if not status.startswith("2"):
            return SkippedInput(doc_id, source, "not a response", f"HTTP status {status or 'unknown'} "
                                "(a redirect or an error page), not a page")
        content_type = http.get_header("Content-Type") or ""
    else:
        content_type = headers.get_header("Content-Type") or ""
    mime = content_type.split(";")[0].strip().lower()
    if mime not in _HTML_TYPES and mime != "text/plain":
        return SkippedInput(doc_id, source, "not HTML", f"WARC response of type {mime or 'unknown'}, not an HTML page")
    limit = html_limit(config)
    try:
        data = record.content_stream().read(limit + 1)
    except (zlib.error, ValueError, OSError) as error:
        return SkippedInput(doc_id, source, "truncated", f"the page's payload cannot be decoded ({error})")
    if len(data) > limit:
        return SkippedInput(doc_id, source, "too large", f"page of more than {limit:,} bytes "
                            f"({_SOURCE_RATIO} x --max-doc-chars); raise --max-doc-chars to read it")
    missing = record.raw_stream.limit
    if missing:
        return SkippedInput(doc_id, source, "truncated", f"the WARC record ends {missing:,} bytes early "
                            "(the file is cut short)")
    charset = _CHARSET_PARAMETER.search(content_type)
    declared = charset.group(1) if charset else None
    date = headers.get_header("WARC-Date") or headers.get_header("ARC-Date")
    if mime == "text/plain":
        return _plain_page(data, doc_id, source, config, declared, uri, date)
    return page_document(data, doc_id, source, config, declared=declared, url=uri, date=date)


def _plain_page(data: bytes, doc_id: str, source: str, config: ReadConfig, declared: str | None, url: str,
                date: str | None) -> Document | SkippedInput:
    try:
        text, encoding = decode_bytes(data, declared=declared)
    except NotText:
        return SkippedInput(doc_id, source, "binary", "binary data, not text")
    if not text.strip():
        return SkippedInput(doc_id, source, "empty", "empty", encoding=encoding, chars=len(text))
    full = len(text) if len(text) > config.max_doc_chars else None
    return Document(doc_id, source, text[: config.max_doc_chars], encoding, date=date, url=url, truncated_from=full)
