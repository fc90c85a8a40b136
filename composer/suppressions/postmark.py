"""Postmark's feedback: its bounce, spam-complaint, subscription-change and delivery webhooks, and its
suppression dump.

Postmark sends webhooks with the basic-auth credentials written into the
webhook's URL (https://user:password@host/webhooks/postmark); the user is
`suppressions.postmark.user`, the password COMPOSER_POSTMARK_WEBHOOK_PASSWORD.
Bounce types follow Postmark's documented list: HardBounce, BadEmailAddress and
ManuallyDeactivated suppress; Transient, SoftBounce, DnsError and Blocked count
as soft bounces; the others (auto-replies, challenge requests…) are no bounce.
`pull` reads `GET /message-streams/{stream}/suppressions/dump`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
from collections.abc import Iterator

from composer.credentials import secret, service_url
from composer.model.house import Suppressions
from composer.send.http import call, client
from composer.send.postmark import Postmark
from composer.suppressions.events import Event, Refused, issue_of, utc

NAME = "postmark"
PASSWORD_VARIABLE = "COMPOSER_POSTMARK_WEBHOOK_PASSWORD"
HARD = {"HardBounce", "BadEmailAddress", "ManuallyDeactivated"}
SOFT = {"Transient", "SoftBounce", "DnsError", "Blocked"}
_REASONS = {"HardBounce": "hard", "SpamComplaint": "complaint", "ManualSuppression": "unsubscribe"}


def _authorised(headers, settings: Suppressions) -> None:
    password = os.environ.get(PASSWORD_VARIABLE, "")
    if not password:
        raise Refused(403, f"Postmark's webhooks are off: set {PASSWORD_VARIABLE} on the endpoint")
    scheme, _, encoded = headers.get("authorization", "").partition(" ")
    try:
        user, _, given = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, ValueError):
        user, given = "", ""
    expected = f"{settings.postmark.user}:{password}".encode()
    if scheme.lower() != "basic" or not hmac.compare_digest(f"{user}:{given}".encode(), expected):
        raise Refused(401, "the webhook's basic auth is not the house's")


def webhook(headers, body: bytes, settings: Suppressions) -> list[Event] | str:
    _authorised(headers, settings)
    try:
        record = json.loads(body)
    except ValueError:
        raise Refused(400, "the body is not a Postmark webhook (not JSON)") from None
    if not isinstance(record, dict):
        raise Refused(400, "the body is not a Postmark webhook")
    return events_of(record)


def events_of(record: dict) -> list[Event]:
    kind, issue = record.get("RecordType"), issue_of(record.get("MessageID"))
    address = record.get("Email") or record.get("Recipient")
    if not isinstance(address, str):
        return []
    at = utc(record.get("BouncedAt") or record.get("ChangedAt") or record.get("DeliveredAt"))
    if kind == "Bounce":
        bounce = record.get("Type")
        if bounce in HARD:
            return [Event(address, "hard", str(bounce), issue, at)]
        if bounce in SOFT:
            return [Event(address, "soft", str(bounce), issue, at)]
        return []
    if kind == "SpamComplaint":
        return [Event(address, "complaint", "SpamComplaint", issue, at)]
    if kind == "SubscriptionChange" and record.get("SuppressSending") is True:
        reason = _REASONS.get(str(record.get("SuppressionReason")), "unsubscribe")
        return [Event(address, reason, f"SubscriptionChange: {record.get('SuppressionReason')}",  # type: ignore[arg-type]
                      issue, at)]
    if kind == "Delivery":
        return [Event(address, "delivered", issue=issue)]
    return []


def pull(delivery, house) -> Iterator[Event]:
    token = secret("POSTMARK_SERVER_TOKEN", NAME)
    base = (service_url("COMPOSER_POSTMARK_URL") or Postmark.url).rstrip("/")
    stream = delivery.postmark.message_stream
    with client(headers={"Accept": "application/json", "X-Postmark-Server-Token": token}) as session:
        response = call(session, NAME, "GET", f"{base}/message-streams/{stream}/suppressions/dump",
                        explain=lambda e: e["Message"])
    data = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    for item in data.get("Suppressions", []) if isinstance(data, dict) else []:
        if isinstance(item, dict) and isinstance(item.get("EmailAddress"), str):
            reason = str(item.get("SuppressionReason"))
            at = item.get("CreatedAt")
            yield Event(item["EmailAddress"], _REASONS.get(reason, "unsubscribe"),  # type: ignore[arg-type]
                        f"Postmark suppression: {reason} ({item.get('Origin')})",
                        at=utc(at))
