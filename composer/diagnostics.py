"""What composer tells an editor: one located diagnostic type, and the two errors that carry them.

A diagnostic is either a refusal (the file cannot be built: bad YAML, a
missing field, a link that is not allowed) or a check's finding (the file
builds, but something in it would embarrass the newsroom). Both point at a
place in a file, carry a stable code from codes.py, and say how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from composer.codes import ERROR, INVALID, REFUSALS

# A message may quote the editor's text (an unknown key, a link); a line break
# or a terminal escape in it must not break the one-line-per-problem promise.
_VISIBLE = {code: repr(chr(code))[1:-1] for code in (*range(0x20), 0x7F, 0x85, 0x2028, 0x2029) if code != 0x09}


@dataclass(frozen=True, order=True, kw_only=True)
class Diagnostic:
    path: str = ""
    line: int = 1
    column: int = 1
    code: str = INVALID
    severity: str = ERROR
    message: str
    fix: str | None = None
    # Inside a Markdown field, the text that locates the problem until the
    # loader places it at a line and column of the file.
    snippet: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", self.message.translate(_VISIBLE))
        if self.fix:
            object.__setattr__(self, "fix", self.fix.translate(_VISIBLE))

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"

    @property
    def text(self) -> str:
        """Severity, code, message and fix: how `composer check` shows every diagnostic."""
        fix = f"; {self.fix}" if self.fix else ""
        return f"{self.severity} {self.code} {self.message}{fix}"

    def detailed(self) -> str:
        return f"{self.where}: {self.text}"

    def __str__(self) -> str:
        # A refusal already says how to fix it, and the file cannot be built
        # at all, so `build` shows only the message; findings show their code.
        return f"{self.where}: {self.message}" if self.code in REFUSALS else self.detailed()

    def as_dict(self) -> dict:
        """The documented JSON shape of a finding (check_schema.json)."""
        return {"path": self.path, "line": self.line, "column": self.column, "code": self.code,
                "severity": self.severity, "message": self.message, "fix": self.fix}


class ComposerError(Exception):
    """Raised for anything the editor can fix; carries one Diagnostic per mistake."""

    def __init__(self, diagnostics: list[Diagnostic]):
        # By place only: problems on one line keep the order they were found in
        # (missing fields in the order the house lists them, not alphabetically).
        self.diagnostics = sorted(diagnostics, key=lambda d: (d.path, d.line, d.column))
        super().__init__("\n".join(str(d) for d in self.diagnostics))

    @classmethod
    def at(cls, path: Path | str, message: str, line: int = 1, column: int = 1) -> ComposerError:
        return cls([Diagnostic(path=str(path), line=line, column=column, message=message)])


class CommandError(Exception):
    """A command that could not do its work for a reason outside the files (a port in use,
    a bad --to address, a missing tool), exit code 1. Each argument is one line to print,
    whatever it holds; none carries a secret."""

    @property
    def lines(self) -> list[str]:
        return [str(line) for line in self.args] or ["failed"]


class DeliveryError(CommandError):
    """A send or publish that did not happen, told in one line. Never carries a secret."""
