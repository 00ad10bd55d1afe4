"""Report writers: JSON, Markdown, CSV, Newick and the dendrogram images.

Every file is written atomically (a temporary file in the same directory,
then a rename), so an interrupted run never leaves a half-written report.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import matplotlib

from lineage.errors import OutputError
from lineage.plots import dendrogram_figure
from lineage.types import Report

REPORT_FILES = ("report.json", "report.md", "pairs.csv", "lineage.nwk", "dendrogram.png", "dendrogram.svg")
_TOP_PAIRS = 20
_PAIR_COLUMNS = ("a", "b", "score", "jaccard", "containment_a", "containment_b", "shared_shingles", "found_by", "family")


def write_report(report: Report, directory: str | Path) -> list[Path]:
    """Write every report file into ``directory`` (created if missing); return the paths."""
    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{out}: cannot create the output directory ({error.strerror}); pass another -o") from error
    figure = dendrogram_figure(report.dendrogram, report.config.cluster.family_threshold)
    contents = {
        "report.json": (json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
        "report.md": markdown(report).encode("utf-8"),
        "pairs.csv": _pairs_csv(report).encode("utf-8"),
        "lineage.nwk": (report.newick + "\n").encode("utf-8"),
        "dendrogram.png": _render(figure, "png"),
        "dendrogram.svg": _render(figure, "svg"),
    }
    written = []
    for name in REPORT_FILES:
        path = out / name
        _write_atomic(path, contents[name])
        written.append(path)
    return written


def report_dict(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data; the keys documented in the README are stable."""
    family_of = {member: family.id for family in report.families for member in family.members}
    return {
        "version": report.stats.get("version"),
        "parameters": parameters(report),
        "summary": {key: value for key, value in report.stats.items() if key != "version"},
        "documents": [
            {
                "id": doc.id,
                "source": doc.source,
                "status": doc.status,
                "reason": doc.reason,
                "chars": doc.chars,
                "shingles": doc.shingles,
                "encoding": doc.encoding,
                "family": doc.family,
                **({"date": doc.date} if doc.date is not None else {}),
                **({"url": doc.url} if doc.url is not None else {}),
            }
            for doc in report.documents
        ],
        "pairs": [
            {
                "a": pair.a,
                "b": pair.b,
                "score": pair.score,
                "jaccard": pair.jaccard,
                "containment_a": pair.containment_a,
                "containment_b": pair.containment_b,
                "shared_shingles": pair.shared_shingles,
                "found_by": pair.found_by,
                "family": _shared_family(family_of, pair.a, pair.b),
            }
            for pair in report.pairs
        ],
        "families": [
            {
                "id": family.id,
                "size": len(family.members),
                "root": family.root,
                "members": list(family.members),
                "linkage": _linkage_rows(family.linkage),
            }
            for family in report.families
        ],
        "tree": {
            "newick": report.newick,
            "edges": [
                {"family": family.id, "parent": edge.parent, "child": edge.child, "score": edge.score}
                for family in report.families
                for edge in family.edges
            ],
        },
    }


def parameters(report: Report) -> dict[str, Any]:
    config = report.config
    lsh = report.stats.get("lsh", {})
    return {
        "shingle": str(config.shingle),
        "normalization": "NFKC + casefold; CJK characters are single tokens",
        "score": "max(containment_a, containment_b): share of the smaller shingle set found in the other",
        "boilerplate_max_df": config.boilerplate.max_df,
        "boilerplate_min_docs": config.boilerplate.min_docs,
        "num_perm": config.minhash.num_perm,
        "seed": config.minhash.seed,
        "minhash_scheme": "datasketch affine32",
        "lsh_threshold": config.candidates.threshold,
        "lsh_recall": config.candidates.recall,
        "lsh_bands": lsh.get("bands"),
        "lsh_rows": lsh.get("rows"),
        "rare_max_df": config.candidates.rare_max_df,
        "min_shared": config.candidates.min_shared,
        "family_threshold": config.cluster.family_threshold,
        "linkage": "average on 1 - score",
        "dendrogram_max_docs": config.cluster.dendrogram_max_docs,
    }


def markdown(report: Report) -> str:
    """A readable summary: parameters, top pairs, families and skipped inputs."""
    stats = report.stats
    lines = [
        "# lineage report",
        "",
        f"{stats['documents']} documents analysed, {stats['skipped']} skipped; "
        f"{stats['pairs']} verified pairs; {stats['families']} families "
        f"({stats['documents_in_families']} documents), {stats['singletons']} documents in no family.",
        "",
        "**score** is the share of the smaller document's shingles that the other document holds "
        "(the larger of the two containments); every number here is exact, computed from the shingle sets.",
        "",
        "## Parameters",
        "",
        "| parameter | value |",
        "| --- | --- |",
    ]
    lines += [f"| {name} | {_cell(value)} |" for name, value in parameters(report).items()]
    lines += [
        "",
        f"Candidates: {stats['lsh']['candidates']} from LSH, {stats['rare_candidates']} from the rare-shingle index, "
        f"{stats['candidates']} verified in all; {stats['boilerplate_shingles']} boilerplate shingles dropped.",
        "",
        f"## Top pairs ({min(_TOP_PAIRS, len(report.pairs))} of {len(report.pairs)})",
        "",
    ]
    if report.pairs:
        lines += [
            "| a | b | score | Jaccard | containment a | containment b | shared shingles | found by |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        lines += [
            f"| {_cell(p.a)} | {_cell(p.b)} | {p.score:.3f} | {p.jaccard:.3f} | {p.containment_a:.3f} | "
            f"{p.containment_b:.3f} | {p.shared_shingles} | {p.found_by} |"
            for p in report.pairs[:_TOP_PAIRS]
        ]
        lines.append("")
        lines.append("All pairs are in `pairs.csv` and `report.json`.")
    else:
        lines.append("No pair shares enough shingles to report.")
    lines += ["", "## Families", ""]
    if report.families:
        for family in report.families:
            lines += [
                f"### {family.id}: {len(family.members)} documents, root {_cell(family.root)}",
                "",
            ]
            lines += [f"- {_cell(edge.parent)} → {_cell(edge.child)} (score {edge.score:.3f})" for edge in family.edges]
            lines.append("")
    else:
        threshold = report.config.cluster.family_threshold
        lines += [f"No pair reaches the family threshold (score ≥ {threshold:g}).", ""]
    lines += ["## Dendrogram", "", "![dendrogram](dendrogram.png)", ""]
    skipped = [doc for doc in report.documents if doc.status == "skipped"]
    if skipped:
        lines += ["## Skipped inputs", "", "| id | source | reason |", "| --- | --- | --- |"]
        lines += [f"| {_cell(doc.id)} | {_cell(doc.source)} | {_cell(doc.reason)} |" for doc in skipped]
        lines.append("")
    return "\n".join(lines)


def _pairs_csv(report: Report) -> str:
    family_of = {member: family.id for family in report.families for member in family.members}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_PAIR_COLUMNS)
    for p in report.pairs:
        writer.writerow(
            [p.a, p.b, p.score, p.jaccard, p.containment_a, p.containment_b, p.shared_shingles, p.found_by,
             _shared_family(family_of, p.a, p.b) or ""]
        )
    return buffer.getvalue()


def _linkage_rows(linkage) -> list[list[float | int]] | None:
    """scipy's linkage matrix as JSON: [left, right, distance, size] per merge."""
    if linkage is None:
        return None
    return [[int(left), int(right), round(float(distance), 6), int(size)] for left, right, distance, size in linkage]


def _shared_family(family_of: dict[str, str], a: str, b: str) -> str | None:
    family = family_of.get(a)
    return family if family is not None and family == family_of.get(b) else None


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _render(figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    # A fixed salt and no date make the SVG byte-identical from run to run.
    with matplotlib.rc_context({"svg.hashsalt": "lineage", "svg.fonttype": "none"}):
        metadata = {"Date": None} if fmt == "svg" else {"Software": None}
        figure.savefig(buffer, format=fmt, dpi=150, metadata=metadata)
    return buffer.getvalue()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_atomic(path: Path, data: bytes) -> None:
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes files private; reports are not
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({error.strerror}); check the output directory") from error
