"""The build: issue files in, HTML and plain text out. No terminal I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from composer.checks import Finding, check_built
from composer.codes import ERROR
from composer.loader import HOUSE_FILE, load_edition
from composer.model import Edition
from composer.output import prepare_folder, write_all
from composer.problems import ComposerError, Problem
from composer.render_html import render_html
from composer.render_text import render_text

if TYPE_CHECKING:
    from email.message import EmailMessage


@dataclass
class Built:
    edition: Edition
    html: str
    text: str

    def files(self, folder: Path, *, eml: bool = False) -> dict[Path, bytes]:
        files = {
            folder / f"{self.edition.slug}.html": self.html.encode("utf-8"),
            folder / f"{self.edition.slug}.txt": self.text.encode("utf-8"),
        }
        if eml:
            from composer.message import message_bytes

            files[folder / f"{self.edition.slug}.eml"] = message_bytes(self.message())
        return files

    def message(self, to: list[str] | None = None, *, test: bool = False) -> EmailMessage:
        from composer.message import build_message  # the email package is only needed for sending

        return build_message(self.edition, self.html, self.text, to=to, test=test)


@dataclass
class BuildReport:
    written: dict[Path, int] = field(default_factory=dict)  # path -> size in bytes
    warnings: list[Finding] = field(default_factory=list)


def issue_files(paths: list[Path]) -> list[Path]:
    """The issues named on the command line; a folder stands for every issue in it."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.glob("*.yaml") if p.name != HOUSE_FILE)
        else:
            found.append(path)
    return found


def render(path: Path) -> Built:
    if path.name == HOUSE_FILE:
        raise ComposerError.at(path, "this is the house config, not an issue; build an issue file beside it")
    edition = load_edition(path)
    return Built(edition, render_html(edition), render_text(edition))


def render_checked(path: Path, *, allow_clipping: bool = False) -> tuple[Built, list[Finding]]:
    """Render an issue and run `composer check` on it: (built, warnings). Errors stop here."""
    result = render(path)
    findings = check_built(result, allow_clipping=allow_clipping)
    errors = [f.as_problem() for f in findings if f.severity == ERROR]
    if errors:
        raise ComposerError(errors)
    return result, findings


def build(paths: list[Path], folder: Path, *, allow_clipping: bool = False, eml: bool = False) -> BuildReport:
    """Render every issue, then write them all; on any problem, write nothing."""
    issues = issue_files(paths)
    if not issues:
        raise ComposerError.at(paths[0] if paths else ".", "no issue files found; give a .yaml file or a folder of them")
    problems: list[Problem] = []
    report = BuildReport()
    built: list[Built] = []
    for path in issues:
        try:
            result, warnings = render_checked(path, allow_clipping=allow_clipping)
        except ComposerError as error:
            problems += error.problems
            continue
        report.warnings += warnings
        built.append(result)
    if problems:
        raise ComposerError(problems)
    prepare_folder(folder)
    files: dict[Path, bytes] = {}
    for result in built:
        files.update(result.files(folder, eml=eml))
    write_all(files)
    report.written = {path: len(data) for path, data in files.items()}
    return report
