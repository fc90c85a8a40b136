"""One issue of the newsletter, as the editor writes it in YAML."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from composer import markdown
from composer.codes import CODES
from composer.model import ranges
from composer.model.fields import (
    MAX_HEIGHT,
    Credit,
    HeaderInline,
    Inline,
    IssueDate,
    Model,
    Prose,
    Text,
    TextOrFalse,
    WebLink,
    at_most,
    refusal,
)


def _check_item(value: str) -> str:
    problem = markdown.item_shape_problem(value)
    if problem:
        raise refusal("item_paragraph", problem)
    if not markdown.links(value):
        raise refusal(
            "item_link",
            "this item has no link; the house always credits its source, "
            "so link the outlet's name, as in [Reuters](https://www.reuters.com/…)",
            code="DW101",
        )
    return value


TEXT_CHARS = 150_000


def _text_size(value: object) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(_text_size(v) for v in value.values())
    if isinstance(value, list):
        return sum(_text_size(v) for v in value)
    return 0


def _check_code(value: str) -> str:
    """A code to silence in the whole issue (`DW302`), or on one line of it only (`DW202@39`)."""
    code, at, line = value.partition("@")
    if code not in CODES:
        raise refusal("code", f"no check has the code '{code}'; `composer explain` lists every code")
    if at and not (line.isdigit() and int(line) > 0):
        raise refusal("code", f"'{value}' should name a line after the @, as in {code}@39")
    return value


# The house's bounds (items of 40 to 140 words, a subject inboxes show whole) with room to
# spare: the checks warn long before these refuse; what lies beyond is a paste gone wrong.
Item = Annotated[Prose, AfterValidator(_check_item), at_most(4_000)]


class Image(Model):
    url: WebLink = Field(description="The image, an https:// address.")
    alt: Inline = Field(description="What the image shows, for readers who do not see images.")
    caption: Inline | None = Field(
        default=None, description="A caption every reader sees under the image, apart from the alt text and the "
                                  "credit, e.g. the agency's own: what is happening in it, where and when.")
    credit: Credit | None = Field(
        default=None, description='Who took it, printed as "Top image credit: …", e.g. Jane Smith via Reuters.')
    # Both sizes go into the HTML so that the layout does not jump while
    # images load, and so that Outlook, which ignores CSS sizes, keeps them.
    width: int | None = Field(
        default=None, gt=0, le=600, strict=True, description="Width in pixels, at most 600 (the default).")
    # Strict: YAML's `true` is not a size. Bounded: a 10,000,000-pixel spacer is no image.
    height: int = Field(gt=0, le=MAX_HEIGHT, strict=True,
                        description="The image's height in pixels when shown at `width` (600 by default): its own "
                                    "height × 600 ÷ its own width, so a 1200 × 675 photo is 338.")


class Teaser(Model):
    label: Inline = Field(description="The article's section, e.g. Middle East, Global Crises, Reporting | QiOSK.")
    headline: Inline = Field(description="The article's headline.")
    url: WebLink = Field(description='The article\'s address; the teaser ends with a "Keep reading" link to it.')
    image: Image | None = Field(default=None, description="The article's top image, with its credit.")
    summary: Prose = Field(description="The article's first paragraph, in Markdown.")


# `false` drops the text for this issue, whatever the house says.
FooterText = TextOrFalse | None


class FooterOverride(Model):
    appeal: FooterText = Field(
        default=None,
        description="Markdown replacing the house's appeal for this issue; "
                    "`false` runs no appeal (and no donate button) this week.")
    subscribe: FooterText = Field(
        default=None,
        description="Markdown replacing the house's subscribe blurb for this issue; `false` prints none this week.")


class Issue(Model):
    date: IssueDate = Field(description="The issue date, YYYY-MM-DD.")
    status: Literal["draft", "ready"] = Field(
        default="ready",
        description="`draft` while the issue is being written: it builds and previews, and test sends go out, "
                    "but `composer site` leaves it out and no send to readers takes it. `ready` (the default) "
                    "when it may go out.")
    kind: Literal["Reporting", "Analysis"] = Field(description="The first half of the label line.")
    section: Inline = Field(description="The second half of the label line: QiOSK, or a region such as Europe.")
    headline: Annotated[HeaderInline, at_most(150)] = Field(
        description='The headline after "Diplomacy Watch: ". One line; emphasis, no links.')
    dek: Annotated[Inline, at_most(300)] = Field(
        description="One sentence under the headline, usually with no final period.")
    authors: list[Inline] = Field(default=[], max_length=20, description='Names, printed as "By A, B and C".')
    subject: Annotated[HeaderInline, at_most(150)] | None = Field(
        default=None, description="The email subject; by default the full headline.")
    preheader: Annotated[Inline, at_most(300)] | None = Field(
        default=None, description="The inbox preview text; by default the dek.")
    image: Image | None = Field(default=None, description="The optional top image.")
    lead: Prose = Field(
        description=f"The lead story in Markdown: {ranges.LEAD_PARAGRAPHS} paragraphs, {ranges.LEAD_WORDS} words, "
                    "with links to its sources.")
    items: list[Item] = Field(
        min_length=1,
        max_length=40,
        description=f"The other news: {ranges.ITEMS} items, each one Markdown paragraph of {ranges.ITEM_WORDS} "
                    "words with a link to its source, optionally followed by one block quote.")
    state_department: Prose | None = Field(
        default=None,
        description="The briefing summary in Markdown: a paragraph naming the day and spokesperson, "
                    "then the remarks as one block quote.")
    state_department_line: Literal["standard", "prior-to-publication"] = Field(
        default="standard", description="Without a summary: which of the house's standard lines to print.")
    state_department_note: Prose | None = Field(
        default=None,
        description="A line of your own for this one week, printed instead of a summary or the house's standard "
                    "line, e.g. 'The State Department held no briefing this week because of the holiday.'")
    teasers: list[Teaser] = Field(default=[], max_length=ranges.TEASERS.high,
                                  description=f'None, or {ranges.TEASERS} "more from the magazine" teasers.')
    footer: FooterOverride = Field(
        default=FooterOverride(),
        description="Per-issue appeal and subscribe texts; set either to `false` to drop it this week.")
    slug: Annotated[Text, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")] | None = Field(
        default=None,
        description="Names the output files instead of the file name: lower-case letters, digits, hyphens.")
    silence: list[Annotated[str, AfterValidator(_check_code)]] = Field(
        default=[], description="`composer check` codes to accept in this issue, e.g. [DW302], "
                                "or a code on one line only, e.g. DW202@39.")

    @model_validator(mode="before")
    @classmethod
    def _not_too_much_text(cls, data: object) -> object:
        # Checked before any field: the Markdown parser needs seconds for 100,000 characters of brackets.
        if isinstance(data, dict):
            sizes = {key: _text_size(value) for key, value in data.items()}
            if sum(sizes.values()) > TEXT_CHARS:
                largest = max(sizes, key=lambda key: sizes[key])
                raise refusal("too_much_text", f"the whole issue holds {sum(sizes.values()):,} characters of text, "
                                               f"more than the {TEXT_CHARS:,} composer takes (a long issue has "
                                               "30,000); this is its largest part: shorten it", loc=(largest,))
        return data

    @model_validator(mode="after")
    def _one_state_department_choice(self) -> Issue:
        if self.state_department and "state_department_line" in self.model_fields_set:
            raise refusal(
                "state_department",
                "this picks the standard line for an issue without a State Department summary, "
                "but this issue has a `state_department` summary; remove one of the two",
                loc=("state_department_line",),
            )
        if self.state_department_note and (self.state_department or "state_department_line" in self.model_fields_set):
            other = "a `state_department` summary" if self.state_department else "a `state_department_line`"
            raise refusal("state_department", f"this week's own State Department line is printed instead of a summary "
                                              f"or the house's standard line, but this issue also has {other}; "
                                              "remove one of the two", loc=("state_department_note",))
        return self
