"""Injected spam keywords: found where farms put them, never in legitimate mixed-script text."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lineage
from lineage.injections import find_injections, masked
from lineage.operators import find_operators
from lineage.text import tokenize
from lineage.types import Injection

DATA = Path(__file__).parent / "data"
DEMO = Path(__file__).parent.parent / "corpus" / "shanghai"
MIXED = sorted(path for path in (DATA / "mixed_script").iterdir() if path.name != "README.md")

ENGLISH = (
    "The city's infrastructure reflects its tech ambitions. Shanghai now operates a large 5G network.\n\n"
    "However, challenges persist. Rising commercial rents threaten to price out promising startups.\n\n"
    "As Shanghai positions itself for the next phase, the world watches closely."
)


def injected(text: str) -> list[tuple[str, str]]:
    [found] = find_injections([text])
    for injection in found:
        assert text[injection.start : injection.end] == injection.text
    return [(injection.text, injection.placement) for injection in found]


def test_the_demo_keywords_are_found_exactly_and_tie_all_five_pages_to_one_operator():
    truth = json.loads((DATA / "shanghai_injections.json").read_text(encoding="utf-8"))
    paths = sorted(DEMO.glob("*.txt"))
    texts = [path.read_text(encoding="utf-8") for path in paths]
    found = find_injections(texts)
    assert {path.name: [injection.text for injection in spans] for path, spans in zip(paths, found)} == {
        doc: keywords for doc, keywords in truth.items() if not doc.startswith("_")}
    for text, spans in zip(texts, found):
        assert all(text[span.start : span.end] == span.text for span in spans)
    header = found[4][0]  # 004's first keyword sits in its date line, between emoji
    assert (header.text, header.placement) == ("爱上海龙凤419论坛", "header")
    fingerprints, operators = find_operators({path.name: spans for path, spans in zip(paths, found)})
    assert [operator.docs for operator in operators] == [tuple(path.name for path in paths)]
    assert fingerprints[0].core == "上海龙凤419" and len(fingerprints[0].docs) == 5


@pytest.mark.parametrize(
    "text, expected",
    [
        ("上海龙凤419 " + ENGLISH, [("上海龙凤419", "paragraph-start")]),
        (ENGLISH + " 上海龙凤419", [("上海龙凤419", "paragraph-end")]),
        (ENGLISH.replace("ambitions. Shanghai", "ambitions. 上海龙凤419 Shanghai"), [("上海龙凤419", "between-sentences")]),
        (ENGLISH.replace("\n\nHowever", "\n\n上海龙凤419油压论坛\nHowever"), [("上海龙凤419油压论坛", "line")]),
        ("Shanghai Daily | Home | Tech | 爱上海龙凤419论坛\n\n" + ENGLISH, [("爱上海龙凤419论坛", "header")]),
        ("⏱ 2025-05-24 00:25 🔖 爱上海龙凤419论坛 📢0\n\n" + ENGLISH, [("爱上海龙凤419论坛", "header")]),
        ("上海贵族宝贝sh1314 " + ENGLISH, [("上海贵族宝贝sh1314", "paragraph-start")]),  # the tag is part of it
        ("sh1314 " + ENGLISH, [("sh1314", "paragraph-start")]),  # a Latin tag alone
        ("上海龙凤419 上海花千坊 " + ENGLISH, [("上海龙凤419", "paragraph-start"), ("上海花千坊", "paragraph-start")]),
        ("上海私人外卖工作室联系方式 Digital Transformation\n\n" + ENGLISH,
         [("上海私人外卖工作室联系方式", "paragraph-start")]),  # bare CJK before English on its line
    ],
    ids=["paragraph-start", "paragraph-end", "between-sentences", "own-line", "header-navigation",
         "header-date-line", "glued-latin-tag", "latin-tag", "two-in-a-row", "bare-cjk-before-heading"],
)
def test_each_placement_is_found(text, expected):
    assert injected(text) == expected


CHINESE = "上海科技创新中心建设进入新阶段。到2030年，上海将建成具有全球影响力的科技创新中心。\n\n张江科学城是这一规划的核心区域。"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("sh419 " + CHINESE, [("sh419", "paragraph-start")]),
        (CHINESE + " shlf1314", [("shlf1314", "paragraph-end")]),
        (CHINESE.replace("阶段。到", "阶段。sh419 到"), [("sh419", "between-sentences")]),
        (CHINESE.replace("\n\n", "\n\nqq8888\n"), [("qq8888", "line")]),
    ],
    ids=["paragraph-start", "paragraph-end", "between-sentences", "own-line"],
)
def test_latin_spam_tags_in_chinese_text_are_found(text, expected):
    assert injected(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Visitors search for 上海龙凤419 on Baidu, the report says.",  # written into a sentence
        "The park, Zhangjiang (张江), never sleeps.",  # a name glossed in brackets
        "张江 (Zhangjiang) is often called China's Silicon Valley.",  # the gloss after the name
        "Her essay, titled “上海的夜晚”, was short.\n\n《三体》 sold eight million copies.",  # quoted titles
        "你好，世界 means hello, world.",  # the run goes on in Chinese
        "```python\nprint('你好')\n# 第2步\n```",  # code
        "total = 5  # 第2步",  # a line of code
        "Tried xiaolongbao 🥟🥟 #foodie #shanghai2024",  # a hashtag
        "使用sh419登录系统。",  # a tag written into a Chinese sentence
        "5G 网络已经覆盖上海全市。\n\nAI 大模型的竞争日趋激烈。\n\niPhone 15 发布会在上海举行。",  # loanwords in Chinese
    ],
    ids=["in-a-sentence", "bracketed-gloss", "gloss-after", "quoted-titles", "chinese-sentence", "fenced-code",
         "code-line", "hashtag", "tag-in-chinese-sentence", "loanwords"],
)
def test_legitimate_uses_of_another_script_are_not_spam(text):
    assert injected(text) == []


@pytest.mark.parametrize("path", MIXED, ids=[path.name for path in MIXED])
def test_the_mixed_script_test_set_holds_no_injection(path):
    assert injected(path.read_text(encoding="utf-8")) == []


def test_the_mixed_script_test_set_read_as_one_corpus_holds_none():
    assert find_injections([path.read_text(encoding="utf-8") for path in MIXED]) == [()] * len(MIXED)


def test_a_bare_keyword_on_a_line_of_its_own_counts_only_when_another_page_has_it():
    page = ENGLISH.replace("\n\nHowever", "\n\n上海夜生活\n\nHowever")
    other = "A different article. It is about trams.\n\n上海夜生活\n\nThe trams run all night."
    assert find_injections([page]) == [()]  # a Chinese word on its own line: a heading as likely as spam
    both = find_injections([page, other, ENGLISH])
    assert [[(injection.text, injection.placement) for injection in spans] for spans in both] == [
        [("上海夜生活", "line")], [("上海夜生活", "line")], []]


def test_in_a_bilingual_article_only_spam_shaped_runs_count():
    bilingual = "\n\n".join([
        "专家认为，人才和资金仍然是最大的挑战。\nExperts believe that talent and funding remain the biggest challenges "
        "for the new district, and that housing costs make both harder to keep.",
        "张江科学城是这一规划的核心区域。\nZhangjiang Science City is the core of this plan, home to chip designers, "
        "drug makers and artificial intelligence companies.",
        "上海龙凤419 Funding comes mostly from the city.",
    ])
    assert injected(bilingual) == [("上海龙凤419", "paragraph-start")]
    assert injected(bilingual.replace("上海龙凤419", "上海龙凤")) == []  # a heading or a translation as likely
    assert injected(bilingual.split("\n\n")[2].replace("上海龙凤419", "上海龙凤")) == [("上海龙凤", "paragraph-start")]


def test_masking_keeps_offsets_and_removes_only_the_keywords_tokens():
    text = "上海龙凤419 " + ENGLISH
    [spans] = find_injections([text])
    hidden = masked(text, spans)
    assert len(hidden) == len(text)
    assert tokenize(hidden).norms == tokenize(ENGLISH).norms
    assert masked(text, ()) is text


keywords = st.sampled_from(["上海龙凤419", "爱上海同城419", "上海龙凤419油压论坛", "sh1314", "北京桑拿99spa"])
sentences = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=5, max_size=40).map(
        lambda words: (" ".join(words.split()) or "word").capitalize() + "."),
    min_size=1, max_size=4,
).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(paragraphs=st.lists(st.tuples(st.none() | keywords, sentences), min_size=1, max_size=6))
def test_keywords_opening_paragraphs_are_found_at_their_offsets(paragraphs):
    pieces, expected, position = [], [], 0
    for keyword, body in paragraphs:
        if pieces:
            pieces.append("\n\n")
            position += 2
        if keyword:
            expected.append((position, position + len(keyword), keyword))
            body = f"{keyword} {body}"
        pieces.append(body)
        position += len(body)
    [found] = find_injections(["".join(pieces)])
    assert [(injection.start, injection.end, injection.text) for injection in found] == expected


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.text(alphabet=st.sampled_from(list("ab 1.\n\t上海龙凤《》()（）🎉#sh419，。=`")), max_size=80),
                      min_size=1, max_size=3))
def test_injections_always_point_at_their_text_in_order(texts):
    for text, spans in zip(texts, find_injections(texts)):
        ends = [0]
        for span in spans:
            assert ends[-1] <= span.start < span.end <= len(text)
            assert text[span.start : span.end] == span.text
            ends.append(span.end)


def test_fingerprints_group_variants_of_one_core_and_nothing_that_only_shares_a_city_or_number():
    def spans(*words: str) -> tuple[Injection, ...]:
        return tuple(Injection(0, len(word), word, "paragraph-start") for word in words)

    fingerprints, operators = find_operators({
        "a": spans("上海龙凤419", "sh888"),
        "b": spans("上海龙凤419会所", "爱上海龙凤419论坛"),
        "c": spans("上海龙凤论坛419"),
        "d": spans("北京龙凤419", "上海花千坊520"),  # another core with the same trade or city
        "e": spans("上海花千坊520sh888"),  # holds a's Latin tag, which says little
    })
    groups = {fingerprint.core: set(fingerprint.keywords) for fingerprint in fingerprints}
    assert groups["上海龙凤419"] == {"上海龙凤419", "上海龙凤419会所", "爱上海龙凤419论坛", "上海龙凤论坛419"}
    assert groups["上海花千坊520"] == {"上海花千坊520", "上海花千坊520sh888"}
    assert groups["北京龙凤419"] == {"北京龙凤419"} and groups["sh888"] == {"sh888"}
    assert [operator.docs for operator in operators] == [("a", "b", "c"), ("d", "e")]
    assert operators[0].id == "O1" and set(operators[1].fingerprints) == {
        fingerprint.id for fingerprint in fingerprints if fingerprint.core in ("北京龙凤419", "上海花千坊520")}


def test_spam_is_left_out_of_the_similarities_unless_kept(tmp_path):
    keywords = ["上海龙凤419", "爱上海同城419", "上海龙凤419油压论坛"]
    first = ["Trams returned to Riverton on Saturday.", "The mayor cut a ribbon at the square.",
             "Traders worry about the works."]
    second = ["A bakery won the county prize.", "Judges praised its rye loaf.", "The owner thanked her staff."]
    for name, lines in (("a.txt", first), ("b.txt", second)):
        (tmp_path / name).write_text("\n\n".join(f"{kw} {line}" for kw, line in zip(keywords, lines)), encoding="utf-8")
    report = lineage.analyze(tmp_path)
    assert report.pairs == ()  # the two texts share nothing but the keywords
    assert [doc.operator for doc in report.documents] == ["O1", "O1"]
    assert [len(doc.injections) for doc in report.documents] == [3, 3]
    kept = lineage.analyze(tmp_path, keep_injections=True)
    assert [(pair.a, pair.b) for pair in kept.pairs] == [("a.txt", "b.txt")]
    assert kept.pairs[0].passages and kept.pairs[0].passages[0].a_text.startswith("上海龙凤419 ")

    out = tmp_path / "out"
    report.write(out)
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    # 上海龙凤419 and 上海龙凤419油压论坛 are one core; 爱上海同城419 (another trade) is a second fingerprint.
    assert data["operators"] == [{"id": "O1", "fingerprints": ["K1", "K2"], "docs": ["a.txt", "b.txt"]}]
    assert data["documents"][0]["injections"][0] == {
        "start": 0, "end": 7, "text": "上海龙凤419", "placement": "paragraph-start", "fingerprint": "K1"}
    assert data["summary"]["injections"] == {"keywords": 6, "documents": 2, "fingerprints": 2, "operators": 1,
                                             "in_shingles": False}
    with (out / "fingerprints.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6 and [row["fingerprint"] for row in rows] == ["K1", "K2", "K1"] * 2
    text = (tmp_path / "a.txt").read_text(encoding="utf-8")
    assert all(text[int(row["start"]) : int(row["end"])] == row["keyword"] for row in rows if row["doc"] == "a.txt")
    assert "## Spam operators" in (out / "report.md").read_text(encoding="utf-8")
