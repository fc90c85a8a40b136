"""Every line composer prints: with no secret in it, and truly one line.

A provider may echo the request back in its error (a 401 that repeats the
`Authorization` header), and an editor's text may hold line breaks or terminal
control characters. Both pass through here before they reach the terminal.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from urllib.parse import unquote

# The secrets composer reads (credentials.py and boto3's), and any other variable named like one,
# so that a provider added later is covered without a change here.
KNOWN = ("POSTMARK_SERVER_TOKEN", "SENDGRID_API_KEY", "MAILGUN_API_KEY", "MAILCHIMP_API_KEY", "BUTTONDOWN_API_KEY",
         "COMPOSER_SMTP_PASSWORD", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "COMPOSER_SUPPRESSIONS_PASSWORD",
         "COMPOSER_POSTMARK_WEBHOOK_PASSWORD", "MAILGUN_WEBHOOK_SIGNING_KEY")
# Variables that hold several secrets, comma-separated: each is masked on its own.
LISTS = ("COMPOSER_UNSUBSCRIBE_OLD_SECRETS",)
# KEY, TOKEN… as a whole part of the name: GHOST_ADMIN_API_KEY is one, PIP_KEYRING_PROVIDER is not.
_SECRET_NAME = re.compile(r"(?:^|_)(?:KEYS?|APIKEYS?|TOKENS?|SECRETS?|PASSWORDS?|PASSWD)(?:$|_)", re.IGNORECASE)
SHORTEST = 6  # a shorter value would mask ordinary words; no real key is that short
REDACTED = "[redacted]"
# A run of base64, percent-escapes allowed in it: `Basic%20dXNlcjpzZWNyZXQ%3D` is base64 in a URL.
_BASE64_RUN = re.compile(r"(?:[A-Za-z0-9+/_=-]|%[0-9A-Fa-f]{2}){8,}")
_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/_-]+")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u0085\u2028\u2029]")


_known: list[str] | None = None
_disguises: list[re.Pattern] | None = None


def forget() -> None:
    """Read the environment again at the next line: each command starts with this (cli.py)."""
    global _known, _disguises
    _known = _disguises = None


def secrets() -> list[str]:
    """The configured secrets' values, longest first so that one inside another is masked whole.
    Read once per command, not once per line: a check of 10,000 items prints 10,000 lines."""
    global _known
    if _known is None:
        found = {value.strip() for name, value in os.environ.items() if name in KNOWN or _SECRET_NAME.search(name)}
        found |= {piece.strip() for name in LISTS for piece in os.environ.get(name, "").split(",")}
        _known = sorted((v for v in found if len(v) >= SHORTEST), key=len, reverse=True)
    return _known


def _character_forms(char: str) -> str:
    """One character of a secret as a pattern: itself (in either case, the pattern ignores case),
    percent-encoded as a URL or a form body writes it, or escaped as JSON writes it."""
    forms = {re.escape(char), "".join(f"%{byte:02x}" for byte in char.encode()),
             re.escape(json.dumps(char)[1:-1]), re.escape(f"\\u{ord(char):04x}")}
    if char == "/":
        forms.add(re.escape("\\/"))
    if char == " ":
        forms.add(re.escape("+"))
    return "(?:" + "|".join(sorted(forms)) + ")"


def disguises() -> list[re.Pattern]:
    """Each secret in any mixture of its printed forms: a secret echoed lower-cased, in a URL's query
    or inside a JSON string is the same secret."""
    global _disguises
    if _disguises is None:
        _disguises = [re.compile("".join(_character_forms(c) for c in value), re.IGNORECASE) for value in secrets()]
    return _disguises


def _decodes_to_secret(run: str, values: list[str]) -> bool:
    """Basic credentials and SMTP AUTH carry `user:secret` in base64; decoded, the secret shows."""
    bare = run.rstrip("=")
    for candidate in (bare, bare.replace("-", "+").replace("_", "/")):
        padded = candidate + "=" * (-len(candidate) % 4)
        try:
            decoded = base64.b64decode(padded, validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            continue
        if any(value in decoded for value in values):
            return True
    return False


def redact(text: str) -> str:
    """`text` with every configured secret masked: as it is, in another case, percent-encoded, JSON-escaped,
    or inside base64 (Basic credentials, SMTP AUTH), percent-encoded or not."""
    values = secrets()
    if not values:
        return text
    for value, disguised in zip(values, disguises(), strict=True):
        text = disguised.sub(REDACTED, text)
        encoded = base64.b64encode(value.encode()).decode().rstrip("=")
        if len(encoded) >= SHORTEST:
            text = text.replace(encoded, REDACTED)
    return _BASE64_RUN.sub(lambda m: REDACTED if _in_base64(m.group(), values) else m.group(), text)


def _in_base64(run: str, values: list[str]) -> bool:
    # `Basic%20<base64>` unquoted is `Basic <base64>`, and `a=<base64>` holds it after the `=`: each piece
    # between such characters is tried on its own (its padding, dropped with them, is put back).
    return any(_decodes_to_secret(piece, values) for piece in _NOT_BASE64.split(unquote(run)) if piece)


def one_line(text: str) -> str:
    """Line breaks and control characters made visible (\\r, \\n, \\x1b), so a message stays one line."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def printable(text: str) -> str:
    return one_line(redact(text))
