"""The suppression list: one row per reader who must never be mailed again, in SQLite or PostgreSQL.

    suppressed     key (the address as a list send keys it) · address · reason · source · at · issue · detail
    soft_bounces   key · count in a row · last
    feedback       channel (webhook:ses, pull:postmark…) · when it last came

One schema in SQLAlchemy Core for both databases. The key is
`wire_address(address).lower()`, exactly the ledger's key, so an address
suppressed in any case or with its international domain in either form is the
same reader. Adding is idempotent: the first reason recorded stays.
SQLite (`suppressions.sqlite` beside house.yaml) is the default; a house whose
endpoint runs on more than one machine sets `suppressions.url` to PostgreSQL,
with the password in COMPOSER_SUPPRESSIONS_PASSWORD.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    CheckConstraint,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    event,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from composer.addresses import Unfit, wire_address
from composer.diagnostics import DeliveryError
from composer.model.house import Suppressions
from composer.printable import redact

STORE_FILE = "suppressions.sqlite"
PASSWORD_VARIABLE = "COMPOSER_SUPPRESSIONS_PASSWORD"
REASONS = ("unsubscribed", "bounced", "complained", "manual")
SOURCES = ("one-click", "webhook", "pull", "import", "manual")
_LOOKUP = 500  # keys per query when a list send asks about a batch

metadata = MetaData()
suppressed = Table(
    "suppressed", metadata,
    Column("key", String(320), primary_key=True),
    Column("address", String(320), nullable=False),
    Column("reason", String(16), CheckConstraint("reason IN ('unsubscribed', 'bounced', 'complained', 'manual')"),
           nullable=False),
    Column("source", String(16), nullable=False),
    Column("at", String(20), nullable=False),  # UTC, 2024-01-12T09:00:00Z: sorts as it reads, in both databases
    Column("issue", String(200)),
    Column("detail", String(500)),
)
soft_bounces = Table(
    "soft_bounces", metadata,
    Column("key", String(320), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("last", String(20), nullable=False),
)
feedback = Table(
    "feedback", metadata,
    Column("channel", String(40), primary_key=True),
    Column("at", String(20), nullable=False),
)


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def key_of(address: str) -> str:
    """The reader's key, as the list send makes it; Unfit when it is not an address."""
    return wire_address(address.strip()).lower()


@dataclass(frozen=True)
class Entry:
    address: str
    reason: str
    source: str
    at: str
    issue: str | None = None
    detail: str | None = None


def _enable_wal(connection, record) -> None:
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA busy_timeout=5000")


def engine_for(folder: Path, settings: Suppressions) -> Engine:
    """The database the house's settings name: PostgreSQL (psycopg), or SQLite beside house.yaml."""
    if settings.url is None:
        engine = create_engine(f"sqlite:///{folder / STORE_FILE}")
        event.listen(engine, "connect", _enable_wal)
        return engine
    try:
        url = make_url(settings.url)
    except ArgumentError:
        raise DeliveryError("house.yaml: suppressions.url is not a database address") from None
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3, the one driver composer installs
    if password := os.environ.get(PASSWORD_VARIABLE):
        url = url.set(password=password)
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10}
                         if url.get_backend_name() == "postgresql" else {})


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.where = engine.url.render_as_string(hide_password=True)
        try:
            metadata.create_all(engine)
        except SQLAlchemyError as error:
            raise self._failure(error) from None

    @classmethod
    def open(cls, folder: Path, settings: Suppressions) -> Store:
        return cls(engine_for(folder, settings))

    @classmethod
    def in_memory(cls) -> Store:
        """An empty list that is never written to disk."""
        return cls(create_engine("sqlite://"))

    def close(self) -> None:
        self.engine.dispose()

    def _failure(self, error: SQLAlchemyError) -> DeliveryError:
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0][:300]
        return DeliveryError(redact(f"the suppression list at {self.where} cannot be used ({detail}); "
                                    "check suppressions.url and that the database is running"))

    def _insert(self, table: Table):
        return (postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert)(table)

    # -- writing -----------------------------------------------------------------------------

    def add(self, entries: Iterable[Entry]) -> int:
        """Suppress each entry's reader (the address normalised); the number newly suppressed."""
        added = 0
        try:
            with self.engine.begin() as db:
                for entry in entries:
                    key = key_of(entry.address)
                    row = {"key": key, "address": wire_address(entry.address.strip()), "reason": entry.reason,
                           "source": entry.source, "at": entry.at, "issue": entry.issue,
                           "detail": redact(entry.detail)[:500] if entry.detail else None}
                    # The row it returns, not the rowcount: psycopg reports -1 for an INSERT … ON CONFLICT.
                    statement = self._insert(suppressed).values(**row).on_conflict_do_nothing()
                    added += len(db.execute(statement.returning(suppressed.c.key)).all())
                    db.execute(delete(soft_bounces).where(soft_bounces.c.key == key))
        except SQLAlchemyError as error:
            raise self._failure(error) from None
        return added

    def remove(self, addresses: Iterable[str]) -> int:
        keys = [key_of(address) for address in addresses]
        try:
            with self.engine.begin() as db:
                return db.execute(delete(suppressed).where(suppressed.c.key.in_(keys))).rowcount
        except SQLAlchemyError as error:
            raise self._failure(error) from None

    def soft_bounce(self, address: str, limit: int, *, issue: str | None = None, source: str = "webhook",
                    detail: str | None = None) -> bool:
        """One more soft bounce in a row; True when it made the reader suppressed (as `bounced`)."""
        key, stamp = key_of(address), now()
        try:
            with self.engine.begin() as db:
                statement = self._insert(soft_bounces).values(key=key, count=1, last=stamp)
                db.execute(statement.on_conflict_do_update(
                    index_elements=["key"], set_={"count": soft_bounces.c.count + 1, "last": stamp}))
                count = db.execute(select(soft_bounces.c.count).where(soft_bounces.c.key == key)).scalar_one()
        except SQLAlchemyError as error:
            raise self._failure(error) from None
        if count < limit:
            return False
        return self.add([Entry(address, "bounced", source, stamp, issue,
                               f"{count} soft bounces in a row" + (f": {detail}" if detail else ""))]) > 0

    def delivered(self, address: str) -> None:
        """A delivery breaks a run of soft bounces."""
        try:
            with self.engine.begin() as db:
                db.execute(update(soft_bounces).where(soft_bounces.c.key == key_of(address)).values(count=0))
        except SQLAlchemyError as error:
            raise self._failure(error) from None

    def heard(self, channel: str) -> None:
        """A webhook or pull came in now: the list send's freshness check reads it."""
        try:
            with self.engine.begin() as db:
                statement = self._insert(feedback).values(channel=channel, at=now())
                db.execute(statement.on_conflict_do_update(index_elements=["channel"], set_={"at": now()}))
        except SQLAlchemyError as error:
            raise self._failure(error) from None

    # -- reading -----------------------------------------------------------------------------

    def reasons_for(self, keys: list[str]) -> dict[str, str]:
        """Which of these reader keys are suppressed, and why."""
        found: dict[str, str] = {}
        try:
            with self.engine.connect() as db:
                for start in range(0, len(keys), _LOOKUP):
                    chunk = keys[start:start + _LOOKUP]
                    found.update(db.execute(select(suppressed.c.key, suppressed.c.reason)
                                            .where(suppressed.c.key.in_(chunk))).all())
        except SQLAlchemyError as error:
            raise self._failure(error) from None
        return found

    def entry(self, address: str) -> Entry | None:
        try:
            key = key_of(address)
        except Unfit:
            return None
        return next(iter(self.entries(key)), None)

    def entries(self, key: str | None = None) -> Iterator[Entry]:
        query = select(suppressed.c.address, suppressed.c.reason, suppressed.c.source, suppressed.c.at,
                       suppressed.c.issue, suppressed.c.detail).order_by(suppressed.c.at, suppressed.c.key)
        if key is not None:
            query = query.where(suppressed.c.key == key)
        try:
            with self.engine.connect() as db:
                rows = db.execute(query).all()
        except SQLAlchemyError as error:
            raise self._failure(error) from None
        return (Entry(*row) for row in rows)

    def counts(self) -> dict[str, int]:
        try:
            with self.engine.connect() as db:
                found: dict[str, int] = dict(db.execute(select(suppressed.c.reason, func.count())
                                        .group_by(suppressed.c.reason)).all())
        except SQLAlchemyError as error:
            raise self._failure(error) from None
        return {reason: found.get(reason, 0) for reason in REASONS}

    def soft_count(self, address: str) -> int:
        try:
            with self.engine.connect() as db:
                return db.execute(select(soft_bounces.c.count)
                                  .where(soft_bounces.c.key == key_of(address))).scalar() or 0
        except SQLAlchemyError as error:
            raise self._failure(error) from None

    def last_heard(self) -> str | None:
        """When the last webhook or pull came, of any provider; None when none ever has."""
        try:
            with self.engine.connect() as db:
                return db.execute(select(func.max(feedback.c.at))).scalar()
        except SQLAlchemyError as error:
            raise self._failure(error) from None
