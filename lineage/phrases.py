"""Phrases: passages that several documents share, merged into one pattern with variant slots.

Each passage of a pair is two occurrences, one in each document, and joins
them. Occurrences in one document that overlap by at least 80% of the longer
join too, so a sentence that 001 shares with 002 and with 003 becomes one
phrase of three documents, while a short phrase inside a longer shared
sentence stays a phrase of its own. Each phrase's occurrences are aligned to a
reference occurrence (the one in the document with the most links); words that
every occurrence keeps are written as they are, and each run between them
where any occurrence differs becomes a slot ``{variant|variant|...}``.

Phrases are ranked by the evidence they carry: the words every occurrence
keeps, times the number of other documents holding them, times how rare the
phrase's shingles are in the corpus (their mean ``log((N + 1) / df)``), so that
a stock phrase or a string injected into every page weighs less than a
template sentence two rewrites share.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from lineage.text import tokenize
from lineage.passages import DocumentTokens, document_tokens, opcodes
from lineage.types import Injection, Occurrence, Pair, Phrase

_SAME_OCCURRENCE = 0.8  # overlap, as a share of the longer span, that makes two occurrences one
TEMPLATE_PHRASES = 40  # a family template's phrases at most: the skeleton, not every shared scrap
_TEMPLATE_OVERLAP = 0.5  # share of a phrase's word 3-grams that stronger template phrases say: left out
_PHRASES_PER_CHUNK = 2048  # phrases whose occurrences are tokenised together
_SHOWN_VARIANTS = 6  # variants a slot shows at most: the 5 most frequent and "… N more"
_SHOWN_VARIANT_CHARS = 60  # a longer variant is shown as its first and last words


def merge_phrases(
    pairs: Sequence[Pair],
    texts: Mapping[str, str],
    rarity: Callable[[list[str]], npt.NDArray[np.float64]] | None = None,
    hidden: Mapping[str, Sequence[Injection]] | None = None,
) -> tuple[Phrase, ...]:
    """The phrases of the passages of ``pairs``, best first; ``texts`` maps document ids to text.

    ``rarity`` gives each of a list of texts a weight (how rare its shingles are
    in the corpus); without it every phrase weighs 1. Patterns leave out the
    spans in ``hidden`` (injected keywords, by document id), as the passages did.
    """
    hidden = hidden or {}
    grouped, doc_ids, docs, starts, ends = _groups(pairs)
    phrases: list[Phrase] = []
    for lo in range(0, len(grouped), _PHRASES_PER_CHUNK):  # tokenised a chunk at a time: one call, not thousands
        shapes = [_occurrences([(doc_ids[doc], start, end) for doc, start, end in
                                zip(docs[nodes].tolist(), starts[nodes].tolist(), ends[nodes].tolist())], texts)
                  for nodes in grouped[lo : lo + _PHRASES_PER_CHUNK]]
        pieces = [(doc, longest[doc]) for _, longest, _ in shapes for doc in sorted(longest)]
        inside = [
            [replace(span, start=span.start - start, end=span.end - start)
             for span in hidden.get(doc, ()) if span.start >= start and span.end <= end]
            for doc, (start, end) in pieces
        ]
        tokens = iter(document_tokens([texts[doc][start:end] for doc, (start, end) in pieces], inside))
        for occurrences, longest, reference in shapes:
            tokens_of = {doc: next(tokens) for doc in sorted(longest)}
            pattern, words = _pattern(tokens_of[reference], [tokens_of[doc] for doc in tokens_of if doc != reference])
            members = tuple(tokens_of)
            phrases.append(Phrase("", pattern, members, occurrences, words, float(words * (len(members) - 1))))
    if rarity is not None and phrases:
        weights = rarity([phrase.occurrences[0].text for phrase in phrases])
        phrases = [replace(phrase, score=round(phrase.score * float(weight), 6)) for phrase, weight in zip(phrases, weights)]
    phrases.sort(key=lambda phrase: (-phrase.score, -phrase.words, phrase.pattern))
    return tuple(
        Phrase(f"P{number}", phrase.pattern, phrase.docs, phrase.occurrences, phrase.words, phrase.score)
        for number, phrase in enumerate(phrases, start=1)
    )


def _groups(
    pairs: Sequence[Pair],
) -> tuple[list[npt.NDArray[np.int64]], list[str], npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The passages' occurrences grouped into phrases: node numbers per group, and each node's document, start, end.

    Node ``2k`` and ``2k + 1`` are the two sides of the k-th passage and are
    joined; so are two nodes of one document that overlap by ``_SAME_OCCURRENCE``
    of the longer, taken in order of start. Groups come in order of their first
    node, nodes in order. (Arrays and scipy's connected components: a
    100,000-document corpus has millions of occurrences.)
    """
    doc_ids = sorted({doc for pair in pairs if pair.passages for doc in (pair.a, pair.b)})
    number = {doc: k for k, doc in enumerate(doc_ids)}
    count = sum(len(pair.passages) for pair in pairs)
    docs, starts, ends = (np.empty(2 * count, dtype=np.int64) for _ in range(3))
    for column, values in (  # one pass each, into arrays: no tuple per passage
        (docs[0::2], (number[pair.a] for pair in pairs for _ in pair.passages)),
        (docs[1::2], (number[pair.b] for pair in pairs for _ in pair.passages)),
        (starts[0::2], (passage.a_start for pair in pairs for passage in pair.passages)),
        (starts[1::2], (passage.b_start for pair in pairs for passage in pair.passages)),
        (ends[0::2], (passage.a_end for pair in pairs for passage in pair.passages)),
        (ends[1::2], (passage.b_end for pair in pairs for passage in pair.passages)),
    ):
        column[:] = np.fromiter(values, dtype=np.int64, count=count)
    n = len(docs)
    order = np.lexsort((ends, starts, docs))
    left, right = order[:-1], order[1:]
    overlap = np.minimum(ends[left], ends[right]) - np.maximum(starts[left], starts[right])
    longer = np.maximum(ends[left] - starts[left], ends[right] - starts[right])
    same = (docs[left] == docs[right]) & (overlap >= _SAME_OCCURRENCE * longer)
    source = np.concatenate([np.arange(0, n, 2), left[same]])
    target = np.concatenate([np.arange(1, n, 2), right[same]])
    graph = sparse.coo_array((np.ones(len(source), dtype=np.int8), (source, target)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    by_label = np.argsort(labels, kind="stable")  # nodes of each group together, in order
    bounds = np.flatnonzero(np.diff(labels[by_label])) + 1
    groups = np.split(by_label, bounds) if n else []
    groups.sort(key=lambda nodes: int(nodes[0]))
    return groups, doc_ids, docs, starts, ends


def _occurrences(
    spans: list[tuple[str, int, int]], texts: Mapping[str, str]
) -> tuple[tuple[Occurrence, ...], dict[str, tuple[int, int]], str]:
    """A phrase's occurrences (overlapping spans in one document become one), each document's longest, and
    the reference document (the one with the most spans)."""
    by_doc: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for doc, start, end in spans:
        by_doc[doc].append((start, end))
    occurrences = []
    longest: dict[str, tuple[int, int]] = {}
    for doc in sorted(by_doc):
        merged: list[list[int]] = []
        for start, end in sorted(by_doc[doc]):
            if merged and start < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        occurrences += [Occurrence(doc, start, end, doc_text=texts[doc]) for start, end in merged]
        longest[doc] = max(((start, end) for start, end in merged), key=lambda span: (span[1] - span[0], -span[0]))
    reference = min(by_doc, key=lambda doc: (-len(by_doc[doc]), doc))
    return tuple(occurrences), longest, reference


def _pattern(reference: DocumentTokens, others: list[DocumentTokens]) -> tuple[str, int]:
    """The reference's text with every run that some occurrence changes written as ``{a|b|...}``.

    A slot at either end that some occurrence leaves empty is left out: the
    occurrences merely start or stop at different words. A slot with more than
    ``_SHOWN_VARIANTS`` variants shows the most frequent and ``… N more``, and a
    variant longer than ``_SHOWN_VARIANT_CHARS`` is shortened in its middle: a
    phrase of a hundred rewrites stays readable (the occurrences keep every text).
    """
    n = len(reference)
    matches = []  # per other occurrence: reference token -> its token, or -1
    for other in others:
        match = [-1] * n
        for op in opcodes(reference.hashes.tolist(), other.hashes.tolist()):
            if op.tag == "equal":
                for offset in range(op.src_end - op.src_start):
                    match[op.src_start + offset] = op.dest_start + offset
        matches.append(match)
    stable = [k for k in range(n) if all(match[k] >= 0 for match in matches)]
    out: list[str] = []
    previous = -1  # the last stable reference token written
    for anchor in [*stable, n]:
        variants = [_tokens_text(reference, previous + 1, anchor)]
        for other, match in zip(others, matches):
            first = match[previous] + 1 if previous >= 0 else 0
            last = match[anchor] if anchor < n else len(other)
            variants.append(_tokens_text(other, first, last))
        first_ref, last_ref = previous + 1, anchor  # the reference's own slot tokens
        before = reference.text[reference.ends[previous] : reference.starts[first_ref]] if previous >= 0 and first_ref < last_ref else " "
        after = reference.text[reference.ends[last_ref - 1] : reference.starts[anchor]] if anchor < n and first_ref < last_ref else " "
        at_an_end = (previous < 0 or anchor == n) and stable
        if any(variants) and not (at_an_end and not all(variants)):
            body = _slot(variants)
            out.append((before if previous >= 0 else "") + body + (after if anchor < n else ""))
        elif previous >= 0 and anchor < n:
            out.append(reference.text[reference.ends[previous] : reference.starts[anchor]])
        if anchor < n:
            out.append(reference.text[reference.starts[anchor] : reference.ends[anchor]])
        previous = anchor
    return "".join(out).strip(), len(stable)


def _slot(variants: list[str]) -> str:
    """The variants of one slot (the reference's first) as ``{a|b|...}``, or the text itself if all agree.

    Past ``_SHOWN_VARIANTS``, the most frequent (ties in order of appearance) and ``… N more``.
    """
    counts = Counter(variants)
    if len(counts) == 1:
        return variants[0]
    distinct = list(counts)  # in order of first appearance, the reference's first
    if len(distinct) > _SHOWN_VARIANTS:
        distinct = sorted(distinct, key=lambda variant: -counts[variant])[: _SHOWN_VARIANTS - 1]
        distinct.append(f"… {len(counts) - _SHOWN_VARIANTS + 1} more")
    return "{" + "|".join(_shortened(variant) for variant in distinct) + "}"


def _shortened(variant: str) -> str:
    """``variant``, or its first and last words with `` … `` between when it is longer than the limit."""
    if len(variant) <= _SHOWN_VARIANT_CHARS:
        return variant
    head = variant[: _SHOWN_VARIANT_CHARS * 2 // 3]
    tail = variant[-(_SHOWN_VARIANT_CHARS // 3) :]
    head = head[: head.rfind(" ")] if " " in head[1:] else head
    tail = tail[tail.find(" ") + 1 :] if " " in tail[:-1] else tail
    return f"{head.rstrip()} … {tail.lstrip()}"


def _tokens_text(doc: DocumentTokens, first: int, last: int) -> str:
    return doc.text[doc.starts[first] : doc.ends[last - 1]] if last > first else ""


def family_template(
    phrases: Sequence[Phrase], members: Sequence[str], lengths: Mapping[str, int], limit: int = TEMPLATE_PHRASES
) -> tuple[str, tuple[str, ...]]:
    """A family's likely template: the phrases two or more members share, in text order, joined by " … ".

    The ``limit`` strongest such phrases are kept (phrases come strongest
    first), but not one whose words (3-grams of its occurrences in the family)
    a stronger kept phrase mostly says already, and put in the order they
    take in the members' texts: each by the
    median of its occurrences' relative positions (start over the member's
    length, from ``lengths``). Returns the template and its phrase ids;
    ``("", ())`` when the members share no phrase.
    """
    return family_templates(phrases, [members], lengths, limit)[0]


def family_templates(
    phrases: Sequence[Phrase],
    families: Sequence[Sequence[str]],
    lengths: Mapping[str, int],
    limit: int = TEMPLATE_PHRASES,
) -> list[tuple[str, tuple[str, ...]]]:
    """:func:`family_template` for each of ``families`` (disjoint lists of member ids), in one pass over the phrases.

    Each occurrence is looked at once, so the cost grows with the corpus, not
    with families times phrases (a 100,000-document corpus has thousands of both).
    """
    family_of = {member: number for number, members in enumerate(families) for member in members}
    kept: list[list[tuple[float, str, str]]] = [[] for _ in families]
    said: list[Counter[tuple[str, ...]]] = [Counter() for _ in families]  # the kept phrases' word 3-grams
    grams_of: dict[tuple[int, str], set[tuple[str, ...]]] = {}  # by family and phrase: its words differ by family
    for phrase in phrases:
        found: dict[int, list[Occurrence]] = defaultdict(list)
        for occurrence in phrase.occurrences:
            number = family_of.get(occurrence.doc)
            if number is not None and len(kept[number]) < limit:
                found[number].append(occurrence)
        for number, occurrences in found.items():
            if len({occurrence.doc for occurrence in occurrences}) < 2:
                continue
            # A weaker phrase over words a stronger one already says (the same text aligned in other
            # pairs, cut elsewhere) would put them in the template twice.
            grams = set().union(*(_word_grams(occurrence.text) for occurrence in occurrences))
            if _said_already(grams, said[number]):
                continue
            said[number].update(grams)
            grams_of[number, phrase.id] = grams
            spots = [occurrence.start / max(lengths[occurrence.doc], 1) for occurrence in occurrences]
            kept[number].append((float(np.median(spots)), phrase.id, phrase.pattern))
    templates = []
    for number, chosen in enumerate(kept):
        # And a stronger phrase that a weaker one kept after it says in full (a name, then its sentence).
        for entry in reversed(chosen[:]):
            grams = grams_of[number, entry[1]]
            said[number].subtract(grams)
            if _said_already(grams, said[number]):
                chosen.remove(entry)
            else:
                said[number].update(grams)
        chosen.sort()
        templates.append((" … ".join(pattern for _, _, pattern in chosen), tuple(phrase_id for _, phrase_id, _ in chosen)))
    return templates


def _said_already(grams: set[tuple[str, ...]], said: Counter[tuple[str, ...]]) -> bool:
    """Whether most of ``grams`` are in ``said`` (counts of other phrases' 3-grams)."""
    return sum(said[gram] > 0 for gram in grams) > _TEMPLATE_OVERLAP * len(grams)


def _word_grams(text: str) -> set[tuple[str, ...]]:
    """The word 3-grams of ``text``, normalised as shingles are (its words, when it has fewer than three)."""
    words = tokenize(text).norms
    return {tuple(words[k : k + 3]) for k in range(max(len(words) - 2, 1))} if words else set()
