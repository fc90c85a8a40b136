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

from composer import markdown
from composer.diagnostics import Diagnostic
from composer.model.edition import Edition

_WORD = re.compile(r"\w+")


def _words(text: str) -> str:
    return " ".join(_WORD.findall(text))


def _fields(edition: Edition) -> Iterator[tuple[tuple, str]]:
    issue = edition.issue
    yield ("headline",), markdown.inline_to_text(issue.headline)
    yield ("lead",), markdown.block_to_text(issue.lead)
    for n, item in enumerate(issue.items):
        yield ("items", n), markdown.block_to_text(item)
    if issue.state_department:
        yield ("state_department",), markdown.block_to_text(issue.state_department)


def _name(loc: tuple) -> str:
    return str(loc[0]) + "".join(f"[{part}]" for part in loc[1:])


def html_words(html: str) -> str:
    """The words a reader sees in the HTML, in order (the head's CSS and comments left out)."""
    from lxml import etree  # already loaded by premailer; lxml.html would cost 2 ms more

    document = etree.fromstring(html.encode("utf-8"), etree.HTMLParser())
    body = document.find("body")
    return _words(" ".join((body if body is not None else document).itertext()))


def lost_content(edition: Edition, html: str) -> list[Diagnostic]:
    """A located diagnostic for each prose field whose words the HTML does not hold."""
    shown = html_words(html)
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
    return problems
