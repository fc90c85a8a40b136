"""Every line composer prints: with no secret in it, and truly one line.

A provider may echo the request back in its error (a 401 that repeats the
`Authorization` header), and an editor's text may hold line breaks or terminal
control characters. Both pass through here before they reach the terminal.
"""

from __future__ import annotations

import base64
import binascii
import os
import re

# The secrets composer reads (credentials.py and boto3's), and any other variable named like one,
# so that a provider added later is covered without a change here.
KNOWN = ("POSTMARK_SERVER_TOKEN", "SENDGRID_API_KEY", "MAILGUN_API_KEY", "MAILCHIMP_API_KEY", "BUTTONDOWN_API_KEY",
         "COMPOSER_SMTP_PASSWORD", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
# KEY, TOKEN… as a whole part of the name: GHOST_ADMIN_API_KEY is one, PIP_KEYRING_PROVIDER is not.
_SECRET_NAME = re.compile(r"(?:^|_)(?:KEY|APIKEY|TOKEN|SECRET|PASSWORD|PASSWD)(?:$|_)", re.IGNORECASE)
SHORTEST = 6  # a shorter value would mask ordinary words; no real key is that short
REDACTED = "[redacted]"
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{8,}={0,2}")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u0085\u2028\u2029]")


_known: list[str] | None = None


def forget() -> None:
    """Read the environment again at the next line: each command starts with this (cli.py)."""
    global _known
    _known = None


def secrets() -> list[str]:
    """The configured secrets' values, longest first so that one inside another is masked whole.
    Read once per command, not once per line: a check of 10,000 items prints 10,000 lines."""
    global _known
    if _known is None:
        found = {value.strip() for name, value in os.environ.items() if name in KNOWN or _SECRET_NAME.search(name)}
        _known = sorted((v for v in found if len(v) >= SHORTEST), key=len, reverse=True)
    return _known


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
    """`text` with every configured secret masked: as it is, or inside base64 (Basic credentials, SMTP AUTH)."""
    values = secrets()
    if not values:
        return text
    for value in values:
        text = text.replace(value, REDACTED)
        encoded = base64.b64encode(value.encode()).decode().rstrip("=")
        if len(encoded) >= SHORTEST:
            text = text.replace(encoded, REDACTED)
    return _BASE64_RUN.sub(lambda m: REDACTED if _decodes_to_secret(m.group(), values) else m.group(), text)


def one_line(text: str) -> str:
    """Line breaks and control characters made visible (\\r, \\n, \\x1b), so a message stays one line."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def printable(text: str) -> str:
    return one_line(redact(text))
