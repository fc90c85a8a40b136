"""SendGrid's feedback: the Signed Event Webhook, and its bounce, spam-report and unsubscribe lists.

Each POST of the Event Webhook is signed with ECDSA (P-256, SHA-256) over the
timestamp header followed by the raw body; the signature (base64 DER) is in
`X-Twilio-Email-Event-Webhook-Signature`, the timestamp in
`X-Twilio-Email-Event-Webhook-Timestamp`, and the public key is the one
SendGrid shows under Mail Settings (`suppressions.sendgrid.public_key`).
A `bounce` of type `bounce` suppresses, of type `blocked` counts as a soft
bounce; `spamreport`, `unsubscribe` and `group_unsubscribe` suppress; a
`dropped` event for an address SendGrid itself suppresses does too.
`pull` reads `/v3/suppression/bounces`, `/spam_reports` and `/unsubscribes`, page by page.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Iterator

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key

from composer.credentials import secret, service_url
from composer.diagnostics import DeliveryError
from composer.model.house import Suppressions
from composer.send.http import call, client
from composer.send.sendgrid import SendGrid
from composer.suppressions.events import Event, Refused, utc

NAME = "sendgrid"
SIGNATURE = "x-twilio-email-event-webhook-signature"
TIMESTAMP = "x-twilio-email-event-webhook-timestamp"
OLDEST = 72 * 3600  # seconds: SendGrid retries for 24 hours; an older signature is a replay
PAGE = 500
LISTS = {"bounces": "hard", "spam_reports": "complaint", "unsubscribes": "unsubscribe"}
_DROPPED = {"Bounced Address": "hard", "Spam Reporting Address": "complaint", "Unsubscribed Address": "unsubscribe"}


def public_key(text: str) -> ec.EllipticCurvePublicKey:
    """The verification key as SendGrid shows it (base64 DER), or as PEM."""
    try:
        key = load_pem_public_key(text.encode()) if "BEGIN PUBLIC KEY" in text else \
            load_der_public_key(base64.b64decode(text.strip(), validate=True))
    except (ValueError, binascii.Error):
        raise Refused(500, "suppressions.sendgrid.public_key in house.yaml is not a public key") from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise Refused(500, "suppressions.sendgrid.public_key in house.yaml is not an elliptic-curve key")
    return key


def webhook(headers, body: bytes, settings: Suppressions) -> list[Event] | str:
    if not settings.sendgrid.public_key:
        raise Refused(403, "SendGrid's events are off: set suppressions.sendgrid.public_key in house.yaml")
    key = public_key(settings.sendgrid.public_key)
    stamp = headers.get(TIMESTAMP, "")
    try:
        signature = base64.b64decode(headers.get(SIGNATURE, ""), validate=True)
        key.verify(signature, stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, binascii.Error, ValueError):
        raise Refused(403, "the SendGrid signature does not verify") from None
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > OLDEST:
        raise Refused(403, "the SendGrid signature's timestamp is too old")
    try:
        events = json.loads(body)
    except ValueError:
        raise Refused(400, "the body is not SendGrid's events (not JSON)") from None
    if not isinstance(events, list):
        raise Refused(400, "the body is not SendGrid's events (a JSON array)")
    return [found for item in events if isinstance(item, dict) for found in events_of(item)]


def events_of(item: dict) -> list[Event]:
    address, kind, at = item.get("email"), item.get("event"), utc(item.get("timestamp"))
    if not isinstance(address, str):
        return []
    detail = str(item.get("reason") or item.get("type") or kind)[:300]
    if kind == "bounce":
        return [Event(address, "soft" if item.get("type") == "blocked" else "hard", detail, at=at)]
    if kind == "spamreport":
        return [Event(address, "complaint", "spam report", at=at)]
    if kind in ("unsubscribe", "group_unsubscribe"):
        return [Event(address, "unsubscribe", str(kind), at=at)]
    if kind == "dropped" and item.get("reason") in _DROPPED:
        return [Event(address, _DROPPED[item["reason"]], f"dropped: {item['reason']}", at=at)]  # type: ignore[arg-type]
    if kind == "delivered":
        return [Event(address, "delivered")]
    return []


def pull(delivery, house) -> Iterator[Event]:
    key = secret("SENDGRID_API_KEY", NAME)
    base = (service_url("COMPOSER_SENDGRID_URL") or SendGrid.url).rstrip("/")
    with client(headers={"Authorization": f"Bearer {key}", "Accept": "application/json"}) as session:
        for name, kind in LISTS.items():
            offset = 0
            while True:
                response = call(session, NAME, "GET", f"{base}/v3/suppression/{name}",
                                params={"limit": PAGE, "offset": offset},
                                explain=lambda e: "; ".join(x["message"] for x in e["errors"]))
                page = response.json()
                if not isinstance(page, list):
                    raise DeliveryError(f"sendgrid: /v3/suppression/{name} did not answer with a list")
                for item in page:
                    if isinstance(item, dict) and isinstance(item.get("email"), str):
                        yield Event(item["email"], kind, f"SendGrid {name}: {item.get('reason') or name}"[:300],  # type: ignore[arg-type]
                                    at=utc(item.get("created")))
                if len(page) < PAGE:
                    break
                offset += PAGE
