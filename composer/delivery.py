"""Sending one issue to a few reviewers, through one small interface per provider.

Every provider gets the same `Outgoing` mail: the MIME message built from the
files `build` writes, and its parts. Secrets come only from environment
variables, and no message here ever includes one.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from composer.hosts import LOOPBACK
from composer.message import message_bytes
from composer.model import House
from composer.problems import ComposerError, DeliveryError

TIMEOUT = 30.0
PROVIDERS = ("outbox", "smtp", "postmark", "sendgrid", "mailgun", "ses")


@dataclass
class Outgoing:
    message: EmailMessage
    recipients: list[str]
    html: str
    text: str
    slug: str

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def header(self, name: str) -> str | None:
        value = self.message[name]
        return str(value) if value is not None else None


class Provider(Protocol):
    name: str

    def send(self, mail: Outgoing) -> str:
        """Deliver the mail; return the provider's id for it, or where it went."""


def check_recipients(addresses: list[str]) -> list[str]:
    """Every --to address, normalised; all bad ones reported before anything is sent."""
    from email_validator import EmailNotValidError, validate_email

    from composer.problems import ComposerError, Problem

    good, problems = [], []
    for address in addresses:
        try:
            good.append(validate_email(address, check_deliverability=False).normalized)
        except EmailNotValidError as error:
            problems.append(Problem("--to", 1, 1, f"'{address}' is not an e-mail address ({error}); fix it and send again"))
    if problems:
        raise ComposerError(problems)
    return good


def secret(name: str, provider: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise DeliveryError(f"{provider}: set the environment variable {name} (it is never read from a file)")
    return value


# ---------------------------------------------------------------------------


class Outbox:
    """No provider configured: the message goes to a folder, so the flow works with no account."""

    name = "outbox"

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, mail: Outgoing) -> str:
        from composer.output import prepare_folder, write_all

        path = self.folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{mail.slug}.eml"
        try:
            prepare_folder(self.folder)
            write_all({path: message_bytes(mail.message)})
        except ComposerError as error:
            reason = error.problems[0].message.split(";")[0]
            raise DeliveryError(f"outbox: {reason} ({self.folder}); set `delivery.outbox` in house.yaml") from None
        return str(path)


class Smtp:
    name = "smtp"

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
        # Verifying: smtplib's default for starttls() would not check the certificate at all.
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)

    def _login(self, client: smtplib.SMTP) -> None:
        """AUTH with one mechanism. smtplib's login() would retry a refused password
        with every other mechanism, and some servers never answer the retry."""
        client.ehlo_or_helo_if_needed()
        offered = client.esmtp_features.get("auth", "").upper().split()
        mechanism = next((m for m in ("PLAIN", "LOGIN") if m in offered), None)
        if mechanism is None:
            raise smtplib.SMTPNotSupportedError("AUTH PLAIN or LOGIN")
        client.user, client.password = self.username, self.password or ""
        client.auth(mechanism, getattr(client, f"auth_{mechanism.lower()}"))

    def send(self, mail: Outgoing) -> str:
        where = f"{self.host}:{self.port}"
        try:
            if self.security == "tls":
                client = smtplib.SMTP_SSL(self.host, self.port, context=self._context(), timeout=TIMEOUT)
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
            with client:
                if self.security == "starttls":
                    client.starttls(context=self._context())
                if self.username:
                    self._login(client)
                refused = client.send_message(mail.message, to_addrs=mail.recipients)
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
            reply = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
            raise DeliveryError(f"smtp: {where} answered {error.smtp_code} {reply}") from None
        except (ConnectionRefusedError, socket.gaierror, TimeoutError, OSError, smtplib.SMTPException) as error:
            reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
            raise DeliveryError(f"smtp: cannot deliver through {where} ({reason})") from None
        if refused:
            raise DeliveryError(f"smtp: {where} refused {', '.join(refused)}; the others were sent")
        return str(mail.message["Message-ID"])


# -- HTTP providers ------------------------------------------------------------


def _unsubscribe_headers(mail: Outgoing) -> dict[str, str]:
    names = ("List-Unsubscribe", "List-Unsubscribe-Post")
    return {name: mail.header(name) for name in names if mail.header(name)}


class Postmark:
    name = "postmark"
    url = "https://api.postmarkapp.com"

    def __init__(self, token: str, stream: str, base_url: str | None = None):
        self.token, self.stream, self.base = token, stream, (base_url or self.url).rstrip("/")

    def send(self, mail: Outgoing) -> str:
        from composer.http_api import call, client

        body = {
            "From": mail.header("From"),
            "To": ", ".join(mail.recipients),
            "ReplyTo": mail.header("Reply-To"),
            "Subject": mail.subject,
            "HtmlBody": mail.html,
            "TextBody": mail.text,
            # Broadcast streams add their own List-Unsubscribe headers, which cannot be replaced.
            "MessageStream": self.stream,
        }
        headers = {"Accept": "application/json", "X-Postmark-Server-Token": self.token}
        with client(headers=headers) as session:
            response = call(session, self.name, "POST", f"{self.base}/email", json=body,
                            explain=lambda e: f"{e['Message']} (ErrorCode {e['ErrorCode']})")
        return response.json()["MessageID"]


class SendGrid:
    name = "sendgrid"
    url = "https://api.sendgrid.com"

    def __init__(self, key: str, base_url: str | None = None):
        self.key, self.base = key, (base_url or self.url).rstrip("/")

    def send(self, mail: Outgoing) -> str:
        from email.utils import parseaddr

        from composer.http_api import call, client

        name, address = parseaddr(mail.header("From"))
        _, reply_to = parseaddr(mail.header("Reply-To"))
        body = {
            "personalizations": [{"to": [{"email": r} for r in mail.recipients]}],
            "from": {"email": address, "name": name},
            "reply_to": {"email": reply_to},
            "subject": mail.subject,
            # text/plain must come before text/html.
            "content": [{"type": "text/plain", "value": mail.text}, {"type": "text/html", "value": mail.html}],
        }
        if headers := _unsubscribe_headers(mail):
            body["headers"] = headers
        with client(headers={"Authorization": f"Bearer {self.key}"}) as session:
            response = call(session, self.name, "POST", f"{self.base}/v3/mail/send", json=body, expect=(200, 202),
                            explain=lambda e: "; ".join(item["message"] for item in e["errors"]))
        return response.headers.get("X-Message-Id", "accepted")


class Mailgun:
    name = "mailgun"
    urls = {"us": "https://api.mailgun.net", "eu": "https://api.eu.mailgun.net"}

    def __init__(self, key: str, domain: str, region: str = "us", base_url: str | None = None):
        self.key, self.domain = key, domain
        self.base = (base_url or self.urls[region]).rstrip("/")

    def send(self, mail: Outgoing) -> str:
        from composer.http_api import call, client

        files = {"message": ("message.eml", message_bytes(mail.message), "message/rfc822")}
        with client(auth=("api", self.key)) as session:
            response = call(session, self.name, "POST", f"{self.base}/v3/{self.domain}/messages.mime",
                            data={"to": mail.recipients}, files=files, explain=lambda e: e["message"])
        return response.json()["id"]


class Ses:
    name = "ses"

    def __init__(self, region: str, configuration_set: str | None = None):
        self.region, self.configuration_set = region, configuration_set

    def send(self, mail: Outgoing) -> str:
        try:
            import boto3
            from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
        except ImportError:
            raise DeliveryError("ses: boto3 is not installed; pip install 'composer[ses]'") from None

        request = {"Destination": {"ToAddresses": mail.recipients},
                   "Content": {"Raw": {"Data": message_bytes(mail.message)}}}
        if self.configuration_set:
            request["ConfigurationSetName"] = self.configuration_set
        try:
            # boto3 finds credentials itself (environment, profile), and honours AWS_ENDPOINT_URL_SESV2.
            ses = boto3.client("sesv2", region_name=self.region)
            return ses.send_email(**request)["MessageId"]
        except NoCredentialsError:
            raise DeliveryError("ses: no AWS credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE") from None
        except ClientError as error:
            info = error.response.get("Error", {})
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
            raise DeliveryError(f"ses: error {status} {info.get('Code', '')}: {info.get('Message', '')}".rstrip(": ")) from None
        except BotoCoreError as error:
            raise DeliveryError(f"ses: {error}") from None


def provider_for(house: House, house_dir: Path, name: str | None = None) -> Provider:
    """The provider named on the command line, or in house.yaml, or the outbox."""
    delivery = house.delivery
    name = name or delivery.provider
    if name == "outbox":
        return Outbox((house_dir / delivery.outbox).resolve())
    if name == "smtp":
        smtp = delivery.smtp
        return Smtp(
            smtp.host, smtp.default_port, smtp.security,
            ca_file=(house_dir / smtp.ca_file) if smtp.ca_file else None,
            username=os.environ.get("COMPOSER_SMTP_USERNAME") or None,
            password=os.environ.get("COMPOSER_SMTP_PASSWORD") or None,
        )
    if name == "postmark":
        return Postmark(secret("POSTMARK_SERVER_TOKEN", name), delivery.postmark.message_stream,
                        os.environ.get("COMPOSER_POSTMARK_URL"))
    if name == "sendgrid":
        return SendGrid(secret("SENDGRID_API_KEY", name), os.environ.get("COMPOSER_SENDGRID_URL"))
    if name == "mailgun":
        domain = delivery.mailgun.domain or house.sender.domain
        return Mailgun(secret("MAILGUN_API_KEY", name), domain, delivery.mailgun.region,
                       os.environ.get("COMPOSER_MAILGUN_URL"))
    if name == "ses":
        return Ses(delivery.ses.region, delivery.ses.configuration_set)
    raise DeliveryError(f"unknown provider '{name}'; choose one of {', '.join(PROVIDERS)}")
