"""Buttondown: the email created as an explicit draft, with the API version pinned."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from composer.credentials import secret, service_url
from composer.platforms.platform import Draft
from composer.send.http import answer, call, client

if TYPE_CHECKING:
    from composer.model.edition import Edition

NAME = "buttondown"
SETTINGS = None  # nothing to set in house.yaml


class Buttondown:
    name = NAME
    # Pinned: before this version, an email created without a status is sent at once.
    api_version = "2026-04-01"

    def __init__(self, key: str, base_url: str | None = None):
        self.base = (base_url or "https://api.buttondown.com").rstrip("/") + "/v1"
        self.client = client(headers={"Authorization": f"Token {key}", "X-API-Version": self.api_version})

    def close(self) -> None:
        self.client.close()

    def _call(self, method: str, path: str, expect=(200,), **kwargs):
        def explain(error: dict) -> str:
            detail = error["detail"]
            if isinstance(detail, list):
                detail = "; ".join(f"{'.'.join(map(str, d.get('loc', [])))}: {d.get('msg', d.get('type'))}"
                                   for d in detail)
            return f"{detail} ({error['code']})" if error.get("code") else str(detail)

        return call(self.client, self.name, method, self.base + path, expect=expect, explain=explain, **kwargs)

    def save(self, edition: Edition, html: str, text: str, remembered: dict | None) -> Draft:
        fields = {"subject": edition.subject, "body": html, "description": edition.preheader}
        if remembered:
            response = self._call("PATCH", f"/emails/{remembered['id']}", json=fields)
        else:
            # "draft" explicitly: the platform's old default status sends the email to everyone.
            response = self._call("POST", "/emails", expect=(201,), json={**fields, "status": "draft"})
        email = answer(response, self.name, ("id",), effect="the draft may have been saved")
        url = f"https://buttondown.com/emails/{email['id']}"
        return Draft(email["id"], url, {"id": email["id"]})

    def audience(self, edition: Edition) -> str:
        return f"every {edition.house.newsletter} subscriber on Buttondown"

    def send(self, draft: Draft, at: datetime | None) -> str:
        if at is None:
            self._call("PATCH", f"/emails/{draft.id}", json={"status": "about_to_send"})
            return "sent"
        when = at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        self._call("PATCH", f"/emails/{draft.id}", json={"status": "scheduled", "publish_date": when})
        return f"scheduled for {when}"


def from_house(edition: Edition, settings: None) -> Buttondown:
    return Buttondown(secret("BUTTONDOWN_API_KEY", NAME), service_url("COMPOSER_BUTTONDOWN_URL"))
