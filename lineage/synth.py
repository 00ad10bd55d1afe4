"""Simulate content-farm corpora with their ground truth: families of rewrites, site boilerplate, spam keywords.

:func:`generate` yields documents and their truth lazily; :func:`write_corpus` streams them to
``corpus.jsonl`` and ``truth.jsonl`` holding only the families being generated.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lineage.config import SynthConfig
from lineage.errors import OutputError
from lineage.report import prepare_output_directory

from lineage.types import Progress

log = logging.getLogger(__name__)
_Ints = npt.NDArray[np.int64]

SYNTH_FILES = ("corpus.jsonl", "truth.jsonl")
LEVELS = ("template", "light", "medium", "heavy", "independent")


# 332 of the most common English words, most common first: the head of the vocabulary.
_COMMON_WORDS = tuple("""
    the of and to a in is that for it was on with he as be by at have are this not but from or his they
    an which you one were all we her she there would their will when who him been has more if no out do
    so can what up said about other into than its time only could new them man some these then two first
    may any like now my such make over our even most me state after also made many did must before back
    see through way where get much go well your know should down work year because come people just say
    each those take day good how long own too little use us very great still men here life both between
    old under last never place same another think house while high right might came off find since used
    give against three himself look few general hand school part small upon during every until always
    without course again world less later home why often city need far public next number went around
    however young something feel seem already among thing along whether within rather perhaps almost
    enough though across yet nothing quite once best better large several toward others group became
    become country side water days away power things area fact light itself given order case children
    open present social means began kind form car family early done keep let took point seen above white
    real second set end told help turn asked want show put per including held major today local usually
    full half level whole least based able free national moment market known close report law stood
    likely clear church service night room nature change body information behind really below word sense
    whose mind probably near leave money either yes matter taken top business heard knew months started
    certain morning gave believe week river question cut shall nor past experience simply strong times
    run hard road therefore thus indeed quickly
""".split())
_COMMON_PHRASES = (
    "one of the", "as well as", "in order to", "at the same time", "more than", "part of the", "at the end of the",
    "for the first time", "in the past", "at least", "a number of", "on the other hand", "such as", "even though",
    "so that", "each other", "in the world", "there is no", "it is likely that", "has been", "would be",
    "for the most part", "in this case", "at the moment", "more and more", "the local market", "in the city",
    "over the next", "most of the", "some of the",
)
_CITIES = (
    ("上海", "sh"), ("北京", "bj"), ("广州", "gz"), ("深圳", "sz"), ("杭州", "hz"), ("南京", "nj"),
    ("苏州", "su"), ("成都", "cd"), ("武汉", "wh"), ("西安", "xa"), ("天津", "tj"), ("重庆", "cq"),
    ("长沙", "cs"), ("厦门", "xm"), ("青岛", "qd"), ("东莞", "dg"),
)
_TRADES = ("龙凤", "花千坊", "夜网", "桑拿", "同城", "品茶", "外围", "楼凤", "后花园", "夜生活")
_NUMBERS = ("419", "1314", "888", "520", "51", "99", "666", "365")
_SUFFIXES = ("论坛", "会所", "网", "社区", "信息网", "交友", "油压论坛", "新地址", "验证", "spa")
_PREFIXES = ("爱", "新", "老", "阿拉")
_SITE_WORDS = ("Daily", "News", "Times", "Post", "Herald", "Review", "Online", "Weekly", "Journal", "Insider")

_VOCABULARY_SIZE = 50_000
_VOCABULARY_SEED = 1_729  # the vocabulary is the simulated language: the same for every corpus
_ONSETS = ("", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
           "br", "ch", "cl", "dr", "fr", "gr", "pl", "sh", "st", "th", "tr")
_NUCLEI = ("a", "e", "i", "o", "u", "a", "e", "i", "o", "ai", "ea", "ou")
_CODAS = ("", "", "", "", "n", "r", "l", "s", "t", "m", "nd", "st", "x", "ck")

# Flags stored above the word id in a body's word array.
_ID_MASK = (1 << 20) - 1
_COMMA = 1 << 20  # a comma follows the word
_PROPER = 1 << 21  # a name: always capitalised, never replaced by a synonym
_TERMINALS = np.array([".", "?", "!"], dtype=object)
_TERMINAL_CDF = np.array([0.93, 0.98, 1.0])

_SENTENCE_WORDS = 18.0  # median sentence length; lognormal with this spread
_SENTENCE_SIGMA = 0.45
_PARAGRAPH_SENTENCES = (2, 6)
_COMMA_RATE = 0.06
_CONTENT_RUN = 1.6  # mean run of content words between function words
_TOPIC_WORDS = 300  # sub-vocabulary of each topic
_TOPIC_SHARE = 0.3  # content words drawn from the article's topic
_TOPIC_PHRASES = 60  # stock phrases of each topic, shared by every article on it
_TOPIC_PHRASE_SHARE = 0.10  # content words that are a topic phrase instead
_COMMON_PHRASE_SHARE = 0.02  # content words that are a common English collocation instead
_PHRASE_PATTERNS = ("TFT", "FTT", "TTT", "TFFT", "FTFT", "TFTT", "FTTFT")  # T: topic word, F: function word
_PHRASE_WIDTH = 5  # words in the longest phrase
_FOCUS_WORDS = 5  # names an article keeps coming back to (its family shares them)
_FOCUS_SHARE = 0.03

_START = dt.date(2016, 1, 1).toordinal()
_SPAN_DAYS = 8 * 365  # templates and independent articles are published within these years
_CHILD_DELAY_DAYS = 21  # mean days between a parent and its rewrite
_SAME_SITE = 0.2  # a rewrite stays on its parent's site; otherwise another farm copies it
_LATEST_PARENT = 0.4  # a rewrite is made from the newest member; otherwise from any earlier one
_HEADER_INJECTION = 0.3  # an injected document also has a keyword at the end of its header line
_KEYWORDS_PER_DOC = (2, 5)
_PARAGRAPH_BREAK = len("\n\n")  # the widest gap between two sentences without a keyword in it


@dataclass(frozen=True, slots=True)
class _Rates:
    """Per-sentence or per-word rates of the rewrite operators of one intensity."""

    substitute: float  # content word replaced by a synonym
    paraphrase: float  # sentence reworded: most words replaced, clause moved, neighbours swapped
    insert: float  # new sentence written after this one
    drop: float  # sentence left out
    swap: float  # sentence swapped with the next one in its paragraph


# Calibrated so that the article bodies' word 3-gram Jaccard to the parent is about
# 0.5-0.8 (light), 0.25-0.5 (medium) and 0.08-0.25 (heavy); each rewrite scales the
# rates by a factor in 0.85..1.15 so that levels spread within their ranges.
_INTENSITY = {
    "light": _Rates(substitute=0.08, paraphrase=0.05, insert=0.05, drop=0.05, swap=0.05),
    "medium": _Rates(substitute=0.20, paraphrase=0.20, insert=0.10, drop=0.10, swap=0.10),
    "heavy": _Rates(substitute=0.50, paraphrase=0.35, insert=0.20, drop=0.20, swap=0.15),
}
_REWRITE_LEVELS = tuple(_INTENSITY)
_PARAPHRASE_SUBSTITUTE = 0.5  # share of a paraphrased sentence's words replaced
_PARAPHRASE_SWAP = 0.15  # adjacent word pairs swapped in a paraphrased sentence


@dataclass(frozen=True, slots=True)
class SynthSummary:
    """What :func:`write_corpus` wrote: counts of documents by level, injections and operators."""

    files: tuple[Path, ...]
    docs: int
    families: int
    levels: dict[str, int]
    injected_docs: int
    keywords: int
    operators: dict[str, int]
    sites: int


def generate(config: SynthConfig) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Yield ``(record, truth)`` for each document, lazily, in file order.

    ``record`` is ``{"id", "text"}`` plus ``"date"`` when ``config.dates``;
    ``truth`` is ``{"id", "family", "parent", "operator", "level", "site",
    "topic", "injections", "copied"}`` with ``injections`` a list of ``{"start", "end", "text"}``
    character offsets into ``record["text"]`` and ``copied`` a list of ``{"start", "end",
    "parent_start", "parent_end"}``: the runs of sentences copied, in order, from the parent,
    as character offsets into both texts (see :func:`_copied`). A parent is always yielded
    before its children.
    """
    language = _language()
    world = _world(config, language)
    rng = np.random.default_rng([config.seed, 1])
    width = max(7, len(str(config.docs)))
    size_cdf = _family_size_cdf(config.mean_family_size, config.max_family_size)
    mix = np.cumsum(config.rewrite_mix) / sum(config.rewrite_mix)
    active: list[_Family | None] = [None] * config.active_families
    occupied: list[int] = []  # slots holding a family
    planned = 0  # members the active families still need
    families = 0
    for number in range(1, config.docs + 1):
        doc_id = f"doc{number:0{width}d}"
        if rng.random() < config.independent_share:
            families += 1
            family, member = _new_family(rng, language, world, config, f"fam{families:0{width}d}", 1, doc_id)
            record, truth, _ = _document(rng, language, world, config, family, member, None, "independent")
            yield record, truth
            continue
        slot = int(rng.integers(config.active_families))
        if active[slot] is None and occupied and planned >= config.docs - number + 1:
            # Open no family that the corpus cannot finish: complete the open ones instead.
            slot = occupied[int(rng.integers(len(occupied)))]
        family = active[slot]
        if family is None:
            families += 1
            size = int(size_cdf.searchsorted(rng.random(), side="right")) + 1
            family, member = _new_family(rng, language, world, config, f"fam{families:0{width}d}", size, doc_id)
            parent, level = None, "template"
            planned += size
            occupied.append(slot)
        else:
            members = family.members
            parent = members[-1] if rng.random() < _LATEST_PARENT else members[int(rng.integers(len(members)))]
            level = _REWRITE_LEVELS[int(mix.searchsorted(rng.random(), side="right"))]
            body, origins = _rewrite(rng, language, parent.body, _INTENSITY[level], world.topics[family.topic],
                                     family.focus, family.words)
            site = parent.site if rng.random() < _SAME_SITE else int(rng.integers(config.sites))
            member = _Member(doc_id, body, parent.date + int(rng.geometric(1 / _CHILD_DELAY_DAYS)), site, origins)
            family.members.append(member)
        planned -= 1
        if len(family.members) == family.size:
            active[slot] = None
            occupied.remove(slot)
        else:
            active[slot] = family
        record, truth, member.spans = _document(rng, language, world, config, family, member, parent, level)
        yield record, truth


def write_corpus(directory: str | Path, config: SynthConfig, progress: Progress | None = None) -> SynthSummary:
    """Write ``corpus.jsonl`` and ``truth.jsonl`` into ``directory`` (created if missing).

    Both files are streamed to temporary files beside their targets and
    renamed into place only when complete, so a failed or interrupted run
    leaves no half-written file. ``progress(stage, done, total)`` is called
    every thousand documents.
    """
    out = prepare_output_directory(directory, SYNTH_FILES, what="the corpus", noun="corpus")
    levels = Counter({level: 0 for level in LEVELS})
    operators: Counter[str] = Counter()
    injected = keywords = 0
    staged: list[tuple[str, Path]] = []
    try:
        with ExitStack() as stack:
            files = []
            for name in SYNTH_FILES:
                handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out)
                staged.append((temporary, out / name))
                files.append(stack.enter_context(open(handle, "w", encoding="utf-8", newline="\n")))
            corpus_file, truth_file = files
            for done, (record, truth) in enumerate(generate(config), start=1):
                corpus_file.write(json.dumps(record, ensure_ascii=False) + "\n")
                truth_file.write(json.dumps(truth, ensure_ascii=False) + "\n")
                levels[truth["level"]] += 1
                if truth["injections"]:
                    injected += 1
                    keywords += len(truth["injections"])
                    operators[truth["operator"]] += 1
                if progress is not None and (done % 1000 == 0 or done == config.docs):
                    progress("synth", done, config.docs)
            for stream in files:
                stream.flush()
                os.fsync(stream.fileno())
        mode = 0o666 & ~_umask()  # mkstemp makes files private; a corpus is not
        for temporary, path in staged:
            os.chmod(temporary, mode)
        for temporary, path in staged:
            os.replace(temporary, path)
    except OSError as error:
        _discard(staged)
        target = error.filename or out
        raise OutputError(f"{target}: cannot write ({error.strerror}); check the output directory") from error
    except BaseException:
        _discard(staged)
        raise
    summary = SynthSummary(
        files=tuple(path for _, path in staged),
        docs=config.docs,
        families=levels["template"] + levels["independent"],
        levels=dict(levels),
        injected_docs=injected,
        keywords=keywords,
        operators=dict(sorted(operators.items())),
        sites=config.sites,
    )
    log.info("wrote %d documents in %d families to %s", summary.docs, summary.families, out)
    return summary


def keyword_pools(config: SynthConfig) -> dict[str, tuple[str, ...]]:
    """Each operator's spam keywords, by operator id; the corpus injects only these."""
    world = _world(config, _language())
    return {_operator_id(index): pool for index, pool in enumerate(world.pools)}


def site_operators(config: SynthConfig) -> dict[str, str]:
    """The operator that runs each site, by site id."""
    world = _world(config, _language())
    return {_site_id(index, config.sites): _operator_id(site.operator) for index, site in enumerate(world.sites)}


# --- the language -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Language:
    """A Zipfian vocabulary: common English words, then pseudo-words, by decreasing frequency.

    Word ids are ranks (0 is "the"). Text alternates runs of function words
    (the English head) and content words (the pseudo-word tail) with run
    lengths chosen so that the head's share of tokens is its Zipf share, so
    that the word frequencies of the whole text stay proportional to 1/rank.
    """

    forms: npt.NDArray[np.object_]  # [0, id]: as written; [1, id]: Capitalised
    head: int  # ids below this are function words
    common_phrases: _Ints  # (phrases, _PHRASE_WIDTH) word ids, padded with -1
    head_cdf: npt.NDArray[np.float64]
    tail_cdf: npt.NDArray[np.float64]
    topic_cdf: npt.NDArray[np.float64]
    words_per_slot: float  # a phrase fills one slot of a sentence with several words
    log_stay: npt.NDArray[np.float64]  # log(1 - p) of the geometric function-run and content-run lengths
    content_start: float  # share of sentences whose first word is a content word


@lru_cache(maxsize=1)
def _language() -> _Language:
    head = _COMMON_WORDS  # a multiple of four long, so that synonym blocks never mix head and tail
    words = [*head, *_pseudo_words(_VOCABULARY_SIZE - len(head), set(head))]
    weights = 1.0 / np.arange(1, _VOCABULARY_SIZE + 1)
    head_share = weights[: len(head)].sum() / weights.sum()
    head_run = head_share / (1 - head_share) * _CONTENT_RUN
    forms = np.empty((2, len(words)), dtype=object)
    forms[0] = words
    forms[1] = [word[:1].upper() + word[1:] for word in words]
    rank = {word: index for index, word in enumerate(head)}
    common_phrases = np.full((len(_COMMON_PHRASES), _PHRASE_WIDTH), -1, dtype=np.int64)
    for row, phrase in enumerate(_COMMON_PHRASES):
        common_phrases[row, : len(phrase.split())] = [rank[word] for word in phrase.split()]
    return _Language(
        forms=forms,
        head=len(head),
        common_phrases=common_phrases,
        head_cdf=_cdf(weights[: len(head)]),
        tail_cdf=_cdf(weights[len(head):]),
        topic_cdf=_cdf(1.0 / np.arange(1, _TOPIC_WORDS + 1)),
        words_per_slot=1 + (1 - head_share) * (
            _TOPIC_PHRASE_SHARE * (np.mean([len(pattern) for pattern in _PHRASE_PATTERNS]) - 1)
            + _COMMON_PHRASE_SHARE * (np.mean([len(phrase.split()) for phrase in _COMMON_PHRASES]) - 1)
        ),
        log_stay=np.log1p(-1 / np.array([head_run, _CONTENT_RUN])),
        content_start=1 - head_share,
    )


def _pseudo_words(count: int, taken: set[str]) -> list[str]:
    """Pronounceable, distinct pseudo-words that get longer with rank, as real words do."""
    rng = np.random.default_rng(_VOCABULARY_SEED)
    words: list[str] = []
    seen = set(taken)
    while len(words) < count:
        batch = count - len(words) + 1000
        ranks = len(words) + np.arange(batch)
        syllables = 1 + (ranks >= 300) + (ranks >= 3000) * (rng.random(batch) < 0.6) + (ranks >= 20000)
        onsets = rng.integers(len(_ONSETS), size=(batch, 3))
        nuclei = rng.integers(len(_NUCLEI), size=(batch, 3))
        codas = rng.integers(len(_CODAS), size=batch)
        for length, onset, nucleus, coda in zip(syllables.tolist(), onsets.tolist(), nuclei.tolist(), codas.tolist()):
            word = "".join(_ONSETS[o] + _NUCLEI[n] for o, n in zip(onset[:length], nucleus[:length])) + _CODAS[coda]
            if word not in seen:
                seen.add(word)
                words.append(word)
    return words[:count]


def _cdf(weights: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    cdf[-1] = 1.0
    return cdf


def _zipf_ranks(cdf: npt.NDArray[np.float64], limit: int, quantiles: npt.NDArray[np.float64]) -> _Ints:
    """Ranks below ``limit`` drawn with the frequencies of ``cdf`` for the given uniform quantiles."""
    return cdf[:limit].searchsorted(quantiles * cdf[limit - 1], side="right")


def _synonyms(ids: _Ints, draws: npt.NDArray[np.float64]) -> _Ints:
    """A word's synonyms are the other three of its block of four ranks: words of about its frequency."""
    offset = ids % 4
    return ids - offset + (offset + 1 + (draws * 3).astype(np.int64)) % 4


# --- the world: topics, sites, operators ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Site:
    operator: int
    header: str  # the header line: site name and navigation ("" without boilerplate)
    footer: str


@dataclass(frozen=True, slots=True)
class _Topic:
    words: _Ints  # the topic's sub-vocabulary, most frequent first
    phrases: _Ints  # (phrases, _PHRASE_WIDTH) word ids padded with -1: the topic's, then common ones
    phrase_lengths: _Ints


@dataclass(frozen=True, slots=True)
class _World:
    topics: tuple[_Topic, ...]
    sites: tuple[_Site, ...]
    pools: tuple[tuple[str, ...], ...]  # keywords of each operator


def _world(config: SynthConfig, language: _Language) -> _World:
    rng = np.random.default_rng([config.seed, 0])
    tail = _VOCABULARY_SIZE - language.head
    # Topic words come from the whole tail, rarer words less often, as a topic's jargon does.
    weights = 1.0 / np.arange(50, tail + 50)
    topics = tuple(
        _topic(rng, language, language.head + rng.choice(tail, _TOPIC_WORDS, replace=False, p=weights / weights.sum()))
        for _ in range(config.topics)
    )
    owners = rng.permutation(np.arange(config.sites) % config.operators)
    sites = tuple(_site(rng, language, topics, int(owner), config) for owner in owners)
    return _World(topics, sites, _keyword_pools(rng, config.operators))


def _topic(rng: np.random.Generator, language: _Language, words: _Ints) -> _Topic:
    """A topic: its words and its stock phrases, such as "the Zhangjiang park" in every article on Shanghai tech."""
    phrases = np.full((_TOPIC_PHRASES, _PHRASE_WIDTH), -1, dtype=np.int64)
    for row in range(_TOPIC_PHRASES):
        topical = np.array(list(_PHRASE_PATTERNS[int(rng.integers(len(_PHRASE_PATTERNS)))])) == "T"
        # Function words among the 50 most common, topic words among the topic's 100 most common.
        phrase = _zipf_ranks(language.head_cdf, 50, rng.random(len(topical)))
        phrase[topical] = words[_zipf_ranks(language.topic_cdf, 100, rng.random(int(topical.sum())))]
        phrases[row, : len(topical)] = phrase
    phrases = np.concatenate([phrases, language.common_phrases])
    return _Topic(words, phrases, (phrases >= 0).sum(axis=1))


def _site(rng: np.random.Generator, language: _Language, topics: tuple[_Topic, ...], operator: int,
          config: SynthConfig) -> _Site:
    if config.boilerplate_words == 0:
        return _Site(operator, "", "")
    name_word = language.forms[1, language.head + int(rng.integers(1000, 20000))]
    name = f"{name_word} {_SITE_WORDS[int(rng.integers(len(_SITE_WORDS)))]}"
    navigation = max(1, config.boilerplate_words // 8)
    nav_ids = language.head + rng.choice(3000, size=navigation, replace=False)
    header = " | ".join([name, "Home", *language.forms[1, nav_ids].tolist()])
    footer_words = max(3, config.boilerplate_words - 3 - navigation)
    lengths = _split_evenly(footer_words, 10)
    topic = topics[int(rng.integers(len(topics)))]
    words, lengths, terminals = _sentences(rng, language, lengths, topic, np.zeros(0, dtype=np.int64))
    paragraph = " ".join(_render(language, _Body(words, np.cumsum(lengths), terminals, np.array([len(lengths)])))[0])
    return _Site(operator, header, f"{paragraph} © {name}.")


def _split_evenly(total: int, per_part: int) -> _Ints:
    parts = max(1, round(total / per_part))
    return np.diff(np.linspace(0, total, parts + 1).round().astype(np.int64))


def _keyword_pools(rng: np.random.Generator, operators: int) -> tuple[tuple[str, ...], ...]:
    """Each operator's keywords: variants of one or two cores such as 上海龙凤419, with Latin tags like sh1314."""
    pairs = [(city, trade) for city in range(len(_CITIES)) for trade in range(len(_TRADES))]
    order = rng.permutation(len(pairs))
    used: set[str] = set()
    pools = []
    next_pair = 0
    for _ in range(operators):
        pool: list[str] = []
        for _core in range(1 + int(rng.random() < 0.5)):
            city, trade = pairs[order[next_pair]]
            next_pair += 1
            pool += _variants(rng, _CITIES[city], _TRADES[trade])
        fresh = [keyword for keyword in dict.fromkeys(pool) if keyword not in used]
        used.update(fresh)
        pools.append(tuple(fresh))
    return tuple(pools)


def _variants(rng: np.random.Generator, city: tuple[str, str], trade: str) -> list[str]:
    name, tag = city
    number, other = (_NUMBERS[i] for i in rng.choice(len(_NUMBERS), size=2, replace=False))
    core = f"{name}{trade}{number}"
    suffixes = [_SUFFIXES[i] for i in rng.choice(len(_SUFFIXES), size=4, replace=False)]
    prefixes = [_PREFIXES[i] for i in rng.choice(len(_PREFIXES), size=2, replace=False)]
    return [
        core,
        *(core + suffix for suffix in suffixes),
        *(prefix + core for prefix in prefixes),
        f"{name}{trade}论坛{number}",
        f"{tag}{number}",
        f"{tag}{other}",
        f"{core}{tag}{other}",
    ]


# --- articles and rewrites ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Body:
    """An article as word ids with flags: sentence i is ``words[sentence_ends[i-1]:sentence_ends[i]]``."""

    words: _Ints
    sentence_ends: _Ints  # word index where each sentence ends
    terminals: _Ints  # each sentence's final mark, an index into _TERMINALS
    paragraph_ends: _Ints  # sentence index where each paragraph ends


@dataclass(slots=True)
class _Member:
    id: str
    body: _Body
    date: int  # proleptic Gregorian ordinal
    site: int
    origins: _Ints | None = None  # the parent's sentence each sentence was made from, -1 if new; None in a template
    spans: _Ints | None = None  # (sentences, 2) start and end of each in its text, once it is published


@dataclass(slots=True)
class _Family:
    id: str
    topic: int
    focus: _Ints
    size: int  # members it will have, unless the corpus ends first
    words: int  # the template's length, which rewrites stay close to
    members: list[_Member]


def _new_family(rng: np.random.Generator, language: _Language, world: _World, config: SynthConfig, family_id: str,
                size: int, doc_id: str) -> tuple[_Family, _Member]:
    """A family of ``size`` planned members on a random topic, and its first article."""
    topic = int(rng.integers(config.topics))
    rarer = _TOPIC_WORDS // 3  # names are among the topic's rarer words
    focus = world.topics[topic].words[rarer + rng.choice(_TOPIC_WORDS - rarer, _FOCUS_WORDS, replace=False)]
    body = _article(rng, language, world.topics[topic], focus, config)
    member = _Member(doc_id, body, _START + int(rng.integers(_SPAN_DAYS)), int(rng.integers(config.sites)))
    return _Family(family_id, topic, focus, size, int(body.sentence_ends[-1]), [member]), member


def _family_size_cdf(mean: float, largest: int) -> npt.NDArray[np.float64]:
    """CDF of sizes 1..largest with P(k) ∝ k^-alpha, alpha chosen so that the mean is ``mean``."""
    sizes = np.arange(1, largest + 1, dtype=np.float64)
    if mean <= 1.0 or largest == 1:
        return np.ones(largest)
    low, high = 0.0, 60.0  # the mean falls from (largest + 1) / 2 at alpha 0 towards 1
    for _ in range(100):
        alpha = (low + high) / 2
        weights = sizes**-alpha
        if (sizes * weights).sum() / weights.sum() > mean:
            low = alpha
        else:
            high = alpha
    return _cdf(sizes**-low)


def _article(rng: np.random.Generator, language: _Language, topic: _Topic, focus: _Ints, config: SynthConfig) -> _Body:
    """A new article of min_words..max_words words on ``topic``."""
    slots = int(rng.integers(config.min_words, config.max_words + 1) / language.words_per_slot)
    lengths = _sentence_lengths(rng, language, slots // 4 + 1)
    count = int(np.searchsorted(np.cumsum(lengths), slots)) + 1
    words, lengths, terminals = _sentences(rng, language, lengths[:count], topic, focus)
    paragraph_ends = np.cumsum(rng.integers(_PARAGRAPH_SENTENCES[0], _PARAGRAPH_SENTENCES[1] + 1, size=count))
    paragraph_ends = np.append(paragraph_ends[paragraph_ends < count], count)
    return _Body(words, np.cumsum(lengths), terminals, paragraph_ends)


def _sentence_lengths(rng: np.random.Generator, language: _Language, count: int) -> _Ints:
    """Slots of ``count`` sentences: lognormal, so that sentences have a median of _SENTENCE_WORDS words."""
    lengths = rng.lognormal(np.log(_SENTENCE_WORDS / language.words_per_slot), _SENTENCE_SIGMA, size=count)
    return np.clip(np.rint(lengths), 4, 60).astype(np.int64)


def _sentences(rng: np.random.Generator, language: _Language, lengths: _Ints, topic: _Topic,
               focus: _Ints) -> tuple[_Ints, _Ints, _Ints]:
    """Words (with flags), lengths and final marks of new sentences of about the given lengths.

    A sentence is longer than asked when one of its slots became a phrase.
    """
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), lengths, np.zeros(0, dtype=np.int64)
    run_count = 2 * (total // 2 + 2)  # pairs of runs of at least one word each always cover the slots
    draws = rng.random(run_count + 3 * total + len(lengths) + 1)
    run_draws = draws[:run_count]
    source, quantile, comma = draws[run_count : run_count + 3 * total].reshape(3, total)
    marks = draws[run_count + 3 * total : -1]
    # Geometric run lengths (inverse CDF), alternating function and content runs, starting with either.
    runs = 1 + (np.log1p(-run_draws).reshape(-1, 2) / language.log_stay).astype(np.int64)
    content = np.repeat(np.arange(run_count) % 2 == 1, runs.ravel())
    first = int(draws[-1] < language.content_start)
    content = content[first : first + total]

    ids = language.head_cdf.searchsorted(quantile, side="right")
    topical = content & (source < _TOPIC_SHARE)
    phrase_limit = _TOPIC_SHARE + _TOPIC_PHRASE_SHARE
    topic_phrase = content & (source >= _TOPIC_SHARE) & (source < phrase_limit)
    common_phrase = content & (source >= phrase_limit) & (source < phrase_limit + _COMMON_PHRASE_SHARE)
    named = content & (source >= 1 - _FOCUS_SHARE) if len(focus) else np.zeros(total, dtype=bool)
    general = content & (source >= phrase_limit + _COMMON_PHRASE_SHARE) & ~named
    ids[general] = language.head + language.tail_cdf.searchsorted(quantile[general], side="right")
    ids[topical] = topic.words[language.topic_cdf.searchsorted(quantile[topical], side="right")]
    if len(focus):
        ids[named] = focus[(quantile[named] * len(focus)).astype(np.int64)]
    # Phrase slots hold a phrase's row number until they are expanded below.
    ids[topic_phrase] = _zipf_ranks(language.topic_cdf, _TOPIC_PHRASES, quantile[topic_phrase])
    common = len(topic.phrases) - _TOPIC_PHRASES
    ids[common_phrase] = _TOPIC_PHRASES + (quantile[common_phrase] * common).astype(np.int64)
    phrased = topic_phrase | common_phrase
    words = ids | (comma < _COMMA_RATE) * _COMMA | named * _PROPER
    terminals = _TERMINAL_CDF.searchsorted(marks, side="right")
    if not phrased.any():
        return words, lengths, terminals

    slot_lengths = np.where(phrased, topic.phrase_lengths[np.where(phrased, ids, 0)], 1)
    slot_ends = np.cumsum(slot_lengths)
    slot_of = np.repeat(np.arange(total), slot_lengths)
    within = np.arange(int(slot_ends[-1])) - (slot_ends - slot_lengths)[slot_of]
    expanded = words[slot_of]
    in_phrase = phrased[slot_of]
    expanded[in_phrase] = topic.phrases[ids[slot_of[in_phrase]], within[in_phrase]]
    # A phrase keeps its slot's comma on its last word.
    comma_after = (words[slot_of] & _COMMA) * (within == slot_lengths[slot_of] - 1)
    expanded[in_phrase] |= comma_after[in_phrase]
    sentence_ends = slot_ends[np.cumsum(lengths) - 1]
    return expanded, _lengths(sentence_ends), terminals


def _rewrite(rng: np.random.Generator, language: _Language, body: _Body, base: _Rates, topic: _Topic,
             focus: _Ints, template_words: int) -> tuple[_Body, _Ints]:
    """A rewrite of ``body`` (synonyms, paraphrased, inserted, dropped and swapped sentences) and its origins.

    The origins are the sentence of ``body`` that each sentence of the rewrite
    was made from, however reworded, or -1 for a new one. Insertions outnumber
    drops in a rewrite shorter than its template and the other way round, so
    that long chains of rewrites keep about its length.
    """
    scale = rng.uniform(0.85, 1.15)
    ends = body.sentence_ends
    growth = float(np.clip((template_words / ends[-1]) ** 2, 0.25, 4.0))
    lengths = _lengths(ends)
    starts = ends - lengths
    count = len(ends)
    total = int(ends[-1])
    sentence_of = np.repeat(np.arange(count), lengths)
    offset = np.arange(total) - starts[sentence_of]
    sentence_draws = rng.random((4, count))
    word_draws = rng.random((3, total))

    # Synonyms for some content words; paraphrased sentences get most of their words replaced.
    paraphrased = sentence_draws[0] < base.paraphrase * scale
    words = body.words.copy()
    ids = words & _ID_MASK
    replaced = ((words & _PROPER) == 0) & np.where(
        paraphrased[sentence_of], word_draws[0] < _PARAPHRASE_SUBSTITUTE,
        (ids >= language.head) & (word_draws[0] < base.substitute * scale),
    )
    words[replaced] = (words[replaced] & ~_ID_MASK) | _synonyms(ids[replaced], word_draws[1][replaced])

    # Paraphrased sentences also move a clause to the front and swap some neighbouring words.
    length_of = lengths[sentence_of]
    split = np.where(paraphrased & (lengths >= 4), 1 + (sentence_draws[1] * (lengths - 1)).astype(np.int64), 0)
    source = starts[sentence_of] + (offset + split[sentence_of]) % length_of
    at = np.flatnonzero(paraphrased[sentence_of] & (offset % 2 == 0) & (offset + 1 < length_of)
                        & (word_draws[2] < _PARAPHRASE_SWAP))
    source[at], source[at + 1] = source[at + 1], source[at].copy()
    words = words[source]

    # Sentences: each is kept or dropped, and may be followed by a new one in its paragraph.
    kept = sentence_draws[2] >= base.drop * scale / growth
    kept[0] |= not kept.any()
    inserted = sentence_draws[3] < base.insert * scale * growth
    new_count = int(inserted.sum())
    slots = np.stack([np.where(kept, np.arange(count), -1),
                      np.where(inserted, count + np.cumsum(inserted) - 1, -1)], axis=1).ravel()
    paragraph_of = np.repeat(np.arange(len(body.paragraph_ends)), _lengths(body.paragraph_ends))
    present = slots >= 0
    order = slots[present]
    paragraphs = np.repeat(paragraph_of, 2)[present]
    # Swap neighbours of one paragraph, in disjoint pairs starting at an even or odd position.
    swap_draws = rng.random(len(order))
    first = np.arange(int(swap_draws[-1] < 0.5), len(order) - 1, 2)
    first = first[(paragraphs[first] == paragraphs[first + 1]) & (swap_draws[first] < base.swap * scale * 2)]
    order[first], order[first + 1] = order[first + 1], order[first].copy()

    new_words, new_lengths, new_terminals = _sentences(
        rng, language, _sentence_lengths(rng, language, new_count), topic, focus)
    pool_words = np.concatenate([words, new_words])
    pool_lengths = np.concatenate([lengths, new_lengths])
    pool_starts = np.concatenate([starts, total + np.cumsum(new_lengths) - new_lengths])
    pool_terminals = np.concatenate([body.terminals, new_terminals])
    out_lengths = pool_lengths[order]
    out_ends = np.cumsum(out_lengths)
    gather = np.repeat(pool_starts[order] - (out_ends - out_lengths), out_lengths) + np.arange(out_ends[-1])
    paragraph_ends = np.append(np.flatnonzero(paragraphs[1:] != paragraphs[:-1]) + 1, len(order))
    origins = np.where(order < count, order, -1)
    return _Body(pool_words[gather], out_ends, pool_terminals[order], paragraph_ends), origins


def _lengths(ends: _Ints) -> _Ints:
    """Lengths of consecutive parts from their end positions (a faster ``np.diff(ends, prepend=0)``)."""
    lengths = ends.copy()
    lengths[1:] -= ends[:-1]
    return lengths


# --- documents ------------------------------------------------------------------------------------------------


def _render(language: _Language, body: _Body) -> list[list[str]]:
    """The body's paragraphs, each the list of its sentences: capitalised words with commas and a final mark."""
    words = body.words
    ends = body.sentence_ends
    capital = ((words & _PROPER) != 0).astype(np.intp)
    capital[ends - _lengths(ends)] = 1
    tokens = language.forms[capital, words & _ID_MASK]
    comma = (words & _COMMA) != 0
    comma[ends - 1] = False
    tokens[comma] = tokens[comma] + ","
    tokens[ends - 1] = tokens[ends - 1] + _TERMINALS[body.terminals]
    texts = tokens.tolist()
    bounds = [0, *ends.tolist()]
    sentences = [" ".join(texts[start:end]) for start, end in zip(bounds, bounds[1:])]
    bounds = [0, *body.paragraph_ends.tolist()]
    return [sentences[start:end] for start, end in zip(bounds, bounds[1:])]


def _document(rng: np.random.Generator, language: _Language, world: _World, config: SynthConfig, family: _Family,
              member: _Member, parent: _Member | None, level: str) -> tuple[dict[str, Any], dict[str, Any], _Ints]:
    """The member published on its site, with its operator's keywords if it is injected, its truth and its spans.

    The spans locate its sentences in its text, for the truth of its children.
    """
    site = world.sites[member.site]
    paragraphs = _render(language, member.body)
    header = site.header
    keywords: dict[int, str] = {}  # part index -> keyword; part 0 is the header when there is one
    first_paragraph = 1 if header else 0
    if rng.random() < config.injected_share:
        pool = world.pools[site.operator]
        wanted = int(rng.integers(_KEYWORDS_PER_DOC[0], _KEYWORDS_PER_DOC[1] + 1))
        places = []
        if header and rng.random() < _HEADER_INJECTION:
            places.append(0)
        count = min(wanted - len(places), len(paragraphs))
        places += (first_paragraph + np.sort(rng.choice(len(paragraphs), size=count, replace=False))).tolist()
        picks = rng.integers(len(pool), size=len(places))
        keywords = {place: pool[pick] for place, pick in zip(places, picks.tolist())}
    parts = ([header] if header else []) + [" ".join(sentences) for sentences in paragraphs]
    parts += [site.footer] if site.footer else []
    pieces: list[str] = []
    injections = []
    part_ends = []
    position = 0
    for index, part in enumerate(parts):
        if index:
            pieces.append("\n\n")
            position += 2
        keyword = keywords.get(index)
        if keyword is not None and header and index == 0:
            start = position + len(part) + 1
            part = f"{part} {keyword}"
            injections.append({"start": start, "end": start + len(keyword), "text": keyword})
        elif keyword is not None:
            part = f"{keyword} {part}"
            injections.append({"start": position, "end": position + len(keyword), "text": keyword})
        pieces.append(part)
        position += len(part)
        part_ends.append(position)
    offsets: list[int] = []  # start and end of each sentence
    for index, sentences in enumerate(paragraphs, start=first_paragraph):
        start = part_ends[index] - len(parts[index])  # a paragraph ends where its part does, keyword or not
        for sentence in sentences:
            offsets += start, start + len(sentence)
            start += len(sentence) + 1
    spans = np.array(offsets, dtype=np.int64).reshape(-1, 2)
    record: dict[str, Any] = {"id": member.id, "text": "".join(pieces)}
    if config.dates:
        record["date"] = dt.date.fromordinal(member.date).isoformat()
    truth = {
        "id": member.id,
        "family": family.id,
        "parent": parent.id if parent else None,
        "operator": _operator_id(site.operator) if injections else None,
        "level": level,
        "site": _site_id(member.site, config.sites),
        "topic": f"topic{family.topic + 1:0{len(str(config.topics))}d}",
        "injections": injections,
        "copied": _copied(member.origins, spans, parent.spans) if parent else [],
    }
    return record, truth, spans


def _copied(origins: _Ints | None, spans: _Ints, parent_spans: _Ints | None) -> list[dict[str, int]]:
    """The cases of text reuse: runs of sentences made, in order, from consecutive sentences of the parent.

    Each is ``{"start", "end", "parent_start", "parent_end"}``, character offsets
    into the child's and the parent's texts from the first letter of the run's
    first sentence to the final mark of its last. A run ends at a new, dropped or
    swapped sentence, and where a keyword opens a paragraph on either side: the
    only gaps between sentences wider than a paragraph break hold one.
    """
    assert origins is not None and parent_spans is not None, "a rewrite is published after its parent"
    cases: list[dict[str, int]] = []
    case: dict[str, int] | None = None
    previous, previous_end = -1, 0
    parent = parent_spans.tolist()
    # A loop: an article has about twenty sentences, fewer than numpy's calls would cost.
    for origin, (start, end) in zip(origins.tolist(), spans.tolist()):
        if origin < 0:
            case = None
        elif (case is not None and origin == previous + 1 and start - previous_end <= _PARAGRAPH_BREAK
              and parent[origin][0] - parent[previous][1] <= _PARAGRAPH_BREAK):
            case["end"], case["parent_end"] = end, parent[origin][1]
        else:
            parent_start, parent_end = parent[origin]
            case = {"start": start, "end": end, "parent_start": parent_start, "parent_end": parent_end}
            cases.append(case)
        previous, previous_end = origin, end
    return cases


def _operator_id(index: int) -> str:
    return f"op{index + 1:02d}"


def _site_id(index: int, sites: int) -> str:
    return f"site{index + 1:0{max(3, len(str(sites)))}d}"


# --- files ----------------------------------------------------------------------------------------------------


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _discard(staged: list[tuple[str, Path]]) -> None:
    for temporary, _ in staged:
        Path(temporary).unlink(missing_ok=True)
