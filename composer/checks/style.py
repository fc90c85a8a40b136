"""House style: what the house adds itself, typography, headline and dek, and the house's lengths."""

from __future__ import annotations

import re

from composer import markdown
from composer.checks.registry import Context, rule
from composer.model.ranges import ITEM_WORDS, ITEMS, LEAD_PARAGRAPHS, LEAD_WORDS, TEASERS
from composer.wording import counted


@rule("DW401")
def typed_dash(ctx: Context) -> None:
    for n, item in enumerate(ctx.issue.items):
        if item.lstrip().startswith(("-", "–", "—")):
            ctx.add("DW401", ("items", n), "the item starts with a dash; the house adds the em dash itself",
                    "delete the dash at the start of the item")


@rule("DW402")
def straight_quotes(ctx: Context) -> None:
    for loc, source in ctx.prose():
        seen: dict[str, int] = {}  # the same few characters twice in one field: each at its own place
        for token in markdown.parse(source):
            for child in token.children or []:
                quote = re.search(r"[\"']", child.content) if child.type == "text" else None
                if quote:
                    # A few characters before the quote find the right one; only plain ASCII ones,
                    # which typography left as typed. The column points at the quote itself.
                    tail = re.search(r"[A-Za-z0-9 ,.;:()]{0,8}$", child.content[: quote.start()])
                    before = tail[0].lstrip() if tail else ""
                    snippet = before + quote[0]
                    nth = seen[snippet] = seen.get(snippet, -1) + 1
                    line, column = ctx.locate(loc, snippet, nth)
                    ctx.add("DW402", loc, f"a straight quote ({quote[0]}) is left after typography",
                            "type the curly quote (“ ” ‘ ’) yourself here", at=(line, column + len(snippet) - 1))


def _line_breaks(ctx: Context) -> set[int]:
    """The lines of the file that end in Markdown's line break: two spaces at the end of a line
    inside a `|` block, with the paragraph going on below. Those spaces are meant."""
    source = ctx.edition.source
    found: set[int] = set()
    if source is None:
        return found
    starts = source.line_starts()
    for loc, _ in ctx.prose():
        line, column = source.position(loc)
        written = source.data
        for part in loc:
            try:
                written = written[part]
            except (KeyError, IndexError, TypeError):
                written = None
        offset = starts[line - 1] + column - 1 if line <= len(starts) else len(source.text)
        if not isinstance(written, str) or not source.text.startswith("|", offset):
            continue  # only a literal block keeps the spaces at the ends of its lines
        rows = written.split("\n")
        for n, row in enumerate(rows[:-1]):
            if row.endswith("  ") and row.strip() and rows[n + 1].strip():
                found.add(line + 1 + n)  # the block's text starts on the line after the `|`
    return found


@rule("DW403")
def stray_spaces(ctx: Context) -> None:
    if not ctx.edition.source:
        return
    breaks = _line_breaks(ctx)
    for number, line in enumerate(ctx.edition.source.text.splitlines(), start=1):
        if line != line.rstrip() and number not in breaks:
            ctx.add("DW403", (), "trailing whitespace at the end of the line", "delete it",
                    at=(number, len(line.rstrip()) + 1))
        # (Spaces that line up a trailing YAML comment are not doubled spaces in the text.)
        double = re.search(r"(?<=\S)  +(?=[^\s#])", line)
        if double and not line.lstrip().startswith("#"):
            ctx.add("DW403", (), "doubled space", "use a single space", at=(number, double.start() + 1))


@rule("DW404")
def name_in_headline(ctx: Context) -> None:
    name = ctx.house.newsletter
    if name.lower() in markdown.inline_to_text(ctx.issue.headline).lower():
        ctx.add("DW404", ("headline",), f"the headline repeats '{name}', which the house puts before it",
                f"remove '{name}' from the headline")


@rule("DW405")
def dek_period(ctx: Context) -> None:
    dek = markdown.inline_to_text(ctx.issue.dek)
    if dek.endswith(".") and not dek.endswith("…"):
        ctx.add("DW405", ("dek",), "the dek ends with a period; the house style leaves it off",
                "delete the final period")


@rule("DW406")
def lengths(ctx: Context) -> None:
    issue = ctx.issue
    words = len(markdown.block_to_text(issue.lead).split())
    paragraphs = sum(token.type == "paragraph_open" and token.level == 0 for token in markdown.parse(issue.lead))
    if words not in LEAD_WORDS or paragraphs not in LEAD_PARAGRAPHS:
        ctx.add("DW406", ("lead",), f"the lead is {counted(words, 'word')} in {counted(paragraphs, 'paragraph')}; "
                f"the house runs {LEAD_PARAGRAPHS} paragraphs, {LEAD_WORDS} words", None, key=True)
    for n, item in enumerate(issue.items):
        count = len(markdown.paragraph_text(item).split())  # its own words; a quote after it is the source's
        if count not in ITEM_WORDS:
            ctx.add("DW406", ("items", n), f"this item is {counted(count, 'word')}; the house range is {ITEM_WORDS}")
    if len(issue.items) not in ITEMS:
        ctx.add("DW406", ("items",), f"the issue has {counted(len(issue.items), 'item')}; the house runs {ITEMS}",
                key=True)
    if issue.teasers and len(issue.teasers) not in TEASERS:
        ctx.add("DW406", ("teasers",), f"the issue has {counted(len(issue.teasers), 'teaser')}; the house runs "
                f"{TEASERS}, or none", key=True)
