"""Decode the bytes of a document: byte-order marks, declared charsets, UTF-16/32 without BOM, legacy encodings.

The order follows what browsers do (WHATWG): a byte-order mark wins, then a
charset the page or its HTTP response declares (when the bytes decode with
it), then detection. Detection prefers UTF-8, including text that is UTF-8
with a few broken bytes, and otherwise picks the legacy encoding of the web
whose decoding reads most like real text. Undecodable bytes never stop a
run: at worst they become U+FFFD and the encoding says so.
"""

from __future__ import annotations

import codecs
import logging
import re

import charset_normalizer
import regex
from charset_normalizer.md import mess_ratio

log = logging.getLogger(__name__)

REPLACED = "utf-8 (invalid bytes replaced)"

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
# The legacy encodings a web page can be in (WHATWG's list, as Python codecs): the
# detector's other guesses (mac-latin2, cp850, ...) are for files no browser reads.
_WEB_ENCODINGS = frozenset(codecs.lookup(name).name for name in (
    "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    "iso8859-2", "iso8859-5", "iso8859-7", "iso8859-8", "iso8859-9", "iso8859-13", "iso8859-15",
    "koi8-r", "koi8-u", "cp866", "cp874", "gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp950",
    "shift_jis", "cp932", "euc_jp", "iso2022_jp", "euc_kr", "cp949",
))
# Labels pages declare, mapped to the decoder browsers use for them (a superset of the label's table).
_DECLARED_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030", "chinese": "gb18030",
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "l1": "cp1252",
    "us-ascii": "cp1252", "ascii": "cp1252", "x-sjis": "shift_jis", "sjis": "shift_jis",
    "ks_c_5601-1987": "euc_kr", "x-euc-kr": "euc_kr",
}
_SAMPLE_CHARS = 65536  # enough text to judge an encoding by
_PREFERENCE = {codecs.lookup(name).name: rank for rank, name in enumerate(_FALLBACK_ENCODINGS)}
_CJK_SCRIPTS = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Bopomofo}"
_NON_ASCII_RUN = regex.compile(r"[^\x00-\x7f]+")
_CJK_RUN = regex.compile(rf"^[{_CJK_SCRIPTS}\u3000-\u30ff\uff00-\uffef]{{2,}}$")  # \u30fc (ー) is Common, not Katakana
_PUNCTUATION_RUN = regex.compile(r"^[\p{P}\p{S}\p{Z}]{1,3}$")
_LETTER_RUN = regex.compile(r"^(?:\p{Latin}{1,2}|\p{Greek}{2,}|\p{Cyrillic}{2,}|\p{Arabic}{2,}|\p{Hebrew}{2,}|\p{Thai}{2,})$")
_CONTROL = regex.compile(r"[\p{Cc}--[\t\n\r\f\v]]", regex.VERSION1)
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_SNIFF_BYTES = 8192


class NotText(Exception):
    """The bytes are not text in any encoding we can recognise."""


def decode_bytes(data: bytes, *, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data`` as a whole document; return the text (line endings as ``\\n``) and the encoding's name.

    ``declared`` is a charset the document declares (an HTML meta tag, an HTTP
    header); it is used when the bytes decode with it. Raises :class:`NotText`
    for binary data.
    """
    text, encoding, _ = start_decoding(data, declared=declared, final=True)
    return unix_newlines(text), encoding


def start_decoding(
    head: bytes, *, declared: str | None = None, final: bool = True
) -> tuple[str, str, codecs.IncrementalDecoder]:
    """Decode ``head``, the first part of a document (all of it when ``final``).

    Returns the text of ``head`` (line endings as they are), the encoding's
    name, and a decoder that goes on with the bytes that follow (undecodable
    bytes replaced). A character cut at the end of ``head`` is left in the
    decoder. Raises :class:`NotText` for binary data.
    """
    text, encoding, decoder = _decode(head, declared, final)
    sample = text[:_SNIFF_BYTES]
    if sample and len(_CONTROL.findall(sample)) > 0.05 * len(sample):
        raise NotText
    return text, encoding, decoder


def unix_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def charset_label(name: str | None) -> str | None:
    """The Python codec for a declared charset label (``gb2312`` -> ``gb18030``), or None if unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    label = _DECLARED_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _decode(data: bytes, declared: str | None, final: bool) -> tuple[str, str, codecs.IncrementalDecoder]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            decoder = _decoder(encoding, "replace")
            return decoder.decode(data, final), codecs.lookup(encoding).name, decoder
    encoding = charset_label(declared)
    if encoding is not None:
        decoded = _strictly(data, encoding, final)
        if decoded is not None:
            return decoded
        log.debug("the declared charset %s does not decode the bytes; detecting", declared)
    if b"\x00" in data[:_SNIFF_BYTES]:
        return _decode_wide(data, final)
    decoded = _strictly(data, "utf-8", final)
    if decoded is not None:
        return decoded
    if _mostly_utf8(data):
        decoder = _decoder("utf-8", "replace")
        return decoder.decode(data, final), REPLACED, decoder
    return _decode_legacy(data, final)


def _decoder(encoding: str, errors: str) -> codecs.IncrementalDecoder:
    return codecs.getincrementaldecoder(encoding)(errors=errors)


def _strictly(data: bytes, encoding: str, final: bool) -> tuple[str, str, codecs.IncrementalDecoder] | None:
    """Decode with ``encoding`` if every byte is valid in it; the decoder then replaces what follows."""
    decoder = _decoder(encoding, "strict")
    try:
        text = decoder.decode(data, final)
    except UnicodeDecodeError:
        return None
    decoder.errors = "replace"
    return text, codecs.lookup(encoding).name, decoder


def _decode_wide(data: bytes, final: bool) -> tuple[str, str, codecs.IncrementalDecoder]:
    """UTF-16 or UTF-32 without a byte-order mark, told by where the zero bytes fall; else not text."""
    sample = data[:_SNIFF_BYTES]
    zeros = [sample[offset::4].count(0) / max(1, len(sample[offset::4])) for offset in range(4)]
    if zeros[2] > 0.9 and zeros[3] > 0.9:  # UTF-32: the high bytes of (mostly BMP) characters are zero
        encodings = ["utf-32-le"]
    elif zeros[0] > 0.9 and zeros[1] > 0.9:
        encodings = ["utf-32-be"]
    else:
        even, odd = (zeros[0] + zeros[2]) / 2, (zeros[1] + zeros[3]) / 2
        if max(even, odd) < 0.3 or min(even, odd) > 0.2:
            raise NotText
        encodings = ["utf-16-le", "utf-16-be"] if odd > even else ["utf-16-be", "utf-16-le"]
    for encoding in encodings:
        decoded = _strictly(data, encoding, final)
        if decoded is not None:
            return decoded
    raise NotText


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 with some broken bytes: most non-ASCII bytes form valid UTF-8 sequences.

    Legacy text seldom does: an accented letter in cp1252 is one byte before
    ASCII, and only about one GBK or Shift-JIS pair in twelve happens to have
    the shape of a UTF-8 sequence, so this takes no legacy text for UTF-8.
    """
    sample = data[: 1 << 20]
    non_ascii = len(sample) - len(sample.translate(None, bytes(range(0x80, 0x100))))
    if not non_ascii:
        return False
    in_sequences = sum(len(match) for match in _UTF8_SEQUENCE.findall(sample))
    return in_sequences >= 0.5 * non_ascii


def _decode_legacy(data: bytes, final: bool) -> tuple[str, str, codecs.IncrementalDecoder]:
    """Pick the legacy encoding whose decoding reads most like real text.

    The detector judges by the language of the whole text, so a mostly English
    page with a few Chinese keywords in GB18030 looks like cp1250 to it. Here
    each candidate that decodes cleanly is ranked by how plausibly its
    non-ASCII characters sit (CJK in runs, lone punctuation, accented letters
    inside words), then by the detector's mess ratio of the text, then by how
    common the encoding is for web pages.
    """
    candidates = [match.encoding for match in charset_normalizer.from_bytes(data[: 1 << 20])]
    candidates += _FALLBACK_ENCODINGS
    best: tuple[tuple[float, float, int, int], tuple[str, str, codecs.IncrementalDecoder]] | None = None
    seen: set[str] = set()
    for rank, name in enumerate(candidates):
        try:
            encoding = codecs.lookup(name).name
        except LookupError:
            continue
        if encoding in seen or encoding not in _WEB_ENCODINGS:
            continue
        seen.add(encoding)
        decoded = _strictly(data, encoding, final)
        if decoded is None:
            continue
        sample = decoded[0][:_SAMPLE_CHARS]
        key = (
            -round(_plausibility(sample), 1),
            round(mess_ratio(sample, 1.0), 2),
            _PREFERENCE.get(encoding, len(_PREFERENCE)),
            rank,
        )
        if best is None or key < best[0]:
            best = (key, decoded)
    if best is None:
        log.debug("no encoding decodes cleanly; replacing invalid UTF-8 bytes")
        decoder = _decoder("utf-8", "replace")
        return decoder.decode(data, final), REPLACED, decoder
    return best[1]


def _plausibility(text: str) -> float:
    """Share of non-ASCII characters that sit the way they do in real text."""
    total = plausible = 0
    for match in _NON_ASCII_RUN.finditer(text):
        run = match.group()
        total += len(run)
        if _CJK_RUN.match(run) or _PUNCTUATION_RUN.match(run) or _LETTER_RUN.match(run):
            plausible += len(run)
    return plausible / total if total else 1.0
