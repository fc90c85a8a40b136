"""Sending an issue: the MIME message (message.py) and one module per provider.

Every provider module declares the same four things:
  NAME          its name in house.yaml and on the command line;
  SETTINGS      its settings under `delivery:` in house.yaml, as (type, default), or None;
  from_house()  the provider, configured from the house and its secrets;
and a class with `send(mail) -> receipt` (provider.Provider), and for
`publish --list` `send_batch()` through the provider's bulk API
(provider.ListSender). Adding a
provider is one module and one entry in PROVIDERS: the `delivery:` settings
and the list of names are derived from them.

Because house.yaml's `delivery:` settings are declared in them, every command
imports the provider modules; what they need only to send (smtplib, httpx,
the email package, boto3) is imported inside `send`, so `build` never pays for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, create_model

from composer.diagnostics import DeliveryError
from composer.model.fields import Model
from composer.send import mailgun, outbox, postmark, sendgrid, ses, smtp

if TYPE_CHECKING:
    from composer.model.house import House
    from composer.send.provider import Provider

PROVIDERS = {module.NAME: module for module in (outbox, smtp, postmark, sendgrid, mailgun, ses)}

_settings: dict[str, Any] = {
    name: (module.SETTINGS[0], Field(default=module.SETTINGS[1], description=getattr(
        module, "SETTINGS_DESCRIPTION", f"Settings for sending through {name}.")))
    for name, module in PROVIDERS.items() if module.SETTINGS}
# `delivery:` in house.yaml.
Delivery: Any = create_model(
    "Delivery",
    __base__=Model,
    provider=(Literal[tuple(PROVIDERS)],  # type: ignore[valid-type,arg-type]
              Field(default=outbox.NAME, description="Where `composer send` and list sends go.")),
    # A list send's pace, for accounts on probation: readers per request (at most the
    # provider's own limit), and messages per second and per hour. None: as fast as allowed.
    batch_size=(int | None, Field(default=None, gt=0, description="Readers per request in a list send.")),
    per_second=(float | None, Field(default=None, gt=0, description="At most this many messages a second.")),
    per_hour=(int | None, Field(default=None, gt=0, description="At most this many messages an hour.")),
    **_settings,
)


def provider_for(house: House, house_dir: Path, name: str | None = None) -> Provider:
    """The provider named on the command line, or in house.yaml, or the outbox."""
    name = name or house.delivery.provider
    module = PROVIDERS.get(name)
    if module is None:
        raise DeliveryError(f"unknown provider {name!r}; choose one of {', '.join(PROVIDERS)}")
    return module.from_house(house, house_dir)
