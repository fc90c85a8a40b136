"""`composer publish` against local stand-ins for Mailchimp and Buttondown that check
each request against the platform's documented API."""

from __future__ import annotations

import base64
import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_cli
from werkzeug import Response

ISSUE = "2023-09-22.yaml"
SECRET = "0123456789abcdef0123456789abcdef-us14"
LIST_ID = "a1b2c3d4e5"


@pytest.fixture
def issue(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLES / ISSUE, tmp_path / ISSUE)
    house = (EXAMPLES / "house.yaml").read_text()
    (tmp_path / "house.yaml").write_text(house + f"platform:\n  provider: mailchimp\n  mailchimp:\n    list_id: {LIST_ID}\n")
    return tmp_path / ISSUE


def built(issue: Path) -> tuple[str, str]:
    out = issue.parent / "build"
    assert run_cli("build", issue, "-o", out).exit_code == 0
    return (out / "2023-09-22.html").read_text(), (out / "2023-09-22.txt").read_text()


def no_secret(result, folder: Path, secret: str) -> None:
    assert secret not in result.stdout + result.stderr
    for path in folder.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


# -- Mailchimp ------------------------------------------------------------------


class FakeMailchimp:
    """The Marketing API 3.0 as documented: Basic auth with the key as password, campaign
    create (200) / update (200), content PUT (200), actions (204), problem+json errors."""

    def __init__(self, server, issue: Path):
        self.server, self.issue = server, issue
        self.campaigns: dict[str, dict] = {}
        self.calls: list[tuple[str, str]] = []
        server.expect_request(re.compile(r"^/3\.0/.*")).respond_with_handler(self.handle)

    def handle(self, request):
        self.calls.append((request.method, request.path))
        expected = "Basic " + base64.b64encode(f"composer:{SECRET}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return self.problem(401, "API Key Invalid", "Your API key may be invalid.")
        path = request.path.removeprefix("/3.0")
        if request.method == "POST" and path == "/campaigns":
            body = request.get_json()
            assert body["type"] == "regular" and body["recipients"] == {"list_id": LIST_ID}
            self.check_settings(body["settings"])
            campaign = {"id": f"c{len(self.campaigns) + 1}", "web_id": 4711 + len(self.campaigns), "status": "save",
                        "settings": body["settings"]}
            self.campaigns[campaign["id"]] = campaign
            return self.json(campaign)
        if match := re.fullmatch(r"/campaigns/(\w+)", path):
            assert request.method == "PATCH"
            body = request.get_json()
            self.check_settings(body["settings"])
            campaign = self.campaigns[match[1]]
            campaign["settings"] = body["settings"]
            return self.json(campaign)
        if match := re.fullmatch(r"/campaigns/(\w+)/content", path):
            assert request.method == "PUT"
            body = request.get_json()
            html, text = built(self.issue)
            assert body == {"html": html, "plain_text": text}
            self.campaigns[match[1]]["content"] = body
            return self.json({"html": html, "plain_text": text})
        if path == f"/lists/{LIST_ID}":
            assert request.method == "GET" and request.args.get("fields") == "name"
            return self.json({"name": "Diplomacy Watch readers"})
        if match := re.fullmatch(r"/campaigns/(\w+)/actions/(send|schedule)", path):
            assert request.method == "POST"
            campaign = self.campaigns[match[1]]
            if match[2] == "schedule":
                campaign["schedule_time"] = request.get_json()["schedule_time"]
            campaign["status"] = "sent" if match[2] == "send" else "schedule"
            return Response("", 204)
        return self.problem(404, "Resource Not Found", "The requested resource could not be found.")

    @staticmethod
    def check_settings(settings: dict) -> None:
        assert set(settings) == {"subject_line", "preview_text", "title", "from_name", "reply_to"}
        assert settings["subject_line"] == "Diplomacy Watch: Zelensky's week at the UN and in Washington".replace("'", "’")
        assert settings["reply_to"] == "newsletter@responsiblestatecraft.org"

    @staticmethod
    def json(body: dict) -> Response:
        return Response(json.dumps(body), 200, content_type="application/json")

    @staticmethod
    def problem(status: int, title: str, detail: str) -> Response:
        body = {"type": "https://mailchimp.com/developer/marketing/docs/errors/", "title": title,
                "status": status, "detail": detail, "instance": "995c5cb0-0000"}
        return Response(json.dumps(body), status, content_type="application/problem+json")


@pytest.fixture
def mailchimp(httpserver, monkeypatch, issue):
    monkeypatch.setenv("MAILCHIMP_API_KEY", SECRET)
    monkeypatch.setenv("COMPOSER_MAILCHIMP_URL", httpserver.url_for("/"))
    yield FakeMailchimp(httpserver, issue)
    # The fake's own checks of each request fail inside the server thread: raise them here.
    httpserver.check()


def test_publish_creates_a_draft_and_prints_where_it_is(mailchimp, issue: Path):
    result = run_cli("publish", issue)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "mailchimp: draft c1 saved; review it at https://us14.admin.mailchimp.com/campaigns/edit?id=4711"
    assert [c for c in mailchimp.calls] == [("POST", "/3.0/campaigns"), ("PUT", "/3.0/campaigns/c1/content")]
    state = json.loads((issue.parent / "2023-09-22.publish.json").read_text())
    assert state == {"mailchimp": {"id": "c1", "web_id": 4711}}
    no_secret(result, issue.parent, SECRET)


def test_publishing_again_updates_the_same_draft(mailchimp, issue: Path):
    assert run_cli("publish", issue).exit_code == 0
    result = run_cli("publish", issue)
    assert result.exit_code == 0
    assert len(mailchimp.campaigns) == 1
    assert mailchimp.calls[2:] == [("PATCH", "/3.0/campaigns/c1"), ("PUT", "/3.0/campaigns/c1/content")]


def test_send_without_a_terminal_needs_yes(mailchimp, issue: Path):
    result = run_cli("publish", issue, "--send")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: publish --send asks for confirmation at a terminal; pass --yes to skip it"
    assert mailchimp.campaigns["c1"]["status"] == "save"
    assert not any("actions" in path for _, path in mailchimp.calls)


def test_send_with_yes(mailchimp, issue: Path):
    result = run_cli("publish", issue, "--send", "--yes")
    assert result.exit_code == 0, result.stderr
    assert mailchimp.campaigns["c1"]["status"] == "sent"
    assert result.stdout.strip().endswith("sent to Diplomacy Watch readers")


NEXT_YEAR = datetime.now().year + 1  # --at must lie ahead


def test_schedule_on_the_quarter_hour(mailchimp, issue: Path):
    result = run_cli("publish", issue, "--send", "--yes", "--at", f"{NEXT_YEAR}-09-22T09:15+02:00")
    assert result.exit_code == 0, result.stderr
    assert mailchimp.campaigns["c1"]["schedule_time"] == f"{NEXT_YEAR}-09-22T07:15:00+00:00"
    assert f"scheduled for {NEXT_YEAR}-09-22T07:15:00+00:00" in result.stdout


@pytest.mark.parametrize("at, words", [
    (f"{NEXT_YEAR}-09-22T09:10+00:00", "mailchimp: campaigns can only be scheduled on the quarter-hour"),
    ("2020-09-22T09:15+00:00", "--at 2020-09-22T09:15+00:00 is in the past"),
])
def test_a_time_that_cannot_be_scheduled_is_refused_before_the_draft_is_touched(mailchimp, issue: Path, at, words):
    result = run_cli("publish", issue, "--send", "--yes", "--at", at)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {words}")
    assert mailchimp.calls == []  # no draft created or updated
    assert not (issue.parent / "2023-09-22.publish.json").exists()


def test_the_mailchimp_address_may_end_in_its_api_version(mailchimp, issue: Path, monkeypatch):
    monkeypatch.setenv("COMPOSER_MAILCHIMP_URL", mailchimp.server.url_for("/3.0/"))
    result = run_cli("publish", issue)
    assert result.exit_code == 0, result.stderr
    assert mailchimp.calls == [("POST", "/3.0/campaigns"), ("PUT", "/3.0/campaigns/c1/content")]


def test_an_unexpected_answer_is_one_line(httpserver, monkeypatch, issue: Path):
    monkeypatch.setenv("MAILCHIMP_API_KEY", SECRET)
    monkeypatch.setenv("COMPOSER_MAILCHIMP_URL", httpserver.url_for("/"))
    httpserver.expect_request("/3.0/campaigns", method="POST").respond_with_data(
        "<html>Down for maintenance</html>", content_type="text/html")
    result = run_cli("publish", issue)
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: mailchimp: answered 200 OK but its answer is not JSON, so the campaign "
                                     "may have been saved; check the provider's dashboard before trying again")
    assert not (issue.parent / "2023-09-22.publish.json").exists()


def test_the_platform_connections_are_closed(mailchimp, issue: Path, monkeypatch):
    import httpx

    closed = []
    original = httpx.Client.close
    monkeypatch.setattr(httpx.Client, "close", lambda self: (closed.append(self), original(self))[1])
    assert run_cli("publish", issue).exit_code == 0
    assert closed and all(client.is_closed for client in closed)


def test_platform_errors_are_one_line(mailchimp, issue: Path, monkeypatch):
    monkeypatch.setenv("MAILCHIMP_API_KEY", "wrongwrongwrong-us14")
    result = run_cli("publish", issue)
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: mailchimp: error, 401 UNAUTHORIZED: API Key Invalid: Your API key may be invalid."
    assert not (issue.parent / "2023-09-22.publish.json").exists()


def read_terminal(fd: int, deadline: float, until: bytes | None = None) -> bytes:
    """What the program writes to the terminal, until `until` appears or it closes; never past the deadline."""
    output = b""
    while until is None or until not in output:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"timed out waiting for {until!r}; the terminal showed {output.decode(errors='replace')!r}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the program closed the terminal
            chunk = b""
        if not chunk:
            assert until is None, f"the program ended before {until!r}: {output.decode(errors='replace')!r}"
            return output
        output += chunk
    return output


def test_typed_confirmation_at_a_terminal(mailchimp, issue: Path):
    """Run in a pseudo-terminal: the editor sees the subject and audience and types "send"."""
    main, child = pty.openpty()
    env = {**os.environ, "MAILCHIMP_API_KEY": SECRET, "COMPOSER_MAILCHIMP_URL": mailchimp.server.url_for("/")}
    process = subprocess.Popen([sys.executable, "-m", "composer", "publish", str(issue), "--send"],
                               stdin=child, stdout=child, stderr=child, env=env)
    os.close(child)
    deadline = time.monotonic() + 30
    try:
        output = read_terminal(main, deadline, until=b'Type "send"')
    except AssertionError:
        process.kill()
        raise
    text = output.decode()
    assert 'About to send now: "Diplomacy Watch: Zelensky’s week at the UN and in Washington" to Diplomacy Watch readers.' in text
    assert mailchimp.campaigns["c1"]["status"] == "save"  # nothing sent before the answer
    os.write(main, b"send\n")
    output += read_terminal(main, deadline)
    assert process.wait(timeout=30) == 0
    assert mailchimp.campaigns["c1"]["status"] == "sent"


# -- Buttondown -------------------------------------------------------------------

BUTTONDOWN_SECRET = "bd-TEST-SECRET-9d8c7b"


class FakeButtondown:
    """API v1: `Authorization: Token KEY`, pinned X-API-Version, create 201, update 200,
    errors as {"code", "detail"}."""

    def __init__(self, server, issue: Path):
        self.issue = issue
        self.emails: dict[str, dict] = {}
        self.calls: list[tuple[str, str]] = []
        server.expect_request(re.compile(r"^/v1/.*")).respond_with_handler(self.handle)

    def handle(self, request):
        self.calls.append((request.method, request.path))
        if request.headers.get("Authorization") != f"Token {BUTTONDOWN_SECRET}":
            return Response(json.dumps({"detail": "Invalid token."}), 401, content_type="application/json")
        assert request.headers["X-API-Version"] == "2026-04-01"
        body = request.get_json()
        html, _ = built(self.issue)
        if request.method == "POST" and request.path == "/v1/emails":
            assert body["status"] == "draft", "a create without an explicit draft status would send"
            assert body["body"] == html
            if not body["subject"]:
                return Response(json.dumps({"code": "subject_invalid", "detail": "The subject is empty."}), 400,
                                content_type="application/json")
            email_ = {"id": f"0193-{len(self.emails) + 1}", **body}
            self.emails[email_["id"]] = email_
            return Response(json.dumps(email_), 201, content_type="application/json")
        if match := re.fullmatch(r"/v1/emails/([\w-]+)", request.path):
            assert request.method == "PATCH"
            self.emails[match[1]].update(body)
            return Response(json.dumps(self.emails[match[1]]), 200, content_type="application/json")
        return Response(json.dumps({"detail": "Not found."}), 404, content_type="application/json")


@pytest.fixture
def buttondown(httpserver, monkeypatch, issue):
    monkeypatch.setenv("BUTTONDOWN_API_KEY", BUTTONDOWN_SECRET)
    monkeypatch.setenv("COMPOSER_BUTTONDOWN_URL", httpserver.url_for("/"))
    yield FakeButtondown(httpserver, issue)
    httpserver.check()


def test_buttondown_draft_update_and_send(buttondown, issue: Path):
    result = run_cli("publish", issue, "--platform", "buttondown")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "buttondown: draft 0193-1 saved; review it at https://buttondown.com/emails/0193-1"
    assert buttondown.emails["0193-1"]["status"] == "draft"

    result = run_cli("publish", issue, "--platform", "buttondown", "--send", "--yes")
    assert result.exit_code == 0, result.stderr
    assert len(buttondown.emails) == 1
    assert buttondown.calls == [("POST", "/v1/emails"), ("PATCH", "/v1/emails/0193-1"), ("PATCH", "/v1/emails/0193-1")]
    assert buttondown.emails["0193-1"]["status"] == "about_to_send"
    no_secret(result, issue.parent, BUTTONDOWN_SECRET)


def test_buttondown_schedule(buttondown, issue: Path):
    result = run_cli("publish", issue, "--platform", "buttondown", "--send", "--yes", "--at",
                     f"{NEXT_YEAR}-09-22T07:00+00:00")
    assert result.exit_code == 0, result.stderr
    assert buttondown.emails["0193-1"]["status"] == "scheduled"
    assert buttondown.emails["0193-1"]["publish_date"] == f"{NEXT_YEAR}-09-22T07:00:00Z"


def test_buttondown_bad_token(buttondown, issue: Path, monkeypatch):
    monkeypatch.setenv("BUTTONDOWN_API_KEY", "nope")
    result = run_cli("publish", issue, "--platform", "buttondown")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: buttondown: error, 401 UNAUTHORIZED: Invalid token."


@pytest.mark.parametrize("content", ["[1, 2]", '"x"', "null", '{"mailchimp": "abc"}', "{not json"])
def test_a_damaged_state_file_is_one_line(mailchimp, issue: Path, content: str):
    (issue.parent / "2023-09-22.publish.json").write_text(content)
    result = run_cli("publish", issue)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {issue.parent / '2023-09-22.publish.json'} is damaged; delete it to publish a new draft"
    assert mailchimp.calls == []  # nothing created at the platform
