"""`composer broadcast`: the issue to every reader of a CSV list, through the house's provider, once.

    render + check ─▶ letter ─▶ ledger (read the list into it) ─▶ confirm ─▶ batches ─▶ provider.send ─▶ ledger

The ledger is the truth: a reader is `sent` only once the provider accepted
their message, so the same command after a crash, a kill or Ctrl-C resumes
with the readers not yet sent. Ctrl-C is held until the batch in flight is
answered and recorded, so an interrupted send never sends twice.
"""

from __future__ import annotations

import hashlib
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from composer.addresses import Unfit
from composer.audience import read_list
from composer.codes import ERROR
from composer.commands.send import Echo
from composer.diagnostics import ComposerError, DeliveryError
from composer.ledger import Ledger, Loaded, Pending, ledger_path, now
from composer.links.gate import guard_send
from composer.model.fields import is_https
from composer.pipeline import Rendered, render_checked
from composer.progress import Progress
from composer.send.letter import Letter, Recipient
from composer.send.pace import Pace
from composer.send.provider import Provider, refused
from composer.send.providers import delivery, provider_for
from composer.suppressions.guard import SKIP_PREFIX, open_for_list_send, skip_suppressed
from composer.suppressions.store import Store
from composer.unsubscribe import PLACEHOLDER, make_unsubscribe_token, unsubscribe_secret
from composer.wording import counted

FAILURES_SHOWN = 20


def readers(n: int) -> str:
    return f"{n:,} reader{'s' if n != 1 else ''}"


def version_of(rendered: Rendered) -> str:
    """The rendered issue's fingerprint: a changed word anywhere changes it."""
    digest = hashlib.sha256()
    for part in (rendered.edition.subject, rendered.html, rendered.text):
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()[:16]


@dataclass
class ListSend:
    issue: Path
    letter: Letter
    secret: str
    sender: Provider
    ledger: Ledger
    loaded: Loaded
    batch_size: int
    pace: Pace
    suppressions: Store
    stopped: str | None = None
    interrupted: bool = False
    stop: threading.Event = field(default_factory=threading.Event)  # set by Ctrl-C: the provider ends its requests

    @property
    def to_send(self) -> int:
        counts = self.ledger.counts()
        return counts["pending"] + counts["failed"]

    def question(self) -> str:
        counts = self.ledger.counts()
        already = f" ({counts['sent']:,} already sent)" if counts["sent"] else ""
        return (f'About to send "{self.letter.subject}" through {self.sender.name} '
                f"to {readers(self.to_send)}{already}.")

    def dry_run(self) -> list[str]:
        counts, total = self.ledger.counts(), self.to_send
        batches = -(-total // self.batch_size) if total else 0
        return [
            f"Subject: {self.letter.subject}",
            f"From: {self.letter.from_field}",
            f"list: {counted(self.loaded.rows, 'row')}, {counted(self.loaded.duplicates, 'duplicate')}, "
            f"{counted(self.loaded.bad, 'bad row')} left out",
            f"would send to {readers(total)} through {self.sender.name} in {batches:,} "
            f"batch{'es' if batches != 1 else ''} of up to {self.batch_size:,}"
            + (f", {self.pace.gap:.3g} s apart per message" if self.pace.limited else ""),
            f"already sent {counts['sent']:,}; skipped {counts['skipped']:,}",
            "dry run: nothing sent, ledger unchanged",
        ]

    def recipients(self, batch: list[Pending]) -> list[Recipient]:
        """The batch's readers with their tokens; a reader whose own headers would not be sound is skipped
        with the reason (the list reader leaves most of them out already), and the send goes on."""
        fit, unfit = [], []
        # Asked again just before the batch goes: a reader who unsubscribed during the send is not mailed.
        suppressed = self.suppressions.reasons_for([reader.key for reader in batch])
        for reader in batch:
            if reader.key in suppressed:
                unfit.append((reader.key, SKIP_PREFIX + suppressed[reader.key]))
                continue
            recipient = Recipient(reader.address, reader.name, make_unsubscribe_token(reader.address, self.secret),
                                  reader.key)
            try:
                self.letter.check_reader(recipient)
            except Unfit as problem:
                unfit.append((reader.key, f"cannot be mailed: {problem}"))
            else:
                fit.append(recipient)
        if unfit:
            self.ledger.skip(unfit)
        return fit

    def run(self, progress: Progress) -> bool:
        """Send to every reader not yet sent. True when every reader who should get it has."""
        progress.start(self.to_send)
        with _held_interrupts(self):
            for pending in self.ledger.batches(self.batch_size):
                if self.interrupted:
                    break
                batch = self.recipients(pending)
                progress.advance(0, len(pending) - len(batch))
                if not batch:
                    continue
                self.pace.wait(len(batch))
                one_by_one = self.sender.one_by_one
                if not one_by_one:
                    self.ledger.attempting([recipient.key for recipient in batch])
                answered: set[str] = set()
                try:
                    # After a Ctrl-C the provider starts nothing new and ends: what it was sending is recorded.
                    for outcomes in self.sender.send(self.letter, batch, self.stop):
                        self.ledger.record(outcomes, attempted=one_by_one)
                        answered.update(outcome.key for outcome in outcomes)
                        sent = sum(outcome.sent for outcome in outcomes)
                        progress.advance(sent, len(outcomes) - sent)
                except DeliveryError as error:
                    # The request was refused as a whole: its readers fail with the reason (one by one, only
                    # the reader in flight), and the send stops rather than hammer a provider that refuses
                    # everything (a bad key, an outage). The others stay pending for the next run.
                    rest = [reader for reader in batch if reader.key not in answered][:1 if one_by_one else None]
                    self.ledger.record(refused(rest, str(error)), attempted=one_by_one)
                    progress.advance(0, len(rest))
                    self.stopped = str(error)
                    break
                progress.batch_done()
        progress.finish()
        return self.to_send == 0

    def close(self) -> None:
        if self.ledger.path is not None:
            self.ledger.release()
        self.ledger.close()
        self.suppressions.close()


@contextmanager
def _held_interrupts(send: ListSend) -> Iterator[None]:
    """The first Ctrl-C stops the send after the batch in flight is recorded; a second stops it at once."""
    def hold(signum, frame):
        if send.interrupted:
            raise KeyboardInterrupt
        send.interrupted = True
        send.stop.set()

    try:
        previous = signal.signal(signal.SIGINT, hold)
    except ValueError:  # not the main thread: nothing to hold
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _check_unsubscribe_url(rendered: Rendered) -> None:
    url = rendered.edition.house.unsubscribe_url
    if not is_https(url) or PLACEHOLDER not in url:
        raise DeliveryError(
            f"house.yaml: `unsubscribe_url` must be an https:// address with {PLACEHOLDER} where each reader's "
            f"token goes, for example https://example.org/unsubscribe?t={PLACEHOLDER}, so every reader gets "
            "their own one-click link"
        )


def _render_for_list(issue: Path, warn: Echo) -> Rendered:
    """The issue as `build` writes it; a list send also refuses the house's built-in unsubscribe link and
    postal address (DW506): the law asks for the house's own."""
    rendered, warnings = render_checked(issue)
    own = [replace(w, severity=ERROR, fix=(w.fix or "") + " before a list send") for w in warnings if w.code == "DW506"]
    if own:
        raise ComposerError(own)
    for warning in warnings:
        warn(str(warning))
    return rendered


def prepare(issue: Path, list_file: Path, *, dry_run: bool, restart: bool, warn: Echo, yes: bool = False) -> ListSend:
    """The issue rendered and checked, the list read into the ledger, the provider ready: nothing sent."""
    if not list_file.is_file():
        raise ComposerError.at(list_file, "no such list; give the path of a CSV file with an `email` column")
    rendered = _render_for_list(issue, warn)
    rendered.edition.require_ready("sent to the list")
    _check_unsubscribe_url(rendered)
    guard_send(issue, rendered.edition, yes=yes or dry_run, warn=warn)  # a dead link on record stops the send
    secret = unsubscribe_secret()
    sender = provider_for(rendered.edition)
    section = delivery(rendered.edition)
    version = version_of(rendered)
    letter = Letter(rendered.edition, rendered.html, rendered.text, version=version)
    path = ledger_path(issue)
    new = not path.exists()
    suppressions = open_for_list_send(rendered.edition, yes=yes, dry_run=dry_run, warn=warn)
    ledger = Ledger.rehearsal(path) if dry_run else Ledger.open(path)
    try:
        if not dry_run:
            ledger.claim()
        facts = ledger.facts()
        if facts.get("version", version) != version and ledger.attempted():
            if not restart:
                raise DeliveryError(
                    f"{issue} renders differently since its list send started on {facts.get('started', '?')} "
                    f"({readers(ledger.counts()['sent'])} got the earlier version; the issue, house.yaml, the "
                    "templates or composer changed); the same issue must not go out in two versions. Undo the "
                    "change, or pass --restart to send this version to the readers not yet sent (nobody gets it twice)"
                )
            warn(f"--restart: the readers not yet sent get the changed issue (version {version})")
        loaded = ledger.load(read_list(list_file), report=lambda problem: warn(str(problem)))
        skip_suppressed(ledger, suppressions)
        ledger.remember(version=version, subject=rendered.edition.subject, provider=sender.name,
                        list=str(list_file), started=facts.get("started", now()))
    except BaseException:
        if not dry_run:
            ledger.release()
        ledger.close()
        suppressions.close()
        if new and not dry_run:
            ledger.remove()  # a list that could not be read leaves no empty ledger behind
        raise
    pace = Pace(section.per_second, section.per_hour)
    size = pace.batch_size(min(section.batch_size or sender.batch_limit, sender.batch_limit))
    return ListSend(issue, letter, secret, sender, ledger, loaded, size, pace, suppressions)


def summary_lines(ledger: Ledger) -> list[str]:
    """What the ledger says: sent, failed with reasons, not yet sent, skipped with reasons."""
    counts = ledger.counts()
    lines = [f"sent {counts['sent']:,} · failed {counts['failed']:,} · not yet sent {counts['pending']:,} "
             f"· skipped {counts['skipped']:,}"]
    if counts["failed"]:
        lines.append("failed:")
        lines += [f"  {address}: {reason} ({attempts} attempt{'s' if attempts != 1 else ''})"
                  for address, attempts, reason in ledger.failures(FAILURES_SHOWN)]
        if counts["failed"] > FAILURES_SHOWN:
            lines.append(f"  … and {counts['failed'] - FAILURES_SHOWN:,} more (the ledger has them all)")
    if counts["skipped"]:
        lines.append("skipped: " + "; ".join(f"{reason} {n:,}" for reason, n in ledger.reasons("skipped")))
    return lines


def status(issue: Path) -> list[str]:
    path = ledger_path(issue)
    if not path.exists():
        raise DeliveryError(f"no list send yet for {issue} (no {path.name} beside it)")
    ledger = Ledger.open(path)
    try:
        facts = ledger.facts()
        lines = [f"ledger: {path}",
                 f'issue: "{facts.get("subject", "?")}" (version {facts.get("version", "?")}), '
                 f"through {facts.get('provider', '?')}, list {facts.get('list', '?')}",
                 f"started {facts.get('started', '?')}, last change {ledger.last_change() or '?'}"]
        return lines + summary_lines(ledger)
    finally:
        ledger.close()


def finished_lines(send: ListSend) -> list[str]:
    lines = summary_lines(send.ledger)
    if send.stopped:
        lines.append(f"stopped: {send.stopped}")
    if send.interrupted:
        lines.append("interrupted after the batch in flight was recorded")
    if send.to_send:
        lines.append(f"{readers(send.to_send)} still to send; run the same command again to resume")
    return lines

