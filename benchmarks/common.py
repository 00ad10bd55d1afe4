"""What the benchmarks share: synthetic corpora, the machine description, medians and JSON output."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
from collections.abc import Iterable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

from lineage.config import SynthConfig
from lineage.synth import generate, write_corpus

RESULTS = Path(__file__).parent / "results"


def synthetic(docs: int, seed: int, **knobs: Any) -> tuple[list[dict], list[dict]]:
    """A `lineage synth` corpus held in memory: its records and their truth, in file order."""
    records, truths = [], []
    for record, truth in generate(SynthConfig(docs=docs, seed=seed, **knobs)):
        records.append(record)
        truths.append(truth)
    return records, truths


@contextlib.contextmanager
def synth_files(docs: int, seed: int, **knobs: Any) -> Iterator[tuple[Path, list[dict]]]:
    """A `lineage synth` corpus written to a scratch folder: its corpus.jsonl and its truth, in file order."""
    with tempfile.TemporaryDirectory() as scratch:
        write_corpus(scratch, SynthConfig(docs=docs, seed=seed, **knobs))
        lines = (Path(scratch) / "truth.jsonl").read_text(encoding="utf-8").splitlines()
        yield Path(scratch) / "corpus.jsonl", [json.loads(line) for line in lines]


def machine(packages: Iterable[str] = ()) -> dict[str, Any]:
    """CPU, core count, Python and package versions: printed and stored beside every figure."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):  # no /proc (not Linux): keep platform's answer
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {}
    for name in ("lineage", "numpy", "numba", "scipy", "datasketch", *packages):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "packages": versions}


def median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


def pin_to_one_core() -> int | None:
    """Run this process on one CPU, so that 'one core' is what is measured; returns the CPU or None."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = sorted(os.sched_getaffinity(0))[-1]
    os.sched_setaffinity(0, {cpu})
    return cpu


def write_json(path: Path | None, results: dict[str, Any]) -> None:
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)
