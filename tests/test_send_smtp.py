"""`composer send` through real SMTP servers (aiosmtpd), and the message they receive."""

from __future__ import annotations

import email
import email.policy
import re
import shutil
import time
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from conftest import EXAMPLES, FIXTURES, run_cli
from mail_servers import PASSWORD, USER, CertificateAuthority, free_port, start

ISSUE = "2023-03-17.yaml"
REVIEWERS = ["ed@example.org", "desk@example.org"]


def make_issue(folder: Path, delivery: str = "", sender: str = "") -> Path:
    shutil.copy(EXAMPLES / ISSUE, folder / ISSUE)
    house = (EXAMPLES / "house.yaml").read_text()
    (folder / "house.yaml").write_text(house + sender + delivery)
    return folder / ISSUE


def built_files(issue: Path) -> tuple[str, str]:
    out = issue.parent / "build"
    assert run_cli("build", issue, "-o", out).exit_code == 0
    return (out / "2023-03-17.html").read_text(), (out / "2023-03-17.txt").read_text()


def smtp_delivery(port: int, security: str, ca_file: str | None = "test-ca.pem", host: str = "127.0.0.1") -> str:
    lines = f"delivery:\n  provider: smtp\n  smtp:\n    host: {host}\n    port: {port}\n    security: {security}\n"
    return lines + (f"    ca_file: {ca_file}\n" if ca_file else "")


@pytest.fixture
def ca(tmp_path: Path) -> CertificateAuthority:
    return CertificateAuthority(tmp_path)


@pytest.fixture
def smtp_server(ca: CertificateAuthority):
    """Starts aiosmtpd servers for a test ("starttls", "tls" or "plain") and stops them after it."""
    running = []

    def start_server(kind: str):
        controller, inbox, port = start(kind, ca)
        running.append(controller)
        return inbox, port

    yield start_server
    for controller in running:
        controller.stop()


@pytest.fixture
def login(monkeypatch):
    monkeypatch.setenv("COMPOSER_SMTP_USERNAME", USER)
    monkeypatch.setenv("COMPOSER_SMTP_PASSWORD", PASSWORD)


def decoded(part) -> str:
    return part.get_content().replace("\r\n", "\n")


def check_copies(inbox, issue: Path) -> None:
    """Each reviewer got their own copy, addressed to them alone, and nobody else got one."""
    copies = sorted(inbox.handled, key=lambda received: REVIEWERS.index(received.rcpt_tos[0]))
    assert [received.rcpt_tos for received in copies] == [[reviewer] for reviewer in REVIEWERS]
    for received, reviewer in zip(copies, REVIEWERS, strict=True):
        check_received(received, issue, reviewer)


def check_received(received, issue: Path, reviewer: str = REVIEWERS[0]) -> email.message.EmailMessage:
    """The message as the server got it: structure, headers, and parts equal to the built files."""
    html, text = built_files(issue)
    assert received.rcpt_tos == [reviewer]
    assert received.mail_from == "newsletter@responsiblestatecraft.org"
    raw = received.content
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    raw.decode("ascii")  # quoted-printable and encoded words keep it 7-bit
    message = email.message_from_bytes(raw, policy=email.policy.default)

    assert message.get_content_type() == "multipart/alternative"
    plain, rich = message.get_payload()
    assert plain.get_content_type() == "text/plain" and rich.get_content_type() == "text/html"
    for part in (plain, rich):
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
        assert part["MIME-Version"] is None
    # MIME text travels with CRLF line ends; decoded, the parts are the built files.
    assert decoded(plain) == text
    assert decoded(rich) == html

    assert message["Subject"] == "[TEST] Diplomacy Watch: Xi’s Moscow trip and China’s peace pitch"
    assert message["To"] == reviewer
    assert re.fullmatch(r"<[^@>]+@responsiblestatecraft\.org>", message["Message-ID"])
    sent_at = message["Date"].datetime
    assert abs(sent_at.timestamp() - time.time()) < 300
    assert message["List-Unsubscribe"] == "<https://responsiblestatecraft.org/newsletter/unsubscribe/>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for name in ("From", "Reply-To"):
        assert message[name].addresses[0].addr_spec == "newsletter@responsiblestatecraft.org"
    assert message["Sender"] is None  # RFC 5322 3.6.2: not when it would equal From
    return message


def test_starttls_with_auth(tmp_path: Path, login, smtp_server):
    inbox, port = smtp_server("starttls")
    issue = make_issue(tmp_path, smtp_delivery(port, "starttls"))
    result = run_cli("send", issue, "--to", REVIEWERS[0], "--to", REVIEWERS[1])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith('sent "[TEST] Diplomacy Watch: Xi’s Moscow trip')
    assert "through smtp" in result.stdout
    assert all(received.login == USER.encode() for received in inbox.handled)  # over the encrypted connection
    check_copies(inbox, issue)


def test_implicit_tls_with_auth(tmp_path: Path, login, smtp_server):
    inbox, port = smtp_server("tls")
    issue = make_issue(tmp_path, smtp_delivery(port, "tls"))
    result = run_cli("send", issue, "--to", REVIEWERS[0], "--to", REVIEWERS[1])
    assert result.exit_code == 0, result.stderr
    assert all(received.login == USER.encode() for received in inbox.handled)
    check_copies(inbox, issue)


def test_without_credentials_the_servers_refuse_to_take_mail(tmp_path: Path, smtp_server):
    """The servers above require AUTH: a send that skipped the login would fail, not pass."""
    for kind in ("starttls", "tls"):
        inbox, port = smtp_server(kind)
        folder = tmp_path / kind
        folder.mkdir()
        shutil.copy(tmp_path / "test-ca.pem", folder / "test-ca.pem")
        issue = make_issue(folder, smtp_delivery(port, kind))
        result = run_cli("send", issue, "--to", REVIEWERS[0])
        assert result.exit_code == 1
        assert "530" in result.stderr and "uthentication required" in result.stderr, result.stderr
        assert not inbox.handled


def test_non_ascii_sender_name_and_subject_are_encoded(tmp_path: Path, login, smtp_server):
    inbox, port = smtp_server("starttls")
    sender = "sender:\n  name: Diplomacy Watch – Редакция\n  address: newsletter@responsiblestatecraft.org\n"
    issue = make_issue(tmp_path, smtp_delivery(port, "starttls"), sender)
    assert run_cli("send", issue, "--to", REVIEWERS[0], "--to", REVIEWERS[1]).exit_code == 0
    raw = inbox.handled[0].content
    from_line = next(line for line in raw.split(b"\r\n") if line.startswith(b"From: "))
    assert b"=?utf-8?" in from_line.lower()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["From"].addresses[0].display_name == "Diplomacy Watch – Редакция"
    subject = next(line for line in raw.split(b"\r\n") if line.startswith(b"Subject: "))
    assert str(make_header(decode_header(subject[9:].decode()))).startswith("[TEST] Diplomacy Watch: Xi’s")


def test_untrusted_certificate_fails(tmp_path: Path, login, smtp_server):
    inbox, port = smtp_server("starttls")
    issue = make_issue(tmp_path, smtp_delivery(port, "starttls", ca_file=None))
    result = run_cli("send", issue, "--to", REVIEWERS[0])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: smtp: the certificate of 127.0.0.1:{port} is not trusted (unable to get local issuer certificate)"
    )
    assert not inbox.handled


def test_wrong_password_fails(tmp_path: Path, monkeypatch, smtp_server):
    monkeypatch.setenv("COMPOSER_SMTP_USERNAME", USER)
    monkeypatch.setenv("COMPOSER_SMTP_PASSWORD", "wrong")
    inbox, port = smtp_server("starttls")
    issue = make_issue(tmp_path, smtp_delivery(port, "starttls"))
    result = run_cli("send", issue, "--to", REVIEWERS[0])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: smtp: 127.0.0.1:{port} refused the user name or password (535)"
    assert "wrong" not in result.stdout + result.stderr
    assert not inbox.handled and "sent" not in result.stdout


def test_connection_refused(tmp_path: Path):
    port = free_port()
    issue = make_issue(tmp_path, smtp_delivery(port, "starttls"))
    result = run_cli("send", issue, "--to", REVIEWERS[0])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: smtp: cannot deliver through 127.0.0.1:{port} (Connection refused)"
    assert result.stdout == ""


def test_plain_smtp_only_to_localhost(tmp_path: Path, smtp_server):
    inbox, port = smtp_server("plain")
    issue = make_issue(tmp_path, smtp_delivery(port, "none", ca_file=None))
    result = run_cli("send", issue, "--to", REVIEWERS[0], "--to", REVIEWERS[1])
    assert result.exit_code == 0, result.stderr
    check_copies(inbox, issue)

    (tmp_path / "house.yaml").write_text((tmp_path / "house.yaml").read_text().replace("host: 127.0.0.1", "host: mail.example.org"))
    result = run_cli("send", issue, "--to", REVIEWERS[0])
    assert result.exit_code == 1
    assert "refusing to send without encryption to mail.example.org" in result.stderr
    assert len(inbox.handled) == 2


def test_bad_recipients_are_rejected_before_anything_is_sent(tmp_path: Path, smtp_server):
    inbox, port = smtp_server("plain")
    issue = make_issue(tmp_path, smtp_delivery(port, "none", ca_file=None))
    result = run_cli("send", issue, "--to", "ed@example.org", "--to", "desk@", "--to", "not an address")
    assert result.exit_code == 1  # like every other send that did not happen
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("error: --to 'desk@' is not an e-mail address")
    assert lines[1].startswith("error: --to 'not an address' is not an e-mail address")
    assert not inbox.handled


def test_dry_run_sends_nothing(tmp_path: Path, smtp_server):
    inbox, port = smtp_server("plain")
    issue = make_issue(tmp_path, smtp_delivery(port, "none", ca_file=None))
    result = run_cli("send", issue, "--to", "ed@example.org", "--dry-run")
    assert result.exit_code == 0
    assert "Subject: [TEST] Diplomacy Watch: Xi’s Moscow trip" in result.stdout
    assert "To: ed@example.org" in result.stdout
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in result.stdout
    assert result.stdout.strip().endswith("dry run: nothing sent; would send through smtp")
    assert not inbox.handled


def test_without_a_provider_the_message_goes_to_the_outbox(tmp_path: Path):
    shutil.copy(FIXTURES / "good" / "minimal.yaml", tmp_path / "2024-01-12.yaml")
    result = run_cli("send", tmp_path / "2024-01-12.yaml", "--to", "ed@example.org")
    assert result.exit_code == 0
    [eml] = (tmp_path / "outbox").glob("*.eml")
    assert eml.name.endswith("-2024-01-12.eml")
    assert result.stdout.strip().endswith(f"to the outbox, not mailed ({eml})")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "[TEST] Diplomacy Watch: Talks about talks resume in Istanbul"
    assert message["To"] == "ed@example.org"


def test_build_eml_writes_the_message_beside_the_files(tmp_path: Path):
    issue = make_issue(tmp_path)
    out = tmp_path / "out"
    result = run_cli("build", issue, "-o", out, "--eml")
    assert result.exit_code == 0
    assert f"wrote {out / '2023-03-17.eml'}" in result.stdout
    message = email.message_from_bytes((out / "2023-03-17.eml").read_bytes(), policy=email.policy.default)
    plain, rich = message.get_payload()
    assert decoded(plain) == (out / "2023-03-17.txt").read_text()
    assert decoded(rich) == (out / "2023-03-17.html").read_text()
    assert message["Subject"] == "Diplomacy Watch: Xi’s Moscow trip and China’s peace pitch"


def test_an_outbox_that_cannot_be_written_is_one_line(tmp_path: Path):
    shutil.copy(FIXTURES / "good" / "minimal.yaml", tmp_path / "2024-01-12.yaml")
    (tmp_path / "outbox").write_text("a file where the folder should be")
    result = run_cli("send", tmp_path / "2024-01-12.yaml", "--to", "ed@example.org")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (  # after the issue's check warnings
        f"error: outbox: cannot create the output folder because a file is in the way ({tmp_path / 'outbox'}); "
        "set `delivery.outbox` in house.yaml"
    )
