"""`composer build`: render every issue, then write the files of each one that rendered, or none at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from composer.diagnostics import ComposerError, Diagnostic
from composer.output import output_folder, write_all
from composer.pipeline import Rendered, issue_files, render_checked


@dataclass
class BuildReport:
    written: dict[Path, int] = field(default_factory=dict)  # path -> size in bytes
    warnings: list[Diagnostic] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)  # of the issues that were not built
    built: list[str] = field(default_factory=list)
    not_built: list[str] = field(default_factory=list)

    def messages(self) -> list[str]:
        """Warnings, then the problems that stopped an issue, one line each."""
        return [str(d) for d in self.warnings] + [str(d) for d in sorted(self.problems)]

    def summary(self) -> str:
        built = ", ".join(self.built) or "nothing"
        return f"built: {built}; not built: {', '.join(self.not_built)}"


def _same_slug(rendered: list[Rendered]) -> list[Diagnostic]:
    """Two issues that would write the same files: the second would silently replace the first."""
    first: dict[str, Rendered] = {}
    clashes = []
    for result in rendered:
        slug = result.edition.slug
        if slug in first:
            edition, other = result.edition, first[slug].edition.source_name
            line, column = edition.position(("slug",), key=True) if edition.issue.slug else (1, 1)
            clashes.append(Diagnostic(
                path=edition.source_name, line=line, column=column,
                message=f"this issue and {other} both build {slug}.html; give one of them its own `slug:` "
                        "or build them into different folders",
            ))
        else:
            first[slug] = result
    return clashes


def build(paths: list[Path], folder: Path, *, allow_clipping: bool = False, eml: bool = False,
          strict_all: bool = False) -> BuildReport:
    """Render every issue, then write the files of each issue that rendered.

    Each issue is all or nothing: a problem in one leaves its previous files as
    they were, and does not stop the others (a half-written draft for next week
    must not hold back this week's issue). With `strict_all`, any problem in
    any issue writes nothing at all. Two issues with one slug always stop the build.
    """
    issues = issue_files(paths)
    if not issues:
        raise ComposerError.at(paths[0] if paths else ".",
                               "no issue files found; give a .yaml file or a folder of them")
    report = BuildReport()
    rendered: list[Rendered] = []
    for path in issues:
        try:
            result, warnings = render_checked(path, allow_clipping=allow_clipping)
        except ComposerError as error:
            report.problems += error.diagnostics
            report.not_built.append(str(path))
            continue
        report.warnings += warnings
        rendered.append(result)
    clashes = _same_slug(rendered)
    if clashes:
        raise ComposerError(report.problems + clashes)
    if report.problems and (strict_all or not rendered):
        raise ComposerError(report.problems)
    files: dict[Path, bytes] = {}
    for result in rendered:
        files.update(result.files(folder, eml=eml))  # the message's last checks (--eml) may still refuse it
        report.built.append(result.edition.source_name)
    with output_folder(folder):
        write_all(files)
    report.written = {path: len(data) for path, data in files.items()}
    return report
