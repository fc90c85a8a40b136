"""A local web server that answers for every site at once, for `check --links` tests and benchmarks.

composer sends each request here when COMPOSER_LINKS_TEST_SERVER names this server, keeping the
request's Host header, so the server answers `https://www.reuters.com/x` by the host and path.
Each answer is set per address (`route`); an address without one is answered by `default`.
An address may have several answers, one GET after the other (the last one stays). The server
records every request and the most requests it had in flight at once, per host and in all.
"""

from __future__ import annotations

import io
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from PIL import Image


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    head_status: int | None = None  # what HEAD answers, when not what GET answers
    delay: float = 0.0  # seconds before the answer starts
    hang_up: bool = False  # close the connection without answering


def page(title: str, text: str) -> Answer:
    """An article page: menus and a teaser box around the story, as news sites have them."""
    paragraphs = "".join(f"<p>{sentence.strip()}.</p>" for sentence in text.split(".") if sentence.strip())
    html = (f"<!doctype html><html><head><title>{title}</title></head><body>"
            "<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/business'>Business</a></nav>"
            f"<main><article><h1>{title}</h1>{paragraphs}</article></main>"
            "<aside><h2>Most read</h2><a href='/a'>Another story</a></aside>"
            "<footer>All rights reserved</footer></body></html>")
    return Answer(body=html.encode())


STORY = ("Ministers met in Brussels on Tuesday to discuss the next package of support. "
         "Officials said the talks ran late into the evening and that no agreement was reached. "
         "A second meeting is planned for the end of the month, when finance ministers join them")


def image(width: int, height: int, kind: str = "JPEG") -> Answer:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 80, 40)).save(buffer, kind)
    return Answer(body=buffer.getvalue(), content_type=f"image/{kind.lower()}")


def redirect(to: str, status: int = 301) -> Answer:
    return Answer(status=status, content_type=None, headers={"Location": to})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default of 5 drops connections beyond it, which wait a second to retry


class LinkServer:
    def __init__(self, default: Answer | None = None):
        self.routes: dict[str, list[Answer]] = {}
        self.default = default or Answer(status=404, body=b"<title>Not here</title>")
        self.requests: list[tuple[str, str]] = []  # (method, host and path)
        self.agents: set[str] = set()  # every User-Agent header it saw
        self.in_flight: Counter[str] = Counter()
        self.most: Counter[str] = Counter()  # per host, and "*" for all hosts
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self.address = f"127.0.0.1:{self._server.server_address[1]}"

    def route(self, url: str, *answers: Answer) -> str:
        parts = urlsplit(url)
        self.routes[parts.netloc + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")] = list(answers)
        return url

    def start(self) -> LinkServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def asked(self, url: str) -> list[str]:
        """The methods `url` was asked with, in order."""
        parts = urlsplit(url)
        wanted = parts.netloc + (parts.path or "/")
        return [method for method, target in self.requests if target == wanted]

    def _counted(self, host: str, step: int) -> None:
        with self._lock:
            for key in (host, "*"):
                self.in_flight[key] += step
                self.most[key] = max(self.most[key], self.in_flight[key])

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms wait for an ACK

            def answer(self, head: bool) -> None:
                host = self.headers.get("Host", "")
                with server._lock:
                    server.requests.append(("HEAD" if head else "GET", host + self.path.split("?")[0]))
                    server.agents.add(self.headers.get("User-Agent", ""))
                    answers = server.routes.get(host + self.path, [server.default])
                    found = answers.pop(0) if len(answers) > 1 and not head else answers[0]
                server._counted(host, 1)
                try:
                    time.sleep(found.delay)
                    if found.hang_up:
                        self.close_connection = True
                        return
                    status = found.head_status if head and found.head_status else found.status
                    self.send_response(status)
                    if found.content_type:
                        self.send_header("Content-Type", found.content_type)
                    for name, value in found.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(found.body)))
                    self.end_headers()
                    if not head:
                        self.wfile.write(found.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting, as it should
                finally:
                    server._counted(host, -1)

            def do_GET(self) -> None:  # noqa: N802
                self.answer(head=False)

            def do_HEAD(self) -> None:  # noqa: N802
                self.answer(head=True)

            def log_message(self, format, *args) -> None:  # noqa: A002
                pass

        return Handler
