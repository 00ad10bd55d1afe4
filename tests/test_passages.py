from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.config import PassageConfig
from lineage.passages import align, document_tokens, pair_passages, variant_spans

DEMO = Path(__file__).resolve().parent.parent / "corpus" / "shanghai"
SENTENCE = "The glow from Shanghai's Zhangjiang High-Tech Park never sleeps at night in the city"


def passages(a: str, b: str, **config):
    first, second = document_tokens([a, b])
    return align(first, second, PassageConfig(**config))


def check_offsets(found, a: str, b: str) -> None:
    for passage in found:
        assert a[passage.a_start : passage.a_end] == passage.a_text
        assert b[passage.b_start : passage.b_end] == passage.b_text


def test_identical_text_is_one_passage_covering_it_all():
    [passage] = passages(SENTENCE, SENTENCE)
    assert (passage.a_start, passage.a_end, passage.b_start, passage.b_end) == (0, len(SENTENCE), 0, len(SENTENCE))
    assert passage.score == 1.0 and passage.aligned == 15 and passage.pattern == SENTENCE


def test_variant_spans_point_at_each_slot_on_both_sides():
    other = "Today the glow from Shanghai's Zhangjiang High-Tech Park, brighter than ever, never dims at night in the city"
    first, second = document_tokens([SENTENCE, other])
    [passage] = align(first, second)
    spans = variant_spans(first, second, passage)
    assert passage.pattern == ("The glow from Shanghai's Zhangjiang High-Tech Park {|brighter than ever} never {sleeps|dims} "
                               "at night in the city")
    assert [(SENTENCE[s:e], other[t:u]) for s, e, t, u in spans] == [("", "brighter than ever"), ("sleeps", "dims")]
    assert spans[0][0] == SENTENCE.index(" never")  # words only b has: an empty span in a, after "Park"


def test_an_inserted_clause_becomes_a_slot_with_an_empty_side():
    other = "Today the glow from Shanghai's Zhangjiang High-Tech Park, brighter than ever, never sleeps at night in the city"
    [passage] = passages(SENTENCE, other)
    assert passage.aligned == 15
    assert passage.pattern == "The glow from Shanghai's Zhangjiang High-Tech Park {|brighter than ever} never sleeps at night in the city"
    check_offsets([passage], SENTENCE, other)


def test_substituted_words_become_variant_slots():
    a = "The glow from Shanghai's Zhangjiang High-Tech Park never sleeps. Home to over 1,200 biotech firms."
    b = "The glow from Shanghai's Zhangjiang Science City laboratories never dims. Inside these research facilities."
    [passage] = passages(a, b)
    assert passage.pattern == "The glow from Shanghai's Zhangjiang {High-Tech Park|Science City laboratories} never {sleeps|dims}"
    assert passage.a_text == "The glow from Shanghai's Zhangjiang High-Tech Park never sleeps"
    assert passage.b_text == "The glow from Shanghai's Zhangjiang Science City laboratories never dims"
    check_offsets([passage], a, b)


def test_a_long_insertion_splits_the_passage():
    a = "one two three four five six seven. eight nine ten eleven twelve thirteen fourteen."
    inserted = " ".join(f"new{k}" for k in range(20))
    b = f"one two three four five six seven. {inserted}. eight nine ten eleven twelve thirteen fourteen."
    found = passages(a, b)
    assert [p.a_text for p in found] == ["one two three four five six seven", "eight nine ten eleven twelve thirteen fourteen"]
    check_offsets(found, a, b)


KEPT_BEFORE = "Riverton opened its first electric tram line on Saturday morning after years of delay."
KEPT_AFTER = "Transport director Marcus Odell said a second line could open by 2029 if funding is approved."


def test_one_rewritten_sentence_between_kept_ones_joins_them_into_one_passage():
    a = f"{KEPT_BEFORE} Each of the fourteen new trams can carry 240 passengers in the morning peak hours. {KEPT_AFTER}"
    b = f"{KEPT_BEFORE} Each new tram, of which there are fourteen, holds 240 riders in the busy morning hours. {KEPT_AFTER}"
    [passage] = passages(a, b)
    assert (passage.a_text, passage.b_text) == (a[:-1], b[:-1])
    check_offsets([passage], a, b)
    assert len(passages(a, b, bridge=0)) == 2


def test_an_unrelated_sentence_between_kept_ones_is_not_bridged():
    a = f"{KEPT_BEFORE} Fares match those on the buses and children travel free until the end of the year. {KEPT_AFTER}"
    b = f"{KEPT_BEFORE} The trams draw power from overhead lines except past the cathedral facades. {KEPT_AFTER}"
    found = passages(a, b)
    assert [p.a_text for p in found] == [KEPT_BEFORE[:-1], KEPT_AFTER[:-1]]
    assert passages(a, b, bridge=0) == found


def test_a_moved_sentence_is_found_inside_the_stretch_another_passage_skips():
    moved = "Shopkeepers on Canal Street say construction cut their trade by a third."
    a = f"{moved} {KEPT_BEFORE} Some new words here. {KEPT_AFTER}"
    b = f"{KEPT_BEFORE} {moved} {KEPT_AFTER}"
    found = passages(a, b)
    assert sorted(p.a_text for p in found) == sorted([moved[:-1], f"{KEPT_BEFORE} Some new words here. {KEPT_AFTER}"[:-1]])
    [inside] = [p for p in found if p.a_text == moved[:-1]]
    assert b[inside.b_start : inside.b_end] == moved[:-1]
    check_offsets(found, a, b)


def test_no_shared_text_and_short_accidental_matches_give_nothing():
    assert passages("alpha beta gamma delta epsilon zeta", "one two three four five six") == ()
    assert passages("in the city of light we met", "far from the city of rain they ran") == ()  # 3 words < 5


def test_cjk_text_aligns_character_by_character():
    a = "上海龙凤419论坛 今天 上海的科技园区从不睡觉"
    b = "爱上海龙凤419会所 今天 上海的科技园区从不休息"
    found = passages(a, b)
    check_offsets(found, a, b)
    assert [p.pattern for p in found] == ["上海龙凤419{论坛|会所} 今天 上海的科技园区从不"]
    assert found[0].b_start == 1  # after 爱


def test_pairs_are_aligned_in_chunks_with_the_same_result_as_alone():
    texts = [SENTENCE, SENTENCE.upper(), "nothing in common here at all, really nothing", SENTENCE + " again"]
    pairs = [(0, 1), (2, 3), (0, 3), (1, 3)]
    chunked = pair_passages(texts, pairs)
    tokens = document_tokens(texts)
    assert chunked == [align(tokens[a], tokens[b]) for a, b in pairs]
    assert chunked[1] == () and chunked[0][0].aligned == 15


def test_demo_rewrites_share_their_template_sentences():
    texts = {path.name[:3]: path.read_text(encoding="utf-8") for path in sorted(DEMO.glob("*.txt"))}
    tokens = dict(zip(texts, document_tokens(list(texts.values()))))
    patterns = {p.pattern for p in align(tokens["001"], tokens["002"])}
    assert "The glow from Shanghai's Zhangjiang {High-Tech Park|Science City laboratories} never {sleeps|dims}" in patterns
    patterns = {p.pattern for p in align(tokens["001"], tokens["003"])}
    assert "Once known primarily as China's financial {capital|center}, Shanghai has quietly built" in patterns


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["alpha", "beta", "gamma", "上", "海", "9.6", ".", ",", "it's", "\n"]), max_size=60),
       st.lists(st.sampled_from(["alpha", "beta", "gamma", "delta", "上", "海", ".", "\n"]), max_size=60))
def test_offsets_always_point_at_the_passage_text(words_a, words_b):
    a, b = " ".join(words_a), " ".join(words_b + words_a[: len(words_a) // 2])
    found = passages(a, b, min_tokens=3)
    check_offsets(found, a, b)
    for passage in found:
        assert 0 < passage.score <= 1.0 and passage.aligned >= 3


def test_bad_passage_settings_are_refused():
    from lineage.errors import ConfigError

    with pytest.raises(ConfigError):
        PassageConfig(seed=3, min_tokens=2)


def test_the_demo_report_holds_the_template_phrases_with_offsets_into_the_texts():
    import json

    report = json.loads((DEMO.parent.parent / "reports" / "shanghai" / "report.json").read_text(encoding="utf-8"))
    texts = {path.name: path.read_text(encoding="utf-8") for path in DEMO.glob("*.txt")}
    found = {}
    for pair in report["pairs"]:
        for passage in pair["passages"]:
            assert texts[pair["a"]][passage["a_start"] : passage["a_end"]] == passage["a_text"]
            assert texts[pair["b"]][passage["b_start"] : passage["b_end"]] == passage["b_text"]
            found[passage["pattern"]] = (pair["a"][:3], pair["b"][:3])
    glow = "The glow from Shanghai's Zhangjiang {High-Tech Park|Science City laboratories} never {sleeps|dims}"
    assert found[glow] == ("001", "002")
    assert found["Once known primarily as China's financial {capital|center}, Shanghai has quietly built"] == ("001", "003")


def test_auto_mode_aligns_only_the_strongest_pairs_of_a_large_report_and_says_so(tmp_path):
    import lineage
    from lineage.config import AnalyzeConfig, PassageConfig

    planted = Path(__file__).parent / "data" / "planted"
    report = lineage.analyze([planted], config=AnalyzeConfig(passage=PassageConfig(auto_max_pairs=3)))
    everything = lineage.analyze([planted], passages="on")
    assert len(report.pairs) > 3 and report.stats["passages_skipped"] is None
    assert report.stats["passages_partial"] == (f"the 3 strongest of {len(report.pairs)} reported pairs "
                                                "(about 0.8 ms a pair); pass --passages on to align them all")
    # Pairs come strongest first: the first three have the passages --passages on finds, the rest none.
    assert [pair.passages for pair in report.pairs[:3]] == [pair.passages for pair in everything.pairs[:3]]
    assert all(pair.coverage is not None for pair in report.pairs[:3])
    assert all(pair.passages == () and pair.coverage is None for pair in report.pairs[3:])
    report.write(tmp_path)
    assert f"Aligned for the 3 strongest of {len(report.pairs)} reported pairs" in (
        tmp_path / "report.md").read_text(encoding="utf-8")
    assert everything.stats["passages_partial"] is None and everything.stats["passages"] > 0
    off = lineage.analyze([planted], passages="off")
    assert off.stats["passages_skipped"] == "--passages off" and all(pair.coverage is None for pair in off.pairs)
    assert lineage.analyze([planted], passages="off").stats["passages"] == 0


def test_pair_coverage_is_the_share_of_the_shorter_documents_words_in_passages():
    import lineage

    planted = Path(__file__).parent / "data" / "planted"
    texts = {path.name: path.read_text(encoding="utf-8") for path in planted.glob("*.txt")}
    report = lineage.analyze([planted], passages="on")
    for pair in report.pairs:
        a, b = document_tokens([texts[pair.a], texts[pair.b]])
        expected = sum(p.aligned for p in pair.passages) / min(len(a), len(b))
        assert pair.coverage == pytest.approx(expected, abs=1e-6)
    copies = {(pair.a, pair.b): pair.coverage for pair in report.pairs}
    assert copies[("a_light.txt", "a_template.txt")] > 0.85 > copies[("a_heavy.txt", "a_template.txt")]
    assert all(pair.coverage is None for pair in lineage.analyze([planted], passages="off").pairs)


def test_site_boilerplate_is_no_passage_between_unrelated_pages(tmp_path):
    import json

    import lineage
    from lineage.config import SynthConfig

    lineage.synth.write_corpus(tmp_path, SynthConfig(docs=300, seed=3, sites=5))
    truth = {row["id"]: row for row in map(json.loads, (tmp_path / "truth.jsonl").read_text("utf-8").splitlines())}
    report = lineage.analyze([tmp_path / "corpus.jsonl"], passages="on")
    assert report.stats["boilerplate_passages"] > 0 and report.stats["passages"] > 0
    unrelated = [pair for pair in report.pairs
                 if truth[pair.a]["family"] != truth[pair.b]["family"] and truth[pair.a]["site"] == truth[pair.b]["site"]]
    assert len(unrelated) > 10  # pages of one site are among each other's nearest neighbours
    footers = [passage for pair in unrelated for passage in pair.passages if "©" in passage.a_text]
    assert footers == []  # their header and footer were dropped as boilerplate
