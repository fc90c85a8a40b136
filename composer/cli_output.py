"""How every command ends: each printed line through `say`, and errors turned into exit codes in one place.

Exit codes: 0 done; 1 not done for a reason outside the files (a provider's
refusal, a port in use, a declined confirmation); 2 problems in the files, or
a bad option, told as file:line:col lines; 130 stopped with Ctrl-C.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer

from composer.diagnostics import CommandError, ComposerError
from composer.printable import printable

EXIT_PROBLEMS = 2
EXIT_NOT_DONE = 1
EXIT_INTERRUPTED = 130

# What each code means, as the docs' reference of the commands prints it.
EXITS = {
    0: "done",
    EXIT_NOT_DONE: "not done for a reason outside the files: a provider or platform refused, a port is taken, a "
                   "`--to` address is bad, the confirmation was declined, a broadcast left readers to send; for "
                   "`check`, the issue has errors (or warnings, with `--strict`)",
    EXIT_PROBLEMS: "problems in the files (`file:line:col` lines) or a bad option; for `check`, a check that could "
                   "not run (SpamAssassin missing)",
    EXIT_INTERRUPTED: "stopped with Ctrl-C during a broadcast",
}


def say(line: str, err: bool = False) -> None:
    """Every line composer prints: one line, with no configured secret in it (printable.py)."""
    typer.echo(printable(line), err=err)


@contextmanager
def outcome(interrupted: str | None = None, not_done: int = EXIT_NOT_DONE) -> Iterator[None]:
    """Every command runs inside this: the errors it may raise, told one line each, as exit codes.
    `not_done` is the code of a CommandError, for `check`, whose 1 already means "the issue failed"."""
    try:
        yield
    except ComposerError as error:
        for diagnostic in error.diagnostics:
            say(str(diagnostic), err=True)
        raise typer.Exit(EXIT_PROBLEMS) from None
    except CommandError as error:
        for line in error.lines:
            say(f"error: {line}", err=True)
        raise typer.Exit(not_done) from None
    except KeyboardInterrupt:
        if interrupted is None:
            raise
        say(interrupted, err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None


def misused(message: str) -> NoReturn:
    """A bad option, not a problem in a file: one line, no file:line:col; exit code 2 as for any usage error."""
    say(f"error: {message}", err=True)
    raise typer.Exit(EXIT_PROBLEMS)


def warn(line: str) -> None:
    say(line, err=True)
