"""`composer check`: every issue's findings, as text lines or in the documented JSON shape."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from composer.checks import run_checks
from composer.codes import ERROR
from composer.diagnostics import ComposerError, Diagnostic
from composer.links.check import Mode, link_checks, link_mode  # noqa: F401  (link_mode: for the command line)
from composer.links.lock import LinkCheck
from composer.parallel import in_order
from composer.pipeline import Rendered, issue_files, render
from composer.wording import counted


def one_decimal(score: float, sign: str = "") -> str:
    """A score to one decimal, never "-0.0": SpamAssassin's small negative scores round to 0.0."""
    rounded = round(score, 1) + 0.0  # adding 0.0 turns -0.0 into 0.0
    return f"{rounded:{sign}.1f}"


def check_report(named: list[Path], *, strict: bool = False, spam: bool = False, links: Mode | None = None) -> dict:
    """The findings for every issue named (files, or folders of them), in the documented JSON shape
    (check_schema.json). A file that cannot be built at all is reported through its refusals (DW001, DW101).
    With `links`, every issue's links are fetched (or replayed from its lock file) first, all at once.
    """
    paths = issue_files(named)
    if not paths:
        raise ComposerError.at(named[0], "no issue files found; give a .yaml file or a folder of them")
    if links is None:  # each issue on its own: rendered and checked on every core
        files = in_order(partial(_checked_entry, spam=spam), paths, warm=_warm)
    else:  # every issue's links fetched together first, then each issue checked with what they answered
        files = _checked_with_links(paths, spam, links)
    every = [f for entry in files for f in entry["findings"]]
    errors = sum(f["severity"] == ERROR for f in every)
    warnings = len(every) - errors
    return {"version": 1, "files": files,
            "summary": {"errors": errors, "warnings": warnings, "failed": bool(errors or (strict and warnings))}}


def _warm() -> None:
    import composer.render_html  # noqa: F401  (once, before the work is shared out)


def _entry(path: Path, outcome: Rendered | ComposerError, spam: bool, link_check: LinkCheck | None = None) -> dict:
    """One issue's part of the report: its refusals, or its findings (and spam score)."""
    entry: dict = {"path": str(path)}
    if isinstance(outcome, ComposerError):
        findings = outcome.diagnostics
    else:
        checked = run_checks(outcome.edition, outcome.html, outcome.text, with_spam=spam, link_check=link_check)
        findings = checked.findings
        if checked.spam is not None:
            entry["spam"] = checked.spam
    entry["findings"] = [f.as_dict() for f in findings]
    return entry


def _rendered(path: Path) -> Rendered | ComposerError:
    try:
        return render(path)
    except ComposerError as error:
        return error


def _checked_entry(path: Path, spam: bool) -> dict:
    return _entry(path, _rendered(path), spam)


def _checked_with_links(paths: list[Path], spam: bool, links: Mode) -> list[dict]:
    outcomes = {path: _rendered(path) for path in paths}
    answered = link_checks({p: o.edition for p, o in outcomes.items() if isinstance(o, Rendered)}, links)
    return [_entry(path, outcome, spam, answered.get(path)) for path, outcome in outcomes.items()]


def text_lines(report: dict) -> list[str]:
    """The report as `file:line:col: severity code message; fix` lines, and each spam score."""
    lines = []
    for entry in report["files"]:
        lines += [Diagnostic(**finding).detailed() for finding in entry["findings"]]
        if "spam" in entry:
            spam = entry["spam"]
            rules = ", ".join(f"{r['name']} ({one_decimal(r['score'], '+')})" for r in spam["rules"]) or "none"
            lines.append(f"{entry['path']}: SpamAssassin score {one_decimal(spam['score'])} "
                         f"(spam at {one_decimal(spam['required'])}); rules: {rules}")
    return lines


def summary_line(report: dict) -> str:
    summary = report["summary"]
    return f"{counted(summary['errors'], 'error')}, {counted(summary['warnings'], 'warning')}"
