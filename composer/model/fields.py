"""The field types that the issue, the house and the providers' settings share.

Each type validates itself; a refusal carries the message the editor sees and,
when it has one, its own `composer check` code (see loader.diagnostics_from).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlsplit

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
from composer.limits import BrokenLine


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


def is_https(url: str) -> bool:
    """Schemes are case-insensitive (RFC 3986): HTTPS://… is an https address too."""
    return url[:8].lower() == "https://"


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


def at_most(chars: int) -> BeforeValidator:
    """A length limit, checked before any other work on the value (Markdown parsing, say)."""

    def check(value: object) -> object:
        if isinstance(value, str) and len(value) > chars:
            raise refusal("text_too_long", f"this is {len(value):,} characters long; the house allows at most "
                                           f"{chars:,} here, so shorten it")
        return value

    return BeforeValidator(check)


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
PARAGRAPH_CHARS = 6_000  # a long paragraph is 1,500; the Markdown parser slows with the square of its quotes


def _paragraphs(value: object) -> object:
    if isinstance(value, str) and len(value) > PARAGRAPH_CHARS:
        for paragraph in _PARAGRAPH_BREAK.split(value):
            if len(paragraph) > PARAGRAPH_CHARS:
                message = (f"this paragraph is {len(paragraph):,} characters long; the house allows at most "
                           f"{PARAGRAPH_CHARS:,} in one paragraph: split it with a blank line, or shorten it")
                found = Diagnostic(message=message, snippet=paragraph.strip()[:60])
                raise refusal("markdown", message, diagnostics=[found])
    return value


def _one_line(value: object) -> object:
    if isinstance(value, BrokenLine):
        raise refusal("line_break", "a line break runs through this value (YAML would quietly turn it into a "
                                    "space, a mail header into two); this field must fit on one line: join the lines",
                      at=value.at)
    return value


_LINE_BREAK = re.compile(r"[ \t]*[\r\n\x85\u2028\u2029]+[ \t]*|\t")


def _folded(value: object) -> object:
    """A one-line field that never becomes a header (a dek, an alt text, a label) may be wrapped
    over several lines: each line break, and a pasted tab, folds into a space, as YAML folds the lines."""
    if isinstance(value, str):
        return _LINE_BREAK.sub(" ", str(value))  # str(): the folded text, without the BrokenLine's mark
    return value


# Stripped before the length check, so that a value of only spaces counts as empty.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# Outer before-validators run first: the length, then the line breaks, then the text itself.
Inline = Annotated[Text, AfterValidator(_check_inline), BeforeValidator(_folded), at_most(1_000)]
Credit = Annotated[Text, AfterValidator(_check_credit), BeforeValidator(_folded)]
Prose = Annotated[Text, AfterValidator(_check_block), BeforeValidator(_paragraphs), at_most(200_000)]
WebLink = Annotated[Text, AfterValidator(check_web_link)]
IssueDate = Annotated[date, BeforeValidator(_parse_date)]
EmailAddress = Annotated[Text, AfterValidator(_check_address)]
COLOR_PATTERN = r"^#(?:[0-9a-fA-F]{3}){1,2}$"  # #rgb or #rrggbb
Color = Annotated[str, Field(pattern=COLOR_PATTERN)]
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


# `=?charset?q?…?=` is how a mail header carries encoded text (RFC 2047). In a
# field that becomes a header it would be decoded by every mail client, so an
# encoded CR LF in it would start a header of its own (a `Bcc:`, say).
HEADER_TEXT_LIMIT = 200  # characters; folded, a header line stays far under RFC 5322's 998 octets


def _check_header_text(value: str) -> str:
    if "=?" in value and "?=" in value:
        raise refusal("header", "`=?…?=` is the syntax of an encoded mail header (RFC 2047) and could add "
                                "headers of its own to the email; write the text as it should read")
    if any(c in value for c in "\r\n\0"):
        raise refusal("header", "this text becomes a mail header, which is one line; remove the line break "
                                "(or NUL character) inside it")
    if len(value) > HEADER_TEXT_LIMIT:
        raise refusal("header", f"this text becomes a mail header and is {len(value):,} characters long; "
                                f"shorten it to at most {HEADER_TEXT_LIMIT}")
    return value


def _header_length(value: object) -> object:
    # Before any other work on the value, as the other length limits are, and with the header's own reason.
    if isinstance(value, str) and len(value.strip()) > HEADER_TEXT_LIMIT:
        raise refusal("header", f"this text becomes a mail header and is {len(value.strip()):,} characters long; "
                                f"shorten it to at most {HEADER_TEXT_LIMIT}")
    return value


# One-line text that also becomes a mail header (Subject, From, List-Id): a line break in it is refused, never folded.
HeaderInline = Annotated[Text, AfterValidator(_check_inline), BeforeValidator(_one_line), at_most(1_000),
                         AfterValidator(_check_header_text), BeforeValidator(_header_length)]


# The characters RFC 3986 allows in a URI; `<`, `>`, spaces and quotes are not among them.
_URI_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def single_url_problem(value: str) -> str | None:
    """Why `value` is not exactly one https address with a host, or None. The value is
    never echoed when it holds a line break, so the message stays one line."""
    if any(c in value for c in "\r\n\0"):
        return "the address holds a line break; write it on one line, with no line break or NUL inside"
    if not _URI_CHARACTERS.fullmatch(value):
        bad = next(c for c in value if not _URI_CHARACTERS.fullmatch(c))
        return (f"'{value}' is not one web address: {bad!r} cannot appear in one; "
                "percent-encode it, or give a single https:// address")
    parts = urlsplit(value)
    if parts.scheme.lower() != "https" or not parts.hostname:
        return f"'{value}' must be one https:// address with a host name, as in https://example.org/unsubscribe"
    return None


MAX_HEIGHT = 2000  # pixels; an image taller than three phone screens is a mistake, or an attack on the layout


def _check_ascii_local_part(value: str) -> str:
    if not value.rsplit("@", 1)[0].isascii():
        raise refusal("address", f"'{value}' has letters outside ASCII before the @, which most mail servers "
                                 "cannot carry (SMTPUTF8); use an ASCII address as the sender")
    return value


def _no_encoded_word(value: object) -> object:
    # `=` and `?` are allowed in an address, so `=?utf-8?q?…?=@example.org` is valid syntax; but mail
    # programs decode it as an encoded word (RFC 2047) and show, or reply to, something else.
    if isinstance(value, str) and "=?" in value and "?=" in value:
        raise refusal("address", f"'{value}' holds `=?…?=`, the syntax of an encoded mail header (RFC 2047), "
                                 "which mail programs would decode into other text; write the address as it is")
    return value


# An address in the message's own headers and envelope. Its domain may be international
# (it is written as its xn-- A-label); the part before the @ may not.
SenderAddress = Annotated[EmailAddress, AfterValidator(_check_ascii_local_part), BeforeValidator(_no_encoded_word)]
