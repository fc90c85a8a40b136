"""The email message: the built HTML and text parts as one correct MIME message.

Built with the standard library's `email` package and its SMTP policy (CRLF
line endings). The text part comes first and the HTML part last, because mail
clients show the last alternative they understand.
"""

from __future__ import annotations

import email.policy
import secrets
import time
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from typing import TYPE_CHECKING

from composer.send import headers

if TYPE_CHECKING:
    from composer.model.edition import Edition

TEST_PREFIX = "[TEST] "


def _address(name: str, address: str) -> Address:
    return headers.address(name, address)  # an IDN domain as its A-label


def build_message(edition: Edition, html: str, text: str, *, to: list[str] | None = None, test: bool = False) -> EmailMessage:
    """One message for `to` (or addressed to the sender, for an .eml kept on disk)."""
    house = edition.house
    sender = house.sender
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = (TEST_PREFIX if test else "") + edition.subject
    message["From"] = _address(sender.name, sender.address)
    message["Sender"] = _address(sender.name, sender.address)
    message["Reply-To"] = _address(sender.name, sender.reply_to or sender.address)
    message["To"] = ", ".join(to) if to else str(_address(f"{house.newsletter} readers", sender.address))
    message["Date"] = formatdate(localtime=True)
    # Short enough to stay on one header line; make_msgid's ids get folded.
    message["Message-ID"] = f"<{time.time_ns():x}.{secrets.token_hex(6)}@{headers.ascii_domain(sender.domain)}>"
    # RFC 2919: names the list, so filters and spam checkers can tell it is one.
    message["List-Id"] = headers.list_id(house)
    if headers.is_https(house.unsubscribe_url):
        # RFC 8058 one-click unsubscribe: an https URI, and the POST marker, exactly.
        targets = [f"<{house.unsubscribe_url}>"]
        if sender.unsubscribe_mailto:
            targets.append(f"<mailto:{sender.unsubscribe_mailto}?subject=unsubscribe>")
        message["List-Unsubscribe"] = ", ".join(targets)
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Quoted-printable keeps every line under 998 octets and the message 7-bit clean.
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    for part in message.iter_parts():
        del part["MIME-Version"]  # add_alternative leaves a stray copy in the part
    return message


def message_bytes(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=email.policy.SMTP)
