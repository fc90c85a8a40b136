"""SMTP: implicit TLS or STARTTLS, always verifying the server's certificate."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from composer.diagnostics import DeliveryError
from composer.hosts import LOOPBACK
from composer.model.fields import Model, Text
from composer.send.provider import Outgoing

if TYPE_CHECKING:
    import smtplib
    import ssl
    from collections.abc import Iterator

    from composer.ledger import Outcome, Pending
    from composer.model.house import House
    from composer.send.letters import Broadcast

NAME = "smtp"
TIMEOUT = 30.0


class Settings(Model):
    host: Text = "localhost"
    port: int | None = Field(default=None, gt=0, lt=65536)
    security: Literal["tls", "starttls", "none"] = "starttls"
    ca_file: Text | None = None  # extra certificate authority to trust, relative to house.yaml

    @property
    def default_port(self) -> int:
        return self.port or {"tls": 465, "starttls": 587, "none": 25}[self.security]


SETTINGS = (Settings, Settings())


class Smtp:
    name = NAME
    batch_limit = 100  # messages on one connection before it is opened again
    one_by_one = True  # one message per reader, each recorded as soon as it is accepted

    def __init__(self, host: str, port: int, security: str, *, ca_file: Path | None = None,
                 username: str | None = None, password: str | None = None):
        if security == "none" and host not in LOOPBACK:
            raise DeliveryError(
                f"smtp: refusing to send without encryption to {host}; unencrypted SMTP is only for a "
                "local catcher on localhost, so set `security: starttls` or `security: tls`"
            )
        self.host, self.port, self.security = host, port, security
        self.ca_file, self.username, self.password = ca_file, username, password

    def _context(self) -> ssl.SSLContext:
        import ssl

        # Verifying: smtplib's default for starttls() would not check the certificate at all.
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)

    def _login(self, client: smtplib.SMTP) -> None:
        """AUTH with one mechanism. smtplib's login() would retry a refused password
        with every other mechanism, and some servers never answer the retry."""
        import smtplib

        client.ehlo_or_helo_if_needed()
        offered = client.esmtp_features.get("auth", "").upper().split()
        mechanism = next((m for m in ("PLAIN", "LOGIN") if m in offered), None)
        if mechanism is None:
            raise smtplib.SMTPNotSupportedError("AUTH PLAIN or LOGIN")
        client.user, client.password = self.username, self.password or ""
        client.auth(mechanism, getattr(client, f"auth_{mechanism.lower()}"))

    @contextmanager
    def _session(self) -> Iterator[smtplib.SMTP]:
        """One connection, encrypted and logged in; every failure told in one line."""
        # Imported here: smtplib and ssl cost 30 ms that `build` never needs.
        import smtplib
        import socket
        import ssl

        where = f"{self.host}:{self.port}"
        try:
            client: smtplib.SMTP
            if self.security == "tls":
                client = smtplib.SMTP_SSL(self.host, self.port, context=self._context(), timeout=TIMEOUT)
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
            with client:
                if self.security == "starttls":
                    client.starttls(context=self._context())
                if self.username:
                    self._login(client)
                yield client
        except ssl.SSLCertVerificationError as error:
            raise DeliveryError(f"smtp: the certificate of {where} is not trusted ({error.verify_message})") from None
        except ssl.SSLError as error:
            raise DeliveryError(f"smtp: TLS with {where} failed ({error.reason or error})") from None
        except smtplib.SMTPAuthenticationError as error:
            raise DeliveryError(f"smtp: {where} refused the user name or password ({error.smtp_code})") from None
        except smtplib.SMTPNotSupportedError:
            raise DeliveryError(f"smtp: {where} does not offer STARTTLS or AUTH as configured") from None
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryError(f"smtp: {where} refused every recipient: {', '.join(error.recipients)}") from None
        except smtplib.SMTPResponseException as error:
            raise DeliveryError(f"smtp: {where} answered {error.smtp_code} {_reply(error)}") from None
        except (ConnectionRefusedError, socket.gaierror, TimeoutError, OSError, smtplib.SMTPException) as error:
            reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
            raise DeliveryError(f"smtp: cannot deliver through {where} ({reason})") from None

    def send(self, mail: Outgoing) -> str:
        with self._session() as client:
            refused = client.send_message(mail.message, to_addrs=mail.recipients)
        if refused:
            raise DeliveryError(f"smtp: {self.host}:{self.port} refused {', '.join(refused)}; the others were sent")
        return str(mail.message["Message-ID"])

    def send_batch(self, broadcast: Broadcast, batch: list[Pending]) -> Iterator[list[Outcome]]:
        """One connection for the batch, one message per reader, each recorded as soon as it is accepted."""
        import smtplib

        from composer.ledger import Outcome

        with self._session() as client:
            for reader in batch:
                message = broadcast.message(reader)
                try:
                    client.send_message(message, to_addrs=[reader.address])
                except smtplib.SMTPRecipientsRefused as error:
                    code, reply = error.recipients.get(reader.address, (0, b"refused"))
                    yield [Outcome(reader.key, reason=f"{code} {_reply_text(reply)}")]
                    client.rset()
                    continue
                except smtplib.SMTPDataError as error:
                    # The server refused this message (4xx or 5xx after DATA); the connection goes on.
                    yield [Outcome(reader.key, reason=f"{error.smtp_code} {_reply(error)}")]
                    client.rset()
                    continue
                yield [Outcome(reader.key, str(message["Message-ID"]))]


def _reply_text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _reply(error: smtplib.SMTPResponseException) -> str:
    return _reply_text(error.smtp_error)


def from_house(house: House, house_dir: Path) -> Smtp:
    smtp = house.delivery.smtp
    return Smtp(
        smtp.host, smtp.default_port, smtp.security,
        ca_file=(house_dir / smtp.ca_file) if smtp.ca_file else None,
        username=os.environ.get("COMPOSER_SMTP_USERNAME") or None,
        password=os.environ.get("COMPOSER_SMTP_PASSWORD") or None,
    )
