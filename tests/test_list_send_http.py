"""`composer broadcast` through the HTTP providers' bulk APIs, against local servers that check every
batch request against the provider's documented API and answer with its documented shapes, 429s and 5xx
included; and through SES in moto's server mode."""

from __future__ import annotations

import email
import email.policy
from collections import Counter
from email.utils import parseaddr
from pathlib import Path

import pytest
from conftest import run_cli
from lists import LIST_SECRET, SUBJECT, UNSUBSCRIBE, check_personal_message, list_issue, subscribers, write_list
from providers import KEY, Copy, Postmark, SendGrid, json_response, stand_in
from providers import Mailgun as MailgunStandIn

LIST_COPY = Copy(SUBJECT, unsubscribe=UNSUBSCRIBE)


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("COMPOSER_UNSUBSCRIBE_SECRET", LIST_SECRET)


def send(issue: Path, csv: Path, *more: str):
    return run_cli("broadcast", issue, csv, "--yes", *more)


def assert_no_secret(result, folder: Path) -> None:
    for secret in (KEY, LIST_SECRET):
        assert secret not in result.stdout + result.stderr
        for path in folder.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


# -- Postmark: POST /email/batch ------------------------------------------------------------------


@pytest.fixture
def postmark(httpserver, monkeypatch):
    return stand_in(httpserver, monkeypatch, "POSTMARK_SERVER_TOKEN", "COMPOSER_POSTMARK_URL")


def postmark_house(tmp_path: Path, batch_size: int | None = None) -> Path:
    size = f"  batch_size: {batch_size}\n" if batch_size else ""
    return list_issue(tmp_path, f"delivery:\n  provider: postmark\n{size}")


def test_postmark_batches_back_off_on_429_and_5xx_and_fail_only_the_refused_reader(postmark, tmp_path: Path):
    readers = subscribers(10)
    server = Postmark(LIST_COPY, script=[
        json_response({"ErrorCode": 429, "Message": "Rate limit exceeded"}, 429, **{"Retry-After": "1"}),
        json_response({"ErrorCode": 100, "Message": "Maintenance"}, 503, **{"Retry-After": "0"}),
    ], refuse={readers[5]})
    postmark.expect_request("/email/batch", method="POST").respond_with_handler(server)
    issue = postmark_house(tmp_path, batch_size=4)
    result = send(issue, write_list(tmp_path / "list.csv", readers))
    postmark.check_handler_errors()
    assert server.sizes == [4, 4, 4, 4, 2]  # the first batch three times: 429, 503, accepted
    assert server.times[1] - server.times[0] >= 1.0  # Retry-After honoured
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[:3] == ["sent 9 · failed 1 · not yet sent 0 · skipped 0", "failed:",
                         f"  {readers[5]}: You tried to send to recipient(s) that have been marked as inactive. "
                         f"Found inactive addresses: {readers[5]}. (ErrorCode 406) (1 attempt)"]
    assert server.accepted == Counter({a: 1 for a in readers if a != readers[5]})
    assert_no_secret(result, tmp_path)


def test_postmark_requests_stay_under_500_messages_and_10_mb_and_each_reader_has_their_own_link(
        postmark, tmp_path: Path):
    readers = subscribers(1100)
    server = Postmark(LIST_COPY)
    server.full_checks = False  # the header and text link of every copy, the parsed HTML of one per request
    postmark.expect_request("/email/batch", method="POST").respond_with_handler(server)
    result = send(postmark_house(tmp_path), write_list(tmp_path / "list.csv", readers))
    postmark.check_handler_errors()
    assert result.exit_code == 0, result.stderr
    # About 40 KB a message: each batch of 500 goes as a few requests of even size, each under 10 MB.
    assert sum(server.sizes) == 1100 and max(server.sizes) <= 500 and max(server.bodies) <= 10 * 1024 * 1024
    first_batch = server.sizes[:-1]  # the last request holds the 100 readers of the last batch
    assert sum(first_batch) == 1000 and max(first_batch) - min(first_batch) <= 1 and server.sizes[-1] == 100
    assert server.accepted == Counter({a: 1 for a in readers})


def test_postmark_outage_stops_the_send_and_a_rerun_resumes(postmark, tmp_path: Path):
    readers = subscribers(9)
    down = Postmark(LIST_COPY, script=[json_response({"ErrorCode": 100, "Message": "Maintenance"}, 500,
                                               **{"Retry-After": "0"})] * 4)
    postmark.expect_request("/email/batch", method="POST").respond_with_handler(down)
    issue = postmark_house(tmp_path, batch_size=3)
    csv = write_list(tmp_path / "list.csv", readers)
    result = send(issue, csv)
    postmark.check_handler_errors()
    assert result.exit_code == 1
    assert down.sizes == [3, 3, 3, 3]  # bounded retries of the first batch; then it stops
    lines = result.stdout.splitlines()
    assert lines[0] == "sent 0 · failed 3 · not yet sent 6 · skipped 0"
    assert lines[-2] == ("stopped: postmark: error after 4 attempts, 500 INTERNAL SERVER ERROR: "
                         "Maintenance (ErrorCode 100)")
    assert lines[-1] == "9 readers still to send; run the same command again to resume"
    assert not down.accepted

    postmark.clear()
    up = Postmark(LIST_COPY)
    postmark.expect_request("/email/batch", method="POST").respond_with_handler(up)
    again = send(issue, csv)
    postmark.check_handler_errors()
    assert again.exit_code == 0, again.stdout
    assert up.accepted == Counter({a: 1 for a in readers})
    status = run_cli("ledger", issue)
    assert "sent 9 · failed 0 · not yet sent 0 · skipped 0" in status.stdout


def test_postmark_bad_token_is_one_line_and_nothing_is_sent(postmark, tmp_path: Path):
    postmark.expect_request("/email/batch", method="POST").respond_with_json(
        {"ErrorCode": 10, "Message": "Bad or missing API token"}, status=401)
    result = send(postmark_house(tmp_path), write_list(tmp_path / "list.csv", subscribers(3)))
    assert result.exit_code == 1
    assert "stopped: postmark: error, 401 UNAUTHORIZED: Bad or missing API token (ErrorCode 10)" in result.stdout
    assert len(postmark.log) == 1
    assert_no_secret(result, tmp_path)


# -- SendGrid: personalizations ---------------------------------------------------------------------


@pytest.fixture
def sendgrid(httpserver, monkeypatch):
    return stand_in(httpserver, monkeypatch, "SENDGRID_API_KEY", "COMPOSER_SENDGRID_URL")


def test_sendgrid_personalizations_and_a_refused_reader(sendgrid, tmp_path: Path):
    readers = subscribers(1500)
    server = SendGrid(LIST_COPY, script=[json_response({"errors": [{"message": "Too many requests"}]}, 429,
                                                 **{"Retry-After": "0"})], refuse={readers[1200]})
    sendgrid.expect_request("/v3/mail/send", method="POST").respond_with_handler(server)
    issue = list_issue(tmp_path, "delivery:\n  provider: sendgrid\n")
    result = send(issue, write_list(tmp_path / "list.csv", readers))
    sendgrid.check_handler_errors()
    assert server.sizes == [1000, 1000, 500, 499]  # 429 retried; the 400 named one reader, the rest resent
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:3] == ["sent 1,499 · failed 1 · not yet sent 0 · skipped 0", "failed:",
                                              f"  {readers[1200]}: 400: Does not contain a valid address. (1 attempt)"]
    assert server.accepted == Counter({a: 1 for a in readers if a != readers[1200]})
    assert_no_secret(result, tmp_path)


# -- Mailgun: batch sending with recipient variables ------------------------------------------------------------


@pytest.fixture
def mailgun(httpserver, monkeypatch):
    return stand_in(httpserver, monkeypatch, "MAILGUN_API_KEY", "COMPOSER_MAILGUN_URL")


def test_mailgun_batches_with_recipient_variables(mailgun, tmp_path: Path):
    readers = subscribers(2100)
    server = MailgunStandIn(LIST_COPY, script=[json_response({"message": "Service unavailable"}, 502)])
    mailgun.expect_request("/v3/responsiblestatecraft.org/messages", method="POST").respond_with_handler(server)
    # A batch size over the provider's limit is held to the limit.
    issue = list_issue(tmp_path, "delivery:\n  provider: mailgun\n  batch_size: 5000\n")
    result = send(issue, write_list(tmp_path / "list.csv", readers))
    mailgun.check_handler_errors()
    assert result.exit_code == 0, result.stdout + result.stderr
    assert server.sizes == [1000, 1000, 1000, 100]  # the 502 retried
    assert server.accepted == Counter({a: 1 for a in readers})


def test_mailgun_refusing_a_batch_stops_with_its_message(mailgun, tmp_path: Path):
    mailgun.expect_request("/v3/responsiblestatecraft.org/messages", method="POST").respond_with_json(
        {"message": "'to' parameter is not a valid address. please check documentation"}, status=400)
    issue = list_issue(tmp_path, "delivery:\n  provider: mailgun\n")
    result = send(issue, write_list(tmp_path / "list.csv", subscribers(3)))
    assert result.exit_code == 1
    assert ("stopped: mailgun: error, 400 BAD REQUEST: 'to' parameter is not a valid address. "
            "please check documentation") in result.stdout
    assert len(mailgun.log) == 1


# -- Amazon SES v2, through moto's server ----------------------------------------------------------------------


@pytest.fixture
def ses(monkeypatch):
    from mail_servers import ses_server

    yield from ses_server(monkeypatch, KEY)


def test_ses_one_raw_message_per_reader(ses, tmp_path: Path):
    import boto3
    import httpx

    readers = subscribers(5)
    issue = list_issue(tmp_path, "delivery:\n  provider: ses\n")
    csv = write_list(tmp_path / "list.csv", readers)
    refused = send(issue, csv)  # the sender's domain is not verified yet: SES refuses the first, the send stops
    assert refused.exit_code == 1
    assert "stopped: ses: error 400 MessageRejected: Did not have authority to send from email " \
           "newsletter@responsiblestatecraft.org" in refused.stdout
    assert "sent 0 · failed 1 · not yet sent 4 · skipped 0" in refused.stdout

    boto3.client("sesv2", region_name="us-east-1", endpoint_url=ses).create_email_identity(
        EmailIdentity="responsiblestatecraft.org")
    result = send(issue, csv)
    assert result.exit_code == 0, result.stdout + result.stderr
    sent = httpx.get(f"{ses}/moto-api/data.json").json()["ses"]["RawMessage"]
    # moto lists both the To header (name and address) and the API's Destination.
    assert sorted(address for m in sent for address in {parseaddr(d)[1] for d in m["destinations"]}) == readers
    for message in sent:
        [address] = {parseaddr(d)[1] for d in message["destinations"]}
        raw = message["raw_data"].encode()
        check_personal_message(raw, address)
        assert email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"].endswith(
            "@responsiblestatecraft.org>")
    assert_no_secret(result, tmp_path)
