"""Normalise and tokenise text, keeping every token's character offsets.

Latin-script (and other space-delimited) words are one token each; every Han,
Hiragana or Katakana character is its own token, so a CJK run becomes a
sequence of characters rather than one giant word and n-grams over it behave
like character n-grams.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import regex

from lineage.types import Tokens

# U+30FC/U+FF70 (the kana prolonged sound mark) are script Common but belong with kana.
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\u30fc\uff70"
_WORD_CHAR = rf"[[\p{{L}}\p{{N}}\p{{M}}]--[{_CJK}]]"
_APOSTROPHES = "'\u2019\u02bc"
# A word may hold inner apostrophes (Shanghai's) and, between digits, a decimal
# point or thousands separator (9.6, 1,200).
_TOKEN = regex.compile(
    rf"[{_CJK}]\p{{M}}*"
    rf"|{_WORD_CHAR}+(?:[{_APOSTROPHES}]{_WORD_CHAR}+|(?<=\p{{N}})[.,]\p{{N}}+)*",
    regex.VERSION1,
)
_APOSTROPHE_TABLE = str.maketrans({"\u2019": "'", "\u02bc": "'"})
_SEPARATOR = "\x00"  # never inside a token, and stable under NFKC and case folding


def normalize(text: str) -> str:
    """Case-folded NFKC with one apostrophe; idempotent, and the result is in NFKC.

    Case folding can decompose what NFKC composes (U+1FE2) and NFKC can expose
    new capitals (U+3392 becomes "MHz"), so the two alternate, NFKC last,
    until the text stops changing; real text needs one round.
    """
    previous = None
    while text != previous:
        previous = text
        text = unicodedata.normalize("NFKC", text.casefold().translate(_APOSTROPHE_TABLE))
    return text


def tokenize(text: str) -> Tokens:
    """Split ``text`` into tokens with offsets into ``text`` and normalised forms."""
    spans = [match.span() for match in _TOKEN.finditer(text)]
    if not spans:
        empty = np.zeros(0, dtype=np.int64)
        return Tokens(empty, empty.copy(), ())
    offsets = np.asarray(spans, dtype=np.int64)
    surfaces = [text[start:end] for start, end in spans]
    return Tokens(offsets[:, 0].copy(), offsets[:, 1].copy(), tuple(_normalize_tokens(surfaces)))


def _normalize_tokens(surfaces: list[str]) -> list[str]:
    # One normalize() call over the joined tokens is much faster than one per token.
    joined = normalize(_SEPARATOR.join(surfaces)).split(_SEPARATOR)
    if len(joined) == len(surfaces):
        return joined
    return [normalize(surface) for surface in surfaces]
