"""`composer preview` in a subprocess, for the tests and for the docs' screenshots (docs/tools/screenshots.py)."""

from __future__ import annotations

import http.client
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path


class PreviewProcess:
    """`composer preview` in a subprocess, with its terminal output collected line by line."""

    def __init__(self, issue: Path, *extra: str, start_timeout: float = 15):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "composer", "preview", str(issue), "--no-open", "--port", "0", *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        match = self.wait_for(r"at (http://[\d.]+:(\d+)/)", timeout=start_timeout)
        self.url, self.port = match[1], int(match[2])

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 15, after: int = 0) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[after:]:
                match = re.search(pattern, line)
                if match:
                    return match
            if self.process.poll() is not None and not any(re.search(pattern, line) for line in self.lines):
                raise AssertionError(f"preview exited: {self.lines}")
            time.sleep(0.02)
        raise AssertionError(f"{pattern!r} not printed; output so far: {self.lines}")

    def get(self, path: str, host: str | None = None) -> tuple[int, bytes]:
        # http.client sends the path exactly as given, so "../" reaches the server unnormalised.
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        connection.request("GET", path, headers={"Host": host} if host else {})
        response = connection.getresponse()
        return response.status, response.read()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                return self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                raise
        return self.process.returncode
