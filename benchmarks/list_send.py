"""How fast, and in how much memory, `composer broadcast` sends an issue to a whole list.

Each run is a whole `composer broadcast ISSUE LIST --yes` process (render,
check, read the CSV into the ledger, send, summary), timed from start to exit,
with its peak memory (the child's max RSS from wait4). Sent to:
  1. a local Postmark-shaped `/email/batch` server (it parses every batch, answers
     one result per message), for 1,000, 10,000 and 100,000 readers;
  2. aiosmtpd (counting and accepting), over the house's SMTP connections (2 by default), for 10,000 readers.
The peer in the same run is the 1,000-reader send: the ratios show whether
time and memory grow linearly with the list. Medians of RUNS runs (one for
100,000). The issue is the longest example, about 40 KB per message.

    .venv/bin/python benchmarks/list_send.py            # all sizes
    .venv/bin/python benchmarks/list_send.py --quick    # 1,000 and 10,000 only
    .venv/bin/python benchmarks/list_send.py --no-smtp  # the batch API only
    .venv/bin/python benchmarks/list_send.py --smtp-only
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

RUNS = 3
SECRET = "benchmark-secret-0123456789"
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {
    "COMPOSER_UNSUBSCRIBE_SECRET": SECRET, "POSTMARK_SERVER_TOKEN": "benchmark-token"}


class Batches(BaseHTTPRequestHandler):
    """POST /email/batch as Postmark answers it: one result per message, in order."""

    accepted = 0
    busy = 0.0  # seconds spent reading, parsing and answering: the stand-in's share of a send

    def do_POST(self):
        started = time.perf_counter()
        body = self.rfile.read(int(self.headers["Content-Length"]))
        messages = json.loads(body)
        answers = [{"ErrorCode": 0, "Message": "OK", "MessageID": str(uuid.uuid4()), "To": m["To"],
                    "SubmittedAt": "2024-01-12T09:00:00Z"} for m in messages]
        Batches.accepted += len(messages)
        data = json.dumps(answers).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        Batches.busy += time.perf_counter() - started

    def log_message(self, *args):
        pass


def house_folder(folder: Path, delivery: str) -> Path:
    from lists import list_issue

    return list_issue(folder, delivery)


def write_readers(path: Path, n: int) -> None:
    with path.open("w") as handle:
        handle.write("email,name,status\n")
        for i in range(n):
            handle.write(f"reader{i:06d}@example.org,Reader {i},subscribed\n")


def one_send(delivery: str, n: int, env: dict) -> tuple[float, float]:
    """(seconds, peak MB) of one whole list send to n readers, in a fresh folder."""
    folder = Path(tempfile.mkdtemp(prefix="list-send-"))
    try:
        issue = house_folder(folder, delivery)
        write_readers(folder / "list.csv", n)
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "composer", "broadcast", str(issue),
                                  str(folder / "list.csv"), "--yes"], env=env, cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        out = child.stdout.read().decode() if child.stdout else ""
        if os.waitstatus_to_exitcode(status) != 0 or f"sent {n:,} ·" not in out:
            raise SystemExit(f"the send to {n} readers did not complete:\n{out}")
        return elapsed, usage.ru_maxrss / 1024
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def measure(label: str, delivery: str, n: int, env: dict, runs: int) -> tuple[float, float]:
    Batches.busy = 0.0
    results = [one_send(delivery, n, env) for _ in range(runs)]
    seconds = statistics.median(r[0] for r in results)
    memory = max(r[1] for r in results)
    server = f"  (stand-in server busy {Batches.busy / runs:5.2f} s)" if Batches.busy else ""
    print(f"{label:<10} {n:>8,} readers  {seconds:7.2f} s  {n / seconds:8,.0f} messages/s  peak {memory:6.1f} MB"
          + server, flush=True)
    return seconds, memory


def main() -> None:
    quick = "--quick" in sys.argv
    with_smtp = "--no-smtp" not in sys.argv
    server = ThreadingHTTPServer(("127.0.0.1", 0), Batches)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = ENV | {"COMPOSER_POSTMARK_URL": f"http://127.0.0.1:{server.server_address[1]}"}
    postmark = "delivery:\n  provider: postmark\n"
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; whole process, render and ledger included")
    figures = {}
    sizes = (1_000, 10_000) if quick else (1_000, 10_000, 100_000)
    for n in sizes if "--smtp-only" not in sys.argv else ():
        figures[n] = measure("postmark", postmark, n, env, RUNS if n < 100_000 else 1)
    base_time, base_memory = figures.get(1_000, (1.0, 1.0))
    for n, (seconds, memory) in figures.items():
        print(f"  {n:>7,} vs 1,000: time x{seconds / base_time:.1f}, memory x{memory / base_memory:.2f}")

    if not with_smtp:
        return
    from aiosmtpd.controller import Controller
    from mail_servers import free_port

    port = free_port()
    controller = Controller(Accepted(), hostname="127.0.0.1", port=port)
    controller.start()
    smtp = f"delivery:\n  provider: smtp\n  smtp:\n    host: 127.0.0.1\n    port: {port}\n    security: none\n"
    try:
        measure("smtp", smtp, 10_000 if not quick else 1_000, env, 1)
    finally:
        controller.stop()
    print(f"  aiosmtpd accepted {Accepted.messages:,} messages")


class Accepted:
    """aiosmtpd that counts and accepts: the server's share stays small, as a real relay's would."""

    messages = 0

    async def handle_DATA(self, server, session, envelope):
        Accepted.messages += 1
        return "250 OK"


if __name__ == "__main__":
    main()
