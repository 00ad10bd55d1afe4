"""report.html in a real browser: headless Chromium driven by Playwright.

Debian's ``chromium`` package (or any Chromium at ``LINEAGE_CHROMIUM``) is used
as it is; Playwright never downloads a browser here. The page is served at a
routed address, so every other request it makes is seen (and refused).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import lineage
from conftest import HOSTILE, ROOT, write_hostile_corpus

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install '.[test]'")

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
REPORT_URL = "http://127.0.0.1:9/report.html"  # never reached: the test routes it to the file
PAIR = ("001_8d0afbd8c3a3ca36.txt", "002_82837cee5602c89a.txt")
PHRASE = "The glow from Shanghai's Zhangjiang"


def chromium() -> str | None:
    """The Chromium binary: $LINEAGE_CHROMIUM, else Debian's (its real binary, not the wrapper), else on PATH."""
    if os.environ.get("LINEAGE_CHROMIUM"):
        return os.environ["LINEAGE_CHROMIUM"]
    for candidate in ("/usr/lib/chromium/chromium", "chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser():
    binary = chromium()
    if binary is None:
        pytest.skip("no Chromium found: install it (apt install chromium) or set LINEAGE_CHROMIUM=/path/to/chromium")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=binary, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The README's demo report, and the report itself for the expected values."""
    report = lineage.analyze([ROOT / "corpus" / "shanghai"], family_threshold=0.02)
    out = tmp_path_factory.mktemp("demo")
    report.write(out)
    return report, out / "report.html"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    report = lineage.analyze([write_hostile_corpus(tmp_path_factory.mktemp("hostile"))], family_threshold=0.02)
    out = tmp_path_factory.mktemp("hostile-report")
    report.write(out)
    return report, out / "report.html"


class Visit:
    """A page opened on one report file, recording what the page asks for and says."""

    def __init__(self, browser, path: Path) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        body = path.read_bytes()

        def handle(route):
            if route.request.url == REPORT_URL:
                route.fulfill(status=200, body=body, content_type="text/html; charset=utf-8")
            else:
                self.requests.append(route.request.url)
                route.abort()

        self.context.route("**/*", handle)
        self.page = self.context.new_page()
        self.page.on("console", lambda message: message.type in ("error", "warning") and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.page.goto(REPORT_URL)
        self.page.wait_for_selector('main[data-route="overview"]')

    def go(self, view: str) -> None:
        """Show ``view`` (as a link would) and wait until it is drawn."""
        self.page.evaluate("view => { location.hash = view; }", view)
        self.page.wait_for_selector(f'main[data-route="{view}"]')

    def click_nav(self, name: str) -> None:
        self.page.click(f"header nav >> text={name}")
        self.page.wait_for_selector(f'main[data-route="{name.lower()}"]')

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser):
    """Opens report files; after the test, asserts that no page logged an error or fetched anything."""
    opened: list[Visit] = []

    def open_report(path: Path) -> Visit:
        opened.append(Visit(browser, path))
        return opened[-1]

    yield open_report
    for each in opened:
        each.close()
        assert each.errors == [], each.errors
        assert each.requests == [], each.requests


def side_texts(page, side: str, selector: str) -> list[str]:
    return page.locator(f"#side-{side} {selector}").all_text_contents()


def test_clicking_a_pair_shows_its_passage_highlighted_on_both_sides(visit, demo):
    report, path = demo
    shown = visit(path)
    page = shown.page
    shown.click_nav("Pairs")
    page.locator("tbody tr", has_text=PAIR[0]).filter(has_text=PAIR[1]).click()
    page.wait_for_selector('main[data-route="pair/3"]')
    assert page.locator("h1").inner_text() == f"Pair 4: {PAIR[0]} and {PAIR[1]}"

    passage_a = "".join(side_texts(page, "a", '[data-passage="0"]'))
    passage_b = "".join(side_texts(page, "b", '[data-passage="0"]'))
    assert passage_a == "The glow from Shanghai's Zhangjiang High-Tech Park never sleeps"
    assert passage_b == "The glow from Shanghai's Zhangjiang Science City laboratories never dims"
    assert side_texts(page, "a", ".variant") == ["High-Tech Park", "sleeps"]
    assert side_texts(page, "b", ".variant") == ["Science City laboratories", "dims"]

    page.click('ol.passages button[data-passage="0"]')  # scrolls both texts to the passage
    for side in ("a", "b"):
        passage = page.locator(f'#side-{side} [data-passage="0"]').first
        assert passage.is_visible()
        box, text = page.locator(f"#side-{side}").bounding_box(), passage.bounding_box()
        assert box["y"] <= text["y"] and text["y"] + text["height"] <= box["y"] + box["height"]
    colours = [page.locator(f'#side-{side} [data-passage="0"]').first.evaluate("node => getComputedStyle(node).backgroundColor")
               for side in ("a", "b")]
    assert colours[0] == colours[1] != "rgba(0, 0, 0, 0)"

    records = {doc.id: doc for doc in report.documents}
    for side, doc_id in zip("ab", PAIR):
        spam = side_texts(page, side, ".spam")
        assert spam == [injection.text for injection in records[doc_id].injections]
        spam_colour = page.locator(f"#side-{side} .spam").first.evaluate("node => getComputedStyle(node).backgroundColor")
        assert spam_colour not in colours
    assert "上海龙凤419" in side_texts(page, "a", ".spam")

    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(1300)  # the passage's flash has faded
    page.screenshot(path=ARTIFACTS / "pair-view.png")


def test_pairs_table_sorts_and_filters(visit, demo):
    report, path = demo
    shown = visit(path)
    page = shown.page
    shown.click_nav("Pairs")
    column = [cell.strip() for cell in page.locator("thead th").all_inner_texts()].index("Jaccard") + 1

    def jaccards() -> list[float]:
        return [float(value) for value in page.locator(f"tbody tr td:nth-child({column})").evaluate_all(
            "cells => cells.map(cell => cell.dataset.value)")]

    assert jaccards() == [pair.jaccard for pair in report.pairs]  # the report's order: by score
    page.click("thead th >> text=Jaccard")
    assert jaccards() == sorted((pair.jaccard for pair in report.pairs), reverse=True)
    assert page.locator(f"thead th:nth-child({column})").get_attribute("aria-sort") == "descending"
    page.click("thead th >> text=Jaccard")
    assert jaccards() == sorted(pair.jaccard for pair in report.pairs)

    page.fill('input[data-filter="passages"]', "1")
    assert len(jaccards()) == sum(1 for pair in report.pairs if pair.passages)
    page.fill('input[data-filter="text"]', "000_")
    assert len(jaccards()) == sum(1 for pair in report.pairs if pair.passages and "000_" in pair.a + pair.b)


def test_clicking_a_phrase_occurrence_scrolls_to_it_in_its_document(visit, demo):
    report, path = demo
    shown = visit(path)
    page = shown.page
    shown.click_nav("Phrases")
    # The occurrence deepest into its document, so that showing it takes a scroll.
    phrase, occurrence = max(((phrase, occurrence) for phrase in report.phrases for occurrence in phrase.occurrences),
                             key=lambda found: found[1].start)
    row = page.locator("tbody tr", has=page.locator("td", has_text=phrase.pattern))
    row.get_by_role("link", name=occurrence.doc, exact=True).first.click()
    page.wait_for_selector('main[data-route^="doc/"]')
    target = page.locator("#document-text .occ.target")
    assert "".join(target.all_text_contents()) == occurrence.text
    page.wait_for_function("document.querySelector('#document-text').scrollTop > 0")  # scrolled on the next frame
    box, mark = page.locator("#document-text").bounding_box(), target.first.bounding_box()
    assert box["y"] <= mark["y"] and mark["y"] + mark["height"] <= box["y"] + box["height"]
    assert page.locator("h1").inner_text() == occurrence.doc


def test_family_tree_shows_every_member_and_its_support(visit, demo):
    report, path = demo
    shown = visit(path)
    shown.go("family/0")
    [family] = report.families
    tree = shown.page.locator("svg.tree")
    labels = tree.locator("text[font-family]").all_text_contents()
    assert sorted(labels) == sorted(family.members)
    supports = tree.locator("text:not([font-family])").all_text_contents()
    assert sorted(supports) == sorted(f"{round(edge.support * 100)}" for edge in family.edges)
    template = shown.page.locator("p.pattern").inner_text()
    assert template.startswith(PHRASE) and "{sleeps|dims}" in template

    width = float(tree.get_attribute("width"))
    shown.page.locator(".zoom-controls", has=shown.page.locator("button")).last.locator("button[title='zoom in']").click()
    assert float(tree.get_attribute("width")) == pytest.approx(width * 1.25, abs=1)


def test_every_view_opens_without_an_error(visit, demo):
    report, path = demo
    shown = visit(path)
    for view in ("overview", "pairs", "phrases", "families", "operators", "documents", "doc/0", "pair/9", "family/7"):
        shown.go(view)
    shown.go("overview")
    assert shown.page.locator("svg").count() >= 2  # the dendrogram and the lineage trees
    dendrogram = shown.page.locator(".zoom").nth(1).locator("svg")
    width = float(dendrogram.get_attribute("width"))
    shown.page.locator(".zoom").nth(1).locator("button[title='zoom in']").click()
    assert float(dendrogram.get_attribute("width")) > width


def test_hostile_documents_run_no_script_and_load_nothing(visit, hostile):
    report, path = hostile
    shown = visit(path)
    page = shown.page
    views = ["overview", "pairs", "phrases", "families", "operators", "documents"]
    views += [f"pair/{k}" for k in range(len(report.pairs))]
    views += [f"family/{k}" for k in range(len(report.families))]
    views += [f"doc/{k}" for k in range(len(report.documents))]
    for view in views:
        shown.go(view)
        page.evaluate("""() => {  // fire what a slipped-in handler would wait for, on every element shown
            for (const node of document.querySelectorAll("main *"))
                for (const type of ["mouseover", "mouseenter", "focus", "load", "error", "animationstart"])
                    node.dispatchEvent(new Event(type));
        }""")
    assert page.evaluate("window.__pwned") is None
    assert shown.dialogs == []
    assert page.locator("a:not([href^='#'])").count() == 0

    shown.go("documents")
    for attack in HOSTILE:  # shown as the text it is
        assert page.get_by_text(attack, exact=True).first.is_visible()
    shown.go("doc/0")
    assert page.locator("#document-text").evaluate("node => node.scrollWidth <= node.clientWidth")  # long lines wrap
