"""How fast `composer site` builds the web edition of 500 issues, beside `composer build` of the same 500.

Generates 500 weekly issues from the examples (their text, new dates), then
measures, each as a whole new process and as a median because these machines
are noisy, taking turns so that drifting load hits all alike:
  1. a cold `composer site` into an empty folder;
  2. a rebuild after one issue changed (the incremental case an editor meets every week);
  3. a rebuild with nothing changed;
  4. `composer build` of the same 500 issues (HTML and text emails), the peer.

Run it with `python benchmarks/site_speed.py` (or `make bench`).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ISSUES = 500
RUNS = 5
FIRST = date(2014, 1, 3)

# As an installed composer runs: with Python's bytecode cache.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def generate(folder: Path) -> list[Path]:
    """500 issues a week apart, each the text of one of the examples under its new date and a headline of its own."""
    examples = sorted(p for p in (ROOT / "examples").glob("*.yaml") if p.name != "house.yaml")
    shutil.copy(ROOT / "examples" / "house.yaml", folder / "house.yaml")
    paths = []
    for n in range(ISSUES):
        text = examples[n % len(examples)].read_text()
        day = FIRST + timedelta(weeks=n)
        text = re.sub(r"^date: \S+", f"date: {day.isoformat()}", text, count=1, flags=re.M)
        text = re.sub(r"^headline: (.*)$", rf"headline: \1, week {n + 1}", text, count=1, flags=re.M)
        path = folder / f"{day.isoformat()}.yaml"
        path.write_text(text)
        paths.append(path)
    return paths


def seconds(command: list[str], before=None) -> float:
    if before:
        before()
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return elapsed


def main() -> None:
    composer = str(Path(sys.executable).with_name("composer"))
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        issues = work / "issues"
        issues.mkdir()
        paths = generate(issues)
        site, cold_site, email = work / "site", work / "cold", work / "build"
        changing = paths[len(paths) // 2]
        original = changing.read_text()
        flips = iter(range(10**6))

        def empty_cold() -> None:
            shutil.rmtree(cold_site, ignore_errors=True)

        def change_one() -> None:
            # Each run changes the issue's text, so every run has a page to rewrite.
            changing.write_text(original.replace("dek: ", f"dek: Draft {next(flips)}: ", 1))

        seconds([composer, "site", str(issues), "-o", str(site)])  # warm-up: disk caches, bytecode, templates
        seconds([composer, "build", str(issues), "-o", str(email)])
        measured: dict[str, list[float]] = {"cold": [], "one": [], "none": [], "email": []}
        for _ in range(RUNS):
            measured["cold"].append(seconds([composer, "site", str(issues), "-o", str(cold_site)], empty_cold))
            measured["one"].append(seconds([composer, "site", str(issues), "-o", str(site)], change_one))
            measured["none"].append(seconds([composer, "site", str(issues), "-o", str(site)]))
            measured["email"].append(seconds([composer, "build", str(issues), "-o", str(email)]))
        pages = sum(1 for _ in cold_site.rglob("*.html"))

    median = {name: statistics.median(times) for name, times in measured.items()}
    print(f"{ISSUES} issues, {pages} HTML pages in the site; whole processes, median of {RUNS}")
    print(f"cold composer site:                  {median['cold']:6.2f} s   (target under 5 s)")
    print(f"rebuild after one issue changed:     {median['one']:6.2f} s   (target under 0.5 s)")
    print(f"rebuild with nothing changed:        {median['none']:6.2f} s")
    print(f"composer build, the same {ISSUES} emails: {median['email']:6.2f} s")
    print(f"ratio cold site / email build: {median['cold'] / median['email']:.2f}; "
          f"one-issue rebuild / email build: {median['one'] / median['email']:.3f}")


if __name__ == "__main__":
    main()
