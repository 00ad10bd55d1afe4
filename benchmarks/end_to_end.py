"""End to end: `lineage analyze` wall time and peak memory against corpus size.

Usage: python benchmarks/end_to_end.py [--sizes 1000 10000 100000] [--repeats 3] [--seed 1]
                                       [--data DIR] [--json OUT] [--plot OUT.png]

For each size, a `lineage synth` corpus (default knobs) is written once to --data
(default benchmarks/.data, reused by later runs), then `lineage analyze
corpus.jsonl -o DIR -q` runs as a child process --repeats times. Wall time and
the child's peak resident set size (from wait4's rusage) are recorded; the
table shows medians. The plot shows both against corpus size on log-log axes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from common import machine, median, write_json
from lineage.config import SynthConfig
from lineage.synth import write_corpus

DATA = Path(__file__).parent / ".data"


def corpus(size: int, seed: int, data: Path) -> Path:
    """The synthetic corpus of this size and seed, generated on first use."""
    directory = data / f"synth-{size}-seed{seed}"
    if not (directory / "corpus.jsonl").is_file():
        print(f"generating {size} documents in {directory} ...", file=sys.stderr)
        write_corpus(directory, SynthConfig(docs=size, seed=seed))
    return directory / "corpus.jsonl"


def run_analyze(path: Path, output: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS in bytes of one `lineage analyze` child process."""
    command = [sys.executable, "-m", "lineage", "analyze", str(path), "-o", str(output), "-q"]
    started = time.perf_counter()
    child = subprocess.Popen(command)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit code {child.returncode}")
    return seconds, usage.ru_maxrss * 1024  # Linux reports kilobytes


def plot(rows: list[dict]) -> Figure:
    figure = Figure(figsize=(8, 3.6), layout="constrained")
    time_axis, memory_axis = figure.subplots(1, 2)
    sizes = [row["docs"] for row in rows]
    series = (
        (time_axis, [row["seconds"] for row in rows], "wall time (s)", "#1f77b4"),
        (memory_axis, [row["peak_rss_bytes"] / 2**30 for row in rows], "peak RSS (GiB)", "#d62728"),
    )
    for axis, values, label, colour in series:
        axis.plot(sizes, values, "o-", color=colour)
        axis.set_xscale("log")
        axis.set_yscale("log")
        # Ticks at the measured points: readable whatever the range, even under one decade.
        axis.set_xticks(sizes, [f"{size:,}" for size in sizes])
        axis.set_yticks(values, [f"{value:.3g}" for value in values])
        axis.xaxis.set_minor_locator(NullLocator())
        axis.yaxis.set_minor_locator(NullLocator())
        axis.margins(x=0.15, y=0.15)
        axis.set_xlabel("documents (lineage synth)")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
    figure.suptitle("lineage analyze, end to end (median of runs)")
    return figure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, default=DATA, help="where the synthetic corpora are kept")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--plot", type=Path, help="write the time and memory plot (PNG) here")
    args = parser.parse_args(argv)

    rows = []
    print(f"{'documents':>10}{'families':>10}{'pairs':>10}{'wall s':>10}{'peak RSS':>12}")
    for size in args.sizes:
        path = corpus(size, args.seed, args.data)
        runs = []
        with tempfile.TemporaryDirectory() as scratch:
            for repeat in range(args.repeats):
                runs.append(run_analyze(path, Path(scratch) / f"run{repeat}"))
            report = json.loads((Path(scratch) / "run0" / "report.json").read_text(encoding="utf-8"))
        row = {
            "docs": size,
            "families": len(report["families"]),
            "pairs": len(report["pairs"]),
            "seconds": median(seconds for seconds, _ in runs),
            "peak_rss_bytes": int(median(rss for _, rss in runs)),
            "runs": [{"seconds": round(seconds, 3), "peak_rss_bytes": rss} for seconds, rss in runs],
        }
        rows.append(row)
        print(f"{size:>10}{row['families']:>10}{row['pairs']:>10}{row['seconds']:>10.2f}"
              f"{row['peak_rss_bytes'] / 2**20:>9.0f} MiB")
    write_json(args.json, {"machine": machine(), "seed": args.seed, "repeats": args.repeats, "sizes": rows})
    if args.plot:
        args.plot.parent.mkdir(parents=True, exist_ok=True)
        plot(rows).savefig(args.plot, dpi=120)
        print(f"wrote {args.plot}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
