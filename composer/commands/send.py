"""`composer send`: a test copy of an issue, subject "[TEST] …", to a few reviewers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from composer.diagnostics import CommandError
from composer.pipeline import Rendered, render_checked
from composer.printable import one_line
from composer.send import provider_for
from composer.send.provider import Outgoing, Provider

Echo = Callable[[str], None]
DRY_RUN_HEADERS = ("From", "Reply-To", "To", "Subject", "List-Unsubscribe", "List-Unsubscribe-Post")


def check_recipients(addresses: list[str], option: str = "--to") -> list[str]:
    """Every --to address, normalised; all bad ones reported before anything is sent."""
    from email_validator import EmailNotValidError, validate_email

    good: list[str] = []
    problems: list[str] = []
    for address in addresses:
        try:
            checked = validate_email(address, check_deliverability=False)
        except EmailNotValidError as error:
            problems.append(f"{option} '{address}' is not an e-mail address ({error}); fix it and send again")
            continue
        # An international domain travels as its xn-- A-label; a non-ASCII local part would need SMTPUTF8.
        if checked.ascii_email is None:
            problems.append(f"{option} '{address}' has letters outside ASCII before the @, which most mail servers "
                            "cannot carry; use another address")
        else:
            good.append(checked.ascii_email)
    if problems:
        # Not a problem in a file, so no file:line:col; a send that did not happen, so exit code 1.
        # One line per address, whatever the address holds.
        raise CommandError("\n".join(one_line(problem) for problem in problems))
    return good


def render_for_sending(issue: Path, warn: Echo) -> Rendered:
    """The issue exactly as `build` writes it; what would stop a build stops a send too."""
    rendered, warnings = render_checked(issue)
    for warning in warnings:
        warn(str(warning))
    return rendered


@dataclass
class TestSend:
    mail: Outgoing
    provider: Provider

    def dry_run(self) -> list[str]:
        """What would be sent, through which provider: the headers and the parts' sizes."""
        mail = self.mail
        lines = [f"{name}: {mail.header(name)}" for name in DRY_RUN_HEADERS if mail.header(name)]
        lines.append(f"parts: text/plain {len(mail.text.encode()):,} bytes, "
                     f"text/html {len(mail.html.encode()):,} bytes")
        lines.append(f"dry run: nothing sent; would send through {self.provider.name}")
        return lines

    def send(self) -> str:
        receipt = self.provider.send(self.mail)
        to = ", ".join(self.mail.recipients)
        return f'sent "{self.mail.subject}" to {to} through {self.provider.name} ({receipt})'


def prepare(issue: Path, to: list[str], provider: str | None, *, warn: Echo) -> TestSend:
    """Recipients checked, issue rendered and checked, provider configured: nothing sent yet."""
    recipients = check_recipients(to)
    rendered = render_for_sending(issue, warn)
    mail = Outgoing(rendered.message(recipients, test=True), recipients, rendered.html, rendered.text,
                    rendered.edition.slug)
    return TestSend(mail, provider_for(rendered.edition.house, issue.parent, provider))
