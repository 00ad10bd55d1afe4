"""Which side of a rewrite kept the usual word: the words two texts swap one for one, weighed by how common each is.

A rewriter replaces a word with a synonym; the word it replaces was chosen by
whoever wrote the text first, and is the one that other writers on the topic
use too. So at each one-for-one replacement between two members of a family,
the member holding the word more documents outside the family use (its
document frequency, less the family's own holders, which would only count the
family's branches again) is probably the older. Votes are counted per pair;
:mod:`lineage.lineage_tree` uses them to root a family that has no dates.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from lineage.shingles import token_hashes
from lineage.text import codepoints, token_spans

_LONGEST_SWAP = 3  # words replaced one for one; longer replacements are rewritten passages, not word choices
_LEAST_USE = 3  # documents outside the family that must use a word before its use says anything


def word_document_counts(texts: Sequence[str], chunk: int = 4096) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """The sorted distinct word hashes of ``texts`` and how many texts hold each, a chunk of texts at a time."""
    found: list[tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]] = []
    for lo in range(0, len(texts), chunk):
        hashes, indptr = _tokens(texts[lo : lo + chunk])
        doc = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        order = np.lexsort((hashes, doc))
        hashes, doc = hashes[order], doc[order]
        first = np.ones(len(hashes), dtype=bool)
        first[1:] = (hashes[1:] != hashes[:-1]) | (doc[1:] != doc[:-1])
        found.append(np.unique(hashes[first], return_counts=True))
    if not found:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    words, inverse = np.unique(np.concatenate([words for words, _ in found]), return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=np.concatenate([counts for _, counts in found]), minlength=len(words))
    return words, counts.astype(np.int64)


class Wording:
    """Votes on which of two family members is the older, from the words they swap one for one.

    ``texts`` are the family's members; ``corpus_counts`` is
    :func:`word_document_counts` of the whole corpus (the family included).
    """

    def __init__(self, texts: Sequence[str], corpus_counts: tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]):
        hashes, indptr = _tokens(texts)
        self._tokens = [hashes[indptr[k] : indptr[k + 1]].tolist() for k in range(len(texts))]
        family_words, family_counts = word_document_counts(texts)
        words, counts = corpus_counts
        place = np.clip(np.searchsorted(words, family_words), 0, max(len(words) - 1, 0))
        known = (words[place] == family_words) if len(words) else np.zeros(len(family_words), dtype=bool)
        outside = np.where(known, counts[place] if len(counts) else 0, family_counts) - family_counts
        # Below a few documents, use is chance (and a tiny corpus says nothing): such words count as unused.
        self._outside = dict(zip(family_words.tolist(), np.where(outside >= _LEAST_USE, outside, 0).tolist()))
        self._swaps: dict[tuple[int, int], tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]] = {}

    def swaps(self, older: int, newer: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
        """Each one-for-one replacement between two members: +1 if ``older``'s word is the more common outside
        the family, -1 if ``newer``'s is, 0 if neither; and a key for it (the two words' hashes, either order)."""
        if (newer, older) in self._swaps:
            signs, keys = self._swaps[newer, older]
            return -signs, keys
        if (older, newer) not in self._swaps:
            a, b = self._tokens[older], self._tokens[newer]
            pairs = [pair for tag, a_start, a_end, b_start, b_end
                     in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
                     if tag == "replace" and a_end - a_start == b_end - b_start <= _LONGEST_SWAP
                     for pair in zip(a[a_start:a_end], b[b_start:b_end])]
            signs = np.array([np.sign(self._outside[x] - self._outside[y]) for x, y in pairs], dtype=np.int64)
            keys = np.array([x ^ y for x, y in pairs], dtype=np.uint64)
            self._swaps[older, newer] = (signs, keys)
        return self._swaps[older, newer]

    def votes(self, older: int, newer: int) -> int:
        """Replacements whose ``older`` word is the more common outside the family, minus those whose ``newer`` one is."""
        return int(self.swaps(older, newer)[0].sum())


def _tokens(texts: Sequence[str]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Every text's word hashes in order (as the shingles normalise them), as CSR."""
    units, text_starts = codepoints(texts)
    indptr, starts, ends = token_spans(units, text_starts)
    return token_hashes(units, starts, ends), indptr
