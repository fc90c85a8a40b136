"""The fast paths give what the slow ones give: a reader's copy made from the letter's written message
(send/template.py) is the `email` package's own message for that reader, byte for byte."""

from __future__ import annotations

import email
import email.header
import email.policy
import re

import pytest
from lists import LIST_SECRET, list_issue

from composer.pipeline import render
from composer.send.letter import POLICY, Letter, Recipient
from composer.unsubscribe import make_unsubscribe_token

NAMES = [
    "", "Ann", "Ann Lee", "Jörg Müller-Lüdenscheidt", "O'Brien, Pat", '"Quoted" Name', "Ελένη Παπαδοπούλου",
    "李小龍", "A" * 60, "Anne-Marie de la Fontaine-Dubois et Compagnie des Lecteurs Fidèles", "x" * 150,
    "Two  Spaces", " Leading", "Trailing ", "Dr. Who", "ann@example.org", "(comment)", "José", "UPPER lower 123",
]
DOMAINS = ["example.org", "xn--bcher-kva.example", "sub.Example.ORG", "a-b.example"]
LOCALS = ["reader", "first.last", "plus+tag", "under_score", "x" * 40, "Mixed.Case"]


@pytest.fixture(scope="module")
def letter(tmp_path_factory) -> Letter:
    rendered = render(list_issue(tmp_path_factory.mktemp("letter")))
    return Letter(rendered.edition, rendered.html, rendered.text, version="v1")


def as_the_email_package_writes_it(letter: Letter, reader: Recipient) -> bytes:
    return letter.for_reader(reader).as_bytes(policy=POLICY)


def same_but_for_the_boundary_and_date(one: bytes, other: bytes) -> tuple[bytes, bytes]:
    """The MIME boundary is random per message, and a second may pass between the two Dates."""
    def normal(data: bytes) -> bytes:
        boundary = re.search(rb'boundary="([^"]+)"', data).group(1)
        return re.sub(rb"\r\nDate: [^\r]+", b"\r\nDate: -", data.replace(boundary, b"BOUNDARY"))

    return normal(one), normal(other)


def readers() -> list[Recipient]:
    found = []
    for i in range(300):
        address = f"{LOCALS[i % len(LOCALS)]}{i}@{DOMAINS[i % len(DOMAINS)]}"
        found.append(Recipient(address, NAMES[i % len(NAMES)], make_unsubscribe_token(address, LIST_SECRET)))
    return found


def test_every_copy_is_the_email_packages_message_byte_for_byte(letter: Letter):
    for reader in readers():
        fast, message_id = letter.copy(reader)
        slow = as_the_email_package_writes_it(letter, reader)
        assert same_but_for_the_boundary_and_date(fast, slow)[0] == same_but_for_the_boundary_and_date(fast, slow)[1]
        parsed = email.message_from_bytes(fast, policy=email.policy.default)
        assert parsed["Message-ID"] == message_id
        assert parsed["To"].addresses[0].addr_spec == reader.address
        # RFC 2047: the whitespace between two encoded words is no part of the text (Python's own reader
        # keeps it, so the name is decoded as a client does).
        raw_to = email.message_from_bytes(fast, policy=email.policy.compat32)["To"]
        decoded = str(email.header.make_header(email.header.decode_header(raw_to)))
        shown = " ".join(decoded.replace('"', "").replace("\\", "").split())
        assert " ".join(reader.name.replace('"', "").split()) in shown


def test_a_reviewers_copy_keeps_the_placeholder_as_the_email_package_does(letter: Letter):
    reviewer = Recipient("ed@example.org", "Ed")
    fast, _ = letter.copy(reviewer)
    assert b"{token}" in fast
    one, other = same_but_for_the_boundary_and_date(fast, as_the_email_package_writes_it(letter, reviewer))
    assert one == other


def test_the_copies_differ_only_where_readers_do(letter: Letter):
    first, second = readers()[:2]
    one, other = letter.copy(first)[0], letter.copy(second)[0]
    assert one != other
    assert first.token.encode() in one and second.token.encode() not in one


# -- folder builds on every core -----------------------------------------------------------------------

def archive(folder, count: int = 12):
    """`count` issues, a week apart, from the examples; one of them broken."""
    import datetime

    from conftest import EXAMPLES

    folder.mkdir()
    sources = sorted(p for p in EXAMPLES.glob("*.yaml") if p.name != "house.yaml")
    (folder / "house.yaml").write_text((EXAMPLES / "house.yaml").read_text())
    day = datetime.date(2022, 1, 7)
    for n in range(count):
        text = re.sub(r"^date: .*$", f"date: {day.isoformat()}", sources[n % len(sources)].read_text(), count=1,
                      flags=re.M)
        if n == 5:
            text = text.replace("headline:", "haedline:", 1)
        (folder / f"{day.isoformat()}.yaml").write_text(text)
        day += datetime.timedelta(days=7)
    return folder


def run_composer(*args, jobs: int):
    import os
    import subprocess
    import sys

    from conftest import ROOT

    env = {**os.environ, "COMPOSER_JOBS": str(jobs), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "composer", *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("command", ["build", "check"])
def test_a_folder_gives_the_same_files_and_messages_on_one_core_or_two(tmp_path, command):
    folder = archive(tmp_path / "issues")
    results = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        args = [command, folder] + (["-o", out] if command == "build" else [])
        results[jobs] = run_composer(*args, jobs=jobs)
    one, two = results[1], results[2]
    assert one.returncode == two.returncode == (2 if command == "build" else 1)
    assert one.stderr.replace("out1", "out2") == two.stderr and one.stdout.replace("out1", "out2") == two.stdout
    assert "unknown key `haedline`" in one.stderr + one.stdout
    if command == "build":
        files = {p.relative_to(tmp_path / "out1") for p in (tmp_path / "out1").iterdir()}
        assert len(files) == 22 and files == {p.relative_to(tmp_path / "out2") for p in (tmp_path / "out2").iterdir()}
        for name in files:
            assert (tmp_path / "out1" / name).read_bytes() == (tmp_path / "out2" / name).read_bytes()


def test_the_work_is_shared_among_processes_when_there_are_cores_for_it():
    """The mechanism the folder builds use: results in order, from more than one process."""
    import subprocess
    import sys

    from conftest import ROOT

    probe = ("import os; from composer.parallel import in_order; "
             "print(in_order(os.getpid, [()] * 0) == [], in_order(abs, list(range(-20, 0))) == list(range(20, 0, -1)), "
             "len(set(in_order(_pid, list(range(40))))) > 1)")
    script = "import os\ndef _pid(_):\n    import time; time.sleep(0.01); return os.getpid()\n" + probe
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={"COMPOSER_JOBS": "2", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert done.stdout.split() == ["True", "True", "True"], done.stderr


def test_a_copy_for_smtp_is_dot_stuffed_as_smtplib_would_stuff_it(letter: Letter):
    """SMTP's DATA ends at a line holding only "."; smtplib doubles every leading dot itself. composer
    sends the copy stuffed already, the parts every copy shares stuffed once: the bytes must be smtplib's."""
    import smtplib

    dotted = Letter(letter.edition, letter.html.replace("<body", "\n.<body", 1),
                    ".\n.starts with a dot\n" + letter.text + "\n.", version="v1")
    for reader in readers()[:20]:
        plain = same_but_for_the_boundary_and_date(dotted.copy(reader)[0], dotted.copy(reader)[0])[0]
        stuffed = same_but_for_the_boundary_and_date(dotted.copy(reader, dot_stuffed=True)[0], plain)[0]
        assert stuffed == smtplib._quote_periods(plain)
        assert b"\r\n..starts with a dot\r\n" in stuffed and b"\r\n.starts" not in stuffed


def test_a_test_copys_receipt_is_the_message_id_it_carries(letter: Letter):
    """Test copies get a fresh Message-ID each: the one composer reports is the one in the message."""
    test = Letter(letter.edition, letter.html, letter.text, test=True)
    raw, message_id = test.copy(Recipient("ed@example.org"))
    assert email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"] == message_id
    assert test.copy(Recipient("ed@example.org"))[1] != message_id


@pytest.mark.parametrize("connections", [2, 3])
def test_a_slow_ledger_holds_the_connections_back_to_one_unrecorded_message_each(letter: Letter, connections):
    """However long the ledger takes to record an answer, no connection sends its next message before
    its last one is recorded: a crash can repeat at most one message per connection."""
    import time

    from mail_servers import ListInbox, start_list_server

    from composer.send.smtp import Smtp

    inbox = ListInbox()
    controller, port = start_list_server(inbox)
    try:
        smtp = Smtp("127.0.0.1", port, "none", connections=connections)
        batch = readers()[:24]
        recorded, widest = 0, 0
        for outcomes in smtp.send(letter, batch):
            assert all(outcome.sent for outcome in outcomes)
            time.sleep(0.05)  # the ledger's commit, slowed down: the servers would have taken many more
            accepted = sum(len(copies) for copies in inbox.received.values())
            recorded += len(outcomes)
            widest = max(widest, accepted - recorded)
            assert accepted - recorded <= connections
        assert recorded == len(batch) == sum(len(copies) for copies in inbox.received.values())
        assert widest >= 1  # the connections did work side by side
    finally:
        controller.stop()


def test_a_send_torn_down_mid_list_leaves_the_held_messages_unsent(letter: Letter):
    """A second Ctrl-C tears the send down: a connection holding a message's final "." until the last
    one is recorded closes instead, and the server discards it; nothing is accepted afterwards."""
    import time

    from mail_servers import ListInbox, start_list_server

    from composer.send.smtp import Smtp

    inbox = ListInbox()
    controller, port = start_list_server(inbox)
    try:
        sending = Smtp("127.0.0.1", port, "none", connections=2).send(letter, readers()[:40])
        recorded = len(next(sending))
        time.sleep(0.3)  # the ledger is slow: each connection now holds a message, its DATA not ended
        sending.close()
        accepted = sum(len(copies) for copies in inbox.received.values())
        assert accepted - recorded <= 2
        time.sleep(0.3)
        assert sum(len(copies) for copies in inbox.received.values()) == accepted < 40
    finally:
        controller.stop()
