"""Which side of a rewrite kept the usual word: the words two texts swap one for one, weighed by how common each is.

A rewriter replaces a word with a synonym; the word it replaces was chosen by
whoever wrote the text first, and is the one that other writers on the topic
use too. So at each one-for-one replacement between two members of a family,
the member holding the word more documents on the family's topic use (outside
the family: its own holders would only count its branches again) is probably
the older. Votes are counted per pair; :mod:`lineage.lineage_tree` uses them
to root a family that has no dates.

A family's topic is the documents outside it that hold several of its marker
words (:class:`Usage`). Counting use over the whole corpus instead mixes
topics: a spinner's synonym is often some other topic's everyday word.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from rapidfuzz.distance import Opcode
from scipy import sparse

from lineage.passages import opcodes
from lineage.shingles import token_hashes
from lineage.text import codepoints, token_spans

_LONGEST_SWAP = 3  # words replaced one for one; longer replacements are rewritten passages, not word choices
_LEAST_USE = 3  # documents outside the family that must use a word before its use says anything
_MOST_EDITS = 2_000  # words inserted or deleted: a pair further apart is rewritten, not reworded
_CHUNKS_MERGED = 16
_MARKERS = 50  # a family's marker words: those most of its members use and few other documents do
_ON_TOPIC = 3  # marker words a document outside the family holds to be on its topic
_TOPIC_DOCUMENTS = 2_000  # the documents most on a family's topic that its words are counted in


def word_document_counts(texts: Sequence[str], chunk: int = 4096) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """The sorted distinct word hashes of ``texts`` and how many texts hold each, a chunk of texts at a time."""
    found: list[tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]] = [_merge([])]
    for lo in range(0, len(texts), chunk):
        found.append(np.unique(_distinct(*_tokens(texts[lo : lo + chunk]))[0], return_counts=True))
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


class Usage:
    """The words each document of a corpus uses, to count a family's words among the documents on its topic.

    ``order`` ranks the documents for ties (a hash of their ids, so that which
    documents are counted does not depend on the order they were read in).
    """

    def __init__(self, texts: Sequence[str], order: npt.NDArray[np.int64], chunk: int = 4096):
        parts, lengths = [], []
        for lo in range(0, len(texts), chunk):
            hashes, text = _distinct(*_tokens(texts[lo : lo + chunk]))
            parts.append(hashes)
            lengths.append(np.bincount(text, minlength=len(texts[lo : lo + chunk])))
        self._words = np.unique(np.concatenate([np.unique(part) for part in parts])) if parts else _merge([])[0]
        columns = np.concatenate([np.searchsorted(self._words, part).astype(np.int32) for part in parts]) \
            if parts else np.zeros(0, dtype=np.int32)
        del parts
        # 32-bit offsets while they fit, or scipy widens the column numbers to 64 bits as well.
        indptr = np.zeros(len(texts) + 1, dtype=np.int32 if len(columns) < 2**31 else np.int64)
        np.cumsum(np.concatenate(lengths) if lengths else [], out=indptr[1:])
        shape = (len(texts), len(self._words))
        self._rows = sparse.csr_array((np.ones(len(columns), dtype=np.bool_), columns, indptr), shape=shape)
        self._columns = self._rows.tocsc()
        self._documents = np.bincount(columns, minlength=len(self._words))  # each word's document frequency
        self._order = np.asarray(order)

    def family_counts(self, members: Sequence[int]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
        """The family's distinct word hashes (sorted) and how many of its members and documents on its topic use each.

        The topic: documents outside the family that hold at least ``_ON_TOPIC``
        of its ``_MARKERS`` marker words (by the share of members using a word
        times its inverse document frequency, among words at least
        ``_LEAST_USE`` other documents use), at most ``_TOPIC_DOCUMENTS`` of
        them, those holding the most markers first.
        """
        members = np.asarray(members, dtype=np.int64)
        family_words, family_use = np.unique(self._rows[members].indices, return_counts=True)
        if not len(family_words):
            return self._words[family_words], family_use.astype(np.int64)
        documents = self._documents[family_words]
        candidates = np.flatnonzero(documents - family_use >= _LEAST_USE)
        weight = family_use[candidates] * np.log(self._rows.shape[0] / documents[candidates])
        markers = family_words[candidates[np.argsort(-weight, kind="stable")[:_MARKERS]]]
        holders, held = np.unique(self._columns[:, np.sort(markers)].indices, return_counts=True)
        topical = (held >= _ON_TOPIC) & ~np.isin(holders, members)
        holders, held = holders[topical], held[topical]
        holders = holders[np.lexsort((self._order[holders], -held))[:_TOPIC_DOCUMENTS]]
        used = self._rows[np.sort(holders)].indices
        at = np.minimum(np.searchsorted(family_words, used), len(family_words) - 1)
        found = family_words[at] == used
        counts = family_use + np.bincount(at[found], minlength=len(family_words))
        return self._words[family_words], counts.astype(np.int64)


class Wording:
    """Votes on which of two family members is the older, from the words they swap one for one.

    ``texts`` are the family's members; ``usage`` is the sorted word hashes and
    how many documents use each, the family's members included: the family and
    its topic (:meth:`Usage.family_counts`), or a whole corpus
    (:func:`word_document_counts`).
    """

    def __init__(self, texts: Sequence[str], usage: tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]):
        hashes, indptr = _tokens(texts)
        family_words, family_counts = np.unique(_distinct(hashes, indptr)[0], return_counts=True)
        words, counts = usage
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


def _distinct(hashes: npt.NDArray[np.uint64], indptr: npt.NDArray[np.int64]) -> tuple[
        npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Each text's distinct word hashes (from :func:`_tokens`), sorted within it, and the number of the text each
    is from."""
    text = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    order = np.lexsort((hashes, text))
    hashes, text = hashes[order], text[order]
    first = np.ones(len(hashes), dtype=bool)
    first[1:] = (hashes[1:] != hashes[:-1]) | (text[1:] != text[:-1])
    return hashes[first], text[first]


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
