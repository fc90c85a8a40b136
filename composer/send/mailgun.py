"""Mailgun: the raw MIME endpoint, `messages.mime`, so the exact message is sent."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from composer.credentials import secret, service_url
from composer.model.fields import Model, Text
from composer.send.provider import Outgoing

if TYPE_CHECKING:
    from composer.model.house import House

NAME = "mailgun"


class Settings(Model):
    domain: Text | None = None  # defaults to the sender address's domain
    region: Literal["us", "eu"] = "us"


SETTINGS = (Settings, Settings())


class Mailgun:
    name = NAME
    urls = {"us": "https://api.mailgun.net", "eu": "https://api.eu.mailgun.net"}

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


def from_house(house: House, house_dir: Path) -> Mailgun:
    settings = house.delivery.mailgun
    return Mailgun(secret("MAILGUN_API_KEY", NAME), settings.domain or house.sender.domain, settings.region,
                   service_url("COMPOSER_MAILGUN_URL"))
