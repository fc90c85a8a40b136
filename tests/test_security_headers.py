"""What reaches the mail headers: no smuggled header, no broken line, valid list headers."""

from __future__ import annotations

import email
import email.policy
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli
from mail_servers import start

INJECTED_Q = "=?utf-8?q?Hi=0D=0ABcc:_victim@evil.example?="
# base64 of "Hi\r\n\r\nbody" : a blank line would end the header block.
INJECTED_B = "=?utf-8?b?SGkNCg0KYm9keQ==?="


def issue_with(folder: Path, issue_lines: str = "", house: str = "") -> Path:
    source = (FIXTURES / "good" / "minimal.yaml").read_text()
    for line in issue_lines.splitlines():
        key = line.split(":", 1)[0]
        source = "\n".join(x for x in source.splitlines() if not x.startswith(f"{key}:")) + "\n" + line + "\n"
    (folder / "2024-01-12.yaml").write_text(source)
    if house:
        (folder / "house.yaml").write_text(house)
    return folder / "2024-01-12.yaml"


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.fixture
def plain_server():
    controller, inbox, port = start("plain", None)
    yield inbox, port
    controller.stop()


def smtp_house(port: int, extra: str = "") -> str:
    return f"delivery:\n  provider: smtp\n  smtp: {{host: 127.0.0.1, port: {port}, security: none}}\n" + extra


@pytest.mark.parametrize(
    "issue_line, house_line, field",
    [
        (f'subject: "{INJECTED_Q}"', "", "subject"),
        (f'subject: "{INJECTED_B}"', "", "subject"),
        (f'headline: "{INJECTED_Q}"', "", "headline"),
        ("", f'sender:\n  name: "{INJECTED_Q}"\n', "sender.name"),
        ("", f'newsletter: "{INJECTED_Q}"\n', "newsletter"),
    ],
)
def test_encoded_words_never_reach_the_smtp_server(tmp_path, plain_server, issue_line, house_line, field):
    inbox, port = plain_server
    issue = issue_with(tmp_path, issue_line, smtp_house(port, house_line))
    result = run_cli("send", issue, "--to", "ed@example.org")
    assert result.exit_code == 2, result.stdout
    where = issue if issue_line else tmp_path / "house.yaml"
    [line] = [x for x in result.stderr.splitlines() if "RFC 2047" in x]
    assert line.startswith(f"{where}:{line_of(where, '=?utf-8?')}:")
    assert f"`{field}`: `=?…?=` is the syntax of an encoded mail header" in line
    assert inbox.handled == []  # the real server received nothing at all


def test_a_plain_subject_reaches_the_server_as_one_header(tmp_path, plain_server):
    inbox, port = plain_server
    issue = issue_with(tmp_path, 'subject: "Hi: Bcc victim@evil.example, =? alone"', smtp_house(port))
    result = run_cli("send", issue, "--to", "ed@example.org")
    assert result.exit_code == 0, result.stderr
    [received] = inbox.handled
    assert received.rcpt_tos == ["ed@example.org"]
    message = email.message_from_bytes(received.content, policy=email.policy.default)
    assert message["Subject"] == "[TEST] Hi: Bcc victim@evil.example, =? alone"
    assert message["Bcc"] is None


@pytest.mark.parametrize("command", [("build", "--eml", "-o"), ("send", "--to", "ed@example.org", "--dry-run")])
def test_build_eml_and_dry_run_refuse_an_encoded_subject(tmp_path, command):
    issue = issue_with(tmp_path, f'subject: "{INJECTED_Q}"')
    extra = [tmp_path / "out"] if command[0] == "build" else []
    result = run_cli(command[0], issue, *command[1:], *extra)
    assert result.exit_code == 2
    assert "Bcc" not in result.stdout
    assert f"{issue}:{line_of(issue, 'subject:')}:" in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_final_check_decodes_every_header():
    from composer.send.headers import header_problems

    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = INJECTED_Q  # as if the model had let it through
    message["From"] = "a@example.org"
    problems = header_problems(message)
    assert any("did not write (bcc)" in p for p in problems)

    blank_line = EmailMessage(policy=email.policy.SMTP)
    blank_line["Subject"] = INJECTED_B  # decoded, a blank line would end the header block
    blank_line["From"] = "a@example.org"
    assert header_problems(blank_line) == ["the header block would end before the from header"]

    long_name = EmailMessage(policy=email.policy.SMTP)
    long_name["From"] = Address("A" * 2000, "news", "example.org")
    assert any("over the 998" in p for p in header_problems(long_name))

    clean = EmailMessage(policy=email.policy.SMTP)
    clean["Subject"] = "Диплом: a long subject " * 10
    assert header_problems(clean) == []


def test_a_2000_character_sender_name_is_refused(tmp_path):
    issue = issue_with(tmp_path, house=f"sender:\n  name: {'A' * 2000}\n")
    result = run_cli("build", issue, "--eml", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"{tmp_path / 'house.yaml'}:2:9: `sender.name`: this text becomes a mail header "
                                     "and is 2,000 characters long; shorten it to at most 200")


def eml_of(issue: Path) -> email.message.EmailMessage:
    out = issue.parent / "out"
    result = run_cli("build", issue, "--eml", "-o", out)
    assert result.exit_code == 0, result.stderr
    raw = (out / f"{issue.stem}.eml").read_bytes()
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_list_id_of_a_non_ascii_newsletter_is_valid(tmp_path):
    message = eml_of(issue_with(tmp_path, house="newsletter: Редакция\n"))
    list_id = message["List-Id"]
    assert str(list_id).startswith("Редакция <")
    label = str(list_id).split("<", 1)[1].rstrip(">")
    # RFC 2919: list-label "." domain, ASCII dot-atom text.
    assert label == "newsletter.responsiblestatecraft.org"


def test_an_idn_sender_domain_is_written_as_its_a_label(tmp_path):
    message = eml_of(issue_with(tmp_path, house="sender:\n  address: news@bücher.example\n"))
    assert message["From"].addresses[0].addr_spec == "news@xn--bcher-kva.example"
    assert str(message["Message-ID"]).endswith("@xn--bcher-kva.example>")


@pytest.mark.parametrize("url", ["https://x.example/u>, <https://evil.example/", "https://x.example/u https://e.example/",
                                 "https:///no-host", 'https://x.example/"quoted"'])
def test_unsubscribe_url_must_be_one_address_with_a_host(tmp_path, url):
    issue = issue_with(tmp_path, house=f"unsubscribe_url: '{url}'\n")
    result = run_cli("build", issue, "--eml", "-o", tmp_path / "out")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"{tmp_path / 'house.yaml'}:1:18: `unsubscribe_url`: '{url}' ")
    assert "one" in line


def test_upper_case_https_still_gets_one_click_unsubscribe(tmp_path):
    message = eml_of(issue_with(tmp_path, house="unsubscribe_url: HTTPS://Example.org/unsubscribe\n"))
    assert message["List-Unsubscribe"] == "<HTTPS://Example.org/unsubscribe>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize("key, column", [("unsubscribe_url", 18), ("web_url", 10)])
def test_line_breaks_in_house_addresses_are_located(tmp_path, key, column):
    issue = issue_with(tmp_path, house=f'{key}: "https://x.example/{{date}}\\r\\nBcc: victim@evil.example"\n'
                       .replace("{date}", "{date}" if key == "web_url" else "u"))
    result = run_cli("build", issue, "--eml", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{tmp_path / 'house.yaml'}:1:{column}: `{key}`: the address holds a line break; "
        "write it on one line, with no line break or NUL inside"
    ]


def test_the_list_send_token_placeholder_is_allowed(tmp_path):
    issue = issue_with(tmp_path, house="unsubscribe_url: 'https://x.example/unsubscribe?t={token}'\n")
    assert run_cli("build", issue, "-o", tmp_path / "out").exit_code == 0
    issue = issue_with(tmp_path, house="unsubscribe_url: 'https://x.example/u?t={token}>, <https://evil.example/'\n")
    assert run_cli("build", issue, "-o", tmp_path / "out").exit_code == 2
