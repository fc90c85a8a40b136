"""Secrets for providers and platforms: read from the environment only, never from a file."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from composer.diagnostics import DeliveryError
from composer.hosts import LOOPBACK
from composer.model.fields import is_https


def secret(name: str, service: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise DeliveryError(f"{service}: set the environment variable {name} (it is never read from a file)")
    return value


def service_url(name: str) -> str | None:
    """A replacement API address (COMPOSER_<SERVICE>_URL): the tests' local servers, or a proxy."""
    return os.environ.get(name) or None


def secure_address(url: str, service: str, setting: str) -> str:
    """A house-configured API address that credentials may go to: https, or plain http to this machine only."""
    parts = urlsplit(url)
    if is_https(url) or (parts.scheme.lower() == "http" and parts.hostname in LOOPBACK):
        return url.rstrip("/")
    raise DeliveryError(f"{service}: {setting} must start with https:// so the credentials travel encrypted")
