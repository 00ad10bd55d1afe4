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

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from rapidfuzz.distance import Opcode

from lineage.passages import opcodes
from lineage.shingles import token_hashes
from lineage.text import codepoints, token_spans

_LONGEST_SWAP = 3  # words replaced one for one; longer replacements are rewritten passages, not word choices
_LEAST_USE = 3  # documents outside the family that must use a word before its use says anything
_MOST_EDITS = 2_000  # words inserted or deleted: a pair further apart is rewritten, not reworded
_CHUNKS_MERGED = 16


def word_document_counts(texts: Sequence[str], chunk: int = 4096) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """The sorted distinct word hashes of ``texts`` and how many texts hold each, a chunk of texts at a time."""
    found: list[tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]] = [_merge([])]
    for lo in range(0, len(texts), chunk):
        hashes, indptr = _tokens(texts[lo : lo + chunk])
        doc = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        order = np.lexsort((hashes, doc))
        hashes, doc = hashes[order], doc[order]
        first = np.ones(len(hashes), dtype=bool)
        first[1:] = (hashes[1:] != hashes[:-1]) | (doc[1:] != doc[:-1])
        found.append(np.unique(hashes[first], return_counts=True))
        if len(found) == _CHUNKS_MERGED:  # so that memory holds the vocabulary a few times, not once per chunk
            found = [_merge(found)]
    return _merge(found)


def _merge(parts: list[tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]]) -> tuple[
        npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Word counts summed over parts, each sorted distinct hashes and their counts."""
    if not parts:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    words, inverse = np.unique(np.concatenate([words for words, _ in parts]), return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=np.concatenate([counts for _, counts in parts]), minlength=len(words))
    return words, counts.astype(np.int64)


class Wording:
    """Votes on which of two family members is the older, from the words they swap one for one.

    ``texts`` are the family's members; ``corpus_counts`` is
    :func:`word_document_counts` of the whole corpus (the family included).
    """

    def __init__(self, texts: Sequence[str], corpus_counts: tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]):
        hashes, indptr = _tokens(texts)
        family_words, family_counts = word_document_counts(texts)
        words, counts = corpus_counts
        place = np.clip(np.searchsorted(words, family_words), 0, max(len(words) - 1, 0))
        known = (words[place] == family_words) if len(words) else np.zeros(len(family_words), dtype=bool)
        outside = np.where(known, counts[place] if len(counts) else 0, family_counts) - family_counts
        # Below a few documents, use is chance (and a tiny corpus says nothing): such words count as unused.
        outside = np.where(outside >= _LEAST_USE, outside, 0)
        use = outside[np.searchsorted(family_words, hashes)] if len(hashes) else np.zeros(0, dtype=np.int64)
        self._words = [hashes[lo:hi] for lo, hi in pairwise(indptr)]
        self._use = [use[lo:hi] for lo, hi in pairwise(indptr)]
        self._swaps: dict[tuple[int, int], tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]] = {}

    def swaps(self, older: int, newer: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint64]]:
        """Each one-for-one replacement between two members: +1 if ``older``'s word is the more common outside
        the family, -1 if ``newer``'s is, 0 if neither; and a key for it (the two words' hashes, either order)."""
        if (newer, older) in self._swaps:
            signs, keys = self._swaps[newer, older]
            return -signs, keys
        if (older, newer) not in self._swaps:
            a, b = self._words[older], self._words[newer]
            spans = _replacements(a, b, _LONGEST_SWAP, _MOST_EDITS)
            width = spans[:, 2]
            within = np.arange(width.sum()) - np.repeat(np.cumsum(width) - width, width)
            a_at = np.repeat(spans[:, 0], width) + within
            b_at = np.repeat(spans[:, 1], width) + within
            signs = np.sign(self._use[older][a_at] - self._use[newer][b_at]).astype(np.int64)
            self._swaps[older, newer] = (signs, a[a_at] ^ b[b_at])
        return self._swaps[older, newer]

    def votes(self, older: int, newer: int) -> int:
        """Replacements whose ``older`` word is the more common outside the family, minus those whose ``newer`` one is."""
        return int(self.swaps(older, newer)[0].sum())


def _tokens(texts: Sequence[str]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Every text's word hashes in order (as the shingles normalise them), as CSR."""
    units, text_starts = codepoints(texts)
    indptr, starts, ends = token_spans(units, text_starts)
    return token_hashes(units, starts, ends), indptr


def _replacements(
    a: npt.NDArray[np.uint64], b: npt.NDArray[np.uint64], longest: int, most_edits: int
) -> npt.NDArray[np.int64]:
    """(a_start, b_start, width) of each gap of equal width, at most ``longest``, between the runs of words that
    the alignment keeps (rapidfuzz's Indel opcodes, a longest common subsequence, in windows when long); none if
    it takes more than ``most_edits`` words inserted or deleted."""
    found = []
    edits = 0
    gap_a = gap_b = 0  # where the current gap starts
    for op in [*opcodes(a.tolist(), b.tolist()), Opcode("equal", len(a), len(a), len(b), len(b))]:
        if op.tag != "equal":
            edits += (op.src_end - op.src_start) + (op.dest_end - op.dest_start)
            continue
        width = op.src_start - gap_a
        if width == op.dest_start - gap_b and 0 < width <= longest:
            found.append((gap_a, gap_b, width))
        gap_a, gap_b = op.src_end, op.dest_end
    if edits > most_edits:
        return np.zeros((0, 3), dtype=np.int64)
    return np.array(found, dtype=np.int64).reshape(-1, 3)
