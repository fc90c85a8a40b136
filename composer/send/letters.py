"""A list send's mail: the issue rendered once, and each reader's own copy of it.

The issue is rendered and checked once; every reader's copy differs only by
the `{token}` of their unsubscribe link, in the body and in RFC 8058's
`List-Unsubscribe` header. HTTP providers that personalise on their side get
the shared parts once per batch with their own merge tag in place of
`{token}`; the raw-MIME providers (SMTP, SES, the outbox) get one message per
reader, with a Message-ID derived from the issue and the address, so a copy
sent twice in the crash window carries the same id and mail clients that
de-duplicate by Message-ID show it once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.utils import formataddr
from typing import TYPE_CHECKING

from composer.ledger import Outcome, Pending
from composer.unsubscribe import PLACEHOLDER, make_unsubscribe_token

if TYPE_CHECKING:
    from email.message import EmailMessage

    from composer.pipeline import Rendered

ONE_CLICK = "List-Unsubscribe=One-Click"


@dataclass
class Broadcast:
    rendered: Rendered
    version: str  # hash of the rendered issue: what the ledger was started with
    secret: str

    @property
    def subject(self) -> str:
        return self.rendered.edition.subject

    @property
    def html(self) -> str:
        return self.rendered.html

    @property
    def text(self) -> str:
        return self.rendered.text

    @property
    def sender(self) -> tuple[str, str]:
        sender = self.rendered.edition.house.sender
        return sender.name, sender.address

    @property
    def reply_to(self) -> str:
        sender = self.rendered.edition.house.sender
        return sender.reply_to or sender.address

    @property
    def from_header(self) -> str:
        return formataddr(self.sender)

    def token(self, reader: Pending) -> str:
        return make_unsubscribe_token(reader.address, self.secret)

    def unsubscribe_url(self, reader: Pending) -> str:
        return self.url_with(self.token(reader))

    def url_with(self, token: str) -> str:
        return self.rendered.edition.house.unsubscribe_url.replace(PLACEHOLDER, token)

    def list_unsubscribe_targets(self, url: str) -> list[str]:
        """RFC 8058's header targets: the https link, then the mailto when the house has one."""
        mailto = self.rendered.edition.house.sender.unsubscribe_mailto
        return [f"<{url}>", *([f"<mailto:{mailto}?subject=unsubscribe>"] if mailto else [])]

    def list_unsubscribe(self, url: str) -> str:
        """The same as one header value, for the providers that take headers as JSON."""
        return ", ".join(self.list_unsubscribe_targets(url))

    def personal(self, reader: Pending) -> tuple[str, str, str]:
        """(html, text, unsubscribe URL) of one reader's copy."""
        token = self.token(reader)
        return self.html.replace(PLACEHOLDER, token), self.text.replace(PLACEHOLDER, token), self.url_with(token)

    def message_id(self, reader: Pending) -> str:
        # 64 bits tell a list's readers apart, and keep "Message-ID: <…>" within one 78-column line.
        digest = hashlib.sha256(f"{self.version}:{reader.key}".encode()).hexdigest()[:16]
        return f"<{digest}.{self.rendered.edition.slug}@{self.rendered.edition.house.sender.domain}>"

    def message(self, reader: Pending) -> EmailMessage:
        """One reader's complete MIME message, for the providers that take raw mail."""
        from composer.send.message import build_message, set_url_header

        html, text, url = self.personal(reader)
        message = build_message(self.rendered.edition, html, text, to=[formataddr((reader.name, reader.address))])
        # Set here rather than in message.py: the test copies keep the house's own link.
        set_url_header(message, "Message-ID", [self.message_id(reader)])
        had_one_click = message["List-Unsubscribe-Post"] is not None
        set_url_header(message, "List-Unsubscribe", self.list_unsubscribe_targets(url))
        if not had_one_click:
            message["List-Unsubscribe-Post"] = ONE_CLICK
        return message


def refused(readers: list[Pending], reason: str) -> list[Outcome]:
    return [Outcome(reader.key, reason=reason) for reader in readers]

