"""A letter's MIME message made once, and each reader's copy made from it as bytes.

Building each copy with the `email` package costs about 6 ms; a list of
10,000 spends a minute on it. But copies differ only in To, Date,
Message-ID, List-Unsubscribe, and the lines of the parts that hold the
`{token}` placeholder. So the message is built and written once, with a
marker in each of those places, and cut there; a copy is the pieces joined
with the reader's own header lines (folded by the `email` package, as it
would have folded them) and the placeholder lines encoded again with their
token, by the quoted-printable encoder the `email` package uses. The result
is the `email` package's own output, byte for byte, the MIME boundary aside
(tests/test_throughput.py compares them).
"""

from __future__ import annotations

import email.quoprimime
import re
from collections.abc import Callable
from dataclasses import dataclass

from composer.unsubscribe import PLACEHOLDER

# Header values no reader has: where each reader's own lines go.
TO = "to@marker.composer.invalid"
DATE = "date.marker.composer.invalid"
MESSAGE_ID = "<message-id@marker.composer.invalid>"
UNSUBSCRIBE = "<https://unsubscribe.marker.composer.invalid/>"
_MARKED = {"To": TO, "Date": DATE, "Message-ID": MESSAGE_ID, "List-Unsubscribe": UNSUBSCRIBE}
MAX_LINE = 78  # email.policy.SMTP's max_line_length, which the parts' encoder is given


@dataclass(frozen=True)
class _Line:
    """A line of a part that holds the placeholder: its text, to be encoded again with each token."""

    text: str  # the line's UTF-8 bytes as latin-1 characters, as the `email` package hands them to its encoder

    def encoded(self, token: str) -> bytes:
        line = email.quoprimime.body_encode(self.text.replace(PLACEHOLDER, token) + "\n", MAX_LINE)
        return line.rstrip("\n").replace("\n", "\r\n").encode("ascii")


class Template:
    """`written`: the whole message as bytes, with the markers above in its headers and the placeholder in
    its parts (`parts`: their source text). Cut once; `fill` joins the pieces for one reader."""

    def __init__(self, written: bytes, parts: list[str]):
        head, _, body = written.partition(b"\r\n\r\n")
        slots: list[tuple[int, int, str | _Line]] = []
        for name, marker in _MARKED.items():
            line = f"{name}: {marker}".encode()
            start = (b"\r\n" + head).find(b"\r\n" + line + b"\r\n")
            if start >= 0:
                slots.append((start, start + len(line) + 2, name))
        offset = len(head) + 4
        for part in parts:
            for text in {line.decode("latin-1") for line in part.encode("utf-8").splitlines()
                         if PLACEHOLDER.encode() in line}:
                encoded = _Line(text).encoded(PLACEHOLDER)
                # Whole lines only, and each of several in a row (a lookbehind does not use up the CRLF).
                for found in re.finditer(b"(?<=\r\n)" + re.escape(encoded) + b"(?=\r\n)", b"\r\n" + body):
                    start = offset + found.start() - 2
                    slots.append((start, start + len(encoded), _Line(text)))
        slots.sort(key=lambda slot: slot[0])
        self.pieces: list[bytes] = []
        self.slots: list[str | _Line] = []
        at = 0
        for start, end, what in slots:
            self.pieces.append(written[at:start])
            self.slots.append(what)
            at = end
        self.pieces.append(written[at:])
        # Each piece starts a line (or starts with the CRLF that ends one), so each can be stuffed alone.
        self.stuffed = [dot_stuff(piece) for piece in self.pieces]

    def fill(self, header_lines: dict[str, bytes], token: str | None, *, dot_stuffed: bool = False) -> bytes:
        """One reader's copy: `header_lines` their To, Date, Message-ID and List-Unsubscribe as written
        (each ending in CRLF), and `token` in the placeholder lines (None: the placeholder stays).
        `dot_stuffed`: as SMTP's DATA carries it, the stuffing done once for the pieces that never change."""
        encode: Callable[[_Line], bytes] = (lambda line: line.encoded(token)) if token else \
            (lambda line: line.encoded(PLACEHOLDER))
        pieces = self.stuffed if dot_stuffed else self.pieces
        out = [pieces[0]]
        for slot, piece in zip(self.slots, pieces[1:], strict=True):
            own = header_lines[slot] if isinstance(slot, str) else encode(slot)
            out.append(dot_stuff(own) if dot_stuffed else own)
            out.append(piece)
        return b"".join(out)


_LINE_WITH_A_DOT = re.compile(rb"(?m)^\.")


def dot_stuff(data: bytes) -> bytes:
    """RFC 5321 4.5.2: a line that starts with "." gets another, so no line of the message ends DATA."""
    return _LINE_WITH_A_DOT.sub(b"..", data)
