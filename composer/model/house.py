"""The house: everything that stays the same from issue to issue, as `house.yaml` sets it.

Every key is declared once. The settings of the mail providers and of the
newsletter platforms are declared beside them, in composer/send/ and
composer/platforms/, and appear here under `delivery:` and `platform:`.
"""

from __future__ import annotations

import re
import string
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field

from composer.model.fields import (
    Color, EmailAddress, FontStack, Inline, Model, Prose, Text, WebLink, check_web_link, refusal,
)
from composer.platforms import PlatformSettings
from composer.send import Delivery

_MERGE_TAG = re.compile(r"\*\|[A-Za-z_:]+\|\*|\{\{\{?\s*[\w:.]+\s*\}?\}\}|%[\w-]+%|<%[\w-]+%>|\{\$\w+\}")


def _check_unsubscribe(value: str) -> str:
    if _MERGE_TAG.fullmatch(value.strip()):
        return value
    if value.lower().startswith("https://"):
        return value
    raise refusal(
        "unsubscribe",
        f"'{value}' is neither an https:// address nor a provider merge tag such as "
        "*|UNSUB|* or {{ unsubscribe_url }}; one-click unsubscribe needs one of them",
    )


def _check_url_pattern(value: str) -> str:
    def refuse(message: str):
        raise refusal("pattern", message)

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


class Sender(Model):
    name: Inline = "Diplomacy Watch"
    address: EmailAddress = "newsletter@responsiblestatecraft.org"
    reply_to: EmailAddress | None = None
    # Offered beside the https link in List-Unsubscribe, for clients that prefer mail.
    unsubscribe_mailto: EmailAddress | None = None

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]


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
    site_url: WebLink | None = None  # where `composer site` publishes the web edition
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
