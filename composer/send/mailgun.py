"""Mailgun: batch sending on `messages`, for test sends and list sends alike.

Up to 1,000 `to` fields in one request with `recipient-variables`, so Mailgun
sends each recipient their own message, with their token where the parts and
the List-Unsubscribe header say `%recipient.token%`. Mailgun tells of
recipients it will not deliver to only later, in its events, so a batch it
queued counts as sent; a refusal refuses the whole batch.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from threading import Event
from typing import Literal

from pydantic import Field

from composer.credentials import secret, service_url
from composer.model.edition import Edition
from composer.model.fields import Model, Text
from composer.send.http import answer, call, client
from composer.send.letter import Letter, Recipient
from composer.send.provider import Outcome
from composer.unsubscribe import PLACEHOLDER

RECIPIENTS = 1000  # the most recipients one batch request takes
TAG = "%recipient.token%"  # Mailgun fills it in from each recipient's variables

NAME = "mailgun"


class MailgunSettings(Model):
    domain: Text | None = Field(
        default=None, description="The Mailgun sending domain; by default the sender address's domain.")
    region: Literal["us", "eu"] = Field(default="us", description="The Mailgun region the domain lives in: us or eu.")


SETTINGS = (MailgunSettings, MailgunSettings())


class Mailgun:
    name = NAME
    urls = {"us": "https://api.mailgun.net", "eu": "https://api.eu.mailgun.net"}
    batch_limit = RECIPIENTS
    one_by_one = False

    def __init__(self, key: str, domain: str | None, region: str = "us", base_url: str | None = None):
        self.key, self.domain = key, domain
        self.base = (base_url or self.urls[region]).rstrip("/")

    def send(self, letter: Letter, recipients: list[Recipient], stop: Event | None = None) -> Iterator[list[Outcome]]:
        # A reviewer has no token: their copy keeps the house's link as it is, as through every provider.
        html, text = letter.parts_with(TAG)
        headers = letter.api_headers(Recipient(letter.sender.address, token=TAG))
        data = {
            "from": letter.from_field,
            "subject": letter.subject,
            "text": text,
            "html": html,
            "h:Reply-To": letter.reply_to,
            **{f"h:{name}": value for name, value in headers.items()},
            "to": [recipient.address for recipient in recipients],
            # Without recipient variables Mailgun would show every address to everyone.
            "recipient-variables": json.dumps({recipient.address: {"token": recipient.token or PLACEHOLDER}
                                               for recipient in recipients}),
        }
        with client(auth=("api", self.key)) as session:
            # By default the sender's domain, as its A-label: the form Mailgun registers.
            domain = self.domain or letter.domain
            response = call(session, self.name, "POST", f"{self.base}/v3/{domain}/messages",
                            data=data, explain=lambda e: e["message"])
        message_id = str(answer(response, self.name, ("id", "message"),
                                effect="the batch may have been sent")["id"])
        yield [Outcome(recipient.key, message_id) for recipient in recipients]


def from_house(edition: Edition, settings: MailgunSettings) -> Mailgun:
    return Mailgun(secret("MAILGUN_API_KEY", NAME), settings.domain, settings.region,
                   service_url("COMPOSER_MAILGUN_URL"))
