"""Where everything of the web edition lives: file paths in the output folder, and their addresses.

An issue's page sits where the house's `web_url` pattern puts it, taken
relative to the site's address, so that the email's "View in browser" link and
the page's canonical address are one and the same.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from composer.diagnostics import ComposerError
from composer.model.edition import DEFAULT_PAGE, Edition
from composer.model.house import House
from composer.yamlsource import load_yaml

PER_PAGE = 20
ATOM = "atom.xml"
JSON_FEED = "feed.json"
SITEMAP = "sitemap.xml"
INDEX = "index.html"


def _folder_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def page_file(relative_url: str) -> str:
    """The file that serves a relative address: folders get their index.html."""
    if relative_url == "" or relative_url.endswith("/"):
        return relative_url + INDEX
    if posixpath.splitext(relative_url)[1] in (".html", ".htm"):
        return relative_url
    return relative_url + "/" + INDEX  # most servers answer /x with /x/index.html


def url_of(file: str) -> str:
    """The relative address of a file: a folder's index.html is the folder itself."""
    return file[: -len(INDEX)] if file == INDEX or file.endswith("/" + INDEX) else file


def link(from_file: str, to_file: str) -> str:
    """A relative link between two files of the site, so it works at any address (and from disk)."""
    target = url_of(to_file)
    start = posixpath.dirname(from_file) or "."
    if target == "" or target.endswith("/"):
        relative = posixpath.relpath(target.rstrip("/") or ".", start)
        return "./" if relative == "." else relative + "/"
    return posixpath.relpath(target, start)


@dataclass(frozen=True)
class Layout:
    base_url: str  # absolute, ending in "/"
    pattern: str  # an issue page's address relative to base_url, with {date} and {slug}

    def page_url(self, edition: Edition) -> str:
        return self.base_url + self.relative_url(edition)

    def relative_url(self, edition: Edition) -> str:
        return self.pattern.format(date=edition.issue.date.isoformat(), slug=edition.slug)

    def page_file(self, edition: Edition) -> str:
        return page_file(self.relative_url(edition))

    def absolute(self, file: str) -> str:
        return self.base_url + url_of(file)

    @staticmethod
    def index_file(number: int) -> str:
        return INDEX if number == 1 else f"page/{number}/{INDEX}"

    @staticmethod
    def year_file(year: int) -> str:
        return f"archive/{year}/{INDEX}"


def _check_base(url: str, where: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ComposerError.at(where, f"'{url}' is not a site address; write it as https://example.org/newsletter/")
    return _folder_url(url)


def layout(house: House, house_file: Path | None, base_url: str | None) -> Layout:
    """The site's layout from the house config, with --base-url in place of `site_url` when given."""
    where = str(house_file) if house_file else "house.yaml"
    if base_url:
        base = _check_base(base_url, "--base-url")
    elif house.site_url:
        base = _check_base(house.site_url, where)
    else:
        message = ("the web edition needs the site's address: "
                   "add `site_url: https://…/` to house.yaml, or pass --base-url")
        raise ComposerError.at(where, message)
    home = _folder_url(house.site_url) if house.site_url else base
    pattern = house.web_url
    if pattern is None:
        return Layout(base, DEFAULT_PAGE)
    if not pattern.startswith(home):
        line, column = _position(house_file, "web_url")
        raise ComposerError.at(
            where,
            f"`web_url`: '{pattern}' is not under the site's address {home}, so the email's "
            "\"View in browser\" link would not reach the page; start it with the site's address",
            line, column,
        )
    relative = pattern[len(home):]
    if any(part in ("..", ".") for part in relative.split("/")) or "?" in relative or "#" in relative:
        line, column = _position(house_file, "web_url")
        raise ComposerError.at(where, f"`web_url`: '{pattern}' must name a page below the site's address", line, column)
    return Layout(base, relative)


def _position(house_file: Path | None, key: str) -> tuple[int, int]:
    if house_file is None:
        return 1, 1

    return load_yaml(house_file).position((key,))
