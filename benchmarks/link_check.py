"""How long does `composer check --links` take on the examples, against a local server that serves every URL?

    python benchmarks/link_check.py

Copies the example issues to a scratch folder, starts the tests' local web
server (tests/link_server.py) in a process of its own, answering every page
with a small article and every image with a picture of its declared shape,
and points the link check at it (COMPOSER_LINKS_TEST_SERVER). Prints the
median wall and CPU time of several runs of:

- the link stage in-process: collecting, fetching (HEAD and GET), hashing each
  page's main text, reading each image's size and writing the four lock files;
- the whole `composer check --links` command, as a new process, beside the
  whole `composer check` without --links: their difference is what --links adds;
- `composer check --links --offline`, which replays the lock files.

CPU time is given because the machine is shared: other jobs stretch wall time.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from link_server import STORY, LinkServer, image, page  # noqa: E402

from composer.links.check import link_checks  # noqa: E402
from composer.links.collect import links_of  # noqa: E402
from composer.links.fetch import TEST_SERVER  # noqa: E402
from composer.pipeline import issue_files, render  # noqa: E402

RUNS = 5
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def serve(folder: Path) -> None:
    """The server process: every image of the issues in `folder` served at twice its declared size."""
    server = LinkServer(default=page("A story from the week", STORY))
    for path in issue_files([folder]):
        for link in links_of(render(path).edition):
            if link.image:
                server.route(link.url, image(link.image.width * 2, link.image.height * 2))
    server.start()
    print(server.address, flush=True)
    sys.stdin.read()  # until the benchmark closes it
    print(len(server.requests), flush=True)


def command(*args: str) -> tuple[float, float]:
    """Wall and CPU seconds of one whole `composer` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "composer", *args], env=ENV, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"composer {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def in_process(editions) -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    link_checks(editions, "fetch")
    return time.perf_counter() - start, time.process_time() - cpu


def show(what: str, runs: list[tuple[float, float]]) -> None:
    wall, cpu = (statistics.median(run[n] for run in runs) * 1000 for n in (0, 1))
    print(f"| {what} | {wall:,.0f} ms | {cpu:,.0f} ms |")


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "examples"
        shutil.copytree(ROOT / "examples", folder)
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(folder)], env=ENV, text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert server.stdout is not None and server.stdin is not None
        ENV[TEST_SERVER] = os.environ[TEST_SERVER] = server.stdout.readline().strip()
        editions = {path: render(path).edition for path in issue_files([folder])}
        links = [link for edition in editions.values() for link in links_of(edition)]
        stage = [in_process(editions) for _ in range(RUNS)]
        plain = [command("check", str(folder)) for _ in range(RUNS)]
        fetched = [command("check", "--links", str(folder)) for _ in range(RUNS)]
        offline = [command("check", "--links", "--offline", str(folder)) for _ in range(RUNS)]
        server.stdin.close()
        requests = int(server.stdout.readline())
        server.wait()
    print(f"{len(editions)} issues, {len(links)} links and images at {len({link.url for link in links})} addresses, "
          f"{requests // (2 * RUNS)} requests per check; load average {os.getloadavg()[0]:.1f}")
    print("| what (medians of 5) | wall | CPU |\n|---|---|---|")
    show("link stage, in-process (fetch, hash, read image sizes, write 4 lock files)", stage)
    show("`composer check --links examples/`, whole process", fetched)
    show("`composer check examples/`, whole process", plain)
    show("`composer check --links --offline examples/`, whole process", offline)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(Path(sys.argv[2]))
    else:
        main()
