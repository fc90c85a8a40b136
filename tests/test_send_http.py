"""`composer send` through the HTTP providers, against the stand-ins of tests/providers.py (the same
ones the list sends meet), and through SES in moto's server mode."""

from __future__ import annotations

import email
import email.policy
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_cli
from providers import KEY, Copy, Mailgun, Postmark, SendGrid, json_response, stand_in

ISSUE = "2023-03-17.yaml"
REVIEWERS = ["ed@example.org", "desk@example.org"]
SECRET = KEY  # the key the stand-ins expect
TEST_SUBJECT = "[TEST] Diplomacy Watch: Xi’s Moscow trip and China’s peace pitch"


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


def send(issue: Path, provider: str):
    return run_cli("send", issue, "--to", REVIEWERS[0], "--to", REVIEWERS[1], "--provider", provider)


def reviewers_copy(issue: Path) -> Copy:
    """A test send's copy: the built parts exactly, the house's own unsubscribe link."""
    return Copy(TEST_SUBJECT, parts=built(issue))


# -- Postmark -----------------------------------------------------------------


@pytest.fixture
def postmark(httpserver, monkeypatch):
    return stand_in(httpserver, monkeypatch, "POSTMARK_SERVER_TOKEN", "COMPOSER_POSTMARK_URL")


def test_postmark_send(postmark, issue: Path):
    server = Postmark(reviewers_copy(issue))
    postmark.expect_request("/email/batch", method="POST").respond_with_handler(server)
    result = send(issue, "postmark")
    postmark.check_handler_errors()
    assert result.exit_code == 0, result.stderr
    assert server.sizes == [2]  # one request, a message for each reviewer
    assert server.accepted == Counter(REVIEWERS)
    assert result.stdout.startswith(f'sent "{TEST_SUBJECT}" to ed@example.org, desk@example.org through postmark (')
    assert_no_secret(result, issue.parent)


@pytest.mark.parametrize(
    "status, error, expected",
    [
        (401, {"ErrorCode": 10, "Message": "Bad or missing API token"},
         "error: postmark: error, 401 UNAUTHORIZED: Bad or missing API token (ErrorCode 10)"),
        (422, {"ErrorCode": 300, "Message": "Invalid email request"},
         "error: postmark: error, 422 UNPROCESSABLE ENTITY: Invalid email request (ErrorCode 300)"),
    ],
)
def test_postmark_errors_are_one_line(postmark, issue: Path, status, error, expected):
    postmark.expect_request("/email/batch", method="POST").respond_with_json(error, status=status)
    result = send(issue, "postmark")
    assert result.exit_code == 1
    assert result.stderr.strip() == expected
    assert "sent" not in result.stdout
    assert len(postmark.log) == 1  # a 4xx is not retried
    assert_no_secret(result, issue.parent)


def test_a_reviewer_postmark_refuses_is_named_and_the_other_is_sent(postmark, issue: Path):
    server = Postmark(reviewers_copy(issue), refuse={REVIEWERS[1]})
    postmark.expect_request("/email/batch", method="POST").respond_with_handler(server)
    result = send(issue, "postmark")
    postmark.check_handler_errors()
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: postmark refused desk@example.org (You tried to send to recipient(s) that have been marked as "
        "inactive. Found inactive addresses: desk@example.org. (ErrorCode 406)); the others were sent")
    assert server.accepted == Counter([REVIEWERS[0]])


def test_rate_limit_honours_retry_after_then_succeeds(postmark, issue: Path):
    server = Postmark(reviewers_copy(issue), script=[
        json_response({"ErrorCode": 429, "Message": "Rate limit exceeded"}, 429, **{"Retry-After": "1"})])
    postmark.expect_request("/email/batch", method="POST").respond_with_handler(server)
    result = send(issue, "postmark")
    postmark.check_handler_errors()
    assert result.exit_code == 0, result.stderr
    assert server.accepted == Counter(REVIEWERS)
    assert server.times[1] - server.times[0] >= 1.0


def test_retries_are_bounded_and_a_failed_send_is_not_reported_as_sent(postmark, issue: Path):
    postmark.expect_request("/email/batch", method="POST").respond_with_json(
        {"ErrorCode": 100, "Message": "Maintenance"}, status=503, headers={"Retry-After": "0"}
    )
    result = send(issue, "postmark")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: postmark: error after 4 attempts, 503 SERVICE UNAVAILABLE: Maintenance (ErrorCode 100)"
    assert len(postmark.log) == 4
    assert result.stdout == ""


def test_a_long_retry_after_is_reported_not_waited_for(postmark, issue: Path):
    postmark.expect_request("/email/batch", method="POST").respond_with_json(
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
    server = SendGrid(reviewers_copy(issue))
    sendgrid.expect_request("/v3/mail/send", method="POST").respond_with_handler(server)
    result = send(issue, "sendgrid")
    sendgrid.check_handler_errors()
    assert result.exit_code == 0, result.stderr
    assert server.sizes == [2] and server.accepted == Counter(REVIEWERS)
    assert result.stdout.strip().endswith("through sendgrid (sg-1, sg-1)")
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


def test_mailgun_send(mailgun, issue: Path):
    server = Mailgun(reviewers_copy(issue))
    mailgun.expect_request("/v3/responsiblestatecraft.org/messages", method="POST").respond_with_handler(server)
    result = send(issue, "mailgun")
    mailgun.check_handler_errors()
    assert result.exit_code == 0, result.stderr
    assert server.sizes == [2] and server.accepted == Counter(REVIEWERS)
    assert "through mailgun (<batch1@responsiblestatecraft.org>, <batch1@responsiblestatecraft.org>)" in result.stdout
    assert_no_secret(result, issue.parent)


def test_mailgun_error_shape(mailgun, issue: Path):
    mailgun.expect_request("/v3/responsiblestatecraft.org/messages", method="POST").respond_with_json(
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
    sent = httpx.get(f"{ses}/moto-api/data.json").json()["ses"]["RawMessage"]
    assert len(sent) == 2  # each reviewer their own copy
    html, text = built(issue)
    for copy, reviewer in zip(sent, REVIEWERS, strict=True):
        assert reviewer in copy["destinations"]
        message = email.message_from_string(copy["raw_data"], policy=email.policy.default)
        assert message["To"] == reviewer
        plain, rich = message.get_payload()
        assert plain.get_content().replace("\r\n", "\n") == text
        assert rich.get_content().replace("\r\n", "\n") == html
        assert copy["id"] in result.stdout
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
