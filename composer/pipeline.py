"""The pipeline every command starts from: an issue file, rendered and checked.

    issue.yaml → loader (YAML with positions → Issue + House → Edition)
               → render_html (Jinja2 → MJML → mjml-python → premailer) and render_text
               → checks

No file is written here, and no command is imported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from composer.addresses import Unfit
from composer.checks import run_checks
from composer.codes import ERROR
from composer.completeness import lost_content
from composer.diagnostics import ComposerError, Diagnostic
from composer.loader import HOUSE_FILE, load_edition
from composer.model.edition import Edition
from composer.render_text import render_text


@dataclass
class Rendered:
    edition: Edition
    html: str
    text: str

    def files(self, folder: Path, *, eml: bool = False) -> dict[Path, bytes]:
        """The files `build` writes for this issue, by path."""
        files = {
            folder / f"{self.edition.slug}.html": self.html.encode("utf-8"),
            folder / f"{self.edition.slug}.txt": self.text.encode("utf-8"),
        }
        if eml:
            from composer.send.letter import Letter  # the message's headers and MIME: only for --eml

            try:
                message = Letter(self.edition, self.html, self.text).eml()
            except Unfit as problem:  # the letter's own headers were checked when it was made; this is the copy's
                raise ComposerError.at(self.edition.house_path or self.edition.source_name, str(problem)) from None
            files[folder / f"{self.edition.slug}.eml"] = message
        return files


def issue_files(paths: list[Path]) -> list[Path]:
    """The issues named on the command line; a folder stands for every issue in it."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.glob("*.yaml") if p.name != HOUSE_FILE)
        else:
            found.append(path)
    # `issues/*.yaml issues/2024-01-12.yaml` names one file twice: it is one issue, not two with one slug.
    unique: dict[Path, Path] = {}
    for path in found:
        # os.path.realpath, not Path.resolve: a link that loops back to itself is reported when read, not here.
        unique.setdefault(Path(os.path.realpath(path)), path)
    return list(unique.values())


def render(path: Path) -> Rendered:
    if path.name == HOUSE_FILE:
        raise ComposerError.at(path, "this is the house config, not an issue; build an issue file beside it")
    edition = load_edition(path)
    # Imported once the issue is valid: a refused file (a hostile one, say) never pays
    # for loading the renderer, which is half of composer's start-up time.
    from composer.render_html import render_html

    html = render_html(edition)
    lost = lost_content(edition, html)
    if lost:
        raise ComposerError(lost)
    return Rendered(edition, html, render_text(edition))


def render_checked(path: Path, *, allow_clipping: bool = False) -> tuple[Rendered, list[Diagnostic]]:
    """Render an issue and run `composer check` on it: (rendered, warnings). Errors stop here."""

    rendered = render(path)
    findings = run_checks(rendered.edition, rendered.html, rendered.text, allow_clipping=allow_clipping).findings
    errors = [f for f in findings if f.severity == ERROR]
    if errors:
        raise ComposerError(errors)
    return rendered, findings
