from __future__ import annotations

import numpy as np
from scipy import sparse

from lineage.boilerplate import boilerplate_columns
from lineage.config import BoilerplateConfig

RNG_SEED = 3


def matrix(rows: list[set[int]]) -> sparse.csr_array:
    """Documents x shingles 0/1 matrix from each document's set of column numbers."""
    width = max((max(row) for row in rows if row), default=-1) + 1
    indptr = np.cumsum([0] + [len(row) for row in rows])
    indices = np.concatenate([sorted(row) for row in rows]).astype(np.int64)
    return sparse.csr_array((np.ones(len(indices), dtype=np.int32), indices, indptr), shape=(len(rows), width))


class Columns:
    """Hands out fresh column numbers, so that unrelated text never collides."""

    def __init__(self) -> None:
        self.next = 0

    def take(self, count: int) -> set[int]:
        taken = set(range(self.next, self.next + count))
        self.next += count
        return taken


def test_shingles_held_by_more_than_max_df_of_enough_documents():
    columns = Columns()
    own = [columns.take(50) for _ in range(10)]
    wide, half = columns.take(1), columns.take(1)  # held by 6 and by 5 of the 10 documents
    rows = [row | (wide if i < 6 else set()) | (half if i < 5 else set()) for i, row in enumerate(own)]
    flagged = np.flatnonzero(boilerplate_columns(matrix(rows), BoilerplateConfig(max_df=0.5)))
    assert set(flagged.tolist()) == wide  # 6 > 0.5 * 10, but not 5
    assert not boilerplate_columns(matrix(rows[:9]), BoilerplateConfig()).any()  # too few documents to tell
    assert not boilerplate_columns(matrix(rows), BoilerplateConfig(max_df=1.0, min_block=10**6)).any()


def site_corpus(columns: Columns, pages: int, header: int, page_shingles: int = 200) -> tuple[list[set[int]], set[int]]:
    furniture = columns.take(header)
    return [columns.take(page_shingles) | furniture for _ in range(pages)], furniture


def test_a_site_header_on_unrelated_pages_is_boilerplate():
    columns = Columns()
    site_a, header_a = site_corpus(columns, 12, header=40)
    site_b, header_b = site_corpus(columns, 15, header=25)
    rows = site_a + site_b
    flagged = set(np.flatnonzero(boilerplate_columns(matrix(rows), BoilerplateConfig())).tolist())
    assert flagged == header_a | header_b


def test_a_block_on_fewer_than_min_docs_pages_is_kept():
    columns = Columns()
    rows, _ = site_corpus(columns, 9, header=40)
    rows += [columns.take(200) for _ in range(10)]
    assert not boilerplate_columns(matrix(rows), BoilerplateConfig(min_docs=10)).any()


def test_a_sentence_kept_verbatim_by_rewrites_of_one_template_is_kept():
    rng = np.random.default_rng(RNG_SEED)
    columns = Columns()
    template = np.array(sorted(columns.take(300)))
    verbatim = columns.take(15)
    rows = []
    for _ in range(12):  # each rewrite keeps 60% of the template and adds its own text
        kept = set(rng.choice(template, size=180, replace=False).tolist())
        rows.append(kept | verbatim | columns.take(120))
    rows += [columns.take(200) for _ in range(20)]  # so that the verbatim sentence is under max_df
    assert not boilerplate_columns(matrix(rows), BoilerplateConfig()).any()
    # The same sentence on 12 unrelated pages would be boilerplate.
    pages = [columns.take(300) | verbatim for _ in range(12)] + rows[12:]
    assert set(np.flatnonzero(boilerplate_columns(matrix(pages), BoilerplateConfig())).tolist()) == verbatim


def test_verbatim_copies_are_content_not_boilerplate():
    columns = Columns()
    article = columns.take(100)
    rows = [set(article) for _ in range(12)] + [columns.take(100) for _ in range(20)]
    assert not boilerplate_columns(matrix(rows), BoilerplateConfig()).any()
