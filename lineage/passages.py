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
   between them. A region longer than ``_WINDOW`` words (a whole book pasted
   into another) is aligned a window at a time (:func:`opcodes`), so that time
   and memory grow with its length rather than with its square.
4. **Sentence tails**: a passage that stops inside a sentence is extended to
   the end of the sentence (and back to its start) on both sides when the rest
   of the two sentences still shares words and differs by little, so that
   "... Zhangjiang {High-Tech Park|Science City laboratories} never {sleeps|dims}"
   is one passage rather than ending at "Zhangjiang".
5. **Joins**: passages that overlap or touch in order on both sides are one;
   so are two passages with one rewritten sentence between them (``config.bridge``
   whole sentences on each side, at least 30% of their words aligned), the way
   a spinner rewrites one sentence of a paragraph and keeps the rest. A sentence
   moved into a stretch that another passage skips is a passage of its own.

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
from rapidfuzz.distance import Indel, Opcode

from lineage.config import PassageConfig
from lineage.shingles import token_hashes
from lineage.text import codepoints, token_spans
from lineage.injections import masked
from lineage.types import Injection, Passage, Segment

_SENTENCE_MARK = re.compile(r"[.!?。！？\n]")
_PAIRS_PER_CHUNK = 4096
# Word-level similarity (Indel) two sentences need to be bridged as one rewritten sentence: the
# 99th percentile of unrelated same-topic sentence pairs in Clough is 0.29 (function words).
_BRIDGE_SIMILARITY = 0.3
# Words a side aligned exactly at once. rapidfuzz's alignment costs time and memory in the product of
# the two lengths (100,000 words a side: 5 s and 1.2 GB); in windows of 4,096 it costs about 1 ms each.
_WINDOW = 4096


@dataclass(frozen=True, slots=True)
class DocumentTokens:
    """A document's text and its word tokens: character offsets and hashes of normal forms."""

    text: str
    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]
    hashes: npt.NDArray[np.uint64]
    sentence_first: list[int]  # per token: the first token of its sentence
    sentence_end: list[int]  # per token: the token after its sentence's last
    hidden: tuple[Injection, ...] = ()  # spans whose tokens were left out; patterns leave their text out too

    def __len__(self) -> int:
        return len(self.hashes)


def document_tokens(
    texts: Sequence[str], hidden: Sequence[Sequence[Injection]] | None = None
) -> list[DocumentTokens]:
    """Tokens of many texts at once (offsets into each text), without those inside ``hidden[i]`` spans."""
    shown = texts if hidden is None else [masked(text, spans) for text, spans in zip(texts, hidden)]
    units, text_starts = codepoints(shown)
    indptr, starts, ends = token_spans(units, text_starts)
    hashes = token_hashes(units, starts, ends)
    out = []
    for i, text in enumerate(texts):
        span = slice(indptr[i], indptr[i + 1])
        doc_starts, doc_ends = starts[span] - text_starts[i], ends[span] - text_starts[i]
        first, end = _sentences(text, doc_starts, doc_ends)
        spans = () if hidden is None else tuple(hidden[i])
        out.append(DocumentTokens(text, doc_starts, doc_ends, hashes[span], first, end, spans))
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
    texts: Sequence[str],
    pairs: Sequence[tuple[int, int]],
    config: PassageConfig = PassageConfig(),
    *,
    hidden: Sequence[Sequence[Injection]] | None = None,
) -> list[tuple[Passage, ...]]:
    """The passages of each pair ``(i, j)`` of ``texts``, aligning no token inside ``hidden[i]``'s spans.

    Pairs are taken a chunk at a time, in order, and only the documents a chunk
    needs are tokenised, so memory holds a few thousand documents' tokens.
    """
    out: list[tuple[Passage, ...]] = [()] * len(pairs)
    order = sorted(range(len(pairs)), key=lambda k: pairs[k])
    for lo in range(0, len(order), _PAIRS_PER_CHUNK):
        chunk = order[lo : lo + _PAIRS_PER_CHUNK]
        needed = sorted({doc for k in chunk for doc in pairs[k]})
        spans = None if hidden is None else [hidden[doc] for doc in needed]
        tokens = dict(zip(needed, document_tokens([texts[doc] for doc in needed], spans)))
        for k in chunk:
            a, b = pairs[k]
            out[k] = align(tokens[a], tokens[b], config)
    return out


def align(a: DocumentTokens, b: DocumentTokens, config: PassageConfig = PassageConfig()) -> tuple[Passage, ...]:
    """The passages ``a`` and ``b`` share, in ``a``'s order."""
    found: list[tuple[int, int, int, int]] = []
    # Found passages that can still hold a later region: regions come in order of a0 and end after it,
    # so a passage ending at or before a region's a0 holds none of the rest (the last may still grow).
    # Checking only these keeps two books with thousands of shared sentences from taking minutes.
    open_passages: list[int] = []
    for region in _regions(a, b, config):
        open_passages = [k for k in open_passages if found[k][1] > region[0] or k == len(found) - 1]
        region = _extend_to_sentences(a, b, *region)
        if _aligned(a, b, *region) < config.min_tokens or any(_within(region, found[k]) for k in open_passages):
            continue
        if found and (_touches(found[-1], region) or _bridges(a, b, found[-1], region, config)):
            found[-1] = (found[-1][0], region[1], found[-1][2], region[3])
        else:
            found.append(region)
            open_passages.append(len(found) - 1)
    # Extended back to a sentence start, a later region can begin before an earlier passage.
    return tuple(_passage(a, b, *region) for region in sorted(found))


def _aligned(a: DocumentTokens, b: DocumentTokens, a0: int, a1: int, b0: int, b1: int) -> int:
    """How many words of the region the alignment keeps (what ``_passage`` counts, without building it)."""
    words_a, words_b = a.hashes[a0:a1].tolist(), b.hashes[b0:b1].tolist()
    if len(words_a) > _WINDOW or len(words_b) > _WINDOW:
        return sum(op.src_end - op.src_start for op in opcodes(words_a, words_b) if op.tag == "equal")
    return (len(words_a) + len(words_b) - Indel.distance(words_a, words_b)) // 2


def opcodes(words_a: list[int], words_b: list[int]) -> list[Opcode]:
    """``Indel.opcodes(words_a, words_b)``, aligned ``_WINDOW`` words a side at a time when longer.

    Each window is aligned whole and kept up to its last pair of aligned words
    inside the first half of both sides; the next window starts after that
    pair. Up to ``_WINDOW`` words a side this is the exact alignment; beyond, a
    region is a chain of seeds at most ``max_gap`` words apart, so a window
    always holds the path of the alignment, and time and memory are linear in
    the region's length.
    """
    if len(words_a) <= _WINDOW and len(words_b) <= _WINDOW:
        return list(Indel.opcodes(words_a, words_b))
    out: list[Opcode] = []
    i = j = 0
    while i < len(words_a) or j < len(words_b):
        window = Indel.opcodes(words_a[i : i + _WINDOW], words_b[j : j + _WINDOW])
        last = i + _WINDOW >= len(words_a) and j + _WINDOW >= len(words_b)
        x, y = (window.src_len, window.dest_len) if last else _window_cut(window)
        for op in window:
            if op.src_start >= x and op.dest_start >= y:
                break
            tag, src_end, dest_end = op.tag, i + min(op.src_end, x), j + min(op.dest_end, y)
            if out and out[-1].tag == tag == "equal":  # one run across the windows' seam
                previous = out.pop()
                out.append(Opcode(tag, previous.src_start, src_end, previous.dest_start, dest_end))
            else:
                out.append(Opcode(tag, i + op.src_start, src_end, j + op.dest_start, dest_end))
        i, j = i + x, j + y
    return out


def _window_cut(window) -> tuple[int, int]:
    """Words of each side to keep from a window: up to its last aligned pair in the first half of both.

    Without one, up to the first aligned pair; without any, the whole window.
    """
    half = _WINDOW // 2
    cut = None
    for op in window:
        if op.tag != "equal":
            continue
        if op.src_start < half and op.dest_start < half:
            kept = min(op.src_end - op.src_start, half - op.src_start, half - op.dest_start)
            cut = (op.src_start + kept, op.dest_start + kept)
        else:
            return cut or (op.src_start + 1, op.dest_start + 1)
    return cut or (window.src_len, window.dest_len)


def _within(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    """Whether ``inner`` lies inside ``outer`` on both sides (a moved sentence inside a longer passage)."""
    return outer[0] <= inner[0] and inner[1] <= outer[1] and outer[2] <= inner[2] and inner[3] <= outer[3]


def _touches(left: tuple[int, int, int, int], right: tuple[int, int, int, int]) -> bool:
    """Whether ``right`` continues ``left`` on both sides, overlapping or adjacent (sentence ends reach it)."""
    return (left[0] <= right[0] <= left[1] < right[1]) and (left[2] <= right[2] <= left[3] < right[3])


def _bridges(
    a: DocumentTokens, b: DocumentTokens, left: tuple[int, int, int, int], right: tuple[int, int, int, int],
    config: PassageConfig,
) -> bool:
    """Whether two passages are one passage with rewritten sentences between them.

    They are when the text between them is, on each side, the same number of
    sentences (at most ``config.bridge``; a passage may run into them by less
    than a seed, as seeds span sentence breaks) and they are alike enough to be
    one rewrite of the other.
    """
    a_gap, b_gap = (left[1], right[0]), (left[3], right[2])
    slack = config.seed - 1
    count_a, count_b = _gap_sentences(a, *a_gap, slack), _gap_sentences(b, *b_gap, slack)
    if not 0 < count_a == count_b <= config.bridge:
        return False
    words_a, words_b = a.hashes[a_gap[0] : a_gap[1]].tolist(), b.hashes[b_gap[0] : b_gap[1]].tolist()
    if len(words_a) > _WINDOW or len(words_b) > _WINDOW:
        return False  # thousands of words between full stops: no rewritten sentence
    return Indel.normalized_similarity(words_a, words_b) >= _BRIDGE_SIMILARITY


def _gap_sentences(doc: DocumentTokens, first: int, end: int, slack: int) -> int:
    """How many sentences tokens ``[first, end)`` are, short of at most ``slack`` words at either end; else 0."""
    if first >= end:
        return 0
    start, stop = doc.sentence_first[first], doc.sentence_end[end - 1]
    if first - start > slack or stop - end > slack:
        return 0
    count = 0
    while start < stop:
        start, count = doc.sentence_end[start], count + 1
    return count


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
    regions: list[list] = []  # [a0, a1, b0, b1, last diagonal, runs]
    for run in _runs(a, b, config):
        i0, i1, j0, j1 = run
        for region in reversed(regions[-8:]):  # recent regions only: runs come in order of a0
            a0, a1, b0, b1, diagonal, runs = region
            if i0 <= a1 + gap and b0 <= j0 <= b1 + gap and abs((j0 - i0) - diagonal) <= gap:
                region[1], region[3], region[4] = max(a1, i1), max(b1, j1), j0 - i0
                runs.append(run)
                break
        else:
            regions.append([i0, i1, j0, j1, j0 - i0, [run]])
    # Chains on different diagonals can cover the same words (a repeated phrase); keep the longest.
    # A chain may still fall inside another's span where that one has no seeds: a sentence moved
    # into a stretch the other skips as inserted text is a passage of its own.
    regions.sort(key=lambda region: (-(region[1] - region[0]), region[0], region[2]))
    # Seeds straddling a sentence break can overlap a neighbour's by a word or two: the shorter
    # chain is trimmed rather than dropped.
    slack = config.seed - 1
    kept: list[tuple[int, int, int, int]] = []
    seeded_a, seeded_b = _Seeded(len(a)), _Seeded(len(b))  # tokens inside the seeds of kept chains
    for a0, a1, b0, b1, _, runs in regions:
        if any(seeded_a.count(run[0], run[1]) > slack or seeded_b.count(run[2], run[3]) > slack for run in runs):
            continue
        cut = max(seeded_a.run_from(a0), seeded_b.run_from(b0))
        a0, b0 = a0 + cut, b0 + cut  # both sides alike, keeping the diagonal
        cut = max(seeded_a.run_before(a1), seeded_b.run_before(b1))
        a1, b1 = a1 - cut, b1 - cut
        for run in runs:
            seeded_a.mark(run[0], run[1])
            seeded_b.mark(run[2], run[3])
        if a0 < a1 and b0 < b1:
            kept.append((a0, a1, b0, b1))
    return sorted(kept)


class _Seeded:
    """Which tokens of a document lie in kept seeds: one byte per token, counted and searched in C."""

    def __init__(self, size: int) -> None:
        self.marks = bytearray(size)

    def mark(self, start: int, end: int) -> None:
        self.marks[start:end] = b"\x01" * (end - start)

    def count(self, start: int, end: int) -> int:
        return self.marks.count(1, start, end)

    def run_from(self, first: int) -> int:
        """How many tokens from ``first`` on are marked without a break."""
        free = self.marks.find(0, first)
        return (len(self.marks) if free < 0 else free) - first

    def run_before(self, end: int) -> int:
        """How many tokens before ``end`` are marked without a break."""
        return end - 1 - self.marks.rfind(0, 0, end)


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
    aligned_ops = opcodes(a.hashes[a0:a1].tolist(), b.hashes[b0:b1].tolist())
    aligned = sum(op.src_end - op.src_start for op in aligned_ops if op.tag == "equal")
    a_start, a_end = int(a.starts[a0]), int(a.ends[a1 - 1])
    b_start, b_end = int(b.starts[b0]), int(b.ends[b1 - 1])
    return Passage(
        a_start=a_start,
        a_end=a_end,
        b_start=b_start,
        b_end=b_end,
        score=round(2 * aligned / ((a1 - a0) + (b1 - b0)), 6),
        aligned=aligned,
        pattern=_pattern(a, b, a0, b0, aligned_ops),
        text_a=a.text,
        text_b=b.text,
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
    for kept, sa, ea, sb, eb in _pieces(opcodes(a.hashes[a0:a1].tolist(), b.hashes[b0:b1].tolist()), a0, b0):
        out.append(Segment(
            kept,
            _tokens_text(a, sa, ea),
            _tokens_text(b, sb, eb),
            _shown(a, a.ends[a_previous - 1], a.starts[sa]) if sa > a0 and ea > sa else "",
            _shown(b, b.ends[b_previous - 1], b.starts[sb]) if sb > b0 and eb > sb else "",
        ))
        a_previous, b_previous = (ea if ea > sa else a_previous), (eb if eb > sb else b_previous)
    return out


def variant_spans(a: DocumentTokens, b: DocumentTokens, passage: Passage) -> list[tuple[int, int, int, int]]:
    """The passage's variant slots as character spans ``(a_start, a_end, b_start, b_end)`` into both texts.

    A side that drops the slot's words has an empty span where they would be
    (after the kept word before them). The same alignment as the passage's ``pattern``.
    """
    a0, a1 = _token_range(a, passage.a_start, passage.a_end)
    b0, b1 = _token_range(b, passage.b_start, passage.b_end)
    opcodes = Indel.opcodes(a.hashes[a0:a1].tolist(), b.hashes[b0:b1].tolist())
    return [(*_span(a, sa, ea), *_span(b, sb, eb)) for kept, sa, ea, sb, eb in _pieces(opcodes, a0, b0) if not kept]


def _span(doc: DocumentTokens, first: int, last: int) -> tuple[int, int]:
    """Characters of tokens ``first`` to ``last - 1``; when there are none, an empty span after token ``first - 1``."""
    if last > first:
        return int(doc.starts[first]), int(doc.ends[last - 1])
    at = int(doc.ends[first - 1]) if first > 0 else 0
    return at, at


def _token_range(doc: DocumentTokens, start: int, end: int) -> tuple[int, int]:
    return int(np.searchsorted(doc.starts, start, side="left")), int(np.searchsorted(doc.ends, end, side="right"))


def _pieces(aligned_ops, a0: int, b0: int) -> list[tuple[bool, int, int, int, int]]:
    """Opcodes grouped into alternating kept runs and variant slots: ``(kept, a from, a to, b from, b to)``."""
    pieces: list[tuple[bool, int, int, int, int]] = []
    for op in aligned_ops:
        kept = op.tag == "equal"
        if pieces and not kept and not pieces[-1][0]:
            _, sa, _, sb, _ = pieces[-1]
            pieces[-1] = (False, sa, a0 + op.src_end, sb, b0 + op.dest_end)
        else:
            pieces.append((kept, a0 + op.src_start, a0 + op.src_end, b0 + op.dest_start, b0 + op.dest_end))
    return pieces


def _pattern(a: DocumentTokens, b: DocumentTokens, a0: int, b0: int, aligned_ops) -> str:
    """a's text of the passage with each run of differing words written ``{a's words|b's words}``."""
    out: list[str] = []
    previous_end: int | None = None  # a's token after the last one written
    for kept, sa, ea, sb, eb in _pieces(aligned_ops, a0, b0):
        if previous_end is not None and ea > sa:
            gap = _shown(a, a.ends[previous_end - 1], a.starts[sa])
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
    return _shown(doc, doc.starts[first], doc.ends[last - 1]) if last > first else ""


def _shown(doc: DocumentTokens, start: int, end: int) -> str:
    """``doc.text[start:end]`` without its hidden spans, each with the space after it."""
    inside = [span for span in doc.hidden if span.start < end and span.end > start]
    if not inside:
        return doc.text[start:end]
    pieces = []
    for span in inside:
        pieces.append(doc.text[start : max(start, span.start)])
        start = max(start, span.end)
        while start < end and doc.text[start] in " \t":
            start += 1
    pieces.append(doc.text[start:end])
    return "".join(pieces)
