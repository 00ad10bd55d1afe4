"""Report writers: JSON, Markdown, CSV, Newick, the dendrogram images and the HTML page (lineage.html).

Every file is written to a temporary file in the output directory first and
renamed into place only when all are written, so an interrupted or failed run
never leaves a half-written report.
"""

from __future__ import annotations

import contextlib
import csv
import heapq
import io
import itertools
import json
import math
import os
import re
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import matplotlib

from lineage.errors import OutputError
from lineage.injections import keyword_key
from lineage.operators import fingerprint_ids
from lineage.plots import dendrogram_figure, lineage_figure
from lineage.types import Report

REPORT_FILES = (
    "report.json", "report.md", "pairs.csv", "phrases.csv", "fingerprints.csv", "lineage.nwk", "lineage.png", "lineage.svg",
    "dendrogram.png", "dendrogram.svg", "report.html",
)
_TOP_PAIRS = 20
_TOP_PASSAGES = 20
# report.md is for reading: past these, it points to report.json (a 100,000-document report.md ran to 116 MB).
_MD_FAMILIES = 50  # families shown with their template and tree; the rest one line each
_MD_EDGES = 200  # tree edges shown per family
_MD_TEMPLATE_CHARS = 3000
_MD_PATTERN_CHARS = 600
_MD_DOCS = 20  # a phrase's documents listed
_BACKTICK_RUNS = re.compile(r"`+")
_MARKDOWN_SPECIAL = re.compile(r"[\\`*_\[\]|#]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_CHUNK_CHARS = 1 << 20
_END = object()  # the end of an iterator, for next()
_PAIR_COLUMNS = ("a", "b", "score", "jaccard", "containment_a", "containment_b", "shared_shingles", "coverage",
                 "found_by", "family")


def prepare_output_directory(
    directory: str | Path, files: tuple[str, ...] = REPORT_FILES, what: str = "reports", noun: str = "report"
) -> Path:
    """Create ``directory`` if needed and check that ``files`` can be written there.

    Called before a long analysis so that a bad ``-o`` fails in a second, not after an hour.
    """
    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".lineage-probe.", dir=out)
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        raise OutputError(f"{out}: cannot write {what} there ({error.strerror}); pass another -o") from error
    for name in files:
        target = out / name
        if target.exists() and not target.is_file():
            raise OutputError(f"{target}: is in the way of a {noun} file; remove it or pass another -o")
    return out


def json_text(value: Any, depth: int = 0) -> str:
    """JSON with objects spread over lines and one line per list item: readable and diffable."""
    return "".join(json_chunks(value, depth))


def json_chunks(value: Any, depth: int = 0) -> Iterator[str]:
    """:func:`json_text` in pieces, one per list item, so that a large report is written without being held.

    Iterators (a report's pairs and phrases) are written as lists. ``json.dumps(indent=...)``
    falls back to the pure-Python encoder (32 s of a 100,000-document run); here
    each list item and scalar goes to the C encoder.
    """
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, dict) and value:
        for number, (key, item) in enumerate(value.items()):
            yield ("{\n" if number == 0 else ",\n") + f"{inner}{json.dumps(str(key), ensure_ascii=False)}: "
            yield from json_chunks(item, depth + 1)
        yield f"\n{pad}}}"
        return
    if isinstance(value, (list, Iterator)):
        items = iter(value)
        first = next(items, _END)
        if isinstance(first, (dict, list)):
            yield "[\n" + inner + json.dumps(first, ensure_ascii=False)
            for item in items:
                yield ",\n" + inner + json.dumps(item, ensure_ascii=False)
            yield f"\n{pad}]"
            return
        value = [] if first is _END else [first, *items]
    yield json.dumps(value, ensure_ascii=False)


def write_report(report: Report, directory: str | Path) -> list[Path]:
    """Write every report file into ``directory`` (created if missing); return the paths.

    All files are first written to temporary files beside their targets and
    only then renamed into place, so a failure leaves the previous report set
    untouched rather than a mix of old and new files.
    """
    from lineage.html import html_report  # it builds on report_dict, so it imports this module

    out = prepare_output_directory(directory)
    figure = dendrogram_figure(report.dendrogram, report.config.cluster.family_threshold)
    trees = lineage_figure(report.families)
    images = {name: figure_bytes(drawn, name.rsplit(".", 1)[1]) for name, drawn in
              (("lineage.png", trees), ("lineage.svg", trees), ("dendrogram.png", figure), ("dendrogram.svg", figure))}
    # Each file is made as it is written, one at a time: a 100,000-document
    # report.json runs to gigabytes and is never held whole.
    contents: dict[str, Callable[[], bytes | Iterable[str]]] = {
        "report.json": lambda: itertools.chain(json_chunks(report_sections(report)), ["\n"]),
        "report.md": lambda: [markdown(report)],
        "pairs.csv": lambda: _pairs_csv(report),
        "phrases.csv": lambda: _phrases_csv(report),
        "fingerprints.csv": lambda: _fingerprints_csv(report),
        "lineage.nwk": lambda: [report.newick + "\n"],
        **{name: (lambda data=data: data) for name, data in images.items()},
        "report.html": lambda: [html_report(report, dendrogram_svg=images["dendrogram.svg"].decode("utf-8"),
                                            lineage_svg=images["lineage.svg"].decode("utf-8"))],
    }
    staged: list[tuple[str, Path]] = []
    try:
        for name in REPORT_FILES:
            staged.append((_write_temporary(out / name, contents[name]()), out / name))
        with ctrl_c_held():
            for temporary, path in staged:
                os.replace(temporary, path)
    except OSError as error:
        target = error.filename or out
        raise OutputError(f"{target}: cannot write ({error.strerror}); check the output directory") from error
    finally:  # failed or interrupted (Ctrl-C while staging): no temporary is left behind
        for temporary, _ in staged:
            Path(temporary).unlink(missing_ok=True)
    return [path for _, path in staged]


@contextlib.contextmanager
def ctrl_c_held() -> Iterator[None]:
    """Ctrl-C waits until the block is done, so that a set of output files is renamed into place all or none.

    (SIGKILL cannot wait: killed between two renames, about a millisecond, the set is mixed.)
    """
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is None:
        yield  # only the main thread handles signals; None: a handler Python did not install
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught and callable(previous):
        previous(signal.SIGINT, None)  # Python's default handler raises KeyboardInterrupt


def report_dict(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data; the keys documented in the README are stable."""
    return {key: list(value) if isinstance(value, Iterator) else value for key, value in report_sections(report).items()}


def report_sections(report: Report) -> dict[str, Any]:
    """:func:`report_dict` with its two large lists, ``pairs`` and ``phrases``, as iterators made item by item."""
    fingerprint_of = fingerprint_ids(report.fingerprints)
    return {
        "version": report.stats.get("version"),
        "parameters": parameters(report),
        "summary": {key: value for key, value in report.stats.items() if key != "version"},
        "documents": [
            {
                "id": doc.id,
                "source": doc.source,
                "status": doc.status,
                "reason": doc.reason,
                "skip_kind": doc.skip_kind,
                "chars": doc.chars,
                "shingles": doc.shingles,
                "encoding": doc.encoding,
                "family": doc.family,
                "operator": doc.operator,
                "injections": [
                    {"start": injection.start, "end": injection.end, "text": injection.text,
                     "placement": injection.placement, "fingerprint": fingerprint_of.get(keyword_key(injection.text))}
                    for injection in doc.injections
                ],
                **({"date": doc.date} if doc.date is not None else {}),
                **({"url": doc.url} if doc.url is not None else {}),
                **({"title": doc.title} if doc.title is not None else {}),
                **({"truncated_from": doc.truncated_from} if doc.truncated_from is not None else {}),
            }
            for doc in report.documents
        ],
        "pairs": (
            {
                "a": pair.a,
                "b": pair.b,
                "score": pair.score,
                "jaccard": pair.jaccard,
                "containment_a": pair.containment_a,
                "containment_b": pair.containment_b,
                "shared_shingles": pair.shared_shingles,
                "coverage": pair.coverage,
                "found_by": pair.found_by,
                "family": family,
                "passages": [
                    {
                        "a_start": passage.a_start,
                        "a_end": passage.a_end,
                        "b_start": passage.b_start,
                        "b_end": passage.b_end,
                        "a_text": passage.a_text,
                        "b_text": passage.b_text,
                        "score": passage.score,
                        "aligned": passage.aligned,
                        "pattern": passage.pattern,
                    }
                    for passage in pair.passages
                ],
            }
            for pair, family in zip(report.pairs, _pair_families(report))
        ),
        "phrases": (
            {
                "id": phrase.id,
                "pattern": phrase.pattern,
                "docs": list(phrase.docs),
                "words": phrase.words,
                "score": phrase.score,
                "occurrences": [
                    {"doc": occurrence.doc, "start": occurrence.start, "end": occurrence.end, "text": occurrence.text}
                    for occurrence in phrase.occurrences
                ],
            }
            for phrase in report.phrases
        ),
        "families": [
            {
                "id": family.id,
                "size": len(family.members),
                "root": family.root,
                "root_support": family.root_support,
                "members": list(family.members),
                "template": family.template,
                "template_phrases": list(family.template_phrases),
                "linkage": _linkage_rows(family.linkage),
            }
            for family in report.families
        ],
        "dendrogram": None if report.dendrogram is None else {
            "caption": report.dendrogram.caption,
            "leaves": "documents" if report.dendrogram.sizes is None else "families",
            "labels": list(report.dendrogram.labels),
            "sizes": None if report.dendrogram.sizes is None else list(report.dendrogram.sizes),
            "linkage": _linkage_rows(report.dendrogram.linkage),
            "support": None if report.dendrogram.support is None else [
                None if math.isnan(value) else round(float(value), 4) for value in report.dendrogram.support],
        },
        "fingerprints": [
            {
                "id": fingerprint.id,
                "core": fingerprint.core,
                "docs": list(fingerprint.docs),
                "keywords": [{"text": keyword, "docs": count}
                             for keyword, count in zip(fingerprint.keywords, fingerprint.keyword_docs)],
            }
            for fingerprint in report.fingerprints
        ],
        "operators": [
            {"id": operator.id, "fingerprints": list(operator.fingerprints), "docs": list(operator.docs)}
            for operator in report.operators
        ],
        "tree": {
            "newick": report.newick,
            "edges": [
                {"family": family.id, "parent": edge.parent, "child": edge.child, "score": edge.score,
                 "support": edge.support, "evidence": edge.evidence}
                for family in report.families
                for edge in family.edges
            ],
        },
    }


def parameters(report: Report) -> dict[str, Any]:
    config = report.config
    lsh = report.stats.get("lsh", {})
    return {
        "shingle": str(config.shingle),
        "normalization": "NFKC + casefold; CJK characters are single tokens",
        "score": "max(containment_a, containment_b): share of the smaller shingle set found in the other",
        "coverage": "share of the shorter document's words aligned in the pair's shared passages",
        "boilerplate_max_df": config.boilerplate.max_df,
        "boilerplate_min_docs": config.boilerplate.min_docs,
        "boilerplate_min_block": config.boilerplate.min_block,
        "boilerplate_max_share": config.boilerplate.max_share,
        "boilerplate_related": config.boilerplate.related,
        "num_perm": config.minhash.num_perm,
        "seed": config.minhash.seed,
        "minhash_scheme": "datasketch affine32",
        "lsh_threshold": config.candidates.threshold,
        "lsh_recall": config.candidates.recall,
        "lsh_bands": lsh.get("bands"),
        "lsh_rows": lsh.get("rows"),
        "rare_max_df": config.candidates.rare_max_df,
        "min_shared": config.candidates.min_shared,
        "family_threshold": config.cluster.family_threshold,
        "neighbours": config.cluster.neighbours,
        "linkage": "average on 1 - score",
        "dendrogram_max_docs": config.cluster.dendrogram_max_docs,
        "linkage_max_docs": config.cluster.linkage_max_docs,
        "passages": config.passage.mode,
        "passage_seed": config.passage.seed,
        "passage_max_gap": config.passage.max_gap,
        "passage_min_tokens": config.passage.min_tokens,
        "injections": "kept in shingles and passages" if config.injection.keep
        else "left out of shingles and passages",
        "tree": "maximum spanning arborescence (Edmonds) of similarity + direction x drift, dates first; "
                "an undated family rerooted by the words its members swap",
        "tree_direction": config.tree.direction,
        "bootstrap": report.stats.get("bootstrap"),
        "bootstrap_max_members": config.tree.bootstrap_max_members,
        "id_field": config.read.id_field,
        "text_field": config.read.text_field,
        "date_field": config.read.date_field,
        "url_field": config.read.url_field,
        "max_doc_chars": config.read.max_doc_chars,
        "duplicate_ids": config.read.duplicate_ids,
    }


def markdown(report: Report) -> str:
    """A readable summary: parameters, top pairs, families and skipped inputs.

    Document ids come from the input and may be hostile: they are shown in
    code spans, where Markdown and HTML are not interpreted.
    """
    stats = report.stats
    threshold = report.config.cluster.family_threshold
    candidates = stats["candidates"]
    lines = [
        "# lineage report",
        "",
        f"{count_noun(stats['documents'], 'document')} analysed, {stats['skipped']} skipped; "
        f"{count_noun(stats['pairs'], 'pair')} reported; {count_noun(stats['families'], 'family', 'families')} "
        f"({count_noun(stats['documents_in_families'], 'document')}), {stats['singletons']} in no family.",
        "",
        "**score** is the share of the smaller document's shingles that the other document holds "
        "(the larger of the two containments); every number here is exact, computed from the shingle sets. "
        "**passage coverage** is the share of the shorter document's words aligned in shared passages.",
        "",
        "## Parameters",
        "",
        "| parameter | value |",
        "| --- | --- |",
    ]
    lines += [f"| {name} | {_text(value)} |" for name, value in parameters(report).items()]
    lines += [
        "",
        f"Candidates: {candidates['total']} pairs verified ({candidates['lsh']} found by LSH, "
        f"{candidates['rare']} by the rare-shingle index, {candidates['both']} by both); "
        f"{stats['boilerplate_shingles']} boilerplate shingles dropped. Reported: every pair with score "
        f"≥ {threshold:g} and each document's {report.config.cluster.neighbours} closest pairs.",
        "",
        f"## Top pairs ({min(_TOP_PAIRS, len(report.pairs))} of {len(report.pairs)})",
        "",
    ]
    if report.pairs:
        lines += [
            "| a | b | score | Jaccard | containment a | containment b | shared shingles | passage coverage | found by |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        lines += [
            f"| {_code(p.a)} | {_code(p.b)} | {p.score:.3f} | {p.jaccard:.3f} | {p.containment_a:.3f} | "
            f"{p.containment_b:.3f} | {p.shared_shingles} | {'–' if p.coverage is None else f'{p.coverage:.3f}'} "
            f"| {p.found_by} |"
            for p in report.pairs[:_TOP_PAIRS]
        ]
        lines += ["", "All reported pairs are in `pairs.csv` and `report.json`."]
    else:
        lines.append("No pair shares enough shingles to report.")
    lines += _phrase_lines(report)
    lines += _passage_lines(report)
    lines += _operator_lines(report)
    lines += ["", "## Families", ""]
    if report.families:
        replicates = stats.get("bootstrap") or 0
        lines += [
            "Each family's lineage tree gives every member but the root one parent: the tree that best "
            "combines how similar parent and child are, which way the text drifted (what a rewrite changed is "
            "still common text in the rest of the family) and publication dates where known (a parent is "
            "never dated after its child unless nothing else fits). "
            + (f"Support is the share of {replicates} bootstrap replicates (shingles resampled) whose tree "
               "has the edge (a root's: the same root): below 0.7, treat the edge as a guess. "
               f"Families of more than {report.config.tree.bootstrap_max_members} documents have none."
               if replicates else "Support was not computed (`--bootstrap 100` computes it).")
            + (" Where members are undated (\"undated: from the text\"), the root is the member whose text "
               "looks oldest (the rest of the family kept its wording; its words are the ones usual on the "
               "topic); support then says how stable that reading is, not that the root is the template."
               if any(family.undated for family in report.families) else ""),
            "",
            "![lineage trees](lineage.png)",
            "",
        ]
        for family in report.families[:_MD_FAMILIES]:
            lines += [f"### {family.id}: {len(family.members)} documents, root {_code(family.root)}{family.root_note}", ""]
            if family.template:
                lines += [f"Template ({count_noun(len(family.template_phrases), 'shared phrase')} in text order: "
                          f"{', '.join(family.template_phrases)}):", "",
                          f"> {_text(_cut(family.template, _MD_TEMPLATE_CHARS))}", ""]
            lines += [f"- {_code(edge.parent)} → {_code(edge.child)} (score {edge.score:.3f}"
                      f"{'' if edge.support is None else f', support {edge.support:.2f}'}"
                      f"{'' if edge.evidence.get('dates') in (None, 'undated') else ', ' + edge.evidence['dates']})"
                      for edge in family.edges[:_MD_EDGES]]
            if len(family.edges) > _MD_EDGES:
                lines.append(f"- … {len(family.edges) - _MD_EDGES:,} more edges in `report.json` (`tree.edges`) "
                             "and `lineage.nwk`")
            lines.append("")
        rest = report.families[_MD_FAMILIES:]
        if rest:
            lines += [f"The other {count_noun(len(rest), 'family', 'families')}, with their templates and trees "
                      "in `report.json`:", "", "| family | documents | root |", "| --- | ---: | --- |"]
            lines += [f"| {family.id} | {len(family.members)} | {_code(family.root)} |" for family in rest]
            lines.append("")
    else:
        lines.append(f"No pair reaches the family threshold (score ≥ {threshold:g}).")
        if report.pairs:
            closest = report.pairs[0]
            lines.append(
                f"The closest pair, {_code(closest.a)} and {_code(closest.b)}, scores {closest.score:.3f}. "
                f"The threshold is where text reuse separates from independent articles on the same topic "
                f"in the Clough corpus (see the README); pass a lower `--family-threshold` to group weaker "
                f"evidence, knowing that independent articles on one topic will join too."
            )
        lines.append("")
    lines += ["## Dendrogram", ""]
    if report.dendrogram is not None:
        lines += [f"{_text(report.dendrogram.caption)}; average linkage.", ""]
    lines += ["![dendrogram](dendrogram.png)", ""]
    truncated = [doc for doc in report.documents if doc.truncated_from is not None]
    if truncated:
        lines += ["## Truncated documents", "", f"Cut to --max-doc-chars {report.config.read.max_doc_chars:,}:", "",
                  "| id | source | characters read | characters in the document |", "| --- | --- | ---: | ---: |"]
        lines += [f"| {_code(doc.id)} | {_code(doc.source)} | {doc.chars:,} | {doc.truncated_from:,} |"
                  for doc in truncated]
        lines.append("")
    skipped = [doc for doc in report.documents if doc.status == "skipped"]
    if skipped:
        lines += ["## Skipped inputs", "", "| id | source | reason |", "| --- | --- | --- |"]
        lines += [f"| {_code(doc.id)} | {_code(doc.source)} | {_text(doc.reason)} |" for doc in skipped]
        lines.append("")
    return "\n".join(lines)


def _phrase_lines(report: Report) -> list[str]:
    """The strongest phrases: passages merged across documents, with their variant slots."""
    phrases = report.phrases
    lines = ["", f"## Phrases ({min(_TOP_PASSAGES, len(phrases))} strongest of {len(phrases)})", ""]
    if not phrases:
        return lines + ["No shared passages, so no phrases."]
    lines += [
        "Shared passages merged across documents. Words every document keeps are written as they are; "
        "each run where some document differs is a slot `{variant|variant|...}`. Ranked by the words all "
        "keep times the number of other documents. Every occurrence's offsets are in `report.json` "
        "(`phrases[].occurrences`) and `phrases.csv`.",
        "",
        "| phrase | documents | words kept | pattern |",
        "| --- | --- | ---: | --- |",
    ]
    lines += [f"| {phrase.id} | {_some(phrase.docs)} | {phrase.words} | "
              f"{_text(_cut(phrase.pattern, _MD_PATTERN_CHARS))} |" for phrase in phrases[:_TOP_PASSAGES]]
    return lines


def _operator_lines(report: Report) -> list[str]:
    """Injected spam keywords grouped into fingerprints, and the operators whose documents share them."""
    found = report.stats["injections"]
    lines = ["", "## Spam operators", ""]
    if not found["keywords"]:
        return lines + ["No injected spam keywords found."]
    kept = "kept in" if found["in_shingles"] else "left out of"
    lines += [
        f"{count_noun(found['keywords'], 'injected keyword')} in {count_noun(found['documents'], 'document')}, "
        f"{kept} the shingles and passages. A **fingerprint** groups variants of one keyword core; an "
        "**operator** groups the documents that share fingerprints: very likely one farm's pages, "
        "whatever their text shares. Every injection's offsets are in `report.json` "
        "(`documents[].injections`) and `fingerprints.csv`.",
        "",
        "| operator | documents | fingerprints |",
        "| --- | --- | --- |",
    ]
    cores = {fingerprint.id: fingerprint.core for fingerprint in report.fingerprints}
    lines += [f"| {operator.id} | {', '.join(_code(doc) for doc in operator.docs[:_TOP_PASSAGES])}"
              f"{' …' if len(operator.docs) > _TOP_PASSAGES else ''} | "
              f"{', '.join(f'{fingerprint} {_code(cores[fingerprint])}' for fingerprint in operator.fingerprints)} |"
              for operator in report.operators[:_TOP_PAIRS]]
    if len(report.operators) > _TOP_PAIRS:
        lines += ["", f"{len(report.operators) - _TOP_PAIRS} more operators are in `report.json`."]
    lines += ["", "| fingerprint | documents | keywords (documents holding each) |", "| --- | ---: | --- |"]
    lines += [f"| {fingerprint.id} | {len(fingerprint.docs)} | "
              f"{', '.join(f'{_code(keyword)} ({count})' for keyword, count in zip(fingerprint.keywords, fingerprint.keyword_docs))} |"
              for fingerprint in report.fingerprints[:_TOP_PAIRS]]
    if len(report.fingerprints) > _TOP_PAIRS:
        lines += ["", f"{len(report.fingerprints) - _TOP_PAIRS} more fingerprints are in `report.json`."]
    return lines


def _fingerprints_csv(report: Report) -> Iterator[str]:
    """One row per injected keyword occurrence: its fingerprint, operator, document, offsets and placement."""
    fingerprint_of = fingerprint_ids(report.fingerprints)
    cores = {fingerprint.id: fingerprint.core for fingerprint in report.fingerprints}
    rows = (
        [fingerprint, cores.get(fingerprint, ""), doc.operator or "", doc.id, injection.start, injection.end,
         injection.text, injection.placement]
        for doc in report.documents
        for injection in doc.injections
        for fingerprint in [fingerprint_of.get(keyword_key(injection.text), "")]
    )
    return _csv_chunks(["fingerprint", "core", "operator", "doc", "start", "end", "keyword", "placement"], rows)


def _phrases_csv(report: Report) -> Iterator[str]:
    """One row per phrase occurrence: the phrase, its pattern and where it occurs."""
    rows = (
        [phrase.id, phrase.pattern, len(phrase.docs), phrase.words, occurrence.doc, occurrence.start,
         occurrence.end, occurrence.text]
        for phrase in report.phrases
        for occurrence in phrase.occurrences
    )
    return _csv_chunks(["phrase", "pattern", "documents", "words", "doc", "start", "end", "text"], rows)


def _csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text of ``header`` and ``rows`` in pieces of about a megabyte."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
        if buffer.tell() >= _CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _passage_lines(report: Report) -> list[str]:
    """The longest shared passages of the reported pairs, with their variant slots."""
    total = sum(len(pair.passages) for pair in report.pairs)
    found = heapq.nsmallest(_TOP_PASSAGES, ((passage, pair) for pair in report.pairs for passage in pair.passages),
                            key=lambda item: (-item[0].aligned, -item[0].score, item[1].a, item[1].b, item[0].a_start))
    lines = ["", f"## Shared passages ({min(_TOP_PASSAGES, total)} longest of {total})", ""]
    if report.stats.get("passages_skipped"):
        return lines + [f"Not aligned: {_text(report.stats['passages_skipped'])}."]
    if report.stats.get("passages_partial"):
        lines += [f"Aligned for {_text(report.stats['passages_partial'])}; the other pairs' `passages` are empty "
                  "and their `coverage` null.", ""]
    if not found:
        return lines + ["No reported pair shares a passage of "
                        f"{report.config.passage.min_tokens} or more aligned words."]
    lines += [
        "Words both documents keep, with each run of differing words written `{a's words|b's words}`. "
        "Offsets into both texts are in `report.json` (`pairs[].passages`).",
        "",
        "| a | b | aligned words | passage |",
        "| --- | --- | ---: | --- |",
    ]
    lines += [f"| {_code(pair.a)} | {_code(pair.b)} | {passage.aligned} | {_text(_cut(passage.pattern, _MD_PATTERN_CHARS))} |"
              for passage, pair in found[:_TOP_PASSAGES]]
    return lines


def _pairs_csv(report: Report) -> Iterator[str]:
    rows = (
        [p.a, p.b, p.score, p.jaccard, p.containment_a, p.containment_b, p.shared_shingles,
         "" if p.coverage is None else p.coverage, p.found_by, family or ""]
        for p, family in zip(report.pairs, _pair_families(report))
    )
    return _csv_chunks(_PAIR_COLUMNS, rows)


def _linkage_rows(linkage) -> list[list[float | int]] | None:
    """scipy's linkage matrix as JSON: [left, right, distance, size] per merge."""
    if linkage is None:
        return None
    return [[int(left), int(right), round(float(distance), 6), int(size)] for left, right, distance, size in linkage]


def _pair_families(report: Report) -> list[str | None]:
    """For each reported pair, the family both documents belong to (None if they are not in one)."""
    family_of = {doc.id: doc.family for doc in report.documents}
    return [family_of[p.a] if family_of[p.a] is not None and family_of[p.a] == family_of[p.b] else None
            for p in report.pairs]


def _some(docs: Sequence[str]) -> str:
    """The first ``_MD_DOCS`` document ids as code, and how many more."""
    shown = ", ".join(_code(doc) for doc in docs[:_MD_DOCS])
    return shown + (f" and {len(docs) - _MD_DOCS:,} more" if len(docs) > _MD_DOCS else "")


def _cut(text: str, limit: int) -> str:
    """``text``, or its first ``limit`` characters and how long it is."""
    return text if len(text) <= limit else f"{text[:limit].rstrip()} … ({len(text):,} characters in report.json)"


def count_noun(count: int, singular: str, plural: str | None = None) -> str:
    """'1 family', '3 families', '12,000 documents'."""
    return f"{count:,} {singular if count == 1 else plural or singular + 's'}"


def _code(value: object) -> str:
    """``value`` as a Markdown code span that is safe inside a table cell."""
    text = _one_line(value).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in _BACKTICK_RUNS.findall(text)), default=0) + 1)
    padding = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{padding}{text}{padding}{fence}"


def _text(value: object) -> str:
    """``value`` as plain Markdown text: markup characters escaped, HTML not interpreted."""
    text = _one_line(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\g<0>", text)


def _one_line(value: object) -> str:
    return _CONTROL.sub(" ", str(value))


def figure_bytes(figure, fmt: str) -> bytes:
    """A figure as a PNG or SVG file's bytes, the same from run to run."""
    buffer = io.BytesIO()
    # A fixed salt and no date make the SVG byte-identical from run to run.
    with matplotlib.rc_context({"svg.hashsalt": "lineage", "svg.fonttype": "none"}):
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        figure.savefig(buffer, format=fmt, dpi=150, metadata=metadata)
    return buffer.getvalue()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_temporary(path: Path, data: bytes | Iterable[str]) -> str:
    """Write ``data`` (bytes, or text in pieces) to a new temporary file beside ``path``; return its name."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            if isinstance(data, bytes):
                stream.write(data)
            else:
                text = io.TextIOWrapper(stream, encoding="utf-8", newline="")
                text.writelines(data)
                text.detach()  # flushes, and leaves ``stream`` open
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes files private; reports are not
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary
