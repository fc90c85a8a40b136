"""`composer suppressions pull`: each provider's own suppression list, fetched from a stand-in that checks
the documented requests, into the house's; and the commands that keep the list by hand and by file."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli
from lists import list_issue
from providers import KEY, stand_in
from suppression_lists import MailgunLists, PostmarkDump, SendGridLists, SesSuppressed

from composer.model.house import Suppressions
from composer.suppressions.store import Store


def listed(folder: Path, settings: Suppressions | None = None) -> dict[str, tuple[str, str]]:
    store = Store.open(folder, settings or Suppressions())
    try:
        return {e.address: (e.reason, e.source) for e in store.entries()}
    finally:
        store.close()


def heard(folder: Path) -> str | None:
    store = Store.open(folder, Suppressions())
    try:
        return store.last_heard()
    finally:
        store.close()


def pulled(folder: Path, provider: str) -> str:
    result = run_cli("suppressions", "pull", folder, "--provider", provider)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_postmark_dump(tmp_path, httpserver, monkeypatch):
    stand_in(httpserver, monkeypatch, "POSTMARK_SERVER_TOKEN", "COMPOSER_POSTMARK_URL")
    dump = PostmarkDump([
        {"EmailAddress": "ann@example.org", "SuppressionReason": "HardBounce", "Origin": "Recipient",
         "CreatedAt": "2024-01-12T09:00:00-05:00"},
        {"EmailAddress": "bob@example.org", "SuppressionReason": "SpamComplaint", "Origin": "Recipient",
         "CreatedAt": "2024-01-12T09:01:00-05:00"},
        {"EmailAddress": "carl@example.org", "SuppressionReason": "ManualSuppression", "Origin": "Recipient",
         "CreatedAt": "2024-01-12T09:02:00-05:00"}])
    httpserver.expect_request("/message-streams/broadcast/suppressions/dump").respond_with_handler(dump)
    list_issue(tmp_path)
    assert heard(tmp_path) is None
    assert "3 newly suppressed, 0 already" in pulled(tmp_path, "postmark")
    assert listed(tmp_path) == {"ann@example.org": ("bounced", "pull"), "bob@example.org": ("complained", "pull"),
                                "carl@example.org": ("unsubscribed", "pull")}
    assert heard(tmp_path) is not None
    assert "0 newly suppressed, 3 already" in pulled(tmp_path, "postmark")  # again: nothing twice


def test_sendgrid_lists_page_by_page(tmp_path, httpserver, monkeypatch):
    stand_in(httpserver, monkeypatch, "SENDGRID_API_KEY", "COMPOSER_SENDGRID_URL")
    bounces = [{"created": 1705050000, "email": f"b{i}@example.org", "reason": "550 no such user", "status": "5.1.1"}
               for i in range(501)]
    lists = SendGridLists({"bounces": bounces,
                           "spam_reports": [{"created": 1705050000, "email": "spam@example.org", "ip": "10.0.0.1"}],
                           "unsubscribes": [{"created": 1705050000, "email": "gone@example.org"}]})
    httpserver.expect_request("/v3/suppression/bounces").respond_with_handler(lists)
    httpserver.expect_request("/v3/suppression/spam_reports").respond_with_handler(lists)
    httpserver.expect_request("/v3/suppression/unsubscribes").respond_with_handler(lists)
    list_issue(tmp_path)
    assert "503 newly suppressed" in pulled(tmp_path, "sendgrid")
    found = listed(tmp_path)
    assert found["b500@example.org"] == ("bounced", "pull") and found["spam@example.org"] == ("complained", "pull")
    assert found["gone@example.org"] == ("unsubscribed", "pull")
    assert [(path, args["offset"]) for path, args in lists.requests] == [
        ("/v3/suppression/bounces", "0"), ("/v3/suppression/bounces", "500"), ("/v3/suppression/spam_reports", "0"),
        ("/v3/suppression/unsubscribes", "0")]


def test_mailgun_lists_follow_paging_next(tmp_path, httpserver, monkeypatch):
    stand_in(httpserver, monkeypatch, "MAILGUN_API_KEY", "COMPOSER_MAILGUN_URL")
    lists = MailgunLists(httpserver.url_for("/"), {
        "bounces": [{"address": f"b{i}@example.org", "code": "550", "error": "No such mailbox",
                     "created_at": "Fri, 12 Jan 2024 14:00:00 UTC"} for i in range(3)],
        "complaints": [{"address": "spam@example.org", "created_at": "Fri, 12 Jan 2024 14:00:00 UTC"}],
        "unsubscribes": [{"address": "gone@example.org", "tags": ["*"], "created_at": "Fri, 12 Jan 2024 14:00:00 UTC"}]})
    for name in ("bounces", "complaints", "unsubscribes"):
        httpserver.expect_request(f"/v3/responsiblestatecraft.org/{name}").respond_with_handler(lists)
    list_issue(tmp_path)
    assert "5 newly suppressed" in pulled(tmp_path, "mailgun")
    found = listed(tmp_path)
    assert found["b2@example.org"] == ("bounced", "pull") and found["spam@example.org"][0] == "complained"
    store = Store.open(tmp_path, Suppressions())
    assert store.entry("b0@example.org").at == "2024-01-12T14:00:00Z"
    store.close()
    assert [path.rsplit("/", 1)[1] for path, _ in lists.requests] == [
        "bounces", "bounces", "bounces", "complaints", "complaints", "unsubscribes", "unsubscribes"]


def test_ses_list_suppressed_destinations(tmp_path, httpserver, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SESV2", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", KEY)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    ses = SesSuppressed([[{"EmailAddress": "ann@example.org", "Reason": "BOUNCE", "LastUpdateTime": 1705050000}],
                         [{"EmailAddress": "bob@example.org", "Reason": "COMPLAINT", "LastUpdateTime": 1705050001}]])
    httpserver.expect_request("/v2/email/suppression/addresses").respond_with_handler(ses)
    list_issue(tmp_path)
    assert "2 newly suppressed" in pulled(tmp_path, "ses")
    assert listed(tmp_path) == {"ann@example.org": ("bounced", "pull"), "bob@example.org": ("complained", "pull")}
    assert [args.get("NextToken") for _, args in ses.requests] == [None, "1"]


def test_a_provider_without_a_list_and_a_refusal(tmp_path, httpserver, monkeypatch):
    list_issue(tmp_path)
    result = run_cli("suppressions", "pull", tmp_path, "--provider", "smtp")
    assert result.exit_code == 1 and "smtp keeps no suppression list to pull" in result.stderr
    stand_in(httpserver, monkeypatch, "POSTMARK_SERVER_TOKEN", "COMPOSER_POSTMARK_URL")
    httpserver.expect_request("/message-streams/broadcast/suppressions/dump").respond_with_json(
        {"ErrorCode": 10, "Message": f"Bad or missing Server API token {KEY}"}, status=401)
    refused = run_cli("suppressions", "pull", tmp_path, "--provider", "postmark")
    assert refused.exit_code == 1 and "401" in refused.stderr and KEY not in refused.stderr + refused.stdout
    assert heard(tmp_path) is None and listed(tmp_path) == {}


def test_add_remove_import_export(tmp_path, store_house):
    # On SQLite and on a real PostgreSQL server alike: the counts are of rows really added.
    list_issue(tmp_path, store_house)
    settings = Suppressions(url=store_house.split("url: ", 1)[1].strip()) if store_house else Suppressions()
    listed_now = lambda: listed(tmp_path, settings)  # noqa: E731
    added = run_cli("suppressions", "add", tmp_path, "Ann@Example.org", "bob@bücher.de", "--issue", "2023-03-17")
    assert added.exit_code == 0 and "suppressed 2 new" in added.stdout
    again = run_cli("suppressions", "add", tmp_path, "ann@example.ORG")
    assert "suppressed 0 new, 1 already" in again.stdout
    bad = run_cli("suppressions", "add", tmp_path, "not-an-address", "carl@example.org")
    assert bad.exit_code == 1 and "not an e-mail address" in bad.stderr
    assert set(listed_now()) == {"Ann@example.org", "bob@xn--bcher-kva.de"}  # nothing of the bad command

    source = tmp_path / "old-platform.csv"
    source.write_text("Email,Reason,At\ndee@example.org,unsubscribed,2023-12-01T10:00:00Z\n"
                      "ann@example.org,bounced,\nnobody,manual,\neve@example.org,angry,\nfay@example.org,,\n")
    imported = run_cli("suppressions", "import", tmp_path, source)
    assert imported.exit_code == 0, imported.stderr
    assert "imported 2 new, 1 already" in imported.stdout
    assert f"{source}:4:1: 'nobody' is not an e-mail address" in imported.stderr
    assert f"{source}:5:1: unknown reason 'angry'" in imported.stderr
    assert listed_now()["dee@example.org"] == ("unsubscribed", "import")
    assert listed_now()["fay@example.org"] == ("manual", "import")

    out = tmp_path / "export.csv"
    assert run_cli("suppressions", "export", tmp_path, "-o", out).exit_code == 0
    rows = out.read_text().splitlines()
    assert rows[0] == "address,reason,source,at,issue,detail" and len(rows) == 5
    assert "dee@example.org,unsubscribed,import,2023-12-01T10:00:00Z,," in rows
    assert run_cli("suppressions", "export", tmp_path).stdout.splitlines() == rows

    removed = run_cli("suppressions", "remove", tmp_path, "ANN@example.org", "zed@example.org")
    assert "removed 1 from the list" in removed.stdout and "(1 were not on it)" in removed.stdout
    assert "Ann@example.org" not in listed_now()


@pytest.mark.parametrize("value", ["postgresql://composer:hunter2hunter@db/x", "mysql://db/x"])
def test_a_store_address_with_a_password_or_another_database_is_refused(tmp_path, value):
    issue = list_issue(tmp_path, f"suppressions:\n  url: {value}\n")
    result = run_cli("suppressions", "list", issue.parent)
    assert result.exit_code == 2 and "house.yaml:" in result.stderr and "suppressions.url" in result.stderr
    assert "hunter2hunter" not in result.stderr
