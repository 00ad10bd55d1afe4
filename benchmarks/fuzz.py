"""How many inputs the property suite (tests/test_fuzz.py) tries, per property, and whether any failed.

Usage: python benchmarks/fuzz.py [--scale S] [--seed N] [--json OUT]

Runs every property of tests/test_fuzz.py outside pytest, counting the
examples that reach the test body and those that pass it (the rest were
rejected by ``assume`` or by a strategy's filter). Without --seed the examples
are the ones the test suite draws (derandomized); --scale multiplies their
number, and --seed draws fresh ones from that seed, for a deeper search.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

import hypothesis

from common import machine, write_json

TESTS = Path(__file__).resolve().parent.parent / "tests"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every property's examples")
    parser.add_argument("--seed", type=int, help="draw fresh examples from this seed (default: the suite's)")
    parser.add_argument("--json", type=Path, help="also write the counts as JSON here")
    args = parser.parse_args(argv)

    os.environ["LINEAGE_FUZZ_SCALE"] = str(args.scale)  # read when the suite is imported
    hypothesis.settings.register_profile("fuzz-benchmark", derandomize=args.seed is None, database=None,
                                         deadline=None)
    hypothesis.settings.load_profile("fuzz-benchmark")
    sys.path.insert(0, str(TESTS))
    import test_fuzz

    rows = []
    print(f"{'property':<76}{'examples':>9}{'passed':>8}{'failed':>7}{'s':>7}")
    for name in sorted(vars(test_fuzz)):
        test = getattr(test_fuzz, name)
        if not (name.startswith("test_") and hasattr(test, "hypothesis")):
            continue
        counts = {"examples": 0, "passed": 0}
        inner = test.hypothesis.inner_test

        def counted(*arguments, _inner=inner, **keywords):
            counts["examples"] += 1
            _inner(*arguments, **keywords)
            counts["passed"] += 1

        test.hypothesis.inner_test = counted
        if args.seed is not None:
            test = hypothesis.seed(args.seed)(test)
        started = time.perf_counter()
        failure = None
        try:
            test()
        except Exception:  # a failing property: the counterexample is the result
            failure = traceback.format_exc(limit=1).strip().splitlines()[-1]
        finally:
            test.hypothesis.inner_test = inner
        seconds = time.perf_counter() - started
        rows.append({"property": name, **counts, "failure": failure, "seconds": round(seconds, 2)})
        print(f"{name:<76}{counts['examples']:>9}{counts['passed']:>8}{int(failure is not None):>7}{seconds:>7.1f}")
    total = sum(row["examples"] for row in rows)
    failed = [row["property"] for row in rows if row["failure"]]
    print(f"{len(rows)} properties, {total} examples, {len(failed)} failed {failed or ''}")
    write_json(args.json, {"machine": machine(["hypothesis"]), "scale": args.scale, "seed": args.seed,
                           "examples": total, "failed": failed, "properties": rows})
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
