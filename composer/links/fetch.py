"""Fetching every link at once, politely: what each one answers, as an Observation.

A page is asked with HEAD first; GET follows when the HEAD is refused (405,
501, or any error: some servers answer HEAD wrongly, so only a GET condemns a
link) and for every HTML page, whose title (soft 404s) and main text (its
hash) only the body holds. An image is read with GET until Pillow knows its
size. Redirects are followed and recorded. At most AT_ONCE requests run at a
time, PER_HOST to one site; each request has the house's `timeout`, a link
that fails for a reason that may pass is tried once more, and the whole
check has the house's `deadline`.

Only `check --links` imports this module: `build` never loads httpx.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import warnings
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import httpx
import lxml.etree
import lxml.html
import trafilatura
from PIL import Image, ImageFile

from composer.diagnostics import CommandError
from composer.hosts import LOOPBACK, private_host
from composer.links.lock import Hop, Observation, now
from composer.links.settings import LinkSettings

AT_ONCE = 16
PER_HOST = 4
MAX_REDIRECTS = 10
PAGE_BYTES = 3_000_000  # read of a page, for its title and main text; a long article is 500 KB
IMAGE_BYTES = 2_000_000  # read of an image until its header gives its size
RETRY_PAUSE = 0.5  # seconds before a link's second try
HTML = ("text/html", "application/xhtml+xml")
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/*,*/*;q=0.8"

# Set by composer's tests and benchmarks only: every request goes to this server on this machine,
# keeping its Host header, so that real-looking links can be answered by a local test server.
TEST_SERVER = "COMPOSER_LINKS_TEST_SERVER"

for _quiet in ("trafilatura", "htmldate", "courlan"):  # their warnings are about pages, not for the editor
    logging.getLogger(_quiet).addHandler(logging.NullHandler())


def fetch_all(targets: dict[str, bool], settings: LinkSettings) -> dict[str, Observation]:
    """What each address answers; `targets` maps each address to whether it is an image."""
    if not targets:
        return {}
    try:
        return _run(_fetch_all(targets, settings))
    except KeyboardInterrupt:
        raise CommandError("the link check was interrupted; nothing was recorded") from None


def _run(coroutine):
    """asyncio.run, or the same in a thread of its own when this thread already runs an event loop
    (a program composer is embedded in, or a browser test driving Playwright)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _fetch_all(targets: dict[str, bool], settings: LinkSettings) -> dict[str, Observation]:
    async with _client(settings) as client:
        fetcher = _Fetcher(client, settings)
        tasks = {url: asyncio.create_task(fetcher.observe(url, image)) for url, image in targets.items()}
        late: set = set(tasks.values())
        try:
            _, late = await asyncio.wait(tasks.values(), timeout=settings.deadline)
        finally:
            # Past the deadline, or stopped by Ctrl-C: every request ends here, before the client closes,
            # so none is left to fail on a closed client (and print a traceback) as the loop shuts down.
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
    return {url: task.result() if task not in late else _failed(url, "deadline", f"the check's "
            f"{settings.deadline:g} s deadline passed first") for url, task in tasks.items()}


def _failed(url: str, problem, detail: str, method=None) -> Observation:
    return Observation(final_url=url, problem=problem, detail=detail.rstrip("."), method=method, tries=1, checked=now())


class _Fetcher:
    def __init__(self, client: httpx.AsyncClient, settings: LinkSettings):
        self.client, self.settings = client, settings
        self.everyone = asyncio.Semaphore(AT_ONCE)
        self.sites: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(PER_HOST))

    async def observe(self, url: str, image: bool) -> Observation:
        head = None if image else await self._once("HEAD", url, image)
        if head is not None and head.answered and head.status < 400 and not head.is_html:  # type: ignore[operator]
            return head  # a document, not a page: its headers say all
        answer = await self._once("GET", url, image)
        tries = 1 if head is None else 2
        # A HEAD that got no answer was the first try; a refused one says nothing about the page.
        if self._may_pass(answer) and (head is None or head.answered):
            await asyncio.sleep(RETRY_PAUSE)
            answer = await self._once("GET", url, image)
            tries += 1
        return answer.model_copy(update={"tries": tries})

    def _may_pass(self, seen: Observation) -> bool:
        """Whether a second try may find the link well: not for a dead page, a loop, or a paywall."""
        if seen.status is None:
            return seen.problem in ("timeout", "unreachable", "failed")
        if seen.status in (404, 410):
            return False
        if seen.status in (401, 403) and self.settings.paywalls(seen.final_url):
            return False
        return seen.status >= 400

    async def _once(self, method: str, url: str, image: bool) -> Observation:
        try:
            site = (httpx.URL(url).host or "").lower()
        except (httpx.InvalidURL, UnicodeError) as error:
            return _failed(url, "failed", f"not an address httpx can ask: {error}", method)
        async with self.sites[site], self.everyone:
            try:
                async with asyncio.timeout(self.settings.timeout):
                    return await self._request(method, url, image)
            except (TimeoutError, httpx.TimeoutException):
                return _failed(url, "timeout", f"no answer within {self.settings.timeout:g} s", method)
            except httpx.TooManyRedirects:
                return _failed(url, "redirect loop", f"more than {MAX_REDIRECTS} redirects", method)
            except httpx.NetworkError as error:
                return _failed(url, "unreachable", str(error) or type(error).__name__, method)
            except _PrivateAddress as error:
                return _failed(url, "failed", str(error), method)
            except (httpx.HTTPError, httpx.InvalidURL, UnicodeError) as error:
                return _failed(url, "failed", f"{type(error).__name__}: {error}", method)

    async def _request(self, method: str, url: str, image: bool) -> Observation:
        if method == "HEAD":
            return _observed(await self.client.head(url), method)
        async with self.client.stream("GET", url) as response:
            kind = _media_type(response)
            if response.status_code >= 300:
                return _observed(response, method)
            if image and kind.startswith("image/") and kind != "image/svg+xml":
                return _observed(response, method, image_size=await _image_size(response))
            if not image and kind in HTML:
                body, whole = await _read(response, PAGE_BYTES)
                title, text_hash = await asyncio.to_thread(digest, body, response.charset_encoding)
                return _observed(response, method, read=len(body) if whole else None, title=title,
                                 text_hash=text_hash)
            return _observed(response, method)


def _media_type(response: httpx.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


def _observed(response: httpx.Response, method: str, *, read: int | None = None, **found) -> Observation:
    declared = response.headers.get("Content-Length", "")
    return Observation(
        status=response.status_code, final_url=str(response.url),
        redirects=[Hop(status=hop.status_code, url=str(hop.url)) for hop in response.history],
        content_type=_media_type(response) or None, length=int(declared) if declared.isdigit() else read,
        method=method, tries=1, checked=now(), **found)  # type: ignore[arg-type]


async def _read(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """Up to `limit` bytes of the body, and whether that is all of it."""
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= limit:
            return bytes(body[:limit]), False
    return bytes(body), True


async def _image_size(response: httpx.Response) -> tuple[int, int] | None:
    """The image's width and height, from as little of it as its format needs; None if it is no image."""

    parser = ImageFile.Parser()
    read = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # only the header is read, never pixels
        async for chunk in response.aiter_bytes():
            try:
                parser.feed(chunk)
            except (OSError, Image.DecompressionBombError):
                return None
            if parser.image is not None:
                return parser.image.size
            read += len(chunk)
            if read >= IMAGE_BYTES:
                break
    return None


def digest(body: bytes, charset: str | None = None) -> tuple[str | None, str | None]:
    """A page's <title>, and a hash of its main text: the article, without menus, teasers and ads,
    which change from one visit to the next when the story does not. `charset` is the one the
    answer's Content-Type names; without one, the page's own <meta charset> says."""

    try:
        parser = lxml.html.HTMLParser(encoding=charset) if charset else None
    except LookupError:
        parser = None  # a charset Python does not know: the page's own declaration, or a guess
    try:
        tree = lxml.html.document_fromstring(body, parser=parser)
    except (lxml.etree.ParserError, ValueError, LookupError):
        return None, None
    title = " ".join((tree.findtext(".//title") or "").split())[:300] or None
    text = trafilatura.extract(tree, include_comments=False, favor_precision=True)
    if not text or not text.strip():
        return title, None
    return title, "sha256:" + hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


class _PrivateAddress(httpx.RequestError):
    """A link, or a redirect, to this machine or a private network: never asked."""


async def _refuse_private(request: httpx.Request) -> None:
    # Called for every request, each redirect included: an issue file cannot make composer probe the
    # editor's own network, whether it links there or a site it links redirects there.
    if private_host(request.url.host):
        raise _PrivateAddress(f"{request.url.host} is this machine or a private network; composer does not "
                              "fetch it", request=request)


def _client(settings: LinkSettings) -> httpx.AsyncClient:
    options: dict = {}
    server = _test_server()
    if server is not None:
        options = {"transport": _ToTestServer(*server), "trust_env": False}
    return httpx.AsyncClient(
        headers={"User-Agent": settings.user_agent, "Accept": ACCEPT, "Accept-Language": "en-US,en;q=0.9"},
        follow_redirects=True, max_redirects=MAX_REDIRECTS, timeout=httpx.Timeout(settings.timeout),
        limits=httpx.Limits(max_connections=AT_ONCE, max_keepalive_connections=AT_ONCE),
        event_hooks={"request": [_refuse_private]}, **options)


def _test_server() -> tuple[str, int] | None:
    value = os.environ.get(TEST_SERVER)
    if not value:
        return None
    host, _, port = value.rpartition(":")
    host = host.strip("[]")
    if not (host in LOOPBACK and port.isdigit()):
        raise CommandError(f"{TEST_SERVER}={value}: it sends every link check to a test server, which must be on "
                           "this machine (127.0.0.1:PORT); unset it to check the links themselves")
    return host, int(port)


class _ToTestServer(httpx.AsyncBaseTransport):
    """Sends each request, redirects too, to the local test server, with its own Host header."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.inner = httpx.AsyncHTTPTransport(verify=False)  # plain HTTP to this machine: no certificates to load

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        local = request.url.copy_with(scheme="http", host=self.host, port=self.port)
        return await self.inner.handle_async_request(
            httpx.Request(request.method, local, headers=request.headers, stream=request.stream,
                          extensions=request.extensions))

    async def aclose(self) -> None:
        await self.inner.aclose()
