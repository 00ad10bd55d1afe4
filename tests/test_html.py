"""report.html without a browser: hostile documents stay data, the page is self-contained and deterministic."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from importlib import resources

import pytest

import lineage
from conftest import HOSTILE, ROOT, write_hostile_corpus
from lineage import html as html_module
from lineage.html import html_report

# Elements that can load something, run something or take input: the page has none.
_ACTIVE = {"img", "iframe", "frame", "object", "embed", "textarea", "form", "input", "base", "video", "audio", "source",
           "picture", "portal", "foreignobject", "animate", "set", "math", "template", "noembed"}
# What matplotlib's SVGs are made of (the colour bar is an <image> of inline PNG data).
_SVG_ELEMENTS = {"svg", "defs", "style", "g", "path", "text", "clippath", "rect", "use", "image"}
_DATA = re.compile(r'<script type="application/json" id="lineage-data">(.*?)</script>', re.S)
_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


class _Elements(HTMLParser):
    """Every start tag of a page with its attributes, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def elements(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(page)
    parser.close()
    return parser.tags


def page_data(page: str) -> dict:
    [data] = _DATA.findall(page)
    return json.loads(data)


def records(data: dict, kind: str) -> list[dict]:
    names = data["fields"][kind]
    return [dict(zip(names, row)) for row in data[kind]]


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    return lineage.analyze([write_hostile_corpus(tmp_path_factory.mktemp("hostile"))], family_threshold=0.02)


@pytest.fixture(scope="module")
def hostile_page(hostile_report) -> str:
    return html_report(hostile_report)


@pytest.fixture(scope="module")
def demo_report():
    return lineage.analyze([ROOT / "corpus" / "shanghai"], family_threshold=0.02)


def test_hostile_corpus_has_what_the_page_must_survive(hostile_report):
    analysed = [doc for doc in hostile_report.documents if doc.status == "ok"]
    assert {doc.id for doc in analysed} >= set(HOSTILE) | {"__proto__", "constructor"}
    assert any(pair.passages for pair in hostile_report.pairs)
    assert any(doc.injections for doc in analysed)
    [skipped] = [doc for doc in hostile_report.documents if doc.status == "skipped"]
    assert "<script>" in skipped.reason  # the bad id is quoted in the reason, which the page shows


def test_no_document_string_becomes_markup(hostile_page):
    tags = elements(hostile_page)
    assert [attrs for tag, attrs in tags if tag == "script"] == [{"type": "application/json", "id": "lineage-data"}, {}]
    assert [attrs.get("name") or attrs.get("http-equiv") or "charset" for tag, attrs in tags if tag == "meta"] == [
        "charset", "Content-Security-Policy", "referrer", "viewport"]
    assert [attrs for tag, attrs in tags if tag == "link"] == [{"rel": "icon", "href": "data:,"}]
    for tag, attrs in tags:
        assert tag not in _ACTIVE, (tag, attrs)
        assert not any(name.startswith("on") or name in ("src", "srcset") for name in attrs), (tag, attrs)
        assert all(value is None or "javascript:" not in value.lower() for value in attrs.values()), (tag, attrs)
    lowered = hostile_page.lower()
    for marker in ("<img", "<iframe", "</textarea", "<svg onload", "<!--"):
        assert marker not in lowered
    assert lowered.count("<script") == 2 and lowered.count("</script") == 2


def test_document_strings_reach_the_page_intact_as_escaped_json(hostile_report, hostile_page):
    [raw] = _DATA.findall(hostile_page)
    assert not set(raw) & set("<>&\u2028\u2029")
    data = page_data(hostile_page)
    shown = {doc["id"]: doc for doc in records(data, "documents")}
    for doc in hostile_report.documents:
        record = shown[doc.id]
        assert (record["url"], record["date"], record["reason"]) == (doc.url, doc.date, doc.reason)
        if doc.status == "ok":
            assert record["text"] == hostile_report.texts[doc.id]
    assert "\u2028" in shown[HOSTILE[0]]["text"] and "x" * 20_000 in shown[HOSTILE[0]]["text"]


def test_matplotlib_writes_hostile_labels_as_text(hostile_page):
    figures = hostile_page[hostile_page.index('<div id="figures" hidden>'):hostile_page.index("<script")]
    assert figures.count("<svg") == 2
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in figures  # a dendrogram label
    assert {tag for tag, _ in elements(figures)} <= _SVG_ELEMENTS | {"div"}


def test_a_strict_content_security_policy_allows_only_the_page_script(hostile_page):
    tags = elements(hostile_page)
    assert [tag for tag, _ in tags[:3]] == ["html", "head", "meta"] and tags[2][1] == {"charset": "utf-8"}
    name, attrs = tags[3]  # before any style, script or document data
    assert (name, attrs["http-equiv"]) == ("meta", "Content-Security-Policy")
    policy = dict(part.strip().split(" ", 1) for part in attrs["content"].split(";"))
    [script] = _SCRIPT.findall(hostile_page)
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == f"'sha256-{digest}'"  # no 'unsafe-inline', no other source
    assert policy["img-src"] == "data:"
    assert policy["base-uri"] == policy["form-action"] == "'none'"
    assert "connect-src" not in policy and "font-src" not in policy  # default-src 'none' covers them


def test_the_page_loads_nothing_from_anywhere(hostile_page):
    outside_data = _DATA.sub("", hostile_page).replace('"http://www.w3.org/2000/svg"', "SVG_NS")  # a name, not a fetch
    # An embedded PNG's base64 may hold "//k" by chance; its href is checked below.
    outside_images = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=\s]*", "data:image/png;base64,", outside_data)
    assert not re.search(r"https?:|//[a-z0-9]|url\((?!#)|@import", outside_images, flags=re.I)
    for tag, attrs in elements(outside_data):
        for name in ("href", "xlink:href"):
            assert attrs.get(name) is None or attrs[name].startswith(("#", "data:,", "data:image/png;")), (tag, attrs)


def test_the_script_never_parses_data_as_markup():
    script = (resources.files("lineage") / "assets" / "report.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function(",
                 "setTimeout(\"", "srcdoc", ".src ", "createContextualFragment", "DOMParser"):
        assert sink not in script, sink


def test_same_report_gives_the_same_bytes(tmp_path, planted):
    first = lineage.analyze([planted]).write(tmp_path / "one")
    lineage.analyze([planted]).write(tmp_path / "two")
    assert "report.html" in lineage.report.REPORT_FILES
    assert (tmp_path / "one" / "report.html").read_bytes() == (tmp_path / "two" / "report.html").read_bytes()
    assert tmp_path / "one" / "report.html" in first


def test_demo_pair_carries_its_passage_and_variant_words(demo_report):
    data = page_data(html_report(demo_report))
    ids = [doc["id"] for doc in records(data, "documents")]
    texts = {doc["id"]: doc["text"] for doc in records(data, "documents")}
    [pair] = [pair for pair in records(data, "pairs")
              if (ids[pair["a"]], ids[pair["b"]]) == ("001_8d0afbd8c3a3ca36.txt", "002_82837cee5602c89a.txt")]
    text_a, text_b = texts[ids[pair["a"]]], texts[ids[pair["b"]]]
    [[a_start, a_end, b_start, b_end, aligned, slots]] = pair["passages"]
    assert text_a[a_start:a_end] == "The glow from Shanghai's Zhangjiang High-Tech Park never sleeps"
    assert text_b[b_start:b_end] == "The glow from Shanghai's Zhangjiang Science City laboratories never dims"
    assert [(text_a[s:e], text_b[t:u]) for s, e, t, u in slots] == [
        ("High-Tech Park", "Science City laboratories"), ("sleeps", "dims")]
    assert aligned == 6
    injections = {doc["id"]: [text[s:e] for s, e, *_ in doc["injections"]]
                  for doc, text in ((doc, texts[doc["id"]]) for doc in records(data, "documents"))}
    assert injections["001_8d0afbd8c3a3ca36.txt"] == ["上海龙凤419", "上海花千坊龙凤", "上海贵族宝贝sh1314"]


def test_offsets_count_utf16_units_as_javascript_does(hostile_report, hostile_page):
    data = page_data(hostile_page)
    documents = records(data, "documents")
    checked = 0
    for pair in records(data, "pairs"):
        a, b = documents[pair["a"]], documents[pair["b"]]
        units_a, units_b = a["text"].encode("utf-16-le"), b["text"].encode("utf-16-le")
        found = {(p.a, p.b): p for p in hostile_report.pairs}[a["id"], b["id"]]
        for passage, shown in zip(found.passages, pair["passages"]):
            assert units_a[2 * shown[0]:2 * shown[1]].decode("utf-16-le") == passage.a_text
            assert units_b[2 * shown[2]:2 * shown[3]].decode("utf-16-le") == passage.b_text
            checked += "🦀" in a["text"]
        for start, end, keyword, *_ in a["injections"]:
            assert units_a[2 * start:2 * end].decode("utf-16-le") == keyword
    assert checked


def test_large_reports_keep_the_strongest_pairs_and_say_what_is_left_out(planted, monkeypatch):
    report = lineage.analyze([planted])
    monkeypatch.setattr(html_module, "_MAX_PAIRS", 2)
    monkeypatch.setattr(html_module, "_TEXT_BUDGET", len(report.texts[report.pairs[0].a] + report.texts[report.pairs[0].b]))
    data = page_data(html_report(report))
    documents = records(data, "documents")
    pairs = records(data, "pairs")
    assert [(documents[p["a"]]["id"], documents[p["b"]]["id"]) for p in pairs] == [
        (pair.a, pair.b) for pair in report.pairs[:2]]
    assert data["limits"]["pairs"] == [2, len(report.pairs)]
    assert {doc["id"] for doc in documents if doc["text"] is not None} == {report.pairs[0].a, report.pairs[0].b}
    assert data["limits"]["texts"] == [2, len(report.texts)]
    assert len(documents) == len(report.documents)  # every document is listed, text or not
    assert pairs[0]["passages"] is not None and pairs[0]["patterns"] is None
    assert pairs[1]["passages"] is None and pairs[1]["patterns"] == [
        passage.pattern[:199] + "…" if len(passage.pattern) > 200 else passage.pattern
        for passage in report.pairs[1].passages[:3]]
