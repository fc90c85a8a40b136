"""From the click to the next send: a list sent over a real SMTP server (aiosmtpd), one reader's one-click
link POSTed to the running endpoint (`composer suppressions serve`), and the next issue sent to everyone else
once and to that reader never; with the list in SQLite and in a real PostgreSQL server."""

from __future__ import annotations

import email
import email.policy
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import EXAMPLES, run_cli, soup
from endpoint import command
from lists import LIST_SECRET, check_personal_message, list_issue, subscribers, write_list
from mail_servers import ListInbox, start_list_server

NEXT_ISSUE = "2023-06-09.yaml"


@pytest.fixture
def inbox():
    inbox = ListInbox()
    controller, port = start_list_server(inbox)
    inbox.port = port  # type: ignore[attr-defined]
    yield inbox
    controller.stop()


def smtp_delivery(port: int) -> str:
    return f"delivery:\n  provider: smtp\n  smtp:\n    host: 127.0.0.1\n    port: {port}\n    security: none\n"


def subjects(inbox: ListInbox, address: str) -> list[str]:
    return [email.message_from_bytes(raw, policy=email.policy.default)["Subject"]
            for raw in inbox.received.get(address.lower(), [])]


def test_one_click_then_the_next_issue_skips_that_reader_only(tmp_path: Path, inbox, store_house, monkeypatch):
    monkeypatch.setenv("COMPOSER_UNSUBSCRIBE_SECRET", LIST_SECRET)
    first = list_issue(tmp_path, smtp_delivery(inbox.port) + store_house)
    readers = subscribers(6)
    csv = write_list(tmp_path / "subscribers.csv", readers)
    sent = run_cli("broadcast", first, csv, "--yes")
    assert sent.exit_code == 0, sent.stderr
    first_subject = subjects(inbox, readers[0])[0]
    assert all(subjects(inbox, a) == [first_subject] for a in readers)

    leaving = readers[2]
    url = check_personal_message(inbox.received[leaving][0], leaving)
    path = urlsplit(url).path + "?" + urlsplit(url).query
    env = {"COMPOSER_UNSUBSCRIBE_SECRET": LIST_SECRET,
           **{k: v for k, v in os.environ.items() if k == "COMPOSER_SUPPRESSIONS_PASSWORD"}}
    with command(tmp_path, env) as (client, _):
        # A mail scanner following the link: a page with one button, and nobody unsubscribed.
        looked = client.get(path)
        assert looked.status_code == 200 and "set-cookie" not in looked.headers
        page = soup(looked.text)
        [form] = page.find_all("form")
        assert form["method"] == "post" and not form.get("action")
        assert [(i["name"], i["value"]) for i in form.find_all("input")] == [("List-Unsubscribe", "One-Click")]
        assert len(form.find_all("button")) == 1
        assert leaving not in looked.text and "reade•••@exa•••.org" in page.get_text()
        assert leaving not in run_cli("suppressions", "list", tmp_path).stdout

        # The mail client's one-click POST (RFC 8058): 200, no cookie, no redirect; again, the same.
        for _ in range(2):
            clicked = client.post(path, data={"List-Unsubscribe": "One-Click"})
            assert clicked.status_code == 200, clicked.text
            assert "set-cookie" not in clicked.headers and "location" not in clicked.headers
    listed = run_cli("suppressions", "list", tmp_path).stdout.splitlines()
    assert [line.split()[:3] for line in listed if "@" in line] == [[leaving, "unsubscribed", "one-click"]]

    shutil.copy(EXAMPLES / NEXT_ISSUE, tmp_path / NEXT_ISSUE)
    second = run_cli("broadcast", tmp_path / NEXT_ISSUE, csv, "--yes")
    assert second.exit_code == 0, second.stderr
    assert "sent 5 · failed 0 · not yet sent 0 · skipped 1" in second.stdout
    assert "skipped: suppressed: unsubscribed 1" in second.stdout
    assert subjects(inbox, leaving) == [first_subject]
    for address in readers:
        if address != leaving:
            assert len(subjects(inbox, address)) == 2 and subjects(inbox, address)[0] == first_subject
    assert "skipped: suppressed: unsubscribed 1" in run_cli("ledger", tmp_path / NEXT_ISSUE).stdout
