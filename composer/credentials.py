"""Secrets for providers and platforms: read from the environment only, never from a file."""

from __future__ import annotations

import os

from composer.diagnostics import DeliveryError


def secret(name: str, service: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise DeliveryError(f"{service}: set the environment variable {name} (it is never read from a file)")
    return value


def service_url(name: str) -> str | None:
    """A replacement API address (COMPOSER_<SERVICE>_URL): the tests' local servers, or a proxy."""
    return os.environ.get(name) or None
