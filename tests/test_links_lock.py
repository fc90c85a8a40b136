"""The lock file `<issue>.links.json` read back: `check --links --offline` and `--changed`, and the sends
to readers that a dead link on record stops (composer/links/gate.py)."""

from __future__ import annotations

import pytest
from conftest import run_cli
from link_server import STORY, Answer, page
from links import FIRST_ITEM_LINE, URL_COLUMN, check, link_findings, lock_of, placed, write_issue
from lists import LIST_SECRET, list_issue, subscribers, write_list

from composer.diagnostics import DeliveryError
from composer.links.gate import dead_link_refusal, guard_send
from composer.links.lock import lock_path
from composer.loader import load_edition

STORY_URL = "https://www.reuters.com/world/europe/talks-resume-2024-01-10/"
DEAD_URL = "https://apnews.com/article/withdrawn-story"


def test_offline_replays_the_lock_file_without_the_network(server, tmp_path):
    server.route(DEAD_URL, Answer(status=404))
    issue = write_issue(tmp_path, [STORY_URL, DEAD_URL])
    _, fetched = check("--links", issue)
    asked = len(server.requests)
    result, replayed = check("--links", "--offline", issue)
    assert len(server.requests) == asked  # not one request
    assert placed(replayed) == placed(fetched) == [("DW306", FIRST_ITEM_LINE + 1, URL_COLUMN)]
    assert link_findings(replayed)[0]["message"] == link_findings(fetched)[0]["message"]
    assert result.exit_code == 1


def test_offline_reports_the_links_added_since_the_last_check(server, tmp_path):
    issue = write_issue(tmp_path, [STORY_URL])
    check("--links", issue)
    checked = lock_of(issue)["checked"]
    added = "https://www.bbc.com/news/world-europe-2"
    write_issue(tmp_path, [STORY_URL, added])
    _, report = check("--links", "--offline", issue)
    assert placed(report) == [("DW314", FIRST_ITEM_LINE + 1, URL_COLUMN)]
    assert link_findings(report)[0]["message"] == f"the link '{added}' was added after the last link check ({checked})"

    lock_path(issue).unlink()
    _, report = check("--links", "--offline", issue)
    assert placed(report) == [("DW314", 1, 1)]
    assert link_findings(report)[0]["message"] == ("no link check is recorded for this issue "
                                                   "(no 2024-01-12.links.json beside it)")


def test_changed_reports_a_rewritten_story_but_not_a_changed_menu(server, tmp_path):
    server.route(STORY_URL, page("Talks resume", STORY))
    issue = write_issue(tmp_path, [STORY_URL])
    check("--links", issue)
    recorded = lock_path(issue).read_bytes()
    checked = lock_of(issue)["links"][STORY_URL]["checked"]

    new_menu = page("Talks resume", STORY)
    new_menu.body = new_menu.body.replace(b"Most read", b"Trending now").replace(b"Another story", b"A new teaser")
    server.route(STORY_URL, new_menu)
    _, report = check("--links", "--changed", issue)
    assert link_findings(report) == []

    server.route(STORY_URL, page("Talks resume", STORY.replace("no agreement was reached", "a deal was signed")))
    _, report = check("--links", "--changed", issue)
    assert placed(report) == [("DW315", FIRST_ITEM_LINE, URL_COLUMN)]
    assert link_findings(report)[0]["message"] == (f"the page '{STORY_URL}' has changed since the link check of "
                                                   f"{checked}")
    assert lock_path(issue).read_bytes() == recorded  # --changed records nothing

    check("--links", issue)  # read again: the new version is recorded
    _, report = check("--links", "--changed", issue)
    assert link_findings(report) == []


def test_changed_also_reports_links_never_checked(server, tmp_path):
    issue = write_issue(tmp_path, [STORY_URL])
    _, report = check("--links", "--changed", issue)
    assert placed(report) == [("DW314", 1, 1)]


def test_a_damaged_lock_file_is_one_line(tmp_path):
    issue = write_issue(tmp_path, [STORY_URL])
    lock_path(issue).write_text('{"version": 1, "links": []')
    result = run_cli("check", "--links", "--offline", issue)
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {lock_path(issue)}: this is not a link check composer wrote (")
    assert line.endswith("); delete it and run `composer check --links` again")


# -- before a send to readers ----------------------------------------------------------


def test_no_lock_file_no_refusal_and_no_warning(tmp_path):
    issue = write_issue(tmp_path, [STORY_URL])
    warnings: list[str] = []
    assert dead_link_refusal(issue, load_edition(issue)) is None
    guard_send(issue, load_edition(issue), yes=False, warn=warnings.append)
    assert warnings == []


def test_a_dead_link_on_record_refuses_the_send_unless_yes(server, tmp_path):
    server.route(DEAD_URL, Answer(status=410))
    issue = write_issue(tmp_path, [STORY_URL, DEAD_URL])
    check("--links", issue)
    checked = lock_of(issue)["checked"]
    refusal = dead_link_refusal(issue, load_edition(issue))
    assert refusal == (f"the link check of {checked} found 1 dead link or image: {issue}:{FIRST_ITEM_LINE + 1}:"
                       f"{URL_COLUMN}: the link '{DEAD_URL}' is dead: it answers 410 Gone; nothing was sent: fix them "
                       "and run `composer check --links` again, or pass --yes to send anyway")
    with pytest.raises(DeliveryError) as refused:
        guard_send(issue, load_edition(issue), yes=False, warn=print)
    assert str(refused.value) == refusal
    warnings: list[str] = []
    guard_send(issue, load_edition(issue), yes=True, warn=warnings.append)
    assert warnings == [refusal.split("; nothing was sent")[0].join(["warning: ", ""])]


def test_a_dead_link_that_is_gone_from_the_issue_or_silenced_does_not_refuse(server, tmp_path):
    server.route(DEAD_URL, Answer(status=404))
    issue = write_issue(tmp_path, [STORY_URL, DEAD_URL])
    check("--links", issue)
    write_issue(tmp_path, [STORY_URL, DEAD_URL], extra="silence: [DW306]\n")
    assert dead_link_refusal(issue, load_edition(issue)) is None
    write_issue(tmp_path, [STORY_URL])
    assert dead_link_refusal(issue, load_edition(issue)) is None


def test_a_send_warns_of_links_added_since_the_check(server, tmp_path):
    issue = write_issue(tmp_path, [STORY_URL])
    check("--links", issue)
    write_issue(tmp_path, [STORY_URL, "https://www.bbc.com/news/world-europe-2"])
    warnings: list[str] = []
    guard_send(issue, load_edition(issue), yes=False, warn=warnings.append)
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{issue}:{FIRST_ITEM_LINE + 1}:{URL_COLUMN}: warning DW314 the link "
                                  "'https://www.bbc.com/news/world-europe-2' was added after the last link check")


def test_a_list_send_with_a_dead_link_on_record_sends_nothing_without_yes(server, tmp_path, monkeypatch):
    """The hook in commands/broadcast.py: refused before the ledger is opened; --yes sends, with a warning."""
    monkeypatch.setenv("COMPOSER_UNSUBSCRIBE_SECRET", LIST_SECRET)
    issue = list_issue(tmp_path)
    check("--links", issue)  # every link answers
    lock = lock_of(issue)
    dead = "https://www.reuters.com/world/china/xi-moscow-trip-2023-03-13/"
    assert dead in lock["links"]
    lock["links"][dead] = {**lock["links"][dead], "status": 404}
    import json

    lock_path(issue).write_text(json.dumps(lock))
    readers = write_list(tmp_path / "list.csv", subscribers(2))
    result = run_cli("broadcast", issue, readers)
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("error: the link check of ")
    assert f"the link '{dead}' is dead: it answers 404 Not Found; nothing was sent" in result.stderr
    assert not (tmp_path / "outbox").exists() and not issue.with_name("2023-03-17.ledger.sqlite").exists()

    result = run_cli("broadcast", issue, readers, "--yes")
    assert result.exit_code == 0, result.stderr
    assert "warning: the link check of " in result.stderr
    assert len(list((tmp_path / "outbox").rglob("*.eml"))) == 2


def test_publish_send_with_a_dead_link_on_record_is_refused_before_the_platform(server, tmp_path):
    """The hook in commands/publish.py: nothing reaches the platform, and no draft is saved."""
    server.route(DEAD_URL, Answer(status=404))
    issue = write_issue(tmp_path, [STORY_URL, DEAD_URL])
    check("--links", issue)
    result = run_cli("publish", issue, "--send")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: the link check of ")
    assert not issue.with_name("2024-01-12.publish.json").exists()
