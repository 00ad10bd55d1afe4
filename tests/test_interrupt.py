"""An interrupted ``lineage analyze`` leaves the previous report set or the new one, never a mix.

Each case runs the real command in a child process over an output directory
that holds a complete earlier report set, stops it at a chosen point with
SIGKILL or SIGINT (Ctrl-C), and compares every report file with the earlier
set and with the set an uninterrupted run writes. The child pauses at the
point (while analysing, after three files are staged, after two of the
renames that put the set in place) through a small driver that wraps the
function called there, so the signal lands where the test says.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import lineage
from lineage.report import REPORT_FILES

ROOT = Path(__file__).resolve().parent.parent
PLANTED = Path(__file__).resolve().parent / "data" / "planted"

# Runs `lineage analyze` after wrapping the call at POINT so that, the COUNT-th time it is reached,
# the child writes MARKER and waits there for the test's signal.
DRIVER = textwrap.dedent('''
    import os, signal, sys, time
    from pathlib import Path

    # Ctrl-C reaches the command as in a terminal, even when the tests were started in the background
    # (a shell starts background jobs with SIGINT ignored, and Python then keeps it ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)

    point, count, marker, *args = sys.argv[1:]
    count = int(count)

    import lineage.pipeline, lineage.report
    from lineage.cli import main

    def pausing(function, wait):
        calls = []
        def wrapper(*arguments, **keywords):
            calls.append(1)
            if len(calls) == count:
                Path(marker).write_text("paused")
                time.sleep(wait)  # the signal arrives here
            return function(*arguments, **keywords)
        return wrapper

    if point == "analysis":
        lineage.pipeline._shingle_documents = pausing(lineage.pipeline._shingle_documents, 60)
    elif point == "staging":
        lineage.report._write_temporary = pausing(lineage.report._write_temporary, 60)
    elif point == "commit":
        # Within the renames Ctrl-C is held back, so the pause cannot be cut short: it is a fixed wait.
        os.replace = pausing(os.replace, 3)
    sys.argv = ["lineage", *args]
    main()
''')


@pytest.fixture(scope="module")
def report_sets(tmp_path_factory):
    """An earlier report set (of part of the planted corpus) and the set the interrupted command would write."""
    scratch = tmp_path_factory.mktemp("interrupt")
    earlier_corpus = scratch / "earlier"
    earlier_corpus.mkdir()
    for path in sorted(PLANTED.glob("*.txt"))[:6]:
        shutil.copy(path, earlier_corpus / path.name)
    earlier = _contents(lineage.analyze([earlier_corpus]).write(scratch / "earlier-report"))
    new = _contents(lineage.analyze([PLANTED]).write(scratch / "new-report"))
    assert all(earlier[name] != new[name] for name in ("report.json", "pairs.csv", "report.md"))
    return scratch / "earlier-report", earlier, new


def _contents(paths: list[Path]) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in paths}


def _interrupted(point: str, count: int, sig: signal.Signals, corpus: Path, out: Path, scratch: Path):
    """Run `lineage analyze corpus -o out`, send ``sig`` once it pauses at ``point``; return (code, stderr)."""
    driver, marker = scratch / "driver.py", scratch / f"paused-{point}-{sig.name}"
    driver.write_text(DRIVER, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    child = subprocess.Popen(
        [sys.executable, str(driver), point, str(count), str(marker), "analyze", str(corpus), "-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, f"the command ended before pausing at {point}: {child.communicate()}"
        assert time.monotonic() < deadline, f"the command did not reach {point} in 120 s"
        time.sleep(0.01)
    child.send_signal(sig)
    _, stderr = child.communicate(timeout=120)
    return child.returncode, stderr


def _report_files(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in REPORT_FILES if (out / name).exists()}


def _leftovers(out: Path) -> list[str]:
    return sorted(path.name for path in out.iterdir() if path.name not in REPORT_FILES)


CASES = [
    # point, how many calls before it pauses, signal, which set it leaves
    ("staging", 4, signal.SIGKILL, "earlier"),  # three of the ten files staged, none in place
    ("analysis", 1, signal.SIGINT, "earlier"),
    ("staging", 4, signal.SIGINT, "earlier"),
    ("commit", 3, signal.SIGINT, "new"),  # two files renamed: Ctrl-C waits for the other eight
]


@pytest.mark.parametrize(("point", "count", "sig", "expected"), CASES, ids=[f"{c[2].name}-{c[0]}" for c in CASES])
def test_an_interrupted_run_leaves_one_whole_report_set(report_sets, tmp_path, point, count, sig, expected):
    earlier_dir, earlier, new = report_sets
    out = tmp_path / "out"
    shutil.copytree(earlier_dir, out)
    code, stderr = _interrupted(point, count, sig, PLANTED, out, tmp_path)
    assert _report_files(out) == (earlier if expected == "earlier" else new)
    if sig == signal.SIGKILL:
        assert code == -signal.SIGKILL
        # Killed outright, it cannot tidy up: what is left are hidden temporaries, never a report file.
        assert all(name.startswith(".") and name.endswith(".tmp") for name in _leftovers(out))
    else:
        assert code == 130
        assert "Traceback" not in stderr and stderr.strip().splitlines() == ["Aborted."]
        assert _leftovers(out) == []
