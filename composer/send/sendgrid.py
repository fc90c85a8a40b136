"""SendGrid: v3 `mail/send`, text part before HTML, with the unsubscribe headers.

For the list, one request carries up to 1,000 personalizations: the parts go
once, and each reader's personalization brings their own `List-Unsubscribe`
header and a substitution that puts their token where the parts say `{token}`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from composer.credentials import secret, service_url
from composer.send.provider import Outgoing

if TYPE_CHECKING:
    from collections.abc import Iterator

    from composer.ledger import Outcome, Pending
    from composer.model.house import House
    from composer.send.letters import Broadcast

NAME = "sendgrid"
SETTINGS = None  # nothing to set in house.yaml


PERSONALIZATIONS = 1000  # the most one mail/send request takes
_BLAMED = re.compile(r"^personalizations\.(\d+)\b")


def _explain(error: dict) -> str:
    return "; ".join(item["message"] for item in error["errors"])


class SendGrid:
    name = NAME
    url = "https://api.sendgrid.com"
    batch_limit = PERSONALIZATIONS
    one_by_one = False

    def __init__(self, key: str, base_url: str | None = None):
        self.key, self.base = key, (base_url or self.url).rstrip("/")

    def send(self, mail: Outgoing) -> str:
        from email.utils import parseaddr

        from composer.send.http import call, client

        name, address = parseaddr(mail.header("From"))
        _, reply_to = parseaddr(mail.header("Reply-To"))
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
                            explain=_explain)
        return response.headers.get("X-Message-Id", "accepted")

    def send_batch(self, broadcast: Broadcast, batch: list[Pending]) -> Iterator[list[Outcome]]:
        from composer.ledger import Outcome
        from composer.send.http import call, client, refusal
        from composer.send.letters import ONE_CLICK, refused
        from composer.unsubscribe import PLACEHOLDER

        name, address = broadcast.sender
        shared = {
            "from": {"email": address, "name": name},
            "reply_to": {"email": broadcast.reply_to},
            "subject": broadcast.subject,
            "content": [{"type": "text/plain", "value": broadcast.text},
                        {"type": "text/html", "value": broadcast.html}],
            "headers": {"List-Unsubscribe-Post": ONE_CLICK},
        }
        with client(headers={"Authorization": f"Bearer {self.key}"}) as session:
            left, failed = list(batch), list[Outcome]()
            for _ in range(2):  # a second try without the readers SendGrid named
                personalizations = []
                for reader in left:
                    token = broadcast.token(reader)
                    to = {"email": reader.address} | ({"name": reader.name} if reader.name else {})
                    personalizations.append({"to": [to], "substitutions": {PLACEHOLDER: token},
                                             "headers": {"List-Unsubscribe": broadcast.list_unsubscribe(
                                                 broadcast.url_with(token))}})
                response = call(session, self.name, "POST", f"{self.base}/v3/mail/send",
                                json=shared | {"personalizations": personalizations},
                                expect=(200, 202, 400), explain=_explain)
                if response.status_code != 400:
                    message_id = response.headers.get("X-Message-Id")
                    yield failed + [Outcome(reader.key, message_id) for reader in left]
                    return
                # A 400 whose errors point at personalizations[i] is about those readers only.
                errors = response.json().get("errors", []) if response.content else []
                named = {int(m.group(1)): e.get("message", "refused") for e in errors
                         if (m := _BLAMED.match(str(e.get("field") or ""))) and int(m.group(1)) < len(left)}
                if not named or len(named) < len(errors):
                    raise refusal(self.name, response, _explain)
                failed += [Outcome(left[i].key, reason=f"400: {why}") for i, why in named.items()]
                left = [reader for i, reader in enumerate(left) if i not in named]
                if not left:
                    yield failed
                    return
            yield failed + refused(left, "SendGrid refused the batch twice; run again to retry")


def from_house(house: House, house_dir: Path) -> SendGrid:
    return SendGrid(secret("SENDGRID_API_KEY", NAME), service_url("COMPOSER_SENDGRID_URL"))
