"""Links as readers will meet them: there, on the site they name, open to all, and images of the right shape.

These rules read what `check --links` found (composer/links/), fetched just now
or replayed from the issue's lock file; without --links they find nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from composer.checks.registry import Context, rule

if TYPE_CHECKING:
    from composer.links.collect import Link
    from composer.links.lock import Observation

DEAD = (404, 410)
WALLED = (401, 403)
SHAPE_TOLERANCE = 0.02

_NOT_FOUND = re.compile(
    r"\b(?:404|not found|page (?:does not|doesn't|no longer) exists?|no longer (?:available|exists)"
    r"|(?:cannot|can't|could not) be found|page unavailable|nicht gefunden|introuvable|no encontrada)\b"
    r"|не найден|не знайдено", re.I)
_WALL_HOST = re.compile(r"^(?:login|signin|sso|auth|accounts?|consent|myaccount|guce)\.", re.I)
_WALL_STEP = re.compile(r"^(?:log-?in|sign-?in|sign-?on|log-?on|auth|authorize|sso|consent|cookie-?consent"
                        r"|collectconsent|gdpr(?:-consent)?|privacy-?consent)(?:\.\w+)?$", re.I)


def _answers(ctx: Context) -> Iterator[tuple[Link, Observation]]:
    check = ctx.link_check
    if check is None:
        return
    for link in check.links:
        seen = check.seen.get(link.url)
        if seen is not None:
            yield link, seen


def _report(ctx: Context, code: str, link: Link, message: str, fix: str, *, at: tuple[int, int] | None = None):
    ctx.add(code, (), message, fix, path=link.path, at=at or link.at)


def _landing(seen: Observation) -> str:
    return f" (it redirects to {seen.final_url})" if seen.redirects else ""


def _walled(url: str) -> bool:
    parts = urlsplit(url)
    return bool(_WALL_HOST.match(parts.hostname or "")) or any(_WALL_STEP.match(step) for step in parts.path.split("/"))


def _to_wall(link: Link, seen: Observation) -> bool:
    return bool(seen.redirects) and _walled(seen.final_url) and not _walled(link.url)


def _unverified(ctx: Context, link: Link, seen: Observation) -> bool:
    return seen.status in WALLED and ctx.house.links.paywalls(link.url, seen.final_url)


@rule("DW306")
def dead(ctx: Context) -> None:
    for link, seen in _answers(ctx):
        if seen.status in DEAD:
            _report(ctx, "DW306", link, f"the link '{link.url}' is dead: it answers {seen.status} "
                    f"{'Not Found' if seen.status == 404 else 'Gone'}{_landing(seen)}",
                    "find the page's new address (or an archived copy), or remove the link")


_WHY = {"timeout": "no answer came in time", "unreachable": "the site cannot be reached",
        "redirect loop": "it redirects in a loop", "failed": "the request failed",
        "deadline": "it was not checked"}


@rule("DW307")
def unanswered(ctx: Context) -> None:
    for link, seen in _answers(ctx):
        if seen.status is None and seen.problem:
            tries = f", tried {seen.tries} times" if seen.tries > 1 else ""
            _report(ctx, "DW307", link, f"the link '{link.url}': {_WHY[seen.problem]} ({seen.detail}{tries})",
                    "open it in a browser; if it works there, check again later")
        elif (seen.status or 0) >= 400 and seen.status not in DEAD and not _unverified(ctx, link, seen) \
                and not _to_wall(link, seen):
            _report(ctx, "DW307", link, f"the link '{link.url}' answers {seen.status} "
                    f"{_reason(seen.status or 0)}{_landing(seen)}, tried {seen.tries} times",
                    "open it in a browser; if it works there, the site turns machines away")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "(an error)"


@lru_cache(maxsize=4096)
def _site(host: str) -> str:
    """The site a host belongs to, by the Public Suffix List: news.bbc.co.uk is bbc.co.uk."""
    from tld import get_fld

    return get_fld(host, fix_protocol=True, fail_silently=True) or host.removeprefix("www.")


@rule("DW308")
def moved_elsewhere(ctx: Context) -> None:
    for link, seen in _answers(ctx):
        if not seen.redirects or (seen.status or 500) >= 400 or _to_wall(link, seen):
            continue
        start, end = (urlsplit(u).hostname or "" for u in (link.url, seen.final_url))
        if _site(start.lower()) != _site(end.lower()):
            _report(ctx, "DW308", link, f"the link '{link.url}' redirects to another site, {end}: {seen.final_url}",
                    "link to the page it lands on, if that is still the source you mean")


@rule("DW309")
def walled(ctx: Context) -> None:
    for link, seen in _answers(ctx):
        if _to_wall(link, seen):
            _report(ctx, "DW309", link, f"the link '{link.url}' redirects to a login or consent page: "
                    f"{seen.final_url}", "link to a page readers can open without signing in")


@rule("DW310")
def soft_404(ctx: Context) -> None:
    for link, seen in _answers(ctx):
        if seen.status == 200 and seen.is_html and seen.title and _NOT_FOUND.search(seen.title):
            _report(ctx, "DW310", link, f"the link '{link.url}' answers 200, but its page is titled "
                    f"'{seen.title}'{_landing(seen)}", "the page is gone: find its new address, or remove the link")


@rule("DW311")
def not_an_image(ctx: Context) -> None:
    for link, seen in _answers(ctx):
        if link.image is None or not seen.status or not 200 <= seen.status < 300:
            continue
        kind = seen.content_type or "nothing it names"
        if not kind.startswith("image/"):
            _report(ctx, "DW311", link, f"the image '{link.url}' is not an image: it answers {kind}{_landing(seen)}",
                    "copy the image's own address (open the image on its own, then copy the address bar)")
        elif seen.image_size is None and kind != "image/svg+xml":
            _report(ctx, "DW311", link, f"the image '{link.url}' answers {kind}, but what it sends is not "
                    "an image composer can read", "export the image again as JPEG or PNG")


@rule("DW312")
def misshapen(ctx: Context) -> None:
    for link, seen in _answers(ctx):
        if link.image is None or seen.image_size is None:
            continue
        width, height = seen.image_size
        if not (width and height):
            continue
        shown = link.image
        expected = height * shown.width / width
        if abs(shown.height - expected) > SHAPE_TOLERANCE * expected:
            _report(ctx, "DW312", link, f"the image '{link.url}' is {width}×{height}, so at {shown.width} px wide "
                    f"it is {round(expected)} px high, not the declared {shown.height}: it would look squashed",
                    f"set `height: {round(expected)}`, or crop the image to the declared shape", at=shown.at)


@rule("DW313")
def unverified(ctx: Context) -> None:
    for link, seen in _answers(ctx):
        if _unverified(ctx, link, seen) and not _to_wall(link, seen):
            site = urlsplit(seen.final_url).hostname
            _report(ctx, "DW313", link, f"the link '{link.url}' is unverified: {site} answers machines "
                    f"{seen.status}, as paywalled sites do (house.yaml `links: paywalled:`)",
                    "open it in a browser to be sure it works")


@rule("DW314")
def unchecked(ctx: Context) -> None:
    check = ctx.link_check
    if check is None or not check.compared:
        return
    if check.lock is None:
        ctx.add("DW314", (), f"no link check is recorded for this issue (no {check.lock_name} beside it)",
                "run `composer check --links` to check the links and record them", at=(1, 1))
        return
    for link in check.links:
        if link.url not in check.lock.links:
            _report(ctx, "DW314", link, f"the link '{link.url}' was added after the last link check "
                    f"({check.lock.checked})", "run `composer check --links` to check it")


@rule("DW315")
def rewritten(ctx: Context) -> None:
    check = ctx.link_check
    if check is None or check.mode != "changed" or check.lock is None:
        return
    for link, seen in _answers(ctx):
        before = check.lock.links.get(link.url)
        if before and before.text_hash and seen.text_hash and before.text_hash != seen.text_hash:
            _report(ctx, "DW315", link, f"the page '{link.url}' has changed since the link check of "
                    f"{before.checked}", "read it again before sending; `composer check --links` then records "
                    "the new version")
