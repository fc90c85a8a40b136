"""Stand-ins for the providers' suppression-list APIs, each checking every request against the documented
API (method, path, authentication, paging) and answering in its documented shape."""

from __future__ import annotations

import base64
import json

from providers import KEY, json_response
from werkzeug import Request, Response


class Pulled:
    """Records the requests a stand-in answered, for the test to check the paging."""

    def __init__(self):
        self.requests: list[tuple[str, dict]] = []

    def note(self, request: Request) -> None:
        self.requests.append((request.path, dict(request.args)))


class PostmarkDump(Pulled):
    """GET /message-streams/{stream}/suppressions/dump, X-Postmark-Server-Token."""

    def __init__(self, suppressions: list[dict]):
        super().__init__()
        self.suppressions = suppressions

    def __call__(self, request: Request) -> Response:
        self.note(request)
        assert request.method == "GET" and request.path == "/message-streams/broadcast/suppressions/dump"
        assert request.headers["X-Postmark-Server-Token"] == KEY
        assert request.headers["Accept"] == "application/json"
        return json_response({"Suppressions": self.suppressions})


class SendGridLists(Pulled):
    """GET /v3/suppression/{bounces,spam_reports,unsubscribes}?limit&offset, Bearer key; a list per page."""

    def __init__(self, lists: dict[str, list[dict]]):
        super().__init__()
        self.lists = lists

    def __call__(self, request: Request) -> Response:
        self.note(request)
        assert request.method == "GET" and request.headers["Authorization"] == f"Bearer {KEY}"
        name = request.path.removeprefix("/v3/suppression/")
        assert name in ("bounces", "spam_reports", "unsubscribes"), request.path
        limit, offset = int(request.args["limit"]), int(request.args["offset"])
        assert 1 <= limit <= 500 and offset >= 0
        return json_response(self.lists.get(name, [])[offset:offset + limit])


class MailgunLists(Pulled):
    """GET /v3/{domain}/{bounces,complaints,unsubscribes}?limit, Basic api:KEY; `paging.next` until empty."""

    domain = "responsiblestatecraft.org"

    def __init__(self, base: str, lists: dict[str, list[dict]]):
        super().__init__()
        self.base, self.lists = base.rstrip("/"), lists

    def __call__(self, request: Request) -> Response:
        self.note(request)
        assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"api:{KEY}".encode()).decode()
        prefix = f"/v3/{self.domain}/"
        assert request.method == "GET" and request.path.startswith(prefix)
        name = request.path.removeprefix(prefix)
        assert name in ("bounces", "complaints", "unsubscribes")
        assert int(request.args.get("limit", "100")) <= 1000
        page = int(request.args.get("page", "0"))
        items = self.lists.get(name, [])[page * 2:page * 2 + 2]  # two a page, so paging is exercised
        following = f"{self.base}{request.path}?page={page + 1}&limit=1000"
        return json_response({"items": items, "paging": {"first": f"{self.base}{request.path}?limit=1000",
                                                         "next": following, "previous": following,
                                                         "last": following}})


class SesSuppressed(Pulled):
    """SES v2 ListSuppressedDestinations: GET /v2/email/suppression/addresses, SigV4, NextToken paging."""

    def __init__(self, pages: list[list[dict]]):
        super().__init__()
        self.pages = pages

    def __call__(self, request: Request) -> Response:
        self.note(request)
        assert request.method == "GET" and request.path == "/v2/email/suppression/addresses"
        assert request.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIATESTKEY/")
        assert "/ses/aws4_request" in request.headers["Authorization"]
        index = int(request.args.get("NextToken", "0"))
        body = {"SuppressedDestinationSummaries": self.pages[index]}
        if index + 1 < len(self.pages):
            body["NextToken"] = str(index + 1)
        return Response(json.dumps(body), 200, content_type="application/json")
