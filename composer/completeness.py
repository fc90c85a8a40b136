"""Nothing the editor wrote goes missing between the content model and the finished HTML.

Templates, mjml-python and premailer (lxml) stand between the two, and each can
drop text without a word: lxml leaves out a text node over its size limit, a
theme override can forget a part. So the words of every prose field are looked
for, in order, in the text of the finished HTML; a build whose HTML lacks them
is refused rather than written over the previous one.

Both sides are read the same way: each field's Markdown is rendered to HTML
and its text taken exactly as the finished HTML's is, so a link or emphasis
touching a letter (`told[PBS](…)`, `**un**likely`) reads alike on both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TypeVar

from lxml import etree

from composer import markdown
from composer.diagnostics import Diagnostic
from composer.model.edition import Edition

_WORD = re.compile(r"\w+")
K = TypeVar("K")
# Elements that set their text apart from what comes before and after; every other element
# (a link, emphasis, a span) runs on with the letters around it, as a reader sees it.
_BLOCKS = frozenset({"address", "article", "aside", "blockquote", "body", "br", "center", "div", "dd", "dl", "dt",
                     "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
                     "main", "nav", "ol", "p", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"})


def _words(text: str) -> str:
    return " ".join(_WORD.findall(text))


def _shown_text(element) -> str:
    """The text of an element as a reader sees it: block elements apart, inline ones run on, comments left out."""
    parts: list[str] = []
    stack = [(element, False)]
    while stack:  # not recursive: a theme may nest elements deeper than Python's stack
        node, closed = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else None  # comments and processing instructions have none
        if tag in _BLOCKS:
            parts.append(" ")
        if closed:
            if node.tail and node is not element:
                parts.append(node.tail)
            continue
        if tag and node.text:
            parts.append(node.text)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node))
    return "".join(parts)


def _block(source: str) -> str:
    return markdown.to_html(source)


def _inline(source: str) -> str:
    return markdown.inline_to_html(source)


def _as_read(parts: list[tuple[K, str]]) -> list[tuple[K, str]]:
    """Each part's HTML as its words, read as the finished HTML is read: all parts in one parse, each in
    a block of its own (lxml parses one document fast; fifteen small ones cost as much as the page)."""
    if not parts:
        return []
    page = "".join(f"<div>{html}</div>" for _, html in parts)
    body = etree.fromstring(f"<html><body>{page}</body></html>".encode(), etree.HTMLParser(encoding="utf-8"))
    blocks = body.find("body")
    return [(name, _words(_shown_text(block))) for (name, _), block in zip(parts, blocks, strict=True)]


def _fields(edition: Edition) -> Iterator[tuple[tuple, str]]:
    """The words of the editor's prose, in reading order, with where each part sits in the issue file."""
    yield from _as_read(list(_field_html(edition)))


def _field_html(edition: Edition) -> Iterator[tuple[tuple, str]]:
    issue = edition.issue
    yield ("headline",), _inline(issue.headline)
    yield ("dek",), _inline(issue.dek)
    if issue.image and issue.image.caption:
        yield ("image", "caption"), _inline(issue.image.caption)
    if issue.image and issue.image.credit:
        yield ("image", "credit"), _inline(issue.image.credit)
    yield ("lead",), _block(issue.lead)
    for n, item in enumerate(issue.items):
        yield ("items", n), _block(item)
    if issue.state_department:
        yield ("state_department",), _block(issue.state_department)
    if issue.state_department_note:
        yield ("state_department_note",), _block(issue.state_department_note)
    for n, teaser in enumerate(issue.teasers):
        if teaser.image and teaser.image.caption:
            yield ("teasers", n, "image", "caption"), _inline(teaser.image.caption)
        yield ("teasers", n, "headline"), _inline(teaser.headline)
        yield ("teasers", n, "summary"), _block(teaser.summary)


def _house_parts(edition: Edition) -> Iterator[tuple[str, str]]:
    """What the house adds and every issue must show: above all what the law asks of a commercial email."""
    yield from _as_read(list(_house_html(edition)))


def _house_html(edition: Edition) -> Iterator[tuple[str, str]]:
    if not (edition.issue.state_department or edition.issue.state_department_note):
        yield "state_department_lines", _block(edition.state_department_text)
    if edition.appeal:
        yield "appeal", _block(edition.appeal)
    if edition.subscribe:
        yield "subscribe", _block(edition.subscribe)
    yield "postal_address", _inline(edition.house.postal_address)


def _name(loc: tuple) -> str:
    """`items[2]`, `image.caption`, `teasers[0].headline`: the field as the editor finds it in the file."""
    return str(loc[0]) + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc[1:])


def _parsed(html: str):
    """The body of the finished HTML as a reader sees it (the head's CSS and hidden text left out)."""

    document = etree.fromstring(html.encode("utf-8"), etree.HTMLParser())
    body = document.find("body")
    body = body if body is not None else document
    # Hidden text is not shown text: the inbox preheader repeats the dek, and must not stand in for it.
    for hidden in body.xpath("//*[contains(translate(@style, ' ', ''), 'display:none')]"):
        parent, before = hidden.getparent(), hidden.getprevious()
        if hidden.tail:  # the text after the hidden element is shown: keep it
            if before is not None:
                before.tail = (before.tail or "") + hidden.tail
            else:
                parent.text = (parent.text or "") + hidden.tail
        parent.remove(hidden)
    return body


def lost_content(edition: Edition, html: str) -> list[Diagnostic]:
    """A located diagnostic for each prose field whose words the HTML does not hold."""
    body = _parsed(html)
    shown = _words(_shown_text(body))
    problems = []
    position = 0  # the parts come in reading order, so each search starts where the last one ended
    for loc, wanted in _fields(edition):
        if not wanted:
            continue
        found = shown.find(wanted, position)
        if found < 0:
            found = shown.find(wanted)  # a theme may order the parts differently
        if found < 0:
            line, column = edition.position(loc)
            problems.append(Diagnostic(
                path=edition.source_name, line=line, column=column,
                message=f"the text of `{_name(loc)}` is missing from the finished HTML (the theme or the HTML tools "
                        "dropped it); nothing was written; shorten the text, or check the house's template overrides",
            ))
        else:
            position = found + len(wanted)
    # The house's parts come from house.yaml; only a template override can drop them.
    house_file = str(edition.house_path) if edition.house_path else edition.source_name
    wanted_parts = dict(_house_parts(edition))
    missing = [name for name, wanted in wanted_parts.items() if wanted and wanted not in shown]
    if edition.house.unsubscribe_url not in {a.get("href") for a in body.iter("a")}:
        missing.append("unsubscribe_url")
    problems += [Diagnostic(
        path=house_file, line=1, column=1,
        message=f"the house's `{name}` is missing from the finished HTML; every issue must show it, so "
                "nothing was written; put it back in the house's template overrides",
    ) for name in missing]
    return problems
