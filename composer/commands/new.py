"""`new`: the next issue's file, a skeleton the editor fills in, dated by the house's schedule.

Every field comes in house order with a one-line comment (the model's own
description, so the skeleton and the schema never disagree). The fields still
to fill are left empty, so that building the untouched file lists each one at
its line instead of failing with one generic error.
"""

from __future__ import annotations

import io
import typing
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from composer.commands.schema import ISSUE_SCHEMA_FILE, schema_text
from composer.diagnostics import ComposerError
from composer.loader import load_house
from composer.model.house import House, Weekday
from composer.model.issue import Issue
from composer.model.ranges import ITEMS
from composer.output import write_all
from composer.pipeline import issue_files
from composer.yamlsource import load_yaml, read_text

WEEKDAYS = typing.get_args(Weekday)  # monday first, as date.weekday() counts
FIRST_ITEMS = ITEMS.low  # the skeleton offers the fewest items the house runs


@dataclass
class NewIssue:
    path: Path
    schema_path: Path
    gitignore: Path | None = None  # written when the folder had none


# What a folder of issues must never commit: every one of these holds readers' addresses or send state.
GITIGNORE = """\
# Written by `composer new`. These files hold readers' addresses, or the state of a send:
# keep them out of the repository (back them up elsewhere).
*.ledger.sqlite
*.ledger.sqlite-wal
*.ledger.sqlite-shm
suppressions.sqlite
suppressions.sqlite-wal
suppressions.sqlite-shm
suppressions.csv
*.publish.json
outbox/
"""


def _issue_date(path: Path) -> date | None:
    """The date an existing issue carries: its `date:`, else its file name; None when it has neither."""
    try:
        data = load_yaml(path).data
    except ComposerError:
        data = None
    for candidate in (data.get("date") if isinstance(data, dict) else None, path.stem[:10]):
        try:
            return date.fromisoformat(str(candidate))
        except ValueError:
            continue
    return None


def next_date(folder: Path, weekday: str, today: date) -> date:
    """The first publication day after the latest issue in `folder` (or from today, in an empty folder)."""
    dates = [d for d in map(_issue_date, issue_files([folder])) if d]
    wanted = WEEKDAYS.index(weekday)
    if not dates:
        return today + timedelta(days=(wanted - today.weekday()) % 7)
    latest = max(dates)
    return latest + timedelta(days=(wanted - latest.weekday() - 1) % 7 + 1)


# Valid as written once uncommented (an address in a {…} mapping would need quotes), and each
# key explained: an editor seldom knows what height a picture has at 600 pixels wide.
_IMAGE_EXAMPLE = "".join(f"# {line}\n" for line in (
    "image:",
    "  url: https://responsiblestatecraft.org/media-library/top-image.jpg",
    "  alt: What the picture shows, for readers who do not see it",
    "  caption: What is happening in it, where and when (printed under it; optional)",
    "  credit: Name via Agency",
    "  height: 338   # its height at 600 pixels wide: its own height × 600 ÷ its own width (1200 × 675 gives 338)",
))


def _comment(name: str, extra: str = "") -> str:
    return f"# {Issue.model_fields[name].description}{extra}\n"


def _carried_over(source: Path) -> dict[str, str]:
    """The teasers and authors of an earlier issue, as it wrote them (block texts and comments kept)."""
    yaml = YAML()  # round-trip, so multi-line summaries stay `|` blocks
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    load_yaml(source)  # a file that is not YAML is reported as for any issue: one line, where it goes wrong
    try:
        data = yaml.load(read_text(source))
    except YAMLError:
        raise ComposerError.at(source, "cannot copy from this file, the round-trip YAML reader refuses it; "
                                       "leave out --from and copy the teasers by hand") from None
    if not isinstance(data, dict):
        raise ComposerError.at(source, "cannot copy from this file: it holds no issue fields; leave out --from")
    carried = {}
    for key in ("authors", "teasers"):
        if data.get(key):
            out = io.StringIO()
            yaml.dump({key: data[key]}, out)
            carried[key] = out.getvalue()
    return carried


def skeleton(day: date, house: House, carried: dict[str, str] | None = None) -> str:
    """The text of a new issue file dated `day`; `carried` holds YAML blocks copied from an earlier issue."""
    carried = carried or {}
    text = f"# yaml-language-server: $schema=./{ISSUE_SCHEMA_FILE}\n"
    text += (f"# {house.newsletter} for {day.strftime('%A')} {day.isoformat()}. Fill in every empty value (\"\"),\n"
             "# then build: composer lists each field still to fill, with its line.\n")
    text += _comment("date") + f"date: {day.isoformat()}\n"
    text += _comment("status") + "status: draft\n"
    text += _comment("kind", " Reporting or Analysis.") + 'kind: ""\n'
    text += _comment("section") + 'section: ""\n'
    text += _comment("headline").replace("Diplomacy Watch", house.newsletter) + 'headline: ""\n'
    text += _comment("dek") + 'dek: ""\n'
    text += _comment("authors")
    text += carried.get("authors") or "# authors: [First Author, Second Author]\n"
    text += _comment("subject") + '# subject: ""\n'
    text += _comment("preheader") + '# preheader: ""\n'
    text += _comment("image", ' Its credit prints as "Top image credit: <who> via <agency>".')
    text += _IMAGE_EXAMPLE
    text += _comment("lead") + "lead: |\n"
    text += (_comment("items") + "# Each item opens with the day and credits its outlet: "
             "…, according to [Reuters](https://www.reuters.com/…).\n")
    text += "items:\n" + '  - ""\n' * FIRST_ITEMS
    text += _comment("state_department", " Cuts are marked [...]. Leave it out to print the standard line.")
    text += "# state_department: |\n"
    text += _comment("state_department_line") + "# state_department_line: prior-to-publication\n"
    text += _comment("state_department_note")
    text += "# state_department_note: The State Department held no briefing this week because of the holiday.\n"
    text += _comment("teasers", " Each: label (the section), headline, url, image, summary.")
    text += carried.get("teasers") or "# teasers: []\n"
    text += _comment("footer") + "# footer: {appeal: false}\n"
    text += _comment("slug") + f"# slug: {day.isoformat()}-special\n"
    text += _comment("silence") + "# silence: [DW302]\n"
    return text


def new_issue(folder: Path, *, on: date | None = None, copy_from: Path | None = None,
              today: date | None = None) -> NewIssue:
    """Write the next issue's skeleton into `folder`, with the issue schema beside it; never overwrite an issue."""
    if not folder.is_dir():
        raise ComposerError.at(folder, "not a folder; give the folder that holds the issues (and house.yaml)")
    house, _ = load_house(folder)
    day = on or next_date(folder, house.schedule, today or date.today())
    path = folder / f"{day.isoformat()}.yaml"
    if path.exists():
        raise ComposerError.at(path, "this file already exists, and composer new never overwrites one; "
                                     "edit it, or pick another day with --date YYYY-MM-DD")
    carried = _carried_over(copy_from) if copy_from is not None else {}
    schema_path = folder / ISSUE_SCHEMA_FILE
    files = {path: skeleton(day, house, carried).encode(), schema_path: schema_text().encode()}
    gitignore = folder / ".gitignore"
    if not gitignore.exists() and not gitignore.is_symlink():
        files[gitignore] = GITIGNORE.encode()
    write_all(files)
    return NewIssue(path, schema_path, gitignore if gitignore in files else None)
