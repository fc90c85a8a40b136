"""Personal one-click unsubscribe links: tokens made with a rotatable secret, and checked.

A list send fills the `{token}` placeholder of the house's `unsubscribe_url`
with a token made for each reader:

    base64url(address) "." key id "." day made "." base64url(HMAC-SHA256)

The MAC covers the address, the key id and the day, keyed with the secret in
COMPOSER_UNSUBSCRIBE_SECRET, so only someone who holds the secret can make a
token, and the endpoint needs no database to know who asked. The key id is
derived from the secret (never the secret itself): after a rotation the old
secret goes into COMPOSER_UNSUBSCRIBE_OLD_SECRETS (comma-separated), and a link
made with it still works until it is taken out of that list. The day lets a
token expire (`suppressions.token_days` in house.yaml, a year by default).

Tokens made before key ids existed (`base64url(address) "." MAC`, no key id
and no day) keep verifying against the current and the old secrets, and do
not expire: they stop working when the secret they were made with is retired.

    from composer.unsubscribe import verify_unsubscribe_token
    address = verify_unsubscribe_token(token)   # the address, or None if forged, damaged or expired
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import time
from dataclasses import dataclass

from composer.diagnostics import DeliveryError

SECRET_VARIABLE = "COMPOSER_UNSUBSCRIBE_SECRET"
OLD_SECRETS_VARIABLE = "COMPOSER_UNSUBSCRIBE_OLD_SECRETS"
PLACEHOLDER = "{token}"
TOKEN_DAYS = 365  # how long a link works by default; CAN-SPAM asks for 30 days after the send
_PURPOSE = b"composer-unsubscribe-v1:"  # a MAC made here is good for nothing else
_PURPOSE_V2 = b"composer-unsubscribe-v2:"
_KEY_ID = b"composer-unsubscribe-key-id:"
_MAC_BYTES = 16
_LONGEST = 600  # characters: an address of 320 in base64 and the rest; anything longer is not a token
_DAY = re.compile(r"[0-9]{1,6}")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(address: str, secret: str) -> bytes:
    message = _PURPOSE + address.lower().encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()[:_MAC_BYTES]


def _mac_v2(address: str, key_id: str, day: int, secret: str) -> bytes:
    message = _PURPOSE_V2 + f"{key_id}:{day}:".encode() + address.lower().encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()[:_MAC_BYTES]


def key_id(secret: str) -> str:
    """Eight characters that name a secret without telling it: which secret made a token."""
    return _b64(hashlib.sha256(_KEY_ID + secret.encode("utf-8")).digest()[:6])


def today() -> int:
    return int(time.time() // 86400)


def _checked(value: str, variable: str) -> str:
    if len(value) < 16:
        raise DeliveryError(
            f"set the environment variable {variable} to a random secret of at least 16 characters "
            "(the same one your unsubscribe endpoint uses to check the links); it is never read from a file"
        )
    return value


def unsubscribe_secret() -> str:
    """The secret from the environment; a list send cannot make honest links without it."""
    return _checked(os.environ.get(SECRET_VARIABLE, "").strip(), SECRET_VARIABLE)


def old_secrets() -> list[str]:
    """The retired secrets whose links still work, from COMPOSER_UNSUBSCRIBE_OLD_SECRETS."""
    values = [value.strip() for value in os.environ.get(OLD_SECRETS_VARIABLE, "").split(",") if value.strip()]
    return [_checked(value, OLD_SECRETS_VARIABLE) for value in values]


def make_unsubscribe_token(address: str, secret: str, day: int | None = None) -> str:
    """The token for one reader's link, made today (or on `day`, days since 1970) with `secret`."""
    day = today() if day is None else day
    kid = key_id(secret)
    return f"{_b64(address.encode('utf-8'))}.{kid}.{day}.{_b64(_mac_v2(address, kid, day, secret))}"


class BadToken(ValueError):
    """Why a token is refused: `damaged` (not a token), `forged` (no secret here made it) or `expired`."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Verified:
    address: str
    key_id: str | None  # None for a token made before key ids
    day: int | None


def check_token(token: str, secrets: list[str], *, max_days: int = TOKEN_DAYS, now: int | None = None) -> Verified:
    """The address a token was made for by one of `secrets` (current first), or BadToken saying why not.
    Every MAC is compared in constant time."""
    token = token.strip()
    if not token or len(token) > _LONGEST:
        raise BadToken("damaged", "this is not an unsubscribe token")
    parts = token.split(".")
    try:
        address = _unb64(parts[0]).decode("utf-8")
        given = _unb64(parts[-1])
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadToken("damaged", "the token is damaged (it may have been cut short)") from None
    if not address or "@" not in address:
        raise BadToken("damaged", "the token is damaged (it may have been cut short)")
    if len(parts) == 2:  # made before key ids: any of the secrets, no age
        if any(hmac.compare_digest(given, _mac(address, secret)) for secret in secrets):
            return Verified(address, None, None)
        raise BadToken("forged", "the token was not made with this house's secret")
    if len(parts) != 4 or not _DAY.fullmatch(parts[2]):
        raise BadToken("damaged", "the token is damaged (it may have been cut short)")
    kid, day = parts[1], int(parts[2])
    secret = next((secret for secret in secrets if hmac.compare_digest(key_id(secret), kid)), None)
    if secret is None or not hmac.compare_digest(given, _mac_v2(address, kid, day, secret)):
        raise BadToken("forged", "the token was not made with this house's secret, or that secret was retired")
    age = (today() if now is None else now) - day
    if age > max_days:
        raise BadToken("expired", f"the link is {age} days old and links work for {max_days} days")
    return Verified(address, kid, day)


def verify_unsubscribe_token(token: str, secret: str | None = None, *, max_days: int = TOKEN_DAYS) -> str | None:
    """The address a token was made for, or None when it was not made with the secret, is damaged or expired.

    `secret` defaults to COMPOSER_UNSUBSCRIBE_SECRET and the retired ones in
    COMPOSER_UNSUBSCRIBE_OLD_SECRETS. Tokens of either form are accepted.
    """
    secrets = [secret] if secret is not None else [unsubscribe_secret(), *old_secrets()]
    try:
        return check_token(token, secrets, max_days=max_days).address
    except BadToken:
        return None


def personal_url(template: str, address: str, secret: str) -> str:
    return template.replace(PLACEHOLDER, make_unsubscribe_token(address, secret))
