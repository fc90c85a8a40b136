"""One stand-in per HTTP provider, for test sends and list sends alike.

Each checks every request against the provider's documented API (endpoint,
headers, body) and answers in its documented shapes; a script of answers
(429s, 5xx, odd bodies) comes first when a test gives one. What a copy must
carry is the same in both kinds of send, and checked here once: a list
reader's copy has their own verified unsubscribe link in the header and in
both parts, a reviewer's copy the house's link as it is and the built parts exactly.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections import Counter
from email.utils import parseaddr

from lists import LIST_SECRET, body_url, header_url, token_of
from werkzeug import Request, Response

from composer.unsubscribe import verify_unsubscribe_token

KEY = "TEST-KEY-3f9a1c7e"
ONE_CLICK = "List-Unsubscribe=One-Click"
SENDER = "newsletter@responsiblestatecraft.org"
FROM = f"Diplomacy Watch <{SENDER}>"
LIST_ID = "Diplomacy Watch <diplomacy-watch.responsiblestatecraft.org>"
POSTMARK_FIELDS = {"From", "To", "Cc", "Bcc", "Subject", "Tag", "HtmlBody", "TextBody", "ReplyTo", "Headers",
                   "TrackOpens", "TrackLinks", "Metadata", "Attachments", "MessageStream"}


def stand_in(httpserver, monkeypatch, secret_variable: str, url_variable: str, key: str = KEY):
    """Point a provider at the local server, with the fake secret in its environment variable."""
    monkeypatch.setenv(secret_variable, key)
    monkeypatch.setenv(url_variable, httpserver.url_for("/"))
    return httpserver


def json_response(body, status: int = 200, **headers) -> Response:
    return Response(json.dumps(body), status, headers=headers, content_type="application/json")


class Copy:
    """What every copy must carry. `parts`: the built (html, text) a reviewer's copy equals exactly;
    without them, the copies are a list send's, each with the reader's own link."""

    def __init__(self, subject: str, *, parts: tuple[str, str] | None = None,
                 unsubscribe: str = "https://responsiblestatecraft.org/newsletter/unsubscribe/"):
        self.subject, self.parts, self.unsubscribe = subject, parts, unsubscribe

    def check_link(self, list_unsubscribe: str, address: str) -> str | None:
        """The copy's unsubscribe link, checked; None when the parts are checked as a whole instead."""
        url = header_url(list_unsubscribe)
        if self.parts is not None:
            assert url == self.unsubscribe
            return None
        assert verify_unsubscribe_token(token_of(url), LIST_SECRET) == address
        return url

    def check_parts(self, html: str, text: str, url: str | None, *, parse_html: bool = True) -> None:
        if url is None:
            assert (html, text) == self.parts
            return
        assert url in text.splitlines()
        if parse_html:
            assert body_url(html) == url


class Scripted:
    """A stand-in that first answers with the scripted failures, then as the provider does."""

    def __init__(self, copy: Copy, script: list[Response] | None = None, refuse: set[str] = frozenset()):
        self.copy, self.script, self.refuse = copy, list(script or []), set(refuse)
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

    def check(self, request: Request) -> list[str]:
        raise NotImplementedError

    def answer(self, readers: list[str]) -> Response:
        raise NotImplementedError


class Postmark(Scripted):
    """POST /email/batch, as https://postmarkapp.com/developer/api/email-api#send-batch-emails documents it."""

    full_checks = True  # False: the parsed HTML of the first message per request only (thousands of copies)

    def check(self, request: Request) -> list[str]:
        assert request.method == "POST" and request.path == "/email/batch"
        assert request.headers["Accept"] == "application/json"
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["X-Postmark-Server-Token"] == KEY
        assert len(request.get_data()) <= 50 * 1024 * 1024
        self.bodies.append(len(request.get_data()))
        messages = json.loads(request.get_data())
        assert isinstance(messages, list) and 1 <= len(messages) <= 500
        readers = []
        for i, message in enumerate(messages):
            assert set(message) <= POSTMARK_FIELDS
            assert message["From"] == FROM
            assert message["ReplyTo"] == SENDER
            assert message["Subject"] == self.copy.subject and message["MessageStream"] == "broadcast"
            headers = {h["Name"]: h["Value"] for h in message["Headers"]}
            assert headers["List-Id"] == LIST_ID
            assert headers["List-Unsubscribe-Post"] == ONE_CLICK
            address = parseaddr(message["To"])[1]
            url = self.copy.check_link(headers["List-Unsubscribe"], address)
            self.copy.check_parts(message["HtmlBody"], message["TextBody"], url, parse_html=self.full_checks or i == 0)
            readers.append(address)
        return readers

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


class SendGrid(Scripted):
    """POST /v3/mail/send as the v3 Mail Send reference documents it: up to 1,000 personalizations."""

    def check(self, request: Request) -> list[str]:
        assert request.method == "POST" and request.path == "/v3/mail/send"
        assert request.headers["Authorization"] == f"Bearer {KEY}"
        assert request.headers["Content-Type"] == "application/json"
        body = request.get_json()
        assert set(body) <= {"personalizations", "from", "reply_to", "subject", "content", "headers"}
        assert body["from"] == {"email": SENDER, "name": "Diplomacy Watch"}
        assert body["reply_to"] == {"email": SENDER}
        assert body["subject"] == self.copy.subject
        plain, html = body["content"]  # text/plain must come before text/html
        assert plain["type"] == "text/plain" and html["type"] == "text/html"
        assert body["headers"] == {"List-Id": LIST_ID, "List-Unsubscribe-Post": ONE_CLICK}
        personalizations = body["personalizations"]
        assert 1 <= len(personalizations) <= 1000
        readers = []
        for p in personalizations:
            [to] = p["to"]
            assert set(p) <= {"to", "substitutions", "headers"}
            url = self.copy.check_link(p["headers"]["List-Unsubscribe"], to["email"])
            if url is None:
                assert "substitutions" not in p
                self.copy.check_parts(html["value"], plain["value"], None)
            else:
                # The parts carry the placeholder; SendGrid puts each reader's substitution in its place.
                token = p["substitutions"]["{token}"]
                assert url == self.copy.unsubscribe.replace("{token}", token)
                template = self.copy.unsubscribe
                assert body_url(html["value"]) == template and template in plain["value"].splitlines()
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


class Mailgun(Scripted):
    """POST /v3/{domain}/messages with up to 1,000 `to` and `recipient-variables`, Basic api:KEY."""

    domain = "responsiblestatecraft.org"

    def check(self, request: Request) -> list[str]:
        assert request.method == "POST" and request.path == f"/v3/{self.domain}/messages"
        assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"api:{KEY}".encode()).decode()
        form = request.form
        to = form.getlist("to")
        assert 1 <= len(to) <= 1000
        variables = json.loads(form["recipient-variables"])
        assert set(variables) == set(to)  # without them Mailgun would show every address to everyone
        assert form["from"] == FROM and form["h:Reply-To"] == SENDER
        assert form["subject"] == self.copy.subject
        assert form["h:List-Id"] == LIST_ID and form["h:List-Unsubscribe-Post"] == ONE_CLICK
        if self.copy.parts is not None:
            assert all(values == {"token": "{token}"} for values in variables.values())
            assert header_url(form["h:List-Unsubscribe"]) == self.copy.unsubscribe
            self.copy.check_parts(form["html"], form["text"], None)
        else:
            for address, values in variables.items():
                assert verify_unsubscribe_token(values["token"], LIST_SECRET) == address
            tagged = self.copy.unsubscribe.replace("{token}", "%recipient.token%")
            assert form["h:List-Unsubscribe"] == f"<{tagged}>"
            assert body_url(form["html"]) == tagged and tagged in form["text"].splitlines()
        return to

    def answer(self, readers: list[str]) -> Response:
        self.accepted.update(readers)
        return json_response({"id": f"<batch{len(self.sizes)}@responsiblestatecraft.org>",
                              "message": "Queued. Thank you."})
