"""How a list send shows its progress: a rich bar on a terminal, a plain line per batch otherwise."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich import progress as bar
from rich.console import Console

from composer.wording import counted


class Progress:
    """Told of every answer from the provider."""

    def start(self, total: int) -> None: ...

    def advance(self, sent: int, failed: int) -> None: ...

    def batch_done(self) -> None: ...

    def finish(self) -> None: ...


class PlainProgress(Progress):
    """For logs and pipes: one line per batch, at most one every `every` seconds."""

    def __init__(self, echo: Callable[[str], None], every: float = 1.0):
        self.echo, self.every = echo, every
        self.total = self.sent = self.failed = 0
        self.last = 0.0

    def start(self, total: int) -> None:
        self.total, self.started = total, time.monotonic()
        self.echo(f"sending to {counted(total, 'reader')}" if total else "nobody left to send to")
        self.shown: tuple[int, int] = (0, 0)

    def advance(self, sent: int, failed: int) -> None:
        self.sent += sent
        self.failed += failed

    def line(self) -> str:
        rate = self.sent / max(time.monotonic() - self.started, 1e-6)
        return f"{self.sent + self.failed:,}/{self.total:,} answered: {self.sent:,} sent, {self.failed:,} failed, " \
               f"{rate:,.0f} per second"

    def batch_done(self) -> None:
        if time.monotonic() - self.last >= self.every:
            self.last = time.monotonic()
            self.show()

    def show(self) -> None:
        counts = (self.sent, self.failed)
        if counts != self.shown:
            self.shown = counts
            self.echo(self.line())

    def finish(self) -> None:
        if self.total:
            self.show()


class TerminalProgress(Progress):
    """A rich progress bar, on stderr so stdout keeps only the summary."""

    def start(self, total: int) -> None:
        self.failed = 0
        self.bar = bar.Progress(bar.TextColumn("[progress.description]{task.description}"), bar.BarColumn(),
                                bar.MofNCompleteColumn(), bar.TimeRemainingColumn(), console=Console(stderr=True),
                                transient=False)
        self.task = self.bar.add_task("sending", total=total)
        self.bar.start()

    def advance(self, sent: int, failed: int) -> None:
        self.failed += failed
        description = f"sending ({self.failed:,} failed)" if self.failed else "sending"
        self.bar.update(self.task, advance=sent + failed, description=description)

    def finish(self) -> None:
        self.bar.stop()
