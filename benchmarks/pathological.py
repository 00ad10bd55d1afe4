"""Pathological documents at full size through `lineage analyze` and `lineage dedup`: time and peak memory.

Usage: python benchmarks/pathological.py [--cases NAME ...] [--scale S] [--seed 1] [--json OUT]

Each case is a page and an edited copy of it (every 50th word changed, where
the page has words), written as two .txt files: one word repeated a million
times, 5 million characters of punctuation, of emoji, of zero-width and
combining characters, of Arabic and Hebrew words with vowel points and
direction marks, and a 100 MB single line of random words. Each command runs as a child process
(`--passages on --bootstrap 0` for analyze, so that the copies are aligned);
wall time includes the interpreter's start and imports (the `startup` row).
--scale shrinks every case (0.01 for a quick check).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from common import machine, write_json
from dedup_scale import child

EMOJI = ["😀", "❤️", "👍🏽", "👨‍👩‍👧", "🇨🇳", "✨", "🔥", "🙏🏻", "🎉"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u0301", "\u0308", "\u20e3", "\ufe0f", "\u034f"]
ARABIC, HEBREW = "ابتثجحخدذرزسشصضطظعغفقكلمنهويـ", "אבגדהוזחטיכלמנסעפצקרשת"


def _random_word(rng: random.Random) -> str:
    return f"w{rng.randrange(50_000)}"


def _rtl_word(rng: random.Random) -> str:
    """An Arabic or Hebrew word, some letters with vowel points, sometimes after a right-to-left mark."""
    letters, points = rng.choice([(ARABIC, "\u064e\u064f\u0650\u0652\u0651"), (HEBREW, "\u05b0\u05b4\u05bc")])
    word = "".join(rng.choice(letters) + (rng.choice(points) if rng.random() < 0.3 else "")
                   for _ in range(rng.randint(2, 7)))
    return rng.choice(["", "", "", "\u200f"]) + word + rng.choice(["", "", "", "", ".", "،", "؟", "\n"])


Pieces = Iterator[tuple[str, str]]  # consecutive pieces of a page and of its copy


def _words(word: Callable[[random.Random], str]) -> Callable[[random.Random, int], Pieces]:
    """A page of words and its copy with every 50th word changed, 50,000 words at a time."""
    def make(rng: random.Random, chars: int) -> Pieces:
        written = 0
        while written < chars:
            words = [word(rng) for _ in range(50_000)]
            page = " ".join(words) + " "
            yield page, " ".join("changed" if k % 50 == 0 else w for k, w in enumerate(words)) + " "
            written += len(page)
    return make


def _symbols(alphabet: list[str], joiner: str) -> Callable[[random.Random, int], Pieces]:
    """A page of symbols (no words to change), its copy the same."""
    def make(rng: random.Random, chars: int) -> Pieces:
        written = 0
        while written < chars:
            piece = joiner.join(rng.choice(alphabet) for _ in range(100_000)) + joiner
            yield piece, piece
            written += len(piece)
    return make


def _repeated(piece: str) -> Callable[[random.Random, int], Pieces]:
    def make(rng: random.Random, chars: int) -> Pieces:
        count = chars // len(piece)
        for lo in range(0, count, 100_000):
            yield (piece * min(100_000, count - lo),) * 2
    return make


CASES: dict[str, tuple[str, int, Callable[[random.Random, int], Pieces]]] = {
    # name: (description, characters at scale 1, the page and its copy piece by piece)
    "repeated": ("one word repeated a million times", 5_000_000, _repeated("spam ")),
    "punctuation": ("only punctuation", 5_000_000, _repeated("!?.,;:…—()[]«»“”'/\\|@#%&*。！？")),
    "emoji": ("only emoji", 5_000_000, _symbols(EMOJI, " ")),
    "invisible": ("zero-width and combining characters", 5_000_000, _symbols(INVISIBLE, "")),
    "rtl": ("Arabic and Hebrew words", 5_000_000, _words(_rtl_word)),
    "huge": ("one 100 MB line of random words", 100_000_000, _words(_random_word)),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every case's size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)

    lineage = [sys.executable, "-m", "lineage"]
    rows = []
    print(f"{'case':<13}{'MB a page':>10}{'command':>9}{'wall s':>9}{'peak RSS':>11}  outcome")
    with tempfile.TemporaryDirectory() as scratch:
        seconds, rss = child([*lineage, "--version"])
        rows.append({"case": "startup", "command": "--version", "seconds": round(seconds, 2), "peak_rss_bytes": rss})
        print(f"{'startup':<13}{'':>10}{'':>9}{seconds:>9.1f}{rss / 2**20:>8.0f} MiB")
        for name in args.cases:
            description, chars, make = CASES[name]
            folder = Path(scratch) / name
            folder.mkdir()
            # Written piece by piece: a large parent process would inflate its children's peak RSS
            # (a forked child's resident set counts until it execs).
            with (folder / "page.txt").open("w", encoding="utf-8") as page, \
                    (folder / "copy.txt").open("w", encoding="utf-8") as copy:
                for page_piece, copy_piece in make(random.Random(args.seed), max(int(chars * args.scale), 100)):
                    page.write(page_piece)
                    copy.write(copy_piece)
            megabytes = (folder / "page.txt").stat().st_size / 1e6
            out = Path(scratch) / f"{name}-report"
            commands = {
                "analyze": [*lineage, "analyze", str(folder), "-o", str(out), "--passages", "on", "--bootstrap", "0"],
                "dedup": [*lineage, "dedup", str(folder), "-o", str(Path(scratch) / f"{name}-kept.jsonl"),
                          "--removed", str(Path(scratch) / f"{name}-removed.jsonl")],
            }
            for command, arguments in commands.items():
                seconds, rss = child(arguments)
                outcome = _outcome(command, out, Path(scratch) / f"{name}-removed.jsonl")
                rows.append({"case": name, "description": description, "megabytes": round(megabytes, 1),
                             "command": command, "seconds": round(seconds, 2), "peak_rss_bytes": rss, **outcome})
                print(f"{name:<13}{megabytes:>10.1f}{command:>9}{seconds:>9.1f}{rss / 2**20:>8.0f} MiB  {outcome}")
    write_json(args.json, {"machine": machine(), "seed": args.seed, "scale": args.scale, "runs": rows})
    return 0


def _outcome(command: str, report_dir: Path, removed: Path) -> dict:
    """What the run concluded: analyze's documents, skips, cuts, pairs and passages; dedup's removals."""
    if command == "dedup":
        return {"removed": len(removed.read_text(encoding="utf-8").splitlines())}
    summary = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))["summary"]
    return {
        "documents": summary["documents"],
        "skipped": summary["skipped_by_reason"],
        "truncated": summary["truncated"],
        "pairs": summary["pairs"],
        "passages": summary["passages"],
    }


if __name__ == "__main__":
    sys.exit(main())
