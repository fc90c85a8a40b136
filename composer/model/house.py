"""The house: everything that stays the same from issue to issue, as `house.yaml` sets it.

Every key is declared once. The settings of each mail provider and newsletter
platform are declared in its own module (composer/send/, composer/platforms/),
as MkDocs plugins declare theirs: here `delivery:` and `platform:` hold the
name of the one chosen and each one's settings as written, which the command
that sends or publishes checks against that module (composer/settings.py).
So the content model, and `build`, never load a provider.
"""

from __future__ import annotations

import re
import string
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from composer.links.settings import LinkSettings
from composer.model.fields import (
    COLOR_PATTERN,
    MAX_HEIGHT,
    Color,
    FontStack,
    HeaderInline,
    Inline,
    Model,
    Prose,
    SenderAddress,
    Text,
    TextOrFalse,
    WebLink,
    check_web_link,
    is_https,
    refusal,
    single_url_problem,
)

_MERGE_TAG = re.compile(r"\*\|[A-Za-z_:]+\|\*|\{\{\{?\s*[\w:.]+\s*\}?\}\}|%[\w-]+%|<%[\w-]+%>|\{\$\w+\}")


def _check_unsubscribe(value: str) -> str:
    if _MERGE_TAG.fullmatch(value.strip()):
        return value
    if is_https(value):
        # It goes into List-Unsubscribe between < and >: anything more would add a second target.
        # A list send fills `{token}` with a base64url token, which is safe there.
        if problem := single_url_problem(value.replace("{token}", "token")):
            raise refusal("unsubscribe", problem)
        return value
    if any(c in value for c in "\r\n\0"):
        raise refusal("unsubscribe", single_url_problem(value) or "")
    raise refusal(
        "unsubscribe",
        f"'{value}' is neither an https:// address nor a provider merge tag such as "
        "*|UNSUB|* or {{ unsubscribe_url }}; one-click unsubscribe needs one of them",
    )


def _check_url_pattern(value: str) -> str:
    def refuse(message: str):
        raise refusal("pattern", message)

    if any(c in value for c in "\r\n\0"):
        refuse(single_url_problem(value) or "")
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
    check_web_link(example)
    if is_https(example) and (problem := single_url_problem(example)):
        refuse(problem)
    return value


class LeadIns(Model):
    other_news: Inline = Field(default="In other diplomatic news related to the war in Ukraine:",
                               description="Bold line before the items.")
    state_department: Inline = Field(default="U.S. State Department news:",
                                     description="Bold line before the State Department part.")
    teasers: Inline = Field(default="More from Responsible Statecraft", description="Heading above the teasers.")


class StateDepartmentLines(Model):
    standard: Prose = Field(default="The State Department held no press briefing this week.",
                            description="Printed when an issue has no State Department summary.")
    prior_to_publication: Prose = Field(
        default="The State Department had held no press briefing this week prior to publication.",
        alias="prior-to-publication",
        description="The variant an issue picks with `state_department_line: prior-to-publication`.",
    )
    model_config = ConfigDict(populate_by_name=True)


class Logo(Model):
    url: WebLink = Field(description="The logo image, an https:// address.")
    alt: Inline = Field(description="What the logo says, for readers who do not see images.")
    width: int = Field(default=200, gt=0, le=552, strict=True, description="Width in pixels (at most 552).")
    height: int = Field(default=40, gt=0, le=MAX_HEIGHT, strict=True, description="Height in pixels.")
    # A version for dark backgrounds. Without one, the logo sits on a light
    # plate that stays light in dark mode, so a dark logo never disappears.
    dark_url: WebLink | None = Field(default=None, description="Optional version of the logo for dark mode.")
    plate: Color = Field(default="#ffffff", description="The colour behind the logo in dark mode, #rgb or #rrggbb.")


class Button(Model):
    label: Inline = Field(description="The button's text.")
    url: WebLink = Field(description="Where the button leads, an https:// address.")


class SocialLink(Model):
    """One of the magazine's social accounts, printed as a text link under the masthead."""

    name: Inline = Field(description="The network's name as printed, e.g. X, Facebook, YouTube, LinkedIn, Bluesky.")
    url: WebLink = Field(description="The account's address, https://…")


_COLOR = re.compile(COLOR_PATTERN)


def _rgb(color: str) -> tuple[int, ...]:
    digits = color.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4))


def _luminance(rgb: tuple[int, ...]) -> float:
    """WCAG 2 relative luminance."""
    linear = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    first, second = sorted((_luminance(_rgb(one)), _luminance(_rgb(other))), reverse=True)
    return (first + 0.05) / (second + 0.05)


def dark_twin(color: str, background: str, ratio: float = 4.5) -> str:
    """The colour, lightened towards white just enough to read on a dark background (WCAG AA)."""
    rgb = _rgb(color)
    for step in range(21):
        mixed = tuple(round(c + (255 - c) * step / 20) for c in rgb)
        candidate = "#" + "".join(f"{c:02x}" for c in mixed)
        if contrast(candidate, background) >= ratio:
            return candidate
    return "#ffffff"


class Colors(Model):
    text: Color = Field(default="#1f1f1f", description="The text colour, #rgb or #rrggbb.")
    muted: Color = Field(default="#5a5a5a", description="The muted colour, #rgb or #rrggbb.")
    accent: Color = Field(default="#9b1c1c", description="The accent colour, #rgb or #rrggbb.")
    link: Color = Field(default="#9b1c1c", description="The link colour, #rgb or #rrggbb.")
    background: Color = Field(default="#ffffff", description="The background colour, #rgb or #rrggbb.")
    page: Color = Field(default="#f1f0ec", description="The page colour, #rgb or #rrggbb.")
    rule: Color = Field(default="#d9d6cf", description="The rule colour, #rgb or #rrggbb.")
    dark_text: Color = Field(default="#ecebe8", description="The text colour in dark mode, #rgb or #rrggbb.")
    dark_muted: Color = Field(default="#b9b6b0", description="The muted colour in dark mode, #rgb or #rrggbb.")
    dark_accent: Color = Field(default="#f0a39b", description="The accent colour in dark mode, #rgb or #rrggbb.")
    dark_link: Color = Field(default="#f5b7b0", description="The link colour in dark mode, #rgb or #rrggbb.")
    dark_background: Color = Field(
        default="#1d1d1f", description="The background colour in dark mode, #rgb or #rrggbb.")
    dark_page: Color = Field(default="#121213", description="The page colour in dark mode, #rgb or #rrggbb.")

    @model_validator(mode="before")
    @classmethod
    def _dark_twins(cls, data: Any) -> Any:
        """A house that sets its own accent or link colour but not its dark twin would otherwise show
        the built-in red in dark mode: derive a twin of its own colour that reads on the dark background."""
        if not isinstance(data, dict):
            return data  # refused with its position by the field validation
        background = data.get("dark_background", cls.model_fields["dark_background"].default)
        for name in ("accent", "link"):
            value = data.get(name)
            if (f"dark_{name}" not in data and isinstance(value, str) and isinstance(background, str)
                    and _COLOR.match(value) and _COLOR.match(background)):
                data = {**data, f"dark_{name}": dark_twin(value, background)}
        return data


class Fonts(Model):
    body: FontStack = Field(
        default="Georgia, 'Times New Roman', Times, serif", description="CSS font stack of the text.")
    headings: FontStack = Field(default="'Helvetica Neue', Helvetica, Arial, sans-serif",
                                description="CSS font stack of headings and buttons.")


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
# The web page's own call: a reader there came from a search or a link, not from the email.
_WEB_SUBSCRIBE = (
    "Read Diplomacy Watch in your inbox: the week's talks, proposals and statements on the war in "
    "Ukraine, every Friday. [Sign up for the weekly round-up](https://responsiblestatecraft.org/newsletter/)."
)


class Sender(Model):
    name: HeaderInline = Field(default="Diplomacy Watch", description="The sender's name in From:.")
    address: SenderAddress = Field(
        default="newsletter@responsiblestatecraft.org", description="The sender's address in From:.")
    reply_to: SenderAddress | None = Field(default=None, description="Optional Reply-To: address.")
    # Offered beside the https link in List-Unsubscribe, for clients that prefer mail.
    unsubscribe_mailto: SenderAddress | None = Field(
        default=None, description="Optional address offered beside the https link in List-Unsubscribe.")

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]


class Delivery(Model):
    """`delivery:` as house.yaml writes it; each provider's own settings (`smtp:`, `ses:`…) are kept as
    written and checked by the commands that send (composer/send/providers.py)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    provider: Text = Field(default="outbox", description="Where `composer send` and list sends go.")
    # A list send's pace, for accounts on probation: readers per request (at most the
    # provider's own limit), and messages per second and per hour. None: as fast as allowed.
    batch_size: int | None = Field(default=None, gt=0, description="Readers per request in a list send.")
    per_second: float | None = Field(default=None, gt=0, description="At most this many messages a second.")
    per_hour: int | None = Field(default=None, gt=0, description="At most this many messages an hour.")


class Platform(Model):
    """`platform:` as house.yaml writes it; each platform's own settings are checked by `publish`
    (composer/platforms/registry.py)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    provider: Text | None = Field(default=None, description="Where `composer publish` creates drafts.")


def _check_store_url(value: str) -> str:
    scheme = value.split(":", 1)[0].lower()
    if scheme not in ("postgresql", "postgresql+psycopg", "sqlite"):
        raise refusal("store", f"'{value}' is neither a postgresql:// nor a sqlite:/// address")
    if re.match(r"^[^:]+://[^/@]*:[^/@]*@", value):
        raise refusal("store", "the address holds a password; put the password in the environment variable "
                               "COMPOSER_SUPPRESSIONS_PASSWORD and leave it out of house.yaml")
    return value


class SnsWebhook(Model):
    topic_arns: list[Text] = Field(
        default=[], description="The SNS topics whose bounce and complaint notifications are taken; any other "
                                "topic is refused, since anyone can sign SNS messages for a topic of their own.")


class PostmarkWebhook(Model):
    user: Text = Field(default="composer", description="The user name of the webhook's basic auth; the password "
                                                       "is in COMPOSER_POSTMARK_WEBHOOK_PASSWORD.")


class SendgridWebhook(Model):
    public_key: Text | None = Field(
        default=None, description="The Signed Event Webhook's verification key (base64, from SendGrid's "
                                  "Mail Settings); without it SendGrid's events are refused.")


class Suppressions(Model):
    """`suppressions:` in house.yaml: where the list of readers never to mail is kept, and the endpoint's limits."""

    url: Annotated[Text, AfterValidator(_check_store_url)] | None = Field(
        default=None, description="A postgresql:// address for the list (without the password); by default "
                                  "suppressions.sqlite beside house.yaml.")
    soft_bounce_limit: int = Field(default=3, gt=0, le=100, strict=True,
                                   description="Soft bounces in a row after which a reader is suppressed.")
    feedback_hours: float = Field(default=48, gt=0, description="A list send stops (unless --yes) when the last "
                                  "webhook or pull is older than this many hours.")
    expect_feedback: bool | None = Field(
        default=None, description="Whether the house relies on webhooks or pulls; by default, once one has come.")
    token_days: int = Field(default=365, ge=30, strict=True, description="How many days an unsubscribe link works.")
    requests_per_minute: int = Field(default=60, gt=0, strict=True,
                                     description="The most requests the endpoint takes from one address a minute.")
    hosts: list[Text] = Field(default=[], description="Host names the endpoint answers to besides the host of "
                                                      "unsubscribe_url and this machine's.")
    webhook_path: Text = Field(default="/webhooks", pattern=r"^/[A-Za-z0-9/_-]*$",
                               description="Where the providers' webhooks go: <webhook_path>/ses, /postmark…")
    ses: SnsWebhook = Field(default=SnsWebhook(), description="Amazon SES notifications through SNS.")
    postmark: PostmarkWebhook = Field(default=PostmarkWebhook(), description="Postmark's bounce and spam webhooks.")
    sendgrid: SendgridWebhook = Field(default=SendgridWebhook(), description="SendGrid's signed event webhook.")


class Tracking(Model):
    enabled: bool = Field(default=False, description="Add utm_ tags to outbound links.")
    source: Text = Field(default="diplomacy-watch", description="The utm_source value.")
    medium: Text = Field(default="email", description="The utm_medium value.")


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
# `false` switches a footer text off: many weeks run no appeal.
Switchable = TextOrFalse


class House(Model):
    newsletter: HeaderInline = Field(default="Diplomacy Watch",
                                     description="The name before the colon in every headline.")
    publication: Inline = Field(
        default="Responsible Statecraft", description="The magazine, in the masthead and footer.")
    publication_url: WebLink = Field(
        default="https://responsiblestatecraft.org/", description="Where the masthead links.")
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] = Field(
        default="en", description="The language of the HTML (lang=), e.g. en or en-US.")
    schedule: Weekday = Field(
        default="friday", description="The publication weekday: `composer new` dates the next issue by it.")
    lead_ins: LeadIns = Field(default=LeadIns(), description="The bold lines the house puts before the parts.")
    state_department_lines: StateDepartmentLines = Field(
        default=StateDepartmentLines(),
        description="The standard lines printed when an issue has no State Department summary.")
    appeal: Switchable = Field(
        default=_APPEAL,
        description="Markdown: the reader appeal opening the footer, with the donate button; "
                    "`false` runs no appeal unless an issue sets one.")
    subscribe: Switchable = Field(
        default=_SUBSCRIBE,
        description="Markdown: the subscribe blurb after the appeal; `false` prints none unless an issue sets one.")
    web_subscribe: Switchable = Field(
        default=_WEB_SUBSCRIBE,
        description="Markdown: the subscribe call on the web edition's pages, printed in the weeks the email "
                    "prints its subscribe blurb; `false` prints none.")
    social: list[SocialLink] = Field(
        default=[],
        description="The magazine's social accounts, printed as a line of text links under the masthead "
                    "and in the text part.")
    postal_address: Inline = Field(
        default="Quincy Institute for Responsible Statecraft, Washington, DC, USA",
        description="The sender's postal address, always in the footer.")
    unsubscribe_url: Annotated[Text, AfterValidator(_check_unsubscribe)] = Field(
        default="https://responsiblestatecraft.org/newsletter/unsubscribe/",
        description="An https:// address or a provider merge tag such as *|UNSUB|* or {{ unsubscribe_url }}.")
    web_url: Annotated[Text, AfterValidator(_check_url_pattern)] | None = Field(
        default=None, description="Pattern of the web copy's address, with {date} and {slug}.")
    site_url: WebLink | None = Field(
        default=None, description="Where `composer site` publishes the web edition; web_url must lie under it.")
    logo: Logo | None = Field(
        default=None, description="The masthead logo; without one the publication's name is set in type.")
    donate: Button | None = Field(
        default=Button(label="Support independent reporting on diplomacy",
                       url="https://responsiblestatecraft.org/donate/"),
        description="The button under the appeal; null removes it.")
    colors: Colors = Field(default=Colors(), description="The palette, with dark_* twins for dark mode.")
    fonts: Fonts = Field(default=Fonts(), description="CSS font stacks for body text and headings.")
    templates: Text | None = Field(
        default=None, description="A folder of template overrides, relative to house.yaml.")
    sender: Sender = Field(default=Sender(), description="The message's sender headers.")
    delivery: Delivery = Field(
        default=Delivery(), description="Where `composer send` sends: `provider` and its settings.")
    platform: Platform = Field(
        default=Platform(), description="Where `composer publish` creates drafts: `provider` and its settings.")
    tracking: Tracking = Field(default=Tracking(), description="utm_ tags on outbound links.")
    links: LinkSettings = Field(
        default=LinkSettings(), description="How `check --links` fetches links, and the outlets the house knows.")
    suppressions: Suppressions = Field(
        default=Suppressions(), description="The readers never to mail again, and the unsubscribe endpoint.")

    @property
    def newsletter_slug(self) -> str:
        """The newsletter's name for machines: diplomacy-watch."""
        return re.sub(r"[^a-z0-9]+", "-", self.newsletter.lower()).strip("-")
