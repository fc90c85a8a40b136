"""SendGrid: v3 `mail/send`, text part before HTML, with the unsubscribe headers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from composer.credentials import secret, service_url
from composer.send.provider import Outgoing

if TYPE_CHECKING:
    from composer.model.house import House

NAME = "sendgrid"
SETTINGS = None  # nothing to set in house.yaml


class SendGrid:
    name = NAME
    url = "https://api.sendgrid.com"

    def __init__(self, key: str, base_url: str | None = None):
        self.key, self.base = key, (base_url or self.url).rstrip("/")

    def send(self, mail: Outgoing) -> str:
        from email.utils import parseaddr

        from composer.send.http import call, client

        name, address = parseaddr(mail.header("From") or "")
        _, reply_to = parseaddr(mail.header("Reply-To") or "")
        body = {
            "personalizations": [{"to": [{"email": r} for r in mail.recipients]}],
            "from": {"email": address, "name": name},
            "reply_to": {"email": reply_to},
            "subject": mail.subject,
            # text/plain must come before text/html.
            "content": [{"type": "text/plain", "value": mail.text}, {"type": "text/html", "value": mail.html}],
        }
        if headers := mail.unsubscribe_headers():
            body["headers"] = headers
        with client(headers={"Authorization": f"Bearer {self.key}"}) as session:
            response = call(session, self.name, "POST", f"{self.base}/v3/mail/send", json=body, expect=(200, 202),
                            explain=lambda e: "; ".join(item["message"] for item in e["errors"]))
        return response.headers.get("X-Message-Id", "accepted")


def from_house(house: House, house_dir: Path) -> SendGrid:
    return SendGrid(secret("SENDGRID_API_KEY", NAME), service_url("COMPOSER_SENDGRID_URL"))
