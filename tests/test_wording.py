from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from lineage.text import tokenize
from lineage.wording import Usage, Wording, _replacements, word_document_counts


def counts_by_word(texts: list[str], corpus: list[str]) -> dict[str, int]:
    words, counts = word_document_counts(corpus)
    found = dict(zip(words.tolist(), counts.tolist()))
    result = {}
    for text in texts:
        for word in set(tokenize(text).norms):
            (hash_,), _ = word_document_counts([word])
            result[word] = found.get(int(hash_), 0)
    return result


def test_word_document_counts_count_documents_not_occurrences_and_normalise_like_shingles():
    corpus = ["The the market", "market Prices", "prices rose", "THE end"]
    assert counts_by_word(["the market prices rose end"], corpus) == {"the": 2, "market": 2, "prices": 2, "rose": 1,
                                                                      "end": 1}
    assert counts_by_word(["x"], corpus) == {"x": 0}
    words, counts = word_document_counts(corpus * 10, chunk=1)  # 40 chunks, merged as they come, count the same
    assert words.tolist() == word_document_counts(corpus)[0].tolist()
    assert counts.tolist() == (10 * word_document_counts(corpus)[1]).tolist()
    assert word_document_counts([])[0].size == 0


def test_the_member_keeping_the_word_others_use_gets_the_votes():
    template = "the market in the city rose sharply as buyers came back to the old town this spring"
    spun = "the bazaar in the city rose sharply as purchasers came back to the old town this spring"
    others = ["the market fell", "buyers and the market", "a market for buyers", "the city market", "buyers"]
    wording = Wording([template, spun], word_document_counts([template, spun, *others]))
    assert wording.votes(0, 1) == 2  # market over bazaar, buyers over purchasers
    assert wording.votes(1, 0) == -2
    signs, keys = wording.swaps(1, 0)
    assert signs.tolist() == [-1, -1] and keys.tolist() == wording.swaps(0, 1)[1].tolist()


def test_a_word_fewer_than_three_other_documents_use_says_nothing():
    template = "the market in the city rose sharply as buyers came back to the old town this spring"
    spun = "the bazaar in the city rose sharply as purchasers came back to the old town this spring"
    others = ["the market fell", "buyers and the market", "a market for buyers", "the city market"]  # buyers: 2
    wording = Wording([template, spun], word_document_counts([template, spun, *others]))
    assert wording.swaps(0, 1)[0].tolist() == [1, 0]


def test_inserted_and_dropped_passages_are_not_word_swaps():
    template = "one two three four five six seven eight nine ten"
    longer = "one two three four five alpha beta gamma delta six seven eight nine ten"
    wording = Wording([template, longer], word_document_counts([template, longer, "alpha beta gamma delta"]))
    assert wording.votes(0, 1) == 0


def gaps(a: str, b: str, most_edits: int = 100) -> list[list[int]]:
    codes = [np.array([ord(c) for c in text], dtype=np.uint64) for text in (a, b)]
    return _replacements(*codes, 3, most_edits).tolist()


def test_replacements_are_the_equal_gaps_between_kept_runs_up_to_three_wide():
    assert gaps("abcdef", "abXdef") == [[2, 2, 1]]
    assert gaps("abcdef", "Xbcdef") == [[0, 0, 1]] and gaps("abcdef", "abcdeX") == [[5, 5, 1]]
    assert gaps("abcdefgh", "aXYdefZh") == [[1, 1, 2], [6, 6, 1]]
    assert gaps("abcdefgh", "aWXYZfgh") == []  # four wide: a rewritten passage
    assert gaps("abcd", "abXYcd") == [] and gaps("abc", "abc") == [] and gaps("", "ab") == []
    assert gaps("abcdef", "abXdef", most_edits=1) == []  # a swap is two edits


@given(st.text("abcd", max_size=30), st.text("abcd", max_size=30))
def test_replacement_gaps_lie_inside_both_texts_and_differ_at_every_word(a, b):
    for a_start, b_start, width in gaps(a, b):
        assert 1 <= width <= 3 and a_start + width <= len(a) and b_start + width <= len(b)
        assert all(a[a_start + k] != b[b_start + k] for k in range(width))


MARKET = "market buyers traders stalls prices vendors produce harvest"


def market_corpus() -> tuple[list[str], list[str]]:
    """A family, a template and its spin, and the corpus around it: five documents on its topic, and ten on
    another whose everyday words are the spinner's synonyms."""
    template = f"the {MARKET} in the city rose sharply as buyers came back to the old market this spring"
    spun = f"the {MARKET} in the city rose sharply as purchasers came back to the old bazaar this spring"
    on_topic = [f"{MARKET} report on the {word}" for word in ("city", "spring", "old", "rose", "back")]
    elsewhere = [f"bazaar purchasers wedding dress silk lanterns number {k}" for k in range(10)]
    return [template, spun], on_topic + elsewhere


def test_a_familys_words_are_counted_among_the_documents_on_its_topic():
    family, others = market_corpus()
    corpus = family + others
    # Over the whole corpus the spinner's synonyms are the commoner words, and the spin looks older.
    assert Wording(family, word_document_counts(corpus)).votes(0, 1) == -2
    usage = Usage(corpus, np.arange(len(corpus)))
    words, counts = usage.family_counts([0, 1])
    assert dict(zip(words.tolist(), counts.tolist())) == {
        int(word_document_counts([word])[0][0]): count
        for word, count in counts_by_word(family, family + others[:5]).items()}  # the topic: the five, not the ten
    assert Wording(family, (words, counts)).votes(0, 1) == 2  # market over bazaar, buyers over purchasers


def test_which_documents_are_on_a_topic_does_not_depend_on_the_order_they_were_read_in(monkeypatch):
    monkeypatch.setattr("lineage.wording._TOPIC_DOCUMENTS", 2)  # of five on the topic, with ties
    family, others = market_corpus()
    corpus = family + others
    rank = np.random.default_rng(7).permutation(len(corpus))
    found = Usage(corpus, rank).family_counts([0, 1])
    order = np.random.default_rng(8).permutation(len(corpus))
    reordered = Usage([corpus[k] for k in order], rank[order])
    members = [int(np.flatnonzero(order == 0)[0]), int(np.flatnonzero(order == 1)[0])]
    again = reordered.family_counts(members)
    assert found[0].tolist() == again[0].tolist() and found[1].tolist() == again[1].tolist()
    # Two documents on the topic were counted, each using the topic's words, "the" and one more of the family's.
    assert sum(found[1]) - sum(Usage(family, np.arange(2)).family_counts([0, 1])[1]) == 2 * (len(MARKET.split()) + 2)
