"""Normalise and tokenise text, keeping every token's character offsets.

Latin-script (and other space-delimited) words are one token each; every Han,
Hiragana or Katakana character is its own token, so a CJK run becomes a
sequence of characters rather than one giant word and n-grams over it behave
like character n-grams.

A token is what this regular expression (``regex`` module syntax) matches::

    [CJK]\\p{M}*  |  [W--\\p{M}] W* (?: [APOSTROPHE] W+ | (?<=\\p{N}) [.,] \\p{N}+ )*

where W is a letter, digit or mark outside CJK. A mark with no letter before
it (an emoji's variation selector, a stray accent, a keycap after a space)
starts no token: pages made of emoji or of combining characters have no
words, rather than words that every such page shares. The tokeniser runs it as a
compiled scan over the code points of many texts at once, driven by a table of
each code point's character classes, which is built from that very ``regex``
module's Unicode properties; the tests hold the expression as the oracle.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import cache

import numba
import numpy as np
import numpy.typing as npt
import regex

from lineage.types import Tokens

# U+30FC/U+FF70 (the kana prolonged sound mark) are script Common but belong with kana.
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\u30fc\uff70"
_APOSTROPHES = "'\u2019\u02bc"
_TERMINATOR = 0  # U+0000 ends each normalised token; never part of a token, stable under NFKC and case folding

# Character classes, as bit flags in one byte per code point.
_WORD, _NUMBER, _CJK_CHAR, _MARK, _APOSTROPHE, _DECIMAL = 1, 2, 4, 8, 16, 32
# Blocks whose characters are checked for normalising alone: Latin, Greek, Cyrillic, the
# curly apostrophes, kana, CJK ideographs and Hangul syllables: nearly all the text of
# the pages lineage reads. Anything else takes the general path, which is only slower.
_FOLDABLE = (
    (0x0001, 0x0530), (0x02BC, 0x02BD), (0x2019, 0x201A), (0x3041, 0x3100),
    (0x3400, 0x4DC0), (0x4E00, 0xA000), (0xAC00, 0xD7A4),
)
# Planes 4-13 hold no characters and 15-16 only private use, which is in none of the classes.
_ASSIGNED_PLANES = ((0, 0x40000), (0xE0000, 0xF0000))
_CLASSES = {
    _WORD: rf"[[\p{{L}}\p{{N}}\p{{M}}]--[{_CJK}]]",
    _NUMBER: r"\p{N}",
    _CJK_CHAR: rf"[{_CJK}]",
    _MARK: r"\p{M}",
    _APOSTROPHE: f"[{_APOSTROPHES}]",
    _DECIMAL: "[.,]",
}


def normalize(text: str) -> str:
    """Case-folded NFKC with one apostrophe; idempotent, and the result is in NFKC.

    Case folding can decompose what NFKC composes (U+1FE2) and NFKC can expose
    new capitals (U+3392 becomes "MHz"), so the two alternate, NFKC last,
    until the text stops changing; real text needs one round.
    """
    previous = None
    while text != previous:
        previous = text
        text = unicodedata.normalize("NFKC", text.casefold().replace("\u2019", "'").replace("\u02bc", "'"))
    return text


def tokenize(text: str) -> Tokens:
    """Split ``text`` into tokens with offsets into ``text`` and normalised forms."""
    units, text_starts = codepoints([text])
    _, starts, ends = token_spans(units, text_starts)
    normal = normalized_tokens(units, starts, ends)
    norms = decode(normal).split("\x00")[:-1]
    return Tokens(starts, ends, tuple(norms))


def codepoints(texts: Sequence[str]) -> tuple[npt.NDArray[np.uint8 | np.uint32], npt.NDArray[np.int64]]:
    """The texts' code points, each text followed by U+0000, and where each text starts (plus the end)."""
    text_starts = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(text) + 1 for text in texts], out=text_starts[1:])
    return encode("\x00".join(texts) + "\x00"), text_starts


def word_counts(texts: Sequence[str], chunk: int = 4096) -> npt.NDArray[np.int64]:
    """How many word tokens each text has, a chunk of texts at a time."""
    counts = np.zeros(len(texts), dtype=np.int64)
    for lo in range(0, len(texts), chunk):
        units, text_starts = codepoints(texts[lo : lo + chunk])
        counts[lo : lo + chunk] = np.diff(token_spans(units, text_starts)[0])
    return counts


def token_spans(
    units: npt.NDArray[np.uint8 | np.uint32], text_starts: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Tokens of the texts in ``units`` (from :func:`codepoints`), as CSR over the texts.

    Text i's tokens are ``starts/ends[indptr[i]:indptr[i + 1]]``; offsets index
    ``units``, so text i's own offsets are these minus ``text_starts[i]``.
    """
    starts, ends, counts = _scan(units, _class_table(), text_starts)
    indptr = np.zeros(len(text_starts), dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr, starts, ends


def normalized_tokens(
    units: npt.NDArray[np.uint8 | np.uint32], starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
) -> npt.NDArray[np.uint32]:
    """Code points of every token's normal form (:func:`normalize`), each followed by U+0000, in order.

    Most tokens are made of characters that normalise one by one, to one
    character that composes with nothing (ASCII, Latin-1 and other precomposed
    letters, CJK ideographs, kana, Hangul syllables): those are folded by table
    lookup. The rest are gathered into one string that is normalised in a single
    call; U+0000 between them is a starter that composes with nothing, so no
    token's normal form leaks into its neighbour's.
    """
    fold = fold_table()
    hard = _hard_tokens(units, starts, ends, fold)
    if hard.any():
        normal = encode(normalize(decode(_gather(units, starts[hard], ends[hard]))))
    else:
        normal = np.zeros(0, dtype=np.uint32)
    return _assemble(units, starts, ends, fold, hard, normal)


def encode(text: str) -> npt.NDArray[np.uint8 | np.uint32]:
    """Code points of ``text``: one byte each when it is ASCII (the common, fast case), else four."""
    if text.isascii():
        return np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def decode(units: npt.NDArray[np.uint8 | np.uint32]) -> str:
    """The text whose code points are ``units``: the inverse of :func:`encode`."""
    if units.dtype == np.uint8:
        return units.tobytes().decode("ascii")
    return units.tobytes().decode("utf-32-le", "surrogatepass")


@cache
def _class_table() -> npt.NDArray[np.uint8]:
    """Character class flags of every code point, from the ``regex`` module's Unicode tables."""
    table = np.zeros(0x110000, dtype=np.uint8)
    for first, last in _ASSIGNED_PLANES:
        every = "".join(map(chr, range(first, last)))
        for flag, pattern in _CLASSES.items():
            for match in regex.finditer(f"{pattern}+", every, regex.VERSION1):
                table[first + match.start() : first + match.end()] |= flag
    return table


@cache
def fold_table() -> npt.NDArray[np.uint32]:
    """For each BMP code point that normalises alone, its normal form; 0 for the rest.

    A character qualifies when its normal form is one character, neither is a
    combining mark or the second half of a canonical composition, and its
    compatibility decomposition starts with a starter: then a token made only of
    such characters normalises character by character.
    """
    seconds = set()
    for code in range(0x10000):
        decomposition = unicodedata.decomposition(chr(code)).split()
        if len(decomposition) == 2 and not decomposition[0].startswith("<"):
            seconds.add(int(decomposition[1], 16))
    seconds.update(range(0x1161, 0x1176), range(0x11A8, 0x11C3))  # Hangul vowel and trailing jamo compose too
    fold = np.zeros(0x10000, dtype=np.uint32)
    for first, last in _FOLDABLE:
        for code in range(first, last):
            char = chr(code)
            normal = normalize(char)
            if (
                len(normal) == 1
                and code not in seconds
                and ord(normal) not in seconds
                and not unicodedata.combining(char)
                and not unicodedata.combining(normal)
                and not unicodedata.combining(unicodedata.normalize("NFKD", char)[0])
            ):
                fold[code] = ord(normal)
    return fold


@numba.njit(cache=True, nogil=True)
def _scan(codepoints, table, text_starts):  # pragma: no cover - compiled
    n = len(codepoints)
    # Up to one token per code point (a CJK run); pages of the arrays never written are never touched.
    starts = np.empty(n, dtype=np.int64)
    ends = np.empty(n, dtype=np.int64)
    counts = np.zeros(len(text_starts) - 1, dtype=np.int64)
    text = 0
    count = 0
    i = 0
    while i < n:
        while i >= text_starts[text + 1]:
            text += 1
        flags = table[codepoints[i]]
        if flags & _CJK_CHAR:
            start = i
            i += 1
            while i < n and table[codepoints[i]] & _MARK:
                i += 1
        elif flags & _WORD and not flags & _MARK:
            start = i
            i += 1
            while i < n and table[codepoints[i]] & _WORD:
                i += 1
            while i + 1 < n:
                after = table[codepoints[i + 1]]
                here = table[codepoints[i]]
                if here & _APOSTROPHE and after & _WORD:
                    i += 2
                    while i < n and table[codepoints[i]] & _WORD:
                        i += 1
                elif here & _DECIMAL and after & _NUMBER and table[codepoints[i - 1]] & _NUMBER:
                    i += 2
                    while i < n and table[codepoints[i]] & _NUMBER:
                        i += 1
                else:
                    break
        else:
            i += 1
            continue
        starts[count] = start
        ends[count] = i
        counts[text] += 1
        count += 1
    return starts[:count].copy(), ends[:count].copy(), counts


@numba.njit(cache=True, nogil=True)
def _gather(codepoints, starts, ends):  # pragma: no cover - compiled
    total = 0
    for t in range(len(starts)):
        total += ends[t] - starts[t] + 1
    out = np.empty(total, dtype=codepoints.dtype)
    k = 0
    for t in range(len(starts)):
        for i in range(starts[t], ends[t]):
            out[k] = codepoints[i]
            k += 1
        out[k] = _TERMINATOR
        k += 1
    return out


@numba.njit(cache=True, nogil=True)
def _hard_tokens(codepoints, starts, ends, fold):  # pragma: no cover - compiled
    """Whether each token holds a character that does not normalise alone."""
    hard = np.zeros(len(starts), dtype=np.bool_)
    for t in range(len(starts)):
        for i in range(starts[t], ends[t]):
            code = codepoints[i]
            if code >= 0x10000 or fold[code] == 0:
                hard[t] = True
                break
    return hard


@numba.njit(cache=True, nogil=True)
def _assemble(codepoints, starts, ends, fold, hard, normal):  # pragma: no cover - compiled
    """Every token's normal form and a terminator: folded here, or copied from ``normal`` if hard."""
    total = len(normal)
    for t in range(len(starts)):
        if not hard[t]:
            total += ends[t] - starts[t] + 1
    out = np.empty(total, dtype=np.uint32)
    k = 0
    j = 0
    for t in range(len(starts)):
        if hard[t]:
            while normal[j] != _TERMINATOR:
                out[k] = normal[j]
                k += 1
                j += 1
            j += 1
        else:
            for i in range(starts[t], ends[t]):
                out[k] = fold[codepoints[i]]
                k += 1
        out[k] = _TERMINATOR
        k += 1
    return out
