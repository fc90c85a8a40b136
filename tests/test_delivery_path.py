"""One delivery path: what went wrong when test sends and list sends built their messages apart.

Every case is a new user's input that once gave a traceback, stopped a list at one row, printed a
secret, or took a provider's odd answer for a success. The list sends go to a real aiosmtpd server
and every good reader must get exactly one copy.
"""

from __future__ import annotations

import base64
import email
import email.policy
import json
import re
import socket
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import run_cli
from lists import LIST_SECRET, check_personal_message, list_issue, subscribers, write_list
from mail_servers import ListInbox
from providers import KEY, Copy, Postmark, json_response, stand_in
from werkzeug import Request, Response

from composer.ledger import ledger_path


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("COMPOSER_UNSUBSCRIBE_SECRET", LIST_SECRET)


def smtp(port: int) -> str:
    return f"delivery:\n  provider: smtp\n  smtp:\n    host: 127.0.0.1\n    port: {port}\n    security: none\n"


def with_sender(issue: Path, **sender: str) -> None:
    house = issue.parent / "house.yaml"
    assert "\nsender:" not in house.read_text()
    house.write_text(house.read_text() + "sender:\n" + "".join(f"  {k}: {v}\n" for k, v in sender.items()))


def ledger_reasons(issue: Path) -> list[str]:
    with sqlite3.connect(ledger_path(issue)) as db:
        return [reason for (reason,) in db.execute("SELECT reason FROM readers WHERE reason IS NOT NULL")]


# -- an international sender domain ----------------------------------------------------------


def test_an_idn_sender_sends_a_list_with_its_a_label_everywhere(tmp_path: Path, list_server):
    inbox = ListInbox()
    issue = list_issue(tmp_path, smtp(list_server(inbox)))
    with_sender(issue, address="news@bücher.example")
    readers = subscribers(3)
    csv = write_list(tmp_path / "list.csv", readers)
    dry = run_cli("broadcast", issue, csv, "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "From: Diplomacy Watch <news@xn--bcher-kva.example>" in dry.stdout.splitlines()

    result = run_cli("broadcast", issue, csv, "--yes")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert Counter({a: inbox.count(a) for a in readers}) == Counter({a: 1 for a in readers})
    for address in readers:
        [raw] = inbox.received[address]
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert message["From"].addresses[0].addr_spec == "news@xn--bcher-kva.example"
        assert re.fullmatch(r"<[0-9a-f]{16}\.2023-03-17@xn--bcher-kva\.example>", message["Message-ID"])
        assert message["List-Id"].endswith("<diplomacy-watch.xn--bcher-kva.example>")
        raw.decode("ascii")  # nothing outside ASCII on the wire


def test_an_idn_unsubscribe_mailto_is_written_as_its_a_label(tmp_path: Path, list_server):
    inbox = ListInbox()
    issue = list_issue(tmp_path, smtp(list_server(inbox)))
    with_sender(issue, unsubscribe_mailto="desk@bücher.example")
    result = run_cli("broadcast", issue, write_list(tmp_path / "list.csv", ["ann@example.org"]), "--yes")
    assert result.exit_code == 0, result.stdout + result.stderr
    [raw] = inbox.received["ann@example.org"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    https, mailto = [target.strip() for target in message["List-Unsubscribe"].split(",")]
    assert https == f"<{check_personal_message(raw, 'ann@example.org')}>"
    assert mailto == "<mailto:desk@xn--bcher-kva.example?subject=unsubscribe>"


def test_a_long_cyrillic_newsletter_name_gives_a_folded_list_id(tmp_path: Path, list_server):
    name = ("Дипломатический обзор недели: переговоры, предложения и заявления о войне на Украине "
            "для читателей во всех часовых поясах мира, каждую пятницу!")
    assert len(name) == 143
    inbox = ListInbox()
    issue = list_issue(tmp_path, smtp(list_server(inbox)))
    house = tmp_path / "house.yaml"
    house.write_text(f'newsletter: "{name}"\n' + house.read_text().replace("newsletter:", "# newsletter:", 1))
    result = run_cli("build", issue, "-o", tmp_path / "out", "--eml")
    assert result.exit_code == 0, result.stderr
    raw = (tmp_path / "out" / "2023-03-17.eml").read_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    list_id = re.search(r"^List-Id:.*?(?=\r\n\S)", head, re.M | re.S).group()
    assert list_id.count("\r\n ") >= 5 and all(len(line) <= 78 for line in list_id.split("\r\n"))
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert str(message["List-Id"]) == f"{name} <{house_slug(name)}.responsiblestatecraft.org>"


def house_slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "newsletter"


# -- readers whose rows cannot go into a header ------------------------------------------------


def test_bad_rows_are_left_out_at_their_line_and_everyone_else_gets_one_copy(tmp_path: Path, list_server):
    inbox = ListInbox()
    issue = list_issue(tmp_path, smtp(list_server(inbox)))
    csv = tmp_path / "list.csv"
    csv.write_text(
        "email,name,status\n"
        "ann@example.org,Ann,\n"                                   # line 2
        'bob@example.org,"Bob\r\nBcc: x@example.org",\n'           # lines 3-4: a line break in the name
        "carl@example.org,=?utf-8?q?Carl=0D=0ABcc=3A_x?=,\n"       # line 5: an encoded word
        "jörg@example.org,Jörg,\n"                                  # line 6: a local part outside ASCII
        "dora@bücher.example,Dora,\n"                               # line 7: an international domain: fine
        f"eve@example.org,{'E' * 1_000_000},\n"                     # line 8: a megabyte of name
        "fay@example.org,Fay,\n",                                   # line 9
        encoding="utf-8", newline="")
    result = run_cli("broadcast", issue, csv, "--yes")
    assert result.exit_code == 0, result.stdout + result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith(str(csv))]
    assert [line.split(":")[1] for line in warnings] == ["3", "5", "6", "8"]
    assert all(len(line) < 400 for line in warnings)
    assert "line break" in warnings[0] and "encoded mail header" in warnings[1]
    assert "outside ASCII before the @" in warnings[2] and "over 64 KB" in warnings[3]
    good = ["ann@example.org", "dora@xn--bcher-kva.example", "fay@example.org"]
    assert sorted(inbox.received) == sorted(good)
    assert all(inbox.count(address) == 1 for address in good)
    check_personal_message(inbox.received["dora@xn--bcher-kva.example"][0], "dora@xn--bcher-kva.example")

    again = run_cli("broadcast", issue, csv, "--yes")  # a rerun goes past the same rows, and sends nobody twice
    assert again.exit_code == 0, again.stdout + again.stderr
    assert all(inbox.count(address) == 1 for address in good) and sorted(inbox.received) == sorted(good)


def test_a_list_that_cannot_be_read_leaves_no_ledger(tmp_path: Path):
    issue = list_issue(tmp_path)
    (tmp_path / "list.csv").write_text("address,name\nann@example.org,Ann\n")
    result = run_cli("broadcast", issue, tmp_path / "list.csv", "--yes")
    assert result.exit_code == 2
    assert "the list has no `email` column" in result.stderr
    assert not list(tmp_path.glob("*.ledger.sqlite*"))


# -- secrets a server repeats ---------------------------------------------------------------------


def test_a_postmark_refusal_that_echoes_the_token_is_redacted_in_the_summary_and_the_ledger(
        httpserver, monkeypatch, tmp_path: Path):
    stand_in(httpserver, monkeypatch, "POSTMARK_SERVER_TOKEN", "COMPOSER_POSTMARK_URL")
    readers = subscribers(3)

    class Echoing(Postmark):
        def answer(self, to: list[str]) -> Response:
            return json_response([{"ErrorCode": 406, "To": address, "Message": f"inactive; your token was {KEY}"}
                                  if address == readers[1] else
                                  {"ErrorCode": 0, "Message": "OK", "MessageID": f"id-{address}", "To": address}
                                  for address in to])

    from lists import SUBJECT, UNSUBSCRIBE

    httpserver.expect_request("/email/batch", method="POST").respond_with_handler(
        Echoing(Copy(SUBJECT, unsubscribe=UNSUBSCRIBE)))
    issue = list_issue(tmp_path, "delivery:\n  provider: postmark\n")
    result = run_cli("broadcast", issue, write_list(tmp_path / "list.csv", readers), "--yes")
    httpserver.check_handler_errors()
    assert result.exit_code == 1
    assert f"  {readers[1]}: inactive; your token was [redacted] (ErrorCode 406) (1 attempt)" in result.stdout
    assert KEY not in result.stdout + result.stderr
    assert ledger_reasons(issue) == ["inactive; your token was [redacted] (ErrorCode 406)"]
    status = run_cli("ledger", issue)
    assert KEY not in status.stdout and "[redacted]" in status.stdout


class EchoesAuth(ListInbox):
    """Refuses one reader with a 550 that repeats the AUTH PLAIN line of some earlier session."""

    secret_line = ""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == "bob@example.org":
            return f"550 5.7.1 policy: last login was {self.secret_line}"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def test_an_smtp_refusal_that_echoes_auth_plain_is_redacted(tmp_path: Path, list_server, monkeypatch):
    password = "correct horse battery staple"
    monkeypatch.setenv("COMPOSER_SMTP_PASSWORD", password)  # a secret composer knows, whether or not it logs in
    inbox = EchoesAuth()
    inbox.secret_line = "AUTH PLAIN " + base64.b64encode(f"\0editor\0{password}".encode()).decode()
    issue = list_issue(tmp_path, smtp(list_server(inbox)))
    result = run_cli("broadcast", issue, write_list(tmp_path / "list.csv", ["ann@example.org", "bob@example.org"]),
                     "--yes")
    assert result.exit_code == 1
    secret_b64 = inbox.secret_line.split()[-1]
    assert secret_b64 not in result.stdout + result.stderr
    assert "bob@example.org: 550 5.7.1 policy: last login was AUTH PLAIN [redacted]" in result.stdout
    assert all(secret_b64 not in reason for reason in ledger_reasons(issue))
    assert inbox.count("ann@example.org") == 1


# -- odd answers that are not a success -----------------------------------------------------------


class Greeting554:
    """A server that greets with 554 (RFC 5321: no mail here) and records whatever the client says next."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.heard = b""
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        conn, _ = self.listener.accept()
        with conn:
            conn.sendall(b"554 go away\r\n")
            conn.settimeout(2)
            try:
                while chunk := conn.recv(1024):
                    self.heard += chunk
                    conn.sendall(b"554 go away\r\n")
            except OSError:
                pass


def test_an_smtp_server_that_greets_with_554_is_not_spoken_to(tmp_path: Path):
    server = Greeting554()
    issue = list_issue(tmp_path, smtp(server.port))
    result = run_cli("send", issue, "--to", "ed@example.org")
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: smtp: 127.0.0.1:{server.port} refused the connection: 554 go away"
    time.sleep(0.2)
    assert b"EHLO" not in server.heard.upper() and b"MAIL" not in server.heard.upper()


def test_a_provider_error_with_line_breaks_is_one_line(httpserver, monkeypatch, tmp_path: Path):
    """Mailgun, asked for something it cannot do, may repeat the whole multipart request in its message."""
    stand_in(httpserver, monkeypatch, "MAILGUN_API_KEY", "COMPOSER_MAILGUN_URL")

    def echo(request: Request) -> Response:
        return json_response({"message": "cannot parse:\r\n" + request.get_data(as_text=True)}, 400)

    httpserver.expect_request("/v3/responsiblestatecraft.org/messages", method="POST").respond_with_handler(echo)
    issue = list_issue(tmp_path, "delivery:\n  provider: mailgun\n")
    result = run_cli("send", issue, "--to", "ed@example.org")
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: mailgun: error, 400 BAD REQUEST: cannot parse:\\r\\n")
    assert KEY not in line


# -- Amazon SES, answering in ways moto never does ---------------------------------------------------


class SesStandIn:
    """SESv2 SendEmail (POST /v2/email/outbound-emails), SigV4-signed, as the SESv2 API reference documents it."""

    def __init__(self, answer):
        self.answer, self.requests = answer, 0

    def __call__(self, request: Request) -> Response:
        self.requests += 1
        assert request.method == "POST" and request.path == "/v2/email/outbound-emails"
        assert re.match(r"AWS4-HMAC-SHA256 Credential=AKIATESTKEY/\d{8}/us-east-1/ses/aws4_request, "
                        r"SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$", request.headers["Authorization"])
        body = json.loads(request.get_data())
        assert body["Destination"] == {"ToAddresses": ["ed@example.org"]}
        message = email.message_from_bytes(base64.b64decode(body["Content"]["Raw"]["Data"]),
                                           policy=email.policy.default)
        assert message["To"] == "ed@example.org"
        return self.answer()


@pytest.fixture
def ses_stand_in(httpserver, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SESV2", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", KEY)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return httpserver


NO_ID = ("error: ses: answered 200 but its answer has no MessageId, so the message may have been sent; "
         "check the SES console before trying again")


@pytest.mark.parametrize("body", ["{}", "<html><body>Service Unavailable</body></html>", '{"MessageId": "01000'])
def test_an_ses_200_without_a_message_id_is_one_line(ses_stand_in, tmp_path: Path, body):
    server = SesStandIn(lambda: Response(body, 200, content_type="application/json"))
    ses_stand_in.expect_request("/v2/email/outbound-emails", method="POST").respond_with_handler(server)
    issue = list_issue(tmp_path, "delivery:\n  provider: ses\n")
    result = run_cli("send", issue, "--to", "ed@example.org")
    ses_stand_in.check_handler_errors()
    assert result.exit_code == 1
    assert result.stderr.strip() == NO_ID
    assert server.requests == 1


def test_an_ses_500_is_tried_four_times_as_every_provider_is(ses_stand_in, tmp_path: Path):
    server = SesStandIn(lambda: json_response({"message": "internal failure"}, 500))
    ses_stand_in.expect_request("/v2/email/outbound-emails", method="POST").respond_with_handler(server)
    issue = list_issue(tmp_path, "delivery:\n  provider: ses\n")
    result = run_cli("send", issue, "--to", "ed@example.org")
    ses_stand_in.check_handler_errors()
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ses: error 500")
    assert server.requests == 4


def test_an_ses_that_never_finishes_meets_the_overall_deadline(tmp_path: Path, monkeypatch):
    from composer.send import ses

    monkeypatch.setattr(ses, "DEADLINE", 2.0)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n":
                    if stop.wait(0.3):
                        return
                    try:
                        conn.sendall(bytes([byte]))
                    except OSError:
                        break

    threading.Thread(target=drip, daemon=True).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_SESV2", f"http://127.0.0.1:{listener.getsockname()[1]}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", KEY)
    issue = list_issue(tmp_path, "delivery:\n  provider: ses\n")
    outcome: dict = {}
    started = time.monotonic()
    worker = threading.Thread(daemon=True, target=lambda: outcome.update(
        result=run_cli("send", issue, "--to", "ed@example.org")))
    worker.start()
    worker.join(40)
    stop.set()
    listener.close()
    assert not worker.is_alive(), "send was still running after 40 s"
    assert outcome["result"].exit_code == 1
    assert outcome["result"].stderr.strip() == (
        "error: ses: SES did not finish answering within 2 seconds; the message may have reached it, so check "
        "before trying again")
    assert time.monotonic() - started < 30


# -- reviewers -----------------------------------------------------------------------------------


def test_reviewers_are_checked_as_readers_are_and_each_gets_one_copy(tmp_path: Path, list_server):
    inbox = ListInbox()
    issue = list_issue(tmp_path, smtp(list_server(inbox)))
    bad = run_cli("send", issue, "--to", "=?utf-8?q?ed?=@example.org", "--to", "a" * 65 + "@example.org")
    assert bad.exit_code == 1
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 2
    assert "encoded mail header" in lines[0] and "65 characters long before the @" in lines[1]
    assert not inbox.received

    good = run_cli("send", issue, "--to", "ed@example.org", "--to", "ED@example.org", "--to", "ed@example.org",
                   "--to", "desk@example.org")
    assert good.exit_code == 0, good.stderr
    assert inbox.count("ed@example.org") == 1 and inbox.count("desk@example.org") == 1


def test_no_list_send_mode_is_left_in_publish(tmp_path: Path):
    result = run_cli("publish", list_issue(tmp_path), "--list", tmp_path / "list.csv")
    assert result.exit_code == 2
    assert "No such option: --list" in result.stderr
