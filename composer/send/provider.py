"""The one interface every provider implements, and the mail they are all given."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterator
    from email.message import EmailMessage

    from composer.ledger import Outcome, Pending
    from composer.send.letters import Broadcast


@dataclass
class Outgoing:
    """The MIME message built from the files `build` writes, with its parts and its recipients."""

    message: EmailMessage
    recipients: list[str]
    html: str
    text: str
    slug: str

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def header(self, name: str) -> str | None:
        value = self.message[name]
        return str(value) if value is not None else None

    def unsubscribe_headers(self) -> dict[str, str]:
        """RFC 8058's pair, for the APIs that take headers beside the parts."""
        names = ("List-Unsubscribe", "List-Unsubscribe-Post")
        return {name: value for name in names if (value := self.header(name))}


class Provider(Protocol):
    name: str

    def send(self, mail: Outgoing) -> str:
        """Deliver the mail; return the provider's id for it, or where it went."""
        ...


class ListSender(Protocol):
    """What a provider adds to send one issue to a whole list, through its own bulk API."""

    name: str
    batch_limit: int  # the most readers the provider takes in one request
    # True for providers that send one message per reader (SMTP, SES, the outbox): each is
    # recorded as it goes, and a refused request is about the reader in flight only.
    one_by_one: bool

    def send_batch(self, broadcast: Broadcast, batch: list[Pending]) -> Iterator[list[Outcome]]:
        """Send each reader their own copy; yield outcomes as soon as the provider has answered for them.

        A refusal about one reader is that reader's Outcome; a refusal of the
        whole request (bad key, provider down after retries) raises DeliveryError.
        """
        ...
