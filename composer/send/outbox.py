"""The default provider: the message goes to a folder, so the whole flow works with no account.

A list send writes one .eml per reader into `<outbox>/<slug>/`, named by address.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from composer.diagnostics import ComposerError, DeliveryError
from composer.model.fields import Text
from composer.output import prepare_folder, reserve, write_all
from composer.send.provider import Outgoing

if TYPE_CHECKING:
    from collections.abc import Iterator

    from composer.ledger import Outcome, Pending
    from composer.model.house import House
    from composer.send.letters import Broadcast

NAME = "outbox"
SETTINGS = (Text, "outbox")  # `delivery.outbox`: the folder, relative to house.yaml
SETTINGS_DESCRIPTION = "The folder the outbox writes each message to, relative to house.yaml."


class Outbox:
    name = NAME
    batch_limit = 100
    one_by_one = True  # one message per reader, each recorded as soon as it is accepted

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, mail: Outgoing) -> str:
        from composer.send.message import message_bytes

        path = None
        try:
            prepare_folder(self.folder)
            # Two sends in the same second get two files; neither replaces the other.
            path = reserve(self.folder, time.strftime("%Y%m%d-%H%M%S"), f"{mail.slug}.eml")
            write_all({path: message_bytes(mail.message)})
        except ComposerError as error:
            if path is not None:
                path.unlink(missing_ok=True)  # the empty file that held the name
            reason = error.diagnostics[0].message.split(";")[0]
            raise DeliveryError(f"outbox: {reason} ({self.folder}); set `delivery.outbox` in house.yaml") from None
        return str(path)

    def send_batch(self, broadcast: Broadcast, batch: list[Pending]) -> Iterator[list[Outcome]]:
        import re

        from composer.ledger import Outcome
        from composer.send.message import message_bytes

        folder = self.folder / broadcast.rendered.edition.slug
        try:
            prepare_folder(folder)
            for reader in batch:
                path = folder / (re.sub(r"[^\w.@+-]", "_", reader.key) + ".eml")
                write_all({path: message_bytes(broadcast.message(reader))})
                yield [Outcome(reader.key, str(path))]
        except ComposerError as error:
            reason = error.diagnostics[0].message.split(";")[0]
            raise DeliveryError(f"outbox: {reason} ({folder}); set `delivery.outbox` in house.yaml") from None


def from_house(house: House, house_dir: Path) -> Outbox:
    return Outbox((house_dir / house.delivery.outbox).resolve())
