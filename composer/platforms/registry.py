"""The platforms `composer publish` knows, and the one house.yaml chooses, configured.

Adding a platform is one module and one line in PLATFORMS.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from composer.diagnostics import DeliveryError
from composer.model.edition import Edition
from composer.model.house import Platform as PlatformSection
from composer.platforms import buttondown, ghost, listmonk, mailchimp
from composer.platforms.platform import Platform
from composer.settings import check_section, checked_model

PLATFORMS = {module.NAME: module for module in (mailchimp, buttondown, ghost, listmonk)}

# `platform:` in house.yaml, with every platform's own settings: what `publish` checks, and what the schema shows.
PlatformSettings: type[BaseModel] = checked_model(
    "PlatformSettings", PlatformSection,
    (Literal[tuple(PLATFORMS)] | None,  # type: ignore[valid-type]
     Field(default=None, description="Where `composer publish` creates drafts.")),
    PLATFORMS, lambda name: f"Settings for publishing to {name}.")


def platform_for(edition: Edition, name: str | None) -> Platform:
    """The platform named on the command line, or in house.yaml, configured from its checked settings."""
    section: Any = check_section(edition, PlatformSettings, "platform")
    name = name or section.provider
    if name is None:
        raise DeliveryError("no platform configured; set `platform: {provider: mailchimp}` in house.yaml "
                            "or pass --platform")
    module = PLATFORMS.get(name)
    if module is None:
        *others, last = PLATFORMS
        raise DeliveryError(f"unknown platform '{name}'; choose {', '.join(others)} or {last}")
    return module.from_house(edition, getattr(section, name, None))
