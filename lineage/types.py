"""Typed records that flow between the stages of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from lineage.config import AnalyzeConfig


Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` while a long stage runs; ``total`` is 0 while unknown."""


def no_progress(stage: str, done: int, total: int) -> None:
    """The progress callback that reports nothing."""


@dataclass(frozen=True, slots=True)
class Document:
    """One decoded input document. Offsets elsewhere index into ``text``."""

    id: str
    source: str
    text: str
    encoding: str
    date: str | None = None
    url: str | None = None
    raw: str | None = field(default=None, compare=False, repr=False)  # the JSONL line, when asked for
    title: str | None = None
    truncated_from: int | None = None  # characters before the text was cut to the size limit


#: Every ``SkippedInput.kind``, with what it means; the report's summary counts records by these.
SKIP_KINDS = {
    "empty": "no text (or, for an HTML page, no main text)",
    "too short": "fewer tokens than one shingle needs",
    "only boilerplate": "every shingle is boilerplate shared with many documents",
    "binary": "bytes that are not text in any encoding",
    "undecodable": "text whose bytes cannot be decoded",
    "too large": "over the size limit where it cannot be cut (an HTML page's source, a record's structure)",
    "truncated": "a compressed stream or a WARC record that ends early",
    "invalid JSON": "a JSONL line that is not JSON",
    "invalid JSONL record": "a JSONL line that is not an object with a text string",
    "invalid id": "an id that is empty, not a string or number, or holds control characters",
    "not UTF-8": "a JSONL line that is not UTF-8",
    "malformed record": "a CSV row or WARC record that cannot be read (ragged row, no text column, bad headers)",
    "not HTML": "a WARC response that is not an HTML page or plain text (an image, a script)",
    "not a response": "a WARC record that holds no page (request, metadata, warcinfo, revisit; a redirect or error page)",
    "duplicate id": "an id already read (--duplicate-ids skip)",
    "unsupported file type": "a file in a directory in no format lineage reads",
    "same file": "a file already read under another path",
    "link loop": "a symbolic link to a directory that contains it",
}
#: Skip kinds that are no page at all: a crawl is full of them, so ``--strict`` lets them pass.
NOT_PAGES = frozenset({"not HTML", "not a response"})


@dataclass(frozen=True, slots=True)
class SkippedInput:
    """An input record that is not analysed: ``kind`` (one of :data:`SKIP_KINDS`) is its category, ``reason`` the story."""

    id: str
    source: str
    kind: str
    reason: str
    encoding: str | None = None
    chars: int | None = None


@dataclass(frozen=True, slots=True)
class Tokens:
    """Tokens of one text: ``text[starts[i]:ends[i]]`` is token i, ``norms[i]`` its normal form."""

    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]
    norms: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.norms)


@dataclass(frozen=True, slots=True)
class ShingleSets:
    """Sorted, de-duplicated 64-bit shingle hashes of many documents, stored row-wise (CSR).

    Row i is ``hashes[indptr[i]:indptr[i + 1]]``.
    """

    indptr: npt.NDArray[np.int64]
    hashes: npt.NDArray[np.uint64]

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def row(self, i: int) -> npt.NDArray[np.uint64]:
        return self.hashes[self.indptr[i] : self.indptr[i + 1]]

    def sizes(self) -> npt.NDArray[np.int64]:
        return np.diff(self.indptr)


CandidateSource = Literal["lsh", "rare", "lsh+rare"]


@dataclass(frozen=True, slots=True)
class Passage:
    """A region of text two documents share: ``a_text == text_a[a_start:a_end]``, likewise for b.

    ``aligned`` counts the words both sides keep; ``score`` is their share of the
    passage's words, ``2 * aligned / (words in a + words in b)``. ``pattern`` is
    a's text with each variant slot written ``{a's words|b's words}``.

    ``text_a`` and ``text_b`` are the two documents' whole texts, the same
    objects, not copies; ``a_text`` and ``b_text`` are sliced from them when
    asked for. A 100,000-document corpus has millions of passages, and their
    copied texts took gigabytes.
    """

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    score: float
    aligned: int
    pattern: str
    text_a: str = field(repr=False, kw_only=True)
    text_b: str = field(repr=False, kw_only=True)

    @property
    def a_text(self) -> str:
        return self.text_a[self.a_start : self.a_end]

    @property
    def b_text(self) -> str:
        return self.text_b[self.b_start : self.b_end]


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of a passage: words both sides keep (``kept``), or a variant slot.

    Each side's text runs from the run's first word to its last; ``a_gap`` and
    ``b_gap`` are each side's text between the previous run and this one.
    """

    kept: bool
    a_text: str
    b_text: str
    a_gap: str
    b_gap: str


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two documents side by side: their shingle overlap and the passages they share."""

    a: Document
    b: Document
    shingle: str
    jaccard: float
    containment_a: float
    containment_b: float
    passages: tuple[Passage, ...]
    segments: tuple[tuple[Segment, ...], ...]  # each passage's runs
    injections: tuple[tuple[Injection, ...], tuple[Injection, ...]] = ((), ())  # a's and b's spam keywords


@dataclass(frozen=True, slots=True)
class Occurrence:
    """Where a phrase occurs: ``text == doc_text[start:end]``.

    ``doc_text`` is the document's whole text (the same object, not a copy);
    ``text`` is sliced from it when asked for, as passages' texts are.
    """

    doc: str
    start: int
    end: int
    doc_text: str = field(repr=False, kw_only=True)

    @property
    def text(self) -> str:
        return self.doc_text[self.start : self.end]


@dataclass(frozen=True, slots=True)
class Phrase:
    """Text several documents share: ``pattern`` shows the words all keep and ``{a|b|...}`` slots.

    ``words`` counts the words every occurrence keeps; ``score``, the ranking,
    is ``words * (len(docs) - 1)`` times the mean ``log((N + 1) / df)`` of the
    phrase's shingles in the corpus of N documents (how rare they are).
    """

    id: str
    pattern: str
    docs: tuple[str, ...]
    occurrences: tuple[Occurrence, ...]
    words: int
    score: float


@dataclass(frozen=True, slots=True)
class Injection:
    """A spam keyword injected into a document: character offsets into its text, and where it sits.

    ``placement`` is one of ``paragraph-start``, ``paragraph-end``,
    ``between-sentences``, ``line`` and ``header`` (see :mod:`lineage.injections`).
    """

    start: int
    end: int
    text: str
    placement: str


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """Injected keywords that are variants of one core, and the documents carrying any of them.

    ``keywords`` are the variants as first found, the most widespread first
    (``core`` is the first); ``keyword_docs[i]`` counts the documents holding ``keywords[i]``.
    """

    id: str
    core: str
    keywords: tuple[str, ...]
    keyword_docs: tuple[int, ...]
    docs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Operator:
    """Documents tied together by shared fingerprints: very likely one farm's pages."""

    id: str
    fingerprints: tuple[str, ...]
    docs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Pair:
    """A verified document pair: every number is exact, computed from the two shingle sets.

    ``containment_a`` is the share of a's shingles found in b. ``score`` is the
    lineage similarity: the larger containment, i.e. the share of the smaller
    set that the other document holds. ``coverage`` is the passage evidence:
    the share of the shorter document's words aligned in shared passages
    (None when passages were not aligned).
    """

    a: str
    b: str
    jaccard: float
    containment_a: float
    containment_b: float
    shared_shingles: int
    found_by: CandidateSource
    passages: tuple[Passage, ...] = ()
    coverage: float | None = None

    @property
    def score(self) -> float:
        return max(self.containment_a, self.containment_b)


@dataclass(frozen=True, slots=True)
class TreeEdge:
    """A parent → child link of a family's lineage tree.

    ``support`` is the share of bootstrap replicates whose tree has it (None
    without bootstrap); ``evidence`` says what chose it (see :mod:`lineage.lineage_tree`).
    """

    parent: str
    child: str
    score: float
    support: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Family:
    """Documents joined by verified pairs whose score reaches the family threshold.

    ``linkage`` is the family's average-linkage clustering on ``1 - score`` as
    a scipy linkage matrix over ``members`` (None above the size limit).
    ``template`` is the family's likely template: the phrases (ids in
    ``template_phrases``) two or more members share, in text order, joined by
    " … " (empty when passages were not aligned or none is shared).
    """

    id: str
    members: tuple[str, ...]
    root: str
    edges: tuple[TreeEdge, ...]
    linkage: npt.NDArray[np.float64] | None = None
    root_support: float | None = None
    template: str = ""
    template_phrases: tuple[str, ...] = ()

    @property
    def undated(self) -> bool:
        """Whether some member has no date, so that the root comes from the text alone."""
        return any(edge.evidence.get("dates") == "undated" for edge in self.edges)

    @property
    def root_note(self) -> str:
        """How the root was chosen, for a summary line: " (support 0.98)", or with "undated: from the text"
        when some member has no date; support then says how stable the text's reading is, not whether the
        root is the template ("" when neither applies)."""
        undated = "undated: from the text" if self.undated else ""
        support = "" if self.root_support is None else f"support {self.root_support:.2f}"
        return f" ({', '.join(part for part in (undated, support) if part)})" if undated or support else ""


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """What the report says about one input record."""

    id: str
    source: str
    status: Literal["ok", "skipped"]
    reason: str | None
    skip_kind: str | None
    chars: int | None
    shingles: int | None
    encoding: str | None
    family: str | None = None
    date: str | None = None
    url: str | None = None
    injections: tuple[Injection, ...] = ()
    operator: str | None = None
    title: str | None = None
    truncated_from: int | None = None


@dataclass(frozen=True, slots=True)
class Dendrogram:
    """Average-linkage clustering of documents, ready to draw (scipy linkage matrix).

    ``families[i]`` is the family of ``labels[i]`` (None for a document in none);
    ``caption`` says which documents are drawn. ``support[k]`` is the share of
    bootstrap replicates whose clustering has the clade formed by merge ``k``
    (row ``k`` of ``linkage``), NaN for a merge at distance 1 (documents that
    share nothing); None without bootstrap. For a corpus too large
    to draw document by document the leaves are whole families: ``labels`` are
    family ids and ``sizes[i]`` is the number of documents in leaf ``i``
    (``sizes`` is None when the leaves are documents).
    """

    labels: tuple[str, ...]
    linkage: npt.NDArray[np.float64]
    caption: str
    families: tuple[str | None, ...]
    support: npt.NDArray[np.float64] | None = None
    sizes: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """Everything ``analyze`` found; :func:`lineage.write_report` turns it into files."""

    config: AnalyzeConfig
    documents: tuple[DocumentRecord, ...]
    pairs: tuple[Pair, ...]
    families: tuple[Family, ...]
    newick: str
    dendrogram: Dendrogram | None
    stats: dict[str, Any] = field(default_factory=dict)
    phrases: tuple[Phrase, ...] = ()
    fingerprints: tuple[Fingerprint, ...] = ()
    operators: tuple[Operator, ...] = ()
    #: Decoded text of each analysed document by id (what the offsets in pairs and phrases refer to).
    texts: dict[str, str] = field(default_factory=dict)

    def write(self, directory: str | Path) -> list[Path]:
        """Write the report files into ``directory``; return their paths."""
        from lineage.report import write_report

        return write_report(self, directory)
