from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.text import normalize, tokenize


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
