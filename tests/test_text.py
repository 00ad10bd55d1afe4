from __future__ import annotations

import unicodedata

import numpy as np
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.text import codepoints, decode, fold_table, normalize, normalized_tokens, token_spans, tokenize


def surfaces(text: str) -> list[str]:
    tokens = tokenize(text)
    return [text[start:end] for start, end in zip(tokens.starts, tokens.ends)]


def test_latin_words_keep_inner_apostrophes_and_decimal_numbers():
    text = "Shanghai’s ¥70 billion ($9.6 billion) for 1,200 firms, U.S.-China."
    assert surfaces(text) == ["Shanghai’s", "70", "billion", "9.6", "billion", "for", "1,200", "firms", "U", "S", "China"]
    assert tokenize(text).norms[0] == "shanghai's"


def test_cjk_runs_become_one_token_per_character():
    text = "上海龙凤419 The city 张江"
    assert surfaces(text) == ["上", "海", "龙", "凤", "419", "The", "city", "张", "江"]


def test_japanese_kana_and_korean_words():
    assert surfaces("東京スカイツリー") == ["東", "京", "ス", "カ", "イ", "ツ", "リ", "ー"]
    assert surfaces("カタカナーabc") == ["カ", "タ", "カ", "ナ", "ー", "abc"]
    assert surfaces("서울시는 오늘") == ["서울시는", "오늘"]


def test_normalisation_folds_width_case_ligatures_and_apostrophes():
    tokens = tokenize("ＡＢＣ ﬁne STRASSE Straße It’s")
    assert tokens.norms == ("abc", "fine", "strasse", "strasse", "it's")


def test_no_tokens_in_punctuation_or_whitespace():
    assert len(tokenize(" \n\t—…!?,. ")) == 0


def test_a_mark_with_no_letter_before_it_starts_no_token():
    assert len(tokenize("❤️ 👍🏽 ✨️ \u0301\u0308 \u20e3")) == 0  # variation selectors, stray accents, a keycap
    assert surfaces("cafe\u0301 \u0301ete 上\u3099 1\ufe0f\u20e3") == ["cafe\u0301", "ete", "上\u3099", "1\ufe0f\u20e3"]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_offsets_point_at_the_token_text(text):
    tokens = tokenize(text)
    assert len(tokens.starts) == len(tokens.ends) == len(tokens.norms)
    previous_end = 0
    for start, end, norm in zip(tokens.starts, tokens.ends, tokens.norms):
        assert previous_end <= start < end <= len(text)
        assert norm == normalize(text[start:end])
        previous_end = end


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalize_is_idempotent_and_nfkc(text):
    once = normalize(text)
    assert normalize(once) == once
    assert unicodedata.is_normalized("NFKC", once)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["alpha", "Beta", "上", "海", "9.6", "it's", "naïve"]), max_size=30))
def test_tokens_survive_any_whitespace_between_them(words):
    assert tokenize(" ".join(words)).norms == tokenize("\r\n".join(words)).norms


# The tokeniser's definition, as a regular expression: the compiled scan must match it exactly.
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\u30fc\uff70"
_W = rf"[[\p{{L}}\p{{N}}\p{{M}}]--[{_CJK}]]"
ORACLE = regex.compile(rf"[{_CJK}]\p{{M}}*|[{_W}--\p{{M}}]{_W}*(?:['\u2019\u02bc]{_W}+|(?<=\p{{N}})[.,]\p{{N}}+)*",
                       regex.VERSION1)
# Characters at the edges of the token rules, so that random strings hit them often.
TRICKY = st.sampled_from(list("aZé9٣.,'\u2019\u02bc -\u0301\u3099上海カーｶ서\x00\n😀ﬁß\u0130Σ\u2028"))


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), st.text(TRICKY)))
def test_tokens_are_what_the_regular_expression_matches(text):
    tokens = tokenize(text)
    assert list(zip(tokens.starts.tolist(), tokens.ends.tolist())) == [m.span() for m in ORACLE.finditer(text)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(), st.text(TRICKY)), max_size=6))
def test_many_texts_at_once_tokenise_as_each_alone(texts):
    units, text_starts = codepoints(texts)
    indptr, starts, ends = token_spans(units, text_starts)
    normal = decode(normalized_tokens(units, starts, ends)).split("\x00")[:-1]
    for i, text in enumerate(texts):
        alone = tokenize(text)
        span = slice(indptr[i], indptr[i + 1])
        assert np.array_equal(starts[span] - text_starts[i], alone.starts)
        assert np.array_equal(ends[span] - text_starts[i], alone.ends)
        assert tuple(normal[span]) == alone.norms


def test_the_fold_table_agrees_with_normalize():
    fold = fold_table()
    codes = np.flatnonzero(fold)
    assert len(codes) > 40_000  # Latin, Greek, Cyrillic, kana, CJK and Hangul fold by table
    assert all(normalize(chr(code)) == chr(fold[code]) for code in codes.tolist())
    assert fold[ord("A")] == ord("a") and fold[ord("\u2019")] == ord("'")
    assert fold[ord("ß")] == 0 and fold[0x0301] == 0  # one to two characters; a combining mark
