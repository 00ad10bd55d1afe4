"""Coverage-guided fuzzing (atheris) of bytes → text → tokens → shingles → passages, run by hand.

Usage: python benchmarks/atheris_fuzz.py [--runs 100000] [--seed 1] [--json OUT]
(needs atheris: pip install '.[fuzz]'; without it the script says so and exits 0)

Each input is a file's bytes. They are decoded as the reader decodes them
(lineage.encodings.decode_bytes: binary input may be refused, nothing else may
raise), tokenised, shingled, and aligned against a rotated and edited copy of
the text. Any exception, a token or passage outside its text, a passage whose
text is not its slice, or decoded text holding a lone surrogate is a crash:
atheris stops and writes the input to crash-*. The lineage modules are
instrumented, so inputs that reach new branches of their Python code are kept
and mutated further; the numba kernels are compiled and not instrumented.
The script stops itself after --runs inputs and prints the counts.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import types
from pathlib import Path

try:
    import atheris
except ImportError:  # pragma: no cover - depends on the machine
    atheris = None

EXECUTIONS = {"inputs": 0, "decoded": 0, "passages": 0}


def check(data: bytes) -> None:
    """One input through the stages; raises on any broken promise."""
    from lineage.config import PassageConfig, ShingleConfig
    from lineage.encodings import NotText, decode_bytes
    from lineage.passages import align, document_tokens
    from lineage.shingles import shingle_sets
    from lineage.text import tokenize

    EXECUTIONS["inputs"] += 1
    try:
        text, _ = decode_bytes(data)
    except NotText:
        return
    EXECUTIONS["decoded"] += 1
    text.encode("utf-8")  # a lone surrogate raises here
    tokens = tokenize(text)
    for start, end in zip(tokens.starts.tolist(), tokens.ends.tolist()):
        if not 0 <= start < end <= len(text):
            raise AssertionError(f"token [{start}, {end}) outside a text of {len(text)} characters")
    third = len(text) // 3
    copy = text[third:] + " inserted words here " + text[:third]
    for config in (ShingleConfig("word", 3), ShingleConfig("char", 5)):
        rows, _ = shingle_sets([text, copy], config)
        if len(rows) != 2:
            raise AssertionError("one shingle row per text")
    first, second = document_tokens([text, copy])
    for passage in align(first, second, PassageConfig(min_tokens=3)):
        EXECUTIONS["passages"] += 1
        if text[passage.a_start : passage.a_end] != passage.a_text or copy[passage.b_start : passage.b_end] != passage.b_text:
            raise AssertionError(f"passage text is not its slice: {passage}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000, help="inputs to try")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-len", type=int, default=4096, help="longest input, in bytes")
    parser.add_argument("--json", type=Path, help="also write the counts as JSON here")
    args = parser.parse_args(argv)
    if atheris is None:
        print("atheris is not installed (pip install '.[fuzz]'); nothing to do")
        return 0
    import lineage.corpus
    import lineage.passages
    import lineage.phrases
    import lineage.shingles
    import lineage.text
    from common import machine, write_json

    # The Python functions of the stages guide the search; numba's kernels (dispatchers, not
    # functions) are left alone, as instrumented bytecode would not compile.
    for module in (lineage.corpus, lineage.passages, lineage.phrases, lineage.shingles, lineage.text):
        for value in list(vars(module).values()):
            if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
                atheris.instrument_func(value)
    check(b"warm up: numba compiles the kernels once")
    EXECUTIONS.update(inputs=0, decoded=0, passages=0)
    started = time.perf_counter()

    def counted(data: bytes) -> None:
        check(data)
        if EXECUTIONS["inputs"] == args.runs:  # libFuzzer ends with exit(), past Python: report first
            seconds = time.perf_counter() - started
            print(f"{EXECUTIONS['inputs']} inputs ({EXECUTIONS['decoded']} decoded as text, "
                  f"{EXECUTIONS['passages']} passages checked) in {seconds:.0f} s; no crash", flush=True)
            write_json(args.json, {"machine": machine(["atheris"]), "seed": args.seed, "runs": args.runs,
                                   "max_len": args.max_len, **EXECUTIONS, "seconds": round(seconds, 1)})
            sys.stderr.flush()
            os._exit(0)

    atheris.Setup([sys.argv[0], f"-seed={args.seed}", f"-max_len={args.max_len}"], counted)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main())
