"""An issue whose links the tests choose, and its link findings read back (the `server` fixture is in conftest)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

HEAD = ["date: 2024-01-12", "kind: Reporting", "section: QiOSK", "headline: Talks about talks resume in Istanbul",
        "dek: Negotiators met for the first time in months", "lead: |", "  On Tuesday, negotiators met in Istanbul.",
        "items:"]
ITEM = "  - On Wednesday, the talks went on, as [the report]({url}) said."
FIRST_ITEM_LINE = len(HEAD) + 1
URL_COLUMN = ITEM.index("{url}") + 1
LINK_CODES = {f"DW3{n:02d}" for n in range(6, 16)}
HOUSE = "links:\n  timeout: 2\n  deadline: 30\n"


def write_issue(folder: Path, urls: list[str], *, extra: str = "", house: str = HOUSE) -> Path:
    """An issue with one item per link, item k on line FIRST_ITEM_LINE + k; `extra` lines follow the items."""
    lines = HEAD + [ITEM.format(url=url) for url in urls]
    issue = folder / "2024-01-12.yaml"
    issue.write_text("\n".join(lines) + "\n" + extra)
    (folder / "house.yaml").write_text(house)
    return issue


def check(*args) -> tuple:
    result = run_cli("check", *args, "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    return result, json.loads(result.stdout)


def link_findings(report: dict) -> list[dict]:
    return [f for entry in report["files"] for f in entry["findings"] if f["code"] in LINK_CODES]


def placed(report: dict) -> list[tuple[str, int, int]]:
    return [(f["code"], f["line"], f["column"]) for f in link_findings(report)]


def lock_of(issue: Path) -> dict:
    return json.loads(issue.with_name(f"{issue.stem}.links.json").read_text())
