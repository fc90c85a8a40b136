"""The unsubscribe endpoint: one-click unsubscribes and the providers' webhooks, into the suppression list.

    POST <unsubscribe_url's path>   List-Unsubscribe=One-Click (RFC 8058): the token's reader is suppressed; 200
    GET  <unsubscribe_url's path>   a page with one button that POSTs; changes nothing
    POST <webhook_path>/ses | /postmark | /sendgrid | /mailgun   each verified as its provider documents

A Starlette app: `composer suppressions serve FOLDER` runs it with uvicorn, and a
house that deploys it behind its own ASGI server uses `create_app(folder)`, or
`uvicorn --factory composer.suppressions.app:from_environment` with
COMPOSER_HOUSE_FOLDER naming the folder of house.yaml. No cookies, no
redirects; requests are bounded in size and rate per client, answered only
for the house's own host names, and no response or log line carries a secret
or a whole address.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from composer.addresses import Unfit
from composer.diagnostics import ComposerError, DeliveryError
from composer.loader import load_house
from composer.model.house import House
from composer.printable import printable
from composer.suppressions import mailgun, page, postmark, sendgrid, ses
from composer.suppressions.events import Refused, apply
from composer.suppressions.store import Entry, Store, now
from composer.unsubscribe import PLACEHOLDER, BadToken, check_token, old_secrets, unsubscribe_secret

FOLDER_VARIABLE = "COMPOSER_HOUSE_FOLDER"
WEBHOOKS: dict[str, ModuleType] = {module.NAME: module for module in (ses, postmark, sendgrid, mailgun)}
CLICK_BYTES = 4 * 1024  # a one-click POST is 26 bytes
WEBHOOK_BYTES = 1024 * 1024  # SNS messages are at most 256 KB; SendGrid batches stay under 768 KB
WEBHOOK_SHARE = 20  # webhooks may come this many times as often as one-click requests
CLIENTS_KEPT = 10_000  # the rate limiter forgets the quietest clients past this many
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                      "frame-ancestors 'none'"}
_STATUS = {"damaged": 400, "forged": 403, "expired": 410}


class Limiter:
    """At most `per_minute` requests from one client in any minute."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self.clients: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, client: str) -> bool:
        moment = time.monotonic()
        times = self.clients.pop(client, None) or deque()
        while times and moment - times[0] > 60:
            times.popleft()
        self.clients[client] = times
        while len(self.clients) > CLIENTS_KEPT:
            self.clients.popitem(last=False)
        if len(times) >= self.per_minute:
            return False
        times.append(moment)
        return True


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, refused with 413 past `limit` bytes (declared or sent)."""
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or int(declared) > limit:
        raise Refused(413, f"the request is over {limit:,} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Refused(413, f"the request is over {limit:,} bytes")
    return bytes(body)


def hosts_for(house: House) -> list[str]:
    """The Host names the endpoint answers to: unsubscribe_url's, the configured ones, and this machine's."""
    own = urlsplit(house.unsubscribe_url).hostname
    return sorted({*([own] if own else []), *house.suppressions.hosts, "127.0.0.1", "localhost", "[::1]", "::1"})


def token_place(house: House) -> tuple[str, str | None]:
    """Where the endpoint finds the token: (the route's path, the query parameter or None when it is in the path)."""
    parts = urlsplit(house.unsubscribe_url)
    if PLACEHOLDER in parts.path:
        return parts.path, None
    for name, values in parse_qs(parts.query).items():
        if PLACEHOLDER in values:
            return parts.path or "/", name
    raise DeliveryError(f"house.yaml: `unsubscribe_url` must hold {PLACEHOLDER} in its path or query for the "
                        f"endpoint to find each reader's token, e.g. https://example.org/unsubscribe?t={PLACEHOLDER}")


class Endpoint:
    def __init__(self, folder: Path, house: House, store: Store, log: Callable[[str], None]):
        self.folder, self.house, self.store, self.log = folder, house, store, log
        self.settings = house.suppressions
        self.secrets = [unsubscribe_secret(), *old_secrets()]
        self.path, self.parameter = token_place(house)
        self.limiter = Limiter(self.settings.requests_per_minute)
        # A provider posts its reports from a few addresses, many a minute during a send: a wider limit.
        self.webhook_limiter = Limiter(self.settings.requests_per_minute * WEBHOOK_SHARE)

    def _page(self, html: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(html, status, headers=HEADERS)

    def _reader(self, request: Request) -> str:
        token = request.path_params.get("token", "") if self.parameter is None else \
            request.query_params.get(self.parameter, "")
        return check_token(token, self.secrets, max_days=self.settings.token_days).address

    async def unsubscribe(self, request: Request) -> Response:
        try:
            if request.method == "POST":
                body = await read_body(request, CLICK_BYTES)
            address = self._reader(request)
            if request.method == "GET":
                entry = await run_in_threadpool(self.store.entry, address)
                return self._page(page.question(self.house, address, entry is not None))
            if not await _one_click(request, body):
                raise Refused(400, "the POST must carry List-Unsubscribe=One-Click (RFC 8058)")
            added = await run_in_threadpool(self.store.add, [Entry(address, "unsubscribed", "one-click", now())])
        except BadToken as bad:
            self.log(f"refused an unsubscribe link: {bad.kind}")
            return self._page(page.refused(self.house, str(bad)), _STATUS[bad.kind])
        except Refused as refusal:
            return self._page(page.refused(self.house, str(refusal)), refusal.status)
        except Unfit:  # a token made with the secret for something that is no address
            return self._page(page.refused(self.house, "the link does not name an address"), 400)
        self.log(f"unsubscribed {page.masked(address)} (one-click)" if added else
                 f"{page.masked(address)} was already unsubscribed (one-click again)")
        return self._page(page.done(self.house, address))

    async def webhook(self, request: Request) -> Response:
        name = request.path_params["provider"]
        module = WEBHOOKS.get(name)
        if module is None:
            return PlainTextResponse("not found\n", 404, headers=HEADERS)
        try:
            body = await read_body(request, WEBHOOK_BYTES)
            found = await run_in_threadpool(module.webhook, request.headers, body, self.settings)
            if isinstance(found, str):
                done = {found: 1}
            else:
                done = dict(await run_in_threadpool(apply, self.store, found, "webhook",
                                                    self.settings.soft_bounce_limit))
            await run_in_threadpool(self.store.heard, f"webhook:{name}")
        except Refused as refusal:
            self.log(f"refused a {name} webhook ({refusal.status}): {refusal}")
            return PlainTextResponse(f"{refusal}\n", refusal.status, headers=HEADERS)
        self.log(f"{name} webhook: " + (", ".join(f"{k} {v}" for k, v in sorted(done.items())) or "nothing to record"))
        return JSONResponse({"ok": True, **done}, headers=HEADERS)

    async def guard(self, request: Request, call_next) -> Response:
        client = request.client.host if request.client else "?"
        webhook = request.url.path.startswith(self.settings.webhook_path.rstrip("/") + "/")
        if not (self.webhook_limiter if webhook else self.limiter).allow(client):
            return PlainTextResponse("too many requests; try again in a minute\n", 429,
                                     headers={**HEADERS, "Retry-After": "60"})
        try:
            return await call_next(request)
        except DeliveryError as error:  # the database is down: the provider or the reader tries again
            self.log(f"error: {error}")
            return PlainTextResponse("the suppression list is unavailable; try again later\n", 503,
                                     headers={**HEADERS, "Retry-After": "60"})

    def app(self) -> Starlette:
        async def not_found(request: Request, exc) -> PlainTextResponse:
            return PlainTextResponse("not found\n", exc.status_code, headers=HEADERS)

        routes = [Route(self.path, self.unsubscribe, methods=["GET", "POST"]),
                  Route(self.settings.webhook_path.rstrip("/") + "/{provider}", self.webhook, methods=["POST"])]
        middleware = [Middleware(BaseHTTPMiddleware, dispatch=self.guard),
                      Middleware(TrustedHostMiddleware, allowed_hosts=hosts_for(self.house))]
        return Starlette(routes=routes, exception_handlers={404: not_found, 405: not_found}, middleware=middleware)


async def _one_click(request: Request, body: bytes) -> bool:
    """Whether the body is RFC 8058's `List-Unsubscribe=One-Click`, urlencoded or multipart."""
    async def replay():
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=0, max_fields=8)
    except Exception:  # noqa: BLE001 - any body the form parser cannot read is no one-click POST
        return False
    return form.get("List-Unsubscribe") == "One-Click"


def _print(line: str) -> None:
    print(printable(line), flush=True)


def create_app(folder: Path, log: Callable[[str], None] = _print) -> Starlette:
    """The endpoint for the house in `folder` (its house.yaml), with its suppression list opened."""
    house, _ = load_house(folder)
    endpoint = Endpoint(folder, house, Store.open(folder, house.suppressions), log)
    return endpoint.app()


def from_environment() -> Starlette:
    """For `uvicorn --factory`: the house in COMPOSER_HOUSE_FOLDER."""
    folder = os.environ.get(FOLDER_VARIABLE)
    if not folder:
        raise SystemExit(f"set {FOLDER_VARIABLE} to the folder of house.yaml")
    try:
        return create_app(Path(folder))
    except (ComposerError, DeliveryError) as error:
        raise SystemExit(str(error)) from None
