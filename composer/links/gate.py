"""Before an issue goes to readers: the last link check, replayed without the network.

`publish --send` and `publish --list` call `guard_send`: a dead link on record
stops the send unless the editor confirms with --yes; links the check never
saw, or an issue never checked at all, are told as warnings.
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


def dead_link_refusal(issue: Path, edition: Edition) -> str | None:
    """Why the issue must not go to readers as it is: the dead links and broken images its lock file
    records for links it still has (and does not silence), or None."""
    lock, context = _replayed(issue, edition)
    if lock is None:
        return None
    reachable.dead(context)
    reachable.not_an_image(context)
    broken = sorted(unsilenced(edition, context.findings))
    if not broken:
        return None
    return (f"the link check of {lock.checked} found {len(broken)} dead link{'s' if len(broken) > 1 else ''} or "
            f"image{'s' if len(broken) > 1 else ''} in {issue}: {_listed(broken)}; fix them and run "
            "`composer check --links` again, or pass --yes to send anyway")


def guard_send(issue: Path, edition: Edition, *, yes: bool, warn: Callable[[str], None]) -> None:
    """Refuse (DeliveryError) a send to readers while the lock file shows a dead link, unless `yes`;
    warn about links added since the last check."""
    refusal = dead_link_refusal(issue, edition)
    if refusal and not yes:
        raise DeliveryError(refusal)
    if refusal:
        warn(f"warning: sending all the same (--yes): {refusal}")
    _, context = _replayed(issue, edition)
    reachable.unchecked(context)
    for finding in unsilenced(edition, context.findings):
        warn(str(finding))
