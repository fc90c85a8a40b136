"""Links: well-formed, to the source itself, saying where they go, and tracked as the house asks."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from composer.checks.registry import Context, rule
from composer.tracking import UTM_KEYS, has_utm, utm_keys

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
        if " " in href or "." not in host or not re.fullmatch(r"[a-z0-9.-]+", host):
            ctx.add("DW301", loc, f"the link '{href}' is not a well-formed web address",
                    "copy the address again from the browser's address bar", snippet=href)


@rule("DW302")
def repeated(ctx: Context) -> None:
    seen: dict[str, tuple] = {}
    for loc, href, _ in ctx.links():
        if href in seen:
            first_line = ctx.locate(seen[href], href)[0]
            ctx.add("DW302", loc, f"the link '{href}' also appears at line {first_line}",
                    "keep one, or add DW302 to `silence:` if the same source is meant", snippet=href)
        else:
            seen[href] = loc


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


@rule("DW601")
def tracking(ctx: Context) -> None:
    """With tracking on, every outbound link of the finished HTML is tagged, and no other."""
    if not ctx.house.tracking.enabled:
        return
    from lxml import html as lxml_html  # only for a house that tracks

    skip = {ctx.house.unsubscribe_url, ctx.edition.web_url}
    for a in lxml_html.fromstring(ctx.html.encode()).iter("a"):
        href = a.get("href", "")
        scheme = urlsplit(href).scheme
        tagged = has_utm(href)
        if href in skip or scheme == "mailto":
            if tagged:
                ctx.add("DW601", (), f"the link '{href}' must not carry tracking", None, at=(1, 1))
        elif scheme in ("http", "https"):
            keys = utm_keys(href) & set(UTM_KEYS)
            if keys != set(UTM_KEYS):
                ctx.add("DW601", (), f"the link '{href}' lacks {', '.join(sorted(set(UTM_KEYS) - keys))}",
                        "pass the link through the `track` filter in the theme", at=(1, 1))
