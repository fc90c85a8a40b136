"""The headers of an outgoing message: built so that each stays one valid header, and checked.

The fields that become headers are refused in the model when they could smuggle
a header in (encoded words, line breaks). `header_problems` is the last line of
defence: it serialises the headers, reads them back as a mail client would,
decodes every encoded word, and finds any header that was not put there, any
line break or NUL inside a value, and any line over RFC 5322's 998 octets.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import re
from email.message import EmailMessage

from composer.model.house import House

LONGEST_LINE = 998  # octets, RFC 5322 section 2.1.1
FOLD = "\r\n "  # a header's folding: CRLF and the space a reader unfolds it to


def _phrase(name: str) -> str:
    """The list's name as an RFC 5322 phrase: encoded words when it is not ASCII, folded between them so
    that a long name keeps every line short; quoted when it holds specials."""
    if not name.isascii():
        return email.header.Header(name, "utf-8", header_name="List-Id").encode(linesep=FOLD[:2])
    if re.fullmatch(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+", name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def list_id(house: House, domain: str) -> str:
    """RFC 2919's List-Id as written, folded: `phrase <label.domain>`, the label ASCII letters, digits and
    hyphens, and `domain` the sender's, as its A-label."""
    label = house.newsletter_slug or re.sub(r"[^a-z0-9]+", "-", house.sender.address.split("@")[0].lower()).strip("-")
    phrase, target = _phrase(house.newsletter), f"<{label or 'newsletter'}.{domain}>"
    last_line = len(phrase.rsplit(FOLD, 1)[-1]) + (len("List-Id: ") if FOLD not in phrase else 1)
    return phrase + (FOLD if last_line + 1 + len(target) > 78 else " ") + target


def unfolded(value: str) -> str:
    """A folded header value on one line, as a reader unfolds it: for the APIs that take headers as JSON."""
    return value.replace(FOLD, " ")


def header_problems(message: EmailMessage) -> list[str]:
    """What is wrong with the message's headers as a mail client would read them; empty when nothing is."""
    raw = message.as_bytes(policy=message.policy)  # as it will be written
    return head_problems(raw.split(b"\r\n\r\n", 1)[0], list(message.keys()))


def head_problems(head: bytes, names: list[str]) -> list[str]:
    """What is wrong with a header block as written (`head`, without its blank line), which should hold
    exactly the headers `names`; empty when nothing is."""
    problems = [f"a header line is {len(line):,} octets long, over the {LONGEST_LINE} that mail allows"
                for line in head.split(b"\r\n") if len(line) > LONGEST_LINE]
    parsed = email.message_from_bytes(head + b"\r\n\r\n", policy=email.policy.default)
    expected = [name.lower() for name in names]
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
