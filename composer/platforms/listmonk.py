"""listmonk (HTTP API, v3 and later): a regular campaign for the house's lists, HTML body and text altbody."""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, PositiveInt

from composer.credentials import secret, secure_address
from composer.diagnostics import DeliveryError
from composer.model.fields import Model, WebLink
from composer.platforms.platform import Draft
from composer.send.http import answer, call, client

if TYPE_CHECKING:
    from composer.model.edition import Edition

NAME = "listmonk"


class ListmonkSettings(Model):
    url: WebLink = Field(description="The listmonk instance's address.")
    list_ids: Annotated[list[PositiveInt], Field(min_length=1, description="The ids of the campaign's lists.")]
    # listmonk wraps a campaign's body in a template; composer's HTML is already a whole email, so a house
    # names a template whose body is only {{ template "content" . }}. Without one, listmonk's default applies.
    template_id: PositiveInt | None = Field(
        default=None, description="A listmonk template that passes the HTML through unchanged.")


SETTINGS = (ListmonkSettings | None, None)


class Listmonk:
    name = NAME

    def __init__(self, user: str, token: str, settings: ListmonkSettings):
        self.settings = settings
        self.site = secure_address(settings.url, NAME, "platform.listmonk.url")
        self.base = self.site + "/api"
        self.client = client(auth=(user, token))
        self.fields: dict = {}  # the campaign as last saved: the test and schedule calls repeat it

    def close(self) -> None:
        self.client.close()

    def _call(self, method: str, path: str, **kwargs):
        response = call(self.client, self.name, method, self.base + path,
                        explain=lambda error: str(error["message"]), **kwargs)
        return answer(response, self.name, ("data",), effect=f"the {method} {path} may have taken effect")["data"]

    def save(self, edition: Edition, html: str, text: str, remembered: dict | None) -> Draft:
        sender = edition.house.sender
        self.fields = {
            "name": f"{edition.house.newsletter} {edition.issue.date.isoformat()}",
            "subject": edition.subject,
            "lists": self.settings.list_ids,
            "from_email": str(Address(display_name=sender.name, addr_spec=sender.address)),  # quoted if need be
            "type": "regular",
            "content_type": "html",
            "messenger": "email",
            "body": html,
            "altbody": text,
        }
        if self.settings.template_id:
            self.fields["template_id"] = self.settings.template_id
        if remembered:
            # An update without send_at also returns a scheduled campaign to draft: the editor reschedules.
            campaign = self._call("PUT", f"/campaigns/{remembered['id']}", json=self.fields)
        else:
            campaign = self._call("POST", "/campaigns", json=self.fields)
        return Draft(campaign["id"], f"{self.site}/admin/campaigns/{campaign['id']}", {"id": campaign["id"]})

    def audience(self, edition: Edition) -> str:
        lists = [self._call("GET", f"/lists/{list_id}") for list_id in self.settings.list_ids]
        described = [f"{item['name']} ({item['subscriber_count']:,} subscribers)" if "subscriber_count" in item
                     else str(item["name"]) for item in lists]
        return "the listmonk list" + ("s " if len(described) > 1 else " ") + ", ".join(described)

    def send(self, draft: Draft, at: datetime | None) -> str:
        if at is None:
            self._call("PUT", f"/campaigns/{draft.id}/status", json={"status": "running"})
            return "sent"
        when = at.astimezone(UTC).isoformat()
        # listmonk schedules only a campaign that already carries its send_at.
        self._call("PUT", f"/campaigns/{draft.id}", json={**self.fields, "send_at": when})
        self._call("PUT", f"/campaigns/{draft.id}/status", json={"status": "scheduled"})
        return f"scheduled for {when}"

    def test(self, draft: Draft, recipients: list[str]) -> str:
        if not self.fields:
            raise DeliveryError("listmonk: save the campaign before sending a test of it")
        self._call("POST", f"/campaigns/{draft.id}/test", json={**self.fields, "subscribers": recipients})
        return f"test of campaign {draft.id} sent to {', '.join(recipients)}"


def from_house(edition: Edition, settings: ListmonkSettings | None) -> Listmonk:
    if not settings:
        raise DeliveryError("listmonk: add `platform: {listmonk: {url: https://…, list_ids: [1]}}` to house.yaml")
    return Listmonk(secret("LISTMONK_API_USER", NAME), secret("LISTMONK_API_TOKEN", NAME), settings)
