"""Personal one-click unsubscribe links, and the function a house's web form uses to trust them.

A list send fills the `{token}` placeholder of the house's `unsubscribe_url`
with a token made for each reader: their address, and an HMAC-SHA256 of it
keyed with the secret in COMPOSER_UNSUBSCRIBE_SECRET. Only someone who holds
the secret can make a token, so a link cannot be forged to unsubscribe
someone else, and the unsubscribe page needs no database to know who asked:

    from composer.unsubscribe import verify_unsubscribe_token
    address = verify_unsubscribe_token(token)   # the address, or None if forged

The token is URL-safe (base64url and one dot) and never holds the secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from composer.diagnostics import DeliveryError

SECRET_VARIABLE = "COMPOSER_UNSUBSCRIBE_SECRET"
PLACEHOLDER = "{token}"
_PURPOSE = b"composer-unsubscribe-v1:"  # a MAC made here is good for nothing else
_MAC_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(address: str, secret: str) -> bytes:
    message = _PURPOSE + address.lower().encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()[:_MAC_BYTES]


def unsubscribe_secret() -> str:
    """The secret from the environment; a list send cannot make honest links without it."""
    value = os.environ.get(SECRET_VARIABLE, "").strip()
    if len(value) < 16:
        raise DeliveryError(
            f"set the environment variable {SECRET_VARIABLE} to a random secret of at least 16 characters "
            "(the same one your unsubscribe page uses to check the links); it is never read from a file"
        )
    return value


def make_unsubscribe_token(address: str, secret: str) -> str:
    """The token for one reader's link: base64url(address) "." base64url(HMAC)."""
    return f"{_b64(address.encode('utf-8'))}.{_b64(_mac(address, secret))}"


def verify_unsubscribe_token(token: str, secret: str | None = None) -> str | None:
    """The address a token was made for, or None when the token was not made with this secret.

    `secret` defaults to COMPOSER_UNSUBSCRIBE_SECRET. The comparison takes the
    same time however much of a forged MAC is right.
    """
    secret = secret if secret is not None else unsubscribe_secret()
    encoded, _, mac = token.strip().partition(".")
    try:
        address = _unb64(encoded).decode("utf-8")
        given = _unb64(mac)
    except (binascii.Error, ValueError):
        return None
    if not address or not hmac.compare_digest(given, _mac(address, secret)):
        return None
    return address


def personal_url(template: str, address: str, secret: str) -> str:
    return template.replace(PLACEHOLDER, make_unsubscribe_token(address, secret))
