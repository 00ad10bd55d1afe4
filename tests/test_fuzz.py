"""Property tests over hostile text: the tokeniser, shingler, MinHash, aligner and byte decoder.

Texts are drawn from an alphabet of the characters that break text tools:
combining marks with nothing to combine with, zero-width and bidirectional
format characters, Arabic and Hebrew with their vowel points, CJK and kana,
emoji with modifiers and joiners, characters that grow or change under NFKC
and case folding, and every kind of line break. Each property runs a fixed,
database-free set of examples (tests/conftest.py); ``LINEAGE_FUZZ_SCALE=N``
multiplies their number for a deeper run by hand.
"""

from __future__ import annotations

import codecs
import os
from unittest.mock import patch
import numpy as np
import regex
from datasketch import MinHash
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Indel

from lineage.config import MinHashConfig, PassageConfig, ShingleConfig
from lineage.encodings import NotText, decode_bytes
from lineage.passages import align, document_tokens, opcodes, segments
from lineage.shingles import minhash_inputs, shingle_hashes, shingle_sets
from lineage.signatures import minhash_signatures
from lineage.text import normalize, tokenize

SCALE = float(os.environ.get("LINEAGE_FUZZ_SCALE", "1"))


def examples(count: int) -> settings:
    return settings(max_examples=max(1, round(count * SCALE)), deadline=None)


HOSTILE = (
    "aZé9 .,'’ʼ-\n\t\r\x85\u2028\u2029\u3000"  # Latin, digits, the apostrophe and decimal rules, line breaks
    "\u0301\u0308\u20e3\ufe0f\ufe00\u0345"  # combining marks, keycap, variation selectors
    "\u200b\u200c\u200d\u2060\ufeff\u00ad"  # zero-width characters and the soft hyphen
    "كتبالمدرسة\u064e\u0650\u0652\u0640٣"  # Arabic letters, vowel marks, tatweel, an Arabic-Indic digit
    "שלוםעולם\u05b0\u05bc\u200e\u200f\u202b\u202e\u2067\u2069"  # Hebrew with points; bidi marks and isolates
    "上海龙凤カーｶ서울\u1100\u1161\u11a8\u3099"  # CJK, kana, half width, Hangul syllables and jamo, a kana mark
    "😀👍🏽❤🇨🇳"  # emoji, a skin-tone modifier, a flag's regional indicators
    "ﬁßẞİΣς\u3392ǅ\u1fe2"  # ligature, sharp s, dotted I, final sigma, squared MHz, titlecase digraph
)
hostile_text = st.one_of(st.text(st.sampled_from(HOSTILE), max_size=80), st.text(max_size=40))
hostile_words = st.lists(st.text(st.sampled_from(HOSTILE), min_size=1, max_size=6), max_size=40)


# Never inside a token: spaces, line breaks and control characters (by the regex module's Unicode
# tables, which the tokeniser uses and which can be newer than unicodedata's).
SEPARATOR = regex.compile(r"[\p{Z}\p{Cc}]")


def surfaces(text: str) -> list[str]:
    tokens = tokenize(text)
    return [text[start:end] for start, end in zip(tokens.starts.tolist(), tokens.ends.tolist())]


# Tokeniser


@examples(400)
@given(hostile_text)
def test_tokens_lie_inside_the_text_in_order_and_round_trip_to_their_slice(text):
    tokens = tokenize(text)
    assert len(tokens.starts) == len(tokens.ends) == len(tokens.norms)
    previous_end = 0
    for start, end, norm in zip(tokens.starts.tolist(), tokens.ends.tolist(), tokens.norms):
        assert previous_end <= start < end <= len(text)
        piece = text[start:end]
        assert norm == normalize(piece) and norm
        assert not SEPARATOR.search(piece)
        previous_end = end


@examples(200)
@given(hostile_text, hostile_text)
def test_tokens_do_not_depend_on_their_neighbours_across_a_space(first, second):
    together = tokenize(first + " " + second)
    alone_first, alone_second = tokenize(first), tokenize(second)
    shift = len(first) + 1
    assert together.starts.tolist() == alone_first.starts.tolist() + (alone_second.starts + shift).tolist()
    assert together.ends.tolist() == alone_first.ends.tolist() + (alone_second.ends + shift).tolist()
    assert together.norms == alone_first.norms + alone_second.norms


@examples(200)
@given(hostile_text)
def test_tokens_rejoined_by_spaces_tokenise_to_themselves(text):
    pieces = surfaces(text)
    assert surfaces(" ".join(pieces)) == pieces


@examples(150)
@given(st.lists(st.one_of(st.sampled_from(HOSTILE), st.integers(0xD800, 0xDFFF).map(chr)), max_size=40))
def test_lone_surrogates_from_json_escapes_tokenise_without_error(chars):
    # json.loads('"\\ud800"') makes a str holding a lone surrogate; the tokeniser must take it.
    text = "".join(chars)
    tokens = tokenize(text)
    assert all(0 <= start < end <= len(text) for start, end in zip(tokens.starts.tolist(), tokens.ends.tolist()))


# Shingler and MinHash

CONFIGS = [ShingleConfig("word", 1), ShingleConfig("word", 3), ShingleConfig("char", 5), ShingleConfig("word", 64)]


@examples(150)
@given(st.lists(hostile_text, max_size=6), st.sampled_from(CONFIGS), st.randoms(use_true_random=False))
def test_a_documents_shingles_do_not_depend_on_the_others_or_their_order(texts, config, random):
    rows, lengths = shingle_sets(texts, config)
    order = list(range(len(texts)))
    random.shuffle(order)
    shuffled, shuffled_lengths = shingle_sets([texts[k] for k in order], config)
    for position, k in enumerate(order):
        assert np.array_equal(shuffled.row(position), rows.row(k))
        assert shuffled_lengths[position] == lengths[k]
        assert len(rows.row(k)) <= max(int(lengths[k]) - config.n + 1, 0)


@examples(150)
@given(hostile_text, st.sampled_from(CONFIGS))
def test_shingles_see_only_the_tokens_not_the_characters_between_them(text, config):
    # Word shingles hash normal forms; the gaps between tokens (punctuation, format characters, line
    # breaks) never count, so the tokens rejoined by single spaces have the same shingles.
    rejoined = " ".join(surfaces(text))
    first, second = shingle_sets([text, rejoined], config)[0], shingle_sets([rejoined], config)[0]
    assert np.array_equal(first.row(0), second.row(0))
    assert np.array_equal(first.row(0), shingle_hashes(tokenize(text), config))


@examples(100)
@given(hostile_words, st.randoms(use_true_random=False))
def test_unigram_shingles_are_a_set_of_words(words, random):
    shuffled = list(words)
    random.shuffle(shuffled)
    config = ShingleConfig("word", 1)
    rows, _ = shingle_sets([" ".join(words), " ".join(shuffled + words)], config)
    assert np.array_equal(rows.row(0), rows.row(1))


@examples(60)
@given(hostile_text, st.integers(1, 48), st.sampled_from([0, 1, 2**31, 2**32 - 1]))
def test_signatures_of_hostile_text_are_datasketchs(text, num_perm, seed):
    config = MinHashConfig(num_perm, seed)
    row = shingle_hashes(tokenize(text), ShingleConfig("char", 3))
    rows, _ = shingle_sets([text], ShingleConfig("char", 3))
    oracle = MinHash(num_perm=num_perm, seed=seed, hashfunc=int)
    oracle.update_batch(minhash_inputs(row).tolist())
    assert np.array_equal(minhash_signatures(rows, config)[0], oracle.hashvalues)


# Aligner


def edited(words: list[str], edits: list[tuple[int, int, str]]) -> list[str]:
    """``words`` with each ``(kind, position, word)`` edit applied: 0 substitutes, 1 inserts, 2 deletes."""
    out = list(words)
    for kind, position, word in edits:
        if not out:
            out.append(word)
            continue
        position %= len(out)
        if kind == 0:
            out[position] = word
        elif kind == 1:
            out.insert(position, word)
        else:
            del out[position]
    return out


shared_and_edits = st.tuples(
    hostile_words,
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 200), st.text(st.sampled_from(HOSTILE), min_size=1,
                                                                        max_size=4)), max_size=8),
    st.sampled_from([" ", "\n", ". ", " \u200b", "، "]),
)


def check_passage(passage, a: str, b: str, config: PassageConfig) -> None:
    assert 0 <= passage.a_start < passage.a_end <= len(a)
    assert 0 <= passage.b_start < passage.b_end <= len(b)
    assert a[passage.a_start : passage.a_end] == passage.a_text
    assert b[passage.b_start : passage.b_end] == passage.b_text
    words_a, words_b = len(tokenize(passage.a_text)), len(tokenize(passage.b_text))
    assert config.min_tokens <= passage.aligned <= min(words_a, words_b)
    assert 0 < passage.score <= 1.0
    assert passage.score == round(2 * passage.aligned / (words_a + words_b), 6)


@examples(200)
@given(shared_and_edits, hostile_words, hostile_words)
def test_passages_lie_inside_both_texts_and_are_their_slices(shared, before, after):
    words, edits, joiner = shared
    a = joiner.join(before + words)
    b = joiner.join(edited(words, edits) + after)
    config = PassageConfig(min_tokens=3)
    first, second = document_tokens([a, b])
    found = align(first, second, config)
    assert [passage.a_start for passage in found] == sorted(passage.a_start for passage in found)
    for passage in found:
        check_passage(passage, a, b, config)
        pieces = segments(first, second, passage)
        assert "".join(piece.a_gap + piece.a_text for piece in pieces) == passage.a_text
        assert "".join(piece.b_gap + piece.b_text for piece in pieces) == passage.b_text
        assert sum(len(tokenize(piece.a_text)) for piece in pieces if piece.kept) == passage.aligned


# Words that are one token each and distinct in normal form, so that every seed is unambiguous.
WORD_START = "aZé9كتبالمدرسةשלוםעולם서울ßİΣǅ"
distinct_words = st.lists(
    st.tuples(st.sampled_from(WORD_START), st.text(st.sampled_from(WORD_START + "\u0301\u064e\u05bc\u0308"), max_size=5))
    .map("".join),
    min_size=5, max_size=40, unique_by=normalize,
)
edits = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 200)), max_size=6)


@examples(150)
@given(distinct_words, edits, st.sampled_from([" ", ". ", " \u200f"]))
def test_swapping_the_documents_swaps_the_passages(words, changes, joiner):
    a = joiner.join(words)
    b = joiner.join(edited(words, [(kind, position, f"q{k}") for k, (kind, position) in enumerate(changes)]))
    first, second = document_tokens([a, b])
    assert len(first) == len(words)
    forward, backward = align(first, second), align(second, first)
    assert [(p.a_start, p.a_end, p.b_start, p.b_end, p.aligned) for p in forward] == [
        (p.b_start, p.b_end, p.a_start, p.a_end, p.aligned) for p in backward
    ]


@examples(100)
@given(distinct_words)
def test_a_text_aligned_with_itself_is_one_whole_passage(words):
    text = " ".join(words)
    doc = document_tokens([text])[0]
    [passage] = align(doc, doc)
    assert (passage.a_start, passage.a_end) == (passage.b_start, passage.b_end) == (0, len(text))
    assert passage.score == 1.0 and passage.aligned == len(words) == len(doc)


@examples(200)
@given(st.lists(st.integers(0, 5), max_size=150), edits, st.integers(2, 24), st.booleans())
def test_long_regions_are_aligned_window_by_window_into_one_alignment(words, changes, window, distinct):
    if distinct:
        words = list(range(len(words)))
    other = edited(words, [(kind, position, 1000 + k) for k, (kind, position) in enumerate(changes)])
    with patch("lineage.passages._WINDOW", window):
        aligned = opcodes(words, other)
    i = j = 0
    for op in aligned:  # one path through both sequences, equal where it says so
        assert (op.src_start, op.dest_start) == (i, j)
        assert op.tag in ("equal", "delete", "insert", "replace")
        if op.tag == "equal":
            assert words[op.src_start : op.src_end] == other[op.dest_start : op.dest_end]
        i, j = op.src_end, op.dest_end
    assert (i, j) == (len(words), len(other))
    kept = sum(op.src_end - op.src_start for op in aligned if op.tag == "equal")
    exact = (len(words) + len(other) - Indel.distance(words, other)) // 2
    assert kept <= exact
    if distinct and window > 2 * len(changes):
        # Distinct words and sparse edits (in a region, seeds are at most max_gap words apart): every
        # window holds a pair of the best alignment, and the windows' alignments add up to it.
        assert kept == exact
    if len(words) <= window and len(other) <= window:
        assert aligned == list(Indel.opcodes(words, other))


# Byte decoder

BOMS = [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE]


@examples(300)
@given(st.sampled_from(BOMS), st.binary(max_size=300))
def test_any_bytes_decode_to_text_without_lone_surrogates_or_are_called_binary(bom, data):
    try:
        text, encoding = decode_bytes(bom + data)
    except NotText:
        return
    text.encode("utf-8")  # raises on a lone surrogate
    assert "\r" not in text
    assert encoding == "utf-8 (invalid bytes replaced)" or codecs.lookup(encoding)


readable = st.text(st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\ufeff"), max_size=200)


@examples(150)
@given(readable, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]), st.sampled_from(["\n", "\r\n", "\r"]))
def test_text_in_unicode_encodings_decodes_back_with_unix_newlines(text, encoding, newline):
    text = text.replace("\n", newline)
    assume(text.strip())
    decoded, used = decode_bytes(text.encode(encoding))
    assert decoded == text.replace("\r\n", "\n").replace("\r", "\n")
    assert used == encoding

