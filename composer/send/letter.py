"""The letter: a rendered issue as mail, and the only place that writes its headers.

    Rendered issue ─▶ Letter ─┬─ for_reader(recipient) ─▶ the finished MIME message (SMTP, SES, outbox, .eml)
                              └─ field values: from_field, to_field, api_headers, parts…  (the JSON APIs)

`build --eml`, test sends and list sends all go through a Letter, so every
copy carries the same From, Reply-To, Subject, List-Id, Message-ID and
RFC 8058 `List-Unsubscribe`. A list reader has an unsubscribe token, which
fills the `{token}` of the house's `unsubscribe_url` in the header and in both
parts; a reviewer of a test send has none, and gets the house's link as it is.

Every message is checked by `header_problems` before it is handed on: the
letter's own headers once, when it is made (a problem there is the house's or
the issue's, located at house.yaml), and each reader's whole message as it is
made (a problem there is the reader's: `Unfit`, and the send goes on without them).

Addresses are written as they travel (composer/addresses.py): an international
domain as its xn-- A-label. Built with the standard library's `email` package
and its SMTP policy (CRLF line endings); the text part comes first and the
HTML part last, because mail clients show the last alternative they understand.
"""

from __future__ import annotations

import email.policy
import hashlib
import re
import secrets
import time
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from composer.addresses import Unfit, name_problem, wire_address
from composer.diagnostics import ComposerError, Diagnostic
from composer.model.edition import Edition
from composer.model.fields import is_https
from composer.send import headers, template
from composer.unsubscribe import PLACEHOLDER

TEST_PREFIX = "[TEST] "
ONE_CLICK = "List-Unsubscribe=One-Click"  # RFC 8058's POST marker, exactly
_SAMPLE_TOKEN = "x" * 120  # longer than a real token: the letter's own headers are checked with one filled in

# The policy every message is built and written with: SMTP's, except that a header set
# as written (set_raw) is never refolded. The email package would otherwise turn a long
# `<https://…>` into RFC 2047 encoded words, which List-Unsubscribe may not carry, and
# fold a long Message-ID before its first word, which breaks simple DKIM canonicalisation.
POLICY = email.policy.SMTP.clone(refold_source="none")
# A display name of plain words, and an address of atoms (what wire_address gives, less its rarer forms).
_PLAIN_NAME = re.compile(r"(?:[A-Za-z0-9]+(?: [A-Za-z0-9]+)*)?")
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


@dataclass(frozen=True)
class Recipient:
    """Who one copy is for. `address` is as it travels (addresses.wire_address); `token` fills the
    unsubscribe link of a list reader; `key` is the reader's row in the ledger (the address in lower case)."""

    address: str
    name: str = ""
    token: str | None = None
    key: str = field(default="")

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", self.address.lower())


def reviewer(address: str) -> Recipient:
    """A test send's reviewer: their checked address, and no unsubscribe token."""
    return Recipient(wire_address(address))


class Letter:
    """The rendered issue with the headers every copy shares; `for_reader` gives each copy."""

    def __init__(self, edition: Edition, html: str, text: str, *, test: bool = False, version: str | None = None):
        house = edition.house
        sender = house.sender
        self.edition = edition
        self.html, self.text = html, text
        self.subject = (TEST_PREFIX if test else "") + edition.subject
        # `version` fixes each reader's Message-ID: a copy sent twice in a crash window carries the same
        # id, and clients that de-duplicate by Message-ID show it once. Test copies get a fresh one each.
        self.version = version
        try:
            self.sender = Recipient(wire_address(sender.address), sender.name)
            self.reply_to = wire_address(sender.reply_to or sender.address)
            self.unsubscribe_mailto = wire_address(sender.unsubscribe_mailto) if sender.unsubscribe_mailto else None
        except Unfit as error:
            raise self._refusal(str(error)) from None
        self.domain = self.sender.address.rsplit("@", 1)[1]
        self.list_id = headers.list_id(house, self.domain)
        self.unsubscribe_template = house.unsubscribe_url if is_https(house.unsubscribe_url) else None
        self._template: template.Template | None = None
        try:
            self.for_reader(Recipient(self.sender.address, token=_SAMPLE_TOKEN))
        except Unfit as error:
            raise self._refusal(str(error)) from None

    def _refusal(self, problem: str) -> ComposerError:
        where = self.edition.house_path or self.edition.source_name
        return ComposerError([Diagnostic(path=str(where), message=f"{problem}; nothing was written or sent; check "
                                         "the subject, headline, newsletter and sender in the issue and house.yaml")])

    # -- the values every copy shares, and each reader's own ---------------------------------------

    @property
    def from_field(self) -> str:
        """From: as one ASCII-safe value: a non-ASCII name as an encoded word, the domain as its A-label."""
        return formataddr((self.sender.name, self.sender.address))

    def to_field(self, recipient: Recipient) -> str:
        return formataddr((recipient.name, recipient.address))

    def unsubscribe_url(self, recipient: Recipient) -> str | None:
        """The reader's own one-click link; a reviewer's copy keeps the house's link as it is."""
        if self.unsubscribe_template is None:
            return None
        return self.unsubscribe_template.replace(PLACEHOLDER, recipient.token) if recipient.token else \
            self.unsubscribe_template

    def _unsubscribe_targets(self, url: str) -> list[str]:
        """RFC 8058's targets: the https link, then the mailto when the house has one. Written as they are,
        one a line: folding only at the commas between them changes nothing a reader parses, and keeps
        the https link literal (RFC 2047 encoded words would hide it) on the header's first line."""
        mailto = [f"<mailto:{self.unsubscribe_mailto}?subject=unsubscribe>"] if self.unsubscribe_mailto else []
        return [f"<{url}>", *mailto]

    def _unsubscribe_value(self, url: str) -> str:
        return ("," + headers.FOLD).join(self._unsubscribe_targets(url))

    def api_headers(self, recipient: Recipient | None = None) -> dict[str, str]:
        """The headers a JSON API takes beside the parts: List-Id, and with a recipient, their RFC 8058 pair."""
        found = {"List-Id": headers.unfolded(self.list_id)}
        url = self.unsubscribe_url(recipient) if recipient else None
        if url:
            found |= {"List-Unsubscribe": ", ".join(self._unsubscribe_targets(url)), "List-Unsubscribe-Post": ONE_CLICK}
        return found

    def parts(self, recipient: Recipient) -> tuple[str, str]:
        """(html, text) of this reader's copy: their token in the unsubscribe links."""
        if not recipient.token:
            return self.html, self.text
        return self.html.replace(PLACEHOLDER, recipient.token), self.text.replace(PLACEHOLDER, recipient.token)

    def parts_with(self, merge_tag: str) -> tuple[str, str]:
        """(html, text) with a provider's merge tag where each reader's token goes, for the APIs that fill it in."""
        return self.html.replace(PLACEHOLDER, merge_tag), self.text.replace(PLACEHOLDER, merge_tag)

    def message_id(self, recipient: Recipient) -> str:
        # 64 bits tell a list's readers apart, and keep "Message-ID: <…>" within one 78-column line.
        if self.version:
            digest = hashlib.sha256(f"{self.version}:{recipient.key}".encode()).hexdigest()[:16]
            return f"<{digest}.{self.edition.slug}@{self.domain}>"
        return f"<{time.time_ns():x}.{secrets.token_hex(6)}@{self.domain}>"

    # -- the finished message ----------------------------------------------------------------

    def for_reader(self, recipient: Recipient) -> EmailMessage:
        """This reader's complete MIME message, built by the `email` package and checked; Unfit when their
        name or address cannot go in it. (`copy` gives the same bytes faster.)"""
        if problem := name_problem(recipient.name):
            raise Unfit(problem)
        url = self.unsubscribe_url(recipient)
        message = self._message(_mailbox(recipient), formatdate(localtime=True), self.message_id(recipient),
                                self._unsubscribe_value(url) if url else None, *self.parts(recipient))
        # The last check before any message is written or sent: the model and the list reader refuse
        # what could smuggle a header in, and this catches whatever got past them.
        if problems := headers.header_problems(message):
            raise Unfit(problems[0])
        return message

    def _message(self, to: Address | str, date: str, message_id: str, unsubscribe: str | None, html: str,
                 text: str) -> EmailMessage:
        message = EmailMessage(policy=POLICY)
        _set_subject(message, self.subject)
        # No Sender: RFC 5322 3.6.2 asks for it only when it differs from From, and the house sends as itself.
        message["From"] = _mailbox(self.sender)
        message["Reply-To"] = _mailbox(Recipient(self.reply_to, self.sender.name))
        message["To"] = to
        message.set_raw("Date", date)
        message.set_raw("Message-ID", message_id)
        # RFC 2919: names the list, so filters and spam checkers can tell it is one.
        message.set_raw("List-Id", self.list_id)
        if unsubscribe:
            message.set_raw("List-Unsubscribe", unsubscribe)
            message["List-Unsubscribe-Post"] = ONE_CLICK
        # Quoted-printable keeps every line under 998 octets and the message 7-bit clean.
        message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
        message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
        for part in message.iter_parts():
            del part["MIME-Version"]  # add_alternative leaves a stray copy in the part
        return message

    def _own_headers(self, recipient: Recipient, message_id: str) -> dict[str, bytes]:
        """The header lines that differ from reader to reader, as written, each ending in CRLF; checked.

        To is folded by the `email` package, as it would fold it in the whole message, and read back as a
        mail client would; the others are composer's own values (a date, a digest, a link with a base64url
        token), written as they are, and held to a single line of at most 998 octets."""
        lines = {"To": self._to_line(recipient), "Date": f"Date: {formatdate(localtime=True)}\r\n".encode(),
                 "Message-ID": f"Message-ID: {message_id}\r\n".encode()}
        if url := self.unsubscribe_url(recipient):
            lines["List-Unsubscribe"] = f"List-Unsubscribe: {self._unsubscribe_value(url)}\r\n".encode()
        for line in lines.values():
            if len(line) > headers.LONGEST_LINE + 2 or b"\n" in line.replace(headers.FOLD.encode(), b"")[:-2]:
                raise Unfit(f"a header line of this reader's copy would be broken or over "
                            f"{headers.LONGEST_LINE} octets")
        return lines

    @staticmethod
    def _to_line(recipient: Recipient) -> bytes:
        """To: as the `email` package writes it. Most readers' names are plain words, and a plain name
        and address that fit on one line are written as they are, with nothing to quote, encode or fold:
        those take a shortcut (tests/test_throughput.py holds it to the package's output)."""
        name, address = recipient.name, recipient.address
        if _PLAIN_NAME.fullmatch(name) and len(name) + len(address) < 70 and _PLAIN_ADDRESS.fullmatch(address):
            return f"To: {name} <{address}>\r\n".encode() if name else f"To: {address}\r\n".encode()
        if problem := name_problem(name):
            raise Unfit(problem)
        to = POLICY.fold_binary("To", POLICY.header_store_parse("To", _mailbox(recipient))[1])
        if problems := headers.head_problems(to[:-2], ["To"]):
            raise Unfit(problems[0])
        return to

    def check_reader(self, recipient: Recipient) -> None:
        """Unfit when this reader's own headers (To, List-Unsubscribe) would not be sound: what an API that
        builds the message from the letter's field values needs to know, without building the whole copy."""
        self._own_headers(recipient, self.message_id(recipient))

    def eml(self) -> bytes:
        """The message as `build --eml` keeps it, and SpamAssassin scores it: to the house's readers at
        the sender's own address, with the house's unsubscribe link as it is."""
        return self.copy(Recipient(self.sender.address, f"{self.edition.house.newsletter} readers"))[0]

    def copy(self, recipient: Recipient, *, dot_stuffed: bool = False) -> tuple[bytes, str]:
        """This reader's message as it goes on the wire, and its Message-ID: the letter's message written
        once (template.py), with this reader's own headers, checked, and their token in it. `dot_stuffed`:
        as SMTP's DATA carries it (RFC 5321 4.5.2), a line that starts with "." given another."""
        message_id = self.message_id(recipient)  # a test copy's is new each time: made once, used twice
        lines = self._own_headers(recipient, message_id)
        if self._template is None:
            html, text = self.html, self.text
            url = template.UNSUBSCRIBE if self.unsubscribe_template else None
            written = self._message(template.TO, template.DATE, template.MESSAGE_ID, url, html, text)
            self._template = template.Template(written.as_bytes(policy=POLICY), [text, html])
        return self._template.fill(lines, recipient.token, dot_stuffed=dot_stuffed), message_id


def _mailbox(recipient: Recipient) -> Address:
    user, domain = recipient.address.rsplit("@", 1)
    return Address(display_name=recipient.name, username=user, domain=domain)


def _set_subject(message: EmailMessage, subject: str) -> None:
    """The Subject as the email package folds it, less two of its habits.

    For a subject just too long for the first line, the email package leaves that
    line empty ("Subject:" and nothing more). Written out again by any relay that
    uses the email package, it becomes "Subject: " with a space, and a DKIM
    signature with simple header canonicalisation no longer verifies. So the
    first word moves up. And a line may end in a space before the fold, which
    unfolds to a double space in front of a non-ASCII word; that space goes.
    """
    folded = POLICY.header_factory("Subject", subject).fold(policy=POLICY)
    lines = folded[len("Subject:"):].rstrip("\r\n").split(POLICY.linesep)
    for i in range(len(lines) - 1):
        if lines[i + 1].lstrip(" ").startswith("=?"):
            lines[i] = lines[i].rstrip(" ")
    if not lines[0] and len(lines) > 1:
        # The words are already encoded and folded; folding whitespace unfolds to the
        # space it replaces, and encoded words carry their own spaces.
        word, _, remainder = lines[1].lstrip(" ").partition(" ")
        lines = [word, *([" " + remainder] if remainder else []), *lines[2:]]
    lines[0] = lines[0].lstrip(" ")
    message.set_raw("Subject", POLICY.linesep.join(lines))
