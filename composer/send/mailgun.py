"""Mailgun: the raw MIME endpoint, `messages.mime`, so the exact message is sent.

For the list, batch sending on `messages`: up to 1,000 `to` fields in one
request with `recipient-variables`, so Mailgun sends each reader their own
message, with their token where the parts and the List-Unsubscribe header
say `%recipient.token%`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from composer.credentials import secret, service_url
from composer.model.fields import Model, Text
from composer.send.provider import Outgoing

if TYPE_CHECKING:
    from collections.abc import Iterator

    from composer.ledger import Outcome, Pending
    from composer.model.house import House
    from composer.send.letters import Broadcast

RECIPIENTS = 1000  # the most recipients one batch request takes

NAME = "mailgun"


class Settings(Model):
    domain: Text | None = Field(
        default=None, description="The Mailgun sending domain; by default the sender address's domain.")
    region: Literal["us", "eu"] = Field(default="us", description="The Mailgun region the domain lives in: us or eu.")


SETTINGS = (Settings, Settings())


class Mailgun:
    name = NAME
    urls = {"us": "https://api.mailgun.net", "eu": "https://api.eu.mailgun.net"}
    batch_limit = RECIPIENTS
    one_by_one = False

    def __init__(self, key: str, domain: str, region: str = "us", base_url: str | None = None):
        self.key, self.domain = key, domain
        self.base = (base_url or self.urls[region]).rstrip("/")

    def send(self, mail: Outgoing) -> str:
        from composer.send.http import answer, call, client
        from composer.send.message import message_bytes

        files = {"message": ("message.eml", message_bytes(mail.message), "message/rfc822")}
        with client(auth=("api", self.key)) as session:
            response = call(session, self.name, "POST", f"{self.base}/v3/{self.domain}/messages.mime",
                            data={"to": mail.recipients}, files=files, explain=lambda e: e["message"])
        return str(answer(response, self.name, ("id",), effect="the message may have been sent")["id"])

    def send_batch(self, broadcast: Broadcast, batch: list[Pending]) -> Iterator[list[Outcome]]:
        """One request for the batch. Mailgun tells of readers it will not deliver to only later,
        in its events, so a batch it queued counts as sent; a refusal refuses the whole batch."""
        import json

        from composer.ledger import Outcome
        from composer.send.http import answer, call, client
        from composer.send.letters import ONE_CLICK
        from composer.unsubscribe import PLACEHOLDER

        tag = "%recipient.token%"
        data = {
            "from": broadcast.from_header,
            "subject": broadcast.subject,
            "text": broadcast.text.replace(PLACEHOLDER, tag),
            "html": broadcast.html.replace(PLACEHOLDER, tag),
            "h:Reply-To": broadcast.reply_to,
            "h:List-Unsubscribe": broadcast.list_unsubscribe(broadcast.url_with(tag)),
            "h:List-Unsubscribe-Post": ONE_CLICK,
            "to": [reader.address for reader in batch],
            # Without recipient variables Mailgun would show every address to everyone.
            "recipient-variables": json.dumps({reader.address: {"token": broadcast.token(reader)} for reader in batch}),
        }
        with client(auth=("api", self.key)) as session:
            response = call(session, self.name, "POST", f"{self.base}/v3/{self.domain}/messages",
                            data=data, explain=lambda e: e["message"])
        message_id = str(answer(response, self.name, ("id",), effect="the batch may have been sent")["id"])
        yield [Outcome(reader.key, message_id) for reader in batch]


def from_house(house: House, house_dir: Path) -> Mailgun:
    settings = house.delivery.mailgun
    return Mailgun(secret("MAILGUN_API_KEY", NAME), settings.domain or house.sender.domain, settings.region,
                   service_url("COMPOSER_MAILGUN_URL"))
