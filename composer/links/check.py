"""`check --links`: each issue's links fetched (and recorded in its lock file), compared with the
recorded check (`--changed`), or replayed from it without the network (`--offline`).

The findings themselves are rules like any other check (composer/checks/reachable.py);
this module only gathers what they read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from composer.links.collect import Link, links_of
from composer.links.lock import LinkCheck, Lock, lock_path, now, read_lock, write_lock
from composer.model.edition import Edition

Mode = Literal["fetch", "offline", "changed"]


def link_mode(links: bool, offline: bool, changed: bool) -> Mode | None:
    """The mode the command-line options ask for; a ValueError says why they do not go together."""
    if (offline or changed) and not links:
        raise ValueError(f"{'--offline' if offline else '--changed'} goes with --links, as in "
                         f"`composer check --links {'--offline' if offline else '--changed'} issue.yaml`")
    if offline and changed:
        raise ValueError("--changed fetches the pages again to compare them, so it cannot be --offline; "
                         "choose one")
    if not links:
        return None
    return "offline" if offline else "changed" if changed else "fetch"


def _targets(links: list[Link]) -> dict[str, bool]:
    """Each address once, and whether it is used as an image anywhere."""
    targets: dict[str, bool] = {}
    for link in links:
        targets[link.url] = targets.get(link.url, False) or link.image is not None
    return targets


def link_checks(editions: dict[Path, Edition], mode: Mode) -> dict[Path, LinkCheck]:
    """What every issue's links answered, for the checks; with `fetch`, each issue's lock file written."""
    links = {path: links_of(edition) for path, edition in editions.items()}
    locks = {path: read_lock(lock_path(path)) for path in editions} if mode != "fetch" else {}
    seen: dict = {}
    if mode != "offline":
        from composer.links.fetch import fetch_all  # httpx, only now

        by_house: dict[Path, list[Path]] = {}  # issues of one folder share their house's settings
        for path in editions:
            by_house.setdefault(path.parent.resolve(), []).append(path)
        for paths in by_house.values():
            settings = editions[paths[0]].house.links
            seen.update(fetch_all(_targets([link for path in paths for link in links[path]]), settings))
    checks = {}
    for path in editions:
        lock = locks.get(path)
        if mode == "offline":
            answers = dict(lock.links) if lock else {}
        else:
            answers = {link.url: seen[link.url] for link in links[path]}
        if mode == "fetch":
            write_lock(lock_path(path), Lock(issue=path.name, checked=now(), links=answers))
        checks[path] = LinkCheck(links[path], answers, mode, lock, lock_path(path).name)
    return checks
