"""End to end: `lineage analyze` wall time and peak memory against corpus size.

Usage: python benchmarks/end_to_end.py [--sizes 1000 10000 100000] [--repeats 3] [--seed 1]
                                       [--passages auto|on|off ...] [--data DIR] [--json OUT] [--plot OUT.png]

For each size, a `lineage synth` corpus (default knobs) is written once to --data
(default benchmarks/.data, reused by later runs), then `lineage analyze
corpus.jsonl -o DIR -q` runs as a child process --repeats times. Wall time and
the child's peak resident set size (from wait4's rusage) are recorded; the
table shows medians. The plot shows both against corpus size on log-log axes.

With several --passages modes (e.g. `--passages off on`), each repeat runs every
mode in turn, so the time that aligning passages adds is measured under the
same conditions.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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


def run_analyze(path: Path, output: Path, passages: str = "auto") -> tuple[float, int]:
    """Wall seconds and peak RSS in bytes of one `lineage analyze` child process."""
    command = [sys.executable, "-m", "lineage", "analyze", str(path), "-o", str(output), "-q", "--passages", passages]
    started = time.perf_counter()
    child = subprocess.Popen(command)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit code {child.returncode}")
    return seconds, usage.ru_maxrss * 1024  # Linux reports kilobytes


def summary(report_json: Path) -> dict:
    """report.json's ``summary``, read without the rest (with passages at 100,000 documents it is gigabytes)."""
    with report_json.open(encoding="utf-8") as handle:
        lines = []
        for line in handle:
            if line.startswith('  "documents": '):
                break
            lines.append(line)
    return json.loads("".join(lines).rstrip().rstrip(",") + "}")["summary"]


def plot(rows: list[dict]) -> Figure:
    figure = Figure(figsize=(8, 3.6), layout="constrained")
    time_axis, memory_axis = figure.subplots(1, 2)
    modes = list(dict.fromkeys(row["passages"] for row in rows))
    for axis, key, label in ((time_axis, "seconds", "wall time (s)"), (memory_axis, "peak_rss_bytes", "peak RSS (GiB)")):
        ticks = []
        for mode, colour in zip(modes, ("#1f77b4", "#d62728", "#2ca02c")):
            chosen = [row for row in rows if row["passages"] == mode]
            sizes = [row["docs"] for row in chosen]
            values = [row[key] / (2**30 if key == "peak_rss_bytes" else 1) for row in chosen]
            axis.plot(sizes, values, "o-", color=colour, label=f"--passages {mode}")
            ticks += values
        axis.set_xscale("log")
        axis.set_yscale("log")
        # Ticks at the measured points: readable whatever the range, even under one decade.
        sizes = sorted({row["docs"] for row in rows})
        axis.set_xticks(sizes, [f"{size:,}" for size in sizes])
        axis.set_yticks(ticks, [f"{value:.3g}" for value in ticks])
        axis.xaxis.set_minor_locator(NullLocator())
        axis.yaxis.set_minor_locator(NullLocator())
        axis.margins(x=0.15, y=0.15)
        axis.set_xlabel("documents (lineage synth)")
        axis.set_ylabel(label)
        axis.grid(True, which="both", alpha=0.3)
        if len(modes) > 1:
            axis.legend()
    figure.suptitle("lineage analyze, end to end (median of runs)")
    return figure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--passages", nargs="+", choices=["auto", "on", "off"], default=["auto"],
                        help="analyze's --passages; several modes are run in turn")
    parser.add_argument("--data", type=Path, default=DATA, help="where the synthetic corpora are kept")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--plot", type=Path, help="write the time and memory plot (PNG) here")
    args = parser.parse_args(argv)

    rows = []
    print(f"{'documents':>10}{'passages':>10}{'families':>10}{'pairs':>10}{'wall s':>10}{'peak RSS':>12}")
    for size in args.sizes:
        path = corpus(size, args.seed, args.data)
        runs: dict[str, list[tuple[float, int]]] = {mode: [] for mode in args.passages}
        summaries = {}
        with tempfile.TemporaryDirectory() as scratch:
            for repeat in range(args.repeats):
                for mode in args.passages:
                    output = Path(scratch) / f"{mode}-run{repeat}"
                    runs[mode].append(run_analyze(path, output, mode))
                    summaries.setdefault(mode, summary(output / "report.json"))
                    shutil.rmtree(output)  # a 100,000-document report with passages is gigabytes
        for mode in args.passages:
            row = {
                "docs": size,
                "passages": mode,
                "families": summaries[mode]["families"],
                "pairs": summaries[mode]["pairs"],
                "aligned_passages": summaries[mode]["passages"],
                "seconds": median(seconds for seconds, _ in runs[mode]),
                "peak_rss_bytes": int(median(rss for _, rss in runs[mode])),
                "runs": [{"seconds": round(seconds, 3), "peak_rss_bytes": rss} for seconds, rss in runs[mode]],
            }
            rows.append(row)
            print(f"{size:>10}{mode:>10}{row['families']:>10}{row['pairs']:>10}{row['seconds']:>10.2f}"
                  f"{row['peak_rss_bytes'] / 2**20:>9.0f} MiB")
    write_json(args.json, {"machine": machine(), "seed": args.seed, "repeats": args.repeats, "sizes": rows})
    if args.plot:
        args.plot.parent.mkdir(parents=True, exist_ok=True)
        plot(rows).savefig(args.plot, dpi=120)
        print(f"wrote {args.plot}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
