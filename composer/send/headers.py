"""The headers of an outgoing message: built so that each stays one valid header, and checked.

The fields that become headers are refused in the model when they could smuggle
a header in (encoded words, line breaks). `header_problems` is the last line of
defence: it serialises the headers, reads them back as a mail client would,
decodes every encoded word, and finds any header that was not put there, any
line break or NUL inside a value, and any line over RFC 5322's 998 octets.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.headerregistry import Address
from email.message import EmailMessage
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from composer.model.house import House

LONGEST_LINE = 998  # octets, RFC 5322 section 2.1.1


def is_https(url: str) -> bool:
    """Schemes are case-insensitive (RFC 3986): HTTPS://… is an https address too."""
    return url[:8].lower() == "https://"


def ascii_domain(domain: str) -> str:
    """An internationalised domain as its A-label (xn--…), the form headers and SMTP carry without SMTPUTF8."""
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain  # email-validator accepted it; let the final check judge what comes out


def address(name: str, addr: str) -> Address:
    user, domain = addr.rsplit("@", 1)
    return Address(display_name=name, username=user, domain=ascii_domain(domain))


def _phrase(name: str) -> str:
    """The list's name as an RFC 5322 phrase: encoded when it is not ASCII, quoted when it holds specials."""
    if not name.isascii():
        return email.header.Header(name, "utf-8").encode()
    if re.fullmatch(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+", name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def list_id(house: House) -> str:
    """RFC 2919: `phrase <label.domain>`, where the label is ASCII letters, digits and hyphens."""
    label = house.newsletter_slug or re.sub(r"[^a-z0-9]+", "-", house.sender.address.split("@")[0].lower()).strip("-")
    return f"{_phrase(house.newsletter)} <{label or 'newsletter'}.{ascii_domain(house.sender.domain)}>"


def header_problems(message: EmailMessage) -> list[str]:
    """What is wrong with the message's headers as a mail client would read them; empty when nothing is."""
    raw = message.as_bytes(policy=message.policy)  # as it will be written
    head = raw.split(b"\r\n\r\n", 1)[0]
    problems = [f"a header line is {len(line):,} octets long, over the {LONGEST_LINE} that mail allows"
                for line in head.split(b"\r\n") if len(line) > LONGEST_LINE]
    parsed = email.message_from_bytes(head + b"\r\n\r\n", policy=email.policy.default)
    expected = [name.lower() for name in message.keys()]
    found = [name.lower() for name in parsed.keys()]
    extra = [name for name in found if found.count(name) > expected.count(name)]
    if extra:
        problems.append(f"the message would carry a header that composer did not write ({extra[0]})")
    missing = [name for name in expected if found.count(name) < expected.count(name)]
    if missing:
        # A blank line inside a value ends the header block: what follows would become the body.
        problems.append(f"the header block would end before the {missing[0]} header")
    for name in parsed.keys():
        for value in parsed.get_all(name) or []:
            decoded = str(value)
            if any(c in decoded for c in "\r\n\0"):
                problems.append(f"the {name} header would hold a line break or NUL once decoded")
            # RFC 2047 forbids encoded words inside an address: no client would find the mailbox.
            for address in getattr(value, "addresses", ()):
                if "=?" in address.addr_spec or not address.addr_spec.isascii():
                    problems.append(f"the {name} header would hold an address that is not plain ASCII")
    return problems
