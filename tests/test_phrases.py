from __future__ import annotations

import csv
import json
from pathlib import Path

from lineage.passages import align, document_tokens
from lineage.phrases import family_template, family_templates, merge_phrases
from lineage.types import Occurrence, Pair, Phrase

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
    # a and b share one passage, from "The glow" to the end; the "Once known" sentence all three share is in
    # it, so the template says it once.
    assert len(used) == 1 and template == by_id[used[0]].pattern
    assert template.startswith("The glow") and template.count("Once known primarily") == 1
    assert "{park|campus}" in template and "never {sleeps|dims}" in template
    # A member and an outsider sharing a phrase do not make it the family's.
    assert family_template(phrases, ["a", "outside"], lengths)[1] == tuple(
        phrase.id for phrase in phrases if {"a", "outside"} <= set(phrase.docs))
    assert family_template(phrases, ["a", "b"], lengths, limit=1)[1] == (phrases[0].id,)
    assert family_template(phrases, ["b"], lengths) == ("", ())


def test_a_family_template_says_each_shared_sentence_once():
    paragraph = ("The old lighthouse on Gull Point was switched off in 1987 after a storm cracked its lens. "
                 "For three decades the tower stood empty and its iron door rusted shut. ")
    last = "The restored light now shines every night from dusk until dawn for the fishing boats."
    texts = {
        "a": "Local news. " + paragraph + last,
        "b": "Harbour notes. " + paragraph.replace("switched", "turned") + last,
        "c": "Weekend guide to the coast and its walks. " + last + " Open on Saturdays.",
    }
    phrases = merge_phrases(pairs_of(texts), texts)
    # The last sentence is a phrase of its own (all three share it) and the end of a's and b's shared passage.
    assert sum(last[:-1] in occurrence.text for phrase in phrases for occurrence in phrase.occurrences) == 5
    template, used = family_template(phrases, ["a", "b", "c"], {doc: len(text) for doc, text in texts.items()})
    assert template.count("The restored light now shines") == 1
    assert template.count("Gull Point") == 1 and len(used) == 1


def test_family_templates_in_one_pass_equal_one_family_at_a_time():
    texts = {
        "a": "The glow from the Zhangjiang park never sleeps at night. Filler words of a. "
             "Once known primarily as the financial capital, the city has quietly built a base.",
        "b": "The glow from the Zhangjiang campus never dims at night. Other filler of b. "
             "Once known primarily as the financial center, the city has quietly built a base.",
        "c": "Some words. Once known primarily as the financial hub, the city has quietly built a base.",
        "d": "Unrelated. The glow from the Zhangjiang labs never fades at night. End of d here.",
    }
    phrases = merge_phrases(pairs_of(texts), texts)
    lengths = {doc: len(text) for doc, text in texts.items()}
    for families in ([["a", "b"], ["c", "d"]], [["a", "c", "d"], ["b"]]):  # families do not overlap
        for limit in (1, 2, 40):
            assert family_templates(phrases, families, lengths, limit) == [
                family_template(phrases, members, lengths, limit) for members in families]
        assert family_templates(phrases, families, lengths)[0][0]


def test_a_slot_of_many_rewrites_shows_the_most_frequent_variants_and_how_many_more():
    words = ["park", "campus", "labs", "zone", "hub", "site", "quarter", "district"]
    texts = {f"d{n}": f"Intro {n}. The glow from the Zhangjiang {word} never sleeps at night and day. End {n}."
             for n, word in enumerate(words)}
    texts["d8"] = texts["d0"].replace("Intro 0", "Intro 8")  # "park" twice: the most frequent
    [phrase] = merge_phrases(pairs_of(texts), texts)
    assert len(phrase.docs) == 9
    assert phrase.pattern.startswith("The glow from the Zhangjiang {park|campus|labs|zone|hub|… 3 more} "
                                     "never sleeps at night and day")
    for occurrence in phrase.occurrences:  # the occurrences keep every variant
        assert texts[occurrence.doc][occurrence.start : occurrence.end] == occurrence.text


def test_a_long_variant_is_shortened_and_an_end_slot_some_occurrences_lack_is_left_out():
    from lineage.types import Passage

    long_a = "which everyone in the quiet northern district has been talking about during many long years now"
    long_b = "that nobody outside a small circle of engineers and patient investors had ever heard of before"
    texts = {
        "a": f"The committee approved the new budget {long_a} for the harbour district today",
        "b": f"The committee approved the new budget {long_b} for the harbour district today",
        "c": "The committee approved the new budget for the harbour district",
    }

    def passage(a: str, b: str) -> Passage:  # the whole of both texts, as a wide alignment would find it
        return Passage(0, len(texts[a]), 0, len(texts[b]), 0.5, 10, "", text_a=texts[a], text_b=texts[b])

    pairs = [Pair("a", "b", 0.0, 0.0, 0.0, 0, "rare", (passage("a", "b"),)),
             Pair("a", "c", 0.0, 0.0, 0.0, 0, "rare", (passage("a", "c"),))]
    [phrase] = merge_phrases(pairs, texts)
    slot = phrase.pattern[phrase.pattern.index("{") : phrase.pattern.index("}") + 1]
    assert len(slot) < len(long_a) + len(long_b)
    variants = slot[1:-1].split("|")
    assert len(variants) == 3 and variants[2] == "" and " … " in variants[0]  # c has nothing there
    assert variants[0].startswith("which everyone in the quiet") and variants[0].endswith("long years now")
    assert variants[1].startswith("that nobody outside a small") and variants[1].endswith("heard of before") and " … " in variants[1]
    # "today" is in a and b but not c: the phrase ends where all three do.
    assert phrase.pattern.startswith("The committee approved the new budget {")
    assert phrase.pattern.endswith("} for the harbour district")


def test_a_phrase_in_two_families_is_judged_by_its_words_in_each():
    def at(doc: str, part: str) -> Occurrence:
        start = texts[doc].index(part)
        return Occurrence(doc, start, start + len(part), doc_text=texts[doc])

    name = "Gull Point lighthouse keeper"
    sentence = "the Gull Point lighthouse keeper retired after forty years"
    elsewhere = "visit the harbour museum on weekends"
    texts = {"a": f"{name}. Then {sentence}.", "b": f"{name}! So {sentence}!",
             "c": f"Please {elsewhere} today.", "d": f"Also {elsewhere} again."}
    phrases = [  # strongest first: P, whose words are the name in one family and the museum in the other
        Phrase("P", "p", ("a", "b", "c", "d"), (at("a", name), at("b", name), at("c", elsewhere), at("d", elsewhere)),
               4, 9.0),
        Phrase("Q", sentence, ("a", "b"), (at("a", sentence), at("b", sentence)), 9, 5.0),
    ]
    lengths = {doc: len(text) for doc, text in texts.items()}
    families = [["a", "b"], ["c", "d"]]
    templates = family_templates(phrases, families, lengths)
    assert templates == [family_template(phrases, members, lengths) for members in families]
    assert [used for _, used in templates] == [("Q",), ("P",)]  # Q says the name in full; the museum is P's own
