"""Is this change slower? The cold `composer build` of the working tree against a git revision.

    python benchmarks/compare_revisions.py HEAD~1      # or a tag, a branch, a commit

The revision is checked out into a temporary folder; both trees then build the
longest example as whole new processes, taking turns (so that drifting load on
the machine hits both alike), with the same Python and the same installed
libraries. Prints each median and the ratio working tree / revision.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 25
# As an installed composer runs: with Python's bytecode cache.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def longest_example() -> Path:
    issues = [p for p in (ROOT / "examples").glob("*.yaml") if p.name != "house.yaml"]
    return max(issues, key=lambda p: p.stat().st_size).relative_to(ROOT)


def cold_build(tree: Path, issue: Path, out: Path) -> float:
    command = [sys.executable, "-m", "composer", "build", str(issue), "-o", str(out)]
    start = time.perf_counter()
    subprocess.run(command, cwd=tree, env={**ENV, "PYTHONPATH": str(tree)}, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    revision = sys.argv[1] if len(sys.argv) > 1 else "HEAD"
    issue = longest_example()
    with tempfile.TemporaryDirectory() as scratch:
        old = Path(scratch) / "old"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(old), revision], cwd=ROOT, check=True)
        try:
            trees = {revision: old, "working tree": ROOT}
            times: dict[str, list[float]] = {name: [] for name in trees}
            for tree in trees.values():
                cold_build(tree, issue, Path(scratch) / "warm-up")  # bytecode and template caches
            for _ in range(RUNS):
                for name, tree in trees.items():
                    times[name].append(cold_build(tree, issue, Path(scratch) / "out"))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, check=True)
    print(f"issue: {issue}; cold `composer build`, whole process, median of {RUNS} taking turns")
    for name, samples in times.items():
        print(f"  {name:>14}: {statistics.median(samples) * 1000:7.1f} ms")
    ratio = statistics.median(times["working tree"]) / statistics.median(times[revision])
    print(f"ratio working tree / {revision}: {ratio:.3f}")


if __name__ == "__main__":
    main()
