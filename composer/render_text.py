"""The plain-text part, rendered from the same Edition as the HTML.

It walks the Markdown tokens directly (never the HTML) and lays the parts out
in house order: wrapped at 78 columns, block quotes marked with `> `, and
links turned into numbered references listed after the section that used them.
"""

from __future__ import annotations

import re
import textwrap

from markdown_it.token import Token

from composer import markdown
from composer.model.edition import Edition
from composer.tracking import OTHER, Tagger

WIDTH = 78
RULE = "-" * 40
# Runs of spaces, tabs and line breaks in the text show as one space in the HTML: in the text part too.
_SPACES = re.compile(r"[ \t\n\r\f\v]+")


class LinkNumbers:
    """Numbers links across the whole email, and lists each section's links after it."""

    def __init__(self) -> None:
        self._numbers: dict[str, int] = {}
        self._pending: list[int] = []

    def number(self, url: str) -> int:
        n = self._numbers.setdefault(url, len(self._numbers) + 1)
        if n not in self._pending:
            self._pending.append(n)
        return n

    def flush(self) -> list[str]:
        """The reference lines for the links used since the last flush."""
        urls = {n: url for url, n in self._numbers.items()}
        lines = [f"[{n}] {urls[n]}" for n in self._pending]
        self._pending = []
        return lines


# Holds a reference marker to the word before it while lines are wrapped, so that "[6]." never
# starts a line alone; it is a space again in the text. A private-use character: no editor types it.
_GLUE = "\ue000"
_GLUED = re.compile(rf"([^\s{_GLUE}]+){_GLUE}(\[\d+\])")


def wrap(text: str, first: str = "", rest: str | None = None) -> list[str]:
    rest = first if rest is None else rest
    # A word too long to share a line with its marker (a long address) lets the marker go to the next one.
    text = _GLUED.sub(lambda m: m[1] + (_GLUE if len(m[1]) + len(m[2]) < WIDTH - len(rest) else " ") + m[2], text)
    lines: list[str] = []
    for hard_line in text.split("\n"):
        lines += textwrap.wrap(
            hard_line,
            width=WIDTH,
            initial_indent=first if not lines else rest,
            subsequent_indent=rest,
            break_long_words=False,  # a URL broken in two no longer works
            break_on_hyphens=False,
        ) or [first.rstrip()]
    return [line.replace(_GLUE, " ") for line in lines]


class TextWriter:
    def __init__(self, track: Tagger | None = None) -> None:
        self.links = LinkNumbers()
        self.blocks: list[str] = []
        self.track = track  # link tracking: each reference tagged with the part that used it
        self.part = OTHER

    def url(self, url: str) -> str:
        """A link as the current part writes it."""
        return self.track(url, self.part) if self.track else url

    # -- inline ---------------------------------------------------------------
    def inline(self, children: list[Token] | tuple[Token, ...]) -> str:
        out = []
        href = None
        for token in children:
            if token.type in ("text", "code_inline"):
                out.append(_SPACES.sub(" ", token.content))
            elif token.type == "softbreak":
                out.append(" ")
            elif token.type == "hardbreak":
                out.append("\n")
            elif token.type == "link_open":
                href = token.attrs["href"]
            elif token.type == "link_close" and href:
                out.append(f"{_GLUE}[{self.links.number(self.url(str(href)))}]")
                href = None
        return "".join(out)

    # -- blocks ---------------------------------------------------------------
    def markdown(self, source: str, first: str = "", rest: str | None = None) -> None:
        """Add the paragraphs, quotes and lists of a Markdown text as blocks."""
        self.blocks += self._blocks(list(markdown.parse(source)), first, first if rest is None else rest)

    def credit(self, label: str, source: str) -> None:
        """An image credit line; its links are the credit's own part, as in the HTML."""
        part, self.part = self.part, "image-credit"
        self.line(f"{label}: {self.inline(markdown.parse_inline(source))}")
        self.part = part

    def _blocks(self, tokens: list[Token], first: str, rest: str) -> list[str]:
        blocks: list[str] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.type == "inline":
                blocks.append("\n".join(wrap(self.inline(token.children or []), first, rest)))
                first = rest
            elif token.type in ("blockquote_open", "bullet_list_open", "ordered_list_open"):
                end = self._closing(tokens, i)
                inner = tokens[i + 1 : end]
                if token.type == "blockquote_open":
                    # One quote stays one block: its paragraphs are joined by a bare ">" line.
                    blocks.append(f"\n{rest}>\n".join(self._blocks(inner, rest + "> ", rest + "> ")))
                else:
                    blocks.append("\n".join(self._list(inner, token, rest)))
                i = end
            i += 1
        return blocks

    def _list(self, tokens: list[Token], opening: Token, indent: str) -> list[str]:
        lines: list[str] = []
        number = int(opening.attrs.get("start", 1) or 1)
        i = 0
        while i < len(tokens):
            if tokens[i].type == "list_item_open":
                end = self._closing(tokens, i)
                marker = f"{number}. " if opening.type == "ordered_list_open" else "- "
                item_blocks = self._blocks(tokens[i + 1 : end], indent + marker, indent + " " * len(marker))
                lines += "\n".join(item_blocks).split("\n")
                number += 1
                i = end
            i += 1
        return lines

    @staticmethod
    def _closing(tokens: list[Token], start: int) -> int:
        depth = 0
        for j in range(start, len(tokens)):
            depth += tokens[j].nesting
            if depth == 0:
                return j
        return len(tokens) - 1

    def line(self, text: str, first: str = "", rest: str | None = None) -> None:
        self.blocks.append("\n".join(wrap(text, first, rest)))

    def end_section(self) -> None:
        refs = self.links.flush()
        if refs:
            self.blocks.append("\n".join(refs))

    def text(self) -> str:
        return "\n\n".join(block for block in self.blocks if block.strip()) + "\n"


def render_text(edition: Edition) -> str:
    issue, house = edition.issue, edition.house
    plain = markdown.inline_to_text
    out = TextWriter(edition.track if house.tracking.enabled else None)

    if edition.web_url:
        out.line(f"View this issue in your browser: {edition.web_url}")
    out.line(edition.label.upper())
    title = wrap(edition.title)
    out.blocks.append("\n".join(title) + "\n" + "=" * max(len(line) for line in title))
    out.line(plain(issue.dek))
    if issue.authors:
        names = [plain(a) for a in issue.authors]
        out.line("By " + (" and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]))
    # After the headline block, not before it: a text-only reader meets the issue first.
    if house.social:
        out.part = "social"
        social = "Follow us on social: " + ", ".join(
            f"{plain(link.name)}{_GLUE}[{out.links.number(out.url(link.url))}]" for link in house.social)
        out.line(social)
        out.end_section()
    if issue.image:
        out.line(f"[Image: {plain(issue.image.alt)}]")
        if issue.image.caption:
            out.line(plain(issue.image.caption))
        if issue.image.credit:
            out.credit("Top image credit", issue.image.credit)
    out.part = "lead"
    out.markdown(issue.lead)
    out.end_section()

    out.line(plain(house.lead_ins.other_news))
    for number, item in enumerate(issue.items, start=1):
        out.part = f"item-{number}"
        out.markdown(item, first="— ", rest="  ")
    out.end_section()

    out.part = "state-department"
    out.line(plain(house.lead_ins.state_department))
    out.markdown(edition.state_department_text)
    out.end_section()

    if edition.appeal or edition.subscribe:
        out.blocks.append(RULE)
    if edition.appeal:
        out.part = "appeal"
        out.markdown(edition.appeal)
    if edition.donate:
        out.part = "donate"
        out.line(f"{plain(edition.donate.label)}: {out.url(edition.donate.url)}")
    if edition.subscribe:
        out.part = "subscribe"
        out.markdown(edition.subscribe)
    out.end_section()

    if issue.teasers:
        out.blocks.append(RULE)
        out.line(plain(house.lead_ins.teasers))
        for number, teaser in enumerate(issue.teasers, start=1):
            out.part = f"teaser-{number}"
            out.line(f"{plain(teaser.label)}: {plain(teaser.headline)}")  # as written: "Reporting | QiOSK"
            if teaser.image and teaser.image.caption:
                out.line(plain(teaser.image.caption))
            if teaser.image and teaser.image.credit:
                out.credit("Top image credit", teaser.image.credit)
            out.markdown(teaser.summary)
            out.line(f"Keep reading{_GLUE}[{out.links.number(out.url(teaser.url))}]")
        out.end_section()

    out.blocks.append(RULE)
    out.part = "masthead"
    out.line(
        f"You are receiving {plain(house.newsletter)} because you subscribed to it at "
        f"{plain(house.publication)} ({out.url(house.publication_url)})."
    )
    out.line(f"Unsubscribe: {house.unsubscribe_url}")
    if edition.web_url:
        out.line(f"Read this issue on the web: {edition.web_url}")
    out.line(plain(house.postal_address))
    return out.text()
