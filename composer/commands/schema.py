"""`schema`: the JSON Schema of the issue file and of `house.yaml`, generated from the models.

An editor's YAML editor (VS Code's YAML extension, or any yaml-language-server
client) reads it to offer completion, hover help and red squiggles while the
issue is typed; the models stay the one place where the fields are declared.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field, create_model

from composer.model.house import House
from composer.model.issue import Issue
from composer.output import write_all
from composer.platforms.registry import PlatformSettings
from composer.send.providers import Delivery

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ISSUE_SCHEMA_FILE = "issue.schema.json"
HOUSE_SCHEMA_FILE = "house.schema.json"

_ABOUT: dict[type, tuple[str, str]] = {
    Issue: ("Diplomacy Watch issue", "One issue of the newsletter, as the editor writes it (see the docs' reference)."),
    House: ("Diplomacy Watch house config", "house.yaml: everything that stays the same from issue to issue."),
}


def schema_of(model: type[BaseModel]) -> dict:
    """The JSON Schema (draft 2020-12) of what an editor may write for `model`, with every description."""
    # The checked house (a subclass of House) is described as the house.
    known = next((about for kind, about in _ABOUT.items() if issubclass(model, kind)), None)
    title, description = known or (model.__name__, model.__doc__ or "")
    generated = model.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": DIALECT, **generated, "title": title, "description": description}


def checked_house() -> type[BaseModel]:
    """house.yaml as the commands that send and publish check it: each provider's and platform's settings,
    declared in their own modules, in place of the settings as written."""
    fields = House.model_fields
    return create_model(
        "House", __base__=House, __doc__=House.__doc__,
        delivery=(Delivery, Field(default=Delivery(), description=fields["delivery"].description)),
        platform=(PlatformSettings, Field(default=PlatformSettings(), description=fields["platform"].description)),
    )


def schema_text(*, house: bool = False) -> str:
    model = checked_house() if house else Issue
    return json.dumps(schema_of(model), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: Path, *, house: bool = False) -> int:
    """Write (or refresh) the schema file at `path`, atomically; the number of bytes written."""
    data = schema_text(house=house).encode()
    write_all({path: data})
    return len(data)
