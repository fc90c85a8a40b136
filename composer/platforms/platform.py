"""The one interface every newsletter platform implements, and the draft it hands back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from composer.model.edition import Edition


@dataclass
class Draft:
    id: str
    url: str
    state: dict  # what to remember for the next publish


class Platform(Protocol):
    name: str

    def save(self, edition: Edition, html: str, text: str, remembered: dict | None) -> Draft:
        """Create the draft, or update the one `remembered` names."""
        ...

    def audience(self, edition: Edition) -> str:
        """Who a send reaches, in words for the confirmation prompt."""
        ...

    def send(self, draft: Draft, at: datetime | None) -> str:
        """Send the draft now, or schedule it for `at`; say which, in words."""
        ...


@runtime_checkable
class SendsTests(Protocol):
    """A platform that can send reviewers a test of a saved draft (not every one offers it through its API)."""

    def test(self, draft: Draft, recipients: list[str]) -> str:
        """Send the draft to these reviewers only; say so, in words."""
        ...
