"""The content model: one issue of the newsletter and the house it is published by.

Everything an editor or a house can get wrong is checked here, and only here.
Renderers may assume that a model which validated is complete and safe.
"""

from __future__ import annotations

import re
import string
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from composer import markdown


class Model(BaseModel):
    # Unknown keys are errors: a mistyped `haedline:` must not vanish silently.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _refusal(kind: str, message: str, **context) -> PydanticCustomError:
    """A validation error whose message the loader shows as it is (see loader.problems_from)."""
    return PydanticCustomError(kind, "{message}", {"message": message, **context})


def _reject(findings: list[markdown.Finding]) -> None:
    if findings:
        # The loader turns each finding into its own line, located by its snippet.
        raise _refusal("markdown", findings[0].message, findings=findings)


def _check_block(value: str) -> str:
    _reject(markdown.block_findings(value))
    return value


def _check_inline(value: str) -> str:
    _reject(markdown.inline_findings(value))
    return value


def _check_credit(value: str) -> str:
    _reject(markdown.inline_findings(value, allow_links=True))
    return value


def _check_web_link(value: str) -> str:
    reason = markdown.link_problem(value)
    if reason is None and not value.lower().startswith(("https://", "http://")):
        reason = f"'{value}' must be a web address starting with https://"
    if reason:
        raise _refusal("link", reason)
    return value


def _check_item(value: str) -> str:
    if not markdown.is_one_paragraph(value):
        raise _refusal(
            "item_paragraph",
            "an item is a single paragraph; remove the blank lines, quotes or list marks inside it, "
            "or split it into two items",
        )
    if not markdown.links(value):
        raise _refusal(
            "item_link",
            "this item has no link; the house always credits its source, "
            "so link the outlet's name, as in [Reuters](https://www.reuters.com/…)",
        )
    return value


def _parse_date(value: object) -> date:
    # Only text: pydantic would read a number such as 1704931200 as a Unix timestamp.
    try:
        return date.fromisoformat(value.strip()) if isinstance(value, str) else date.fromisoformat("-")
    except ValueError:
        raise _refusal("date", f"'{value}' is not a date; write it as YYYY-MM-DD, for example 2024-01-12") from None


# Stripped before the length check, so that a value of only spaces counts as empty.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Inline = Annotated[Text, AfterValidator(_check_inline)]
Credit = Annotated[Text, AfterValidator(_check_credit)]
Prose = Annotated[Text, AfterValidator(_check_block)]
WebLink = Annotated[Text, AfterValidator(_check_web_link)]
Item = Annotated[Prose, AfterValidator(_check_item)]
IssueDate = Annotated[date, BeforeValidator(_parse_date)]


def _check_code(value: str) -> str:
    from composer.codes import CODES

    if value not in CODES:
        raise _refusal("code", f"no check has the code '{value}'; see the README's list")
    return value


class Image(Model):
    url: WebLink
    alt: Inline
    credit: Credit | None = None
    # Both sizes go into the HTML so that the layout does not jump while
    # images load, and so that Outlook, which ignores CSS sizes, keeps them.
    width: int | None = Field(default=None, gt=0, le=600)
    height: int = Field(gt=0)


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
    headline: Inline
    dek: Inline
    authors: list[Inline] = []
    subject: Inline | None = None
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
            raise _refusal(
                "state_department",
                "this picks the standard line for an issue without a State Department summary, "
                "but this issue has a `state_department` summary; remove one of the two",
                loc=("state_department_line",),
            )
        return self


# ---------------------------------------------------------------------------
# The house: everything that stays the same from issue to issue.

_MERGE_TAG = re.compile(r"\*\|[A-Za-z_:]+\|\*|\{\{\{?\s*[\w:.]+\s*\}?\}\}|%[\w-]+%|<%[\w-]+%>|\{\$\w+\}")
_HEX = r"^#(?:[0-9a-fA-F]{3}){1,2}$"
Color = Annotated[str, Field(pattern=_HEX)]


def _check_unsubscribe(value: str) -> str:
    if _MERGE_TAG.fullmatch(value.strip()):
        return value
    if value.lower().startswith("https://"):
        return value
    raise _refusal(
        "unsubscribe",
        f"'{value}' is neither an https:// address nor a provider merge tag such as "
        "*|UNSUB|* or {{ unsubscribe_url }}; one-click unsubscribe needs one of them",
    )


def _check_url_pattern(value: str) -> str:
    def refuse(message: str):
        raise _refusal("pattern", message)

    malformed = "the web-copy pattern may only hold {date} and {slug}, each as it is, with no format after a colon"
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
    except ValueError:
        refuse(malformed)
    unknown = fields - {"date", "slug"}
    if unknown:
        refuse(f"unknown placeholder {{{sorted(unknown)[0]}}}; the web-copy pattern may use {{date}} and {{slug}}")
    try:
        example = value.format(date="2024-01-12", slug="2024-01-12")
    except (ValueError, IndexError, KeyError):
        refuse(malformed)
    _check_web_link(example)
    return value


class LeadIns(Model):
    other_news: Inline = "In other diplomatic news related to the war in Ukraine:"
    state_department: Inline = "U.S. State Department news:"
    teasers: Inline = "More from Responsible Statecraft"


class StateDepartmentLines(Model):
    standard: Prose = "The State Department held no press briefing this week."
    prior_to_publication: Prose = Field(
        default="The State Department had held no press briefing this week prior to publication.",
        alias="prior-to-publication",
    )
    model_config = ConfigDict(populate_by_name=True)


class Logo(Model):
    url: WebLink
    alt: Inline
    width: int = Field(default=200, gt=0, le=552)
    height: int = Field(default=40, gt=0)
    # A version for dark backgrounds. Without one, the logo sits on a light
    # plate that stays light in dark mode, so a dark logo never disappears.
    dark_url: WebLink | None = None
    plate: Color = "#ffffff"


class Button(Model):
    label: Inline
    url: WebLink


class Colors(Model):
    text: Color = "#1f1f1f"
    muted: Color = "#5a5a5a"
    accent: Color = "#9b1c1c"
    link: Color = "#9b1c1c"
    background: Color = "#ffffff"
    page: Color = "#f1f0ec"
    rule: Color = "#d9d6cf"
    dark_text: Color = "#ecebe8"
    dark_muted: Color = "#b9b6b0"
    dark_accent: Color = "#f0a39b"
    dark_link: Color = "#f5b7b0"
    dark_background: Color = "#1d1d1f"
    dark_page: Color = "#121213"


# A CSS font stack: names, quotes, commas. Anything else could break out of the style sheet.
FontStack = Annotated[Text, Field(pattern=r"^[\w\s,'\"-]+$")]


class Fonts(Model):
    body: FontStack = "Georgia, 'Times New Roman', Times, serif"
    headings: FontStack = "'Helvetica Neue', Helvetica, Arial, sans-serif"


_APPEAL = (
    "Dear RS readers: independent reporting on diplomacy takes time, travel and a great deal "
    "of reading in several languages. If this newsletter helps you follow the search for a way "
    "out of the war, please consider a [tax-deductible gift](https://responsiblestatecraft.org/donate/) "
    "so we can keep it free for everyone."
)
_SUBSCRIBE = (
    "Diplomacy Watch is the weekly round-up of the talks, proposals and public statements "
    "around the war in Ukraine. Forwarded this email? "
    "[Subscribe to get it every Friday](https://responsiblestatecraft.org/newsletter/)."
)


def _check_address(value: str) -> str:
    """An e-mail address, by syntax only: composer never looks the domain up."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise _refusal("address", f"'{value}' is not an e-mail address ({error})") from None


EmailAddress = Annotated[Text, AfterValidator(_check_address)]


class Sender(Model):
    name: Inline = "Diplomacy Watch"
    address: EmailAddress = "newsletter@responsiblestatecraft.org"
    reply_to: EmailAddress | None = None
    # Offered beside the https link in List-Unsubscribe, for clients that prefer mail.
    unsubscribe_mailto: EmailAddress | None = None

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]


class SmtpSettings(Model):
    host: Text = "localhost"
    port: int | None = Field(default=None, gt=0, lt=65536)
    security: Literal["tls", "starttls", "none"] = "starttls"
    ca_file: Text | None = None  # extra certificate authority to trust, relative to house.yaml

    @property
    def default_port(self) -> int:
        return self.port or {"tls": 465, "starttls": 587, "none": 25}[self.security]


class PostmarkSettings(Model):
    message_stream: Text = "broadcast"


class MailgunSettings(Model):
    domain: Text | None = None  # defaults to the sender address's domain
    region: Literal["us", "eu"] = "us"


class SesSettings(Model):
    region: Text = "us-east-1"
    configuration_set: Text | None = None


class Delivery(Model):
    provider: Literal["outbox", "smtp", "postmark", "sendgrid", "mailgun", "ses"] = "outbox"
    outbox: Text = "outbox"  # folder for `outbox`, relative to house.yaml
    smtp: SmtpSettings = SmtpSettings()
    postmark: PostmarkSettings = PostmarkSettings()
    mailgun: MailgunSettings = MailgunSettings()
    ses: SesSettings = SesSettings()


class MailchimpSettings(Model):
    list_id: Text


class PlatformSettings(Model):
    provider: Literal["mailchimp", "buttondown"] | None = None
    mailchimp: MailchimpSettings | None = None


class Tracking(Model):
    enabled: bool = False
    source: Text = "diplomacy-watch"
    medium: Text = "email"


class House(Model):
    newsletter: Inline = "Diplomacy Watch"
    publication: Inline = "Responsible Statecraft"
    publication_url: WebLink = "https://responsiblestatecraft.org/"
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] = "en"
    lead_ins: LeadIns = LeadIns()
    state_department_lines: StateDepartmentLines = StateDepartmentLines()
    appeal: Prose = _APPEAL
    subscribe: Prose = _SUBSCRIBE
    postal_address: Inline = "Quincy Institute for Responsible Statecraft, Washington, DC, USA"
    unsubscribe_url: Annotated[Text, AfterValidator(_check_unsubscribe)] = (
        "https://responsiblestatecraft.org/newsletter/unsubscribe/"
    )
    web_url: Annotated[Text, AfterValidator(_check_url_pattern)] | None = None
    logo: Logo | None = None
    donate: Button | None = Button(
        label="Support independent reporting on diplomacy", url="https://responsiblestatecraft.org/donate/"
    )
    colors: Colors = Colors()
    fonts: Fonts = Fonts()
    templates: Text | None = None
    sender: Sender = Sender()
    delivery: Delivery = Delivery()
    platform: PlatformSettings = PlatformSettings()
    tracking: Tracking = Tracking()

    @property
    def newsletter_slug(self) -> str:
        """The newsletter's name for machines: diplomacy-watch."""
        return re.sub(r"[^a-z0-9]+", "-", self.newsletter.lower()).strip("-")


# ---------------------------------------------------------------------------
# An edition: one issue as published by one house, with the derived values.


class Edition:
    """An issue together with its house: what every renderer works from."""

    def __init__(self, issue: Issue, house: House, slug: str, theme_dir=None, source=None, house_path=None):
        self.issue = issue
        self.house = house
        self.slug = issue.slug or slug
        self.theme_dir = theme_dir
        self.source = source  # the YAML it came from, for pointing at lines after validation
        self.house_path = house_path  # the house.yaml it came from, if any

    @property
    def source_name(self) -> str:
        return self.source.name if self.source else self.slug

    def position(self, loc: tuple, *, key: bool = False) -> tuple[int, int]:
        return self.source.position(loc, key=key) if self.source else (1, 1)

    @property
    def title(self) -> str:
        return f"{self.house.newsletter}: {markdown.inline_to_text(self.issue.headline)}"

    @property
    def subject(self) -> str:
        return markdown.inline_to_text(self.issue.subject) if self.issue.subject else self.title

    @property
    def preheader(self) -> str:
        return markdown.inline_to_text(self.issue.preheader or self.issue.dek)

    @property
    def label(self) -> str:
        return f"{self.issue.kind} | {markdown.inline_to_text(self.issue.section)}"

    @property
    def web_url(self) -> str | None:
        pattern = self.house.web_url
        return pattern.format(date=self.issue.date.isoformat(), slug=self.slug) if pattern else None

    @property
    def state_department_text(self) -> str:
        """The editor's summary, or the house's standard line when there is none."""
        if self.issue.state_department:
            return self.issue.state_department
        lines = self.house.state_department_lines
        if self.issue.state_department_line == "prior-to-publication":
            return lines.prior_to_publication
        return lines.standard

    @property
    def campaign(self) -> str:
        return f"{self.house.newsletter_slug}-{self.issue.date.isoformat()}"

    def linker(self, content: str):
        """How links in the part named `content` are written: with utm_ tags when the house tracks."""
        tracking = self.house.tracking
        if not tracking.enabled:
            return None
        from composer.tracking import tag

        def link(url: str) -> str:
            if url == self.house.unsubscribe_url:
                return url
            return tag(url, source=tracking.source, medium=tracking.medium, campaign=self.campaign, content=content)

        return link

    def link(self, url: str, content: str) -> str:
        linker = self.linker(content)
        return linker(url) if linker else url

    @property
    def appeal(self) -> str:
        return self.issue.footer.appeal or self.house.appeal

    @property
    def subscribe(self) -> str:
        return self.issue.footer.subscribe or self.house.subscribe
