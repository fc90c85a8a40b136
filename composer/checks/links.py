"""Links: well-formed, to the source itself, and saying where they go."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from composer.checks.registry import Context, rule
from composer.hosts import private_host
from composer.tracking import has_utm

SHORTENERS = {
    "bit.ly", "t.co", "tinyurl.com", "ow.ly", "buff.ly", "goo.gl", "is.gd", "lnkd.in", "trib.al", "dlvr.it",
    "rb.gy", "shorturl.at", "cutt.ly", "tiny.cc", "rebrand.ly", "bl.ink", "t.ly", "s.id", "v.gd", "qr.ae",
}
VAGUE_LINK_TEXT = {"click here", "here", "read more", "more", "this", "this link", "link", "learn more", "click"}


def _web_links(ctx: Context):
    """(loc, href, host) of every http(s) link the editor wrote."""
    for loc, href, _ in ctx.links():
        parts = urlsplit(href)
        if parts.scheme in ("http", "https"):
            yield loc, href, parts.hostname or ""


@rule("DW301")
def malformed(ctx: Context) -> None:
    for loc, href, host in _web_links(ctx):
        if private_host(host):
            ctx.add("DW301", loc, f"the link '{href}' points to this machine or a private network, which readers "
                    "cannot reach", "link the page's public address", snippet=href)
        elif " " in href or "." not in host or not re.fullmatch(r"[a-z0-9.-]+", host):
            ctx.add("DW301", loc, f"the link '{href}' is not a well-formed web address",
                    "copy the address again from the browser's address bar", snippet=href)


@rule("DW302")
def repeated(ctx: Context) -> None:
    """Each repeat of a link, reported where the repeat is, naming the line of the first use."""
    first: dict[str, tuple[int, int]] = {}
    uses: dict[tuple[tuple, str], int] = {}  # how often a link came up so far in one field
    for loc, href, _ in ctx.links():
        nth = uses.get((loc, href), 0)
        uses[(loc, href)] = nth + 1
        at = ctx.locate(loc, href, nth)
        if href in first:
            ctx.add("DW302", loc, f"the link '{href}' also appears at line {first[href][0]}",
                    "keep one, or add DW302 to `silence:` if the same source is meant", at=at)
        else:
            first[href] = at


@rule("DW303")
def shortened(ctx: Context) -> None:
    for loc, href, host in _web_links(ctx):
        if host.removeprefix("www.") in SHORTENERS:
            ctx.add("DW303", loc, f"the link '{href}' goes through the shortener {host}",
                    "link to the page itself; shorteners hide the source and look like spam", snippet=href)


@rule("DW304")
def vague_text(ctx: Context) -> None:
    for loc, _, text in ctx.links():
        if " ".join(text.lower().split()).strip(".!:") in VAGUE_LINK_TEXT:
            ctx.add("DW304", loc, f"the link text '{text}' does not say where the link goes",
                    "link the outlet's or document's name instead", snippet=f"[{text}]")


@rule("DW305")
def hand_typed_utm(ctx: Context) -> None:
    for loc, href, _ in _web_links(ctx):
        if has_utm(href):
            ctx.add("DW305", loc, f"the link '{href}' carries utm_ parameters typed by hand",
                    "remove them; composer adds tracking itself when the house turns it on", snippet=href)
