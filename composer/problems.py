"""Editor-facing problems: each one points at a place in a file and says how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    col: int
    message: str
    code: str = ""  # the `composer check` code, for the few problems that have their own

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class ComposerError(Exception):
    """Raised for anything the editor can fix; carries one Problem per mistake."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, path: Path | str, message: str, line: int = 1, col: int = 1) -> ComposerError:
        return cls([Problem(str(path), line, col, message)])


class DeliveryError(Exception):
    """A send or publish that did not happen, told in one line. Never carries a secret."""
