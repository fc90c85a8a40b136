"""Nothing the editor wrote goes missing between the content model and the finished HTML.

Templates, mjml-python and premailer (lxml) stand between the two, and each can
drop text without a word: lxml leaves out a text node over its size limit, a
theme override can forget a part. So the words of every prose field are looked
for, in order, in the text of the finished HTML; a build whose HTML lacks them
is refused rather than written over the previous one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from composer import markdown
from composer.diagnostics import Diagnostic
from composer.model.edition import Edition

_WORD = re.compile(r"\w+")


def _words(text: str) -> str:
    return " ".join(_WORD.findall(text))


def _fields(edition: Edition) -> Iterator[tuple[tuple, str]]:
    """The editor's prose, in reading order, with where each part sits in the issue file."""
    issue = edition.issue
    yield ("headline",), markdown.inline_to_text(issue.headline)
    yield ("dek",), markdown.inline_to_text(issue.dek)
    if issue.image and issue.image.credit:
        yield ("image", "credit"), markdown.inline_to_text(issue.image.credit)
    yield ("lead",), markdown.block_to_text(issue.lead)
    for n, item in enumerate(issue.items):
        yield ("items", n), markdown.block_to_text(item)
    if issue.state_department:
        yield ("state_department",), markdown.block_to_text(issue.state_department)
    for n, teaser in enumerate(issue.teasers):
        yield ("teasers", n, "headline"), markdown.inline_to_text(teaser.headline)
        yield ("teasers", n, "summary"), markdown.block_to_text(teaser.summary)


def _house_parts(edition: Edition) -> Iterator[tuple[str, str]]:
    """What the house adds and every issue must show: above all what the law asks of a commercial email."""
    if not edition.issue.state_department:
        yield "state_department_lines", markdown.block_to_text(edition.state_department_text)
    if edition.appeal:
        yield "appeal", markdown.block_to_text(edition.appeal)
    if edition.subscribe:
        yield "subscribe", markdown.block_to_text(edition.subscribe)
    yield "postal_address", markdown.inline_to_text(edition.house.postal_address)


def _name(loc: tuple) -> str:
    return str(loc[0]) + "".join(f"[{part}]" for part in loc[1:])


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
    shown = _words(" ".join(body.itertext()))
    problems = []
    position = 0  # the parts come in reading order, so each search starts where the last one ended
    for loc, text in _fields(edition):
        wanted = _words(text)
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
    wanted_parts = {name: _words(text) for name, text in _house_parts(edition)}
    missing = [name for name, wanted in wanted_parts.items() if wanted and wanted not in shown]
    if edition.house.unsubscribe_url not in {a.get("href") for a in body.iter("a")}:
        missing.append("unsubscribe_url")
    problems += [Diagnostic(
        path=house_file, line=1, column=1,
        message=f"the house's `{name}` is missing from the finished HTML; every issue must show it, so "
                "nothing was written; put it back in the house's template overrides",
    ) for name in missing]
    return problems
