"""Providers that misbehave: secrets they echo back, 200s with bodies nobody documented."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, FIXTURES, run_cli
from werkzeug import Response

ISSUE = "2023-03-17.yaml"
SECRET = "TEST-SECRET-5f1e9c2a7b"


@pytest.fixture
def issue(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLES / ISSUE, tmp_path / ISSUE)
    shutil.copy(EXAMPLES / "house.yaml", tmp_path / "house.yaml")
    return tmp_path / ISSUE


def point(monkeypatch, httpserver, secret_variable: str, url_variable: str, secret: str = SECRET) -> None:
    monkeypatch.setenv(secret_variable, secret)
    monkeypatch.setenv(url_variable, httpserver.url_for("/"))


def echoing(status: int, shape):
    """A provider that repeats the request's credentials in its answer, as some proxies and APIs do."""
    def handler(request):
        names = ("authorization", "x-postmark-server-token")
        credentials = {k: v for k, v in request.headers.items() if k.lower() in names}
        return Response(json.dumps(shape(json.dumps(credentials))), status, content_type="application/json")
    return handler


@pytest.mark.parametrize("provider, secret_variable, url_variable, path, shape", [
    ("postmark", "POSTMARK_SERVER_TOKEN", "COMPOSER_POSTMARK_URL", "/email/batch",
     lambda echo: {"ErrorCode": 10, "Message": f"Bad or missing API token {echo}"}),
    ("sendgrid", "SENDGRID_API_KEY", "COMPOSER_SENDGRID_URL", "/v3/mail/send",
     lambda echo: {"errors": [{"message": f"authorization required, got {echo}"}]}),
    ("mailgun", "MAILGUN_API_KEY", "COMPOSER_MAILGUN_URL", "/v3/responsiblestatecraft.org/messages",
     lambda echo: {"message": f"Invalid private key {echo}"}),
])
def test_a_401_that_echoes_the_credentials_prints_no_secret(httpserver, monkeypatch, issue, provider, secret_variable,
                                                            url_variable, path, shape):
    point(monkeypatch, httpserver, secret_variable, url_variable)
    httpserver.expect_request(path, method="POST").respond_with_handler(echoing(401, shape))
    result = run_cli("send", issue, "--to", "ed@example.org", "--provider", provider)
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {provider}: error, 401 UNAUTHORIZED: ")
    assert "[redacted]" in line
    assert SECRET not in line
    assert base64.b64encode(f"api:{SECRET}".encode()).decode() not in line
    assert base64.b64encode(SECRET.encode()).decode()[:20] not in line


def test_mailchimp_basic_credentials_echoed_are_redacted(httpserver, monkeypatch, issue):
    key = "0123456789abcdef0123456789abcdef-us14"
    point(monkeypatch, httpserver, "MAILCHIMP_API_KEY", "COMPOSER_MAILCHIMP_URL", key)
    (issue.parent / "house.yaml").write_text((issue.parent / "house.yaml").read_text()
                                             + "platform:\n  provider: mailchimp\n  mailchimp: {list_id: a1}\n")
    httpserver.expect_request("/3.0/campaigns", method="POST").respond_with_handler(
        echoing(401, lambda echo: {"title": "API Key Invalid", "detail": f"rejected {echo}", "status": 401}))
    result = run_cli("publish", issue)
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: mailchimp: error, 401 UNAUTHORIZED: API Key Invalid: rejected ")
    assert "[redacted]" in line
    assert key not in line and base64.b64encode(f"composer:{key}".encode()).decode() not in line


def test_every_printed_line_is_redacted(monkeypatch, capsys):
    from composer.printable import forget, printable

    monkeypatch.setenv("COMPOSER_SMTP_PASSWORD", "hunter2-pässword")
    monkeypatch.setenv("GHOST_ADMIN_API_KEY", "abcdef0123456789")  # a provider composer may add later
    forget()
    plain = base64.b64encode(b"\0editor\0hunter2-p\xc3\xa4ssword").decode()
    line = printable(f"535 bad {plain}; Bearer abcdef0123456789; raw hunter2-pässword")
    assert line == "535 bad [redacted]; Bearer [redacted]; raw [redacted]"
    assert printable("a\r\nBcc: x\x1b[31m") == "a\\r\\nBcc: x\\x1b[31m"
    monkeypatch.setenv("PIP_KEYRING_PROVIDER", "disabled")  # not a secret: KEY is not a part of its name
    forget()
    assert printable("retries disabled") == "retries disabled"


SENT_MAYBE = "so the batch may have been sent; check the provider's dashboard before trying again"
SENDGRID_BODY = ("error: sendgrid: answered 200 OK but with a body, which SendGrid's accepted answer never has, "
                 "so the batch may have been sent; check the provider's dashboard before trying again")


@pytest.mark.parametrize("provider, secret_variable, url_variable, path, body, expected", [
    ("postmark", "POSTMARK_SERVER_TOKEN", "COMPOSER_POSTMARK_URL", "/email/batch",
     [{"To": "ed@example.org", "ErrorCode": 0, "Message": "OK", "ID": "x"}],
     "error: postmark: answered 200 OK but one of its answers has no ErrorCode and MessageID, " + SENT_MAYBE),
    ("postmark", "POSTMARK_SERVER_TOKEN", "COMPOSER_POSTMARK_URL", "/email/batch", "<html>upstream</html>",
     "error: postmark: answered 200 OK but its answer is not JSON, " + SENT_MAYBE),
    ("mailgun", "MAILGUN_API_KEY", "COMPOSER_MAILGUN_URL", "/v3/responsiblestatecraft.org/messages",
     {"message": "Queued. Thank you.", "MessageId": "<mg-42@example.org>"},
     "error: mailgun: answered 200 OK but its answer is no `id`, so the batch may have been sent "
     "(its id: <mg-42@example.org>); check the provider's dashboard before trying again"),
    ("mailgun", "MAILGUN_API_KEY", "COMPOSER_MAILGUN_URL", "/v3/responsiblestatecraft.org/messages", [1, 2],
     "error: mailgun: answered 200 OK but its answer is no `id` or `message`, " + SENT_MAYBE),
    ("sendgrid", "SENDGRID_API_KEY", "COMPOSER_SENDGRID_URL", "/v3/mail/send",
     "<html><title>Proxy</title>Welcome</html>", SENDGRID_BODY),
    ("sendgrid", "SENDGRID_API_KEY", "COMPOSER_SENDGRID_URL", "/v3/mail/send", {}, SENDGRID_BODY),
    ("sendgrid", "SENDGRID_API_KEY", "COMPOSER_SENDGRID_URL", "/v3/mail/send", '{"errors": [{"mess', SENDGRID_BODY),
])
def test_a_200_with_an_unexpected_body_is_one_line(httpserver, monkeypatch, issue, provider, secret_variable,
                                                   url_variable, path, body, expected):
    point(monkeypatch, httpserver, secret_variable, url_variable)
    text = body if isinstance(body, str) else json.dumps(body)
    httpserver.expect_request(path, method="POST").respond_with_data(text, 200, content_type="application/json")
    result = run_cli("send", issue, "--to", "ed@example.org", "--provider", provider)
    assert result.exit_code == 1
    assert result.stderr.strip() == expected
    assert "sent \"" not in result.stdout


def test_a_mailchimp_campaign_without_its_web_id_keeps_the_id(httpserver, monkeypatch, issue):
    point(monkeypatch, httpserver, "MAILCHIMP_API_KEY", "COMPOSER_MAILCHIMP_URL", "0123456789abcdef-us14")
    (issue.parent / "house.yaml").write_text((issue.parent / "house.yaml").read_text()
                                             + "platform:\n  provider: mailchimp\n  mailchimp: {list_id: a1}\n")
    httpserver.expect_request("/3.0/campaigns", method="POST").respond_with_json({"id": "c77", "status": "save"})
    result = run_cli("publish", issue)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: mailchimp: answered 200 OK but its answer is no `web_id`, so the campaign may have been saved "
        "(its id: c77); check the provider's dashboard before trying again")


def test_cr_lf_from_the_input_is_never_echoed_raw(tmp_path):
    shutil.copy(FIXTURES / "good" / "minimal.yaml", tmp_path / "2024-01-12.yaml")
    (tmp_path / "house.yaml").write_text('sender:\n  address: "a@b\\r\\nBcc: victim@evil.example"\n')
    result = run_cli("build", tmp_path / "2024-01-12.yaml", "-o", tmp_path / "out")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{tmp_path / 'house.yaml'}:2:12: `sender.address`: 'a@b\\r\\nBcc: victim@evil.example'")


def test_a_dripping_api_meets_the_overall_deadline(issue, monkeypatch):
    import socket
    import threading
    import time

    from composer.send import http

    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip():
        conn, _ = listener.accept()
        with conn:
            for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n":
                if stop.wait(0.3):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    threading.Thread(target=drip, daemon=True).start()
    monkeypatch.setattr(http, "DEADLINE", 2.0)
    monkeypatch.setenv("POSTMARK_SERVER_TOKEN", SECRET)
    monkeypatch.setenv("COMPOSER_POSTMARK_URL", f"http://127.0.0.1:{listener.getsockname()[1]}")
    outcome = {}
    started = time.monotonic()
    worker = threading.Thread(daemon=True, target=lambda: outcome.update(
        result=run_cli("send", issue, "--to", "ed@example.org", "--provider", "postmark")))
    worker.start()
    worker.join(40)
    stop.set()
    listener.close()
    assert not worker.is_alive(), "send was still running after 40 s"
    result = outcome["result"]
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: postmark: 127.0.0.1 did not finish answering within 2 seconds; the "
                                     "request may have reached it, so check before trying again")
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("body", ['{"ErrorCode": 0, "Message": "OK"}', "<html>gateway</html>", "[1, 2]"])
def test_a_postmark_batch_answer_that_is_not_a_list_of_answers_is_one_line(httpserver, monkeypatch, tmp_path, body):
    from lists import LIST_SECRET, list_issue, subscribers, write_list

    point(monkeypatch, httpserver, "POSTMARK_SERVER_TOKEN", "COMPOSER_POSTMARK_URL")
    monkeypatch.setenv("COMPOSER_UNSUBSCRIBE_SECRET", LIST_SECRET)
    httpserver.expect_request("/email/batch", method="POST").respond_with_data(body, 200,
                                                                               content_type="application/json")
    issue = list_issue(tmp_path, "delivery:\n  provider: postmark\n")
    result = run_cli("broadcast", issue, write_list(tmp_path / "list.csv", subscribers(3)), "--yes")
    assert result.exit_code == 1
    [line] = [x for x in result.stdout.splitlines() if x.startswith("stopped: ")]
    assert line.startswith("stopped: postmark: answered 200 OK but its answer is ")
    assert line.endswith("so the batch may have been sent; check the provider's dashboard before trying again")
