"""Group injected keywords into fingerprints, and the documents that carry them into operators.

A farm operator injects variants of a few keyword cores: 上海龙凤419,
上海龙凤419会所, 爱上海龙凤419论坛, 上海龙凤论坛419, 上海龙凤419sh888. A
**fingerprint** is such a group. Two keywords (compared in NFKC case-folded
form) are variants of one core when

* one holds the other and the shorter has at least :data:`MIN_CONTAINED`
  characters, not all ASCII (上海龙凤419 in 爱上海龙凤419论坛); or
* without their ASCII digits, one's letters hold the other's (at least
  :data:`MIN_LETTERS` of them) and the shorter's numbers are among the longer's
  (上海龙凤 + 419 in 上海龙凤论坛 + 419).

Sharing a city or a number alone (上海花千坊520 and 上海龙凤419, or 北京龙凤419
and 上海龙凤419) does not join two keywords, and a Latin tag joins only itself:
farms glue a city's tag and a lucky number (sh888, su419) to many cores, so
su419 inside 苏州花千坊99su419 says little about who wrote it. An **operator** is a group of
documents joined by shared fingerprints: documents that carry variants of
one keyword family were very likely published by the same farm, whatever
their text shares. Every document with an injection has one operator, even
when no other document shares its keywords.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence

from scipy.cluster.hierarchy import DisjointSet

from lineage.injections import keyword_key
from lineage.types import Fingerprint, Injection, Operator

MIN_CONTAINED = 5
MIN_LETTERS = 3

_DIGITS = re.compile(r"[0-9]+")


def find_operators(
    injections: Mapping[str, Sequence[Injection]],
) -> tuple[tuple[Fingerprint, ...], tuple[Operator, ...]]:
    """Fingerprints and operators of the documents' injections (by document id, in corpus order).

    Both are ordered by the number of documents, most first; ids are ``K1``,
    ``K2``, ... and ``O1``, ``O2``, ...
    """
    docs_of: dict[str, list[str]] = defaultdict(list)  # keyword key -> documents, in corpus order
    shown: dict[str, str] = {}  # keyword key -> its text as first found
    for doc, found in injections.items():
        for injection in found:
            key = keyword_key(injection.text)
            shown.setdefault(key, injection.text)
            if not docs_of[key] or docs_of[key][-1] != doc:
                docs_of[key].append(doc)
    groups = variant_groups(list(docs_of))
    order = {doc: k for k, doc in enumerate(injections)}
    drafts = []
    for keys in groups:
        keys.sort(key=lambda key: (-len(docs_of[key]), len(key), key))
        docs = sorted({doc for key in keys for doc in docs_of[key]}, key=order.__getitem__)
        drafts.append((keys, docs))
    drafts.sort(key=lambda draft: (-len(draft[1]), draft[0][0]))
    fingerprints = tuple(
        Fingerprint(
            id=f"K{number}",
            core=shown[keys[0]],
            keywords=tuple(shown[key] for key in keys),
            keyword_docs=tuple(len(docs_of[key]) for key in keys),
            docs=tuple(docs),
        )
        for number, (keys, docs) in enumerate(drafts, start=1)
    )
    return fingerprints, _operators(fingerprints, order)


def fingerprint_ids(fingerprints: Sequence[Fingerprint]) -> dict[str, str]:
    """The fingerprint id of each keyword by :func:`keyword_key`, for looking injections up."""
    return {keyword_key(keyword): fingerprint.id for fingerprint in fingerprints for keyword in fingerprint.keywords}



def variant_groups(keys: list[str]) -> list[list[str]]:
    """The keyword keys (:func:`lineage.injections.keyword_key`) joined into groups of variants of one core.

    See the module's notes for when two keys are variants; a group is a connected component of that relation.
    """
    groups = DisjointSet(keys)
    holders: dict[str, list[str]] = defaultdict(list)  # substring -> keys that hold it
    letter_holders: dict[str, list[str]] = defaultdict(list)  # substring of letters -> keys whose letters hold it
    letters = {key: _DIGITS.sub("", key) for key in keys}
    numbers = {key: set(_DIGITS.findall(key)) for key in keys}
    for key in keys:
        for part in _substrings(key, MIN_CONTAINED):
            holders[part].append(key)
        for part in _substrings(letters[key], MIN_LETTERS):
            letter_holders[part].append(key)
    for key in keys:
        for other in holders.get(key, ()) if not key.isascii() else ():
            groups.merge(key, other)
        for other in letter_holders.get(letters[key], ()) if len(letters[key]) >= MIN_LETTERS else ():
            if numbers[key] <= numbers[other] and not letters[key].isascii():
                groups.merge(key, other)
    return [list(subset) for subset in groups.subsets()]


def _substrings(text: str, shortest: int) -> set[str]:
    return {text[i:j] for i in range(len(text)) for j in range(i + shortest, len(text) + 1)}


def _operators(fingerprints: tuple[Fingerprint, ...], order: dict[str, int]) -> tuple[Operator, ...]:
    """Documents joined by shared fingerprints, with the fingerprints each group carries."""
    docs = DisjointSet(sorted({doc for fingerprint in fingerprints for doc in fingerprint.docs}, key=order.__getitem__))
    for fingerprint in fingerprints:
        for doc in fingerprint.docs[1:]:
            docs.merge(fingerprint.docs[0], doc)
    carried: dict[str, list[str]] = defaultdict(list)  # group's first document -> its fingerprints
    for fingerprint in fingerprints:
        carried[docs[fingerprint.docs[0]]].append(fingerprint.id)
    groups = [sorted(subset, key=order.__getitem__) for subset in docs.subsets()]
    groups.sort(key=lambda members: (-len(members), order[members[0]]))
    return tuple(
        Operator(id=f"O{number}", fingerprints=tuple(carried[docs[members[0]]]), docs=tuple(members))
        for number, members in enumerate(groups, start=1)
    )
