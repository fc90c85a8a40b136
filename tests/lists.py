"""A house set up for list sends, subscriber lists, and what each reader's copy must carry."""

from __future__ import annotations

import email
import email.policy
import re
import shutil
from pathlib import Path

import lxml.html
from conftest import EXAMPLES

from composer.unsubscribe import verify_unsubscribe_token

ISSUE = "2023-03-17.yaml"
UNSUBSCRIBE = "https://responsiblestatecraft.org/newsletter/unsubscribe?t={token}"
LIST_SECRET = "list-secret-9c4e1d7a2b6f"
SUBJECT = "Diplomacy Watch: Xi’s Moscow trip and China’s peace pitch"


def list_issue(folder: Path, delivery: str = "") -> Path:
    """The example issue with a house whose unsubscribe link takes each reader's {token}."""
    shutil.copy(EXAMPLES / ISSUE, folder / ISSUE)
    house = (EXAMPLES / "house.yaml").read_text().replace(
        "unsubscribe_url: https://responsiblestatecraft.org/newsletter/unsubscribe/",
        f'unsubscribe_url: "{UNSUBSCRIBE}"')
    assert UNSUBSCRIBE in house
    (folder / "house.yaml").write_text(house + delivery)
    return folder / ISSUE


def subscribers(n: int) -> list[str]:
    return [f"reader{i:05d}@example.org" for i in range(n)]


def write_list(path: Path, subscribed: list[str], others: dict[str, str] | None = None, extra: str = "") -> Path:
    """A CSV list: the subscribed readers (every other one with an empty status), then others by status."""
    lines = ["email,name,status"]
    lines += [f"{a},Reader {i},{'subscribed' if i % 2 else ''}" for i, a in enumerate(subscribed)]
    lines += [f"{a},,{status}" for a, status in (others or {}).items()]
    path.write_text("\n".join(lines) + "\n" + extra)
    return path


def token_of(url: str) -> str:
    prefix = UNSUBSCRIBE.replace("{token}", "")
    assert url.startswith(prefix), url
    return url[len(prefix):]


def header_url(value: str) -> str:
    """The https link of a List-Unsubscribe header."""
    first = value.split(",")[0].strip()
    assert first.startswith("<") and first.endswith(">"), value
    return first[1:-1]


def body_url(html: str) -> str:
    """The href of the footer's unsubscribe link, found by parsing the HTML (lxml: thousands of copies)."""
    links = [href for href in lxml.html.fromstring(html).xpath("//a/@href")
             if href.startswith(UNSUBSCRIBE.split("?")[0])]
    assert len(links) == 1, links
    return links[0]


def check_personal_message(raw: bytes, address: str) -> str:
    """A reader's message: their own link in List-Unsubscribe, the HTML and the text; returns it."""
    # As written on the wire, not as a forgiving parser decodes it: mail clients look for a
    # literal <https://…> in List-Unsubscribe, and RFC 2047 encoded words are not allowed there.
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    written = re.search(rb"^List-Unsubscribe: ?(.*)$", head, re.M | re.I)
    assert written and written.group(1).strip().startswith(b"<https://"), head[:2000]
    assert b"=?" not in written.group(1)
    assert re.search(rb"^Message-ID: <[^>\r\n]+>\r?$", head, re.M | re.I), "the Message-ID starts on its own line"
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == SUBJECT
    assert message["To"].addresses[0].addr_spec.lower() == address.lower()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = header_url(message["List-Unsubscribe"])
    assert verify_unsubscribe_token(token_of(url), LIST_SECRET) == address
    plain, rich = message.get_payload()
    assert body_url(rich.get_content()) == url
    assert url in plain.get_content().splitlines()
    assert "{token}" not in plain.get_content() + rich.get_content()
    return url
