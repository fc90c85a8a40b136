"""The web edition's HTML: issue pages and archive pages, from the Edition and its Markdown.

Never from the email's HTML: the page is semantic HTML5 (an article, one h1,
figure and figcaption, lists and block quotes) where the email is tables. Links
are written as the editor wrote them; the email's utm_ tags say "email", and a
web page is not one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from markupsafe import Markup

from composer import markdown
from composer.context import house_data, template_data
from composer.diagnostics import ComposerError
from composer.model.edition import DEFAULT_PAGE, Edition
from composer.model.house import House
from composer.theme import render
from composer.web.layout import ATOM, JSON_FEED, Layout, layout, link

PAGE = "web/page.html.j2"
CONTENT = "web/content.html.j2"
ARCHIVE = "web/archive.html.j2"


@dataclass
class Entry:
    """What the archive, the feeds and the sitemap know of an issue, kept between builds."""

    source: str  # the issue file's name
    hash: str  # of the issue file, so an unchanged issue is not read again
    file: str  # the page's path in the site
    url: str  # its absolute address
    date: str
    title: str
    headline_html: str
    dek: str
    dek_html: str
    label: str
    authors: list[str] = field(default_factory=list)
    image: dict | None = None
    content_html: str = ""

    def view(self, from_file: str) -> dict:
        """The entry as an archive page shows it, its link relative to that page."""
        return {**self.__dict__, "link": link(from_file, self.file), "headline_html": Markup(self.headline_html),
                "dek_html": Markup(self.dek_html), "date_text": long_date(date.fromisoformat(self.date))}


def long_date(value) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def _dashed(source: str) -> Markup:
    """An item as the house prints it: its first paragraph opens with an em dash."""
    return Markup(markdown.to_html(source).replace("<p>", "<p>—\u00a0", 1))


def _json_ld(data: dict) -> Markup:
    # Escaped so that no text in it can close the <script> element it sits in.
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _site(layout: Layout, house: House, file: str) -> dict:
    """The links every page of the site carries, relative to the page `file`."""
    return {
        "home": link(file, Layout.index_file(1)),
        "atom": link(file, ATOM),
        "json_feed": link(file, JSON_FEED),
        "name": markdown.inline_to_text(house.newsletter),
    }


def _article_data(edition: Edition, url: str) -> dict:
    issue, house = edition.issue, edition.house
    publisher: dict = {"@type": "Organization", "name": markdown.inline_to_text(house.publication),
                 "url": house.publication_url}
    if house.logo:
        publisher["logo"] = {"@type": "ImageObject", "url": house.logo.url}
    authors = [{"@type": "Person", "name": markdown.inline_to_text(a)} for a in issue.authors] or [publisher]
    data: dict = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": edition.title,
        "description": markdown.inline_to_text(issue.dek),
        "datePublished": issue.date.isoformat(),
        "dateModified": issue.date.isoformat(),
        "author": authors,
        "publisher": publisher,
        "mainEntityOfPage": url,
        "url": url,
        "articleSection": markdown.inline_to_text(issue.section),
        "inLanguage": house.language,
    }
    if issue.image:
        data["image"] = [issue.image.url]
    return data


def _context(edition: Edition) -> dict:
    # Markdown is rendered without a part name (`| markdown`), so no link gets the email's utm_ tags.
    return {**template_data(edition), "dashed": _dashed, "long_date": long_date}


def render_content(edition: Edition) -> str:
    """The issue's text as a feed carries it: the top image, the lead, the items, the State Department."""
    return render(edition.theme_dir, CONTENT, _context(edition))


def render_page(edition: Edition, layout: Layout, source_hash: str = "") -> tuple[str, Entry]:
    """The issue's web page, and its entry for the archive and the feeds."""
    issue = edition.issue
    file, url = layout.page_file(edition), layout.page_url(edition)
    image = {"url": issue.image.url, "alt": markdown.inline_to_text(issue.image.alt)} if issue.image else None
    page: dict = {
        "file": file,
        "url": url,
        "description": markdown.inline_to_text(issue.dek),
        "image": image,
        # A week without a top image still shares with a picture: the publication's logo.
        "share_image": image or ({"url": edition.house.logo.url, "alt": markdown.inline_to_text(edition.house.logo.alt)}
                                 if edition.house.logo else None),
        "date_text": long_date(issue.date),
        "json_ld": _json_ld(_article_data(edition, url)),
    }
    context = {**_context(edition), "page": page, "site": _site(layout, edition.house, file)}
    html = render(edition.theme_dir, PAGE, context)
    entry = Entry(
        source=Path(edition.source_name).name, hash=source_hash, file=file, url=url, date=issue.date.isoformat(),
        title=edition.title, headline_html=markdown.inline_to_html(issue.headline),
        dek=markdown.inline_to_text(issue.dek), dek_html=markdown.inline_to_html(issue.dek), label=edition.label,
        authors=[markdown.inline_to_text(a) for a in issue.authors], image=image,
        content_html=render_content(edition),
    )
    return html, entry


def render_archive(house: House, theme_dir: Path | None, layout: Layout, file: str, entries: list[Entry], *,
                   heading: str, number: int = 1, pages: int = 1, years: list[int] | None = None) -> str:
    """One archive page: the issues newest first, with links to the pages before and after it."""
    url = layout.absolute(file)
    prev_file = Layout.index_file(number - 1) if number > 1 else None
    next_file = Layout.index_file(number + 1) if number < pages else None
    archive = {
        "file": file,
        "url": url,
        "heading": heading,
        "number": number,
        "pages": pages,
        "entries": [entry.view(file) for entry in entries],
        "prev": link(file, prev_file) if prev_file else None,
        "next": link(file, next_file) if next_file else None,
        "years": [{"year": year, "link": link(file, Layout.year_file(year))} for year in years or []],
        "description": f"Every issue of {markdown.inline_to_text(house.newsletter)}, newest first.",
    }
    context = {"edition": None, "house": house_data(house), "archive": archive, "site": _site(layout, house, file),
               "long_date": long_date}
    return render(theme_dir, ARCHIVE, context)


def render_preview(edition: Edition) -> str:
    """The issue's page for `composer preview`: at the site's address, or at a stand-in one when none is set."""
    try:
        lay = layout(edition.house, edition.house_path, None)
    except ComposerError:
        lay = Layout("https://example.invalid/", DEFAULT_PAGE)  # no site yet: the page still shows
    return render_page(edition, lay)[0]
