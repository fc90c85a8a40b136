"""The one method every provider implements, and what it says about each recipient.

As Ghost's sending service and listmonk's messengers do it: a provider is given
a letter and a batch of recipients, and yields one outcome per recipient as
soon as it knows it. A test send is a batch of reviewers (no tokens, no
ledger); a list send is the ledger's readers, `batch_limit` at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from threading import Event
from typing import Protocol

from composer.addresses import Unfit
from composer.send.letter import Letter, Recipient


@dataclass(frozen=True)
class Outcome:
    """What the provider said about one recipient: accepted with an id, or refused with a reason."""

    key: str
    message_id: str | None = None
    reason: str | None = None

    @property
    def sent(self) -> bool:
        return self.reason is None


def refused(recipients: list[Recipient], reason: str) -> list[Outcome]:
    return [Outcome(recipient.key, reason=reason) for recipient in recipients]


def one_by_one(letter: Letter, batch: list[Recipient], deliver: Callable[[Recipient, bytes, str], Outcome],
               stopped: Callable[[], bool] = lambda: False, *, dot_stuffed: bool = False) -> Iterator[list[Outcome]]:
    """Each recipient's finished message (as bytes, with its Message-ID) handed to `deliver`, for the
    providers that take raw mail, until `stopped()`; a recipient whose copy cannot be made is refused
    alone, with the reason. `dot_stuffed`: as SMTP's DATA carries the message."""
    for recipient in batch:
        if stopped():
            return
        try:
            raw, message_id = letter.copy(recipient, dot_stuffed=dot_stuffed)
        except Unfit as problem:
            yield [Outcome(recipient.key, reason=str(problem))]
            continue
        yield [deliver(recipient, raw, message_id)]


class Provider(Protocol):
    name: str
    batch_limit: int  # the most recipients the provider takes in one request (or on one connection)
    # True for providers that send one message per recipient (SMTP, SES, the outbox): each is recorded
    # as it goes, and a refused request is about the recipient in flight only.
    one_by_one: bool

    def send(self, letter: Letter, batch: list[Recipient], stop: Event | None = None) -> Iterator[list[Outcome]]:
        """Send each recipient their own copy; yield outcomes as soon as the provider has answered for them.

        Once `stop` is set (the editor's Ctrl-C), no new message or request starts: those in flight are
        answered and yielded, and the generator ends, so that every accepted message is recorded.

        A refusal about one recipient is that recipient's Outcome; a refusal of the
        whole request (a bad key, the provider down after retries) raises DeliveryError.
        A success answer that is not in the shape the provider's API documents raises
        DeliveryError too, with the provider's id when it gave one.
        """
        ...
