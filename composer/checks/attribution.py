"""Sources: the house always credits an outside source for the news, and credits it to the right outlet."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from composer import markdown
from composer.checks.registry import Context, rule
from composer.links.outlets import outlets_of


@rule("DW102")
def only_own_site(ctx: Context) -> None:
    own = urlsplit(ctx.house.publication_url).hostname or ""
    for n, item in enumerate(ctx.issue.items):
        hosts = {urlsplit(href).hostname or "" for href in markdown.links(item)}
        if hosts and all(h == own or h.endswith("." + own) for h in hosts):
            ctx.add("DW102", ("items", n), f"this item's only links go to {own}, the newsletter's own site",
                    "credit the outside source the news came from, with a link to it")


def _nth_uses(ctx: Context):
    """(loc, href, text, nth) of every prose link: nth counts the earlier uses of `href` in the same field."""
    uses: dict[tuple[tuple, str], int] = {}
    for loc, source in ctx.prose():
        for href, text in markdown.links_with_text(source):
            nth = uses.get((loc, href), 0)
            uses[(loc, href)] = nth + 1
            yield loc, href, text, nth


@rule("DW103")
def credited_elsewhere(ctx: Context) -> None:
    """`[Reuters](https://apnews.com/…)`: the text credits one outlet, the link goes to another one the house knows."""
    outlets = outlets_of(ctx.house)
    for loc, href, text, nth in _nth_uses(ctx):
        named = outlets.named_in(text)
        owner = outlets.owner(href)
        if named and owner is not None and not any(outlet.owns(href) for outlet in named):
            ctx.add("DW103", loc, f"the link text names {named[0].name}, but the link goes to "
                                  f"{urlsplit(href).hostname}, {owner.name}",
                    f"credit {owner.name}, or link {named[0].name}'s own report", at=ctx.locate(loc, href, nth))


_ACCORDING_TO = re.compile(r"\b(according)\s+to\s+", re.I)


def _words_and_links(source: str) -> tuple[str, list[tuple[int, str]]]:
    """The words of an item's paragraph, and where each link's text starts in them, with its target."""
    inline = next((t for t in markdown.parse(source) if t.type == "inline"), None)
    words, links = "", []
    for token in inline.children or [] if inline else []:
        if token.type == "link_open":
            links.append((len(words), str(token.attrs["href"])))
        else:
            words += markdown.words_of([token])
    return words, links


@rule("DW104")
def credit_without_link(ctx: Context) -> None:
    """"…, according to Reuters." with no link to Reuters anywhere in the item: the credit is not sourced."""
    outlets = outlets_of(ctx.house)
    for n, item in enumerate(ctx.issue.items):
        words, links = _words_and_links(item)
        seen: dict[str, int] = {}
        for match in _ACCORDING_TO.finditer(words):
            word = match[1]
            nth = seen.get(word, 0)
            seen[word] = nth + 1
            credited = outlets.starts_with(words[match.end():match.end() + 80])
            linked_here = any(re.fullmatch(r"(?:the\s+)?", words[match.end():start], re.I) for start, _ in links
                              if start >= match.end())
            if credited is None or linked_here or any(credited[0].owns(href) for _, href in links):
                continue
            outlet, written = credited
            ctx.add("DW104", ("items", n), f"the item credits {outlet.name} ('{word} to {written}…'), but none of "
                                           f"its links goes to {outlet.domains[0]}",
                    f"link the outlet's name to its report: {word} to [{written}](https://{outlet.domains[0]}/…)",
                    at=ctx.locate(("items", n), word, nth))
