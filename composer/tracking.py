"""Link tracking: utm_ parameters on outbound links, added in one pass over each finished part.

As Ghost does, links are rewritten after rendering, not while it: the HTML
pass walks every `<a href>` of the finished email and names the part it sits
in from the theme's classes (`dw-part-lead`, `dw-item`, `dw-teaser` …); the
text part's references are tagged with the part that used them. So a link
anywhere (an image credit, a house text, a theme override) is tracked, and no
template has to remember a filter. Parameters already on a link are kept;
composer only adds the utm_ keys that are missing. mailto: links, the
unsubscribe link and the web copy are never touched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")

# url, part name -> the url as written in the email
Tagger = Callable[[str, str], str]

# The theme's classes that name a part, nearest first; numbered ones count their siblings.
_NUMBERED = {"dw-item": "item", "dw-teaser": "teaser"}
_NAMED = {"dw-button": "donate", "dw-appeal": "appeal", "dw-subscribe": "subscribe", "dw-credit": "image-credit",
          "dw-social": "social"}
_CONTINUES = "dw-item-quote"  # an item's block quote, beside its paragraph: the same item
_PART_PREFIX = "dw-part-"
OTHER = "email"  # a link outside every part the theme names


def tag(url: str, *, source: str, medium: str, campaign: str, content: str) -> str:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return url
    present = {key for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    wanted = dict(zip(UTM_KEYS, (source, medium, campaign, content), strict=True))
    added = urlencode([(key, value) for key, value in wanted.items() if key not in present])
    if not added:
        return url
    # Appended to the query as written: re-encoding it could break a signed or unusual URL.
    return urlunsplit(parts._replace(query=f"{parts.query}&{added}" if parts.query else added))


def utm_keys(url: str) -> set[str]:
    return {key for key, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True) if key.lower().startswith("utm_")}


def has_utm(url: str) -> bool:
    return bool(utm_keys(url))


def _classes(element: Any) -> list[str]:
    return str(element.get("class") or "").split()


def _part_of(link: Any, numbers: dict[Any, str]) -> str:
    for element in link.iterancestors():
        if element in numbers:
            return numbers[element]
        for name in _classes(element):
            if name in _NAMED:
                return _NAMED[name]
            if name.startswith(_PART_PREFIX):
                return name.removeprefix(_PART_PREFIX)
    return OTHER


def track_html(root: Any, tagger: Tagger) -> None:
    """Tag every outbound link of a parsed HTML document (lxml) in place, named by its part."""
    numbers: dict[Any, str] = {}
    counts: dict[str, int] = {}
    last = ""
    for element in root.iter():
        for name in _classes(element):
            if name in _NUMBERED:
                counts[name] = counts.get(name, 0) + 1
                numbers[element] = last = f"{_NUMBERED[name]}-{counts[name]}"
            elif name == _CONTINUES and last:
                numbers[element] = last
    for link in root.iter("a"):
        href = link.get("href")
        if href:
            link.set("href", tagger(href, _part_of(link, numbers)))
