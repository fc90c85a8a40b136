"""Before an issue goes to readers: the last link check, replayed without the network.

`publish --send` and `broadcast` call `guard_send`: a dead link on record
stops the send unless the editor confirms with --yes; links added since the
check are told as warnings. An issue never checked goes as before.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from composer.checks import reachable, unsilenced
from composer.checks.registry import Context
from composer.diagnostics import DeliveryError, Diagnostic
from composer.links.collect import links_of
from composer.links.lock import LinkCheck, Lock, lock_path, read_lock
from composer.model.edition import Edition

SHOWN = 5


def _replayed(issue: Path, edition: Edition) -> tuple[Lock | None, Context]:
    lock = read_lock(lock_path(issue))
    check = LinkCheck(links_of(edition), dict(lock.links) if lock else {}, "offline", lock, lock_path(issue).name)
    return lock, Context(edition, "", "", link_check=check)


def _listed(findings: list[Diagnostic]) -> str:
    shown = "; ".join(f"{f.where}: {f.message}" for f in findings[:SHOWN])
    return shown + (f"; and {len(findings) - SHOWN} more" if len(findings) > SHOWN else "")


def _dead_links(issue: Path, edition: Edition) -> str | None:
    lock, context = _replayed(issue, edition)
    if lock is None:
        return None
    reachable.dead(context)
    reachable.not_an_image(context)
    broken = sorted(unsilenced(context.findings, edition.issue.silence))
    if not broken:
        return None
    many = "s" if len(broken) > 1 else ""
    return f"the link check of {lock.checked} found {len(broken)} dead link{many} or image{many}: {_listed(broken)}"


def dead_link_refusal(issue: Path, edition: Edition) -> str | None:
    """Why the issue must not go to readers as it is: the dead links and broken images its lock file
    records for links it still has (and does not silence), or None."""
    problem = _dead_links(issue, edition)
    if problem is None:
        return None
    return f"{problem}; nothing was sent: fix them and run `composer check --links` again, or pass --yes to send anyway"


def guard_send(issue: Path, edition: Edition, *, yes: bool, warn: Callable[[str], None]) -> None:
    """Refuse (DeliveryError) a send to readers while the lock file shows a dead link, unless `yes`;
    warn about it with `yes`, and about links added since the last check."""
    if not yes and (refusal := dead_link_refusal(issue, edition)):
        raise DeliveryError(refusal)
    if yes and (problem := _dead_links(issue, edition)):
        warn(f"warning: {problem}")
    lock, context = _replayed(issue, edition)
    if lock is None:
        return  # links never checked: the house does not use `check --links`, or not for this issue
    reachable.unchecked(context)
    for finding in unsilenced(context.findings, edition.issue.silence):
        warn(str(finding))
