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
import resource
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


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def seconds(command: list[str], before=None) -> tuple[float, float]:
    """(wall, CPU) seconds of one whole process. With 2 cores shared by many, CPU time is the steadier figure."""
    if before:
        before()
    cpu, start = _cpu(), time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return elapsed, _cpu() - cpu


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
            changing.write_text(original.replace("dek: ", f"dek: Draft {next(flips)}, ", 1))

        seconds([composer, "site", str(issues), "-o", str(site)])  # warm-up: disk caches, bytecode, templates
        seconds([composer, "build", str(issues), "-o", str(email)])
        measured: dict[str, list[tuple[float, float]]] = {"cold": [], "one": [], "none": [], "email": []}
        for _ in range(RUNS):
            measured["cold"].append(seconds([composer, "site", str(issues), "-o", str(cold_site)], empty_cold))
            measured["one"].append(seconds([composer, "site", str(issues), "-o", str(site)], change_one))
            measured["none"].append(seconds([composer, "site", str(issues), "-o", str(site)]))
            measured["email"].append(seconds([composer, "build", str(issues), "-o", str(email)]))
        pages = sum(1 for _ in cold_site.rglob("*.html"))

    wall = {name: statistics.median(t[0] for t in times) for name, times in measured.items()}
    cpu = {name: statistics.median(t[1] for t in times) for name, times in measured.items()}
    print(f"{ISSUES} issues, {pages} HTML pages in the site; whole processes, median of {RUNS}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    rows = [("cold composer site (target under 5 s)", "cold"), ("rebuild, one issue changed (target 0.5 s)", "one"),
            ("rebuild, nothing changed", "none"), (f"composer build of the same {ISSUES} emails", "email")]
    print(f"{'':44} {'wall':>8} {'CPU':>8}")
    for label, name in rows:
        print(f"{label:44} {wall[name]:7.2f}s {cpu[name]:7.2f}s")
    for label, name in (("cold site", "cold"), ("one-issue rebuild", "one")):
        print(f"ratio {label} / email build: wall {wall[name] / wall['email']:.3f}, CPU {cpu[name] / cpu['email']:.3f}")


if __name__ == "__main__":
    main()
