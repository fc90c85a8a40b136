"""Addresses and display names as they may go into a message's headers and SMTP's envelope.

One judgement for every address composer mails: a reviewer's `--to`, a
reader's row in the CSV list, the house's sender. By syntax only (no DNS
lookup); an international domain travels as its xn-- A-label, which every
server carries; a local part outside ASCII would need SMTPUTF8, which few
servers offer, so it is refused rather than sent to some and bounced by others.
"""

from __future__ import annotations

import re

LOCAL_PART_LIMIT = 64  # octets before the @ (RFC 5321 4.5.3.1.1); email-validator leaves it to the server
HEADER_TEXT_LIMIT = 200  # characters; folded, a header line stays far under RFC 5322's 998 octets
ENCODED_WORD = re.compile(r"=\?.*\?=", re.S)  # RFC 2047 `=?charset?q?…?=`, which every client decodes
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


class Unfit(ValueError):
    """Why an address or a name cannot go into a message: one line, with what to do."""


def wire_address(address: str) -> str:
    """`address` as it goes on the wire: checked, its domain as an A-label. Unfit when it cannot go."""
    # 34 ms to import, paid only by the commands that send.
    from email_validator import EmailNotValidError, validate_email

    if ENCODED_WORD.search(address):
        raise Unfit(f"'{address}' holds `=?…?=`, the syntax of an encoded mail header (RFC 2047), which no "
                    "address may carry; write the address itself")
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError as error:
        raise Unfit(f"'{address}' is not an e-mail address ({error})") from None
    local = checked.local_part.encode()
    if len(local) > LOCAL_PART_LIMIT:
        raise Unfit(f"'{address}' is {len(local)} characters long before the @, and mail allows at most "
                    f"{LOCAL_PART_LIMIT} there (RFC 5321); check the address")
    if checked.ascii_email is None:
        raise Unfit(f"'{address}' has letters outside ASCII before the @, which most mail servers cannot carry "
                    "(SMTPUTF8); use an ASCII address")
    return checked.ascii_email


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a display name in To: or From:, or None."""
    if len(name) > HEADER_TEXT_LIMIT:
        return f"the name is {len(name):,} characters long; a name in a mail header may have {HEADER_TEXT_LIMIT}"
    if _CONTROL.search(name):
        return "the name holds a line break or control character, which would split the mail header; remove it"
    if ENCODED_WORD.search(name):
        return ("the name holds `=?…?=`, the syntax of an encoded mail header (RFC 2047), which could add headers "
                "of its own; write the name as it should read")
    return None
