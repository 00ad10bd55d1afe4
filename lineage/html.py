"""The interactive report (report.html): one self-contained page that is safe whatever the documents hold.

Documents come from hostile sites, so none of their text, ids, URLs or metadata
is ever written as markup: it goes into the page only as JSON inside a script
element that does not run (with the characters that could end it escaped), and
the page's own script puts it on screen as text nodes. A Content-Security-Policy
lets only that script run and nothing load. The figures are matplotlib's SVGs,
whose text matplotlib escapes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from importlib import resources
from itertools import accumulate, islice
from typing import Any

from lineage.passages import document_tokens, variant_spans
from lineage.plots import dendrogram_figure, lineage_figure
from lineage.report import figure_bytes, report_sections
from lineage.types import Report

# What one file holds: every document, family, fingerprint and operator, and the strongest of the rest.
_MAX_PAIRS = 5_000
_MAX_PHRASES = 500
_TEXT_BUDGET = 4_000_000  # characters of document text embedded (texts of the strongest pairs, then phrases)
_SHOWN_CHARS = 200  # characters of a pattern or occurrence shown without its document (templates: 4 times)
# Columns of the rows of documents and pairs (the page gets these names with the rows).
_DOCUMENT_FIELDS = ("id", "source", "status", "reason", "skip_kind", "chars", "encoding", "family", "operator", "date",
                   "url", "text", "injections")
_PAIR_FIELDS = ("a", "b", "score", "jaccard", "containment_a", "containment_b", "shared_shingles", "coverage",
               "found_by", "family", "passage_count", "patterns", "passages")

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]")
_SVG_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.S)
_SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_SVG_NAMESPACES = re.compile(r'\s+xmlns(?::xlink)?="[^"]*"')


def html_report(report: Report, *, dendrogram_svg: str | None = None, lineage_svg: str | None = None) -> str:
    """The report as one HTML page with its data, script, styles and figures inline.

    ``dendrogram_svg`` and ``lineage_svg`` are the figures as matplotlib wrote
    them (drawn here when not given). The same report gives the same bytes.
    """
    if dendrogram_svg is None:
        figure = dendrogram_figure(report.dendrogram, report.config.cluster.family_threshold)
        dendrogram_svg = figure_bytes(figure, "svg").decode("utf-8")
    if lineage_svg is None:
        lineage_svg = figure_bytes(lineage_figure(report.families), "svg").decode("utf-8")
    script = _asset("report.js")
    policy = ("default-src 'none'; script-src " + _script_hash(script) + "; style-src 'unsafe-inline'; "
              "img-src data:; base-uri 'none'; form-action 'none'")
    replacements = {
        "@POLICY@": policy,
        "@STYLE@": _asset("report.css"),
        "@DENDROGRAM@": _inline_svg(dendrogram_svg),
        "@LINEAGE@": _inline_svg(lineage_svg),
        "@DATA@": _script_json(_payload(report)),
        "@SCRIPT@": script,
    }
    return re.sub("|".join(map(re.escape, replacements)), lambda match: replacements[match.group(0)],
                  _asset("report.html"))


def _script_json(value: Any) -> str:
    """``value`` as JSON that can sit inside a ``<script>`` element: nothing in it can end the element.

    ``<``, ``>`` and ``&`` are written as ``\\u003c`` etc. (so no ``</script>`` or
    ``<!--``), and U+2028/U+2029 escaped as well; JSON.parse reads them back.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)
    return _JSON_UNSAFE.sub(lambda match: _JSON_ESCAPES[match.group(0)], text)


def _payload(report: Report) -> dict[str, Any]:
    """The data the page shows: report.json's content, trimmed to the limits, with the texts it needs.

    Documents and pairs are rows whose columns ``fields`` names (a
    10,000-document report would otherwise repeat every key 10,000 times), and
    documents are referred to by their row. Character
    offsets are converted to UTF-16 units, which JavaScript strings count.
    """
    data = report_sections(report)  # pairs and phrases made only as far as the page shows them
    index = {doc["id"]: k for k, doc in enumerate(data["documents"])}
    pairs = list(islice(data["pairs"], _MAX_PAIRS))
    phrases = list(islice(data["phrases"], _MAX_PHRASES))
    embedded = _embedded_texts(report, pairs, phrases)
    utf16 = {doc_id: _utf16_offsets(report.texts[doc_id]) for doc_id in embedded}
    spans = _variant_spans(report, pairs, embedded)
    return {
        "version": data["version"],
        "parameters": data["parameters"],
        "summary": data["summary"],
        "fields": {"documents": _DOCUMENT_FIELDS, "pairs": _PAIR_FIELDS},
        "limits": {
            "pairs": [len(pairs), len(report.pairs)],
            "phrases": [len(phrases), len(report.phrases)],
            "texts": [len(embedded), len(report.texts)],
            "text_budget": _TEXT_BUDGET,
            "shown_chars": _SHOWN_CHARS,
        },
        "documents": [_document(doc, report.texts[doc["id"]] if doc["id"] in embedded else None,
                                utf16.get(doc["id"])) for doc in data["documents"]],
        "pairs": [_pair(pair, index, spans.get(k), utf16) for k, pair in enumerate(pairs)],
        "phrases": [_phrase(phrase, index, utf16) for phrase in phrases],
        "families": _families(data, index),
        "fingerprints": [
            {"id": fingerprint["id"], "core": fingerprint["core"],
             "docs": [index[doc] for doc in fingerprint["docs"]],
             "keywords": [[keyword["text"], keyword["docs"]] for keyword in fingerprint["keywords"]]}
            for fingerprint in data["fingerprints"]
        ],
        "operators": [
            {"id": operator["id"], "fingerprints": operator["fingerprints"],
             "docs": [index[doc] for doc in operator["docs"]]}
            for operator in data["operators"]
        ],
    }


def _families(data: dict[str, Any], index: dict[str, int]) -> list[dict[str, Any]]:
    """Families with their members and tree edges ``[parent, child, score, support]`` by document row."""
    edges: dict[str, list[list[Any]]] = {}
    for edge in data["tree"]["edges"]:
        edges.setdefault(edge["family"], []).append(
            [index[edge["parent"]], index[edge["child"]], edge["score"], edge["support"]])
    return [
        {
            "id": family["id"],
            "root": index[family["root"]],
            "root_support": family["root_support"],
            "members": [index[member] for member in family["members"]],
            "template": _shortened(family["template"], 4 * _SHOWN_CHARS),
            "template_chars": len(family["template"]),
            "edges": edges.get(family["id"], []),
        }
        for family in data["families"]
    ]


def _document(doc: dict[str, Any], text: str | None, utf16: Callable[[int], int] | None) -> list[Any]:
    """One document's row; its text, and offsets of its injections, only when the text is embedded."""
    injections = [
        [utf16(injection["start"]) if utf16 else None, utf16(injection["end"]) if utf16 else None,
         injection["text"], injection["placement"], injection["fingerprint"]]
        for injection in doc["injections"]
    ]
    return [*(doc.get(field) for field in _DOCUMENT_FIELDS[:-2]), text, injections]


def _pair(pair: dict[str, Any], index: dict[str, int], spans: list[list[tuple[int, int, int, int]]] | None,
          utf16: dict[str, Callable[[int], int]]) -> list[Any]:
    """A pair's row: its numbers, and its passages ``[a_start, a_end, b_start, b_end, aligned, slots]``
    when both texts are embedded, else the first passages' patterns (shortened)."""
    row = [index[pair["a"]], index[pair["b"]], *(pair[field] for field in _PAIR_FIELDS[2:-3]), len(pair["passages"])]
    if spans is None:
        return row + [[_shortened(passage["pattern"], _SHOWN_CHARS) for passage in pair["passages"][:3]], None]
    to_a, to_b = utf16[pair["a"]], utf16[pair["b"]]
    passages = [
        [to_a(passage["a_start"]), to_a(passage["a_end"]), to_b(passage["b_start"]), to_b(passage["b_end"]),
         passage["aligned"], [[to_a(s), to_a(e), to_b(t), to_b(u)] for s, e, t, u in slots]]
        for passage, slots in zip(pair["passages"], spans)
    ]
    return row + [None, passages]


def _phrase(phrase: dict[str, Any], index: dict[str, int], utf16: dict[str, Callable[[int], int]]) -> dict[str, Any]:
    """A phrase and its occurrences ``[doc, start, end, text]`` (offsets only where the text is embedded)."""
    occurrences = []
    for occurrence in phrase["occurrences"]:
        to = utf16.get(occurrence["doc"])
        start, end = (to(occurrence["start"]), to(occurrence["end"])) if to else (None, None)
        occurrences.append([index[occurrence["doc"]], start, end, _shortened(occurrence["text"], _SHOWN_CHARS)])
    return {"id": phrase["id"], "pattern": _shortened(phrase["pattern"], 4 * _SHOWN_CHARS), "words": phrase["words"],
            "docs": [index[doc] for doc in phrase["docs"]], "occurrences": occurrences}


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _embedded_texts(report: Report, pairs: list[dict[str, Any]], phrases: list[dict[str, Any]]) -> set[str]:
    """Ids whose texts go into the page: the documents of the strongest pairs, then of phrases, within the budget."""
    embedded: set[str] = set()
    used = 0

    def take(doc_ids: Iterable[str]) -> bool:
        nonlocal used
        new = [doc_id for doc_id in dict.fromkeys(doc_ids) if doc_id not in embedded and doc_id in report.texts]
        size = sum(len(report.texts[doc_id]) for doc_id in new)
        if used + size > _TEXT_BUDGET:
            return False
        embedded.update(new)
        used += size
        return True

    for pair in pairs:
        if not take((pair["a"], pair["b"])):
            break
    for phrase in phrases:
        if not take(occurrence["doc"] for occurrence in phrase["occurrences"]):
            break
    return embedded


def _variant_spans(report: Report, pairs: list[dict[str, Any]],
                   embedded: set[str]) -> dict[int, list[list[tuple[int, int, int, int]]]]:
    """For each shown pair whose texts are embedded (by its index, which is its index in ``report.pairs``),
    each passage's variant slots, in code points."""
    wanted = [k for k, pair in enumerate(pairs) if pair["passages"] and {pair["a"], pair["b"]} <= embedded]
    needed = sorted({pairs[k][side] for k in wanted for side in ("a", "b")})
    if not needed:
        return {}
    injections = {doc.id: doc.injections for doc in report.documents}
    hidden = None if report.config.injection.keep else [injections[doc_id] for doc_id in needed]
    tokens = dict(zip(needed, document_tokens([report.texts[doc_id] for doc_id in needed], hidden)))
    return {k: [variant_spans(tokens[report.pairs[k].a], tokens[report.pairs[k].b], passage)
                for passage in report.pairs[k].passages]
            for k in wanted}


def _utf16_offsets(text: str) -> Callable[[int], int]:
    """Maps an offset in ``text`` (code points, as Python counts) to UTF-16 units (as JavaScript counts)."""
    if not text or max(text) <= "\uffff":
        return int
    before = [0, *accumulate(ord(char) > 0xFFFF for char in text)]
    return lambda offset: offset + before[offset]


def _inline_svg(svg: str) -> str:
    """matplotlib's SVG file as an element of the page: no XML prolog, doctype, metadata or namespace URIs."""
    svg = _SVG_METADATA.sub("", _SVG_PROLOG.sub("", svg, count=1), count=1)
    head, rest = svg.split(">", 1)
    return _SVG_NAMESPACES.sub("", head) + ">" + rest


def _script_hash(script: str) -> str:
    """The CSP source that allows exactly this inline script."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def _asset(name: str) -> str:
    return (resources.files("lineage") / "assets" / name).read_text(encoding="utf-8")
