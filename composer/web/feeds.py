"""What the web edition offers to machines: an Atom feed (feedgen), a JSON Feed 1.1 and a sitemap.

All three are made from the archive's entries, newest first, with absolute
addresses only. Dates are the issue dates, so that an unchanged archive gives
byte-identical files and an incremental build need not rewrite them.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from xml.etree import ElementTree

from composer import markdown
from composer.model.house import House
from composer.web.layout import ATOM, JSON_FEED, Layout
from composer.web.render import Entry

FEED_SIZE = 20
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _published(entry: Entry) -> datetime:
    return datetime.combine(date.fromisoformat(entry.date), datetime.min.time(), tzinfo=UTC)


def _title(house: House) -> str:
    return markdown.inline_to_text(house.newsletter)


def _subtitle(house: House) -> str:
    return f"{_title(house)}, from {markdown.inline_to_text(house.publication)}"


def atom(house: House, layout: Layout, entries: list[Entry]) -> bytes:
    """The Atom feed of the latest issues, each with its full text."""
    from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]  # imports lxml; only a site build needs it

    latest = entries[:FEED_SIZE]
    feed = FeedGenerator()
    feed.id(layout.base_url)
    feed.title(_title(house))
    feed.subtitle(_subtitle(house))
    feed.author({"name": markdown.inline_to_text(house.publication)})
    feed.link(href=layout.absolute(ATOM), rel="self", type="application/atom+xml")
    feed.link(href=layout.base_url, rel="alternate", type="text/html")
    feed.language(house.language)
    feed.updated(_published(latest[0]) if latest else datetime(1970, 1, 1, tzinfo=UTC))
    for entry in latest:
        item = feed.add_entry(order="append")  # the entries are already newest first
        item.id(entry.url)
        item.title(entry.title)
        item.link(href=entry.url, rel="alternate", type="text/html")
        item.published(_published(entry))
        item.updated(_published(entry))
        item.summary(entry.dek)
        item.content(entry.content_html, type="html")
        item.category(term=entry.label)
        for name in entry.authors:
            item.author({"name": name})
    return feed.atom_str(pretty=True)


def json_feed(house: House, layout: Layout, entries: list[Entry]) -> bytes:
    """JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) of the latest issues."""
    items = []
    for entry in entries[:FEED_SIZE]:
        item: dict = {
            "id": entry.url,
            "url": entry.url,
            "title": entry.title,
            "content_html": entry.content_html,
            "summary": entry.dek,
            "date_published": _published(entry).isoformat(),
            "tags": [entry.label],
        }
        if entry.authors:
            item["authors"] = [{"name": name} for name in entry.authors]
        if entry.image:
            item["image"] = entry.image["url"]
        items.append(item)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": _title(house),
        "description": _subtitle(house),
        "home_page_url": layout.base_url,
        "feed_url": layout.absolute(JSON_FEED),
        "language": house.language,
        "authors": [{"name": markdown.inline_to_text(house.publication), "url": house.publication_url}],
        "items": items,
    }
    return json.dumps(feed, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def sitemap(layout: Layout, pages: list[tuple[str, str | None]]) -> bytes:
    """sitemap.xml: (file, last modified date or None) for every page of the site."""
    urlset = ElementTree.Element("urlset", xmlns=SITEMAP_NS)
    for file, modified in pages:
        url = ElementTree.SubElement(urlset, "url")
        ElementTree.SubElement(url, "loc").text = layout.absolute(file)
        if modified:
            ElementTree.SubElement(url, "lastmod").text = modified
    ElementTree.indent(urlset)
    return ElementTree.tostring(urlset, encoding="utf-8", xml_declaration=True) + b"\n"
