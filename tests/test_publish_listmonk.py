"""`composer publish` to listmonk, against a local stand-in for its HTTP API that checks each
request as listmonk documents and validates it: Basic auth with the API user and token, the
campaign's fields (HTML body, text altbody, lists, sender), the status changes it allows, the
test endpoint; answers wrapped in {"data": …} and errors as {"message": …}."""

from __future__ import annotations

import base64
import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_cli
from werkzeug import Response

ISSUE = "2023-09-22.yaml"
SUBJECT = "Diplomacy Watch: Zelensky’s week at the UN and in Washington"
USER, TOKEN = "composer-api", "lm-TOKEN-3c1e9a77f0b24d6e"
EDITABLE = ("draft", "paused", "scheduled")


@pytest.fixture
def issue(tmp_path: Path, httpserver) -> Path:
    shutil.copy(EXAMPLES / ISSUE, tmp_path / ISSUE)
    house = (EXAMPLES / "house.yaml").read_text()
    (tmp_path / "house.yaml").write_text(house + (
        "platform:\n  provider: listmonk\n  listmonk:\n"
        f"    url: {httpserver.url_for('/')}\n    list_ids: [3, 7]\n    template_id: 5\n"))
    return tmp_path / ISSUE


def built(issue: Path) -> tuple[str, str]:
    out = issue.parent / "build"
    assert run_cli("build", issue, "-o", out).exit_code == 0
    return (out / "2023-09-22.html").read_text(), (out / "2023-09-22.txt").read_text()


def message(status: int, text: str, **headers) -> Response:
    return Response(json.dumps({"message": text}), status, headers=headers, content_type="application/json")


class FakeListmonk:
    def __init__(self, server, issue: Path):
        self.issue = issue
        self.campaigns: dict[int, dict] = {}
        self.tests: list[list[str]] = []
        self.calls: list[tuple[str, str]] = []
        self.fail: Response | None = None
        server.expect_request(re.compile(r"^/api/.*")).respond_with_handler(self.handle)

    def handle(self, request):
        self.calls.append((request.method, request.path))
        expected = "Basic " + base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return message(403, "invalid API credentials")
        if self.fail is not None:
            return self.fail
        body = request.get_json(silent=True)
        if match := re.fullmatch(r"/api/lists/(\d+)", request.path):
            assert request.method == "GET"
            names = {"3": "Diplomacy Watch readers", "7": "Newsroom"}
            return self.data({"id": int(match[1]), "name": names[match[1]], "subscriber_count": 1204,
                              "type": "private", "optin": "single"})
        if request.path == "/api/campaigns" and request.method == "POST":
            if problem := self.invalid(body):
                return problem
            campaign = {**body, "id": len(self.campaigns) + 1, "status": "draft", "send_at": body.get("send_at"),
                        "uuid": "57702beb-6fae-4355-a324-c2fd5b59a549"}
            self.campaigns[campaign["id"]] = campaign
            return self.data(campaign)
        match = re.fullmatch(r"/api/campaigns/(\d+)(/status|/test)?", request.path)
        if not match or int(match[1]) not in self.campaigns:
            return message(404, "Campaign not found.")
        campaign = self.campaigns[int(match[1])]
        if match[2] == "/status":
            assert request.method == "PUT" and set(body) == {"status"}
            return self.change_status(campaign, body["status"])
        if match[2] == "/test":
            assert request.method == "POST"
            if problem := self.invalid(body):
                return problem
            if not body.get("subscribers"):
                return message(400, "No subscribers to target.")
            self.tests.append(body["subscribers"])
            return self.data(True)
        assert request.method == "PUT"
        if campaign["status"] not in EDITABLE:
            return message(400, "Cannot update a running or completed campaign.")
        if problem := self.invalid(body):
            return problem
        # As listmonk's update: send_at is what the request says, and a scheduled campaign without one is a draft.
        campaign.update(body, send_at=body.get("send_at"))
        if campaign["status"] == "scheduled" and not campaign["send_at"]:
            campaign["status"] = "draft"
        return self.data(campaign)

    def invalid(self, body: dict) -> Response | None:
        allowed = {"name", "subject", "lists", "from_email", "type", "content_type", "messenger", "body", "altbody",
                   "template_id", "send_at", "subscribers"}
        assert set(body) <= allowed, set(body) - allowed
        if not body.get("name"):
            return message(400, "Invalid length for `name`.")
        if not body.get("lists"):
            return message(400, "Invalid list IDs.")
        if body.get("send_at") and datetime.fromisoformat(body["send_at"]) < datetime.now(UTC):
            return message(400, "send_at date should be in the future.")
        html, text = built(self.issue)
        assert body["subject"] == SUBJECT
        assert body["lists"] == [3, 7]
        assert body["from_email"] == "Diplomacy Watch <newsletter@responsiblestatecraft.org>"
        assert (body["type"], body["content_type"], body["messenger"]) == ("regular", "html", "email")
        assert body["body"] == html and body["altbody"] == text
        assert body["template_id"] == 5
        return None

    def change_status(self, campaign: dict, status: str) -> Response:
        current = campaign["status"]
        if status == "running" and current not in ("draft", "paused"):
            return message(400, "Only paused campaigns and drafts can be started.")
        if status == "scheduled":
            if current != "draft":
                return message(400, "Only draft campaigns can be scheduled.")
            if not campaign.get("send_at"):
                return message(400, "Campaign needs a `send_at` date to be scheduled.")
        campaign["status"] = status
        return self.data(campaign)

    @staticmethod
    def data(payload) -> Response:
        return Response(json.dumps({"data": payload}), 200, content_type="application/json")


@pytest.fixture
def listmonk(httpserver, monkeypatch, issue):
    monkeypatch.setenv("LISTMONK_API_USER", USER)
    monkeypatch.setenv("LISTMONK_API_TOKEN", TOKEN)
    yield FakeListmonk(httpserver, issue)
    httpserver.check_handler_errors()  # a request the stand-in found wrong fails the test, not just the call


def no_secret(result, folder: Path) -> None:
    assert TOKEN not in result.stdout + result.stderr
    for path in folder.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_a_draft_campaign_with_the_html_and_text(listmonk, issue: Path, httpserver):
    result = run_cli("publish", issue)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"listmonk: draft 1 saved; review it at {httpserver.url_for('/admin/campaigns/1')}"
    assert listmonk.calls == [("POST", "/api/campaigns")]
    assert listmonk.campaigns[1]["status"] == "draft"
    assert listmonk.campaigns[1]["name"] == "Diplomacy Watch 2023-09-22"
    assert json.loads((issue.parent / "2023-09-22.publish.json").read_text()) == {"listmonk": {"id": 1}}
    no_secret(result, issue.parent)


def test_publishing_twice_updates_the_one_campaign(listmonk, issue: Path):
    assert run_cli("publish", issue).exit_code == 0
    result = run_cli("publish", issue)
    assert result.exit_code == 0, result.stderr
    assert len(listmonk.campaigns) == 1
    assert listmonk.calls == [("POST", "/api/campaigns"), ("PUT", "/api/campaigns/1")]


def test_send_without_a_terminal_needs_yes(listmonk, issue: Path):
    result = run_cli("publish", issue, "--send")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: publish --send asks for confirmation at a terminal; pass --yes to skip it"
    assert listmonk.campaigns[1]["status"] == "draft"
    assert not any(path.endswith("/status") for _, path in listmonk.calls)


def test_send_starts_the_campaign(listmonk, issue: Path):
    result = run_cli("publish", issue, "--send", "--yes")
    assert result.exit_code == 0, result.stderr
    assert listmonk.campaigns[1]["status"] == "running"
    assert result.stdout.splitlines()[-1] == (
        f'listmonk: "{SUBJECT}" sent to the listmonk lists Diplomacy Watch readers (1,204 subscribers), '
        "Newsroom (1,204 subscribers)")
    no_secret(result, issue.parent)


def test_at_sets_send_at_then_schedules(listmonk, issue: Path):
    when = (datetime.now(UTC) + timedelta(days=2)).replace(hour=7, minute=0, second=0, microsecond=0)
    result = run_cli("publish", issue, "--send", "--yes", "--at", when.isoformat())
    assert result.exit_code == 0, result.stderr
    campaign = listmonk.campaigns[1]
    assert campaign["status"] == "scheduled"
    assert datetime.fromisoformat(campaign["send_at"]) == when
    assert listmonk.calls[-2:] == [("PUT", "/api/campaigns/1"), ("PUT", "/api/campaigns/1/status")]
    assert f"scheduled for {when.isoformat()}" in result.stdout


def test_a_test_to_reviewers_uses_the_campaign_test_endpoint(listmonk, issue: Path):
    result = run_cli("publish", issue, "--test-to", "ed@example.org", "--test-to", "desk@example.org")
    assert result.exit_code == 0, result.stderr
    assert listmonk.tests == [["ed@example.org", "desk@example.org"]]
    assert listmonk.calls == [("POST", "/api/campaigns"), ("POST", "/api/campaigns/1/test")]
    assert listmonk.campaigns[1]["status"] == "draft"
    assert result.stdout.splitlines()[-1] == "listmonk: test of campaign 1 sent to ed@example.org, desk@example.org"


def test_a_bad_reviewer_address_stops_everything(listmonk, issue: Path):
    result = run_cli("publish", issue, "--test-to", "ed@@example.org")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and "'ed@@example.org' is not an e-mail address" in result.stderr
    assert listmonk.calls == []


def test_a_test_and_a_send_are_not_one_run(listmonk, issue: Path):
    result = run_cli("publish", issue, "--test-to", "ed@example.org", "--send", "--yes")
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: --test-to is for reviewing the draft first; send it to the list in a "
                                     "later run with --send")
    assert listmonk.calls == []


def test_a_running_campaign_is_not_changed(listmonk, issue: Path):
    assert run_cli("publish", issue, "--send", "--yes").exit_code == 0
    result = run_cli("publish", issue)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: listmonk: error, 400 BAD REQUEST: Cannot update a running or completed campaign."]


def test_wrong_credentials_are_one_line(listmonk, issue: Path, monkeypatch):
    monkeypatch.setenv("LISTMONK_API_TOKEN", "wrong")
    result = run_cli("publish", issue)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["error: listmonk: error, 403 FORBIDDEN: invalid API credentials"]
    assert not (issue.parent / "2023-09-22.publish.json").exists()


@pytest.mark.parametrize(("answer", "line"), [
    (lambda: message(401, "invalid API credentials"),
     "error: listmonk: error, 401 UNAUTHORIZED: invalid API credentials"),
    (lambda: message(422, "Invalid `from_email`."),
     "error: listmonk: error, 422 UNPROCESSABLE ENTITY: Invalid `from_email`."),
    (lambda: message(502, "Error fetching data from the database.", **{"Retry-After": "0"}),
     "error: listmonk: error after 4 attempts, 502 BAD GATEWAY: Error fetching data from the database."),
])
def test_platform_errors_are_one_line(listmonk, issue: Path, answer, line: str):
    listmonk.fail = answer()
    result = run_cli("publish", issue)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [line]
    assert not (issue.parent / "2023-09-22.publish.json").exists()
    no_secret(result, issue.parent)


def test_missing_credentials_name_the_variable(listmonk, issue: Path, monkeypatch):
    monkeypatch.delenv("LISTMONK_API_TOKEN")
    result = run_cli("publish", issue)
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: listmonk: set the environment variable LISTMONK_API_TOKEN "
                                     "(it is never read from a file)")
    assert listmonk.calls == []


def test_the_house_needs_at_least_one_list(issue: Path):
    house = issue.parent / "house.yaml"
    house.write_text(house.read_text().replace("list_ids: [3, 7]", "list_ids: []"))
    result = run_cli("publish", issue)
    assert result.exit_code == 2
    assert "list_ids" in result.stderr and len(result.stderr.splitlines()) == 1
