"""`composer publish` to Ghost, against a local stand-in for its Admin API that checks each
request as Ghost documents it: the JWT (HS256, kid, aud /admin/, at most five minutes), the
Accept-Version header, posts created as drafts from HTML, edits that name `updated_at`,
publishing with a newsletter; answers and errors in Ghost's shapes."""

from __future__ import annotations

import json
import re
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from bs4 import BeautifulSoup
from conftest import EXAMPLES, run_cli
from werkzeug import Response

ISSUE = "2023-09-22.yaml"
SUBJECT = "Diplomacy Watch: Zelensky’s week at the UN and in Washington"
KEY_ID = "6748592f4b9b7700010f6564"
HEX_SECRET = "5f1c9b3ae2d047c8a9b16e0d3f27c4a18b9e6d2c7f0a4b5e1d3c8f9a2b7e6d40"
KEY = f"{KEY_ID}:{HEX_SECRET}"
CARD_START, CARD_END = "<!--kg-card-begin: html-->", "<!--kg-card-end: html-->"


@pytest.fixture
def issue(tmp_path: Path, httpserver) -> Path:
    shutil.copy(EXAMPLES / ISSUE, tmp_path / ISSUE)
    house = (EXAMPLES / "house.yaml").read_text()
    (tmp_path / "house.yaml").write_text(house + (
        "platform:\n  provider: ghost\n  ghost:\n"
        f"    url: {httpserver.url_for('/')}\n    newsletter: weekly\n    email_segment: status:free\n"
        "    tags: [Diplomacy Watch, Ukraine]\n"))
    return tmp_path / ISSUE


def built_html(issue: Path) -> str:
    out = issue.parent / "build"
    assert run_cli("build", issue, "-o", out).exit_code == 0
    return (out / "2023-09-22.html").read_text()


def stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def error(status: int, message: str, kind: str, context: str | None = None) -> Response:
    body = {"errors": [{"message": message, "context": context, "type": kind, "details": None,
                        "property": None, "help": None, "code": None, "id": "8c1f7e40-6d11-11ee-b0f6-4d2a3c0e1f00"}]}
    return Response(json.dumps(body), status, content_type="application/json")


class FakeGhost:
    def __init__(self, server, issue: Path):
        self.issue = issue
        self.posts: dict[str, dict] = {}
        self.calls: list[tuple[str, str]] = []
        self.bodies: list[dict] = []
        self.claims: list[dict] = []
        self.fail: Response | None = None  # answer every post request with this instead
        self.edited_meanwhile = False  # someone saves the post in Ghost Admin just after each read
        server.expect_request(re.compile(r"^/ghost/api/admin/.*")).respond_with_handler(self.handle)

    def authenticate(self, request) -> Response | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Ghost" or not token:
            return error(403, "Authorization failed", "NoPermissionError",
                         "Unable to determine the authenticated user or integration.")
        try:
            header = jwt.get_unverified_header(token)
            if header.get("kid") != KEY_ID:
                return error(401, "Unknown Admin API Key", "UnauthorizedError")
            claims = jwt.decode(token, bytes.fromhex(HEX_SECRET), algorithms=["HS256"], audience="/admin/",
                                options={"require": ["iat", "exp", "aud"]})
        except jwt.InvalidTokenError as problem:
            return error(401, f"Invalid token: {problem}", "UnauthorizedError")
        assert header["alg"] == "HS256"
        assert 0 < claims["exp"] - claims["iat"] <= 5 * 60, "Ghost refuses tokens that live over five minutes"
        assert abs(claims["iat"] - time.time()) < 60
        self.claims.append(claims)
        return None

    def handle(self, request):
        self.calls.append((request.method, request.path))
        assert re.fullmatch(r"v[56]\.\d+", request.headers.get("Accept-Version", "")), "Accept-Version is required"
        if refused := self.authenticate(request):
            return refused
        path = request.path.removeprefix("/ghost/api/admin")
        if path == "/newsletters/" and request.method == "GET":
            assert request.args["filter"] == "slug:weekly"
            return self.json({"newsletters": [{"id": "6530a1b2c3d4e5f601234567", "name": "Diplomacy Watch",
                                               "slug": "weekly", "status": "active"}],
                              "meta": {"pagination": {"page": 1, "limit": 15, "pages": 1, "total": 1}}})
        if self.fail is not None:
            return self.fail
        body = request.get_json(silent=True)
        if body is not None:
            self.bodies.append(body)
        if path == "/posts/" and request.method == "POST":
            assert request.args.get("source") == "html"
            [post] = body["posts"]
            self.check_content(post)
            assert post["status"] == "draft"
            created = {**post, "id": f"65{len(self.posts) + 1:022x}", "uuid": "a5aa9bd8-ea31-415c-b452-3040dae1e730",
                       "created_at": stamp(), "updated_at": stamp(), "published_at": None}
            self.posts[created["id"]] = created
            return self.json({"posts": [created]}, 201)
        match = re.fullmatch(r"/posts/(\w+)/", path)
        if not match or match[1] not in self.posts:
            return error(404, "Resource not found error, cannot read post.", "NotFoundError")
        post = self.posts[match[1]]
        if request.method == "GET":
            answer = self.json({"posts": [post]})
            if self.edited_meanwhile:
                time.sleep(0.002)
                post["updated_at"] = stamp()
            return answer
        assert request.method == "PUT"
        [change] = body["posts"]
        if change.get("updated_at") != post["updated_at"]:
            return error(409, "Saving failed! Someone else is editing this post.", "UpdateCollisionError")
        if "html" in change:
            assert request.args.get("source") == "html"
            self.check_content(change)
        if change.get("status") in ("published", "scheduled"):
            assert set(change) <= {"updated_at", "status", "published_at"}
            assert request.args["newsletter"] == "weekly" and request.args["email_segment"] == "status:free"
            if change["status"] == "scheduled":
                assert datetime.fromisoformat(change["published_at"]) > datetime.now(UTC)
            post["newsletter"], post["email_segment"] = request.args["newsletter"], request.args["email_segment"]
        post.update(change, updated_at=stamp())
        time.sleep(0.002)  # a later edit gets a later updated_at, as Ghost's would
        return self.json({"posts": [post]})

    def check_content(self, post: dict) -> None:
        assert set(post) <= {"title", "html", "custom_excerpt", "tags", "status", "updated_at"}
        assert post["title"] == SUBJECT
        assert post["custom_excerpt"] and len(post["custom_excerpt"]) <= 300
        assert post["tags"] == [{"name": "Diplomacy Watch"}, {"name": "Ukraine"}]
        html = post["html"]
        assert html.startswith(CARD_START) and html.endswith(CARD_END), "the email must reach Ghost as one HTML card"
        sent = BeautifulSoup(html[len(CARD_START):-len(CARD_END)], "lxml")
        email = BeautifulSoup(built_html(self.issue), "lxml").body
        assert [a["href"] for a in sent.find_all("a")] == [a["href"] for a in email.find_all("a")]
        assert [t.get_text(" ", strip=True) for t in sent.find_all("td")] == \
               [t.get_text(" ", strip=True) for t in email.find_all("td")]
        assert sent.find("head") is None and sent.find("title") is None, "Ghost gets the body, not a second document"

    @staticmethod
    def json(body: dict, status: int = 200) -> Response:
        return Response(json.dumps(body), status, content_type="application/json")


@pytest.fixture
def ghost(httpserver, monkeypatch, issue):
    monkeypatch.setenv("GHOST_ADMIN_API_KEY", KEY)
    yield FakeGhost(httpserver, issue)
    httpserver.check_handler_errors()  # a request the stand-in found wrong fails the test, not just the call


def no_secret(result, folder: Path) -> None:
    for secret in (HEX_SECRET, KEY):
        assert secret not in result.stdout + result.stderr
        for path in folder.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path


def test_a_draft_post_from_the_issue_html(ghost, issue: Path, httpserver):
    result = run_cli("publish", issue)
    assert result.exit_code == 0, result.stderr
    [post] = ghost.posts.values()
    assert result.stdout.strip() == (f"ghost: draft {post['id']} saved; review it at "
                                     f"{httpserver.url_for('/ghost/#/editor/post/')}{post['id']}")
    assert ghost.calls == [("POST", "/ghost/api/admin/posts/")]
    assert post["status"] == "draft"
    assert json.loads((issue.parent / "2023-09-22.publish.json").read_text()) == {"ghost": {"id": post["id"]}}
    no_secret(result, issue.parent)


def test_publishing_twice_updates_the_one_draft_naming_its_version(ghost, issue: Path):
    assert run_cli("publish", issue).exit_code == 0
    [post] = ghost.posts.values()
    first_version = post["updated_at"]
    result = run_cli("publish", issue)
    assert result.exit_code == 0, result.stderr
    assert len(ghost.posts) == 1
    assert ghost.calls[1:] == [("GET", f"/ghost/api/admin/posts/{post['id']}/"),
                               ("PUT", f"/ghost/api/admin/posts/{post['id']}/")]
    assert ghost.bodies[-1]["posts"][0]["updated_at"] == first_version
    assert post["updated_at"] != first_version and post["status"] == "draft"


def test_each_call_signs_a_fresh_short_lived_token(ghost, issue: Path):
    assert run_cli("publish", issue).exit_code == 0
    assert run_cli("publish", issue).exit_code == 0
    assert len(ghost.claims) == 3
    assert all(claims["aud"] == "/admin/" and claims["exp"] - claims["iat"] == 300 for claims in ghost.claims)


def test_send_without_a_terminal_needs_yes(ghost, issue: Path):
    result = run_cli("publish", issue, "--send")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: publish --send asks for confirmation at a terminal; pass --yes to skip it"
    [post] = ghost.posts.values()
    assert post["status"] == "draft" and "newsletter" not in post


def test_send_publishes_to_the_newsletter_and_segment(ghost, issue: Path):
    result = run_cli("publish", issue, "--send", "--yes")
    assert result.exit_code == 0, result.stderr
    [post] = ghost.posts.values()
    assert post["status"] == "published"
    assert (post["newsletter"], post["email_segment"]) == ("weekly", "status:free")
    assert result.stdout.splitlines()[-1] == (f'ghost: "{SUBJECT}" sent to the members matching status:free '
                                              "subscribed to Diplomacy Watch")
    no_secret(result, issue.parent)


def test_at_schedules_the_post(ghost, issue: Path):
    when = (datetime.now(UTC) + timedelta(days=2)).replace(hour=7, minute=0, second=0, microsecond=0)
    result = run_cli("publish", issue, "--send", "--yes", "--at", when.isoformat())
    assert result.exit_code == 0, result.stderr
    [post] = ghost.posts.values()
    assert post["status"] == "scheduled"
    assert datetime.fromisoformat(post["published_at"]) == when
    assert post["published_at"].endswith(".000Z")
    assert f"scheduled for {post['published_at']}" in result.stdout


def test_a_published_post_is_left_alone(ghost, issue: Path):
    assert run_cli("publish", issue, "--send", "--yes").exit_code == 0
    result = run_cli("publish", issue)
    assert result.exit_code == 1
    [post] = ghost.posts.values()
    assert result.stderr.strip() == (f"error: ghost: post {post['id']} is already published; it was left as it is "
                                     "(delete the .publish.json file beside the issue to start a new draft)")
    assert ghost.calls[-1][0] == "GET"


def test_a_wrong_key_is_one_line_and_no_state(ghost, issue: Path, monkeypatch):
    monkeypatch.setenv("GHOST_ADMIN_API_KEY", f"{KEY_ID}:{'ab' * 32}")
    result = run_cli("publish", issue)
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: ghost: error, 401 UNAUTHORIZED: "
                                     "Invalid token: Signature verification failed")
    assert not (issue.parent / "2023-09-22.publish.json").exists()
    no_secret(result, issue.parent)


@pytest.mark.parametrize("key", ["no-colon-here", f"{KEY_ID}:not-hex", f":{HEX_SECRET}"])
def test_a_malformed_key_is_refused_before_any_call(ghost, issue: Path, monkeypatch, key: str):
    monkeypatch.setenv("GHOST_ADMIN_API_KEY", key)
    result = run_cli("publish", issue)
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: ghost: GHOST_ADMIN_API_KEY should be the Admin API key, id:secret with a "
                                     "hexadecimal secret (Settings → Integrations in Ghost Admin)")
    assert ghost.calls == []


@pytest.mark.parametrize(("answer", "line"), [
    (lambda: error(401, "Authorization failed", "UnauthorizedError", "Unable to determine the authenticated user."),
     "error: ghost: error, 401 UNAUTHORIZED: Authorization failed (Unable to determine the authenticated user.)"),
    (lambda: error(422, "Validation error, cannot save post.", "ValidationError", "Title cannot be longer than 255."),
     "error: ghost: error, 422 UNPROCESSABLE ENTITY: Validation error, cannot save post. "
     "(Title cannot be longer than 255.)"),
    (lambda: Response(json.dumps({"errors": [{"message": "The server has encountered an error.", "context": None,
                                              "type": "InternalServerError"}]}), 503,
                      headers={"Retry-After": "0"}, content_type="application/json"),
     "error: ghost: error after 4 attempts, 503 SERVICE UNAVAILABLE: The server has encountered an error."),
])
def test_platform_errors_are_one_line(ghost, issue: Path, answer, line: str):
    ghost.fail = answer()
    result = run_cli("publish", issue)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [line]
    assert not (issue.parent / "2023-09-22.publish.json").exists()


def test_the_key_never_goes_over_plain_http_to_another_host(ghost, issue: Path):
    house = issue.parent / "house.yaml"
    house.write_text(re.sub(r"    url: \S+", "    url: http://ghost.example.org", house.read_text()))
    result = run_cli("publish", issue)
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: ghost: platform.ghost.url must start with https:// so the credentials "
                                     "travel encrypted")
    assert ghost.calls == []


def test_send_needs_a_newsletter(ghost, issue: Path):
    house = issue.parent / "house.yaml"
    house.write_text(house.read_text().replace("    newsletter: weekly\n", ""))
    result = run_cli("publish", issue, "--send", "--yes")
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: ghost: --send needs the newsletter to email; set `platform: {ghost: "
                                     "{newsletter: <its slug>}}` in house.yaml")
    [post] = ghost.posts.values()
    assert post["status"] == "draft"


def test_ghost_cannot_send_a_test_through_composer(ghost, issue: Path):
    result = run_cli("publish", issue, "--test-to", "ed@example.org")
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: ghost: composer cannot send a test through this platform; "
                                     "use `composer send --to` for a test copy")
    assert ghost.calls == []


def test_an_edit_made_in_ghost_meanwhile_is_not_overwritten(ghost, issue: Path):
    assert run_cli("publish", issue).exit_code == 0
    ghost.edited_meanwhile = True
    result = run_cli("publish", issue)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: ghost: error, 409 CONFLICT: Saving failed! Someone else is editing this post."]


def test_ghost_needs_its_settings(ghost, issue: Path):
    house = issue.parent / "house.yaml"
    house.write_text(house.read_text().split("platform:")[0])
    result = run_cli("publish", issue, "--platform", "ghost")
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: ghost: add `platform: {ghost: {url: https://…}}` to house.yaml "
                                     "(the site's address)")
    assert ghost.calls == []
