"""An edition: one issue as published by one house, with the values derived from both.

Nothing here is validated (the issue and the house already were); every
property is something a renderer or a check would otherwise work out itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from composer import markdown
from composer.diagnostics import ComposerError
from composer.model.house import House
from composer.model.issue import Issue
from composer.tracking import tag

if TYPE_CHECKING:
    from composer.yamlsource import Source

# The page of an issue on the house's site when `web_url` does not say otherwise.
DEFAULT_PAGE = "{slug}/"


class Edition:
    """An issue together with its house, and where both came from: what every renderer works from."""

    def __init__(self, issue: Issue, house: House, slug: str, theme_dir: Path | None = None,
                 source: Source | None = None, house_path: Path | None = None):
        self.issue = issue
        self.house = house
        self.slug = issue.slug or slug
        self.theme_dir = theme_dir
        self.source = source  # the YAML it came from, for pointing at lines after validation
        self.house_path = house_path  # the house.yaml it came from, if any

    @property
    def source_name(self) -> str:
        return self.source.name if self.source else self.slug

    @property
    def folder(self) -> Path:
        """The folder of the issue and its house.yaml: relative paths in house.yaml start here."""
        if self.source is not None:
            return self.source.path.parent
        return self.house_path.parent if self.house_path else Path(".")

    def position(self, loc: tuple, *, key: bool = False) -> tuple[int, int]:
        return self.source.position(loc, key=key) if self.source else (1, 1)

    def prose(self) -> Iterator[tuple[tuple, str]]:
        """(loc, Markdown source) of every prose field the editor wrote: what the checks and the link
        checker read."""
        issue = self.issue
        yield ("lead",), issue.lead
        for n, item in enumerate(issue.items):
            yield ("items", n), item
        if issue.state_department:
            yield ("state_department",), issue.state_department
        if issue.state_department_note:
            yield ("state_department_note",), issue.state_department_note
        for n, teaser in enumerate(issue.teasers):
            yield ("teasers", n, "summary"), teaser.summary
        for name in ("appeal", "subscribe"):
            if getattr(issue.footer, name):
                yield ("footer", name), getattr(issue.footer, name)

    def require_ready(self, action: str = "sent to readers") -> None:
        """Refuse a draft, at its `status:` line, for what only a finished issue may do."""
        if self.issue.status == "draft":
            line, column = self.position(("status",))
            raise ComposerError.at(self.source_name, f"this issue is a draft (`status: draft`), so it is not {action}; "
                                   "a draft builds, previews and goes out as a test send (`composer send`): "
                                   "set `status: ready` when it is finished", line, column)

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
    def web_url_pattern(self) -> str | None:
        """Where the web copy lives: the house's pattern, or a page per issue on the house's site."""
        if self.house.web_url:
            return self.house.web_url
        if self.house.site_url:
            return self.house.site_url.rstrip("/") + "/" + DEFAULT_PAGE
        return None

    @property
    def web_url(self) -> str | None:
        pattern = self.web_url_pattern
        return pattern.format(date=self.issue.date.isoformat(), slug=self.slug) if pattern else None

    @property
    def state_department_text(self) -> str:
        """The editor's summary, or this week's own line, or the house's standard line when there is neither."""
        if self.issue.state_department:
            return self.issue.state_department
        if self.issue.state_department_note:
            return self.issue.state_department_note
        lines = self.house.state_department_lines
        if self.issue.state_department_line == "prior-to-publication":
            return lines.prior_to_publication
        return lines.standard

    @property
    def campaign(self) -> str:
        return f"{self.house.newsletter_slug}-{self.issue.date.isoformat()}"

    def track(self, url: str, part: str) -> str:
        """`url` as the email writes it in the part named `part`: with utm_ tags when the house tracks.

        The unsubscribe link and the web copy are the reader's own pages, never campaign traffic.
        """
        tracking = self.house.tracking
        if not tracking.enabled or url in (self.house.unsubscribe_url, self.web_url):
            return url
        return tag(url, source=tracking.source, medium=tracking.medium, campaign=self.campaign, content=part)

    @property
    def appeal(self) -> str | None:
        """This week's appeal, or None when none runs (and then no donate button either)."""
        return _chosen(self.issue.footer.appeal, self.house.appeal)

    @property
    def subscribe(self) -> str | None:
        return _chosen(self.issue.footer.subscribe, self.house.subscribe)

    @property
    def web_subscribe(self) -> str | None:
        """The web page's subscribe call: the email's blurb speaks to a reader of the email."""
        if self.subscribe is None:
            return None
        return self.house.web_subscribe or None

    @property
    def donate(self):
        """The donate button, which goes with the appeal."""
        return self.house.donate if self.appeal else None


def _chosen(issue_text: str | bool | None, house_text: str | bool) -> str | None:
    """The issue's footer text over the house's; `false` in either place means none is printed."""
    chosen = house_text if issue_text is None else issue_text
    return chosen if isinstance(chosen, str) else None
