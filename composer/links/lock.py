"""The lock file, `<issue>.links.json` beside the issue: what every link answered at the last `check --links`.

It is what `check --links --offline`, `--changed` and the sends to readers read
back. Its keys and links are in a fixed order, so that a diff of two versions
shows what changed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, ValidationError

from composer.diagnostics import CommandError, ComposerError
from composer.model.fields import Model
from composer.output import write_all

if TYPE_CHECKING:
    from composer.links.collect import Link

Problem = Literal["timeout", "unreachable", "redirect loop", "failed", "deadline"]


class Hop(Model):
    status: int
    url: str = Field(description="The address that answered with this redirect.")


class Observation(Model):
    """One link's answer: after its redirects, from its last try."""

    status: int | None = None  # None when no answer came: see `problem`
    final_url: str
    redirects: list[Hop] = []
    content_type: str | None = None
    length: int | None = None
    text_hash: str | None = None  # of the page's main text, for HTML pages
    title: str | None = None
    image_size: tuple[int, int] | None = None  # width, height, as the image's header gives them
    problem: Problem | None = None
    detail: str | None = None
    method: Literal["HEAD", "GET"] | None = None
    tries: int = 0
    checked: str

    @property
    def answered(self) -> bool:
        return self.status is not None

    @property
    def is_html(self) -> bool:
        return self.content_type in ("text/html", "application/xhtml+xml")


class Lock(Model):
    version: Literal[1] = 1
    issue: str
    checked: str
    links: dict[str, Observation]


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def lock_path(issue: Path) -> Path:
    return issue.with_name(f"{issue.stem}.links.json")


def read_lock(path: Path) -> Lock | None:
    """The lock file, or None when there is none; a damaged one is refused in one line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"{path}: cannot read the link check ({error}); delete it and run "
                           "`composer check --links` again") from None
    try:
        return Lock.model_validate_json(text)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        raise CommandError(f"{path}: this is not a link check composer wrote ({where}: {first['msg']}); "
                           "delete it and run `composer check --links` again") from None


def write_lock(path: Path, lock: Lock) -> None:
    data = lock.model_dump(mode="json")
    data["links"] = dict(sorted(data["links"].items()))
    try:
        write_all({path: (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")})
    except ComposerError:
        raise CommandError(f"{path}: the link check could not be recorded beside the issue; make its folder "
                           "writable, or check with --offline") from None


@dataclass
class LinkCheck:
    """What `check --links` hands the checks for one issue (composer/checks/reachable.py)."""

    links: list[Link]
    seen: dict[str, Observation]  # what each address answered: just now, or at the last check when offline
    mode: Literal["fetch", "offline", "changed"]
    lock: Lock | None = None  # the last check, when this one replays it or compares with it
    lock_name: str = ""

    @property
    def compared(self) -> bool:
        """True when links are measured against the last check: the ones it never saw are reported."""
        return self.mode != "fetch"
