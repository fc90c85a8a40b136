"""Ghost (Admin API, versions 5 and 6): the issue as a draft post, emailed to a newsletter when published."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from lxml import html as lxml_html
from pydantic import Field

from composer.credentials import secret, secure_address
from composer.diagnostics import DeliveryError
from composer.model.fields import Model, Text, WebLink
from composer.platforms.platform import Draft
from composer.send.http import answer, call, client

if TYPE_CHECKING:
    from composer.model.edition import Edition

NAME = "ghost"
KEY_VARIABLE = "GHOST_ADMIN_API_KEY"


class GhostSettings(Model):
    url: WebLink = Field(description="The Ghost site's address; its admin lives under /ghost/.")
    newsletter: Text | None = Field(default=None, description="The slug of the Ghost newsletter a send goes to.")
    email_segment: Text = Field(
        default="all", description="Which members get the email: all, or an NQL filter such as status:free.")
    tags: list[Text] = Field(default=[], description="Tags given to the post.")


SETTINGS = (GhostSettings | None, None)

API_VERSION = "v5.0"  # Ghost 6 answers a v5.0 client with the same Admin API
# Ghost refuses a token that lives longer than five minutes; each call signs a fresh one.
TOKEN_LIFETIME = 5 * 60
# Ghost keeps what is inside an HTML card exactly; HTML given outside one is rebuilt, lossily,
# into its editor's own blocks, which would undo the email's layout.
CARD = "<!--kg-card-begin: html-->{}<!--kg-card-end: html-->"
EDITABLE = ("draft", "scheduled")


def _explain(error: dict) -> str:
    parts = []
    for problem in error["errors"]:
        context = problem.get("context")
        parts.append(f"{problem['message']} ({context})" if context else str(problem["message"]))
    return "; ".join(parts)


def post_html(html: str) -> str:
    """The email's body as one HTML card; Ghost wraps posts in its own document and email template."""

    body = lxml_html.document_fromstring(html).body
    inner = (body.text or "") + "".join(lxml_html.tostring(child, encoding="unicode") for child in body)
    return CARD.format(inner)


class Ghost:
    name = NAME

    def __init__(self, key: str, settings: GhostSettings):
        key_id, _, hex_secret = key.partition(":")
        try:
            self._secret = bytes.fromhex(hex_secret)
        except ValueError:
            self._secret = b""
        if not key_id or not self._secret:
            raise DeliveryError(f"ghost: {KEY_VARIABLE} should be the Admin API key, id:secret with a hexadecimal "
                                "secret (Settings → Integrations in Ghost Admin)")
        self.key_id = key_id
        self.settings = settings
        self.site = secure_address(settings.url, NAME, "platform.ghost.url")
        self.base = self.site + "/ghost/api/admin"
        self.client = client(headers={"Accept-Version": API_VERSION})

    def close(self) -> None:
        self.client.close()

    def _token(self) -> str:
        import jwt

        now = int(time.time())
        claims = {"iat": now, "exp": now + TOKEN_LIFETIME, "aud": "/admin/"}
        return jwt.encode(claims, self._secret, algorithm="HS256", headers={"kid": self.key_id})

    def _call(self, method: str, path: str, expect=(200,), want: str | None = None, **kwargs) -> dict:
        headers = {"Authorization": f"Ghost {self._token()}"}
        response = call(self.client, self.name, method, self.base + path, expect=expect, explain=_explain,
                        headers=headers, **kwargs)
        return answer(response, self.name, (want,) if want else (), effect=f"the {method} {path} may have taken effect")

    def _current(self, post_id: str) -> dict:
        return self._call("GET", f"/posts/{post_id}/", want="posts")["posts"][0]

    def save(self, edition: Edition, html: str, text: str, remembered: dict | None) -> Draft:
        post = {"title": edition.subject, "html": post_html(html), "custom_excerpt": edition.preheader,
                "tags": [{"name": tag} for tag in self.settings.tags]}
        if remembered:
            current = self._current(remembered["id"])
            if current["status"] not in EDITABLE:
                raise DeliveryError(f"ghost: post {current['id']} is already {current['status']}; it was left as it "
                                    "is (delete the .publish.json file beside the issue to start a new draft)")
            # Ghost refuses an edit that does not name the version it changes (its guard against lost updates).
            saved = self._call("PUT", f"/posts/{current['id']}/", want="posts", params={"source": "html"},
                               json={"posts": [{**post, "updated_at": current["updated_at"]}]})
        else:
            saved = self._call("POST", "/posts/", expect=(201,), want="posts", params={"source": "html"},
                               json={"posts": [{**post, "status": "draft"}]})
        post_id = saved["posts"][0]["id"]
        return Draft(post_id, f"{self.site}/ghost/#/editor/post/{post_id}", {"id": post_id})

    def _newsletter(self) -> str:
        slug = self.settings.newsletter
        if not slug:
            raise DeliveryError("ghost: --send needs the newsletter to email; set `platform: {ghost: {newsletter: "
                                "<its slug>}}` in house.yaml")
        return slug

    def audience(self, edition: Edition) -> str:
        slug = self._newsletter()
        found = self._call("GET", "/newsletters/", params={"filter": f"slug:{slug}"}).get("newsletters") or []
        if not found or found[0].get("status") != "active":
            raise DeliveryError(f"ghost: there is no active newsletter with the slug '{slug}'; check "
                                "platform.ghost.newsletter in house.yaml")
        segment = self.settings.email_segment
        members = "every member" if segment == "all" else f"the members matching {segment}"
        return f"{members} subscribed to {found[0]['name']}"

    def send(self, draft: Draft, at: datetime | None) -> str:
        params = {"newsletter": self._newsletter(), "email_segment": self.settings.email_segment}
        change = {"updated_at": self._current(draft.id)["updated_at"], "status": "published"}
        outcome = "sent"
        if at is not None:
            when = at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            change.update(status="scheduled", published_at=when)
            outcome = f"scheduled for {when}"
        self._call("PUT", f"/posts/{draft.id}/", params=params, json={"posts": [change]})
        return outcome


def from_house(edition: Edition, settings: GhostSettings | None) -> Ghost:
    if not settings:
        raise DeliveryError("ghost: add `platform: {ghost: {url: https://…}}` to house.yaml (the site's address)")
    return Ghost(secret(KEY_VARIABLE, NAME), settings)
