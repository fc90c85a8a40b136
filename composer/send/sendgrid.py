"""SendGrid: v3 `mail/send`, text part before HTML, for test sends and list sends alike.

One request carries up to 1,000 personalizations: the parts go once, and each
recipient's personalization brings their own `List-Unsubscribe` header and a
substitution that puts their token where the parts say `{token}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from threading import Event

import httpx

from composer.credentials import secret, service_url
from composer.diagnostics import DeliveryError
from composer.model.edition import Edition
from composer.printable import redact
from composer.send.http import call, client, refusal
from composer.send.letter import ONE_CLICK, Letter, Recipient
from composer.send.provider import Outcome, refused
from composer.unsubscribe import PLACEHOLDER

NAME = "sendgrid"
SETTINGS = None  # nothing to set in house.yaml

PERSONALIZATIONS = 1000  # the most one mail/send request takes
_BLAMED = re.compile(r"^personalizations\.(\d+)\b")


def _explain(error: dict) -> str:
    return "; ".join(item["message"] for item in error["errors"])


def _accepted(response: httpx.Response) -> str | None:
    """The X-Message-Id of an accepted request: 202 (200 in sandbox mode) with an empty body, as the v3 Mail
    Send reference documents it. A body means the answer came from something else (a proxy's page, say)."""
    ident = response.headers.get("X-Message-Id")
    if response.content.strip():
        raise DeliveryError(f"sendgrid: answered {response.status_code} {response.reason_phrase} but with a body, "
                            "which SendGrid's accepted answer never has, so the batch may have been sent; check the "
                            "provider's dashboard before trying again"
                            + (f" (its id: {redact(ident)})" if ident else ""))
    return ident


def _blamed(response: httpx.Response, count: int) -> dict[int, str] | None:
    """A 400 whose every error points at personalizations[i]: {i: why}; None when it refuses the request."""
    try:
        errors = response.json().get("errors", [])
        named = {int(m.group(1)): str(e.get("message", "refused")) for e in errors
                 if (m := _BLAMED.match(str(e.get("field") or ""))) and int(m.group(1)) < count}
    except (ValueError, AttributeError, TypeError):
        return None
    return named if named and len(named) == len(errors) else None


class SendGrid:
    name = NAME
    url = "https://api.sendgrid.com"
    batch_limit = PERSONALIZATIONS
    one_by_one = False

    def __init__(self, key: str, base_url: str | None = None):
        self.key, self.base = key, (base_url or self.url).rstrip("/")

    def send(self, letter: Letter, batch: list[Recipient], stop: Event | None = None) -> Iterator[list[Outcome]]:
        left, failed = list(batch), list[Outcome]()
        shared_headers = letter.api_headers()
        if letter.unsubscribe_template:
            shared_headers["List-Unsubscribe-Post"] = ONE_CLICK
        shared = {
            "from": {"email": letter.sender.address, "name": letter.sender.name},
            "reply_to": {"email": letter.reply_to},
            "subject": letter.subject,
            # text/plain must come before text/html.
            "content": [{"type": "text/plain", "value": letter.text}, {"type": "text/html", "value": letter.html}],
            "headers": shared_headers,
        }
        with client(headers={"Authorization": f"Bearer {self.key}"}) as session:
            for _ in range(2):  # a second try without the recipients SendGrid named
                if not left:
                    break
                personalizations = [self._personal(letter, recipient, shared_headers) for recipient in left]
                response = call(session, self.name, "POST", f"{self.base}/v3/mail/send",
                                json=shared | {"personalizations": personalizations},
                                expect=(200, 202, 400), explain=_explain)
                if response.status_code != 400:
                    message_id = _accepted(response)
                    failed += [Outcome(recipient.key, message_id) for recipient in left]
                    left = []
                    break
                named = _blamed(response, len(left))
                if named is None:
                    raise refusal(self.name, response, _explain)
                failed += [Outcome(left[i].key, reason=redact(f"400: {why}")) for i, why in named.items()]
                left = [recipient for i, recipient in enumerate(left) if i not in named]
            yield failed + refused(left, "SendGrid refused the batch twice; run again to retry")

    @staticmethod
    def _personal(letter: Letter, recipient: Recipient, shared: dict[str, str]) -> dict:
        to = {"email": recipient.address} | ({"name": recipient.name} if recipient.name else {})
        personal: dict = {"to": [to]}
        if recipient.token:
            personal["substitutions"] = {PLACEHOLDER: recipient.token}
        if own := {k: v for k, v in letter.api_headers(recipient).items() if k not in shared}:
            personal["headers"] = own
        return personal


def from_house(edition: Edition, settings: None) -> SendGrid:
    return SendGrid(secret("SENDGRID_API_KEY", NAME), service_url("COMPOSER_SENDGRID_URL"))
