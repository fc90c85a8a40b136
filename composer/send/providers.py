"""The providers that carry a letter to readers, and the one house.yaml chooses, configured.

Each provider is one module that declares NAME and SETTINGS (composer/settings.py),
a `from_house(edition, settings)` that configures it from the house and its
secrets, and a class with the one method of provider.Provider. Adding a
provider is one module and one line in PROVIDERS.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from composer.diagnostics import DeliveryError
from composer.model.edition import Edition
from composer.model.house import Delivery as DeliverySection
from composer.send import mailgun, outbox, postmark, sendgrid, ses, smtp
from composer.send.provider import Provider
from composer.settings import check_section, checked_model

PROVIDERS = {module.NAME: module for module in (outbox, smtp, postmark, sendgrid, mailgun, ses)}

# `delivery:` in house.yaml, with every provider's own settings: what a send checks, and what the schema shows.
Delivery: type[BaseModel] = checked_model(
    "Delivery", DeliverySection,
    (Literal[tuple(PROVIDERS)],  # type: ignore[valid-type]
     Field(default=outbox.NAME, description="Where `composer send` and list sends go.")),
    PROVIDERS, lambda name: f"Settings for sending through {name}.")


def delivery(edition: Edition) -> Any:
    """house.yaml's `delivery:`, every setting checked and located."""
    return check_section(edition, Delivery, "delivery")


def provider_for(edition: Edition, name: str | None = None) -> Provider:
    """The provider named on the command line, or in house.yaml (the outbox when neither names one)."""
    section = delivery(edition)
    name = name or section.provider
    module = PROVIDERS.get(name)
    if module is None:
        raise DeliveryError(f"unknown provider {name!r}; choose one of {', '.join(PROVIDERS)}")
    return module.from_house(edition, getattr(section, name, None))
