"""What composer refuses before doing any work: oversized files, hidden characters, deep nesting.

A YAML file may come from a careless copy and paste or from someone hostile.
Every limit here is checked before the parser, the model or the renderer
spends time on the file, and every refusal points at the place that broke it,
so `composer build /dev/zero` ends at once with one located line.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from composer.diagnostics import ComposerError, Diagnostic

MB = 1024 * 1024
MAX_FILE_BYTES = 2 * MB  # a long issue is 20 KB; the largest house.yaml far less
MAX_DEPTH = 12  # an issue nests four collections deep (teasers[0].image)
MAX_REPORTED = 10  # a file full of NUL bytes gets ten lines, not two million
MAX_VALUES = 20_000  # keys and values in one file; a long issue has 300
MAX_PROBLEMS = 50  # validation problems listed for one file

# Controls other than tab, line feed and a carriage return that ends a line;
# C1 controls; the two non-characters; and the bidirectional overrides and
# isolates, which make text display in another order than it is stored
# ("Trojan Source"). Marks such as U+200F, which Arabic and Hebrew text need, stay allowed.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]|\r(?!\n)")
# The same inside a value written with escapes (`"\u202e"`); a line break there is the field's business.
_FORBIDDEN_VALUE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")

_NAMES = {"\x00": "NUL", "\r": "CARRIAGE RETURN", "\x1b": "ESCAPE", "\x7f": "DELETE", "\x85": "NEXT LINE"}


def describe(char: str) -> str:
    """`U+202E (RIGHT-TO-LEFT OVERRIDE)`: the code point and its Unicode name."""
    name = _NAMES.get(char) or unicodedata.name(char, "a control character")
    return f"U+{ord(char):04X} ({name})"


def character_problem(char: str) -> str:
    if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
        return (f"the invisible character {describe(char)} changes the order in which the text around it "
                "is shown, so readers would see something other than what is written; delete it")
    if char == "\r":
        return (f"{describe(char)} on its own, not followed by a line feed; "
                "save the file with ordinary line endings (LF or CRLF)")
    return f"the invisible control character {describe(char)} is not allowed; delete it (a paste may have brought it)"


def _line_col(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def read_bounded(path: Path) -> bytes:
    """At most MAX_FILE_BYTES of the file; a longer file (or /dev/zero) is refused where it crosses the limit."""
    if path.exists() and not path.is_file() and not path.is_char_device():
        # A named pipe would block the read until someone writes to it: a hang, not a file.
        raise ComposerError.at(path, "this is not a regular file (a pipe, socket or folder?); give an issue file")
    with path.open("rb") as file:
        raw = file.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        line = raw.count(b"\n", 0, MAX_FILE_BYTES) + 1
        column = MAX_FILE_BYTES - (raw.rfind(b"\n", 0, MAX_FILE_BYTES) + 1) + 1
        raise ComposerError.at(
            path,
            f"the file is larger than {MAX_FILE_BYTES // MB} MB, the most composer reads from an issue "
            "or house.yaml (a long issue is about 20 KB); it crosses the limit here: "
            "remove what does not belong, or check that this is the right file",
            line, column,
        )
    return raw


def check_characters(path: Path, text: str) -> None:
    """Refuse hidden characters anywhere in the file, comments included, each at its own line and column."""
    found: list[Diagnostic] = []
    for match in _FORBIDDEN.finditer(text):
        if len(found) == MAX_REPORTED:
            line, column = _line_col(text, match.start())
            found.append(Diagnostic(path=str(path), line=line, column=column,
                                    message="more hidden characters follow from here; they are not all listed"))
            break
        line, column = _line_col(text, match.start())
        found.append(Diagnostic(path=str(path), line=line, column=column, message=character_problem(match[0])))
    if found:
        raise ComposerError(found)


def forbidden_in_value(value: str) -> str | None:
    """The first forbidden character a quoted value holds (it came from an escape such as `\\x00`)."""
    match = _FORBIDDEN_VALUE.search(value)
    return match[0] if match else None


# YAML's escapes in double quotes (YAML 1.2, 5.7), to find which one wrote a character.
_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.S)
_SIMPLE = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
           "e": "\x1b", "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029"}


def escape_position(text: str, start: int, end: int, chars: str) -> tuple[int, int] | None:
    """Line and column of the first escape in text[start:end] (a quoted value) that writes one of `chars`."""
    for match in _ESCAPE.finditer(text, start, end):
        code = match[1]
        char = chr(int(code[1:], 16)) if len(code) > 1 else _SIMPLE.get(code, code)
        if char in chars:
            return _line_col(text, match.start())
    return None


# What splits a line for Python and mail programs alike; a one-line field holds none of them.
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


class BrokenLine(str):
    """A value written on the line that a line break runs through, and where the first break is.

    YAML folds a value wrapped over two lines into one with a space, and
    `"\\r\\n"` writes a break; in a headline or subject either is a mistake (or
    a header injection), so the one-line fields refuse this value at `at`,
    while prose takes it as text.
    """

    at: tuple[int, int]

    def __new__(cls, value: str, at: tuple[int, int]) -> BrokenLine:
        made = super().__new__(cls, value)
        made.at = at
        return made
