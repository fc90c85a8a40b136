"""Sources: the house always credits an outside source for the news."""

from __future__ import annotations

from urllib.parse import urlsplit

from composer import markdown
from composer.checks.registry import Context, rule


@rule("DW102")
def only_own_site(ctx: Context) -> None:
    own = urlsplit(ctx.house.publication_url).hostname or ""
    for n, item in enumerate(ctx.issue.items):
        hosts = {urlsplit(href).hostname or "" for href in markdown.links(item)}
        if hosts and all(h == own or h.endswith("." + own) for h in hosts):
            ctx.add("DW102", ("items", n), f"this item's only links go to {own}, the newsletter's own site",
                    "credit the outside source the news came from, with a link to it")
