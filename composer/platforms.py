"""Handing an issue to the newsletter platform that owns the subscriber list.

`publish` creates a draft (or updates the one it made before) and prints where
to find it; with `--send` it sends or schedules that draft. The platform's id
for the draft is kept in a small state file beside the issue, so publishing
the same issue twice never makes a second draft.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from composer.http_api import client
from composer.model import Edition
from composer.output import write_all
from composer.problems import DeliveryError

@dataclass
class Draft:
    id: str
    url: str
    state: dict  # what to remember for the next publish


class Platform(Protocol):
    name: str

    def save(self, edition: Edition, html: str, text: str, remembered: dict | None) -> Draft: ...
    def audience(self, edition: Edition) -> str: ...
    def send(self, draft: Draft, at: datetime | None) -> str: ...


class Mailchimp:
    name = "mailchimp"

    def __init__(self, key: str, list_id: str, base_url: str | None = None):
        if "-" not in key:
            raise DeliveryError("mailchimp: MAILCHIMP_API_KEY should end in its data centre, such as -us14")
        self.dc = key.rsplit("-", 1)[1]
        self.list_id = list_id
        self.base = (base_url or f"https://{self.dc}.api.mailchimp.com").rstrip("/") + "/3.0"
        self.client = client(auth=("composer", key))

    def _call(self, method: str, path: str, expect=(200,), **kwargs):
        from composer.http_api import call

        return call(self.client, self.name, method, self.base + path, expect=expect,
                    explain=lambda e: f"{e['title']}: {e['detail']}", **kwargs)

    def save(self, edition: Edition, html: str, text: str, remembered: dict | None) -> Draft:
        sender = edition.house.sender
        settings = {
            "subject_line": edition.subject,
            "preview_text": edition.preheader,
            "title": f"{edition.house.newsletter} {edition.issue.date.isoformat()}",
            "from_name": sender.name,
            "reply_to": sender.reply_to or sender.address,
        }
        if remembered:
            campaign = self._call("PATCH", f"/campaigns/{remembered['id']}", json={"settings": settings}).json()
        else:
            campaign = self._call("POST", "/campaigns", json={
                "type": "regular", "recipients": {"list_id": self.list_id}, "settings": settings,
            }).json()
        self._call("PUT", f"/campaigns/{campaign['id']}/content", json={"html": html, "plain_text": text})
        url = f"https://{self.dc}.admin.mailchimp.com/campaigns/edit?id={campaign['web_id']}"
        return Draft(campaign["id"], url, {"id": campaign["id"], "web_id": campaign["web_id"]})

    def audience(self, edition: Edition) -> str:
        return self._call("GET", f"/lists/{self.list_id}", params={"fields": "name"}).json()["name"]

    def send(self, draft: Draft, at: datetime | None) -> str:
        if at is None:
            self._call("POST", f"/campaigns/{draft.id}/actions/send", expect=(204,))
            return "sent"
        at = at.astimezone(timezone.utc)
        if at.minute % 15 or at.second:
            raise DeliveryError("mailchimp: campaigns can only be scheduled on the quarter-hour (:00, :15, :30, :45)")
        self._call("POST", f"/campaigns/{draft.id}/actions/schedule", expect=(204,),
                   json={"schedule_time": at.isoformat()})
        return f"scheduled for {at.isoformat()}"


class Buttondown:
    name = "buttondown"
    # Pinned: before this version, an email created without a status is sent at once.
    api_version = "2026-04-01"

    def __init__(self, key: str, base_url: str | None = None):
        self.base = (base_url or "https://api.buttondown.com").rstrip("/") + "/v1"
        self.client = client(headers={"Authorization": f"Token {key}", "X-API-Version": self.api_version})

    def _call(self, method: str, path: str, expect=(200,), **kwargs):
        from composer.http_api import call

        def explain(error: dict) -> str:
            detail = error["detail"]
            if isinstance(detail, list):
                detail = "; ".join(f"{'.'.join(map(str, d.get('loc', [])))}: {d.get('msg', d.get('type'))}" for d in detail)
            return f"{detail} ({error['code']})" if error.get("code") else str(detail)

        return call(self.client, self.name, method, self.base + path, expect=expect, explain=explain, **kwargs)

    def save(self, edition: Edition, html: str, text: str, remembered: dict | None) -> Draft:
        fields = {"subject": edition.subject, "body": html, "description": edition.preheader}
        if remembered:
            email = self._call("PATCH", f"/emails/{remembered['id']}", json=fields).json()
        else:
            # "draft" explicitly: the platform's old default status sends the email to everyone.
            email = self._call("POST", "/emails", expect=(201,), json={**fields, "status": "draft"}).json()
        url = f"https://buttondown.com/emails/{email['id']}"
        return Draft(email["id"], url, {"id": email["id"]})

    def audience(self, edition: Edition) -> str:
        return f"every {edition.house.newsletter} subscriber on Buttondown"

    def send(self, draft: Draft, at: datetime | None) -> str:
        if at is None:
            self._call("PATCH", f"/emails/{draft.id}", json={"status": "about_to_send"})
            return "sent"
        when = at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
        self._call("PATCH", f"/emails/{draft.id}", json={"status": "scheduled", "publish_date": when})
        return f"scheduled for {when}"


def platform_for(edition: Edition, name: str | None) -> Platform:
    from composer.delivery import secret

    settings = edition.house.platform
    name = name or settings.provider
    if name == "mailchimp":
        if not settings.mailchimp:
            raise DeliveryError("mailchimp: add `platform: {mailchimp: {list_id: …}}` to house.yaml (the audience id)")
        return Mailchimp(secret("MAILCHIMP_API_KEY", name), settings.mailchimp.list_id,
                         os.environ.get("COMPOSER_MAILCHIMP_URL"))
    if name == "buttondown":
        return Buttondown(secret("BUTTONDOWN_API_KEY", name), os.environ.get("COMPOSER_BUTTONDOWN_URL"))
    if name is None:
        raise DeliveryError("no platform configured; set `platform: {provider: mailchimp}` in house.yaml or pass --platform")
    raise DeliveryError(f"unknown platform '{name}'; choose mailchimp or buttondown")


class PublishState:
    """The platforms' ids for an issue's drafts, in `<issue>.publish.json` beside it."""

    def __init__(self, issue: Path):
        self.path = issue.with_name(f"{issue.stem}.publish.json")
        self.data = self._read()

    def _damaged(self) -> DeliveryError:
        return DeliveryError(f"{self.path} is damaged; delete it to publish a new draft")

    def _read(self) -> dict:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            raise self._damaged() from None
        if not isinstance(data, dict):
            raise self._damaged()
        return data

    def draft(self, platform: str) -> dict | None:
        entry = self.data.get(platform)
        if entry is not None and not (isinstance(entry, dict) and isinstance(entry.get("id"), (str, int))):
            raise self._damaged()
        return entry

    def check_writable(self) -> None:
        """Before creating anything at the platform: a draft whose id cannot be kept would be orphaned."""
        if not os.access(self.path.parent, os.W_OK) or (self.path.exists() and not os.access(self.path, os.W_OK)):
            raise DeliveryError(f"cannot write {self.path}, where the draft's id is kept; check the folder's permissions")

    def remember(self, platform: str, draft: Draft) -> None:
        from composer.problems import ComposerError

        self.data[platform] = draft.state
        try:
            write_all({self.path: (json.dumps(self.data, indent=2) + "\n").encode()})
        except ComposerError:
            raise DeliveryError(f"{platform}: draft {draft.id} saved, but {self.path} could not be written; "
                                "note the id before publishing again") from None
