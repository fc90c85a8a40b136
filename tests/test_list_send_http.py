"""`composer publish --list` through the HTTP providers' bulk APIs, against local servers that check every
batch request against the provider's documented API and answer with its documented shapes, 429s and 5xx
included; and through SES in moto's server mode."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import time
import uuid
from collections import Counter
from email.utils import parseaddr
from pathlib import Path

import pytest
from conftest import run_cli
from lists import (
    LIST_SECRET,
    SUBJECT,
    UNSUBSCRIBE,
    body_url,
    check_personal_message,
    header_url,
    list_issue,
    subscribers,
    token_of,
    write_list,
)
from werkzeug import Request, Response

from composer.unsubscribe import verify_unsubscribe_token

KEY = "TEST-KEY-3f9a1c7e"
POSTMARK_FIELDS = {"From", "To", "Cc", "Bcc", "Subject", "Tag", "HtmlBody", "TextBody", "ReplyTo", "Headers",
                   "TrackOpens", "TrackLinks", "Metadata", "Attachments", "MessageStream"}
ONE_CLICK = "List-Unsubscribe=One-Click"


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("COMPOSER_UNSUBSCRIBE_SECRET", LIST_SECRET)


def stand_in(httpserver, monkeypatch, secret_variable: str, url_variable: str):
    monkeypatch.setenv(secret_variable, KEY)
    monkeypatch.setenv(url_variable, httpserver.url_for("/"))
    return httpserver


def json_response(body, status: int = 200, **headers) -> Response:
    return Response(json.dumps(body), status, headers=headers, content_type="application/json")


def send(issue: Path, csv: Path, *more: str):
    return run_cli("publish", issue, "--list", csv, "--yes", *more)


def assert_no_secret(result, folder: Path) -> None:
    for secret in (KEY, LIST_SECRET):
        assert secret not in result.stdout + result.stderr
        for path in folder.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


class Scripted:
    """A stand-in that first answers with the scripted failures, then as the provider does."""

    def __init__(self, script: list[Response] | None = None, refuse: set[str] = frozenset()):
        self.script, self.refuse = list(script or []), set(refuse)
        self.accepted: Counter[str] = Counter()
        self.sizes: list[int] = []
        self.times: list[float] = []
        self.bodies: list[int] = []

    def __call__(self, request: Request) -> Response:
        self.times.append(time.monotonic())
        readers = self.check(request)
        self.sizes.append(len(readers))
        if self.script:
            return self.script.pop(0)
        return self.answer(readers)


# -- Postmark: POST /email/batch ------------------------------------------------------------------


class PostmarkBatch(Scripted):
    """As https://postmarkapp.com/developer/api/email-api#send-batch-emails documents it."""

    full_checks = True

    def check(self, request: Request) -> list[str]:
        assert request.method == "POST" and request.path == "/email/batch"
        assert request.headers["Accept"] == "application/json"
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["X-Postmark-Server-Token"] == KEY
        assert len(request.get_data()) <= 50 * 1024 * 1024
        self.bodies.append(len(request.get_data()))
        messages = json.loads(request.get_data())
        assert isinstance(messages, list) and 1 <= len(messages) <= 500
        for i, message in enumerate(messages):
            assert set(message) <= POSTMARK_FIELDS
            assert message["From"] == "Diplomacy Watch <newsletter@responsiblestatecraft.org>"
            assert message["ReplyTo"] == "newsletter@responsiblestatecraft.org"
            assert message["Subject"] == SUBJECT and message["MessageStream"] == "broadcast"
            headers = {h["Name"]: h["Value"] for h in message["Headers"]}
            url = header_url(headers["List-Unsubscribe"])
            assert headers["List-Unsubscribe-Post"] == ONE_CLICK
            assert verify_unsubscribe_token(token_of(url), LIST_SECRET) == message["To"]
            assert url in message["TextBody"].splitlines()
            if self.full_checks or i == 0:
                assert body_url(message["HtmlBody"]) == url
        return [message["To"] for message in messages]

    def answer(self, readers: list[str]) -> Response:
        answers = []
        for to in readers:
            if to in self.refuse:
                answers.append({"ErrorCode": 406, "To": to, "Message": "You tried to send to recipient(s) that "
                                "have been marked as inactive. Found inactive addresses: " + to + "."})
            else:
                self.accepted[to] += 1
                answers.append({"ErrorCode": 0, "Message": "OK", "MessageID": str(uuid.uuid4()), "To": to,
                                "SubmittedAt": "2024-01-12T09:00:00.0000000-05:00"})
        return json_response(answers)


@pytest.fixture
def postmark(httpserver, monkeypatch):
    return stand_in(httpserver, monkeypatch, "POSTMARK_SERVER_TOKEN", "COMPOSER_POSTMARK_URL")


def postmark_house(tmp_path: Path, batch_size: int | None = None) -> Path:
    size = f"  batch_size: {batch_size}\n" if batch_size else ""
    return list_issue(tmp_path, f"delivery:\n  provider: postmark\n{size}")


def test_postmark_batches_back_off_on_429_and_5xx_and_fail_only_the_refused_reader(postmark, tmp_path: Path):
    readers = subscribers(10)
    server = PostmarkBatch(script=[
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
    server = PostmarkBatch()
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
    down = PostmarkBatch(script=[json_response({"ErrorCode": 100, "Message": "Maintenance"}, 500,
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
    up = PostmarkBatch()
    postmark.expect_request("/email/batch", method="POST").respond_with_handler(up)
    again = send(issue, csv)
    postmark.check_handler_errors()
    assert again.exit_code == 0, again.stdout
    assert up.accepted == Counter({a: 1 for a in readers})
    status = run_cli("publish", issue, "--status")
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


class SendGridBatch(Scripted):
    """POST /v3/mail/send as the v3 Mail Send reference documents it: up to 1,000 personalizations."""

    def check(self, request: Request) -> list[str]:
        assert request.method == "POST" and request.path == "/v3/mail/send"
        assert request.headers["Authorization"] == f"Bearer {KEY}"
        body = request.get_json()
        assert set(body) <= {"personalizations", "from", "reply_to", "subject", "content", "headers"}
        assert body["from"] == {"email": "newsletter@responsiblestatecraft.org", "name": "Diplomacy Watch"}
        assert body["subject"] == SUBJECT
        plain, html = body["content"]
        assert plain["type"] == "text/plain" and html["type"] == "text/html"
        # The parts carry the placeholder; SendGrid puts each reader's substitution in its place.
        assert body_url(html["value"]) == UNSUBSCRIBE and UNSUBSCRIBE in plain["value"].splitlines()
        assert body["headers"] == {"List-Unsubscribe-Post": ONE_CLICK}
        personalizations = body["personalizations"]
        assert 1 <= len(personalizations) <= 1000
        readers = []
        for p in personalizations:
            [to] = p["to"]
            token = p["substitutions"]["{token}"]
            assert verify_unsubscribe_token(token, LIST_SECRET) == to["email"]
            assert header_url(p["headers"]["List-Unsubscribe"]) == UNSUBSCRIBE.replace("{token}", token)
            readers.append(to["email"])
        return readers

    def answer(self, readers: list[str]) -> Response:
        bad = [i for i, to in enumerate(readers) if to in self.refuse]
        if bad:
            return json_response({"errors": [{"message": "Does not contain a valid address.",
                                              "field": f"personalizations.{i}.to.0.email", "help": None}
                                             for i in bad]}, 400)
        self.accepted.update(readers)
        return Response("", 202, headers={"X-Message-Id": f"sg-{len(self.sizes)}"})


@pytest.fixture
def sendgrid(httpserver, monkeypatch):
    return stand_in(httpserver, monkeypatch, "SENDGRID_API_KEY", "COMPOSER_SENDGRID_URL")


def test_sendgrid_personalizations_and_a_refused_reader(sendgrid, tmp_path: Path):
    readers = subscribers(1500)
    server = SendGridBatch(script=[json_response({"errors": [{"message": "Too many requests"}]}, 429,
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


class MailgunBatch(Scripted):
    """POST /v3/{domain}/messages with up to 1,000 `to` and `recipient-variables`, Basic api:KEY."""

    def check(self, request: Request) -> list[str]:
        assert request.method == "POST" and request.path == "/v3/responsiblestatecraft.org/messages"
        assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"api:{KEY}".encode()).decode()
        form = request.form
        to = form.getlist("to")
        assert 1 <= len(to) <= 1000
        variables = json.loads(form["recipient-variables"])
        assert set(variables) == set(to)  # without them Mailgun would show every address to everyone
        for address, values in variables.items():
            assert verify_unsubscribe_token(values["token"], LIST_SECRET) == address
        tagged = UNSUBSCRIBE.replace("{token}", "%recipient.token%")
        assert form["from"] == "Diplomacy Watch <newsletter@responsiblestatecraft.org>"
        assert form["subject"] == SUBJECT and form["h:Reply-To"] == "newsletter@responsiblestatecraft.org"
        assert form["h:List-Unsubscribe"] == f"<{tagged}>" and form["h:List-Unsubscribe-Post"] == ONE_CLICK
        assert body_url(form["html"]) == tagged and tagged in form["text"].splitlines()
        return to

    def answer(self, readers: list[str]) -> Response:
        self.accepted.update(readers)
        return json_response({"id": f"<batch{len(self.sizes)}@responsiblestatecraft.org>",
                              "message": "Queued. Thank you."})


@pytest.fixture
def mailgun(httpserver, monkeypatch):
    return stand_in(httpserver, monkeypatch, "MAILGUN_API_KEY", "COMPOSER_MAILGUN_URL")


def test_mailgun_batches_with_recipient_variables(mailgun, tmp_path: Path):
    readers = subscribers(2100)
    server = MailgunBatch(script=[json_response({"message": "Service unavailable"}, 502)])
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
