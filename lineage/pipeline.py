"""analyze(): the one place where the stages are chained.

read → tokenise → shingle → drop boilerplate → MinHash → candidates (LSH and
rare shingles) → exact verification → families, trees and dendrogram.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from lineage import __version__
from lineage.boilerplate import boilerplate_columns, without_columns
from lineage.candidates import lsh_candidate_pairs, lsh_params, rare_shingle_pairs
from lineage.cluster import average_linkage, clade_support, family_labels, family_linkage
from lineage.config import (
    AnalyzeConfig,
    BoilerplateConfig,
    ClusterConfig,
    PassageConfig,
    ReadConfig,
    ShingleConfig,
)
from lineage.corpus import read_corpus
from lineage.errors import ConfigError, InputError
from lineage.index import neighbours_for_analysis
from lineage.injections import find_injections, masked
from lineage.operators import find_operators
from lineage.passages import align, document_tokens, pair_passages, segments
from lineage.phrases import family_templates, merge_phrases
from lineage.shingles import concatenate, incidence_matrix, shingle_sets
from lineage.signatures import minhash_signatures
from lineage.text import word_counts
from lineage.lineage_tree import lineage_tree, page_date, tie_rank
from lineage.wording import Usage, Wording
from lineage.tree import newick
from lineage.types import (
    Progress,
    no_progress,
    Comparison,
    Dendrogram,
    Document,
    DocumentRecord,
    Family,
    Injection,
    Operator,
    Pair,
    Passage,
    Report,
    ShingleSets,
    SkippedInput,
    TreeEdge,
)
from lineage.verify import Similarities, all_pair_scores, verify_pairs

log = logging.getLogger(__name__)

_CLADE_REPLICATES = 100  # dendrogram clade support by default (trees: see TreeConfig.replicates)



def analyze(
    paths: str | Path | Sequence[str | Path],
    *,
    shingle: str | ShingleConfig | None = None,
    num_perm: int | None = None,
    seed: int | None = None,
    threshold: float | None = None,
    recall: float | None = None,
    max_df: float | None = None,
    rare_max_df: int | None = None,
    min_shared: int | None = None,
    family_threshold: float | None = None,
    neighbours: int | None = None,
    passages: str | None = None,
    bootstrap: int | None = None,
    keep_injections: bool | None = None,
    index: str | Path | None = None,
    read: ReadConfig | None = None,
    config: AnalyzeConfig | None = None,
    progress: Progress | None = None,
) -> Report:
    """Find verified similar pairs, families and a first lineage tree in a corpus.

    ``paths`` is a file, a directory (read recursively) or a JSONL file, or a
    list of them, in any format :mod:`lineage.corpus` reads (``read`` says
    which fields of JSONL and CSV records to use, and the size limit). The
    keyword options override the defaults of :class:`AnalyzeConfig`; pass
    ``config`` instead to set every stage's options at once (not both).
    """
    options = {
        "shingle": shingle, "num_perm": num_perm, "seed": seed, "threshold": threshold, "recall": recall,
        "max_df": max_df, "rare_max_df": rare_max_df, "min_shared": min_shared, "passages": passages,
        "family_threshold": family_threshold, "neighbours": neighbours, "bootstrap": bootstrap,
        "keep_injections": keep_injections, "read": read,
    }
    given = {name: value for name, value in options.items() if value is not None}
    if config is not None and given:
        raise ConfigError(f"pass either config= or keyword options, not both (got {', '.join(sorted(given))})")
    config = config or _config(given)
    if isinstance(paths, (str, Path)):
        paths = [paths]
    # Checked before reading so that a bad option fails fast.
    bands, rows = lsh_params(config.candidates.threshold, config.minhash.num_perm, config.candidates.recall)
    report_progress = progress or no_progress

    records = read_corpus(paths, read=config.read)
    log.info("read %d input records", len(records))
    from_index = 0
    if index is not None:
        near = neighbours_for_analysis(index, records, progress=report_progress)
        records += near
        from_index = len(near)
        log.info("%d near documents added from the index %s", from_index, index)
    records = _truncated(records, config.read.max_doc_chars)
    injections = _injections(records)
    hidden = {} if config.injection.keep else injections
    documents, shingled, skipped = _shingle_documents(records, config.shingle, hidden, report_progress)
    log.info("shingled %d documents (%s), %d skipped", len(documents), config.shingle, len(skipped))
    stats: dict[str, Any] = {"inputs": len(records) - from_index}
    if index is not None:
        stats["index"] = {"path": str(index), "documents": from_index}

    matrix, column_hashes, boilerplate_hashes = _drop_boilerplate(shingled, config.boilerplate)
    boilerplate = len(boilerplate_hashes)
    stats["shingles"] = int(len(shingled.hashes))
    stats["distinct_shingles"] = int(matrix.shape[1] + boilerplate)
    stats["boilerplate_shingles"] = boilerplate
    emptied = np.diff(matrix.indptr) == 0
    for index in np.flatnonzero(emptied):
        doc = documents[index]
        skipped[doc.id] = SkippedInput(doc.id, doc.source, "only boilerplate", "only boilerplate shingles",
                                       doc.encoding, len(doc.text))
    if emptied.any():
        documents = [doc for doc, gone in zip(documents, emptied) if not gone]
        matrix = sparse.csr_array(matrix[np.flatnonzero(~emptied)])

    n_docs = len(documents)
    report_progress("signatures", 0, n_docs)
    # From the shingle hashes, not column numbers: a document's signature must
    # not depend on which other documents are in the corpus.
    signatures = minhash_signatures(ShingleSets(matrix.indptr, column_hashes[matrix.indices]), config.minhash)
    report_progress("signatures", n_docs, n_docs)

    lsh_pairs = lsh_candidate_pairs(signatures, bands, rows)
    rare_pairs, _ = rare_shingle_pairs(matrix, config.candidates.rare_max_df, config.candidates.min_shared)
    candidates, found_by = _merge_candidates(lsh_pairs, rare_pairs, n_docs)
    stats["lsh"] = {"bands": bands, "rows": rows}
    stats["candidates"] = {
        "lsh": int(len(lsh_pairs)),
        "rare": int(len(rare_pairs)),
        "both": int(np.count_nonzero(found_by == "lsh+rare")),
        "total": int(len(candidates)),
    }
    log.info("candidates: %d from LSH (%d bands x %d rows), %d from rare shingles, %d in all",
             len(lsh_pairs), bands, rows, len(rare_pairs), len(candidates))

    report_progress("verification", 0, len(candidates))
    similarities = verify_pairs(matrix, candidates)
    report_progress("verification", len(candidates), len(candidates))
    kept = similarities.shared >= config.candidates.min_shared
    strong = kept & (similarities.score >= config.cluster.family_threshold)
    reported = strong | _nearest(similarities, kept, config.cluster.neighbours)
    stats["verified_sharing_min_shared"] = int(kept.sum())

    ids = [doc.id for doc in documents]
    passages, aligned, stats["passages_skipped"], stats["passages_partial"] = _passages(
        documents, similarities, reported, config.passage, hidden, report_progress)
    families, stats["bootstrap"] = _families(ids, documents, similarities, strong, matrix, column_hashes, config,
                                             report_progress)
    family_of = {member: family.id for family in families for member in family.members}
    singletons = [doc_id for doc_id in ids if doc_id not in family_of]
    passages, stats["boilerplate_passages"] = _without_boilerplate(passages, boilerplate_hashes, config.shingle)
    words = None if stats["passages_skipped"] else _word_counts(documents, similarities, reported)
    pairs = _pairs(ids, similarities, found_by, reported, passages, words, aligned)
    phrases = merge_phrases(pairs, {doc.id: doc.text for doc in documents},
                            _rarity(matrix, column_hashes, boilerplate_hashes, config.shingle), hidden)
    stats["phrases"] = len(phrases)
    lengths = {doc.id: len(doc.text) for doc in documents}
    templates = family_templates(phrases, [family.members for family in families], lengths)
    families = [replace(family, template=template, template_phrases=used)
                for family, (template, used) in zip(families, templates)]
    stats["passages"] = sum(len(found) for found in passages)
    stats["pairs_with_passages"] = sum(1 for found in passages if found)
    log.info("%d pairs reported, %d shared passages; %d families", len(pairs), stats["passages"], len(families))
    dendrogram = _dendrogram(ids, matrix, column_hashes, families, family_of, similarities, kept, config)
    fingerprints, operators = find_operators(injections)
    document_records = _document_records(records, documents, matrix, skipped, family_of, injections, operators)
    stats.update(_summary(document_records, pairs, families, singletons))
    stats["injections"] = {
        "keywords": sum(len(found) for found in injections.values()),
        "documents": len(injections),
        "fingerprints": len(fingerprints),
        "operators": len(operators),
        "in_shingles": config.injection.keep,
    }
    return Report(
        config=config,
        documents=document_records,
        pairs=pairs,
        families=tuple(families),
        newick=newick(families, singletons),
        dendrogram=dendrogram,
        stats={"version": __version__, **stats},
        phrases=phrases,
        fingerprints=fingerprints,
        operators=operators,
        texts={doc.id: doc.text for doc in documents},
    )


def _config(options: dict[str, Any]) -> AnalyzeConfig:
    """An AnalyzeConfig with the given keyword options over each stage's defaults."""
    shingle = options.get("shingle", ShingleConfig())
    default = AnalyzeConfig()

    def stage(current, **fields):
        return replace(current, **{name: options[key] for name, key in fields.items() if key in options})

    return AnalyzeConfig(
        shingle=shingle if isinstance(shingle, ShingleConfig) else ShingleConfig.parse(shingle),
        boilerplate=stage(default.boilerplate, max_df="max_df"),
        minhash=stage(default.minhash, num_perm="num_perm", seed="seed"),
        candidates=stage(default.candidates, threshold="threshold", recall="recall", rare_max_df="rare_max_df",
                         min_shared="min_shared"),
        cluster=stage(default.cluster, family_threshold="family_threshold", neighbours="neighbours"),
        passage=stage(default.passage, mode="passages"),
        tree=stage(default.tree, bootstrap="bootstrap", seed="seed"),
        injection=stage(default.injection, keep="keep_injections"),
        read=options.get("read", default.read),
    )



_SHINGLE_BATCH = 2048  # documents tokenised and hashed together: large enough to amortise, small in memory
_PASSAGES_PER_CHUNK = 20_000  # passage or phrase texts shingled together (boilerplate, rarity)


def _truncated(records: Sequence[Document | SkippedInput], limit: int) -> list[Document | SkippedInput]:
    """The records with each document longer than ``limit`` characters cut to it, its full length kept.

    The readers cut what they read already (``--max-doc-chars``); this cuts what came another way
    (an index's neighbours, a caller's records), so that every stage's work per document is bounded.
    """
    cut = {record.id for record in records if isinstance(record, Document) and len(record.text) > limit}
    for doc_id in sorted(cut):
        log.warning("%s: longer than %d characters; only the first %d are analysed", doc_id, limit, limit)
    return [replace(record, text=record.text[:limit], truncated_from=record.truncated_from or len(record.text))
            if record.id in cut else record for record in records]


def _injections(records: Sequence[Document | SkippedInput]) -> dict[str, tuple[Injection, ...]]:
    """The injected spam keywords of each readable document that has any, in corpus order."""
    readable = [record for record in records if isinstance(record, Document)]
    found = find_injections([doc.text for doc in readable])
    injections = {doc.id: spans for doc, spans in zip(readable, found) if spans}
    log.info("%d spam keywords injected in %d documents", sum(map(len, injections.values())), len(injections))
    return injections


def _shingle_documents(
    records: Sequence[Document | SkippedInput],
    config: ShingleConfig,
    hidden: dict[str, tuple[Injection, ...]],
    progress: Progress,
) -> tuple[list[Document], ShingleSets, dict[str, SkippedInput]]:
    """Shingle sets of the readable documents (``hidden`` spans left out), and what was skipped."""
    documents: list[Document] = []
    batches: list[ShingleSets] = []
    skipped: dict[str, SkippedInput] = {}
    unit = "tokens" if config.kind == "word" else "characters"
    total = len(records)
    for lo in range(0, total, _SHINGLE_BATCH):
        batch = records[lo : lo + _SHINGLE_BATCH]
        readable = [record for record in batch if isinstance(record, Document)]
        rows, lengths = shingle_sets([masked(record.text, hidden.get(record.id, ())) for record in readable], config)
        shingled = iter(zip(np.diff(rows.indptr), lengths))
        for record in batch:
            if isinstance(record, SkippedInput):
                skipped[record.id] = record
                continue
            size, length = next(shingled)
            if size:
                documents.append(record)
            else:
                reason = f"too short: {length} {unit}, {config} shingles need at least {config.n}"
                skipped[record.id] = SkippedInput(record.id, record.source, "too short", reason, record.encoding,
                                                  len(record.text))
        batches.append(rows)
        progress("shingles", min(lo + _SHINGLE_BATCH, total), total)
    return documents, concatenate(batches, drop_empty=True), skipped


def _drop_boilerplate(
    shingle_sets: ShingleSets, config: BoilerplateConfig
) -> tuple[sparse.csr_array, npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """The documents x shingles matrix without boilerplate columns, each column's hash, and the dropped hashes."""
    matrix, column_hashes = incidence_matrix(shingle_sets)
    boilerplate = boilerplate_columns(matrix, config)
    dropped = column_hashes[boilerplate]
    if boilerplate.any():
        matrix, column_hashes = without_columns(matrix, boilerplate), column_hashes[~boilerplate]
    log.debug("%d boilerplate shingles dropped", len(dropped))
    return matrix, column_hashes, dropped


def _merge_candidates(
    lsh_pairs: npt.NDArray[np.int64], rare_pairs: npt.NDArray[np.int64], n_docs: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.object_]]:
    lsh_keys = lsh_pairs[:, 0] * n_docs + lsh_pairs[:, 1]
    rare_keys = rare_pairs[:, 0] * n_docs + rare_pairs[:, 1]
    keys = np.union1d(lsh_keys, rare_keys)
    in_lsh = np.isin(keys, lsh_keys)
    in_rare = np.isin(keys, rare_keys)
    found_by = np.where(in_lsh & in_rare, "lsh+rare", np.where(in_lsh, "lsh", "rare")).astype(object)
    pairs = np.column_stack([keys // n_docs, keys % n_docs]) if len(keys) else np.zeros((0, 2), dtype=np.int64)
    return pairs.astype(np.int64), found_by


def _families(
    ids: list[str],
    documents: list[Document],
    similarities: Similarities,
    strong: npt.NDArray[np.bool_],
    matrix: sparse.csr_array,
    column_hashes: npt.NDArray[np.uint64],
    config: AnalyzeConfig,
    progress: Progress,
) -> tuple[list[Family], int]:
    """The families, each with its lineage tree, and the bootstrap replicates their support comes from."""
    groups = family_labels(len(ids), similarities.a, similarities.b, strong)
    label = np.full(len(ids), -1, dtype=np.int64)
    for number, members in enumerate(groups):
        label[members] = number
    # Pairs inside each family, found by one sort rather than one scan per family.
    pair_label = np.where(label[similarities.a] == label[similarities.b], label[similarities.a], -1)
    order = np.argsort(pair_label, kind="stable")
    bounds = np.searchsorted(pair_label[order], np.arange(len(groups) + 1), side="left")
    replicates = config.tree.replicates(
        sum(len(members) for members in groups if len(members) <= config.tree.bootstrap_max_members))
    dates = [[page_date(documents[member].date, documents[member].text) for member in members] for members in groups]
    # Which words each document uses: which of two members kept the word usual on their topic roots a family
    # without dates. Gathered only when some family has an undated member, and only such families are worded.
    usage = (Usage([document.text for document in documents], tie_rank(ids))
             if any(None in found for found in dates) else None)
    families = []
    progress("trees", 0, len(groups))
    for number, members in enumerate(groups):
        inside = order[bounds[number] : bounds[number + 1]]
        local = {doc: k for k, doc in enumerate(members)}
        rows, hashes = _family_rows(matrix, members, column_hashes)
        wording = (Wording([documents[member].text for member in members], usage.family_counts(members))
                   if usage is not None and None in dates[number] else None)
        tree = lineage_tree(
            rows,
            hashes,
            np.array([local[x] for x in similarities.a[inside].tolist()], dtype=np.int64),
            np.array([local[y] for y in similarities.b[inside].tolist()], dtype=np.int64),
            dates[number],
            [ids[member] for member in members],
            config.tree,
            replicates,
            wording,
        )
        families.append(
            Family(
                id=f"F{number + 1}",
                members=tuple(ids[member] for member in members),
                root=ids[members[tree.root]],
                edges=tuple(
                    TreeEdge(ids[members[edge.parent]], ids[members[edge.child]], edge.score, edge.support,
                             edge.evidence)
                    for edge in tree.edges
                ),
                linkage=_linkage(matrix, members, config.cluster),
                root_support=tree.root_support,
            )
        )
        progress("trees", number + 1, len(groups))
    return families, replicates


def _family_rows(
    matrix: sparse.csr_array, members: list[int], column_hashes: npt.NDArray[np.uint64]
) -> tuple[sparse.csr_array, npt.NDArray[np.uint64]]:
    """The members' rows over the family's own shingles, and those shingles' hashes."""
    rows = sparse.csr_array(matrix[members])
    columns, local = np.unique(rows.indices, return_inverse=True)
    rows = sparse.csr_array((rows.data, local.ravel(), rows.indptr), shape=(len(members), len(columns)))
    return rows, column_hashes[columns]


def _linkage(matrix: sparse.csr_array, members: list[int], config: ClusterConfig) -> npt.NDArray[np.float64] | None:
    if len(members) > config.linkage_max_docs:
        return None  # the dense matrix of all member pairs grows with the square of the family
    return average_linkage(all_pair_scores(sparse.csr_array(matrix[members])))


def _nearest(similarities: Similarities, kept: npt.NDArray[np.bool_], neighbours: int) -> npt.NDArray[np.bool_]:
    """Pairs among each document's ``neighbours`` highest-scoring kept pairs."""
    chosen = np.zeros(len(kept), dtype=bool)
    if neighbours == 0 or not kept.any():
        return chosen
    pair_index = np.flatnonzero(kept)
    doc = np.concatenate([similarities.a[pair_index], similarities.b[pair_index]])
    pair = np.concatenate([pair_index, pair_index])
    score = similarities.score[pair]
    order = np.lexsort((pair, -similarities.jaccard[pair], -score, doc))  # by document, best pair first
    doc, pair = doc[order], pair[order]
    first = np.searchsorted(doc, doc, side="left")
    rank = np.arange(len(doc)) - first
    chosen[pair[rank < neighbours]] = True
    return chosen


def _passages(
    documents: list[Document],
    similarities: Similarities,
    reported: npt.NDArray[np.bool_],
    config: PassageConfig,
    hidden: dict[str, tuple[Injection, ...]],
    progress: Progress,
) -> tuple[list[tuple[Passage, ...]], npt.NDArray[np.bool_], str | None, str | None]:
    """Shared passages of each reported pair, which pairs were aligned, and why none or only some were.

    Returns ``(passages, aligned, skipped, partial)``: ``skipped`` says why no
    pair was aligned (``--passages off``); ``partial`` says that ``--passages
    auto`` aligned only the ``auto_max_pairs`` strongest pairs of a larger report.
    """
    count = int(reported.sum())
    aligned = np.zeros(count, dtype=bool)
    if config.mode == "off":
        return [()] * count, aligned, "--passages off", None
    partial = None
    if config.mode == "auto" and count > config.auto_max_pairs:
        rows = np.flatnonzero(reported)
        strongest = np.lexsort((-similarities.jaccard[rows], -similarities.score[rows]))[: config.auto_max_pairs]
        aligned[strongest] = True
        partial = (f"the {config.auto_max_pairs:,} strongest of {count:,} reported pairs (about 0.8 ms a pair); "
                   "pass --passages on to align them all")
    else:
        aligned[:] = True
    chosen = np.flatnonzero(aligned)
    progress("passages", 0, len(chosen))
    pairs = list(zip(similarities.a[reported][chosen].tolist(), similarities.b[reported][chosen].tolist()))
    found: list[tuple[Passage, ...]] = [()] * count
    for k, passages in zip(chosen.tolist(), pair_passages([doc.text for doc in documents], pairs, config,
                                                          hidden=[hidden.get(doc.id, ()) for doc in documents])):
        found[k] = passages
    progress("passages", len(chosen), len(chosen))
    return found, aligned, None, partial


def _rarity(
    matrix: sparse.csr_array,
    column_hashes: npt.NDArray[np.uint64],
    boilerplate: npt.NDArray[np.uint64],
    config: ShingleConfig,
) -> Callable[[list[str]], npt.NDArray[np.float64]]:
    """A function giving texts the mean inverse document frequency ``log((N + 1) / df)`` of their shingles.

    Shingles not in the corpus's columns (boilerplate, or too short a text) count as held by every document.
    """
    n_docs = matrix.shape[0]
    frequency = np.bincount(matrix.indices, minlength=matrix.shape[1])

    def rarity(texts: list[str]) -> npt.NDArray[np.float64]:
        if len(texts) > _PASSAGES_PER_CHUNK:  # a chunk at a time, as their shingles take gigabytes
            return np.concatenate([rarity(texts[lo : lo + _PASSAGES_PER_CHUNK])
                                   for lo in range(0, len(texts), _PASSAGES_PER_CHUNK)])
        rows, _ = shingle_sets(texts, config)
        position = np.clip(np.searchsorted(column_hashes, rows.hashes), 0, max(len(column_hashes) - 1, 0))
        found = (column_hashes[position] == rows.hashes) if len(column_hashes) else np.zeros(len(rows.hashes), bool)
        df = np.where(found, frequency[position] if len(frequency) else 0, n_docs)
        idf = np.log((n_docs + 1) / np.maximum(df, 1))
        sizes = np.diff(rows.indptr)
        total = np.bincount(np.repeat(np.arange(len(texts)), sizes), weights=idf, minlength=len(texts))
        return np.where(sizes > 0, total / np.maximum(sizes, 1), np.log((n_docs + 1) / max(n_docs, 1)))

    return rarity


def _without_boilerplate(
    passages: list[tuple[Passage, ...]], boilerplate: npt.NDArray[np.uint64], config: ShingleConfig
) -> tuple[list[tuple[Passage, ...]], int]:
    """Passages without those made mostly (half or more of their shingles) of boilerplate, and how many went."""
    flat = [passage for found in passages for passage in found]
    if len(boilerplate) == 0 or not flat:
        return passages, 0
    furniture = set()
    for lo in range(0, len(flat), _PASSAGES_PER_CHUNK):  # a chunk at a time: all their shingles took gigabytes
        chunk = flat[lo : lo + _PASSAGES_PER_CHUNK]
        rows, _ = shingle_sets([passage.a_text for passage in chunk], config)
        sizes = np.diff(rows.indptr)
        in_boilerplate = np.bincount(np.repeat(np.arange(len(chunk)), sizes),
                                     weights=np.isin(rows.hashes, boilerplate), minlength=len(chunk))
        furniture |= {id(passage) for passage, count, size in zip(chunk, in_boilerplate, sizes)
                      if size and 2 * count >= size}
    kept = [tuple(passage for passage in found if id(passage) not in furniture) for found in passages]
    return kept, len(furniture)


def _word_counts(
    documents: list[Document], similarities: Similarities, reported: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int64]:
    """Word tokens of each document in a reported pair (0 for the rest)."""
    involved = np.unique(np.concatenate([similarities.a[reported], similarities.b[reported]]))
    words = np.zeros(len(documents), dtype=np.int64)
    words[involved] = word_counts([documents[i].text for i in involved.tolist()])
    return words


def _pairs(
    ids: list[str],
    similarities: Similarities,
    found_by: npt.NDArray[np.object_],
    kept: npt.NDArray[np.bool_],
    passages: list[tuple[Passage, ...]],
    words: npt.NDArray[np.int64] | None,
    aligned: npt.NDArray[np.bool_],
) -> tuple[Pair, ...]:
    def coverage(a: int, b: int, found: tuple[Passage, ...], was_aligned: bool) -> float | None:
        if words is None or not was_aligned:
            return None
        shorter = min(words[a], words[b])
        return round(min(sum(passage.aligned for passage in found) / shorter, 1.0), 6) if shorter else 0.0

    pairs = [
        Pair(
            a=ids[similarities.a[k]],
            b=ids[similarities.b[k]],
            jaccard=round(float(similarities.jaccard[k]), 6),
            containment_a=round(float(similarities.containment_a[k]), 6),
            containment_b=round(float(similarities.containment_b[k]), 6),
            shared_shingles=int(similarities.shared[k]),
            found_by=found_by[k],
            passages=found,
            coverage=coverage(similarities.a[k], similarities.b[k], found, was_aligned),
        )
        for k, found, was_aligned in zip(np.flatnonzero(kept), passages, aligned.tolist())
    ]
    pairs.sort(key=lambda pair: (-pair.score, -pair.jaccard, pair.a, pair.b))
    return tuple(pairs)


def _dendrogram(
    ids: list[str],
    matrix: sparse.csr_array,
    column_hashes: npt.NDArray[np.uint64],
    families: list[Family],
    family_of: dict[str, str],
    similarities: Similarities,
    kept: npt.NDArray[np.bool_],
    analyze_config: AnalyzeConfig,
) -> Dendrogram | None:
    """Documents as leaves while they fit in the drawing, else one leaf per family with its size.

    Up to ``dendrogram_max_docs`` documents, every document is drawn; past
    that, the members of every family if they fit, and otherwise the largest
    families as leaves (average linkage between families from the verified
    pairs, :func:`lineage.cluster.family_linkage`): a million-document corpus
    is drawn as its families, not as a million rows.
    """
    config = analyze_config.cluster
    limit = config.dendrogram_max_docs
    in_none = len(ids) - sum(len(family.members) for family in families)
    if len(ids) <= limit:
        chosen = list(range(len(ids)))
        caption = f"All {len(ids)} documents"
    elif sum(len(family.members) for family in families) <= limit:
        position = {doc_id: k for k, doc_id in enumerate(ids)}
        chosen = [position[member] for family in families for member in family.members]
        caption = f"The {len(chosen)} documents in families; not drawn: the {in_none:,} documents in no family"
    else:
        return _family_dendrogram(ids, families, similarities, kept, limit, in_none)
    if not chosen:
        return None
    labels = tuple(ids[k] for k in chosen)
    leaf_families = tuple(family_of.get(label) for label in labels)
    if len(chosen) < 2:
        return Dendrogram(labels, np.zeros((0, 4)), caption, leaf_families)
    rows = sparse.csr_array(matrix[chosen])
    tree = average_linkage(all_pair_scores(rows))
    # Cheap at the few hundred documents drawn, so on unless --bootstrap 0 says otherwise.
    replicates = analyze_config.tree.bootstrap
    replicates = _CLADE_REPLICATES if replicates is None else replicates
    support = clade_support(rows, column_hashes, tree, replicates, analyze_config.tree.seed) if replicates else None
    return Dendrogram(labels, tree, caption, leaf_families, support)


def _family_dendrogram(
    ids: list[str],
    families: list[Family],
    similarities: Similarities,
    kept: npt.NDArray[np.bool_],
    limit: int,
    in_none: int,
) -> Dendrogram:
    """One leaf per family for the ``limit`` largest families (families come largest first)."""
    drawn = families[:limit]
    position = {doc_id: k for k, doc_id in enumerate(ids)}
    members = [[position[member] for member in family.members] for family in drawn]
    tree = family_linkage(len(ids), members, similarities.a[kept], similarities.b[kept], similarities.score[kept])
    documents = sum(len(group) for group in members)
    left_out = f"the other {len(families) - len(drawn):,} families and " if len(drawn) < len(families) else ""
    caption = (f"{'All' if len(drawn) == len(families) else 'The largest'} {len(drawn):,} families as leaves "
               f"({documents:,} of {len(ids):,} documents); not drawn: {left_out}the {in_none:,} documents in no family")
    labels = tuple(family.id for family in drawn)
    sizes = tuple(len(group) for group in members)
    return Dendrogram(labels, tree, caption, labels, sizes=sizes)


def _document_records(
    records: Sequence[Document | SkippedInput],
    documents: list[Document],
    matrix: sparse.csr_array,
    skipped: dict[str, SkippedInput],
    family_of: dict[str, str],
    injections: dict[str, tuple[Injection, ...]],
    operators: tuple[Operator, ...],
) -> tuple[DocumentRecord, ...]:
    sizes = dict(zip((doc.id for doc in documents), np.diff(matrix.indptr).tolist()))
    operator_of = {doc: operator.id for operator in operators for doc in operator.docs}
    out = []
    for record in records:
        gone = record if isinstance(record, SkippedInput) else skipped.get(record.id)
        if gone is not None:
            out.append(
                DocumentRecord(
                    id=gone.id, source=gone.source, status="skipped", reason=gone.reason, skip_kind=gone.kind,
                    chars=gone.chars, shingles=None, encoding=gone.encoding,
                    injections=injections.get(gone.id, ()), operator=operator_of.get(gone.id),
                )
            )
            continue
        assert isinstance(record, Document)
        out.append(
            DocumentRecord(
                id=record.id, source=record.source, status="ok", reason=None, skip_kind=None,
                chars=len(record.text), shingles=int(sizes[record.id]), encoding=record.encoding,
                family=family_of.get(record.id), date=record.date, url=record.url,
                injections=injections.get(record.id, ()), operator=operator_of.get(record.id),
                title=record.title, truncated_from=record.truncated_from,
            )
        )
    return tuple(out)


def _summary(
    documents: tuple[DocumentRecord, ...], pairs: tuple[Pair, ...], families: list[Family], singletons: list[str]
) -> dict[str, Any]:
    reasons = Counter(doc.skip_kind for doc in documents if doc.status == "skipped")
    return {
        "documents": sum(doc.status == "ok" for doc in documents),
        "skipped": sum(reasons.values()),
        "skipped_by_reason": dict(sorted(reasons.items())),
        "truncated": sum(doc.truncated_from is not None for doc in documents),
        "pairs": len(pairs),
        "families": len(families),
        "documents_in_families": sum(len(family.members) for family in families),
        "singletons": len(singletons),
    }


def compare(
    a: str | Path,
    b: str | Path,
    *,
    corpus: str | Path | Sequence[str | Path] | None = None,
    shingle: str | ShingleConfig | None = None,
    keep_injections: bool = False,
    read: ReadConfig | None = None,
) -> Comparison:
    """The shared passages of two documents, with their shingle overlap.

    Without ``corpus``, ``a`` and ``b`` are files holding one document each;
    with it, they are ids of documents in ``corpus`` (as ``analyze`` names them).
    Injected spam keywords are left out as ``analyze`` leaves them out, unless
    ``keep_injections``; they are found in the two documents alone.
    """
    config = shingle if isinstance(shingle, ShingleConfig) else ShingleConfig.parse(shingle or str(ShingleConfig()))
    if corpus is not None:
        paths = [corpus] if isinstance(corpus, (str, Path)) else list(corpus)
        records = read_corpus(paths, read=read)
        by_id = {record.id: record for record in records}
        where = "in " + ", ".join(str(path) for path in paths)
        skipped = [record for record in records if isinstance(record, SkippedInput)]
        if skipped:  # a record read wrongly (a field named otherwise) has no id: say why the id may be missing
            records_word = "record" if len(skipped) == 1 else "records"
            where += f" ({len(skipped):,} {records_word} skipped, the first at {skipped[0].source}: {skipped[0].reason})"
        first, second = (_document(by_id.get(str(doc_id)), str(doc_id), where) for doc_id in (a, b))
    else:
        first, second = (_only_document(Path(path), read) for path in (a, b))
    texts = [first.text, second.text]
    injections = find_injections(texts)
    hidden = [()] * 2 if keep_injections else injections
    rows, _ = shingle_sets([masked(text, spans) for text, spans in zip(texts, hidden)], config)
    set_a, set_b = set(rows.row(0).tolist()), set(rows.row(1).tolist())
    shared = len(set_a & set_b)
    tokens_a, tokens_b = document_tokens(texts, hidden)
    passages = align(tokens_a, tokens_b)
    return Comparison(
        a=first,
        b=second,
        shingle=str(config),
        jaccard=shared / len(set_a | set_b) if set_a | set_b else 0.0,
        containment_a=shared / len(set_a) if set_a else 0.0,
        containment_b=shared / len(set_b) if set_b else 0.0,
        passages=passages,
        segments=tuple(tuple(segments(tokens_a, tokens_b, passage)) for passage in passages),
        injections=(injections[0], injections[1]),
    )


def _document(record: Document | SkippedInput | None, doc_id: str, where: str) -> Document:
    if record is None:
        raise InputError(f"{doc_id}: no document with this id {where}; ids are paths relative to a directory "
                         "given or JSONL ids, as in report.json")
    if isinstance(record, SkippedInput):
        raise InputError(f"{doc_id}: skipped ({record.reason}); pick a document that can be analysed")
    return record


def _only_document(path: Path, read: ReadConfig | None) -> Document:
    records = read_corpus([path], read=read)
    if len(records) != 1:
        raise InputError(f"{path}: holds {len(records)} documents; pass --corpus {path} and two of their ids")
    return _document(records[0], str(path), f"in {path}")
