"""SMTP: implicit TLS or STARTTLS, always verifying the server's certificate.

One message per recipient, each recorded as soon as the server accepts it,
over up to `connections` connections at once (each its own thread, its
outcomes handed to the send as they come, and its next message sent only
once they are recorded). So a crash between the server's acceptance and the
ledger's record can repeat at most one message per connection. A watchdog
per connection cuts it when a message is not done within the deadline.
"""

from __future__ import annotations

import os
import queue
import smtplib
import socket
import ssl
import threading
import time
from base64 import b64encode
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from pydantic import Field

from composer.diagnostics import DeliveryError
from composer.hosts import LOOPBACK
from composer.model.edition import Edition
from composer.model.fields import Model, Text
from composer.send.letter import Letter, Recipient
from composer.send.provider import Outcome, one_by_one

NAME = "smtp"
TIMEOUT = 30.0  # seconds for each read or write
DEADLINE = 120.0  # seconds for the whole conversation, from connecting to the end of DATA


class SmtpSettings(Model):
    host: Text = Field(default="localhost", description="The SMTP server's host name.")
    port: int | None = Field(default=None, gt=0, lt=65536,
                             description="The port; by default 465 for tls, 587 for starttls, 25 for none.")
    security: Literal["tls", "starttls", "none"] = Field(
        default="starttls", description="tls (implicit TLS), starttls, or none (only to this machine).")
    ca_file: Text | None = Field(
        default=None, description="An extra certificate authority to trust, relative to house.yaml.")
    connections: int = Field(
        default=2, ge=1, le=16, description="How many connections a list send uses at once (1 to 16).")

    @property
    def default_port(self) -> int:
        return self.port or {"tls": 465, "starttls": 587, "none": 25}[self.security]


SETTINGS = (SmtpSettings, SmtpSettings())


class Smtp:
    name = NAME
    batch_limit = 1000  # messages in one call of send(), shared among the connections
    one_by_one = True  # one message per reader, each recorded as soon as it is accepted

    def __init__(self, host: str, port: int, security: str, *, ca_file: Path | None = None,
                 username: str | None = None, password: str | None = None, connections: int = 1):
        self.connections = connections
        if security == "none" and host not in LOOPBACK:
            raise DeliveryError(
                f"smtp: refusing to send without encryption to {host}; unencrypted SMTP is only for a "
                "local catcher on localhost, so set `security: starttls` or `security: tls`"
            )
        self.host, self.port, self.security = host, port, security
        self.ca_file, self.username, self.password = ca_file, username, password

    def _context(self) -> ssl.SSLContext:
        # Verifying: smtplib's default for starttls() would not check the certificate at all.
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)

    def _login(self, client: smtplib.SMTP) -> None:
        """AUTH with one mechanism. smtplib's login() would retry a refused password
        with every other mechanism, and some servers never answer the retry; and it
        encodes as ASCII, where RFC 4616 (PLAIN) sends the user name and password as UTF-8."""

        client.ehlo_or_helo_if_needed()
        offered = client.esmtp_features.get("auth", "").upper().split()
        mechanism = next((m for m in ("PLAIN", "LOGIN") if m in offered), None)
        if mechanism is None:
            raise smtplib.SMTPNotSupportedError("AUTH PLAIN or LOGIN")
        user, password = (self.username or "").encode(), (self.password or "").encode()

        def b64(data: bytes) -> str:
            return b64encode(data).decode("ascii")

        if mechanism == "PLAIN":
            code, reply = client.docmd("AUTH", "PLAIN " + b64(b"\0" + user + b"\0" + password))
        else:  # LOGIN has no standard encoding; UTF-8 is what servers that accept non-ASCII expect
            code, reply = client.docmd("AUTH", f"LOGIN {b64(user)}")
            if code == 334:
                code, reply = client.docmd(b64(password))
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, reply)

    def _connect(self) -> smtplib.SMTP:
        """A client that is not connected yet, so the deadline's watchdog can hold it from the start."""

        client: smtplib.SMTP
        if self.security == "tls":
            client = smtplib.SMTP_SSL(context=self._context(), timeout=TIMEOUT)
        else:
            client = smtplib.SMTP(timeout=TIMEOUT)
        # The name TLS checks the certificate against; smtplib sets it only when given a host at once.
        client._host = self.host  # type: ignore[attr-defined]
        return client

    @contextmanager
    def _session(self) -> Iterator[tuple[smtplib.SMTP, Watchdog]]:
        """One connection, encrypted and logged in, cut at the deadline; every failure told in one line."""
        # smtplib and ssl are imported inside the methods: 30 ms that `build` never needs.
        where = f"{self.host}:{self.port}"
        client = self._connect()
        # TIMEOUT bounds each read; a server that sends a byte every few seconds never trips it.
        # The watchdog bounds the whole conversation (in a batch, each message) by cutting the connection.
        watchdog = Watchdog(client, DEADLINE)
        done = False
        try:
            code, greeting = client.connect(self.host, self.port)
            if code != 220:
                # RFC 5321 4.3.1: a server that greets with 554 takes no mail; EHLO would only be refused too.
                raise DeliveryError(f"smtp: {where} refused the connection: {code} {_reply_text(greeting)}")
            if self.security == "starttls":
                client.starttls(context=self._context())
            if self.username:
                self._login(client)
            client.ehlo_or_helo_if_needed()  # as sendmail would, before the first MAIL
            yield client, watchdog
            done = True
        except Exception as error:
            if watchdog.fired:
                raise DeliveryError(f"smtp: {where} did not finish within {DEADLINE:.0f} seconds; the connection "
                                    "was cut and the message was not sent") from None
            raise self._failure(error, where) from None
        finally:
            watchdog.cancel()
            if not done:
                client.close()
        self._quit(client)

    @staticmethod
    def _quit(client: smtplib.SMTP) -> None:
        """Every message was accepted: whatever the server answers to QUIT, they were delivered."""

        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()

    @staticmethod
    def _failure(error: Exception, where: str) -> Exception:
        if isinstance(error, DeliveryError):
            return error
        if isinstance(error, ssl.SSLCertVerificationError):
            return DeliveryError(f"smtp: the certificate of {where} is not trusted ({error.verify_message})")
        if isinstance(error, ssl.SSLError):
            return DeliveryError(f"smtp: TLS with {where} failed ({error.reason or error})")
        if isinstance(error, smtplib.SMTPAuthenticationError):
            return DeliveryError(f"smtp: {where} refused the user name or password ({error.smtp_code})")
        if isinstance(error, smtplib.SMTPNotSupportedError):
            return DeliveryError(f"smtp: {where} does not offer STARTTLS or AUTH as configured")
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            return DeliveryError(f"smtp: {where} refused every recipient: {', '.join(error.recipients)}")
        if isinstance(error, smtplib.SMTPResponseException):
            return DeliveryError(f"smtp: {where} answered {error.smtp_code} {_reply(error)}")
        if isinstance(error, (ConnectionRefusedError, socket.gaierror, TimeoutError, OSError, smtplib.SMTPException)):
            reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
            return DeliveryError(f"smtp: cannot deliver through {where} ({reason})")
        return error

    def send(self, letter: Letter, batch: list[Recipient], stop: threading.Event | None = None
             ) -> Iterator[list[Outcome]]:
        """The batch shared among the connections; each outcome handed on as soon as its server answered."""
        halt = threading.Event()  # a connection failed, or the send stopped: each ends its message in flight

        def stopped() -> bool:
            return halt.is_set() or (stop is not None and stop.is_set())

        lanes = max(1, min(self.connections, len(batch)))
        if lanes == 1:
            yield from self._lane(letter, batch, stopped)
            return
        answers: queue.Queue = queue.Queue()
        finished = object()
        # A connection sends its next message only once the last one it reported is recorded: so a crash
        # can repeat at most one message per connection, however slow the ledger is.
        recorded = [threading.Semaphore(0) for _ in range(lanes)]

        def work(lane: int, share: list[Recipient]) -> None:
            try:
                for outcomes in self._lane(letter, share, stopped):
                    answers.put((lane, outcomes))
                    recorded[lane].acquire()
            except BaseException as error:  # handed to the sending thread, which stops the others
                answers.put(error)
            finally:
                answers.put(finished)

        workers = [threading.Thread(target=work, args=(i, batch[i::lanes]), daemon=True) for i in range(lanes)]
        for worker in workers:
            worker.start()
        failure: BaseException | None = None
        try:
            running = lanes
            while running:
                # What has come in while the last answers were recorded goes together: one ledger commit.
                ready, waiting, reported = [], [answers.get()], []
                while waiting:
                    answer = waiting.pop()
                    if answer is finished:
                        running -= 1
                    elif isinstance(answer, BaseException):
                        failure = failure or answer
                        halt.set()
                    else:
                        reported.append(answer[0])
                        ready += answer[1]
                    try:
                        waiting.append(answers.get_nowait())
                    except queue.Empty:
                        pass
                if ready:
                    yield ready  # resumed once the caller has recorded them
                for lane in reported:
                    recorded[lane].release()
        finally:
            halt.set()  # also when the send is torn down (a second Ctrl-C): each ends its message in flight
            for lane in recorded:
                lane.release()  # a connection waiting for its record goes on, sees the halt and stops
            for worker in workers:
                worker.join()
        if failure is not None:
            raise failure

    def _lane(self, letter: Letter, batch: list[Recipient], stopped) -> Iterator[list[Outcome]]:
        """One connection, one message after another, until `stopped()`."""
        with self._session() as (client, watchdog):

            def deliver(recipient: Recipient, stuffed: bytes, message_id: str) -> Outcome:
                watchdog.rearm()
                try:
                    _transaction(client, letter.sender.address, recipient.address, stuffed)
                except smtplib.SMTPRecipientsRefused as error:
                    code, reply = error.recipients.get(recipient.address, (0, b"refused"))
                    client.rset()
                    return Outcome(recipient.key, reason=f"{code} {_reply_text(reply)}")
                except smtplib.SMTPDataError as error:
                    # The server refused this message (4xx or 5xx after DATA); the connection goes on.
                    client.rset()
                    return Outcome(recipient.key, reason=f"{error.smtp_code} {_reply(error)}")
                return Outcome(recipient.key, message_id)

            yield from one_by_one(letter, batch, deliver, stopped, dot_stuffed=True)


def _transaction(client: smtplib.SMTP, sender: str, recipient: str, stuffed: bytes) -> None:
    """MAIL, RCPT and DATA for one message, already dot-stuffed, as smtplib's sendmail does them.

    sendmail parses both addresses again and searches the whole message for lines to stuff, each
    time: 0.5 ms of a message's 1 ms. The addresses are checked ASCII (addresses.py) and the stuffing
    is done once for the parts every copy shares (template.py); the replies are judged as sendmail
    judges them, and raise its exceptions."""
    code, reply = client.docmd("mail", f"FROM:<{sender}>")
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    code, reply = client.docmd("rcpt", f"TO:<{recipient}>")
    if code not in (250, 251):
        raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
    code, reply = client.docmd("data")
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    client.send(stuffed + (b"" if stuffed.endswith(b"\r\n") else b"\r\n") + b".\r\n")
    code, reply = client.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)


class Watchdog:
    """Cuts a client's connection when its deadline passes, so a blocked read returns at once.

    One thread for the whole conversation: each message moves the deadline (`rearm`), which costs
    nothing, where a timer per message would start a thread per message."""

    def __init__(self, client: smtplib.SMTP, seconds: float):
        self.client, self.seconds, self.fired = client, seconds, False
        self.deadline = time.monotonic() + seconds
        self.over = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while not self.over.wait(max(0.0, self.deadline - time.monotonic())):
            if time.monotonic() >= self.deadline:
                self._cut()
                return

    def rearm(self) -> None:
        """A new deadline from now: in a batch, each message has its own."""
        self.deadline = time.monotonic() + self.seconds

    def _cut(self) -> None:
        self.fired = True
        sock = self.client.sock
        if sock is not None:
            try:
                # socket.socket's own shutdown: an SSLSocket's would tear down TLS state under the reader.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self) -> None:
        self.over.set()


def _reply_text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _reply(error: smtplib.SMTPResponseException) -> str:
    return _reply_text(error.smtp_error)


def from_house(edition: Edition, settings: SmtpSettings) -> Smtp:
    return Smtp(
        settings.host, settings.default_port, settings.security,
        ca_file=(edition.folder / settings.ca_file) if settings.ca_file else None,
        username=os.environ.get("COMPOSER_SMTP_USERNAME") or None,
        password=os.environ.get("COMPOSER_SMTP_PASSWORD") or None,
        connections=settings.connections,
    )
