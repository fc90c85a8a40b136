"""SMTP faults: a server that drips, a QUIT refused after acceptance, non-ASCII credentials."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import FIXTURES, run_cli
from mail_servers import CertificateAuthority, Inbox, free_port

USER, PASSWORD = "rédacteur", "pässwörd-✓"


def issue_in(folder: Path, delivery: str, house_extra: str = "") -> Path:
    shutil.copy(FIXTURES / "good" / "minimal.yaml", folder / "2024-01-12.yaml")
    (folder / "house.yaml").write_text(delivery + house_extra)
    return folder / "2024-01-12.yaml"


def delivery(port: int, security: str = "none") -> str:
    extra = "\n    ca_file: test-ca.pem" if security != "none" else ""
    return (f"delivery:\n  provider: smtp\n  smtp:\n    host: 127.0.0.1\n    port: {port}\n"
            f"    security: {security}{extra}\n")


def run_bounded(*args, limit: float = 60.0):
    """The command in a thread, so that a hang is a failed test rather than a stuck suite."""
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(result=run_cli(*args)), daemon=True)
    worker.start()
    worker.join(limit)
    assert not worker.is_alive(), f"composer {' '.join(map(str, args))} was still running after {limit} s"
    return outcome["result"]


class Dripping:
    """A server that greets one byte at a time, a byte every 0.3 s, for ever: no read ever times out."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        self.listener.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            with conn:
                while not self.stop.wait(0.3):
                    try:
                        conn.sendall(b"2")
                    except OSError:
                        break

    def close(self):
        self.stop.set()
        self.listener.close()


def test_a_dripping_server_meets_the_overall_deadline(tmp_path: Path, monkeypatch):
    from composer.send import smtp

    monkeypatch.setattr(smtp, "DEADLINE", 2.0)
    server = Dripping()
    try:
        issue = issue_in(tmp_path, delivery(server.port))
        started = time.monotonic()
        result = run_bounded("send", issue, "--to", "ed@example.org")
    finally:
        server.close()
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: smtp: 127.0.0.1:{server.port} did not finish within 2 seconds; the connection was cut and the "
        "message was not sent")
    assert time.monotonic() - started < 30


class QuitRefused(Inbox):
    async def handle_QUIT(self, server, session, envelope):
        return "500 5.0.0 something went wrong after all"


def test_a_500_to_quit_after_acceptance_is_delivered(tmp_path: Path):
    inbox = QuitRefused()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        issue = issue_in(tmp_path, delivery(port))
        result = run_cli("send", issue, "--to", "ed@example.org")
    finally:
        controller.stop()
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith('sent "[TEST] ')
    assert len(inbox.handled) == 1


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_non_ascii_user_and_password_are_sent_as_utf8(tmp_path: Path, monkeypatch, mechanism):
    ca = CertificateAuthority(tmp_path)
    seen = []

    def authenticate(server, session, envelope, used, auth_data):
        seen.append((used, auth_data))
        ok = auth_data == LoginPassword(USER.encode(), PASSWORD.encode())
        return AuthResult(success=ok, handled=False)

    inbox = Inbox()
    port = free_port()

    class OneMechanism(Controller):
        def factory(self):
            smtp = super().factory()
            # Offer only the mechanism under test.
            smtp._auth_methods = {k: v for k, v in smtp._auth_methods.items() if k == mechanism}
            return smtp

    controller = OneMechanism(inbox, hostname="127.0.0.1", port=port, tls_context=ca.server_context(),
                              require_starttls=True, authenticator=authenticate, auth_require_tls=True)
    controller.start()
    monkeypatch.setenv("COMPOSER_SMTP_USERNAME", USER)
    monkeypatch.setenv("COMPOSER_SMTP_PASSWORD", PASSWORD)
    try:
        issue = issue_in(tmp_path, delivery(port, "starttls"))
        result = run_cli("send", issue, "--to", "ed@example.org")
    finally:
        controller.stop()
    assert result.exit_code == 0, result.stderr
    assert seen == [(mechanism, LoginPassword(USER.encode(), PASSWORD.encode()))]
    assert len(inbox.handled) == 1
    assert PASSWORD not in result.stdout + result.stderr


def test_an_idn_sender_domain_goes_on_the_wire_as_its_a_label(tmp_path: Path):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        issue = issue_in(tmp_path, delivery(port), "sender:\n  address: news@bücher.example\n")
        result = run_cli("send", issue, "--to", "ed@example.org")
    finally:
        controller.stop()
    assert result.exit_code == 0, result.stderr
    [received] = inbox.handled
    assert received.mail_from == "news@xn--bcher-kva.example"


def test_a_non_ascii_local_part_is_refused_clearly(tmp_path: Path):
    issue = issue_in(tmp_path, "", "sender:\n  address: rédaction@example.org\n")
    result = run_cli("send", issue, "--to", "ed@example.org", "--dry-run")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"{tmp_path / 'house.yaml'}:2:12: `sender.address`: 'rédaction@example.org' has letters outside ASCII "
        "before the @, which most mail servers cannot carry (SMTPUTF8); use an ASCII address as the sender"]


def test_an_idn_recipient_goes_on_the_wire_as_its_a_label(tmp_path: Path):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        issue = issue_in(tmp_path, delivery(port))
        result = run_cli("send", issue, "--to", "ed@bücher.example")
    finally:
        controller.stop()
    assert result.exit_code == 0, result.stderr
    [received] = inbox.handled
    assert received.rcpt_tos == ["ed@xn--bcher-kva.example"]
    assert b"\r\nTo: ed@xn--bcher-kva.example\r\n" in received.content


def test_a_non_ascii_recipient_local_part_is_refused_before_sending(tmp_path: Path):
    issue = issue_in(tmp_path, "")
    result = run_cli("send", issue, "--to", "rédaction@example.org")
    assert result.exit_code == 1  # a bad --to is a send that did not happen, not a problem in a file
    assert result.stderr.strip().splitlines() == [
        "error: --to 'rédaction@example.org' has letters outside ASCII before the @, which most mail servers "
        "cannot carry (SMTPUTF8); use an ASCII address; fix it and send again"]
    assert not (tmp_path / "outbox").exists()


def test_the_final_check_refuses_an_encoded_word_inside_an_address():
    import email.policy
    from email.message import EmailMessage

    from composer.send.headers import header_problems

    message = EmailMessage(policy=email.policy.SMTP)
    message["To"] = "ed@bücher.example"  # as if given without its A-label
    assert header_problems(message) == ["the To header would hold an address that is not plain ASCII"]
