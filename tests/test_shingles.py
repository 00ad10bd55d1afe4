from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage.config import ShingleConfig
from lineage.errors import ConfigError
from lineage.shingles import concatenate, incidence_matrix, shingle_hashes, shingle_sets, stack
from lineage.text import tokenize

WORD3 = ShingleConfig("word", 3)


def hashes(text: str, config: ShingleConfig = WORD3) -> np.ndarray:
    return shingle_hashes(tokenize(text), config)


def test_word_shingles_are_the_distinct_ngrams():
    assert len(hashes("a b c d e")) == 3
    assert len(hashes("a b c a b c")) == 3  # "a b c", "b c a", "c a b"
    assert len(hashes("a b")) == 0


def test_shingles_ignore_case_width_and_punctuation_but_not_order():
    assert np.array_equal(hashes("The glow, from Shanghai!"), hashes("the GLOW from ＳＨＡＮＧＨＡＩ"))
    assert not np.array_equal(hashes("glow from the city"), hashes("from glow the city"))


def test_char_shingles_span_token_boundaries():
    config = ShingleConfig("char", 5)
    assert len(hashes("abc de", config)) == len({"abc d", "bc de"})
    assert len(hashes("abcd", config)) == 0


def test_word_and_char_shingles_never_collide():
    assert not set(hashes("x y z", ShingleConfig("word", 1))) & set(hashes("x y z", ShingleConfig("char", 1)))


def test_shingle_spec_parsing():
    assert ShingleConfig.parse("char:5") == ShingleConfig("char", 5)
    for bad in ("word", "word:x", "line:3", "word:0"):
        with pytest.raises(ConfigError):
            ShingleConfig.parse(bad)


def test_incidence_matrix_rows_are_the_documents_sets():
    rows = [hashes("a b c d"), hashes("b c d e"), hashes("x y z")]
    matrix, columns = incidence_matrix(stack(rows))
    assert matrix.shape == (3, len(set(np.concatenate(rows).tolist())))
    for i, row in enumerate(rows):
        assert np.array_equal(columns[matrix[[i]].indices], row)


@settings(max_examples=200, deadline=None)
@given(st.text(), st.sampled_from([ShingleConfig("word", 1), WORD3, ShingleConfig("char", 4)]))
def test_shingles_are_sorted_unique_deterministic_and_bounded(text, config):
    first = hashes(text, config)
    assert first.dtype == np.uint64
    assert np.all(np.diff(first.astype(object)) > 0) if len(first) > 1 else True
    assert np.array_equal(first, hashes(text, config))
    tokens = tokenize(text)
    units = len(tokens) if config.kind == "word" else len(" ".join(tokens.norms))
    assert len(first) <= max(units - config.n + 1, 0)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.text(st.sampled_from(list("ab cÉ’上海\u0301ﬁ9.,")), max_size=40), max_size=5),
    st.sampled_from([ShingleConfig("word", 1), WORD3, ShingleConfig("char", 4)]),
)
def test_many_documents_at_once_shingle_as_each_alone(texts, config):
    rows, lengths = shingle_sets(texts, config)
    assert len(rows) == len(lengths) == len(texts)
    for i, text in enumerate(texts):
        tokens = tokenize(text)
        assert np.array_equal(rows.row(i), shingle_hashes(tokens, config))
        assert lengths[i] == (len(tokens) if config.kind == "word" else len(" ".join(tokens.norms)))


def test_concatenate_keeps_row_order_and_can_drop_empty_rows():
    first, _ = shingle_sets(["a b c d", "x"], WORD3)
    second, _ = shingle_sets(["b c d e"], WORD3)
    both = concatenate([first, second])
    assert len(both) == 3 and len(both.row(1)) == 0
    assert np.array_equal(both.row(2), second.row(0))
    dense = concatenate([first, second], drop_empty=True)
    assert len(dense) == 2 and np.array_equal(dense.row(1), second.row(0))
