"""Settings that a provider or platform module declares for itself, checked by the commands that use them.

As an MkDocs plugin declares its own config, each module under composer/send/
and composer/platforms/ declares its settings beside its code:

    NAME = "smtp"                         # its name in house.yaml and on the command line
    SETTINGS = (Settings, Settings())     # the type of its settings and their default, or None
    SETTINGS_DESCRIPTION = "…"            # optional: the hover help of its key in house.yaml

The content model (model/house.py) keeps `delivery:` and `platform:` as
written; `checked_model` builds the model that checks them, from the modules,
and `check_section` validates house.yaml's section against it with the usual
file:line:col messages. `composer schema --house` describes the same model.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, create_model

from composer.loader import validate_part
from composer.model.edition import Edition


class Declares(Protocol):
    NAME: str
    SETTINGS: tuple[Any, Any] | None


def checked_model(name: str, base: type[BaseModel], provider: tuple[Any, Any],
                  modules: Mapping[str, Declares], describe: Callable[[str], str]) -> type[BaseModel]:
    """`base` (the section as the content model declares it), with unknown keys refused, `provider`
    (annotation, Field) as the choice, and each module's settings under its name."""

    class Strict(base):  # type: ignore[misc,valid-type]
        model_config = ConfigDict(extra="forbid", frozen=True)

    fields: dict[str, Any] = {
        module_name: (module.SETTINGS[0], Field(default=module.SETTINGS[1], description=getattr(
            module, "SETTINGS_DESCRIPTION", describe(module_name))))
        for module_name, module in modules.items() if module.SETTINGS}
    return create_model(name, __base__=Strict, provider=provider, **fields)


def check_section(edition: Edition, model: type[BaseModel], key: str) -> Any:
    """house.yaml's `key:` section, checked against `model`; its defaults when the house sets none."""
    return validate_part(edition.house_path, model, (key,))
