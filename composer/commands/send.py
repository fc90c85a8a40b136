"""`composer send`: a test copy of an issue, subject "[TEST] …", to a few reviewers.

A test send is the list send in small: the same letter, the same provider
method, a batch of reviewers without unsubscribe tokens and without a ledger.
Each reviewer gets their own copy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from composer.addresses import Unfit
from composer.diagnostics import CommandError, DeliveryError
from composer.pipeline import Rendered, render_checked
from composer.send import outbox
from composer.send.letter import Letter, Recipient, reviewer
from composer.send.provider import Provider
from composer.send.providers import provider_for

Echo = Callable[[str], None]
DRY_RUN_HEADERS = ("From", "Reply-To", "Subject", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post")


def check_recipients(addresses: list[str], option: str = "--to") -> list[Recipient]:
    """Every reviewer, checked as a list reader's address is; each once, however often or in whatever case
    they were given. All bad ones are reported before anything is sent."""
    found: dict[str, Recipient] = {}
    problems: list[str] = []
    for address in addresses:
        try:
            checked = reviewer(address)
        except Unfit as problem:
            problems.append(f"{option} {problem}; fix it and send again")
            continue
        found.setdefault(checked.key, checked)
    if problems:
        # Not a problem in a file, so no file:line:col; a send that did not happen, so exit code 1.
        raise CommandError(*problems)
    return list(found.values())


def render_for_sending(issue: Path, warn: Echo) -> Rendered:
    """The issue exactly as `build` writes it; what would stop a build stops a send too."""
    rendered, warnings = render_checked(issue)
    for warning in warnings:
        warn(str(warning))
    return rendered


@dataclass
class TestSend:
    letter: Letter
    reviewers: list[Recipient]
    provider: Provider

    def dry_run(self) -> list[str]:
        """What would be sent, through which provider: the headers and the parts' sizes."""
        message = self.letter.for_reader(self.reviewers[0])
        lines = [f"{name}: {message[name]}" for name in DRY_RUN_HEADERS if message[name] is not None]
        lines.insert(2, f"To: {', '.join(r.address for r in self.reviewers)} (each their own copy)")
        lines.append(f"parts: text/plain {len(self.letter.text.encode()):,} bytes, "
                     f"text/html {len(self.letter.html.encode()):,} bytes")
        lines.append(f"dry run: nothing sent; would send through {self.provider.name}")
        return lines

    def send(self) -> str:
        outcomes = []
        size = self.provider.batch_limit
        for start in range(0, len(self.reviewers), size):
            for answered in self.provider.send(self.letter, self.reviewers[start:start + size]):
                outcomes += answered
        refused = [f"{o.key} ({o.reason})" for o in outcomes if not o.sent]
        if refused:
            others = "; the others were sent" if len(refused) < len(outcomes) else ""
            raise DeliveryError(f"{self.provider.name} refused {', '.join(refused)}{others}")
        to = ", ".join(r.address for r in self.reviewers)
        receipts = ", ".join(o.message_id or "accepted" for o in outcomes)
        if self.provider.name == outbox.NAME:
            return f'wrote "{self.letter.subject}" for {to} to the outbox, not mailed ({receipts})'
        return f'sent "{self.letter.subject}" to {to} through {self.provider.name} ({receipts})'


def prepare(issue: Path, to: list[str], provider: str | None, *, warn: Echo) -> TestSend:
    """Recipients checked, issue rendered and checked, provider configured: nothing sent yet."""
    reviewers = check_recipients(to)
    rendered = render_for_sending(issue, warn)
    letter = Letter(rendered.edition, rendered.html, rendered.text, test=True)
    return TestSend(letter, reviewers, provider_for(rendered.edition, provider))
