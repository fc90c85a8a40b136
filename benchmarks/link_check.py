"""How long does `composer check --links` take on the examples, against a local server that serves every URL?

    python benchmarks/link_check.py

Copies the example issues to a scratch folder, starts the tests' local web
server (tests/link_server.py) answering every page with a small article and
every image with a picture of its declared shape, and points the link check
at it (COMPOSER_LINKS_TEST_SERVER). Prints the median of several runs of:

- the link stage in-process: collecting, fetching (HEAD and GET), hashing each
  page's main text, reading each image's size and writing the four lock files;
- the whole `composer check --links` command, as a new process, beside the
  whole `composer check` without --links: their difference is what --links adds;
- `composer check --links --offline`, which replays the lock files.
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
sys.path.insert(0, str(ROOT / "tests"))

from link_server import STORY, LinkServer, image, page  # noqa: E402

from composer.links.check import link_checks  # noqa: E402
from composer.links.collect import links_of  # noqa: E402
from composer.links.fetch import TEST_SERVER  # noqa: E402
from composer.pipeline import issue_files, render  # noqa: E402

RUNS = 5
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def command(*args: str) -> float:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "composer", *args], env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"composer {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "examples"
        shutil.copytree(ROOT / "examples", folder)
        server = LinkServer(default=page("A story from the week", STORY)).start()
        ENV[TEST_SERVER] = os.environ[TEST_SERVER] = server.address
        editions = {path: render(path).edition for path in issue_files([folder])}
        links = [link for edition in editions.values() for link in links_of(edition)]
        for link in links:
            if link.image:
                server.route(link.url, image(link.image.width * 2, link.image.height * 2))
        stage = []
        for _ in range(RUNS):
            start = time.perf_counter()
            link_checks(editions, "fetch")
            stage.append(time.perf_counter() - start)
        plain = [command("check", str(folder)) for _ in range(RUNS)]
        fetched = [command("check", "--links", str(folder)) for _ in range(RUNS)]
        offline = [command("check", "--links", "--offline", str(folder)) for _ in range(RUNS)]
        server.stop()
    print(f"{len(editions)} issues, {len(links)} links and images, {len({link.url for link in links})} addresses, "
          f"{len(server.requests) // (2 * RUNS)} requests per check")
    print(f"link stage in-process (fetch, hash, lock files): {statistics.median(stage) * 1000:6.0f} ms")
    print(f"composer check --links, whole command:           {statistics.median(fetched) * 1000:6.0f} ms")
    print(f"composer check, whole command:                   {statistics.median(plain) * 1000:6.0f} ms")
    print(f"composer check --links --offline:                {statistics.median(offline) * 1000:6.0f} ms")


if __name__ == "__main__":
    main()
