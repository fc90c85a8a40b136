"""Throughput, beside the revision before the change, in one run: a 500-issue archive and a list send.

    python benchmarks/throughput.py                      # everything
    python benchmarks/throughput.py --build-against REV  # the revision the folder builds are compared with
    python benchmarks/throughput.py --send-against REV   # the revision the list sends are compared with
    python benchmarks/throughput.py --only build|site|smtp|postmark

Each figure is a whole `composer` process, timed from start to exit, with the
CPU it used (user + system, from wait4) and its peak memory; the median of
RUNS runs, the two revisions taking turns so that drifting load hits both.
The archive is the examples, dated a week apart (500 issues). The list sends
go to a minimal SMTP sink in a process of its own (smtp_sink.py) and to a
Postmark-shaped `/email/batch` stand-in; composer's own CPU per message is
the CPU a 10,000-reader send spends over a 2,000-reader one, per extra message.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from list_send import Batches, write_readers  # noqa: E402

RUNS = 3
SECRET = "benchmark-secret-0123456789"
# As an installed composer runs: with Python's bytecode cache.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {
    "COMPOSER_UNSUBSCRIBE_SECRET": SECRET, "POSTMARK_SERVER_TOKEN": "benchmark-token"}
BUILD_AGAINST = "4aa90ea"  # main before the folder builds were spread over the cores
SEND_AGAINST = "e573bcd"  # main before the SMTP copies were made from one written message


def checkout(revision: str, into: Path) -> Path:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(into), revision],
                   check=True, capture_output=True)
    return into


def timed(tree: Path, *args: str, env: dict | None = None) -> tuple[float, float, float, str]:
    """(seconds, CPU seconds, peak MB, stdout) of one whole composer process of `tree`, from wait4."""
    with tempfile.TemporaryFile() as stdout:  # a file, not a pipe: 1,000 lines of "wrote …" would fill a pipe
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "composer", *args], cwd=tree,
                                 env=(env or ENV) | {"PYTHONPATH": str(tree)}, stdout=stdout,
                                 stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        stdout.seek(0)
        out = stdout.read().decode()
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def archive(folder: Path, count: int = 500) -> Path:
    sources = sorted(p for p in (ROOT / "examples").glob("*.yaml") if p.name != "house.yaml")
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "house.yaml", folder / "house.yaml")
    day = datetime.date(2015, 1, 2)
    for n in range(count):
        text = re.sub(r"^date: .*$", f"date: {day.isoformat()}", sources[n % len(sources)].read_text(),
                      count=1, flags=re.M)
        (folder / f"{day.isoformat()}.yaml").write_text(text)
        day += datetime.timedelta(days=7)
    return folder


def median_of(results: list[tuple[float, float, float, str]]) -> tuple[float, float, float]:
    return (statistics.median(r[0] for r in results), statistics.median(r[1] for r in results),
            max(r[2] for r in results))


def side_by_side(label: str, trees: dict[str, Path], make_args, runs: int = RUNS, env=None, before=None) -> dict:
    """Each tree's median (seconds, CPU, peak MB), taking turns; `before` runs ahead of each command."""
    results: dict[str, list] = {name: [] for name in trees}
    for _ in range(runs):
        for name, tree in trees.items():
            if before:
                before(name)
            results[name].append(timed(tree, *make_args(name), env=env))
    medians = {name: median_of(found) for name, found in results.items()}
    line = "  ".join(f"{name}: {s:6.2f} s wall, {c:6.2f} s CPU, {m:5.0f} MB" for name, (s, c, m) in medians.items())
    names = list(trees)
    ratio = medians[names[0]][0] / medians[names[1]][0] if len(names) == 2 else 1.0
    print(f"{label:<34} {line}  ratio {ratio:.2f}", flush=True)
    return medians


def folder_builds(work: Path, trees: dict[str, Path]) -> None:
    issues = archive(work / "archive")

    def out(name: str) -> Path:
        return work / f"build-{name}"

    side_by_side("build, 500 issues", trees, lambda name: ["build", str(issues), "-o", str(out(name))],
                 before=lambda name: shutil.rmtree(out(name), ignore_errors=True))
    side_by_side("site, 500 issues, cold", trees,
                 lambda name: ["site", str(issues), "-o", str(work / f"site-{name}"), "--include-future"],
                 before=lambda name: shutil.rmtree(work / f"site-{name}", ignore_errors=True))
    changed = issues / "2015-01-02.yaml"
    edits = iter(range(10**6))
    side_by_side("site, 500 issues, one changed", trees,
                 lambda name: ["site", str(issues), "-o", str(work / f"site-{name}"), "--include-future"],
                 runs=5, before=lambda name: changed.write_text(changed.read_text() + f"# edit {next(edits)}\n"))


def list_command(tree: Path, issue: Path, readers: Path) -> list[str]:
    """`broadcast ISSUE LIST`, or `publish ISSUE --list LIST` in a revision from before it was its own verb."""
    if "def broadcast(" in (tree / "composer" / "cli.py").read_text():
        return ["broadcast", str(issue), str(readers), "--yes"]
    return ["publish", str(issue), "--list", str(readers), "--yes"]


def list_sends(work: Path, trees: dict[str, Path], provider: str, delivery: str, env: dict) -> None:
    from lists import list_issue

    cpu: dict[str, dict[int, float]] = {name: {} for name in trees}
    for n in (2_000, 10_000):
        folders = {}
        for name in trees:
            folder = work / f"{provider}-{name}-{n}"
            folder.mkdir()
            folders[name] = folder
            list_issue(folder, delivery)
            write_readers(folder / "list.csv", n)

        def fresh(name: str, folders=folders) -> None:
            for ledger in folders[name].glob("*.ledger.sqlite*"):
                ledger.unlink()

        medians = side_by_side(
            f"{provider} list send, {n:,} readers", trees,
            lambda name, folders=folders: list_command(trees[name], folders[name] / "2023-03-17.yaml",
                                                       folders[name] / "list.csv"),
            env=env, before=fresh)
        for name, (seconds, used, _) in medians.items():
            cpu[name][n] = used
            print(f"    {name}: {n / seconds:8,.0f} messages a second", flush=True)
    for name in trees:
        per_message = (cpu[name][10_000] - cpu[name][2_000]) / 8_000 * 1000
        print(f"    {name}: composer's own CPU {per_message:.2f} ms a message", flush=True)


def main() -> None:
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    build_against = sys.argv[sys.argv.index("--build-against") + 1] if "--build-against" in sys.argv else BUILD_AGAINST
    send_against = sys.argv[sys.argv.index("--send-against") + 1] if "--send-against" in sys.argv else SEND_AGAINST
    work = Path(tempfile.mkdtemp(prefix="throughput-"))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; medians of {RUNS} whole processes, taking turns")
    try:
        if only in (None, "build", "site"):
            before = checkout(build_against, work / "before-build")
            folder_builds(work, {"now": ROOT, build_against: before})
        if only in (None, "smtp", "postmark"):
            before = checkout(send_against, work / "before-send")
            trees = {"now": ROOT, send_against: before}
        if only in (None, "smtp"):
            port = free_port()
            sink = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "smtp_sink.py"), str(port)],
                                    stdout=subprocess.PIPE, text=True)
            assert sink.stdout and sink.stdout.readline().strip() == "ready"
            smtp = (f"delivery:\n  provider: smtp\n  smtp:\n    host: 127.0.0.1\n    port: {port}\n"
                    "    security: none\n")
            try:
                list_sends(work, trees, "smtp", smtp, ENV)
            finally:
                sink.terminate()
                print(f"    the sink accepted {sink.communicate()[0].strip()} messages", flush=True)
        if only in (None, "postmark"):
            server = ThreadingHTTPServer(("127.0.0.1", 0), Batches)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            env = ENV | {"COMPOSER_POSTMARK_URL": f"http://127.0.0.1:{server.server_address[1]}"}
            list_sends(work, trees, "postmark", "delivery:\n  provider: postmark\n", env)
            server.shutdown()
    finally:
        for tree in work.glob("before-*"):
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    main()
