"""One issue of the newsletter, as the editor writes it in YAML."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from composer import markdown
from composer.codes import CODES
from composer.model.fields import (
    MAX_HEIGHT,
    Credit,
    HeaderInline,
    Inline,
    IssueDate,
    Model,
    Prose,
    Text,
    WebLink,
    refusal,
)


def _check_item(value: str) -> str:
    if not markdown.is_one_paragraph(value):
        raise refusal(
            "item_paragraph",
            "an item is a single paragraph; remove the blank lines, quotes or list marks inside it, "
            "or split it into two items",
        )
    if not markdown.links(value):
        raise refusal(
            "item_link",
            "this item has no link; the house always credits its source, "
            "so link the outlet's name, as in [Reuters](https://www.reuters.com/…)",
            code="DW101",
        )
    return value


def _check_code(value: str) -> str:
    if value not in CODES:
        raise refusal("code", f"no check has the code '{value}'; see the README's list")
    return value


Item = Annotated[Prose, AfterValidator(_check_item)]


class Image(Model):
    url: WebLink
    alt: Inline
    credit: Credit | None = None
    # Both sizes go into the HTML so that the layout does not jump while
    # images load, and so that Outlook, which ignores CSS sizes, keeps them.
    # Strict: YAML's `true` is not a size. Bounded: a 10,000,000-pixel spacer is no image.
    width: int | None = Field(default=None, gt=0, le=600, strict=True)
    height: int = Field(gt=0, le=MAX_HEIGHT, strict=True)


class Teaser(Model):
    label: Inline
    headline: Inline
    url: WebLink
    image: Image | None = None
    summary: Prose


class FooterOverride(Model):
    appeal: Prose | None = None
    subscribe: Prose | None = None


class Issue(Model):
    date: IssueDate
    kind: Literal["Reporting", "Analysis"]
    section: Inline
    headline: HeaderInline
    dek: Inline
    authors: list[Inline] = []
    subject: HeaderInline | None = None
    preheader: Inline | None = None
    image: Image | None = None
    lead: Prose
    items: list[Item] = Field(min_length=1)
    state_department: Prose | None = None
    state_department_line: Literal["standard", "prior-to-publication"] = "standard"
    teasers: list[Teaser] = Field(default=[], max_length=4)
    footer: FooterOverride = FooterOverride()
    slug: Annotated[Text, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")] | None = None
    silence: list[Annotated[str, AfterValidator(_check_code)]] = []  # `composer check` codes to drop

    @model_validator(mode="after")
    def _one_state_department_choice(self) -> Issue:
        if self.state_department and "state_department_line" in self.model_fields_set:
            raise refusal(
                "state_department",
                "this picks the standard line for an issue without a State Department summary, "
                "but this issue has a `state_department` summary; remove one of the two",
                loc=("state_department_line",),
            )
        return self
