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

from lineage.passages import DocumentTokens, document_tokens, opcodes
from lineage.types import Injection, Occurrence, Pair, Phrase

_SAME_OCCURRENCE = 0.8  # overlap, as a share of the longer span, that makes two occurrences one
TEMPLATE_PHRASES = 40  # a family template's phrases at most: the skeleton, not every shared scrap
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
    spans: list[tuple[str, int, int]] = []
    parent: list[int] = []

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def union(left: int, right: int) -> None:
        left, right = find(left), find(right)
        if left != right:
            parent[max(left, right)] = min(left, right)

    links: Counter[int] = Counter()
    for pair in pairs:
        for passage in pair.passages:
            first, second = len(spans), len(spans) + 1
            spans += [(pair.a, passage.a_start, passage.a_end), (pair.b, passage.b_start, passage.b_end)]
            parent += [first, second]
            union(first, second)
            links[first] += 1
            links[second] += 1
    by_doc: dict[str, list[int]] = defaultdict(list)
    for node, (doc, _, _) in enumerate(spans):
        by_doc[doc].append(node)
    for nodes in by_doc.values():
        nodes.sort(key=lambda node: spans[node][1:])
        for left, right in zip(nodes, nodes[1:]):
            (_, start_l, end_l), (_, start_r, end_r) = spans[left], spans[right]
            overlap = min(end_l, end_r) - max(start_l, start_r)
            if overlap >= _SAME_OCCURRENCE * max(end_l - start_l, end_r - start_r):
                union(left, right)
    groups: dict[int, list[int]] = defaultdict(list)
    for node in range(len(spans)):
        groups[find(node)].append(node)
    phrases = [_phrase(nodes, spans, links, texts, hidden or {}) for nodes in groups.values()]
    if rarity is not None and phrases:
        weights = rarity([phrase.occurrences[0].text for phrase in phrases])
        phrases = [replace(phrase, score=round(phrase.score * float(weight), 6)) for phrase, weight in zip(phrases, weights)]
    phrases.sort(key=lambda phrase: (-phrase.score, -phrase.words, phrase.pattern))
    return tuple(
        Phrase(f"P{number}", phrase.pattern, phrase.docs, phrase.occurrences, phrase.words, phrase.score)
        for number, phrase in enumerate(phrases, start=1)
    )


def _phrase(
    nodes: list[int],
    spans: list[tuple[str, int, int]],
    links: Counter[int],
    texts: Mapping[str, str],
    hidden: Mapping[str, Sequence[Injection]],
) -> Phrase:
    """One phrase from its linked occurrences; overlapping spans in one document become one occurrence."""
    by_doc: dict[str, list[tuple[int, int]]] = defaultdict(list)
    weight: Counter[str] = Counter()
    for node in nodes:
        doc, start, end = spans[node]
        by_doc[doc].append((start, end))
        weight[doc] += links[node]
    occurrences = []
    longest: dict[str, tuple[int, int]] = {}
    for doc in sorted(by_doc):
        merged: list[list[int]] = []
        for start, end in sorted(by_doc[doc]):
            if merged and start < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        occurrences += [Occurrence(doc, start, end, texts[doc][start:end]) for start, end in merged]
        longest[doc] = max(((start, end) for start, end in merged), key=lambda span: (span[1] - span[0], -span[0]))
    docs = sorted(by_doc)
    reference = min(docs, key=lambda doc: (-weight[doc], doc))
    inside = [
        [replace(span, start=span.start - start, end=span.end - start)
         for span in hidden.get(doc, ()) if span.start >= start and span.end <= end]
        for doc, (start, end) in ((doc, longest[doc]) for doc in docs)
    ]
    tokens = dict(zip(docs, document_tokens([texts[doc][longest[doc][0] : longest[doc][1]] for doc in docs], inside)))
    pattern, words = _pattern(tokens[reference], [tokens[doc] for doc in docs if doc != reference])
    return Phrase("", pattern, tuple(docs), tuple(occurrences), words, float(words * (len(docs) - 1)))


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
    first) and put in the order they take in the members' texts: each by the
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
    for phrase in phrases:
        found: dict[int, list[Occurrence]] = defaultdict(list)
        for occurrence in phrase.occurrences:
            number = family_of.get(occurrence.doc)
            if number is not None and len(kept[number]) < limit:
                found[number].append(occurrence)
        for number, occurrences in found.items():
            if len({occurrence.doc for occurrence in occurrences}) < 2:
                continue
            spots = [occurrence.start / max(lengths[occurrence.doc], 1) for occurrence in occurrences]
            kept[number].append((float(np.median(spots)), phrase.id, phrase.pattern))
    templates = []
    for chosen in kept:
        chosen.sort()
        templates.append((" … ".join(pattern for _, _, pattern in chosen), tuple(phrase_id for _, phrase_id, _ in chosen)))
    return templates
