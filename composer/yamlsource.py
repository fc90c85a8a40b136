"""Read a YAML file and remember where every key and value came from.

ruamel.yaml's C parser (ruamel.yaml.clib) composes the document into nodes
that carry their line and column; walking those nodes into plain Python data
records a position for every key and value. That is what lets a validation
error deep inside an issue point at the editor's own line. The round-trip
loader keeps positions too, but is ten times slower: 9 ms against 1 ms for a
full-length issue, which matters in the live preview.
"""

from __future__ import annotations

import errno
import html
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, Event, ScalarEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from composer import limits
from composer.diagnostics import ComposerError

Loc = tuple[str | int, ...]

_STRING_TAGS = (
    "tag:yaml.org,2002:str",
    # Dates stay text so that the model, not the YAML parser, judges them:
    # one place and one message for `2024-01-12` and `2024-13-45` alike.
    "tag:yaml.org,2002:timestamp",
)


# Plain YAML only: `!!python/object`, `!!binary` and custom tags build nothing an issue needs.
_PLAIN_TAGS = frozenset(
    {*_STRING_TAGS, *(f"tag:yaml.org,2002:{kind}" for kind in ("int", "float", "bool", "null", "seq", "map"))}
)


_INT_TAG = "tag:yaml.org,2002:int"
_MAX_DIGITS = 100


class DuplicateKey(Exception):
    def __init__(self, key: str, first: Node, again: Node):
        self.key, self.first, self.again = key, first, again


@dataclass
class Source:
    """A parsed YAML document, with the position of each value and key."""

    path: Path
    text: str
    data: Any = None
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    _line_starts: list[int] | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return str(self.path)

    def position(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """The 1-based line and column of the value at `loc`, or of its key.

        When `loc` goes deeper than the document (a missing field, say), the
        position of the deepest part that exists is returned.
        """
        if key and loc in self.keys:
            return self.keys[loc]
        for depth in range(len(loc), -1, -1):
            if loc[:depth] in self.values:
                return self.values[loc[:depth]]
        return 1, 1

    def locate(self, loc: Loc, snippet: str, nth: int = 0) -> tuple[int, int]:
        """Where `snippet` first appears in the text of the value at `loc` (or its nth repeat there).

        Used for problems inside prose (a bad link in the fourth paragraph of
        the lead), so the editor lands on the exact line, not the field's key.
        """
        line, col = self.position(loc)
        starts = self.line_starts()
        start = (starts[line - 1] if line <= len(starts) else len(self.text)) + col - 1
        found = self.text.find(snippet, start) if snippet else -1
        for _ in range(nth):
            if found < 0:
                break
            found = self.text.find(snippet, found + len(snippet))
        if found < 0 and snippet:
            found = _disguised_link(self.text, start, snippet)
        if found < 0:
            return line, col
        found_line = bisect_right(starts, found)
        return found_line, found - starts[found_line - 1] + 1

    def line_starts(self) -> list[int]:
        """The offset where each line begins, found once per file: locating thousands of findings
        must not read the whole file again for each one."""
        if self._line_starts is None:
            self._line_starts = [0, *(match.end() for match in re.finditer("\n", self.text))]
        return self._line_starts


_LINK_TARGET = re.compile(r"\]\(\s*<?")


def _disguised_link(text: str, start: int, href: str) -> int:
    """Where a link target written with entities or spaces (`jav&#x61;script:`) starts, or -1.

    Markdown decodes the target before composer sees it, so the decoded form
    is not in the file; each written target after `start` is decoded the same way.
    """
    wanted = unquote(href).strip()
    for match in _LINK_TARGET.finditer(text, start):
        written = text[match.end() : match.end() + 10 * len(wanted)]  # an entity is at most ten times longer
        if unquote(html.unescape(written)).strip().startswith(wanted):
            return match.end()
    return -1


def _mark(node: Node | Event) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _tag_problem(tag: str) -> str:
    return f"the tag `{tag}` is not allowed; composer reads plain text, numbers, lists and keys only: remove the tag"


def _written_tag(text: str, event: Event, tag: str) -> str:
    """The tag as the editor wrote it (`!!str`, `!<tag:yaml.org,2002:str>`, `!`)."""
    written = text[event.start_mark.index :].split(None, 1)
    return written[0] if written and written[0].startswith("!") else tag.replace("tag:yaml.org,2002:", "!!")


class _Builder:
    """Turns composed nodes into plain data, noting each node's position on the way."""

    def __init__(self, yaml: YAML, source: Source):
        self.constructor = yaml.constructor
        self.source = source

    def build(self, node: Node, loc: Loc) -> Any:
        self.allowed_tag(node)
        self.source.values[loc] = _mark(node)
        if isinstance(node, MappingNode):
            data: dict = {}
            first_seen: dict = {}
            for key_node, value_node in node.value:
                self.allowed_tag(key_node)
                key = self.scalar(key_node) if isinstance(key_node, ScalarNode) else str(key_node.value)
                if key in first_seen:
                    raise DuplicateKey(str(key), first_seen[key], key_node)
                first_seen[key] = key_node
                self.source.keys[(*loc, key)] = _mark(key_node)
                data[key] = self.build(value_node, (*loc, key))
            return data
        if isinstance(node, SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def allowed_tag(self, node: Node) -> Node:
        if node.tag in _PLAIN_TAGS:
            return node
        tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
        message = _tag_problem(tag)
        if tag == "!!merge":
            message = "merge keys (`<<`) are not allowed; write the keys out in full"
        raise ComposerError.at(self.source.path, message, *_mark(node))

    def scalar(self, node: Node) -> Any:
        if node.tag == _INT_TAG and len(node.value) > _MAX_DIGITS:
            # Python refuses to read an integer of more than 4,300 digits, with an error of its own.
            message = (f"this number is {len(node.value):,} characters long; composer reads whole numbers of "
                       f"at most {_MAX_DIGITS} digits (a size in pixels has four): write the number you meant")
            raise ComposerError.at(self.source.path, message, *_mark(node))
        if node.tag in _STRING_TAGS:
            if isinstance(node, ScalarNode) and node.style in ('"', "'", "", None):
                return self.text(node)
            return node.value
        return self.constructor.construct_object(node, deep=True)

    def text(self, node: ScalarNode) -> str:
        """A value written on the line (not a `|` block): checked for what escapes wrote, marked when it wraps."""
        text, value = self.source.text, node.value
        start, end = node.start_mark.index, node.end_mark.index
        bad = limits.forbidden_in_value(value) if node.style == '"' else None
        if bad:
            line, column = limits.escape_position(text, start, end, bad) or _mark(node)
            raise ComposerError.at(self.source.path, limits.character_problem(bad), line, column)
        if node.start_mark.line != node.end_mark.line:
            # YAML folds the line break into a space, silently; a one-line field refuses it.
            first = text[start:end].split("\n")[0].rstrip("\r")
            line, column = node.start_mark.line + 1, len(first) + node.start_mark.column + 1
            return limits.BrokenLine(value, (line, column))
        if node.style == '"' and any(c in value for c in limits.LINE_BREAKS):
            at = limits.escape_position(text, start, end, limits.LINE_BREAKS)
            return limits.BrokenLine(value, at or _mark(node))
        return value


def _utf16_without_bom(raw: bytes) -> bool:
    """Text saved as UTF-16 with no byte order mark: a NUL byte beside most characters, always on the
    same side. (A file of NUL bytes alone is no text at all; the character check reports it.)"""
    sample = raw[:4096]
    if len(sample) < 2 or b"\0" not in sample:
        return False
    even, odd = sample[0::2].count(0) / len(sample[0::2]), sample[1::2].count(0) / len(sample[1::2])
    return max(even, odd) >= 0.5 and min(even, odd) <= 0.1


def read_text(path: Path) -> str:
    """The file's text, or a ComposerError that says why it cannot be read."""
    try:
        raw = limits.read_bounded(path)
    except FileNotFoundError:
        raise ComposerError.at(path, "file not found; check the path and the file name") from None
    except IsADirectoryError:
        raise ComposerError.at(path, "this is a folder, not a file; give the path of a .yaml file") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise ComposerError.at(path, "this symbolic link leads back to itself, through one or more links; "
                                         "point it at the real file") from None
        raise ComposerError.at(path, f"cannot read the file ({error.strerror}); check its permissions") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(raw):
        raise ComposerError.at(path, "the file is saved as UTF-16; save it as UTF-8 in your editor")
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


_BLOCK_START = re.compile(r"^\s*(?:-\s+)?(?:[\w-]+:\s*)?[|>][-+0-9]*\s*(?:#.*)?$")
_OPENING_QUOTE = re.compile(r"""^\s*(?:-\s+)?(?:[\w-]+:\s+)?(["'])""")


def _unclosed_quote(text: str, before_line: int) -> tuple[int, int] | None:
    """The first line before `before_line` that opens a quoted value and never closes it.

    A missing closing quote makes YAML read on into the following lines and
    fail somewhere later; the editor needs the line where the quote opened.
    """
    block_indent = None  # inside a `|` or `>` block, quotes are prose, not YAML
    for number, line in enumerate(text.splitlines()[:before_line], start=1):
        indent = len(line) - len(line.lstrip())
        if block_indent is not None and (not line.strip() or indent > block_indent):
            continue
        block_indent = indent if _BLOCK_START.match(line) else None
        match = _OPENING_QUOTE.match(line)
        if match and line.rstrip()[match.end() - 1 :].count(match.group(1)) == 1:
            return number, match.end()
    return None


_COMMENT_AFTER_TEXT = re.compile(r"(?<=\S)[ \t]+(#)")
_KEY_OR_ENTRY = re.compile(r"\s*(?:-(?:\s|$)|[\w-]+:(?:\s|$))")


def _cut_by_a_comment(lines: list[str], line: int) -> tuple[int, int] | None:
    """Where a ` #` cut a plain value short, when the line YAML stumbled on goes on with that text.

    `- … all day. #StandWithUkraine trended` ends the item at the `#`, so a next line that
    continues the sentence is, to YAML, neither a key nor an entry; the editor needs the `#`.
    """
    before = next((n for n in range(line - 1, 0, -1) if lines[n - 1].strip()), None)
    if before is None or line > len(lines) or _KEY_OR_ENTRY.match(lines[line - 1]):
        return None
    written = lines[before - 1]
    comment = _COMMENT_AFTER_TEXT.search(written)
    if (comment is None or written.lstrip().startswith("#") or _BLOCK_START.match(written)
            or any(quote in written[: comment.start()] for quote in "\"'")):
        return None
    return before, comment.start(1) + 1


def _syntax_problem(error: MarkedYAMLError, text: str) -> tuple[str, int, int]:
    """A message in plain words, and the line and column the editor should look at."""
    problem = error.problem or "YAML syntax error"
    context = error.context or ""
    mark = error.problem_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    lines = text.splitlines()
    if 0 < line <= len(lines) and "\t" in lines[line - 1][: col]:
        col = lines[line - 1].index("\t") + 1
        return "a tab character is used here; YAML indents with spaces only, so replace the tab with spaces", line, col
    if "escape" in problem:
        # Checked before the unclosed-quote case: ruamel reports a bad escape "while parsing a quoted scalar".
        if 0 < line <= len(lines) and (backslash := lines[line - 1].rfind("\\", 0, col)) >= 0:
            col = backslash + 1
        if "Unicode" in problem:
            return ("this escape sequence in quotes is not a character (a lone \\ud800-\\udfff is half of a pair, "
                    "never a character on its own); type the character itself, or a valid escape such as \\u00e9",
                    line, col)
        return ("this backslash starts an escape sequence YAML does not know; write \\\\ for a backslash, "
                "or use single quotes, where a backslash is just a backslash", line, col)
    if "quoted scalar" in context and error.context_mark is not None:
        # The opening quote is where the editor must look, not the end of the file.
        opening = error.context_mark
        message = "a quoted value is never closed; add the matching closing quote, or remove the opening one"
        return message, opening.line + 1, opening.column + 1
    if "expected key" in problem or "'-' indicator" in problem or "expected <block end>" in problem:
        cut = _cut_by_a_comment(lines, line)
        if cut:
            message = ("this ` #` starts a YAML comment, which ends the text here, so the next line cannot go on "
                       "with it; if the `#` belongs to the text, write the value as a block: `>-` after the colon "
                       "or dash, with the text indented on the lines below (or put the whole value in quotes)")
            return message, *cut
    if "could not find expected ':'" in problem and error.context_mark is not None:
        # YAML notices only on the next line; the line without its `key: value` is the one before.
        line, col = error.context_mark.line + 1, error.context_mark.column + 1
        written = lines[line - 1] if 0 < line <= len(lines) else ""
        glued = re.match(r"\s*(?:-\s+)?([\w-]+):(\S.*)$", written)
        if glued:
            key, value = glued[1], glued[2].strip()
            message = (f"`{key}:{value}` has no space after the colon, so YAML does not read it as a key; "
                       f"write `{key}: {value}`")
            return message, line, col + written.lstrip().find(":") + 1
        return "this line is not a `key: value` pair; add the key and its colon, or indent it under one", line, col
    quote = _unclosed_quote(text, line)
    if quote:
        message = "this quoted value has no closing quote; add it at the end of the value, or remove the opening one"
        return message, *quote
    if "mapping values are not allowed" in problem:
        message = ("a colon followed by a space starts a new key here; put the whole value in quotes, "
                   "or use a '|' block for prose")
        return message, line, col
    if ("flow sequence" in context or "flow mapping" in context) and error.context_mark is not None:
        # YAML reads on past the end of the line looking for the bracket; the editor needs the opening one.
        opening = error.context_mark
        message = f"this list or mapping in brackets is never closed ({problem}); add the closing bracket"
        return message, opening.line + 1, opening.column + 1
    return f"YAML syntax error: {problem}; check the indentation and quoting on this line", line, col


def _screen(yaml: YAML, path: Path, text: str) -> None:
    """Refuse tags, aliases and deep nesting from the event stream, before anything is composed.

    The parser hands out events one at a time, so this stops at the first
    offending one: libyaml's time grows with the square of the nesting depth
    (a million `[` would take hours), and ten levels of nine aliases each
    would expand to a billion values. An issue needs neither.
    """
    depth = values = 0
    for event in yaml.parse(text):
        tag = getattr(event, "tag", None)
        if tag is not None and isinstance(event, (ScalarEvent, CollectionStartEvent)):
            # Any tag the editor writes, even `!!str` or a bare `!`: the docs promise plain YAML.
            raise ComposerError.at(path, _tag_problem(_written_tag(text, event, str(tag))), *_mark(event))
        if isinstance(event, ScalarEvent):
            values += 1
            if values > limits.MAX_VALUES:
                message = (f"the file holds more than {limits.MAX_VALUES:,} keys and values (a long issue has 300); "
                           "this is where it crosses the limit: remove what does not belong")
                raise ComposerError.at(path, message, *_mark(event))
        elif isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > limits.MAX_DEPTH:
                message = (f"this value is nested more than {limits.MAX_DEPTH} levels deep; "
                           "an issue nests four at most: remove the extra brackets or indentation")
                raise ComposerError.at(path, message, *_mark(event))
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
        elif isinstance(event, AliasEvent):
            message = (f"the alias `*{event.anchor}` repeats a value written elsewhere; composer does not expand "
                       "aliases (a few can stand for millions of values): write the value out in full")
            raise ComposerError.at(path, message, *_mark(event))


def load_yaml(path: Path) -> Source:
    """Parse `path`, raising a ComposerError with a position for every kind of failure."""
    text = read_text(path)
    limits.check_characters(path, text)
    source = Source(path, text)
    yaml = YAML(typ="safe", pure=False)
    try:
        _screen(yaml, path, text)
        node = yaml.compose(text)
        source.data = _Builder(yaml, source).build(node, ()) if node is not None else None
    except DuplicateKey as duplicate:
        first_line, _ = _mark(duplicate.first)
        message = f'the key "{duplicate.key}" appears twice (first at line {first_line}); keep one and delete the other'
        raise ComposerError.at(path, message, *_mark(duplicate.again)) from None
    except MarkedYAMLError as error:
        raise ComposerError.at(path, *_syntax_problem(error, text)) from None
    return source
