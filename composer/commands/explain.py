"""`explain`: one check code explained, with its bad and good example, from the registry the docs use."""

from __future__ import annotations

import textwrap

from composer.codes import CODES, REFUSALS, severity_label
from composer.diagnostics import CommandError

WIDTH = 88


def normalised(code: str) -> str:
    """`dw406`, ` DW406 ` and `406` all name DW406; anything else is a mistake worth one line."""
    wanted = code.strip().upper()
    if wanted.isdigit():
        wanted = f"DW{wanted}"
    if wanted not in CODES:
        raise CommandError(f"'{code}' is not a check code; `composer explain` with no code lists them all")
    return wanted


def explanation(code: str) -> list[str]:
    """The lines `composer explain CODE` prints."""
    entry = CODES[code]
    lines = [f"{code}  {severity_label(code)}: {entry.summary}", ""]
    lines += textwrap.wrap(entry.explanation, WIDTH, break_on_hyphens=False)
    lines += ["", *textwrap.wrap(f"Bad:  {entry.bad}", WIDTH, subsequent_indent="      "),
              *textwrap.wrap(f"Good: {entry.good}", WIDTH, subsequent_indent="      ")]
    if code not in REFUSALS:  # a file the model refuses cannot be built, whatever it silences
        lines += ["", f"To accept it in one issue: silence: [{code}], or [{code}@LINE] for one line only."]
    return lines


def listing() -> list[str]:
    """Every code with its severity and summary, one a line."""
    return [f"{code}  {entry.severity:<7}  {entry.summary}" for code, entry in CODES.items()]
