"""The field types that the issue, the house and the providers' settings share.

Each type validates itself; a refusal carries the message the editor sees and,
when it has one, its own `composer check` code (see loader.diagnostics_from).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
)
from pydantic_core import PydanticCustomError

from composer import markdown
from composer.diagnostics import Diagnostic


class Model(BaseModel):
    # Unknown keys are errors: a mistyped `haedline:` must not vanish silently.
    model_config = ConfigDict(extra="forbid", frozen=True)


def refusal(kind: str, message: str, **context) -> PydanticCustomError:
    """A validation error whose message the loader shows as it is; `code=` gives it a check code."""
    return PydanticCustomError(kind, "{message}", {"message": message, **context})


def _reject(diagnostics: list[Diagnostic]) -> None:
    if diagnostics:
        # The loader turns each one into its own line, located by its snippet.
        raise refusal("markdown", diagnostics[0].message, diagnostics=diagnostics)


def _check_block(value: str) -> str:
    _reject(markdown.block_findings(value))
    return value


def _check_inline(value: str) -> str:
    _reject(markdown.inline_findings(value))
    return value


def _check_credit(value: str) -> str:
    _reject(markdown.inline_findings(value, allow_links=True))
    return value


def check_web_link(value: str) -> str:
    reason = markdown.link_problem(value)
    if reason is None and not value.lower().startswith(("https://", "http://")):
        reason = f"'{value}' must be a web address starting with https://"
    if reason:
        raise refusal("link", reason)
    return value


def _parse_date(value: object) -> date:
    # Only text: pydantic would read a number such as 1704931200 as a Unix timestamp.
    try:
        return date.fromisoformat(value.strip()) if isinstance(value, str) else date.fromisoformat("-")
    except ValueError:
        raise refusal("date", f"'{value}' is not a date; write it as YYYY-MM-DD, for example 2024-01-12") from None


def _check_address(value: str) -> str:
    """An e-mail address, by syntax only: composer never looks the domain up."""
    from email_validator import (  # 34 ms, and only for a house.yaml that sets one
        EmailNotValidError,
        validate_email,
    )

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise refusal("address", f"'{value}' is not an e-mail address ({error})") from None


# Stripped before the length check, so that a value of only spaces counts as empty.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Inline = Annotated[Text, AfterValidator(_check_inline)]
Credit = Annotated[Text, AfterValidator(_check_credit)]
Prose = Annotated[Text, AfterValidator(_check_block)]
WebLink = Annotated[Text, AfterValidator(check_web_link)]
IssueDate = Annotated[date, BeforeValidator(_parse_date)]
EmailAddress = Annotated[Text, AfterValidator(_check_address)]
Color = Annotated[str, Field(pattern=r"^#(?:[0-9a-fA-F]{3}){1,2}$")]
# A CSS font stack: names, quotes, commas. Anything else could break out of the style sheet.
FontStack = Annotated[Text, Field(pattern=r"^[\w\s,'\"-]+$")]


# Markdown, or `false` for "none this week". The choice is made by the value's type, so a wrong
# value gets one message instead of one per alternative; the loader leaves the tags out of paths.
UNION_TAGS = ("markdown-text", "switched-off")


def _text_or_false(value: object) -> str | None:
    if value is False:
        return UNION_TAGS[1]
    return UNION_TAGS[0] if isinstance(value, str) else None


TextOrFalse = Annotated[
    Annotated[Prose, Tag(UNION_TAGS[0])] | Annotated[Literal[False], Tag(UNION_TAGS[1])],
    Discriminator(_text_or_false, custom_error_type="text_or_false",
                  custom_error_message="write Markdown text here, or `false` to print none"),
]
