"""`composer send` through the HTTP providers, against local servers that check each
request against the provider's documented API and answer in its documented shapes."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import shutil
import time
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_cli
from werkzeug import Response

ISSUE = "2023-03-17.yaml"
REVIEWERS = ["ed@example.org", "desk@example.org"]
SECRET = "TEST-SECRET-5f1e9c2a7b"


@pytest.fixture
def issue(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLES / ISSUE, tmp_path / ISSUE)
    shutil.copy(EXAMPLES / "house.yaml", tmp_path / "house.yaml")
    return tmp_path / ISSUE


def built(issue: Path) -> tuple[str, str]:
    out = issue.parent / "build"
    assert run_cli("build", issue, "-o", out).exit_code == 0
    return (out / "2023-03-17.html").read_text(), (out / "2023-03-17.txt").read_text()


def assert_no_secret(result, folder: Path) -> None:
    """The token is in no output and in no file composer wrote."""
    assert SECRET not in result.stdout + result.stderr
    for path in folder.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def stand_in(httpserver, monkeypatch, secret_variable: str, url_variable: str):
    """Point a provider at the local server, with the fake secret in its environment variable."""
    monkeypatch.setenv(secret_variable, SECRET)
    monkeypatch.setenv(url_variable, httpserver.url_for("/"))
    return httpserver


def send(issue: Path, provider: str):
    return run_cli("send", issue, "--to", REVIEWERS[0], "--to", REVIEWERS[1], "--provider", provider)


# -- Postmark -----------------------------------------------------------------

POSTMARK_FIELDS = {"From", "To", "Cc", "Bcc", "Subject", "Tag", "HtmlBody", "TextBody", "ReplyTo", "Headers",
                   "TrackOpens", "TrackLinks", "Metadata", "Attachments", "MessageStream"}


@pytest.fixture
def postmark(httpserver, monkeypatch):
    return stand_in(httpserver, monkeypatch, "POSTMARK_SERVER_TOKEN", "COMPOSER_POSTMARK_URL")


def postmark_checks(request, issue: Path) -> None:
    """POST /email, as https://postmarkapp.com/developer/api/email-api documents it."""
    assert request.method == "POST" and request.path == "/email"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Postmark-Server-Token"] == SECRET
    body = request.get_json()
    assert set(body) <= POSTMARK_FIELDS
    html, text = built(issue)
    assert body["HtmlBody"] == html and body["TextBody"] == text
    assert body["To"] == "ed@example.org, desk@example.org"
    assert body["From"] == "Diplomacy Watch <newsletter@responsiblestatecraft.org>"
    assert body["Subject"] == "[TEST] Diplomacy Watch: Xi’s Moscow trip and China’s peace pitch"
    assert body["MessageStream"] == "broadcast"


def test_postmark_send(postmark, issue: Path):
    def handler(request):
        postmark_checks(request, issue)
        return Response(json.dumps({"To": "ed@example.org", "SubmittedAt": "2024-01-12T09:00:00Z",
                                    "MessageID": "b7bc2f4a-e38e-4336-af7d-e6c392c2f817", "ErrorCode": 0,
                                    "Message": "OK"}), 200, content_type="application/json")

    postmark.expect_oneshot_request("/email", method="POST").respond_with_handler(handler)
    result = send(issue, "postmark")
    postmark.check_assertions()
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith("through postmark (b7bc2f4a-e38e-4336-af7d-e6c392c2f817)")
    assert_no_secret(result, issue.parent)


@pytest.mark.parametrize(
    "status, error, expected",
    [
        (401, {"ErrorCode": 10, "Message": "Bad or missing API token"},
         "error: postmark: error, 401 UNAUTHORIZED: Bad or missing API token (ErrorCode 10)"),
        (422, {"ErrorCode": 406, "Message": "You tried to send to recipient(s) that have been marked as inactive."},
         "error: postmark: error, 422 UNPROCESSABLE ENTITY: You tried to send to recipient(s) that have been "
         "marked as inactive. (ErrorCode 406)"),
    ],
)
def test_postmark_errors_are_one_line(postmark, issue: Path, status, error, expected):
    postmark.expect_request("/email", method="POST").respond_with_json(error, status=status)
    result = send(issue, "postmark")
    assert result.exit_code == 1
    assert result.stderr.strip() == expected
    assert "sent" not in result.stdout
    assert len(postmark.log) == 1  # a 4xx is not retried
    assert_no_secret(result, issue.parent)


def test_rate_limit_honours_retry_after_then_succeeds(postmark, issue: Path):
    times = []

    def limited(request):
        times.append(time.monotonic())
        return Response(json.dumps({"ErrorCode": 429, "Message": "Rate limit exceeded"}), 429,
                        headers={"Retry-After": "1"}, content_type="application/json")

    def accepted(request):
        times.append(time.monotonic())
        postmark_checks(request, issue)
        return Response(json.dumps({"MessageID": "second-try", "ErrorCode": 0, "Message": "OK"}), 200,
                        content_type="application/json")

    postmark.expect_ordered_request("/email", method="POST").respond_with_handler(limited)
    postmark.expect_ordered_request("/email", method="POST").respond_with_handler(accepted)
    result = send(issue, "postmark")
    postmark.check_assertions()
    assert result.exit_code == 0, result.stderr
    assert "(second-try)" in result.stdout
    assert times[1] - times[0] >= 1.0


def test_retries_are_bounded_and_a_failed_send_is_not_reported_as_sent(postmark, issue: Path):
    postmark.expect_request("/email", method="POST").respond_with_json(
        {"ErrorCode": 100, "Message": "Maintenance"}, status=503, headers={"Retry-After": "0"}
    )
    result = send(issue, "postmark")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: postmark: error after 4 attempts, 503 SERVICE UNAVAILABLE: Maintenance (ErrorCode 100)"
    assert len(postmark.log) == 4
    assert result.stdout == ""


def test_a_long_retry_after_is_reported_not_waited_for(postmark, issue: Path):
    postmark.expect_request("/email", method="POST").respond_with_json(
        {"ErrorCode": 429, "Message": "Rate limit exceeded"}, status=429, headers={"Retry-After": "3600"}
    )
    started = time.monotonic()
    result = send(issue, "postmark")
    assert time.monotonic() - started < 5
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: postmark: rate limit, 429 TOO MANY REQUESTS: Rate limit exceeded (ErrorCode 429)"


def test_connection_refused_is_one_line(issue: Path, monkeypatch):
    from mail_servers import free_port

    monkeypatch.setenv("POSTMARK_SERVER_TOKEN", SECRET)
    monkeypatch.setenv("COMPOSER_POSTMARK_URL", f"http://127.0.0.1:{free_port()}")
    result = send(issue, "postmark")
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: postmark: cannot connect to 127.0.0.1 (") and "refused" in line


def test_missing_token_names_the_variable(issue: Path, monkeypatch):
    monkeypatch.delenv("POSTMARK_SERVER_TOKEN", raising=False)
    result = send(issue, "postmark")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: postmark: set the environment variable POSTMARK_SERVER_TOKEN (it is never read from a file)"


# -- SendGrid -----------------------------------------------------------------


@pytest.fixture
def sendgrid(httpserver, monkeypatch):
    return stand_in(httpserver, monkeypatch, "SENDGRID_API_KEY", "COMPOSER_SENDGRID_URL")


def test_sendgrid_send(sendgrid, issue: Path):
    def handler(request):
        # POST /v3/mail/send, as the v3 Mail Send reference and its OpenAPI spec document it.
        assert request.headers["Authorization"] == f"Bearer {SECRET}"
        assert request.headers["Content-Type"] == "application/json"
        body = request.get_json()
        html, text = built(issue)
        assert body["personalizations"] == [{"to": [{"email": r} for r in REVIEWERS]}]
        assert body["from"] == {"email": "newsletter@responsiblestatecraft.org", "name": "Diplomacy Watch"}
        assert body["reply_to"] == {"email": "newsletter@responsiblestatecraft.org"}
        assert body["subject"].startswith("[TEST] Diplomacy Watch: ")
        assert body["content"] == [{"type": "text/plain", "value": text}, {"type": "text/html", "value": html}]
        assert body["headers"] == {
            "List-Unsubscribe": "<https://responsiblestatecraft.org/newsletter/unsubscribe/>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        return Response("", 202, headers={"X-Message-Id": "LrnZRsWQTPy-ItZ3IJR2vQ"})

    sendgrid.expect_oneshot_request("/v3/mail/send", method="POST").respond_with_handler(handler)
    result = send(issue, "sendgrid")
    sendgrid.check_assertions()
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith("through sendgrid (LrnZRsWQTPy-ItZ3IJR2vQ)")
    assert_no_secret(result, issue.parent)


def test_sendgrid_error_shape(sendgrid, issue: Path):
    sendgrid.expect_request("/v3/mail/send", method="POST").respond_with_json(
        {"errors": [{"message": "The from address does not match a verified Sender Identity.", "field": "from",
                     "help": None}]}, status=403)
    result = send(issue, "sendgrid")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: sendgrid: error, 403 FORBIDDEN: The from address does not match a verified Sender Identity."
    )


# -- Mailgun --------------------------------------------------------------------


@pytest.fixture
def mailgun(httpserver, monkeypatch):
    return stand_in(httpserver, monkeypatch, "MAILGUN_API_KEY", "COMPOSER_MAILGUN_URL")


def test_mailgun_sends_the_raw_mime(mailgun, issue: Path):
    def handler(request):
        # POST /v3/{domain}/messages.mime: multipart form with `to` and a `message` file, Basic api:KEY.
        assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"api:{SECRET}".encode()).decode()
        assert request.mimetype == "multipart/form-data"
        assert request.form.getlist("to") == REVIEWERS
        upload = request.files["message"]
        message = email.message_from_bytes(upload.read(), policy=email.policy.default)
        html, text = built(issue)
        plain, rich = message.get_payload()
        assert plain.get_content().replace("\r\n", "\n") == text
        assert rich.get_content().replace("\r\n", "\n") == html
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        return Response(json.dumps({"id": "<20240112.1@responsiblestatecraft.org>", "message": "Queued. Thank you."}),
                        200, content_type="application/json")

    mailgun.expect_oneshot_request("/v3/responsiblestatecraft.org/messages.mime", method="POST").respond_with_handler(handler)
    result = send(issue, "mailgun")
    mailgun.check_assertions()
    assert result.exit_code == 0, result.stderr
    assert "through mailgun (<20240112.1@responsiblestatecraft.org>)" in result.stdout
    assert_no_secret(result, issue.parent)


def test_mailgun_error_shape(mailgun, issue: Path):
    mailgun.expect_request("/v3/responsiblestatecraft.org/messages.mime", method="POST").respond_with_json(
        {"message": "Domain not found: responsiblestatecraft.org"}, status=404)
    result = send(issue, "mailgun")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: mailgun: error, 404 NOT FOUND: Domain not found: responsiblestatecraft.org"


# -- Amazon SES v2, through moto's server --------------------------------------------


@pytest.fixture
def ses(monkeypatch):
    from mail_servers import ses_server

    yield from ses_server(monkeypatch, SECRET)


def test_ses_sends_raw_content(ses, issue: Path):
    import boto3
    import httpx

    boto3.client("sesv2", region_name="us-east-1", endpoint_url=ses).create_email_identity(
        EmailIdentity="responsiblestatecraft.org")
    result = send(issue, "ses")
    assert result.exit_code == 0, result.stderr
    [sent] = httpx.get(f"{ses}/moto-api/data.json").json()["ses"]["RawMessage"]
    assert set(REVIEWERS) <= set(sent["destinations"])
    message = email.message_from_string(sent["raw_data"], policy=email.policy.default)
    html, text = built(issue)
    plain, rich = message.get_payload()
    assert plain.get_content().replace("\r\n", "\n") == text
    assert rich.get_content().replace("\r\n", "\n") == html
    assert f"({sent['id']})" in result.stdout
    assert_no_secret(result, issue.parent)


def test_ses_rejection_is_one_line(ses, issue: Path):
    result = send(issue, "ses")  # no verified identity: SES refuses the sender
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: ses: error 400 MessageRejected: Did not have authority to send from email "
        "newsletter@responsiblestatecraft.org"
    )


def test_ses_setup_errors_are_one_line(ses, issue: Path):
    (issue.parent / "house.yaml").write_text((issue.parent / "house.yaml").read_text() + "delivery:\n  ses:\n    region: us east\n")
    result = send(issue, "ses")
    assert result.exit_code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ses: ") and "us east" in line
