from __future__ import annotations

import csv
import json
from pathlib import Path

from lineage.passages import align, document_tokens
from lineage.phrases import family_template, merge_phrases
from lineage.types import Pair

ROOT = Path(__file__).resolve().parent.parent


def pairs_of(texts: dict[str, str]) -> list[Pair]:
    ids = sorted(texts)
    tokens = dict(zip(ids, document_tokens([texts[doc] for doc in ids])))
    return [
        Pair(a, b, 0.0, 0.0, 0.0, 0, "rare", align(tokens[a], tokens[b]))
        for i, a in enumerate(ids) for b in ids[i + 1 :]
    ]


def test_a_sentence_three_rewrites_share_is_one_phrase_with_three_way_slots():
    texts = {
        "x": "Intro one here. The glow from the Zhangjiang park never sleeps at night. Outro x.",
        "y": "Other start. The glow from the Zhangjiang campus never dims at night. Tail y.",
        "z": "Third. The glow from the Zhangjiang labs never fades at night. End z.",
    }
    [phrase] = merge_phrases(pairs_of(texts), texts)
    assert phrase.docs == ("x", "y", "z") and phrase.id == "P1"
    assert phrase.pattern == "The glow from the Zhangjiang {park|campus|labs} never {sleeps|dims|fades} at night"
    assert phrase.words == 8 and phrase.score == 16.0
    for occurrence in phrase.occurrences:
        assert texts[occurrence.doc][occurrence.start : occurrence.end] == occurrence.text


def test_a_short_phrase_inside_a_longer_shared_sentence_stands_alone():
    shared = "the committee approved the new budget for the harbour district"
    inner = "approved the new budget for"
    texts = {
        "a": f"{shared}. Something else entirely here. Then again {shared}.",
        "b": f"Intro words. {shared}.",
        "c": f"Unrelated opening sentence. It was {inner} schools.",
    }
    phrases = merge_phrases(pairs_of(texts), texts)
    by_docs = {phrase.docs: phrase for phrase in phrases}
    assert by_docs[("a", "b")].pattern == shared  # a's second copy matches b's one copy only once
    assert by_docs[("a", "b", "c")].pattern == inner
    assert [(o.doc, o.start, o.end) for o in by_docs[("a", "b", "c")].occurrences] == [("a", 14, 41), ("b", 27, 54), ("c", 35, 62)]
    for phrase in phrases:
        for occurrence in phrase.occurrences:
            assert texts[occurrence.doc][occurrence.start : occurrence.end] == occurrence.text


def test_no_passages_no_phrases():
    assert merge_phrases([Pair("a", "b", 0.0, 0.0, 0.0, 0, "rare")], {"a": "x", "b": "y"}) == ()


def test_the_demo_report_lists_the_glow_phrase_of_001_and_002():
    report = json.loads((ROOT / "reports" / "shanghai" / "report.json").read_text(encoding="utf-8"))
    patterns = {phrase["pattern"]: [doc[:3] for doc in phrase["docs"]] for phrase in report["phrases"]}
    glow = "The glow from Shanghai's Zhangjiang {High-Tech Park|Science City laboratories} never {sleeps|dims}"
    assert patterns[glow] == ["001", "002"]
    texts = {path.name: path.read_text(encoding="utf-8") for path in (ROOT / "corpus" / "shanghai").glob("*.txt")}
    for phrase in report["phrases"]:
        for occurrence in phrase["occurrences"]:
            assert texts[occurrence["doc"]][occurrence["start"] : occurrence["end"]] == occurrence["text"]
    with (ROOT / "reports" / "shanghai" / "phrases.csv").open(encoding="utf-8", newline="") as handle:
        csv_rows = list(csv.reader(handle))
    assert csv_rows[0] == ["phrase", "pattern", "documents", "words", "doc", "start", "end", "text"]
    assert len(csv_rows) == 1 + sum(len(phrase["occurrences"]) for phrase in report["phrases"])


def test_a_string_on_every_page_ranks_below_a_rarer_sentence_two_pages_share(tmp_path):
    import lineage

    stamp = "zebra quartz violin harbour mango"
    sentence = "the committee approved the new budget for the harbour district"
    filler = "Apples grow on trees near the river bank every autumn while farmers count crates and sing old songs loudly."
    other = "Trains leave the station early on weekday mornings and return late after dark with tired commuters inside."
    bodies = [  # the fillers keep the stamp and the sentence more than max_gap words apart
        f"{stamp}. {filler} {sentence}.",
        f"{stamp}. {other} {sentence}.",
        f"{stamp}. Children play football in the park after school.",
        f"{stamp}. Old ships rust slowly in the quiet northern bay.",
    ]
    for number, body in enumerate(bodies):
        (tmp_path / f"d{number}.txt").write_text(body, encoding="utf-8")
    phrases = lineage.analyze([tmp_path]).phrases
    patterns = [phrase.pattern for phrase in phrases]
    assert patterns.index(sentence) < patterns.index(stamp)  # 2 documents, rare, beats 4 documents, everywhere
    assert phrases[patterns.index(stamp)].docs == ("d0.txt", "d1.txt", "d2.txt", "d3.txt")


def test_family_template_keeps_phrases_two_members_share_in_text_order():
    texts = {
        "a": "The glow from the Zhangjiang park never sleeps at night. Filler words of a. "
             "Once known primarily as the financial capital, the city has quietly built a base.",
        "b": "The glow from the Zhangjiang campus never dims at night. Other filler of b. "
             "Once known primarily as the financial center, the city has quietly built a base.",
        "outside": "Some words. Once known primarily as the financial hub, the city has quietly built a base.",
    }
    phrases = merge_phrases(pairs_of(texts), texts)
    lengths = {doc: len(text) for doc, text in texts.items()}
    template, used = family_template(phrases, ["a", "b"], lengths)
    by_id = {phrase.id: phrase for phrase in phrases}
    assert len(used) == 2
    assert by_id[used[0]].pattern.startswith("The glow") and by_id[used[1]].pattern.startswith("Once known")
    assert template == " … ".join(by_id[phrase_id].pattern for phrase_id in used)
    assert "{park|campus}" in template and "never {sleeps|dims}" in template
    # A member and an outsider sharing a phrase do not make it the family's.
    assert family_template(phrases, ["a", "outside"], lengths)[1] == tuple(
        phrase.id for phrase in phrases if {"a", "outside"} <= set(phrase.docs))
    assert family_template(phrases, ["a", "b"], lengths, limit=1)[1] == (phrases[0].id,)
    assert family_template(phrases, ["b"], lengths) == ("", ())
