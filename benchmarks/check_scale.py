"""Does `composer check` stay linear in the number of items? The working tree against a git revision.

    python benchmarks/check_scale.py 4808d54       # or a tag, a branch, a commit

Writes issues of 1,000 and 4,000 items, each item citing the same link, so that
every item after the first is a finding located inside its own text (DW302),
and runs `composer check` on each as a whole new process, the working tree and
the revision taking turns. Prints each median, the growth from 1,000 to 4,000
items (4 for a linear check, 16 for a quadratic one) and the ratio working tree
/ revision at each size.
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1000, 4000)
RUNS = 3
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def issue_with(folder: Path, count: int) -> Path:
    head = (ROOT / "tests" / "fixtures" / "good" / "minimal.yaml").read_text().split("items:")[0]
    items = "".join(f"  - On Wednesday, round {n} went on, according to [the AP](https://apnews.com/same).\n"
                    for n in range(count))
    path = folder / f"{count}" / "2024-01-12.yaml"
    path.parent.mkdir()
    path.write_text(head + "items:\n" + items)
    return path


def check(tree: Path, issue: Path) -> float:
    command = [sys.executable, "-m", "composer", "check", str(issue)]
    start = time.perf_counter()
    subprocess.run(command, cwd=tree, env={**ENV, "PYTHONPATH": str(tree)}, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    revision = sys.argv[1] if len(sys.argv) > 1 else "HEAD"
    with tempfile.TemporaryDirectory() as scratch:
        old = Path(scratch) / "old"
        archive = subprocess.run(["git", "archive", revision], cwd=ROOT, check=True, capture_output=True).stdout
        tarfile.open(fileobj=io.BytesIO(archive)).extractall(old, filter="data")
        issues = {count: issue_with(Path(scratch), count) for count in SIZES}
        trees = {revision: old, "working tree": ROOT}
        times = {(name, count): [] for name in trees for count in SIZES}
        for _ in range(RUNS):
            for count, issue in issues.items():
                for name, tree in trees.items():
                    times[name, count].append(check(tree, issue))
    print(f"`composer check`, whole process, median of {RUNS} taking turns; every item a located finding")
    for name in trees:
        medians = [statistics.median(times[name, count]) for count in SIZES]
        cells = ", ".join(f"{count:,} items {m:6.2f} s" for count, m in zip(SIZES, medians, strict=True))
        print(f"  {name:>14}: {cells}; growth x{medians[-1] / medians[0]:.1f}")
    for count in SIZES:
        ratio = statistics.median(times["working tree", count]) / statistics.median(times[revision, count])
        print(f"ratio working tree / {revision} at {count:,} items: {ratio:.2f}")


if __name__ == "__main__":
    main()
