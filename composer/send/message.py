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


def _set_subject(message: EmailMessage, subject: str) -> None:
    """The Subject as the email package folds it, less two of its habits.

    For a subject just too long for the first line, the email package leaves that
    line empty ("Subject:" and nothing more). Written out again by any relay that
    uses the email package, it becomes "Subject: " with a space, and a DKIM
    signature with simple header canonicalisation no longer verifies. So the
    first word moves up. And a line may end in a space before the fold, which
    unfolds to a double space in front of a non-ASCII word; that space goes.
    """
    policy = email.policy.SMTP  # the policy the message is built and written with
    folded = policy.header_factory("Subject", subject).fold(policy=policy)
    lines = folded[len("Subject:"):].rstrip("\r\n").split(policy.linesep)
    for i in range(len(lines) - 1):
        if lines[i + 1].lstrip(" ").startswith("=?"):
            lines[i] = lines[i].rstrip(" ")
    if not lines[0] and len(lines) > 1:
        # The words are already encoded and folded; folding whitespace unfolds to the
        # space it replaces, and encoded words carry their own spaces.
        word, _, remainder = lines[1].lstrip(" ").partition(" ")
        lines = [word, *([" " + remainder] if remainder else []), *lines[2:]]
    lines[0] = lines[0].lstrip(" ")
    message.set_raw("Subject", policy.linesep.join(lines))


# The policy every message is built and written with: SMTP's, except that a header set
# as written (set_raw) is never refolded. The email package would otherwise turn a long
# `<https://…>` into RFC 2047 encoded words, which List-Unsubscribe may not carry, and
# fold a long Message-ID before its first word, which breaks simple DKIM canonicalisation.
POLICY = email.policy.SMTP.clone(refold_source="none")


def set_url_header(message: EmailMessage, name: str, targets: list[str]) -> None:
    """A header of `<…>` targets (List-Unsubscribe, Message-ID) as written: one target a line.

    Each line stays under the 998 octets mail allows (the URL fields are bounded),
    and folding only at the commas between targets changes nothing a reader parses.
    """
    del message[name]
    message.set_raw(name, ",\r\n ".join(targets))


def build_message(edition: Edition, html: str, text: str, *, to: list[str] | None = None,
                  test: bool = False) -> EmailMessage:
    """One message for `to` (or addressed to the sender, for an .eml kept on disk)."""
    house = edition.house
    sender = house.sender
    message = EmailMessage(policy=POLICY)
    _set_subject(message, (TEST_PREFIX if test else "") + edition.subject)
    # No Sender: RFC 5322 3.6.2 asks for it only when it differs from From, and the house sends as itself.
    message["From"] = _address(sender.name, sender.address)
    message["Reply-To"] = _address(sender.name, sender.reply_to or sender.address)
    message["To"] = ", ".join(to) if to else str(_address(f"{house.newsletter} readers", sender.address))
    message["Date"] = formatdate(localtime=True)
    # Short enough to stay on one header line; make_msgid's ids get folded.
    set_url_header(message, "Message-ID",
                   [f"<{time.time_ns():x}.{secrets.token_hex(6)}@{headers.ascii_domain(sender.domain)}>"])
    # RFC 2919: names the list, so filters and spam checkers can tell it is one.
    message["List-Id"] = headers.list_id(house)
    if headers.is_https(house.unsubscribe_url):
        # RFC 8058 one-click unsubscribe: an https URI, and the POST marker, exactly.
        targets = [f"<{house.unsubscribe_url}>"]
        if sender.unsubscribe_mailto:
            targets.append(f"<mailto:{sender.unsubscribe_mailto}?subject=unsubscribe>")
        set_url_header(message, "List-Unsubscribe", targets)
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Quoted-printable keeps every line under 998 octets and the message 7-bit clean.
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    for part in message.iter_parts():
        del part["MIME-Version"]  # add_alternative leaves a stray copy in the part
    return message


def message_bytes(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=POLICY)
