"""How a check is written: a small function, registered with the codes it reports.

A rule reads a `Context` (the edition, the finished HTML and text, and the YAML
they came from) and reports findings through `Context.add`, which locates each
one at the editor's own line. Rules never render, write or send anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from composer import markdown
from composer.codes import CODES, severity
from composer.diagnostics import Diagnostic
from composer.model.edition import Edition

if TYPE_CHECKING:
    from composer.links.lock import LinkCheck

Rule = Callable[["Context"], None]
RULES: list[tuple[tuple[str, ...], Rule]] = []


def rule(*codes: str) -> Callable[[Rule], Rule]:
    """Register a check under the codes it reports (each declared in codes.py)."""
    unknown = [code for code in codes if code not in CODES]
    if unknown:
        raise ValueError(f"undeclared check codes {unknown}; add them to codes.py")

    def register(function: Rule) -> Rule:
        RULES.append((codes, function))
        return function

    return register


@dataclass
class Context:
    edition: Edition
    html: str
    text: str
    allow_clipping: bool = False
    with_spam: bool = False
    findings: list[Diagnostic] = field(default_factory=list)
    spam_report: dict | None = None
    link_check: LinkCheck | None = None  # what the links answered, with `check --links`

    @property
    def issue(self):
        return self.edition.issue

    @property
    def house(self):
        return self.edition.house

    def add(self, code: str, loc: tuple, message: str, fix: str | None = None, *, snippet: str | None = None,
            key: bool = False, level: str | None = None, path: str | None = None,
            at: tuple[int, int] | None = None) -> None:
        """Report a finding at `at`, or where `snippet` sits in the value at `loc`, or at `loc` itself."""
        if at is None:
            at = self.locate(loc, snippet) if snippet else self.edition.position(loc, key=key)
        line, column = at
        self.findings.append(Diagnostic(path=path or self.edition.source_name, line=line, column=column, code=code,
                                        severity=level or severity(code), message=message, fix=fix))

    def locate(self, loc: tuple, snippet: str, nth: int = 0) -> tuple[int, int]:
        source = self.edition.source
        return source.locate(loc, snippet, nth) if source else (1, 1)

    def prose(self) -> Iterator[tuple[tuple, str]]:
        """(loc, Markdown source) of every prose field the editor wrote."""
        return self.edition.prose()

    def links(self) -> Iterator[tuple[tuple, str, str]]:
        """(loc, href, link text) of every link the editor wrote."""
        for loc, source in self.prose():
            for href, text in markdown.links_with_text(source):
                yield loc, href, text
        for n, teaser in enumerate(self.issue.teasers):
            yield ("teasers", n, "url"), teaser.url, markdown.inline_to_text(teaser.headline)
