"""A YAML comment inside the editor's text: in a value written on the line, ` #` starts a
comment, so the text ends there and what follows is never printed (`… all day. #StandWithUkraine`).

ruamel.yaml's round-trip loader keeps every comment with its place; it is ten times slower than
the loader composer reads issues with, so it only runs when some line has a ` #` after text.
"""

from __future__ import annotations

import re

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase, CommentedMap
from ruamel.yaml.error import YAMLError

from composer.checks.registry import Context, rule

_MAYBE = re.compile(r"[^\s#][ \t]+#")


def _comments(text: str):
    """The issue as ruamel.yaml's round-trip loader reads it, comments attached; None if it cannot."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True  # so that a quoted value, where `#` is text, can be told from a plain one
    try:
        return yaml.load(text)
    except YAMLError:
        return None


@rule("DW002")
def cut_by_a_comment(ctx: Context) -> None:
    source = ctx.edition.source
    if source is None or not _MAYBE.search(source.text):
        return
    data = _comments(source.text)
    lines = source.text.splitlines()
    for loc, _ in ctx.prose():
        parent = data
        try:
            for part in loc[:-1]:
                parent = parent[part]  # type: ignore[index]
            value = parent[loc[-1]]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            continue
        # Only a plain value: in quotes, or in a `|` or `>` block, a `#` is text.
        if type(value) is not str or not isinstance(parent, CommentedBase):
            continue
        slots = parent.ca.items.get(loc[-1]) or []
        slot = 2 if isinstance(parent, CommentedMap) else 0  # where ruamel keeps the comment after a value
        comment = slots[slot] if len(slots) > slot else None
        if comment is None or not comment.value.startswith("#"):
            continue
        line, column = comment.start_mark.line + 1, comment.start_mark.column + 1
        if line > len(lines) or not lines[line - 1][: column - 1].strip():
            continue  # a comment on a line of its own cuts nothing
        cut = comment.value.splitlines()[0]
        ctx.add("DW002", loc, f"the text ends at this ` #`, which starts a YAML comment: '{cut}' is not printed",
                "if it belongs to the text, write the value as a block: `>-` after the colon or dash, "
                "with the text indented on the lines below", at=(line, column))
