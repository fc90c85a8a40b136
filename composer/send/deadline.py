"""A deadline for a whole call to a service, however slowly it answers.

A read timeout bounds each read only: a server that drips a byte every few
seconds never trips it. So the call runs in a thread of its own (a daemon),
and the caller stops waiting when the deadline passes; the request is left to
its thread, and whoever asked is told that it may have reached the server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
DEADLINE = 120.0  # seconds for a whole call, retries included
ATTEMPTS = 4  # a call is tried at most this many times, the first included, whatever the provider


class Late(Exception):
    """The call did not finish within its deadline."""


def within(seconds: float, call: Callable[[], T]) -> T:
    """What `call` returns, if it returns within `seconds`; its exception, if it raises one; else Late."""
    box: dict = {}

    def run() -> None:
        try:
            box["answer"] = call()
        except BaseException as error:  # handed to the caller's thread as it is
            box["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(max(0.0, seconds))
    if worker.is_alive():
        raise Late()
    if "error" in box:
        raise box["error"]
    return box["answer"]
