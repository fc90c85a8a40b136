"""Handing an issue to the newsletter platform that owns the subscriber list.

`publish` creates a draft (or updates the one it made before, see state.py)
and, on request, sends or schedules it. Every platform module declares:
  NAME          its name in house.yaml and on the command line;
  SETTINGS      its settings under `platform:` in house.yaml, as (type, default), or None;
  from_house()  the platform, configured from the edition's house and its secrets;
and a class implementing platform.Platform, and platform.SendsTests when the
platform's API can send reviewers a test. The `platform:` settings and the
list of names are derived from PLATFORMS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, create_model

from composer.diagnostics import DeliveryError
from composer.model.fields import Model
from composer.platforms import buttondown, ghost, listmonk, mailchimp

if TYPE_CHECKING:
    from composer.model.edition import Edition
    from composer.platforms.platform import Platform

PLATFORMS = {module.NAME: module for module in (mailchimp, buttondown, ghost, listmonk)}

_settings: dict[str, Any] = {
    name: (module.SETTINGS[0], Field(default=module.SETTINGS[1], description=f"Settings for publishing to {name}."))
    for name, module in PLATFORMS.items() if module.SETTINGS}
# `platform:` in house.yaml.
PlatformSettings: Any = create_model(
    "PlatformSettings",
    __base__=Model,
    provider=(Literal[tuple(PLATFORMS)] | None,  # type: ignore[valid-type,arg-type]
              Field(default=None, description="Where `composer publish` creates drafts.")),
    **_settings,
)


def platform_for(edition: Edition, name: str | None) -> Platform:
    name = name or edition.house.platform.provider
    if name is None:
        raise DeliveryError("no platform configured; set `platform: {provider: mailchimp}` in house.yaml "
                            "or pass --platform")
    module = PLATFORMS.get(name)
    if module is None:
        *others, last = PLATFORMS
        raise DeliveryError(f"unknown platform '{name}'; choose {', '.join(others)} or {last}")
    return module.from_house(edition)
