"""The ledger of a list send: one SQLite row per reader, so a send can stop at any moment and resume.

`<issue>.ledger.sqlite` sits beside the issue. Each reader is `pending`,
`sent`, `failed` or `skipped`, with the number of attempts, the provider's
message id, the last reason and the time. A reader becomes `sent` only after
the provider accepted the message, in a transaction of its own, so a crash
(kill -9 included) loses nothing: a rerun sends only to readers not `sent`.

WAL mode with synchronous=NORMAL: every commit is in the write-ahead log
before the next message goes out, which survives the process dying; only a
power cut in the same second could lose the last commits.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from composer.audience import Reader
from composer.diagnostics import DeliveryError, Diagnostic
from composer.printable import redact
from composer.send.provider import Outcome

SCHEMA = """
CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS readers (
    key TEXT PRIMARY KEY,            -- the address in lower case: one row per reader
    address TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    message_id TEXT,
    reason TEXT,
    updated TEXT,
    seen INTEGER NOT NULL DEFAULT 0  -- the reading of the list that last found this reader
);
CREATE INDEX IF NOT EXISTS readers_state ON readers (state);
"""

# A reader read again keeps `sent`; a new status other than subscribed skips them;
# a reader skipped before (unsubscribed, or missing from the list) who is back is pending again.
_UPSERT = """
INSERT INTO readers (key, address, name, state, reason, updated, seen) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET
    name = excluded.name,
    seen = excluded.seen,
    state = CASE WHEN readers.state = 'sent' THEN 'sent'
                 WHEN excluded.state = 'skipped' THEN 'skipped'
                 WHEN readers.state = 'skipped' THEN 'pending'
                 ELSE readers.state END,
    reason = CASE WHEN readers.state = 'sent' THEN readers.reason
                  WHEN excluded.state = 'skipped' THEN excluded.reason
                  WHEN readers.state = 'skipped' THEN NULL
                  ELSE readers.reason END
WHERE readers.seen != excluded.seen
"""


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def ledger_path(issue: Path) -> Path:
    return issue.with_name(issue.stem + ".ledger.sqlite")


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass(frozen=True)
class Pending:
    rowid: int
    key: str
    address: str
    name: str


@dataclass
class Loaded:
    """What reading the list found."""

    rows: int = 0
    duplicates: int = 0
    bad: int = 0
    dropped: int = 0  # pending readers no longer on the list


class Ledger:
    def __init__(self, connection: sqlite3.Connection, path: Path | None):
        self.db, self.path = connection, path
        self.db.executescript(SCHEMA)

    @classmethod
    def open(cls, path: Path) -> Ledger:
        try:
            connection = sqlite3.connect(path, isolation_level=None, timeout=5.0)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            return cls(connection, path)
        except sqlite3.DatabaseError as error:
            raise DeliveryError(f"cannot open the ledger {path} ({error}); move it away to start a new one") from None

    @classmethod
    def rehearsal(cls, path: Path) -> Ledger:
        """A copy in memory of the ledger at `path` (if any), for --dry-run: the file is never written."""
        memory = sqlite3.connect(":memory:", isolation_level=None)
        if path.exists():
            try:
                source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
                source.backup(memory)
                source.close()
            except sqlite3.DatabaseError as error:
                raise DeliveryError(f"cannot read the ledger {path} ({error})") from None
        return cls(memory, None)

    def close(self) -> None:
        self.db.close()

    def remove(self) -> None:
        """Delete a closed ledger's files (the database, its write-ahead log and index)."""
        if self.path is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    # -- facts about the send: which issue, which version, which provider ------------------

    def facts(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM facts"))

    def remember(self, **facts: str) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO facts (key, value) VALUES (?, ?)", facts.items())

    def claim(self) -> None:
        """Only one send per ledger at a time: two would send to the same pending readers.

        The sending process's id is kept in the ledger; a process that died (kill -9 included)
        leaves an id that no longer runs, and the next send takes over.
        """

        with self.db:
            self.db.execute("BEGIN IMMEDIATE")  # no other process reads and writes the claim in between
            holder = self.db.execute("SELECT value FROM facts WHERE key = 'sending'").fetchone()
            if holder and int(holder[0]) != os.getpid() and _running(int(holder[0])):
                raise DeliveryError(f"another send of this issue is running (process {holder[0]}); wait for it, "
                                    "or stop it and run again")
            self.db.execute("INSERT OR REPLACE INTO facts (key, value) VALUES ('sending', ?)", (str(os.getpid()),))

    def release(self) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM facts WHERE key = 'sending'")

    # -- the list ------------------------------------------------------------------------

    def load(self, rows: Iterable[Reader | Diagnostic], report: Callable[[Diagnostic], None]) -> Loaded:
        """Read the list into the ledger in one transaction; `report` hears each bad row."""
        loaded = Loaded()
        reading = int(self.facts().get("readings", "0")) + 1
        stamp = now()
        with self.db:
            self.db.execute("BEGIN")
            for row in rows:
                if isinstance(row, Diagnostic):
                    loaded.bad += 1
                    report(row)
                    continue
                loaded.rows += 1
                state, reason = ("pending", None) if row.mailed else ("skipped", f"status: {row.status}")
                cursor = self.db.execute(_UPSERT, (row.key, row.address, row.name, state, reason, stamp, reading))
                if cursor.rowcount == 0:
                    loaded.duplicates += 1
            loaded.dropped = self.db.execute(
                "UPDATE readers SET state = 'skipped', reason = 'no longer on the list', updated = ? "
                "WHERE seen != ? AND state IN ('pending', 'failed')", (stamp, reading)).rowcount
            self.db.execute("INSERT OR REPLACE INTO facts (key, value) VALUES ('readings', ?)", (str(reading),))
        return loaded

    # -- sending ---------------------------------------------------------------------------

    def batches(self, size: int) -> Iterator[list[Pending]]:
        """Readers still to send, `size` at a time, each once per run (a refused one waits for the next run)."""
        after = 0
        while True:
            rows = self.db.execute(
                "SELECT rowid, key, address, name FROM readers WHERE state IN ('pending', 'failed') AND rowid > ? "
                "ORDER BY rowid LIMIT ?", (after, size)).fetchall()
            if not rows:
                return
            batch = [Pending(*row) for row in rows]
            after = batch[-1].rowid
            yield batch

    def attempting(self, keys: list[str]) -> None:
        """Counted before the request: a batch that died in flight shows its attempt."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("UPDATE readers SET attempts = attempts + 1, updated = ? WHERE key = ?",
                                [(now(), key) for key in keys])

    def record(self, outcomes: list[Outcome], *, attempted: bool = False) -> None:
        """The provider's answers; `attempted` counts the attempt now, for providers sending one by one."""
        stamp = now()
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany(
                "UPDATE readers SET state = ?, message_id = coalesce(?, message_id), reason = ?, updated = ?, "
                "attempts = attempts + ? WHERE key = ?",
                # A provider may repeat the request's credentials in a refusal: none is kept.
                [("sent" if o.sent else "failed", o.message_id, redact(o.reason) if o.reason else None, stamp,
                  int(attempted), o.key) for o in outcomes])

    def skip(self, keys_and_reasons: list[tuple[str, str]]) -> None:
        """Readers who cannot be mailed (a name or address that cannot go into a header): skipped, with why."""
        stamp = now()
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("UPDATE readers SET state = 'skipped', reason = ?, updated = ? WHERE key = ?",
                                [(redact(reason), stamp, key) for key, reason in keys_and_reasons])

    # -- what the ledger says --------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        found = dict(self.db.execute("SELECT state, count(*) FROM readers GROUP BY state"))
        return {state: found.get(state, 0) for state in ("sent", "failed", "pending", "skipped")}

    def reasons(self, state: str) -> list[tuple[str, int]]:
        return self.db.execute("SELECT coalesce(reason, '?'), count(*) FROM readers WHERE state = ? "
                               "GROUP BY reason ORDER BY count(*) DESC, reason", (state,)).fetchall()

    def failures(self, limit: int) -> list[tuple[str, int, str]]:
        return self.db.execute("SELECT address, attempts, coalesce(reason, '?') FROM readers WHERE state = 'failed' "
                               "ORDER BY rowid LIMIT ?", (limit,)).fetchall()

    def reader(self, address: str) -> dict | None:
        self.db.row_factory = sqlite3.Row
        try:
            row = self.db.execute("SELECT * FROM readers WHERE key = ?", (address.lower(),)).fetchone()
        finally:
            self.db.row_factory = None
        return dict(row) if row else None

    def attempted(self) -> bool:
        """Whether any message may have gone out: then the issue's version is fixed."""
        return self.db.execute("SELECT 1 FROM readers WHERE attempts > 0 LIMIT 1").fetchone() is not None

    def last_change(self) -> str | None:
        return self.db.execute("SELECT max(updated) FROM readers").fetchone()[0]
