"""`composer check`: every issue's findings, as text lines or in the documented JSON shape."""

from __future__ import annotations

from pathlib import Path

from composer.checks import run_checks
from composer.codes import ERROR
from composer.diagnostics import ComposerError, Diagnostic
from composer.links.check import Mode, link_checks, link_mode  # noqa: F401  (link_mode: for the command line)
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
    outcomes: dict[Path, Rendered | ComposerError] = {}
    for path in paths:
        try:
            outcomes[path] = render(path)
        except ComposerError as error:
            outcomes[path] = error
    answered = {}
    if links:
        answered = link_checks({p: o.edition for p, o in outcomes.items() if isinstance(o, Rendered)}, links)
    files = []
    for path, outcome in outcomes.items():
        entry: dict = {"path": str(path)}
        if isinstance(outcome, ComposerError):
            findings = outcome.diagnostics
        else:
            checked = run_checks(outcome.edition, outcome.html, outcome.text, with_spam=spam,
                                 link_check=answered.get(path))
            findings = checked.findings
            if checked.spam is not None:
                entry["spam"] = checked.spam
        entry["findings"] = [f.as_dict() for f in findings]
        files.append(entry)
    every = [f for entry in files for f in entry["findings"]]
    errors = sum(f["severity"] == ERROR for f in every)
    warnings = len(every) - errors
    return {"version": 1, "files": files,
            "summary": {"errors": errors, "warnings": warnings, "failed": bool(errors or (strict and warnings))}}


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
