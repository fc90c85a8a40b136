"""Every web address a reader of the issue can meet, and where it is written.

The editor's links (lead, items, State Department, teasers, footer texts), the
images and their credits, and the house's own links (masthead, logo, donate button, social
accounts, unsubscribe page, the house's footer texts), each placed at its line
in the issue or in house.yaml.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from composer import markdown
from composer.model.edition import Edition
from composer.model.issue import Image
from composer.yamlsource import Source, load_yaml

# The widths the templates give an image that declares none (parts/header and parts/teasers).
TOP_IMAGE_WIDTH, TEASER_IMAGE_WIDTH = 600, 552


@dataclass(frozen=True)
class Box:
    """The size an image is declared at, and where its height is written."""

    width: int
    height: int
    at: tuple[int, int]


@dataclass(frozen=True)
class Link:
    url: str
    path: str  # the file it is written in: the issue, or its house.yaml
    at: tuple[int, int]
    image: Box | None = None  # for an image: the size it is shown at


def is_web(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


class _Places:
    """Where a value sits in one file; a file composer did not read (the built-in house) is placed at 1:1."""

    def __init__(self, path: str, source: Source | None):
        self.path, self.source = path, source
        self.uses: dict[tuple[tuple, str], int] = {}

    def of(self, loc: tuple, href: str | None = None) -> tuple[int, int]:
        """Where the value at `loc` is written, or `href` inside it; a value the file leaves to its default
        is placed where the nearest part of it that the file does write begins."""
        if self.source is None:
            return 1, 1
        if href is None or loc not in self.source.values:
            return self.source.position(loc)
        nth = self.uses.get((loc, href), 0)
        self.uses[(loc, href)] = nth + 1
        return self.source.locate(loc, href, nth)

    def link(self, loc: tuple, url: str, box: Box | None = None) -> Link:
        """A field that is a link."""
        return Link(url, self.path, self.of(loc), box)

    def prose(self, loc: tuple, text: str) -> Iterator[Link]:
        """The links inside a field of Markdown."""
        for href in markdown.links(text):
            yield Link(href, self.path, self.of(loc, href))

    def box(self, loc: tuple, width: int | None, default: int, height: int) -> Box:
        return Box(width or default, height, self.of((*loc, "height")))

    def image(self, loc: tuple, image: Image, default_width: int) -> Iterator[Link]:
        """An issue's image, and the links of its credit ("Jane Smith via [Reuters](…)")."""
        yield self.link((*loc, "url"), image.url, self.box(loc, image.width, default_width, image.height))
        if image.credit:
            yield from self.prose((*loc, "credit"), image.credit)


def _issue_links(edition: Edition) -> Iterator[Link]:
    issue = edition.issue
    places = _Places(edition.source_name, edition.source)
    for loc, text in edition.prose():
        yield from places.prose(loc, text)
    if issue.image:
        yield from places.image(("image",), issue.image, TOP_IMAGE_WIDTH)
    for n, teaser in enumerate(issue.teasers):
        yield places.link(("teasers", n, "url"), teaser.url)
        if teaser.image:
            yield from places.image(("teasers", n, "image"), teaser.image, TEASER_IMAGE_WIDTH)


def _house_links(edition: Edition) -> Iterator[Link]:
    house, issue = edition.house, edition.issue
    path = edition.house_path
    places = _Places(str(path), load_yaml(path)) if path else _Places(edition.source_name, None)
    yield places.link(("publication_url",), house.publication_url)
    if house.logo:
        box = places.box(("logo",), house.logo.width, house.logo.width, house.logo.height)
        yield places.link(("logo", "url"), house.logo.url, box)
        if house.logo.dark_url:
            yield places.link(("logo", "dark_url"), house.logo.dark_url, box)
    if edition.donate:
        yield places.link(("donate", "url"), edition.donate.url)
    for n, account in enumerate(house.social):
        yield places.link(("social", n, "url"), account.url)
    if is_web(house.unsubscribe_url) and "{" not in house.unsubscribe_url:  # not a merge tag, nor per reader
        yield places.link(("unsubscribe_url",), house.unsubscribe_url)
    # The house's texts, in the weeks the issue prints them and does not bring its own.
    for key, printed, own in (("appeal", edition.appeal, issue.footer.appeal),
                              ("subscribe", edition.subscribe, issue.footer.subscribe),
                              ("web_subscribe", edition.web_subscribe, None)):
        if printed and own is None:
            yield from places.prose((key,), printed)
    if not issue.state_department:
        key = "prior-to-publication" if issue.state_department_line == "prior-to-publication" else "standard"
        yield from places.prose(("state_department_lines", key), edition.state_department_text)


def links_of(edition: Edition) -> list[Link]:
    """Every web link and image of the issue as sent, in reading order; mailto: links are not fetched."""
    return [link for link in (*_issue_links(edition), *_house_links(edition)) if is_web(link.url)]
