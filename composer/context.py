"""What a theme's templates see: the documented context, as plain data copied out of the Edition.

Templates are code from outside composer (docs: Developer guide, "Trust model"). They get
mappings, lists, text, numbers and dates, never the content model's objects:
a pydantic model carries methods (`parse_file`, `parse_raw`, `model_copy`…)
that read files or unpickle, and no rule on attribute names keeps up with a
library's next release. The names are those of the model, so `issue.lead` and
`house.colors.text` read as they always did.
"""

from __future__ import annotations

from composer.model.edition import Edition
from composer.model.house import House

# How and where the house sends, and where its theme lives: no template's business.
_NOT_FOR_TEMPLATES = {"delivery", "platform", "templates"}


def house_data(house: House) -> dict:
    return house.model_dump(exclude=_NOT_FOR_TEMPLATES)


def template_data(edition: Edition) -> dict:
    """`edition`, `issue` and `house`, as the docs' "Themes and overrides" page lists them."""
    issue, house = edition.issue.model_dump(), house_data(edition.house)
    donate = edition.donate
    return {
        "edition": {
            "title": edition.title,
            "subject": edition.subject,
            "preheader": edition.preheader,
            "label": edition.label,
            "slug": edition.slug,
            "web_url": edition.web_url,
            "state_department_text": edition.state_department_text,
            "appeal": edition.appeal,
            "subscribe": edition.subscribe,
            "web_subscribe": edition.web_subscribe,
            "donate": donate.model_dump() if donate else None,
            "issue": issue,
            "house": house,
        },
        "issue": issue,
        "house": house,
    }
