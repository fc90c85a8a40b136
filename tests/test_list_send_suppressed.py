"""The list send honours the suppression list: nobody on it is mailed whatever the CSV says, counted by
reason; stale feedback stops the send unless --yes; a house without its own unsubscribe link or postal
address cannot send to a list; and `composer new` keeps readers' addresses out of git."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli
from lists import LIST_SECRET, list_issue, subscribers, write_list
from sqlalchemy import update

from composer.commands import broadcast
from composer.model.house import Suppressions
from composer.progress import PlainProgress
from composer.suppressions.store import Entry, Store, feedback, now

OUTBOX = "outbox/2023-03-17"


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("COMPOSER_UNSUBSCRIBE_SECRET", LIST_SECRET)


def suppress(folder: Path, *entries: tuple[str, str]) -> None:
    store = Store.open(folder, Suppressions())
    store.add(Entry(address, reason, "manual", now()) for address, reason in entries)
    store.close()


def feedback_at(folder: Path, stamp: str | None) -> None:
    store = Store.open(folder, Suppressions())
    store.heard("webhook:postmark")
    if stamp:
        with store.engine.begin() as db:
            db.execute(update(feedback).values(at=stamp))
    store.close()


def mailed(folder: Path) -> set[str]:
    return {path.stem for path in (folder / OUTBOX).glob("*.eml")}


def test_suppressed_readers_are_never_mailed_whatever_the_list_says(tmp_path):
    issue = list_issue(tmp_path)
    readers = subscribers(8)
    csv = write_list(tmp_path / "list.csv", readers, {"READER00003@example.org": "subscribed"})
    suppress(tmp_path, (readers[1], "unsubscribed"), ("Reader00003@EXAMPLE.org", "bounced"),
             (readers[5], "complained"))
    dry = run_cli("broadcast", issue, csv, "--dry-run")
    assert "would send to 5 readers" in dry.stdout and "skipped 3" in dry.stdout
    sent = run_cli("broadcast", issue, csv, "--yes")
    assert sent.exit_code == 0, sent.stderr
    assert mailed(tmp_path) == {a for a in readers if a not in (readers[1], readers[3], readers[5])}
    assert "skipped: suppressed: bounced 1; suppressed: complained 1; suppressed: unsubscribed 1" in sent.stdout
    assert "suppressed: bounced 1" in run_cli("ledger", issue).stdout


def test_a_reader_suppressed_during_the_send_is_not_mailed(tmp_path):
    issue = list_issue(tmp_path, "delivery:\n  batch_size: 2\n")
    readers = subscribers(6)
    csv = write_list(tmp_path / "list.csv", readers)
    mailing = broadcast.prepare(issue, csv, dry_run=False, restart=False, warn=lambda line: None, yes=True)
    try:
        suppress(tmp_path, (readers[4], "unsubscribed"))  # after the list was read, before its batch went
        mailing.run(PlainProgress(lambda line: None))
    finally:
        mailing.close()
    assert mailed(tmp_path) == set(readers) - {readers[4]}


def test_stale_feedback_stops_the_send_unless_yes(tmp_path):
    issue = list_issue(tmp_path)
    csv = write_list(tmp_path / "list.csv", subscribers(2))
    feedback_at(tmp_path, "2024-01-01T00:00:00Z")
    stopped = run_cli("broadcast", issue, csv)
    assert stopped.exit_code == 1 and "more than suppressions.feedback_hours (48)" in stopped.stderr
    assert "pass --yes to send anyway" in stopped.stderr and not (tmp_path / OUTBOX).exists()
    dry = run_cli("broadcast", issue, csv, "--dry-run")
    assert dry.exit_code == 0 and "warning: the last webhook or pull" in dry.stderr
    sent = run_cli("broadcast", issue, csv, "--yes")
    assert sent.exit_code == 0 and "warning: the last webhook or pull" in sent.stderr
    assert len(mailed(tmp_path)) == 2


def test_fresh_feedback_or_none_expected_sends(tmp_path):
    issue = list_issue(tmp_path)
    csv = write_list(tmp_path / "list.csv", subscribers(2))
    feedback_at(tmp_path, None)  # just now
    assert "warning: the last webhook" not in run_cli("broadcast", issue, csv, "--dry-run").stderr


def test_a_house_that_expects_feedback_and_never_had_any_stops(tmp_path):
    issue = list_issue(tmp_path, "suppressions:\n  expect_feedback: true\n  feedback_hours: 12\n")
    csv = write_list(tmp_path / "list.csv", subscribers(2))
    stopped = run_cli("broadcast", issue, csv)
    assert stopped.exit_code == 1 and "no bounce or complaint feedback has ever reached" in stopped.stderr


@pytest.mark.parametrize("key", ["postal_address", "unsubscribe_url"])
def test_a_list_send_needs_the_houses_own_postal_address_and_unsubscribe_link(tmp_path, key):
    issue = list_issue(tmp_path)
    house = tmp_path / "house.yaml"
    house.write_text("\n".join(line for line in house.read_text().splitlines() if not line.startswith(f"{key}:")))
    csv = write_list(tmp_path / "list.csv", subscribers(2))
    result = run_cli("broadcast", issue, csv, "--yes")
    assert result.exit_code == 2
    assert f"{house}:1:1: error DW506 {key} not set in house.yaml" in result.stderr
    assert not (tmp_path / OUTBOX).exists() and not (tmp_path / "2023-03-17.ledger.sqlite").exists()
    assert run_cli("build", issue, "-o", tmp_path / "out").exit_code == 0  # for a build it is still a warning


def test_composer_new_writes_a_gitignore_once(tmp_path):
    result = run_cli("new", tmp_path, "--date", "2024-01-12")
    assert result.exit_code == 0 and f"wrote {tmp_path / '.gitignore'}" in result.stdout
    ignored = (tmp_path / ".gitignore").read_text().splitlines()
    for pattern in ("*.ledger.sqlite", "suppressions.sqlite", "outbox/", "*.publish.json"):
        assert pattern in ignored
    (tmp_path / ".gitignore").write_text("my own\n")
    assert run_cli("new", tmp_path, "--date", "2024-01-19").exit_code == 0
    assert (tmp_path / ".gitignore").read_text() == "my own\n"
