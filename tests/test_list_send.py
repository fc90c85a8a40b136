"""`composer broadcast` through a real SMTP server (aiosmtpd): the list, the ledger, resuming after
kill -9, personal unsubscribe links, and the guards."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT, run_cli
from lists import LIST_SECRET, SUBJECT, check_personal_message, list_issue, subscribers, write_list
from mail_servers import ListInbox

from composer.ledger import ledger_path
from composer.send.pace import Pace
from composer.unsubscribe import make_unsubscribe_token, verify_unsubscribe_token


def smtp_delivery(port: int, extra: str = "") -> str:
    return f"delivery:\n  provider: smtp\n{extra}  smtp:\n    host: 127.0.0.1\n    port: {port}\n    security: none\n"


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("COMPOSER_UNSUBSCRIBE_SECRET", LIST_SECRET)


def states(issue: Path) -> dict[str, str]:
    with sqlite3.connect(ledger_path(issue)) as db:
        return dict(db.execute("SELECT key, state FROM readers"))


def publish_subprocess(issue: Path, csv: Path) -> subprocess.Popen:
    env = os.environ | {"COMPOSER_UNSUBSCRIBE_SECRET": LIST_SECRET, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "composer", "broadcast", str(issue), str(csv), "--yes"],
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize("connections", [1, 2])
def test_killed_mid_list_then_rerun_sends_everyone_once(tmp_path: Path, list_server, connections):
    """With one connection, everyone gets exactly one copy: the message in flight was not yet accepted.
    With two, the other connection may have had one accepted but not yet recorded: the duplicate
    window is one message per connection, and no more."""
    readers = subscribers(40)
    gone = {"gone@example.org": "unsubscribed", "bounced@example.org": "bounced"}
    inbox = ListInbox(stall_at=17)
    issue = list_issue(tmp_path, smtp_delivery(list_server(inbox), "  batch_size: 5\n")
                       + f"    connections: {connections}\n")
    csv = write_list(tmp_path / "subscribers.csv", readers, gone)

    first = publish_subprocess(issue, csv)
    assert inbox.stalled.wait(60), first.communicate(timeout=5)
    first.send_signal(signal.SIGKILL)  # while the 17th message is in flight, not yet accepted
    first.wait(10)
    assert first.returncode == -signal.SIGKILL
    after_kill = states(issue)
    recorded = {a for a, state in after_kill.items() if state == "sent"}
    accepted = {a for a in readers if inbox.count(a)}
    # Nothing is recorded that the server did not accept; an accepted message can miss its record only
    # on a connection other than the stalled one.
    assert recorded <= accepted and len(accepted - recorded) <= connections - 1 and len(recorded) >= 16 - connections
    assert all(after_kill[a] == "skipped" for a in gone)

    second = publish_subprocess(issue, csv)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err.decode()
    assert "sent 40 · failed 0 · not yet sent 0 · skipped 2" in out.decode()

    copies = Counter(inbox.count(address) for address in readers)
    assert copies[1] >= len(readers) - (connections - 1) and set(copies) <= {1, 2}
    assert all(inbox.count(address) == 0 for address in gone)
    urls = {check_personal_message(inbox.received[address][0], address) for address in readers}
    assert len(urls) == len(readers)  # each reader their own link


@pytest.mark.parametrize("connections", [1, 2])
def test_ctrl_c_waits_for_the_messages_in_flight_then_stops(tmp_path: Path, list_server, connections):
    readers = subscribers(12)
    inbox = ListInbox(stall_at=5)
    issue = list_issue(tmp_path, smtp_delivery(list_server(inbox)) + f"    connections: {connections}\n")
    csv = write_list(tmp_path / "subscribers.csv", readers)
    running = publish_subprocess(issue, csv)
    assert inbox.stalled.wait(60), running.communicate(timeout=5)
    running.send_signal(signal.SIGINT)
    time.sleep(0.5)
    assert running.poll() is None  # still waiting for the server's answer about the 5th message
    inbox.release.set()
    out, err = running.communicate(timeout=30)
    assert running.returncode == 1, err.decode()
    lines = out.decode().splitlines()
    # Each connection ends the message it has in flight, and every message a server accepted is recorded;
    # the send stops there (the other connection may have gone on while the 5th was held).
    received = sum(inbox.count(a) for a in readers)
    assert 5 <= received < 12 if connections == 2 else received == 5
    assert lines[0] == f"sent {received} · failed 0 · not yet sent {12 - received} · skipped 0"
    assert "interrupted after the batch in flight was recorded" in lines
    assert {a for a, state in states(issue).items() if state == "sent"} == {a for a in readers if inbox.count(a)}


def test_list_reading_duplicates_and_bad_rows_then_dry_run_writes_nothing(tmp_path: Path, list_server):
    inbox = ListInbox()
    issue = list_issue(tmp_path, smtp_delivery(list_server(inbox)))
    csv = write_list(tmp_path / "list.csv", ["ann@example.org", "bob@example.org"],
                     extra="ANN@Example.org,Ann again,subscribed\nnot an address,X,\n,nobody,\n"
                           "carl@example.org,Carl,unsubscribed\n")
    result = run_cli("broadcast", issue, csv, "--dry-run")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith(str(csv))]
    assert warnings[0].startswith(f"{csv}:5:1: 'not an address' is not an e-mail address (")
    assert warnings[0].endswith("the row is left out")
    assert warnings[1] == f"{csv}:6:1: no address in the `email` column; the row is left out"
    assert result.stdout.splitlines() == [
        f"Subject: {SUBJECT}",
        "From: Diplomacy Watch <newsletter@responsiblestatecraft.org>",
        "list: 4 rows, 1 duplicate, 2 bad rows left out",
        "would send to 2 readers through smtp in 1 batch of up to 1,000",
        "already sent 0; skipped 1",
        "dry run: nothing sent, ledger unchanged",
    ]
    assert not ledger_path(issue).exists()
    assert not (tmp_path / "suppressions.sqlite").exists()  # nor an empty suppression list
    assert not inbox.received


def test_a_refused_reader_fails_alone_and_a_rerun_sends_only_to_them(tmp_path: Path, list_server):
    readers = subscribers(6)
    inbox = ListInbox(refuse={readers[2]})
    issue = list_issue(tmp_path, smtp_delivery(list_server(inbox)))
    csv = write_list(tmp_path / "list.csv", readers)
    result = run_cli("broadcast", issue, csv, "--yes")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "sent 5 · failed 1 · not yet sent 0 · skipped 0"
    assert lines[1:3] == ["failed:", f"  {readers[2]}: 550 5.1.1 <{readers[2]}>: mailbox unavailable (1 attempt)"]
    assert lines[-1] == "1 reader still to send; run the same command again to resume"
    assert sorted(inbox.received) == sorted(set(readers) - {readers[2]})
    # Without a terminal, progress is plain lines on stderr.
    progress = result.stderr.splitlines()
    start = progress.index("sending to 6 readers")  # after any warnings of the issue's check
    assert progress[-1].startswith("6/6 answered: 5 sent, 1 failed, ") and start < len(progress) - 1

    status = run_cli("ledger", issue)
    assert status.exit_code == 0
    assert f'issue: "{SUBJECT}"' in status.stdout
    assert "sent 5 · failed 1 · not yet sent 0 · skipped 0" in status.stdout
    assert f"{readers[2]}: 550 5.1.1" in status.stdout

    inbox.refuse.clear()
    again = run_cli("broadcast", issue, csv, "--yes")
    assert again.exit_code == 0, again.stdout + again.stderr
    assert again.stdout.splitlines()[0] == "sent 6 · failed 0 · not yet sent 0 · skipped 0"
    assert {a: inbox.count(a) for a in readers} == {a: 1 for a in readers}
    with sqlite3.connect(ledger_path(issue)) as db:
        assert db.execute("SELECT attempts FROM readers WHERE key = ?", (readers[2],)).fetchone() == (2,)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_readers_who_unsubscribe_between_runs_are_skipped(tmp_path: Path, list_server):
    readers = subscribers(4)
    inbox = ListInbox(refuse=set(readers[2:]))
    issue = list_issue(tmp_path, smtp_delivery(list_server(inbox)))
    csv = write_list(tmp_path / "list.csv", readers)
    assert run_cli("broadcast", issue, csv, "--yes").exit_code == 1
    inbox.refuse.clear()
    write_list(csv, readers[:2], {readers[2]: "unsubscribed"})  # readers[3] left the list entirely
    result = run_cli("broadcast", issue, csv, "--yes")
    assert result.exit_code == 0
    assert "skipped: no longer on the list 1; status: unsubscribed 1" in result.stdout
    assert inbox.count(readers[2]) == inbox.count(readers[3]) == 0


def test_a_changed_issue_is_refused_unless_restart(tmp_path: Path, list_server):
    readers = subscribers(3)
    inbox = ListInbox(refuse={readers[2]})
    issue = list_issue(tmp_path, smtp_delivery(list_server(inbox)))
    csv = write_list(tmp_path / "list.csv", readers)
    assert run_cli("broadcast", issue, csv, "--yes").exit_code == 1
    inbox.refuse.clear()
    issue.write_text(issue.read_text().replace("Xi heads to Moscow", "Xi travels to Moscow"))

    refused = run_cli("broadcast", issue, csv, "--yes")
    assert refused.exit_code == 1
    [line] = refused.stderr.strip().splitlines()[-1:]
    assert line.startswith(f"error: {issue} renders differently since its list send started on ")
    assert "2 readers got the earlier version" in line and "--restart" in line
    assert inbox.count(readers[2]) == 0

    restarted = run_cli("broadcast", issue, csv, "--yes", "--restart")
    assert restarted.exit_code == 0, restarted.stderr
    assert {a: inbox.count(a) for a in readers} == {a: 1 for a in readers}


def test_an_issue_that_fails_check_is_refused_before_the_ledger(tmp_path: Path, list_server):
    inbox = ListInbox()
    issue = list_issue(tmp_path, smtp_delivery(list_server(inbox)))
    # DW404, an error of `composer check`: the headline repeats the newsletter's name.
    issue.write_text(issue.read_text().replace("headline: ", "headline: Diplomacy Watch ", 1))
    result = run_cli("broadcast", issue, write_list(tmp_path / "list.csv", subscribers(2)), "--yes")
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"{issue}:4:11: error DW404 the headline repeats 'Diplomacy Watch', which the "
                                     "house puts before it; remove 'Diplomacy Watch' from the headline")
    assert not ledger_path(issue).exists() and not inbox.received


@pytest.mark.parametrize("setup, expected", [
    ("no secret", "error: set the environment variable COMPOSER_UNSUBSCRIBE_SECRET to a random secret"),
    ("no token", "error: house.yaml: `unsubscribe_url` must be an https:// address with {token}"),
    ("no terminal", "error: broadcast asks for confirmation at a terminal; pass --yes to skip it"),
])
def test_guards(tmp_path: Path, list_server, monkeypatch, setup, expected):
    inbox = ListInbox()
    issue = list_issue(tmp_path, smtp_delivery(list_server(inbox)))
    args = ["broadcast", issue, write_list(tmp_path / "list.csv", subscribers(2))]
    if setup == "no secret":
        monkeypatch.delenv("COMPOSER_UNSUBSCRIBE_SECRET")
    if setup == "no token":
        house = tmp_path / "house.yaml"
        house.write_text(house.read_text().replace("unsubscribe?t={token}", "unsubscribe/"))
    result = run_cli(*args, *([] if setup == "no terminal" else ["--yes"]))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith(expected)
    assert LIST_SECRET not in result.stdout + result.stderr
    assert not inbox.received


def test_a_list_without_an_email_column_is_one_line(tmp_path: Path):
    issue = list_issue(tmp_path)
    (tmp_path / "list.csv").write_text("address,name\nann@example.org,Ann\n")
    result = run_cli("broadcast", issue, tmp_path / "list.csv", "--yes")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"{tmp_path / 'list.csv'}:1:1: the list has no `email` column; the first row must name the columns, "
        "as in: email,name,status")


def test_status_without_a_send(tmp_path: Path):
    result = run_cli("ledger", list_issue(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"error: no list send yet for {tmp_path / '2023-03-17.yaml'} "
                                     "(no 2023-03-17.ledger.sqlite beside it)")


def test_the_outbox_gets_one_message_per_reader(tmp_path: Path):
    readers = subscribers(3)
    issue = list_issue(tmp_path)
    result = run_cli("broadcast", issue, write_list(tmp_path / "list.csv", readers), "--yes")
    assert result.exit_code == 0, result.stderr
    for address in readers:
        check_personal_message((tmp_path / "outbox" / "2023-03-17" / f"{address}.eml").read_bytes(), address)


def test_unsubscribe_tokens_verify_only_with_their_secret():
    token = make_unsubscribe_token("Ann.Lee@example.org", LIST_SECRET)
    assert verify_unsubscribe_token(token, LIST_SECRET) == "Ann.Lee@example.org"
    assert verify_unsubscribe_token(token) == "Ann.Lee@example.org"  # the secret from the environment
    assert verify_unsubscribe_token(token, "another-secret-0123456") is None
    encoded, key_id, day, mac = token.split(".")
    forged = ".".join([make_unsubscribe_token("bob@example.org", LIST_SECRET).split(".")[0], key_id, day, mac])
    assert verify_unsubscribe_token(forged, LIST_SECRET) is None
    for garbage in ("", ".", "not-a-token", encoded, "@@@.###", f"{encoded}.{key_id}.{day}", f"{encoded}.{mac}"):
        assert verify_unsubscribe_token(garbage, LIST_SECRET) is None
    assert LIST_SECRET not in token and "@" not in token


def test_pace_spreads_messages_evenly():
    now, slept = [100.0], []

    def sleep(seconds):
        slept.append(round(seconds, 6))
        now[0] += seconds

    pace = Pace(per_second=None, per_hour=360, clock=lambda: now[0], sleep=sleep)  # one every 10 s
    assert pace.batch_size(500) == 1
    for _ in range(3):
        pace.wait(1)
    assert slept == [10.0, 10.0]
    fast = Pace(per_second=50, per_hour=None, clock=lambda: now[0], sleep=sleep)
    assert fast.batch_size(500) == 500 and fast.batch_size(1000) == 500
    assert not Pace(None, None).limited


def test_a_missing_list_is_one_line_and_no_ledger(tmp_path: Path):
    issue = list_issue(tmp_path)
    result = run_cli("broadcast", issue, tmp_path / "nope.csv", "--yes")
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"{tmp_path / 'nope.csv'}:1:1: no such list; give the path of a CSV file "
                                     "with an `email` column")
    assert not ledger_path(issue).exists()


def test_a_broadcast_needs_a_list(tmp_path: Path):
    result = run_cli("broadcast", list_issue(tmp_path), "--dry-run")
    assert result.exit_code == 2
    assert "Missing argument 'LIST'" in result.stderr
    assert not (tmp_path / "2023-03-17.ledger.sqlite").exists()


def test_a_second_send_of_the_same_issue_is_refused_while_one_runs(tmp_path: Path, list_server):
    readers = subscribers(3)
    inbox = ListInbox(refuse={readers[0]})
    issue = list_issue(tmp_path, smtp_delivery(list_server(inbox)))
    csv = write_list(tmp_path / "list.csv", readers)
    assert run_cli("broadcast", issue, csv, "--yes").exit_code == 1
    inbox.refuse.clear()
    other = subprocess.Popen(["sleep", "60"])  # stands for a send of the same issue in another terminal
    try:
        with sqlite3.connect(ledger_path(issue)) as db:
            db.execute("INSERT OR REPLACE INTO facts (key, value) VALUES ('sending', ?)", (str(other.pid),))
        refused = run_cli("broadcast", issue, csv, "--yes")
        assert refused.exit_code == 1
        assert refused.stderr.strip().splitlines()[-1] == (
            f"error: another send of this issue is running (process {other.pid}); "
            "wait for it, or stop it and run again")
        assert inbox.count(readers[0]) == 0
    finally:
        other.kill()
        other.wait()
    resumed = run_cli("broadcast", issue, csv, "--yes")  # that process is gone: this send takes over
    assert resumed.exit_code == 0, resumed.stderr
    assert {a: inbox.count(a) for a in readers} == {a: 1 for a in readers}
