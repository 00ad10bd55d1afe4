"""Shared passages: the aligned regions of text that two documents have in common.

For a pair of documents, over their normalised word tokens:

1. **Seeds**: every word n-gram (``config.seed`` words) the two share, by
   position; n-grams repeated more than ``config.max_repeats`` times in either
   document (list markers, stock phrases) seed nothing.
2. **Chains**: seeds close to each other on nearly the same diagonal join into
   one region, so a region survives substituted, inserted and dropped words
   between seeds, up to ``config.max_gap`` tokens on either side.
3. **Alignment**: the tokens of each region are aligned by rapidfuzz's
   ``Indel.opcodes`` (a longest-common-subsequence alignment over token
   hashes), which gives the words both sides keep and the variant slots
   between them.
4. **Sentence tails**: a passage that stops inside a sentence is extended to
   the end of the sentence (and back to its start) on both sides when the rest
   of the two sentences still shares words and differs by little, so that
   "... Zhangjiang {High-Tech Park|Science City laboratories} never {sleeps|dims}"
   is one passage rather than ending at "Zhangjiang".

A passage is kept when at least ``config.min_tokens`` of its words are aligned.
Offsets are character offsets into each document's decoded text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import Indel

from lineage.config import PassageConfig
from lineage.shingles import token_hashes
from lineage.text import codepoints, token_spans
from lineage.types import Passage, Segment

_SENTENCE_MARK = re.compile(r"[.!?。！？\n]")
_PAIRS_PER_CHUNK = 4096


@dataclass(frozen=True, slots=True)
class DocumentTokens:
    """A document's text and its word tokens: character offsets and hashes of normal forms."""

    text: str
    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]
    hashes: npt.NDArray[np.uint64]
    sentence_first: list[int]  # per token: the first token of its sentence
    sentence_end: list[int]  # per token: the token after its sentence's last

    def __len__(self) -> int:
        return len(self.hashes)


def document_tokens(texts: Sequence[str]) -> list[DocumentTokens]:
    """Tokens of many texts at once (offsets into each text)."""
    units, text_starts = codepoints(texts)
    indptr, starts, ends = token_spans(units, text_starts)
    hashes = token_hashes(units, starts, ends)
    out = []
    for i, text in enumerate(texts):
        span = slice(indptr[i], indptr[i + 1])
        doc_starts, doc_ends = starts[span] - text_starts[i], ends[span] - text_starts[i]
        first, end = _sentences(text, doc_starts, doc_ends)
        out.append(DocumentTokens(text, doc_starts, doc_ends, hashes[span], first, end))
    return out


def _sentences(
    text: str, starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
) -> tuple[list[int], list[int]]:
    """For each token, the first token of its sentence and the token after its last.

    A sentence ends where the gap between two tokens holds . ! ? or a line break.
    """
    if len(starts) == 0:
        return [], []
    marks = np.array([match.start() for match in _SENTENCE_MARK.finditer(text)], dtype=np.int64)
    breaks = np.searchsorted(marks, starts[1:], side="left") > np.searchsorted(marks, ends[:-1], side="left")
    sentence = np.concatenate([[0], np.cumsum(breaks)])
    bounds = np.searchsorted(sentence, np.arange(sentence[-1] + 2), side="left")
    return bounds[sentence].tolist(), bounds[sentence + 1].tolist()


def pair_passages(
    texts: Sequence[str], pairs: Sequence[tuple[int, int]], config: PassageConfig = PassageConfig()
) -> list[tuple[Passage, ...]]:
    """The passages of each pair ``(i, j)`` of ``texts``.

    Pairs are taken a chunk at a time, in order, and only the documents a chunk
    needs are tokenised, so memory holds a few thousand documents' tokens.
    """
    out: list[tuple[Passage, ...]] = [()] * len(pairs)
    order = sorted(range(len(pairs)), key=lambda k: pairs[k])
    for lo in range(0, len(order), _PAIRS_PER_CHUNK):
        chunk = order[lo : lo + _PAIRS_PER_CHUNK]
        needed = sorted({doc for k in chunk for doc in pairs[k]})
        tokens = dict(zip(needed, document_tokens([texts[doc] for doc in needed])))
        for k in chunk:
            a, b = pairs[k]
            out[k] = align(tokens[a], tokens[b], config)
    return out


def align(a: DocumentTokens, b: DocumentTokens, config: PassageConfig = PassageConfig()) -> tuple[Passage, ...]:
    """The passages ``a`` and ``b`` share, in ``a``'s order."""
    passages = []
    for a0, a1, b0, b1 in _regions(a, b, config):
        a0, a1, b0, b1 = _extend_to_sentences(a, b, a0, a1, b0, b1)
        passage = _passage(a, b, a0, a1, b0, b1)
        if passage.aligned >= config.min_tokens:
            passages.append(passage)
    return tuple(passages)


def _runs(a: DocumentTokens, b: DocumentTokens, config: PassageConfig) -> list[tuple[int, int, int, int]]:
    """Seeds merged into runs on one diagonal: ``(a0, a1, b0, b1)`` token ranges, sorted by a0."""
    runs = _seed_runs(a.hashes, b.hashes, config.seed, config.max_repeats)
    return sorted(map(tuple, runs.tolist()))


@numba.njit(cache=True, nogil=True)
def _ngrams(hashes, n):  # pragma: no cover - compiled
    count = max(len(hashes) - n + 1, 0)
    grams = np.empty(count, dtype=np.uint64)
    for i in range(count):
        combined = hashes[i]
        for offset in range(1, n):
            combined = combined * np.uint64(0x9E3779B97F4A7C15) + hashes[i + offset]
        grams[i] = combined
    return grams


@numba.njit(cache=True, nogil=True)
def _seed_runs(hashes_a, hashes_b, n, max_repeats):  # pragma: no cover - compiled
    """Runs of seeds: shared n-grams at consecutive positions on one diagonal, as rows (a0, a1, b0, b1)."""
    grams_a, grams_b = _ngrams(hashes_a, n), _ngrams(hashes_b, n)
    order_a, order_b = np.argsort(grams_a, kind="mergesort"), np.argsort(grams_b, kind="mergesort")
    capacity = max_repeats * min(len(grams_a), len(grams_b)) + 1
    seed_i = np.empty(capacity, dtype=np.int64)
    seed_j = np.empty(capacity, dtype=np.int64)
    count = 0
    p = q = 0
    while p < len(order_a) and q < len(order_b):
        value_a, value_b = grams_a[order_a[p]], grams_b[order_b[q]]
        if value_a < value_b:
            p += 1
        elif value_a > value_b:
            q += 1
        else:
            p_end, q_end = p, q
            while p_end < len(order_a) and grams_a[order_a[p_end]] == value_a:
                p_end += 1
            while q_end < len(order_b) and grams_b[order_b[q_end]] == value_a:
                q_end += 1
            if p_end - p <= max_repeats and q_end - q <= max_repeats:  # repeated n-grams seed nothing
                for x in range(p, p_end):
                    for y in range(q, q_end):
                        seed_i[count] = order_a[x]
                        seed_j[count] = order_b[y]
                        count += 1
            p, q = p_end, q_end
    seed_i, seed_j = seed_i[:count], seed_j[:count]
    # By diagonal, then position: consecutive seeds on one diagonal merge into a run.
    key = (seed_j - seed_i + len(grams_a)) * (len(grams_a) + 1) + seed_i
    order = np.argsort(key, kind="mergesort")
    runs = np.empty((count, 4), dtype=np.int64)
    k = -1
    for index in order:
        i, j = seed_i[index], seed_j[index]
        if k >= 0 and j - i == runs[k, 2] - runs[k, 0] and i <= runs[k, 1] - n + 1:
            runs[k, 1] = i + n
            runs[k, 3] = j + n
        else:
            k += 1
            runs[k, 0], runs[k, 1], runs[k, 2], runs[k, 3] = i, i + n, j, j + n
    return runs[: k + 1]


def _regions(a: DocumentTokens, b: DocumentTokens, config: PassageConfig) -> list[tuple[int, int, int, int]]:
    """Token ranges ``[a0, a1) x [b0, b1)`` of chained seeds."""
    gap = config.max_gap
    regions: list[list[int]] = []  # [a0, a1, b0, b1, last diagonal]
    for i0, i1, j0, j1 in _runs(a, b, config):
        for region in reversed(regions[-8:]):  # recent regions only: runs come in order of a0
            a0, a1, b0, b1, diagonal = region
            if i0 <= a1 + gap and b0 <= j0 <= b1 + gap and abs((j0 - i0) - diagonal) <= gap:
                region[1], region[3], region[4] = max(a1, i1), max(b1, j1), j0 - i0
                break
        else:
            regions.append([i0, i1, j0, j1, j0 - i0])
    # Chains on different diagonals can cover the same text (a repeated phrase); keep the longest.
    regions.sort(key=lambda region: (-(region[1] - region[0]), region[0], region[2]))
    kept: list[tuple[int, int, int, int]] = []
    for a0, a1, b0, b1, _ in regions:
        if all(a1 <= k0 or a0 >= k1 for k0, k1, _, _ in kept) and all(b1 <= k2 or b0 >= k3 for _, _, k2, k3 in kept):
            kept.append((a0, a1, b0, b1))
    return sorted(kept)


def _similar_tails(tail_a: npt.NDArray[np.uint64], tail_b: npt.NDArray[np.uint64]) -> bool:
    """Whether two sentence tails still share words and differ by little (a variant slot or two)."""
    if len(tail_a) == 0 or len(tail_b) == 0 or len(tail_a) > 12 or len(tail_b) > 12:
        return False
    matched = (len(tail_a) + len(tail_b) - Indel.distance(tail_a.tolist(), tail_b.tolist())) // 2
    unmatched = max(len(tail_a), len(tail_b)) - matched
    return matched >= 1 and unmatched <= 2 * matched + 3


def _extend_to_sentences(
    a: DocumentTokens, b: DocumentTokens, a0: int, a1: int, b0: int, b1: int
) -> tuple[int, int, int, int]:
    a_end, b_end = a.sentence_end[a1 - 1], b.sentence_end[b1 - 1]
    if (a_end > a1 or b_end > b1) and _similar_tails(a.hashes[a1:a_end], b.hashes[b1:b_end]):
        a1, b1 = a_end, b_end
    a_start, b_start = a.sentence_first[a0], b.sentence_first[b0]
    if (a_start < a0 or b_start < b0) and _similar_tails(a.hashes[a_start:a0][::-1], b.hashes[b_start:b0][::-1]):
        a0, b0 = a_start, b_start
    return a0, a1, b0, b1


def _passage(a: DocumentTokens, b: DocumentTokens, a0: int, a1: int, b0: int, b1: int) -> Passage:
    opcodes = Indel.opcodes(a.hashes[a0:a1].tolist(), b.hashes[b0:b1].tolist())
    aligned = sum(op.src_end - op.src_start for op in opcodes if op.tag == "equal")
    a_start, a_end = int(a.starts[a0]), int(a.ends[a1 - 1])
    b_start, b_end = int(b.starts[b0]), int(b.ends[b1 - 1])
    return Passage(
        a_start=a_start,
        a_end=a_end,
        b_start=b_start,
        b_end=b_end,
        a_text=a.text[a_start:a_end],
        b_text=b.text[b_start:b_end],
        score=round(2 * aligned / ((a1 - a0) + (b1 - b0)), 6),
        aligned=aligned,
        pattern=_pattern(a, b, a0, b0, opcodes),
    )


def segments(a: DocumentTokens, b: DocumentTokens, passage: Passage) -> list[Segment]:
    """The passage as alternating runs of words both keep and variant slots, with each side's text.

    Each side's text runs from the segment's first token to its last; the text
    between segments is in ``a_gap``/``b_gap`` (before the segment).
    """
    a0, a1 = _token_range(a, passage.a_start, passage.a_end)
    b0, b1 = _token_range(b, passage.b_start, passage.b_end)
    out = []
    a_previous, b_previous = a0, b0
    for kept, sa, ea, sb, eb in _pieces(Indel.opcodes(a.hashes[a0:a1].tolist(), b.hashes[b0:b1].tolist()), a0, b0):
        out.append(Segment(
            kept,
            _tokens_text(a, sa, ea),
            _tokens_text(b, sb, eb),
            a.text[a.ends[a_previous - 1] : a.starts[sa]] if sa > a0 and ea > sa else "",
            b.text[b.ends[b_previous - 1] : b.starts[sb]] if sb > b0 and eb > sb else "",
        ))
        a_previous, b_previous = (ea if ea > sa else a_previous), (eb if eb > sb else b_previous)
    return out


def _token_range(doc: DocumentTokens, start: int, end: int) -> tuple[int, int]:
    return int(np.searchsorted(doc.starts, start, side="left")), int(np.searchsorted(doc.ends, end, side="right"))


def _pieces(opcodes, a0: int, b0: int) -> list[tuple[bool, int, int, int, int]]:
    """Opcodes grouped into alternating kept runs and variant slots: ``(kept, a from, a to, b from, b to)``."""
    pieces: list[tuple[bool, int, int, int, int]] = []
    for op in opcodes:
        kept = op.tag == "equal"
        if pieces and not kept and not pieces[-1][0]:
            _, sa, _, sb, _ = pieces[-1]
            pieces[-1] = (False, sa, a0 + op.src_end, sb, b0 + op.dest_end)
        else:
            pieces.append((kept, a0 + op.src_start, a0 + op.src_end, b0 + op.dest_start, b0 + op.dest_end))
    return pieces


def _pattern(a: DocumentTokens, b: DocumentTokens, a0: int, b0: int, opcodes) -> str:
    """a's text of the passage with each run of differing words written ``{a's words|b's words}``."""
    out: list[str] = []
    previous_end: int | None = None  # a's token after the last one written
    for kept, sa, ea, sb, eb in _pieces(opcodes, a0, b0):
        if previous_end is not None and ea > sa:
            gap = a.text[a.ends[previous_end - 1] : a.starts[sa]]
            out.append(gap if gap == "" or gap.strip() else " ")
        elif out:
            out.append(" ")
        if kept:
            out.append(_tokens_text(a, sa, ea))
        else:
            out.append("{" + _tokens_text(a, sa, ea) + "|" + _tokens_text(b, sb, eb) + "}")
        if ea > sa:
            previous_end = ea
    return "".join(out)


def _tokens_text(doc: DocumentTokens, first: int, last: int) -> str:
    """Original text from token ``first`` to token ``last - 1``; empty if there are none."""
    return doc.text[doc.starts[first] : doc.ends[last - 1]] if last > first else ""
