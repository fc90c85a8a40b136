"""What a list send asks of the suppression list: who must not be mailed, and whether the list is fresh.

`broadcast` opens the house's list before it sends, marks every suppressed
reader of the ledger `skipped` (with the reason, so the summary and `composer
ledger` count them by reason), and asks again for each batch just before it
goes out, so a reader who unsubscribes during a long send is not mailed either.
When the house relies on webhooks or pulls (`suppressions.expect_feedback`, or
by default once one has come) and the last one is older than
`suppressions.feedback_hours`, the send stops unless --yes.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable

from composer.diagnostics import DeliveryError
from composer.ledger import Ledger
from composer.model.edition import Edition
from composer.suppressions.store import STORE_FILE, Store

SKIP_PREFIX = "suppressed: "


def hours_since(stamp: str) -> float:
    return (time.time() - calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))) / 3600


def staleness(store: Store, edition: Edition) -> str | None:
    """Why the list may be out of date, or None when it is fresh or the house relies on no feedback."""
    settings = edition.house.suppressions
    last = store.last_heard()
    relies = settings.expect_feedback if settings.expect_feedback is not None else last is not None
    if not relies:
        return None
    if last is None:
        return ("no bounce or complaint feedback has ever reached the suppression list (suppressions.expect_feedback "
                "is true); point the provider's webhooks at `composer suppressions serve`, or run `composer "
                "suppressions pull`")
    age = hours_since(last)
    if age <= settings.feedback_hours:
        return None
    return (f"the last webhook or pull reached the suppression list {age:,.0f} hours ago (at {last}), more than "
            f"suppressions.feedback_hours ({settings.feedback_hours:g}); readers who bounced or complained since "
            "may be mailed again. Check the webhooks, or run `composer suppressions pull`")


def open_for_list_send(edition: Edition, *, yes: bool, dry_run: bool, warn: Callable[[str], None]) -> Store:
    if dry_run and edition.house.suppressions.url is None and not (edition.folder / STORE_FILE).exists():
        store = Store.in_memory()  # a rehearsal leaves the folder as it found it: no empty list file
    else:
        store = Store.open(edition.folder, edition.house.suppressions)
    try:
        problem = staleness(store, edition)
    except BaseException:
        store.close()
        raise
    if problem and not (yes or dry_run):
        store.close()
        raise DeliveryError(f"{problem}; or pass --yes to send anyway")
    if problem:
        warn(f"warning: {problem}")
    return store


def skip_suppressed(ledger: Ledger, store: Store) -> int:
    """Every reader still to send who is on the suppression list, skipped with the reason; how many."""
    skipped = 0
    for batch in ledger.batches(1000):
        reasons = store.reasons_for([reader.key for reader in batch])
        if reasons:
            ledger.skip([(key, SKIP_PREFIX + reason) for key, reason in reasons.items()])
            skipped += len(reasons)
    return skipped
