"""Real SMTP servers for the tests: aiosmtpd, with a certificate from a test CA."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "editor", "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    login: bytes | None = None  # the user name the session authenticated as, if it did


@dataclass
class Inbox:
    handled: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        login = session.auth_data if session.authenticated else None
        self.handled.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content, login))
        return "250 Message accepted for delivery"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data == LoginPassword(USER.encode(), PASSWORD.encode())
    # handled=False: the server answers 535 itself; auth_data: kept as the session's auth_data.
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


class CertificateAuthority:
    def __init__(self, folder: Path):
        self.ca = trustme.CA()
        self.cert = self.ca.issue_cert("127.0.0.1", "localhost")
        self.ca_file = folder / "test-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.cert.configure_cert(context)
        return context


def start(kind: str, ca: CertificateAuthority | None) -> tuple[Controller, Inbox, int]:
    """kind: "starttls" (STARTTLS required, then AUTH), "tls" (implicit TLS, AUTH) or "plain".

    With TLS, AUTH is required before MAIL FROM, so a client that never logs in cannot send.
    """
    inbox = Inbox()
    port = free_port()
    options: dict = {}
    if kind == "starttls":
        options = dict(tls_context=ca.server_context(), require_starttls=True,
                       authenticator=authenticate, auth_require_tls=True, auth_required=True)
    elif kind == "tls":
        # The whole connection is TLS; aiosmtpd only tracks STARTTLS, so it must not insist on it.
        options = dict(ssl_context=ca.server_context(), authenticator=authenticate, auth_require_tls=False,
                       auth_required=True)
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    return controller, inbox, port


@dataclass
class ListInbox:
    """Counts deliveries per address. `stall_at`: the n-th message is held until the client goes away,
    then refused (451), as a server that had not yet accepted it when the sender was killed; or until
    `release` is set, then accepted."""

    stall_at: int | None = None
    refuse: set[str] = field(default_factory=set)  # addresses refused at RCPT, 550
    received: dict[str, list[bytes]] = field(default_factory=dict)
    data_commands: int = 0
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_commands += 1
        if self.data_commands == self.stall_at:
            self.stalled.set()
            while not server.transport.is_closing():
                if self.release.is_set():  # the test lets the held message through
                    break
                await asyncio.sleep(0.02)
            else:
                return "451 4.3.0 not accepted, try again later"
        for address in envelope.rcpt_tos:
            self.received.setdefault(address.lower(), []).append(envelope.original_content)
        return "250 Message accepted for delivery"

    def count(self, address: str) -> int:
        return len(self.received.get(address.lower(), []))


def start_list_server(inbox: ListInbox) -> tuple[Controller, int]:
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


def ses_server(monkeypatch, secret: str):
    """Amazon SES v2 as moto's server on a free local port, with composer pointed at it; yields its address."""
    import httpx
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    httpx.post(f"{endpoint}/moto-api/reset")  # moto's state lives in this process: start clean
    monkeypatch.setenv("AWS_ENDPOINT_URL_SESV2", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    try:
        yield endpoint
    finally:
        server.stop()
