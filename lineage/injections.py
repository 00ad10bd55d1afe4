"""Find spam keywords injected into a document's running text.

Content farms push search-engine spam into the pages they publish: escort-site
strings such as 上海龙凤419 at the start of each paragraph of an English
article, or Latin tags such as ``sh1314`` in a Chinese one. What gives them
away is where they sit and what they look like, not what they say:

* **script**: a run of CJK characters inside text whose words are mostly
  alphabetic, or a Latin tag (letters then digits: ``sh419``) in any text;
* **shape**: digits or a Latin tag glued to the CJK (上海龙凤419, 上海贵族宝贝sh1314),
  which ordinary writing does not do;
* **placement**: the start of a line with text after it, the end of a
  paragraph, between two sentences, a line on its own, or a header line (a
  line that is not a sentence), separated from its neighbours by spaces or
  symbols rather than written into a sentence;
* **recurrence**: the same string placed so in another document of the corpus.

Each candidate earns points (see ``_PLACEMENT`` and ``_SHAPE``) and is an
injection at :data:`THRESHOLD` or more. A placement is needed, so a keyword
in the middle of a sentence never counts; and what marks legitimate use of
another script rules a run out: brackets or quotes around it ("Zhangjiang
(张江)", 《三体》, ``print("你好")``), a bracketed gloss after it ("张江
(Zhangjiang)"), CJK punctuation after it (a Chinese sentence), more than
:data:`MAX_KEYWORD_CHARS` characters, a line of code, or (for a tag) a hashtag,
handle, path or address around it. In a bilingual
document (CJK sentences hold :data:`BILINGUAL_SHARE` or more of its words) a
bare CJK run at a line start is a heading or a translation, not spam: only
the spam shape or a recurring string counts there.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import regex

from lineage.types import Injection

THRESHOLD = 2
MAX_KEYWORD_CHARS = 24  # longer CJK runs are text (the longest demo keyword, 上海私人外卖工作室联系方式, has 13)
BILINGUAL_SHARE = 0.2  # CJK prose's share of the words (see _cjk_share); above 0.5 the page is CJK
_CJK_WORD_CHARS = 1.5  # characters of a Chinese word, on average

# Points for where a candidate sits; a candidate in no placement is never an injection.
_PLACEMENT = {
    "paragraph-start": 2,  # first on a line, with the line's text after it
    "paragraph-end": 2,  # last on a line, after a sentence's final mark
    "between-sentences": 2,  # after one sentence's final mark, before the next
    "line": 1,  # alone on its line
    "header": 1,  # in a line that is not a sentence: a title, a navigation or date line
}
_SHAPE_SPAM = 2  # digits or a Latin tag glued after CJK, or a Latin tag
_RECURS = 1  # the same string placed so in another document
_BILINGUAL = -2

_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Bopomofo}\u30fc"
# A CJK run with the ASCII letters and digits written against it: one keyword string.
# Found from its first CJK character (a scan for one class, fast) and extended back over ASCII by hand.
_CJK_RUN = regex.compile(rf"[{_CJK}][{_CJK}A-Za-z0-9]*")
_MAY_HOLD_CJK = re.compile("[\u1100-\U0010ffff]")  # from the first Hangul Jamo: no CJK below it
_ASCII_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_SPAM_SHAPE = regex.compile(rf"[{_CJK}][A-Za-z0-9]")  # 上海龙凤419, 宝贝sh1314; not 2022年
# Not a hashtag, a handle or part of a path, address or file name; the standard library's re: 3x faster here.
_TAG = re.compile(r"(?<![#@/.\-_])\b[a-z]{2,8}[0-9]{2,6}\b(?![@/.\-_]\w)", re.ASCII)
_MAY_HOLD_TAG = re.compile(r"[a-z][0-9]", re.ASCII)  # in every tag; a quick test before _TAG's slow scan
_SENTENCE_END = regex.compile(r"[.!?。！？…][\"'”’)）」』]*$")
_LIST_MARKER = regex.compile(r"^[\s\-*•·>#|–—]*$")  # what may open a line before its first word
_OPENING = frozenset("([{（【《〈「『“‘\"'`<")
_CLOSING = frozenset(")]}）】》〉」』”’\"'`>")
_GLOSS = frozenset("(（[【")
_JOINED = frozenset(",，、;；:：。！？!?")  # after a run: it is part of a sentence or phrase
_CJK_PUNCTUATION = regex.compile(r"[\u3000-\u303f\uff00-\uffef]")
# Indented, braces, a statement's semicolon, an assignment, a call, a comment or a tag opening the line.
_CODE_LINE = re.compile(r"^(?: {4}|\t)|[{}]|;\s*$|\w\s*=\s*\S|\w\([^)]*\)\s*;?\s*$|^\s*(?://|#!|<\w)")
_FENCE = re.compile(r"^\s*(?:```|~~~)", re.MULTILINE)
_HEADER_WORDS = 40  # a line without a final mark and at most this many words is a header line


@dataclass(frozen=True, slots=True)
class _Candidate:
    start: int
    end: int
    points: int  # shape and placement; recurrence is added across the corpus
    placement: str
    key: str  # normal form, for recurrence


def find_injections(texts: Sequence[str], *, recurrence: bool = True) -> list[tuple[Injection, ...]]:
    """The injected spans of each text, in text order (see the module's notes for the rules).

    Without ``recurrence`` no point is given for a string placed the same way in
    another text, so each text's keywords depend on that text alone (as a
    streamed or distributed job needs).
    """
    candidates = [_candidates(text) for text in texts]
    placed = Counter(key for found in candidates for key in {candidate.key for candidate in found}) if recurrence else {}
    return [
        tuple(
            Injection(c.start, c.end, text[c.start : c.end], c.placement)
            for c in found
            if c.points + (_RECURS if placed.get(c.key, 0) > 1 else 0) >= THRESHOLD
        )
        for text, found in zip(texts, candidates)
    ]


def keyword_key(text: str) -> str:
    """The form keywords are compared in, here and in :mod:`lineage.operators`: NFKC, case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def masked(text: str, injections: Sequence[Injection]) -> str:
    """``text`` with each injection's characters replaced by spaces: offsets stay, the keywords' tokens go."""
    if not injections:
        return text
    pieces = []
    position = 0
    for injection in injections:
        pieces += text[position : injection.start], " " * (injection.end - injection.start)
        position = injection.end
    pieces.append(text[position:])
    return "".join(pieces)


def _candidates(text: str) -> list[_Candidate]:
    """Runs that could be injected, with the points their shape and placement earn (placed runs only)."""
    runs: list[tuple[int, int, int]] = []  # start, end, shape points
    if not text.isascii() and _MAY_HOLD_CJK.search(text):
        found = [(match.start(), match.end()) for match in _CJK_RUN.finditer(text)]
        share = _cjk_share(text, found)
        if found and share <= 0.5:  # CJK runs in alphabetic text; in CJK text only tags are foreign enough
            penalty = _BILINGUAL if share >= BILINGUAL_SHARE else 0
            for start, end in found:
                while start and text[start - 1] in _ASCII_ALNUM:
                    start -= 1
                run = text[start:end]
                if len(run) <= MAX_KEYWORD_CHARS:
                    spam = _SPAM_SHAPE.search(run) is not None
                    runs.append((start, end, _SHAPE_SPAM if spam else penalty))
    covered = [(start, end) for start, end, _ in runs]
    for match in _TAG.finditer(text) if _MAY_HOLD_TAG.search(text) else ():
        if not any(start <= match.start() < end for start, end in covered):
            runs.append((match.start(), match.end(), _SHAPE_SPAM))
    if not runs:
        return []
    runs.sort()
    out = []
    for group in _groups(text, runs):
        placement = _placement(text, group[0][0], group[-1][1])
        if placement is None or _in_code(text, group[0][0]):
            continue
        for start, end, shape in group:
            points = _PLACEMENT[placement] + shape
            if points > 0:
                out.append(_Candidate(start, end, points, placement, keyword_key(text[start:end])))
    return out


def _cjk_share(text: str, runs: list[tuple[int, int]]) -> float:
    """How much of the text is CJK prose: words of CJK sentences over all words.

    A run is prose when it is longer than a keyword or touches CJK punctuation
    (你好，世界。); keywords themselves do not make a page Chinese. A CJK word is
    taken as 1.5 characters, and the other words are the space-separated ones.
    """
    prose = 0
    for start, end in runs:
        after = text[end : end + 1]
        before = text[start - 1 : start] if start else ""
        if end - start > MAX_KEYWORD_CHARS or _CJK_PUNCTUATION.match(after) or _CJK_PUNCTUATION.match(before):
            prose += end - start
    cjk_words = prose / _CJK_WORD_CHARS
    return cjk_words / (cjk_words + len(text.split())) if prose else 0.0


def _groups(text: str, runs: list[tuple[int, int, int]]) -> list[list[tuple[int, int, int]]]:
    """Runs separated only by spaces on one line, such as two keywords in a row, placed as one."""
    groups = [[runs[0]]]
    for run in runs[1:]:
        gap = text[groups[-1][-1][1] : run[0]]
        if gap and gap.isspace() and "\n" not in gap:
            groups[-1].append(run)
        else:
            groups.append([run])
    return groups


def _placement(text: str, start: int, end: int) -> str | None:
    """Where the span sits in its line, or None where it is written into the text around it."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    before = text[line_start:start].rstrip()
    after = text[end:line_end].lstrip()
    if before and before[-1] in _OPENING or after and (after[0] in _CLOSING or after[0] in _GLOSS):
        return None  # quoted, bracketed or glossed: "Zhangjiang (张江)", 《三体》, 张江 (Zhangjiang)
    if after and (after[0] in _JOINED or _CJK_PUNCTUATION.match(after[0])):
        return None  # the run goes on as a sentence or a list: 你好，世界 / Shanghai, China
    at_start = _LIST_MARKER.match(before) is not None
    after_sentence = _SENTENCE_END.search(before) is not None
    if at_start and not after:
        return "line"
    if at_start and not before.lstrip().startswith("#"):
        return "paragraph-start"
    if after_sentence:
        return "paragraph-end" if not after else "between-sentences"
    line = text[line_start:line_end].strip()
    if _SENTENCE_END.search(line) is None and len(line.split()) <= _HEADER_WORDS:
        if not text[start - 1 : start].isalnum() and not text[end : end + 1].isalnum():  # set apart, not glued
            return "header"
    return None


def _in_code(text: str, position: int) -> bool:
    """Whether ``position`` is inside a fenced code block or on a line that reads as code."""
    if ("```" in text or "~~~" in text) and len(_FENCE.findall(text, 0, position)) % 2:
        return True
    line_start = text.rfind("\n", 0, position) + 1
    line_end = text.find("\n", position)
    return _CODE_LINE.search(text[line_start : len(text) if line_end < 0 else line_end]) is not None
