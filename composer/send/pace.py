"""The pace of a list send: at most so many messages per second and per hour.

Messages are spread evenly, never bunched: a new account allowed 100 an hour
gets one every 36 seconds, so a send that stops midway has used no more than
its share of the hour.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Pace:
    def __init__(self, per_second: float | None, per_hour: int | None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        gaps = [1.0 / per_second if per_second else 0.0, 3600.0 / per_hour if per_hour else 0.0]
        self.gap = max(gaps)  # seconds between two messages
        self.clock, self.sleep = clock, sleep
        self.next = 0.0

    @property
    def limited(self) -> bool:
        return self.gap > 0

    def batch_size(self, wanted: int) -> int:
        """A batch takes no more than about ten seconds of the allowance, so the pace stays even."""
        if not self.limited:
            return wanted
        return max(1, min(wanted, int(10.0 / self.gap)))

    def wait(self, messages: int) -> None:
        """Block until `messages` more may go out."""
        if not self.limited:
            return
        now = self.clock()
        if self.next > now:
            self.sleep(self.next - now)
            now = self.next
        self.next = now + messages * self.gap
