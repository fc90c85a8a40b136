"""`composer build`: render every issue, then write all their files or none."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from composer.diagnostics import ComposerError, Diagnostic
from composer.output import prepare_folder, write_all
from composer.pipeline import Rendered, issue_files, render_checked


@dataclass
class BuildReport:
    written: dict[Path, int] = field(default_factory=dict)  # path -> size in bytes
    warnings: list[Diagnostic] = field(default_factory=list)


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


def build(paths: list[Path], folder: Path, *, allow_clipping: bool = False, eml: bool = False) -> BuildReport:
    """Render every issue, then write them all; on any problem, write nothing."""
    issues = issue_files(paths)
    if not issues:
        raise ComposerError.at(paths[0] if paths else ".", "no issue files found; give a .yaml file or a folder of them")
    problems: list[Diagnostic] = []
    report = BuildReport()
    rendered: list[Rendered] = []
    for path in issues:
        try:
            result, warnings = render_checked(path, allow_clipping=allow_clipping)
        except ComposerError as error:
            problems += error.diagnostics
            continue
        report.warnings += warnings
        rendered.append(result)
    problems += _same_slug(rendered)
    if problems:
        raise ComposerError(problems)
    prepare_folder(folder)
    files: dict[Path, bytes] = {}
    for result in rendered:
        files.update(result.files(folder, eml=eml))
    write_all(files)
    report.written = {path: len(data) for path, data in files.items()}
    return report
