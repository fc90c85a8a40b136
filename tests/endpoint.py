"""The unsubscribe endpoint, running for real: uvicorn on a free local port, in a thread or as the command."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from conftest import ROOT
from mail_servers import free_port

from composer.suppressions.app import create_app

HOST = "responsiblestatecraft.org"  # the host of the test house's unsubscribe_url, as a reverse proxy passes it


class Client:
    """Requests to the running endpoint as the reverse proxy forwards them: to 127.0.0.1, Host the house's."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.http = httpx.Client(trust_env=False, timeout=20.0, follow_redirects=False, headers={"Host": HOST})

    def get(self, path: str, **options) -> httpx.Response:
        return self.http.get(self.base + path, **options)

    def post(self, path: str, **options) -> httpx.Response:
        return self.http.post(self.base + path, **options)

    def close(self) -> None:
        self.http.close()


@contextmanager
def in_thread(folder: Path):
    """create_app(folder) served by uvicorn in this process; yields (client, log lines)."""
    log: list[str] = []
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(folder, log=log.append), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the endpoint did not start"
        time.sleep(0.02)
    client = Client(port)
    try:
        yield client, log
    finally:
        client.close()
        server.should_exit = True
        thread.join(10)


@contextmanager
def command(folder: Path, env: dict[str, str]):
    """`composer suppressions serve FOLDER --port P` as its own process; yields (client, process)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "composer", "suppressions", "serve", str(folder), "--port", str(port)],
        env=os.environ | env | {"PYTHONPATH": str(ROOT)}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    client = Client(port)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the endpoint did not start"
            try:
                httpx.get(f"http://127.0.0.1:{port}/", trust_env=False, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield client, process
    finally:
        client.close()
        process.terminate()
        process.wait(10)
