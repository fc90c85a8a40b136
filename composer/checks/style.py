"""House style: what the house adds itself, typography, headline and dek, and the house's lengths."""

from __future__ import annotations

import re

from composer import markdown
from composer.checks.registry import Context, rule


@rule("DW401")
def typed_dash(ctx: Context) -> None:
    for n, item in enumerate(ctx.issue.items):
        if item.lstrip().startswith(("-", "–", "—")):
            ctx.add("DW401", ("items", n), "the item starts with a dash; the house adds the em dash itself",
                    "delete the dash at the start of the item")


@rule("DW402")
def straight_quotes(ctx: Context) -> None:
    for loc, source in ctx.prose():
        for token in markdown.parse(source):
            for child in token.children or []:
                quote = re.search(r"[\"']", child.content) if child.type == "text" else None
                if quote:
                    # A few characters before the quote find the right one; only plain ASCII ones,
                    # which typography left as typed. The column points at the quote itself.
                    before = re.search(r"[A-Za-z0-9 ,.;:()]{0,8}$", child.content[: quote.start()])[0].lstrip()
                    snippet = before + quote[0]
                    line, column = ctx.locate(loc, snippet)
                    ctx.add("DW402", loc, f"a straight quote ({quote[0]}) is left after typography",
                            "type the curly quote (“ ” ‘ ’) yourself here", at=(line, column + len(snippet) - 1))


@rule("DW403")
def stray_spaces(ctx: Context) -> None:
    if not ctx.edition.source:
        return
    for number, line in enumerate(ctx.edition.source.text.splitlines(), start=1):
        if line != line.rstrip():
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
        ctx.add("DW405", ("dek",), "the dek ends with a period; the house style leaves it off", "delete the final period")


@rule("DW406")
def lengths(ctx: Context) -> None:
    words = len(markdown.block_to_text(ctx.issue.lead).split())
    if not 350 <= words <= 900:
        ctx.add("DW406", ("lead",), f"the lead is {words} words; the house range is 350 to 900", None, key=True)
    for n, item in enumerate(ctx.issue.items):
        count = len(markdown.paragraph_text(item).split())  # its own words; a quote after it is the source's
        if not 35 <= count <= 140:
            ctx.add("DW406", ("items", n), f"this item is {count} words; the house range is 35 to 140")
    if not 3 <= len(ctx.issue.items) <= 6:
        ctx.add("DW406", ("items",), f"the issue has {len(ctx.issue.items)} items; the house runs 3 to 6", key=True)
