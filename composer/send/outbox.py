"""The default provider: each copy goes to a folder as an .eml file, so the whole flow works with no account.

A reviewer's copy is `<outbox>/<time>-<slug>.eml`, never replacing an earlier
one; a list reader's is `<outbox>/<slug>/<address>.eml`, so a copy written
twice (a rerun after a crash) is still one file per reader.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from threading import Event

from composer.diagnostics import ComposerError, DeliveryError
from composer.model.edition import Edition
from composer.model.fields import Text
from composer.output import prepare_folder, reserve, write_all
from composer.send.letter import Letter, Recipient
from composer.send.provider import Outcome, one_by_one

NAME = "outbox"
SETTINGS = (Text, "outbox")  # `delivery.outbox`: the folder, relative to house.yaml
SETTINGS_DESCRIPTION = "The folder the outbox writes each message to, relative to house.yaml."


class Outbox:
    name = NAME
    batch_limit = 100
    one_by_one = True  # one file per recipient, each recorded as soon as it is written

    def __init__(self, folder: Path):
        self.folder = folder

    def _path(self, letter: Letter, recipient: Recipient) -> Path:
        slug = letter.edition.slug
        if recipient.token is None:
            # Two test sends in the same second get two files; neither replaces the other.
            return reserve(self.folder, time.strftime("%Y%m%d-%H%M%S"), f"{slug}.eml")
        folder = self.folder / slug
        prepare_folder(folder)
        return folder / (re.sub(r"[^\w.@+-]", "_", recipient.key) + ".eml")

    def send(self, letter: Letter, batch: list[Recipient], stop: Event | None = None) -> Iterator[list[Outcome]]:
        def deliver(recipient: Recipient, raw: bytes, message_id: str) -> Outcome:
            path = None
            try:
                prepare_folder(self.folder)
                path = self._path(letter, recipient)
                write_all({path: raw})
            except ComposerError as error:
                if path is not None and recipient.token is None:
                    path.unlink(missing_ok=True)  # the empty file that held the name
                reason = error.diagnostics[0].message.split(";")[0]
                raise DeliveryError(f"outbox: {reason} ({self.folder}); set `delivery.outbox` in house.yaml") from None
            return Outcome(recipient.key, str(path))

        yield from one_by_one(letter, batch, deliver, stop.is_set if stop else lambda: False)


def from_house(edition: Edition, settings: str) -> Outbox:
    return Outbox((edition.folder / settings).resolve())
