"""Postmark: `POST /email` on the house's message stream."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from composer.credentials import secret, service_url
from composer.model.fields import Model, Text
from composer.send.provider import Outgoing

if TYPE_CHECKING:
    from composer.model.house import House

NAME = "postmark"
SENT_MAYBE = "the message may have been sent"


class Settings(Model):
    message_stream: Text = "broadcast"


SETTINGS = (Settings, Settings())


class Postmark:
    name = NAME
    url = "https://api.postmarkapp.com"

    def __init__(self, token: str, stream: str, base_url: str | None = None):
        self.token, self.stream, self.base = token, stream, (base_url or self.url).rstrip("/")

    def send(self, mail: Outgoing) -> str:
        from composer.send.http import call, client

        body = {
            "From": mail.header("From"),
            "To": ", ".join(mail.recipients),
            "ReplyTo": mail.header("Reply-To"),
            "Subject": mail.subject,
            "HtmlBody": mail.html,
            "TextBody": mail.text,
            # Broadcast streams add their own List-Unsubscribe headers, which cannot be replaced.
            "MessageStream": self.stream,
        }
        headers = {"Accept": "application/json", "X-Postmark-Server-Token": self.token}
        from composer.send.http import answer

        with client(headers=headers) as session:
            response = call(session, self.name, "POST", f"{self.base}/email", json=body,
                            explain=lambda e: f"{e['Message']} (ErrorCode {e['ErrorCode']})")
        return str(answer(response, self.name, ("MessageID",), effect=SENT_MAYBE)["MessageID"])


def from_house(house: House, house_dir: Path) -> Postmark:
    return Postmark(secret("POSTMARK_SERVER_TOKEN", NAME), house.delivery.postmark.message_stream,
                    service_url("COMPOSER_POSTMARK_URL"))
