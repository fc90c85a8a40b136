"""`composer publish`: the issue as a draft at the platform; on request, sent or scheduled.

The draft is saved (and its id kept) before anything else, so a refused send,
a declined confirmation or a crash leaves a draft that the next publish updates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from composer.commands.send import Echo, check_recipients, render_for_sending
from composer.diagnostics import DeliveryError
from composer.links.gate import guard_send
from composer.platforms.platform import SendsTests
from composer.platforms.registry import platform_for
from composer.platforms.state import PublishState

if TYPE_CHECKING:
    from composer.pipeline import Rendered
    from composer.platforms.platform import Platform

Ask = Callable[[str], bool]


def schedule_time(at: str | None, send_now: bool) -> datetime | None:
    """`--at` as a time with its zone; a time without one is the editor's local time."""
    if not at:
        return None
    if not send_now:
        raise DeliveryError("--at schedules a send, so it needs --send too")
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        raise DeliveryError(f"--at {at!r} is not a date and time; write it as 2024-01-12T09:00+00:00") from None
    when = when.astimezone() if when.tzinfo is None else when
    if when <= datetime.now(UTC):
        raise DeliveryError(f"--at {at} is in the past; give a time still to come, or leave --at out to send now")
    return when


def publish(issue: Path, *, platform: str | None, send_now: bool, when: datetime | None, ask: Ask | None,
            yes: bool, echo: Echo, warn: Echo, test_to: list[str] | None = None) -> bool:
    """Save the draft, then send or schedule it if asked. False when the editor declined the send.

    `ask` puts the question to the editor at a terminal; None means there is none.
    `test_to` has the platform send reviewers a test of the saved draft.
    """
    if test_to and send_now:
        raise DeliveryError("--test-to is for reviewing the draft first; "
                            "send it to the list in a later run with --send")
    reviewers = [r.address for r in check_recipients(test_to, option="--test-to")] if test_to else []
    rendered = render_for_sending(issue, warn)
    edition = rendered.edition
    if send_now:
        edition.require_ready("sent to the list")  # a draft may be saved at the platform for review, not sent
        guard_send(issue, edition, yes=yes, warn=warn)  # a dead link on record stops it (composer/links/gate.py)
    chosen = platform_for(edition, platform)
    try:
        return _publish(chosen, rendered, issue, send_now=send_now, when=when, ask=ask, yes=yes, echo=echo,
                        reviewers=reviewers)
    finally:
        close = getattr(chosen, "close", None)  # the platform's HTTP connections
        if close:
            close()


def _publish(chosen: Platform, rendered: Rendered, issue: Path, *, send_now: bool, when: datetime | None,
             ask: Ask | None, yes: bool, echo: Echo, reviewers: list[str]) -> bool:
    edition = rendered.edition
    # Everything that can be refused is refused before the draft is touched.
    tester = chosen if isinstance(chosen, SendsTests) else None
    if reviewers and tester is None:
        raise DeliveryError(f"{chosen.name}: composer cannot send a test through this platform; "
                            "use `composer send --to` for a test copy")
    check_schedule = getattr(chosen, "check_schedule", None)
    if when and check_schedule:
        check_schedule(when)
    state = PublishState(issue)
    state.check_writable()
    draft = chosen.save(edition, rendered.html, rendered.text, state.draft(chosen.name))
    state.remember(chosen.name, draft)
    echo(f"{chosen.name}: draft {draft.id} saved; review it at {draft.url}")
    if reviewers and tester is not None:
        echo(f"{chosen.name}: {tester.test(draft, reviewers)}")
    if not send_now:
        return True
    audience = chosen.audience(edition)
    if not yes:
        if ask is None:
            raise DeliveryError("publish --send asks for confirmation at a terminal; pass --yes to skip it")
        action = f"schedule for {when.isoformat()}" if when else "send now"
        if not ask(f'About to {action}: "{edition.subject}" to {audience}.'):
            echo("not sent; the draft is saved")
            return False
    outcome = chosen.send(draft, when)
    echo(f'{chosen.name}: "{edition.subject}" {outcome} to {audience}')
    return True
