"""How fast composer builds an issue, next to the Node `mjml` CLI in the same run.

Measures three things, each as a median because these machines are noisy:
  1. a cold `composer build` of the longest example, as a whole new process;
  2. a warm in-process re-render (read, validate, render HTML and text, check), 50 runs;
  3. the Node `mjml` CLI compiling the MJML that composer generated for that
     issue, also as a whole process (installed with npm into benchmarks/.node).

Run it with `make bench`. It needs npm for the third figure; without npm it
prints the first two and says why the comparison is missing.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_DIR = Path(__file__).resolve().parent / ".node"
MJML_VERSION = "4.18.0"
COLD_RUNS = 15
WARM_RUNS = 50

sys.path.insert(0, str(ROOT))

from composer.pipeline import issue_files, render, render_checked  # noqa: E402
from composer.render_html import render_mjml  # noqa: E402


def longest_example() -> Path:
    return max(issue_files([ROOT / "examples"]), key=lambda p: p.stat().st_size)


# As an installed composer runs: with Python's bytecode cache. (Some sandboxes set
# PYTHONDONTWRITEBYTECODE, which would make every run recompile composer's modules.)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - start


def interleaved_medians(commands: list[list[str]], runs: int) -> list[float]:
    """Median wall time of each command, taking turns so that drifting machine load hits all alike."""
    for command in commands:
        seconds(command)  # warm-up: disk caches, bytecode, compiled templates
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for command, bucket in zip(commands, times, strict=True):
            bucket.append(seconds(command))
    return [statistics.median(bucket) for bucket in times]


def mjml_cli() -> Path | None:
    binary = NODE_DIR / "node_modules" / ".bin" / "mjml"
    if binary.exists():
        return binary
    if not shutil.which("npm"):
        return None
    NODE_DIR.mkdir(exist_ok=True)
    subprocess.run(
        ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(NODE_DIR), f"mjml@{MJML_VERSION}"],
        check=True,
    )
    return binary


def main() -> None:
    issue = longest_example()
    composer = Path(sys.executable).with_name("composer")
    print(f"issue: {issue.relative_to(ROOT)} ({issue.stat().st_size:,} bytes of YAML)")

    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        mjml_file = out / "issue.mjml"
        mjml_file.write_text(render_mjml(render(issue).edition))
        cli = mjml_cli()
        commands = [[str(composer), "build", str(issue), "-o", str(out / "build")]]
        if cli:
            commands.append([str(cli), str(mjml_file), "-o", str(out / "node.html")])
        cold, *rest = interleaved_medians(commands, COLD_RUNS)
        node = rest[0] if rest else None

        render(issue)  # warm up imports, caches and templates
        warm = []
        for _ in range(WARM_RUNS):
            start = time.perf_counter()
            render_checked(issue)
            warm.append(time.perf_counter() - start)

    print(f"cold composer build, whole process (median of {COLD_RUNS}): {cold * 1000:7.1f} ms")
    print(f"warm in-process re-render (median of {WARM_RUNS}):          {statistics.median(warm) * 1000:7.1f} ms")
    if node is None:
        print("Node mjml CLI: not measured (npm not found)")
        return
    print(f"Node mjml {MJML_VERSION} CLI on composer's MJML (median of {COLD_RUNS}): {node * 1000:7.1f} ms")
    print(f"ratio cold composer build / mjml CLI: {cold / node:.2f}")


if __name__ == "__main__":
    main()
