"""`composer check`: the editor's pre-flight, each finding pointing at its YAML line.

The rules, one small function per finding, are grouped by subject:
attribution.py, comments.py, dates.py, links.py, reachable.py, style.py, inbox.py and spam.py. Each is
registered with its codes (registry.py); codes.py declares every code's
severity. Codes listed under `silence:` in the issue are dropped, everywhere
(`DW302`) or on one line of the issue file (`DW202@39`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from composer.checks import attribution, comments, dates, inbox, links, reachable, spam, style  # noqa: F401  (registers them)
from composer.checks.registry import RULES, Context
from composer.diagnostics import Diagnostic
from composer.model.edition import Edition

if TYPE_CHECKING:
    from composer.links.lock import LinkCheck


@dataclass
class Checked:
    findings: list[Diagnostic]
    spam: dict | None = None  # SpamAssassin's report, when it ran


def run_checks(edition: Edition, html: str, text: str, *, allow_clipping: bool = False,
               with_spam: bool = False, link_check: LinkCheck | None = None) -> Checked:
    """Every rule over one rendered issue; the findings sorted by place, silenced codes left out."""
    context = Context(edition, html, text, allow_clipping=allow_clipping, with_spam=with_spam, link_check=link_check)
    for _, check in RULES:
        check(context)
    return Checked(unsilenced(context.findings, edition.issue.silence), context.spam_report)


def unsilenced(findings: list[Diagnostic], silence: list[str]) -> list[Diagnostic]:
    """The findings sorted by place, each once, without those `silence:` accepts (`DW302`, `DW202@39`)."""
    silenced = set(silence)
    return sorted({f for f in findings if f.code not in silenced and f"{f.code}@{f.line}" not in silenced})
