"""Read a YAML file and remember where every key and value came from.

ruamel.yaml's round-trip loader keeps line and column numbers on every
mapping and sequence, which is what lets a validation error deep inside an
issue point at the editor's own line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError

from composer.problems import ComposerError, Problem


class _Constructor(RoundTripConstructor):
    """Keeps timestamps as text so that the model, not the YAML parser, judges dates.

    ruamel.yaml turns `2024-01-12` into a date but crashes without a position
    on `2024-13-45`; leaving both as strings gives one place and one message.
    """


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    return yaml


@dataclass
class Source:
    """A parsed YAML document, with the text it came from for locating values."""

    path: Path
    text: str
    data: Any

    @property
    def name(self) -> str:
        return str(self.path)

    def position(self, loc: tuple[str | int, ...], *, key: bool = False) -> tuple[int, int]:
        """The 1-based line and column of the value at `loc`, or of its key.

        When `loc` goes deeper than the document (a missing field, say), the
        position of the deepest part that exists is returned.
        """
        node = self.data
        line, col = 0, 0
        for depth, part in enumerate(loc):
            last = depth == len(loc) - 1
            if isinstance(node, CommentedMap) and part in node:
                pos = node.lc.key(part) if (key and last) else node.lc.value(part)
                node = node[part]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                pos = node.lc.item(part)
                node = node[part]
            else:
                break
            if pos is not None and pos[0] is not None:
                line, col = pos
        return line + 1, col + 1

    def locate(self, loc: tuple[str | int, ...], snippet: str) -> tuple[int, int]:
        """Where `snippet` first appears in the text of the value at `loc`.

        Used for problems inside prose (a bad link in the fourth paragraph of
        the lead), so the editor lands on the exact line, not the field's key.
        """
        line, col = self.position(loc)
        lines = self.text.splitlines(keepends=True)
        start = sum(len(text) for text in lines[: line - 1]) + col - 1
        found = self.text.find(snippet, start) if snippet else -1
        if found < 0:
            return line, col
        before = self.text[:found]
        found_line = before.count("\n") + 1
        return found_line, found - (before.rfind("\n") + 1) + 1

    def problem(self, loc: tuple[str | int, ...], message: str, *, key: bool = False) -> Problem:
        line, col = self.position(loc, key=key)
        return Problem(self.name, line, col, message)


def read_text(path: Path) -> str:
    """The file's text, or a ComposerError that says why it cannot be read."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ComposerError.at(path, "file not found; check the path and the file name") from None
    except IsADirectoryError:
        raise ComposerError.at(path, "this is a folder, not a file; give the path of a .yaml file") from None
    except OSError as error:
        raise ComposerError.at(path, f"cannot read the file ({error.strerror}); check its permissions") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        raise ComposerError.at(
            path,
            f"the file is not UTF-8 (byte 0x{raw[error.start]:02x}); save it as UTF-8 in your editor",
            line,
            col,
        ) from None


_OPENING_QUOTE = re.compile(r"""^\s*(?:-\s+)?(?:[\w-]+:\s+)?(["'])""")


def _unclosed_quote(text: str, before_line: int) -> tuple[int, int] | None:
    """The first line before `before_line` that opens a quoted value and never closes it.

    A missing closing quote makes YAML read on into the following lines and
    fail somewhere later; the editor needs the line where the quote opened.
    """
    for number, line in enumerate(text.splitlines()[:before_line], start=1):
        match = _OPENING_QUOTE.match(line)
        if match and line.rstrip()[match.end() - 1 :].count(match.group(1)) == 1:
            return number, match.end()
    return None


def _first_use(text: str, key: str, indent: int, before_line: int) -> int | None:
    pattern = re.compile(rf"^ {{{indent}}}(?:-\s+)?{re.escape(key)}\s*:")
    for number, line in enumerate(text.splitlines()[: before_line - 1], start=1):
        if pattern.match(line):
            return number
    return None


def _syntax_message(error: MarkedYAMLError, text: str) -> str:
    problem = error.problem or "YAML syntax error"
    context = error.context or ""
    if isinstance(error, DuplicateKeyError):
        key = problem.split('"')[1] if '"' in problem else "?"
        mark = error.problem_mark
        first = _first_use(text, key, mark.column, mark.line + 1) if mark else None
        where = f" (first at line {first})" if first else ""
        return f'the key "{key}" appears twice{where}; keep one and delete the other'
    if "'\\t'" in problem:
        return "a tab character is used here; YAML indents with spaces only, so replace the tab with spaces"
    if "quoted scalar" in context:
        return "a quoted value is never closed; add the matching closing quote, or remove the opening one"
    if "mapping values are not allowed" in problem:
        return (
            "a colon followed by a space starts a new key here; "
            "put the whole value in quotes, or use a '|' block for prose"
        )
    if "flow sequence" in context or "flow mapping" in context:
        return f"a list or mapping in brackets is not closed ({problem}); add the closing bracket"
    return f"YAML syntax error: {problem}; check the indentation and quoting on this line"


def load_yaml(path: Path) -> Source:
    """Parse `path`, raising a ComposerError with a position for every kind of failure."""
    text = read_text(path)
    try:
        data = _yaml().load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark
        if "quoted scalar" in (error.context or "") and error.context_mark is not None:
            mark = error.context_mark  # the opening quote is where the editor must look
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        if not isinstance(error, DuplicateKeyError) and "'\\t'" not in (error.problem or ""):
            quote = _unclosed_quote(text, line)
            if quote:
                message = "this quoted value has no closing quote; add it at the end of the value, or remove the opening one"
                raise ComposerError.at(path, message, *quote) from None
        raise ComposerError.at(path, _syntax_message(error, text), line, col) from None
    return Source(path, text, data)
