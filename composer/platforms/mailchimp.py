"""Mailchimp: a regular campaign for the house's audience, with the HTML and text as its content."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import Field

from composer.credentials import secret, service_url
from composer.diagnostics import DeliveryError
from composer.model.fields import Model, Text
from composer.platforms.platform import Draft
from composer.send.http import answer, call, client

if TYPE_CHECKING:
    from composer.model.edition import Edition

NAME = "mailchimp"


class MailchimpSettings(Model):
    list_id: Text = Field(description="The id of the Mailchimp audience the campaign goes to.")


SETTINGS = (MailchimpSettings | None, None)


class Mailchimp:
    name = NAME

    def __init__(self, key: str, list_id: str, base_url: str | None = None):
        if "-" not in key:
            raise DeliveryError("mailchimp: MAILCHIMP_API_KEY should end in its data centre, such as -us14")
        self.dc = key.rsplit("-", 1)[1]
        self.list_id = list_id
        # COMPOSER_MAILCHIMP_URL may be given with the API's /3.0 or without it.
        base = (base_url or f"https://{self.dc}.api.mailchimp.com").rstrip("/")
        self.base = base if base.endswith("/3.0") else base + "/3.0"
        self.client = client(auth=("composer", key))

    def close(self) -> None:
        self.client.close()

    def _call(self, method: str, path: str, expect=(200,), **kwargs):
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
            response = self._call("PATCH", f"/campaigns/{remembered['id']}", json={"settings": settings})
        else:
            response = self._call("POST", "/campaigns", json={
                "type": "regular", "recipients": {"list_id": self.list_id}, "settings": settings,
            })
        campaign = answer(response, self.name, ("id", "web_id"), effect="the campaign may have been saved")
        self._call("PUT", f"/campaigns/{campaign['id']}/content", json={"html": html, "plain_text": text})
        url = f"https://{self.dc}.admin.mailchimp.com/campaigns/edit?id={campaign['web_id']}"
        return Draft(campaign["id"], url, {"id": campaign["id"], "web_id": campaign["web_id"]})

    def audience(self, edition: Edition) -> str:
        response = self._call("GET", f"/lists/{self.list_id}", params={"fields": "name"})
        return str(answer(response, self.name, ("name",), effect="nothing was sent")["name"])

    def check_schedule(self, at: datetime) -> None:
        """Before the draft is touched: Mailchimp schedules on the quarter-hour only."""
        if at.minute % 15 or at.second or at.microsecond:
            raise DeliveryError("mailchimp: campaigns can only be scheduled on the quarter-hour (:00, :15, :30, :45)")

    def send(self, draft: Draft, at: datetime | None) -> str:
        if at is None:
            self._call("POST", f"/campaigns/{draft.id}/actions/send", expect=(204,))
            return "sent"
        at = at.astimezone(UTC)
        self.check_schedule(at)
        self._call("POST", f"/campaigns/{draft.id}/actions/schedule", expect=(204,),
                   json={"schedule_time": at.isoformat()})
        return f"scheduled for {at.isoformat()}"


def from_house(edition: Edition, settings: MailchimpSettings | None) -> Mailchimp:
    if not settings:
        raise DeliveryError("mailchimp: add `platform: {mailchimp: {list_id: …}}` to house.yaml (the audience id)")
    return Mailchimp(secret("MAILCHIMP_API_KEY", NAME), settings.list_id, service_url("COMPOSER_MAILCHIMP_URL"))
