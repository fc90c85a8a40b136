"""What a provider tells of a reader after the send, in one shape, and what each tells the list.

    hard bounce, complaint, unsubscribe ─▶ suppressed (bounced, complained, unsubscribed)
    soft bounce                         ─▶ counted; suppressed as bounced after `soft_bounce_limit` in a row
    delivered                           ─▶ the run of soft bounces starts again

Each provider module (ses, postmark, sendgrid, mailgun) turns its own webhook
payloads and suppression lists into these events.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

from composer.addresses import Unfit
from composer.suppressions.store import Entry, Store, key_of, now

Kind = Literal["hard", "soft", "complaint", "unsubscribe", "delivered"]
_REASON = {"hard": "bounced", "complaint": "complained", "unsubscribe": "unsubscribed"}
# A copy sent by SMTP, SES or the outbox carries <digest.slug@domain> (send/letter.py): the issue is in it.
_MESSAGE_ID = re.compile(r"<?[0-9a-f]{16}\.([0-9A-Za-z._-]{1,100})@[^>]+>?")


class Refused(Exception):
    """A webhook request that is not the provider's (a bad signature, a stranger's topic): status and why."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Event:
    address: str
    kind: Kind
    detail: str = ""
    issue: str | None = None
    at: str | None = None  # when the provider says it happened; now when it does not


def mapping(value: object) -> dict:
    """A payload's object, or an empty one where the provider sent something else."""
    return value if isinstance(value, dict) else {}


def utc(value: object) -> str | None:
    """A provider's time (ISO 8601 with any offset, RFC 2822, or seconds since 1970) as the list's UTC stamp."""
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            when = datetime.fromtimestamp(value, UTC)
        elif isinstance(value, str) and value[:4].isdigit():
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        elif isinstance(value, str):
            when = parsedate_to_datetime(value)
        else:
            return None
    except (ValueError, TypeError, OverflowError, OSError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def issue_of(message_id: object) -> str | None:
    """The issue's slug from a Message-ID composer wrote, or None."""
    if isinstance(message_id, str) and (match := _MESSAGE_ID.fullmatch(message_id.strip())):
        return match.group(1)
    return None


def apply(store: Store, events: Iterable[Event], source: str, soft_bounce_limit: int) -> Counter[str]:
    """Record each event; what came of them, counted (suppressed, soft, delivered, ignored)."""
    done: Counter[str] = Counter()
    entries: list[Entry] = []
    for event in events:
        try:
            key_of(event.address)
        except Unfit:
            done["ignored"] += 1  # not an address composer could have mailed
            continue
        if event.kind in _REASON:
            entries.append(Entry(event.address, _REASON[event.kind], source, event.at or now(), event.issue,
                                 event.detail or None))
        elif event.kind == "soft":
            done["soft"] += 1
            if store.soft_bounce(event.address, soft_bounce_limit, issue=event.issue, source=source,
                                 detail=event.detail or None):
                done["suppressed"] += 1
        else:
            done["delivered"] += 1
            store.delivered(event.address)
    added = store.add(entries)
    done["suppressed"] += added
    done["already"] += len(entries) - added
    return done
