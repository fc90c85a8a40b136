"""Mailgun's feedback: its webhooks, and its bounce, complaint and unsubscribe lists.

Mailgun signs each webhook inside the body: `signature.signature` is the hex
HMAC-SHA256 of `timestamp` followed by `token`, keyed with the domain's webhook
signing key (MAILGUN_WEBHOOK_SIGNING_KEY). A token seen before is a replay and
refused. A `failed` event of severity `permanent` suppresses, `temporary` counts
as a soft bounce; `complained` and `unsubscribed` suppress.
`pull` reads `/v3/{domain}/bounces`, `/complaints` and `/unsubscribes`, following
each page's `paging.next` on the same host.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections import OrderedDict
from collections.abc import Iterator
from urllib.parse import urlsplit

from composer.addresses import wire_address
from composer.credentials import secret, service_url
from composer.diagnostics import DeliveryError
from composer.model.house import Suppressions
from composer.send.http import call, client
from composer.send.mailgun import Mailgun
from composer.suppressions.events import Event, Refused, issue_of, mapping, utc

NAME = "mailgun"
KEY_VARIABLE = "MAILGUN_WEBHOOK_SIGNING_KEY"
OLDEST = 72 * 3600  # seconds; Mailgun retries for 8 hours
LISTS = {"bounces": "hard", "complaints": "complaint", "unsubscribes": "unsubscribe"}
_seen: OrderedDict[str, None] = OrderedDict()  # recent tokens: a replayed webhook is refused
_SEEN_KEPT = 10_000


def webhook(headers, body: bytes, settings: Suppressions) -> list[Event] | str:
    key = os.environ.get(KEY_VARIABLE, "")
    if not key:
        raise Refused(403, f"Mailgun's webhooks are off: set {KEY_VARIABLE} on the endpoint")
    try:
        data = json.loads(body)
    except ValueError:
        raise Refused(400, "the body is not a Mailgun webhook (not JSON)") from None
    signed = data.get("signature") if isinstance(data, dict) else None
    if not isinstance(signed, dict) or not all(isinstance(signed.get(k), str) for k in ("timestamp", "token",
                                                                                        "signature")):
        raise Refused(400, "the body is not a Mailgun webhook (no signature)")
    expected = hmac.new(key.encode(), (signed["timestamp"] + signed["token"]).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signed["signature"].lower()):
        raise Refused(403, "the Mailgun signature does not verify")
    if not signed["timestamp"].isdigit() or abs(time.time() - int(signed["timestamp"])) > OLDEST:
        raise Refused(403, "the Mailgun signature's timestamp is too old")
    if signed["token"] in _seen:
        raise Refused(409, "this Mailgun webhook was delivered before")
    _seen[signed["token"]] = None
    while len(_seen) > _SEEN_KEPT:
        _seen.popitem(last=False)
    found = data.get("event-data")
    return events_of(found) if isinstance(found, dict) else []


def events_of(item: dict) -> list[Event]:
    address, kind, at = item.get("recipient"), item.get("event"), utc(item.get("timestamp"))
    if not isinstance(address, str):
        return []
    issue = issue_of(mapping(mapping(item.get("message")).get("headers")).get("message-id"))
    status = mapping(item.get("delivery-status"))
    detail = str(item.get("reason") or status.get("description") or status.get("message") or kind)[:300]
    if kind == "failed":
        return [Event(address, "hard" if item.get("severity") == "permanent" else "soft", detail, issue, at)]
    if kind == "complained":
        return [Event(address, "complaint", "complained", issue, at)]
    if kind == "unsubscribed":
        return [Event(address, "unsubscribe", "unsubscribed", issue, at)]
    if kind == "delivered":
        return [Event(address, "delivered", issue=issue)]
    return []


def pull(delivery, house) -> Iterator[Event]:
    key = secret("MAILGUN_API_KEY", NAME)
    settings = delivery.mailgun
    base = (service_url("COMPOSER_MAILGUN_URL") or Mailgun.urls[settings.region]).rstrip("/")
    domain = settings.domain or wire_address(house.sender.address).rsplit("@", 1)[1]  # as the send does
    host = urlsplit(base).netloc
    with client(auth=("api", key)) as session:
        for name, kind in LISTS.items():
            url: str | None = f"{base}/v3/{domain}/{name}?limit=1000"
            while url:
                response = call(session, NAME, "GET", url, explain=lambda e: e["message"])
                page = response.json()
                items = page.get("items") if isinstance(page, dict) else None
                if not isinstance(items, list):
                    raise DeliveryError(f"mailgun: /v3/{domain}/{name} did not answer with a list of items")
                for item in items:
                    if isinstance(item, dict) and isinstance(item.get("address"), str):
                        yield Event(item["address"], kind,  # type: ignore[arg-type]
                                    f"Mailgun {name}: {item.get('error') or item.get('code') or name}"[:300],
                                    at=utc(item.get("created_at")))
                following = (page.get("paging") or {}).get("next") if items else None
                # The next page on the same API host only: the key must not travel anywhere else.
                url = following if isinstance(following, str) and urlsplit(following).netloc == host else None
